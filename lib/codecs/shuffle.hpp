// Byte shuffle, the filter numcodecs' Shuffle and HDF5's H5Z_FILTER_SHUFFLE apply
// before zlib, zstd or lz4 (codec.cpp runs it around the codec).
#pragma once

#include <cstddef>
#include <cstdint>

namespace fitstore {

/// Byte k of element i goes to position k * count + i; trailing bytes past the
/// last whole element are copied unchanged. `src` and `dst` must not overlap.
void byte_shuffle(const std::uint8_t* src, std::uint8_t* dst, std::size_t bytes, std::size_t item_size) noexcept;
/// The inverse of byte_shuffle.
void byte_unshuffle(const std::uint8_t* src, std::uint8_t* dst, std::size_t bytes, std::size_t item_size) noexcept;

}  // namespace fitstore
