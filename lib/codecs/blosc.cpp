// blosc1 frames as numcodecs Blosc writes them (blocksize 0 = automatic).
// Only the reentrant *_ctx entry points are used: they keep no global state,
// so many pool threads can run them at once; blosc's own threads stay at 1
// because the caller's pool already parallelises over chunks.
#include <blosc.h>

#include <algorithm>

#include "codecs/codec_families.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

std::uint32_t read_u32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

}  // namespace

std::size_t blosc_bound(std::size_t raw_bytes) { return raw_bytes + BLOSC_MAX_OVERHEAD; }

std::size_t blosc_encode(const char* inner, int clevel, bool shuffle, std::size_t item_size, const std::uint8_t* raw,
                         std::size_t raw_bytes, std::uint8_t* out) {
    if (raw_bytes > BLOSC_MAX_BUFFERSIZE) too_large("blosc", raw_bytes, BLOSC_MAX_BUFFERSIZE);
    // blosc treats a typesize above 255 as 1; say so explicitly.
    const std::size_t typesize = item_size >= 1 && item_size <= BLOSC_MAX_TYPESIZE ? item_size : 1;
    const int written = blosc_compress_ctx(clevel, shuffle ? BLOSC_SHUFFLE : BLOSC_NOSHUFFLE, typesize, raw_bytes, raw, out,
                                           blosc_bound(raw_bytes), inner, 0, 1);
    if (written <= 0) {
        throw error("", "codec",
                    std::string("blosc-") + inner + ": compression failed with code " + std::to_string(written));
    }
    return static_cast<std::size_t>(written);
}

void blosc_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                  const error_site& site) {
    if (stored_bytes < BLOSC_MIN_HEADER_LENGTH) {
        fail(site, "blosc",
             "expected a 16-byte blosc header, found only " + std::to_string(stored_bytes) + " bytes");
    }
    const unsigned version = stored[0];
    if (version == 0 || version > BLOSC_VERSION_FORMAT) {
        fail(site, "blosc",
             "expected a blosc1 frame (format version 1-" + std::to_string(BLOSC_VERSION_FORMAT) +
                 "), found version " + std::to_string(version));
    }
    const std::uint32_t nbytes = read_u32(stored + 4);
    const std::uint32_t blocksize = read_u32(stored + 8);
    const std::uint32_t cbytes = read_u32(stored + 12);
    if (nbytes != raw_bytes) {
        fail(site, "blosc",
             "expected " + std::to_string(raw_bytes) + " bytes, found a header declaring " + std::to_string(nbytes));
    }
    if (cbytes != stored_bytes) {
        fail(site, "blosc",
             "expected the header to declare the " + std::to_string(stored_bytes) + " stored bytes, found " +
                 std::to_string(cbytes) + (cbytes > stored_bytes ? " (truncated chunk)" : " (trailing bytes)"));
    }
    // blosc sizes its temporaries by the block size: a hostile one must not
    // exceed the chunk (an empty chunk legitimately records block size 1).
    if (blocksize == 0 || blocksize > std::max<std::uint32_t>(nbytes, 1)) {
        fail(site, "blosc",
             "expected a block size between 1 and " + std::to_string(std::max<std::uint32_t>(nbytes, 1)) +
                 ", found " + std::to_string(blocksize));
    }
    std::size_t validated = 0;
    if (blosc_cbuffer_validate(stored, stored_bytes, &validated) != 0 || validated != raw_bytes) {
        fail(site, "blosc", "damaged header: blosc refuses to decode it");
    }
    if (raw_bytes == 0) return;
    const int got = blosc_decompress_ctx(stored, raw, raw_bytes, 1);
    if (got < 0 || static_cast<std::size_t>(got) != raw_bytes) {
        fail(site, "blosc",
             "damaged frame: expected " + std::to_string(raw_bytes) + " bytes, blosc returned " + std::to_string(got));
    }
}

}  // namespace fitstore::codecs
