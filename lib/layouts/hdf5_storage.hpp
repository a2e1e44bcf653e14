// How the hdf5 layout stores each array (and how the reader expects to find it):
//   - uncompressed, one chunk: contiguous, 4096-aligned, allocated early, never
//     filled, written by one H5Dwrite from the caller's memory: mmap-able at
//     H5Dget_offset;
//   - compressed (rank >= 1, not empty): chunked with chunk dims = rec.chunk_shape
//     and the filter pipeline h5py needs to decode it ([shuffle 2] + deflate 1 |
//     zstd 32015 | lz4 32004, or blosc 32001; codec_registry.hpp), chunks
//     encoded by the engine in the HDF5 filter's framing (lz4 differs from
//     numcodecs') and moved with H5Dwrite_chunk / H5Dread_chunk;
//   - uncompressed with several chunks (foreign files): chunked, no filters;
//   - compressed but 0-d or empty: HDF5 cannot chunk these, so the value is
//     stored raw and contiguous, and the engine hands it over and takes it back raw.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

#include "codecs/chunk_encoding.hpp"
#include "codecs/codec_registry.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/manifest.hpp"

namespace fitstore::detail::h5 {

enum class storage { contiguous, chunked, raw_value };

storage storage_for(const array_record& rec);

/// The HDF5 filter pipeline of `rec`'s codec, in order, from the codec registry.
std::vector<codecs::hdf5_filter> filters_for(const array_record& rec);

/// Why `codec` cannot be stored in the hdf5 layout, or "" when it can. No HDF5
/// filter decodes alp, and the layout promises that h5py reads every dataset: so
/// such arrays are refused, both ways.
std::string not_in_hdf5(const codec_spec& codec);

/// Sets filters_for(rec) on the dataset creation list `dcpl`; throws io_error
/// naming `path`/`field` if HDF5 refuses.
void set_filters(hid_t dcpl, const array_record& rec, const std::string& path, const std::string& field);

/// The encoding the layout stores `rec`'s chunks in: the codec in HDF5 filter
/// framing when chunked; raw when contiguous (codec none, and compressed 0-d or
/// empty arrays, which HDF5 cannot chunk).
codecs::chunk_encoding chunk_encoding_for(const array_record& rec);

// The first element of chunk `index`, as HDF5's direct chunk calls want it.
std::vector<hsize_t> chunk_offset(const array_record& rec, std::size_t index);

}  // namespace fitstore::detail::h5
