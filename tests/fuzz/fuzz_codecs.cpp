// Each codec's decoder on arbitrary bytes, with a fuzzed expected size.
//   byte 0      codec id (modulo the number of codecs)
//   byte 1      bit 0: shuffle; bits 1-2: item size 1, 2, 4 or 8
//   bytes 2-5   expected decoded size (little-endian, capped to 1 MiB)
//   the rest    the stored chunk
// A decode either fills exactly the expected bytes or throws format_error; it
// never reads past the chunk nor writes past the destination. Both sit between
// inaccessible pages (the compression libraries are not built with ASan, so
// ASan alone would miss their overruns); touching a fence crashes, a finding.
// The rest is also encoded and decoded again: the round trip must be exact.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../common/fenced_buffer.hpp"
#include "fitstore/codec.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr fitstore::codec_id k_ids[] = {fitstore::codec_id::none, fitstore::codec_id::zlib,
                                        fitstore::codec_id::zstd, fitstore::codec_id::lz4,
                                        fitstore::codec_id::blosc_lz4, fitstore::codec_id::blosc_zstd,
                                        fitstore::codec_id::alp};
constexpr std::size_t k_max_expected = std::size_t(1) << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 6) return 0;
    fitstore::codec_spec spec;
    spec.id = k_ids[data[0] % (sizeof k_ids / sizeof k_ids[0])];
    spec.shuffle = (data[1] & 1) != 0 && spec.id != fitstore::codec_id::none && spec.id != fitstore::codec_id::alp;
    const std::size_t item = std::size_t(1) << ((data[1] >> 1) & 3);
    std::size_t expected = std::size_t(data[2]) | std::size_t(data[3]) << 8 | std::size_t(data[4]) << 16 |
                           std::size_t(data[5]) << 24;
    expected = std::min(expected, k_max_expected);
    const std::uint8_t* stored = data + 6;
    const std::size_t stored_bytes = size - 6;

    using fitstore::test::fenced_buffer;
    fenced_buffer input(stored_bytes), out(expected);
    if (stored_bytes) std::memcpy(input.data(), stored, stored_bytes);
    fitstore::fuzz::expect_clean([&] {
        fitstore::decode_chunk(spec, item, input.data(), input.size(), out.data(), expected, "fuzz", "chunk");
    });

    // Differential: what we encode we must decode to the same bytes.
    fitstore::fuzz::expect_clean([&] {
        std::vector<std::uint8_t> encoded;
        fitstore::encode_chunk(spec, item, input.data(), input.size(), encoded);
        fenced_buffer stored_copy(encoded.size()), back(input.size());
        if (!encoded.empty()) std::memcpy(stored_copy.data(), encoded.data(), encoded.size());
        fitstore::decode_chunk(spec, item, stored_copy.data(), stored_copy.size(), back.data(), back.size(), "fuzz",
                               "roundtrip");
        fitstore::fuzz::require(std::memcmp(back.data(), input.data(), input.size()) == 0,
                                "encode -> decode changed the bytes");
    });
    return 0;
}
