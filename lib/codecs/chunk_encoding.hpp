// The encoding a back end stores an array's chunks in: the array's codec, framed
// as zarr/numcodecs frame it (directory, blob and remote stores) or as the HDF5
// filter does (the hdf5 layout; lz4 differs), or raw where a back end keeps a
// compressed array unencoded (hdf5: 0-d and empty arrays, which HDF5 cannot
// chunk). The storage engine encodes and decodes in it: a back end only moves
// the bytes (layouts/layout.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/codec.hpp"

namespace fitstore::codecs {

enum class chunk_framing : std::uint8_t { zarr, hdf5 };

struct chunk_encoding {
    codec_spec codec;  ///< codec none: the chunk is stored raw
    chunk_framing framing = chunk_framing::zarr;
};

/// encode_chunk (fitstore/codec.hpp) in `encoding`'s framing.
void encode_chunk(const chunk_encoding& encoding, std::size_t item_size, const void* raw, std::size_t raw_bytes,
                  std::vector<std::uint8_t>& out);
/// decode_chunk (fitstore/codec.hpp) from `encoding`'s framing; the same guarantees.
void decode_chunk(const chunk_encoding& encoding, std::size_t item_size, const void* stored, std::size_t stored_bytes,
                  void* raw, std::size_t expected_raw_bytes, const std::string& path, const std::string& field);

}  // namespace fitstore::codecs
