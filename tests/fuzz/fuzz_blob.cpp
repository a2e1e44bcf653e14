// loads() of an in-memory blob: the whole input is the blob. Anything that
// loads must also be accepted by array_bundle's persist() or refused cleanly.
#include <cstddef>
#include <cstdint>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fitstore::load_options options;
    options.threads = 1;
    fitstore::fuzz::expect_clean([&] {
        fitstore::store_contents c = fitstore::read_blob_bytes(data, size, options, "fuzz.blob");
        for (const auto& a : c.root.arrays) (void)a.second.nbytes();
    });
    fitstore::fuzz::expect_clean([&] { (void)fitstore::loads<fitstore::array_bundle>(data, size, options); });
    return 0;
}
