// Internal interface between the codec dispatcher (codec.cpp) and one .cpp per
// codec family. Every function here works on whole chunks, is thread-safe and
// reports damaged input as format_error(path, field, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fitstore::codecs {

/// Where a decode error is reported: the file and the manifest field.
struct error_site {
    const std::string& path;
    const std::string& field;
};

/// Throws format_error at `site` with "<codec>: <message>".
[[noreturn]] void fail(const error_site& site, const char* codec, const std::string& message);
/// Throws usage_error for a chunk too large for a codec's 32-bit size fields.
[[noreturn]] void too_large(const char* codec, std::size_t bytes, std::size_t limit);

// Each encoder writes into `out`, which holds at least <codec>_bound(raw_bytes)
// bytes, and returns the encoded length.
std::size_t zlib_bound(std::size_t raw_bytes);
std::size_t zlib_encode(int level, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out);
void zlib_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                 const error_site& site);

std::size_t zstd_bound(std::size_t raw_bytes);
std::size_t zstd_encode(int level, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out);
void zstd_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                 const error_site& site);

/// numcodecs LZ4 framing: u32 little-endian raw size, then one LZ4 block.
std::size_t lz4_bound(std::size_t raw_bytes);
std::size_t lz4_encode(int acceleration, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out);
void lz4_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                const error_site& site);

/// One blosc1 frame; `inner` is "lz4" or "zstd"; blosc shuffles internally.
std::size_t blosc_bound(std::size_t raw_bytes);
std::size_t blosc_encode(const char* inner, int clevel, bool shuffle, std::size_t item_size, const std::uint8_t* raw,
                         std::size_t raw_bytes, std::uint8_t* out);
void blosc_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                  const error_site& site);

}  // namespace fitstore::codecs
