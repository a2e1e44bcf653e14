// ALP: lossless compression of float64/float32 chunks after Afroozeh, Kuffo and
// Boncz, "ALP: Adaptive Lossless floating-Point Compression" (SIGMOD 2024).
// Values that are decimals (most measured data) become small integers
// (value x 10^e x 10^-f, rounded) stored with frame of reference and bit
// packing; values that do not come back bit-exactly are kept as exceptions.
// Row-groups of other doubles use ALP-RD (front bits dictionary-coded, back
// bits packed) or are stored raw, whichever is smallest. The byte format is
// FORMAT.md §4.1. Own implementation from the paper's description.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codecs/codec_families.hpp"

namespace fitstore::codecs {

/// Values per vector (one exponent/factor choice, one bit width).
constexpr std::size_t alp_vector_values = 1024;
/// Values per row-group (one scheme: raw, ALP or ALP-RD; one sample).
constexpr std::size_t alp_row_group_values = 100 * alp_vector_values;

/// Upper bound of an encoded chunk of `raw_bytes` bytes (any item size).
std::size_t alp_bound(std::size_t raw_bytes);
/// The largest raw/stored ratio an ALP stream can reach (a 1024-value vector
/// of one repeated float64 costs 13 bytes), for the manifest's zip-bomb guard.
constexpr std::uint64_t alp_max_ratio = 700;

/// The most an alp stream of `raw_bytes` bytes of `item_size`-byte values
/// can hold: raw plus the 16-byte header and one scheme byte per row-group
/// (the encoder stores a row-group raw when encoding would be larger).
constexpr std::size_t alp_max_stored(std::size_t raw_bytes, std::size_t item_size) {
    return 16 + raw_bytes + (raw_bytes / item_size + alp_row_group_values - 1) / alp_row_group_values;
}

/// Encodes `raw_bytes` bytes of float64 (item_size 8) or float32 (4) values
/// into `out` (at least alp_bound bytes); returns the encoded length. Throws
/// usage_error for any other item size or a size that is not a multiple of it.
std::size_t alp_encode(std::size_t item_size, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out);

/// Decodes into exactly `raw_bytes` bytes; every length, width, exponent and
/// position is checked against the stream and `raw_bytes` before use, so a
/// hostile stream is a format_error at `site`, never an out-of-bounds access.
void alp_decode(std::size_t item_size, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                std::size_t raw_bytes, const error_site& site);

}  // namespace fitstore::codecs
