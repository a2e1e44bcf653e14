// The HDF5 lz4 filter's chunk framing (filter 32004, as the hdf5-filter-plugin
// and h5py's hdf5plugin write it) and the re-framing between it and numcodecs'
// LZ4 chunk, the canonical encoding. Used by the lz4 codec's HDF5 view and by
// the in-process HDF5 lz4 filter (layouts/hdf5_filters.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fitstore::codecs {

/// Decodes an HDF5 lz4 frame into `raw` (resized). Returns false if damaged or if
/// it would decode to more than `max_raw_bytes`.
bool lz4_hdf5_decode(const std::uint8_t* src, std::size_t size, std::size_t max_raw_bytes,
                     std::vector<std::uint8_t>& raw);
/// Encodes `raw` in HDF5 lz4 framing with blocks of `block` bytes (0 or more than
/// raw_bytes: one block). Returns false on failure.
bool lz4_hdf5_encode(const std::uint8_t* raw, std::size_t raw_bytes, std::uint64_t block,
                     std::vector<std::uint8_t>& out);

/// numcodecs LZ4 chunk (u32 LE size + one LZ4 block) -> HDF5 lz4 framing
/// (u64 BE size, u32 BE block size, then u32 BE compressed size + block per
/// block; a block whose compressed size equals its size is stored raw).
/// Throws format_error naming `path`/`field` for a damaged input.
void lz4_numcodecs_to_hdf5(const std::uint8_t* src, std::size_t size, std::vector<std::uint8_t>& out,
                           const std::string& path, const std::string& field);
/// The reverse; refuses frames that decode to more than `max_raw_bytes`.
void lz4_hdf5_to_numcodecs(const std::uint8_t* src, std::size_t size, std::size_t max_raw_bytes,
                           std::vector<std::uint8_t>& out, const std::string& path, const std::string& field);

}  // namespace fitstore::codecs
