// codec=auto: the codec an array is stored with, chosen by compressing a
// sample of it (the rule is FORMAT.md §4.2).
#pragma once

#include <cstddef>

#include "fitstore/codec.hpp"

namespace fitstore::codecs {

/// The candidates (float arrays: alp unless `alp_allowed` is false, zstd:1,
/// lz4, none; others: zstd:1, none) each encode and decode up to 1 MiB of the
/// array; the one saving the most bytes per CPU-second wins among those saving
/// at least 1/8 of the sample; none when no candidate does, or when the array
/// is under 4 KiB.
codec_spec choose_codec(bool is_float, bool alp_allowed, std::size_t item_size, const void* data, std::size_t bytes);

}  // namespace fitstore::codecs
