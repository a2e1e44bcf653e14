// HDF5 filters fitstore registers in-process (zstd 32015, lz4 32004, blosc
// 32001) so that HDF5 accepts their pipelines and H5Dread decodes them, plus
// the re-framing between numcodecs' LZ4 chunks (the canonical encoding the
// storage engine hands over) and the HDF5 lz4 filter's framing.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fitstore::detail::h5z {

inline constexpr H5Z_filter_t lz4_filter_id = 32004;
inline constexpr H5Z_filter_t blosc_filter_id = 32001;
inline constexpr H5Z_filter_t zstd_filter_id = 32015;

/// Registers the zstd, lz4 and blosc filters with HDF5 once per process.
/// Throws io_error if HDF5 refuses.
void register_filters();

/// numcodecs LZ4 chunk (u32 LE size + one LZ4 block) -> HDF5 lz4 framing
/// (u64 BE size, u32 BE block size, then u32 BE compressed size + block per
/// block; a block whose compressed size equals its size is stored raw).
/// Throws format_error naming `path`/`field` for a damaged input.
void lz4_numcodecs_to_hdf5(const std::uint8_t* src, std::size_t size, std::vector<std::uint8_t>& out,
                           const std::string& path, const std::string& field);
/// The reverse; refuses frames that decode to more than `max_raw_bytes`.
void lz4_hdf5_to_numcodecs(const std::uint8_t* src, std::size_t size, std::size_t max_raw_bytes,
                           std::vector<std::uint8_t>& out, const std::string& path, const std::string& field);

}  // namespace fitstore::detail::h5z
