// Byte shuffle, byte for byte as HDF5's H5Z_FILTER_SHUFFLE and numcodecs'
// Shuffle: the whole buffer is one matrix of `count` rows (elements) by
// `item_size` columns (bytes), transposed; bytes past the last whole element
// are copied unchanged at the end.
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codecs/shuffle.hpp"

namespace fitstore {
namespace {

// Elements per tile: the source rows of one tile (at most 2 KiB for 8-byte
// items) stay in L1 while each of the item_size output streams is written.
constexpr std::size_t k_tile = 256;

// S > 0: compile-time item size (the loops unroll and vectorise); S == 0: use `size`.
// Shuffle gathers byte k of each element (stride n) into stream k; Inverse scatters back.
template <std::size_t S, bool Inverse>
void transpose_tiles(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t size) noexcept {
    const std::size_t n = S ? S : size;
    for (std::size_t i0 = 0; i0 < count; i0 += k_tile) {
        const std::size_t len = count - i0 < k_tile ? count - i0 : k_tile;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t element = i0 * n + k, stream = k * count + i0;
            if constexpr (Inverse) {
                const std::uint8_t* s = src + stream;
                std::uint8_t* d = dst + element;
                for (std::size_t j = 0; j < len; ++j) d[j * n] = s[j];
            } else {
                const std::uint8_t* s = src + element;
                std::uint8_t* d = dst + stream;
                for (std::size_t j = 0; j < len; ++j) d[j] = s[j * n];
            }
        }
    }
}

#if defined(__SSE2__)
// Unshuffle is on the load path, where it runs right after a fast decoder:
// for the common item sizes, 16 elements at a time are transposed in SSE2
// registers (x86-64 baseline) by rounds of byte/word/dword interleaves.
template <std::size_t S>
void unshuffle_sse2(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t) noexcept {
    static_assert(S == 2 || S == 4 || S == 8, "SSE2 unshuffle covers 2, 4 and 8-byte items");
    const std::size_t simd_count = count / 16 * 16;
    for (std::size_t i = 0; i < simd_count; i += 16) {
        __m128i a[S];
        for (std::size_t k = 0; k < S; ++k) a[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k * count + i));
        __m128i* out = reinterpret_cast<__m128i*>(dst + i * S);
        if constexpr (S == 2) {
            _mm_storeu_si128(out + 0, _mm_unpacklo_epi8(a[0], a[1]));
            _mm_storeu_si128(out + 1, _mm_unpackhi_epi8(a[0], a[1]));
        } else {
            // Round 1: pairs of streams -> 2-byte groups, elements 0-7 (lo) and 8-15 (hi).
            __m128i b[S];
            for (std::size_t k = 0; k < S; k += 2) {
                b[k] = _mm_unpacklo_epi8(a[k], a[k + 1]);
                b[k + 1] = _mm_unpackhi_epi8(a[k], a[k + 1]);
            }
            // Round 2: 4-byte groups; c[4j + q] holds elements 4q..4q+3 of bytes 4j..4j+3.
            __m128i c[S];
            for (std::size_t j = 0; j < S / 4; ++j) {
                const __m128i* p = b + 4 * j;
                c[4 * j + 0] = _mm_unpacklo_epi16(p[0], p[2]);
                c[4 * j + 1] = _mm_unpackhi_epi16(p[0], p[2]);
                c[4 * j + 2] = _mm_unpacklo_epi16(p[1], p[3]);
                c[4 * j + 3] = _mm_unpackhi_epi16(p[1], p[3]);
            }
            if constexpr (S == 4) {
                for (std::size_t q = 0; q < 4; ++q) _mm_storeu_si128(out + q, c[q]);
            } else {
                // Round 3: join bytes 0-3 and 4-7 of each element.
                for (std::size_t q = 0; q < 4; ++q) {
                    _mm_storeu_si128(out + 2 * q, _mm_unpacklo_epi32(c[q], c[4 + q]));
                    _mm_storeu_si128(out + 2 * q + 1, _mm_unpackhi_epi32(c[q], c[4 + q]));
                }
            }
        }
    }
    for (std::size_t i = simd_count; i < count; ++i)
        for (std::size_t k = 0; k < S; ++k) dst[i * S + k] = src[k * count + i];
}
#endif

using tile_fn = void (*)(const std::uint8_t*, std::uint8_t*, std::size_t, std::size_t) noexcept;

tile_fn pick_shuffle(std::size_t size) noexcept {
    switch (size) {
        case 2: return transpose_tiles<2, false>;
        case 4: return transpose_tiles<4, false>;
        case 8: return transpose_tiles<8, false>;
        case 16: return transpose_tiles<16, false>;
        default: return transpose_tiles<0, false>;
    }
}

tile_fn pick_unshuffle(std::size_t size) noexcept {
    switch (size) {
#if defined(__SSE2__)
        case 2: return unshuffle_sse2<2>;
        case 4: return unshuffle_sse2<4>;
        case 8: return unshuffle_sse2<8>;
#else
        case 2: return transpose_tiles<2, true>;
        case 4: return transpose_tiles<4, true>;
        case 8: return transpose_tiles<8, true>;
#endif
        case 16: return transpose_tiles<16, true>;
        default: return transpose_tiles<0, true>;
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
