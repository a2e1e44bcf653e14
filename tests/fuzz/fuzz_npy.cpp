// The .npy reader on arbitrary bytes; whatever it accepts must write back and
// read back to the same array.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fitstore/npy.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fitstore::fuzz::expect_clean([&] {
        const fitstore::any_array a = fitstore::read_npy_bytes(data, size, "fuzz.npy");
        const std::vector<std::uint8_t> bytes = fitstore::write_npy_bytes(a);
        const fitstore::any_array b = fitstore::read_npy_bytes(bytes.data(), bytes.size(), "fuzz-rewritten.npy");
        fitstore::fuzz::require(a.type() == b.type() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
                                    (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0),
                                "an accepted .npy does not round-trip through write_npy_bytes");
    });
    return 0;
}
