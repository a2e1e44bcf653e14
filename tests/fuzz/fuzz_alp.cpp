// The alp decoder (FORMAT.md 4.1) on arbitrary bytes, and alp round trips.
//   byte 0      bit 0: float32 (1) or float64 (0); bit 1: alp-zstd instead of alp
//   bytes 1-3   expected number of values (little-endian, 24 bits: up to 16 Mi
//               values, capped to 1 MiB of output)
//   the rest    the stored chunk
// A decode either fills exactly the expected bytes or throws format_error; it
// never reads past the chunk or writes past the destination (ASan checks: both
// are heap copies of exactly their size). The rest, read as floats, is also
// encoded and decoded again and must come back bit-exactly, whatever bit
// patterns it holds (NaN payloads, -0.0, subnormals...).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fitstore/codec.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::size_t k_max_expected = std::size_t(1) << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const fitstore::codec_spec spec = fitstore::parse_codec((data[0] & 2) != 0 ? "alp-zstd" : "alp");
    const std::size_t item = (data[0] & 1) != 0 ? 4 : 8;
    const std::size_t values = std::size_t(data[1]) | std::size_t(data[2]) << 8 | std::size_t(data[3]) << 16;
    const std::size_t expected = std::min(values * item, k_max_expected / item * item);
    const std::vector<std::uint8_t> input(data + 4, data + size);
    std::vector<std::uint8_t> out(expected);
    fitstore::fuzz::expect_clean([&] {
        fitstore::decode_chunk(spec, item, input.data(), input.size(), out.data(), expected, "fuzz", "chunk");
    });

    const std::vector<std::uint8_t> raw(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(
                                                                             input.size() / item * item));
    fitstore::fuzz::expect_clean([&] {
        std::vector<std::uint8_t> encoded;
        fitstore::encode_chunk(spec, item, raw.data(), raw.size(), encoded);
        if (spec.id == fitstore::codec_id::alp)
            fitstore::fuzz::require(encoded.size() <= raw.size() + 16 + raw.size() / item / 102400 + 1,
                                    "alp stored more than raw plus its header and one byte per row-group");
        std::vector<std::uint8_t> back(raw.size());
        fitstore::decode_chunk(spec, item, encoded.data(), encoded.size(), back.data(), back.size(), "fuzz",
                               "roundtrip");
        fitstore::fuzz::require(back == raw, "alp encode -> decode changed the bytes");
    });
    return 0;
}
