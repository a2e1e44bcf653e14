// Byte shuffle, byte for byte as HDF5's H5Z_FILTER_SHUFFLE and numcodecs'
// Shuffle: the whole buffer is one matrix of `count` rows (elements) by
// `item_size` columns (bytes), transposed; bytes past the last whole element
// are copied unchanged at the end.
#include <cstring>

#include "fitstore/codec.hpp"

namespace fitstore {
namespace {

// Elements per tile: the source rows of one tile (at most 2 KiB for 8-byte
// items) stay in L1 while each of the item_size output streams is written.
constexpr std::size_t k_tile = 256;

// S > 0: compile-time item size (the loops unroll and vectorise); S == 0: use `size`.
template <std::size_t S>
void shuffle_tiles(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t size) noexcept {
    const std::size_t n = S ? S : size;
    for (std::size_t i0 = 0; i0 < count; i0 += k_tile) {
        const std::size_t len = count - i0 < k_tile ? count - i0 : k_tile;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t* s = src + i0 * n + k;
            std::uint8_t* d = dst + k * count + i0;
            for (std::size_t j = 0; j < len; ++j) d[j] = s[j * n];
        }
    }
}

template <std::size_t S>
void unshuffle_tiles(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t size) noexcept {
    const std::size_t n = S ? S : size;
    for (std::size_t i0 = 0; i0 < count; i0 += k_tile) {
        const std::size_t len = count - i0 < k_tile ? count - i0 : k_tile;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t* s = src + k * count + i0;
            std::uint8_t* d = dst + i0 * n + k;
            for (std::size_t j = 0; j < len; ++j) d[j * n] = s[j];
        }
    }
}

using tile_fn = void (*)(const std::uint8_t*, std::uint8_t*, std::size_t, std::size_t) noexcept;

tile_fn pick_shuffle(std::size_t size) noexcept {
    switch (size) {
        case 2: return shuffle_tiles<2>;
        case 4: return shuffle_tiles<4>;
        case 8: return shuffle_tiles<8>;
        case 16: return shuffle_tiles<16>;
        default: return shuffle_tiles<0>;
    }
}

tile_fn pick_unshuffle(std::size_t size) noexcept {
    switch (size) {
        case 2: return unshuffle_tiles<2>;
        case 4: return unshuffle_tiles<4>;
        case 8: return unshuffle_tiles<8>;
        case 16: return unshuffle_tiles<16>;
        default: return unshuffle_tiles<0>;
    }
}

// Shared frame of both directions: identity cases, the transposed body, the tail.
void transpose(tile_fn body, const std::uint8_t* src, std::uint8_t* dst, std::size_t bytes,
               std::size_t item_size) noexcept {
    const std::size_t count = item_size > 1 ? bytes / item_size : 0;
    if (count <= 1) {
        if (bytes && src != dst) std::memmove(dst, src, bytes);
        return;
    }
    body(src, dst, count, item_size);
    const std::size_t whole = count * item_size;
    if (bytes > whole) std::memcpy(dst + whole, src + whole, bytes - whole);
}

}  // namespace

void byte_shuffle(const std::uint8_t* src, std::uint8_t* dst, std::size_t bytes, std::size_t item_size) noexcept {
    transpose(pick_shuffle(item_size), src, dst, bytes, item_size);
}

void byte_unshuffle(const std::uint8_t* src, std::uint8_t* dst, std::size_t bytes, std::size_t item_size) noexcept {
    transpose(pick_unshuffle(item_size), src, dst, bytes, item_size);
}

}  // namespace fitstore
