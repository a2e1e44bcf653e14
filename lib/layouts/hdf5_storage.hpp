// How the hdf5 layout stores each array (and how the reader expects to find it):
//   - uncompressed, one chunk: contiguous, 4096-aligned, allocated early, never
//     filled, written by one H5Dwrite from the caller's memory: mmap-able at
//     H5Dget_offset;
//   - compressed (rank >= 1, not empty): chunked with chunk dims = rec.chunk_shape
//     and the filter pipeline h5py needs to decode it ([shuffle 2] + deflate 1 |
//     zstd 32015 | lz4 32004, or blosc 32001), chunks written pre-compressed
//     with H5Dwrite_chunk (lz4 re-framed from numcodecs' to the HDF5 filter's
//     framing, everything else byte-identical);
//   - uncompressed with several chunks (foreign files): chunked, no filters;
//   - compressed but 0-d or empty: HDF5 cannot chunk these, so the value is
//     stored raw and contiguous, and read_chunk re-encodes it with the codec.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

#include "fitstore/codec.hpp"
#include "fitstore/manifest.hpp"

namespace fitstore::detail::h5 {

enum class storage { contiguous, chunked, raw_value };

storage storage_for(const array_record& rec);

// alp has no HDF5 filter that h5py or any other HDF5 reader could load, and the
// layout promises that h5py reads every dataset: so it is refused, both ways.
/// The message refusing the float codec `id` (alp, alp-zstd).
std::string alp_refused(codec_id id);

// The HDF5 filter ids of the pipeline for `spec`, in order.
std::vector<H5Z_filter_t> pipeline_for(const codec_spec& spec);

/// Sets the filter pipeline of `rec`'s codec on the dataset creation list
/// `dcpl`; throws io_error naming `path`/`field` if HDF5 refuses.
void set_filters(hid_t dcpl, const array_record& rec, const std::string& path, const std::string& field);

// The first element of chunk `index`, as HDF5's direct chunk calls want it.
std::vector<hsize_t> chunk_offset(const array_record& rec, std::size_t index);

}  // namespace fitstore::detail::h5
