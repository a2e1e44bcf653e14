// HDF5 filters fitstore registers in-process (zstd 32015, lz4 32004, blosc
// 32001) so that HDF5 accepts their pipelines and H5Dread decodes them (the
// verifier's second opinion, and chunks whose optional filters were skipped).
#pragma once

namespace fitstore::detail::h5z {

/// Registers the zstd, lz4 and blosc filters with HDF5 once per process.
/// Throws io_error if HDF5 refuses.
void register_filters();

}  // namespace fitstore::detail::h5z
