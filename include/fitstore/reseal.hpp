// reseal: bring a store's checksums up to date after writes through r+
// mappings.
//
//   {
//       auto m = fitstore::load<my_model>("model", {fitstore::mmap_mode::r_plus});
//       m.weights.mutable_data()[0] = 2.0;   // reaches the file
//   }                                        // release every r+ mapping first
//   fitstore::reseal("model");               // copying loads and verify pass again
//
// Until reseal runs, the recorded checksums describe the old bytes: a copying
// load refuses the array (checksum_error) and verify reports the mismatch, so
// a crash between the write and the reseal leaves a store that is reported
// honestly, never one that silently passes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fitstore {

struct reseal_options {
    /// fsync the array data before the manifest that describes it, and the manifest after.
    bool durable = true;
    /// Threads for checking the arrays that are not mapped; 0 = all cores.
    unsigned threads = 0;
};

struct reseal_report {
    std::vector<std::string> resealed;  ///< keys of the arrays whose checksums were refreshed
    std::size_t arrays = 0;             ///< arrays in the store
};

/// Recomputes the checksum of every array that r+ can write (uncompressed,
/// mapped in place) of the store at `path`, and rewrites its manifest when one
/// changed (directory: manifest.json replaced by rename; blob: its header
/// rewritten in place, same length; hdf5: the manifest attribute). Every other
/// array must still match its checksum: r+ cannot have written it, so a
/// mismatch there is damage and throws checksum_error, changing nothing.
/// Run it after the last r+ mapping is released; a write racing the reseal
/// can leave a mismatch, which verify reports. Throws error (not_found,
/// format_error, checksum_error, io_error).
reseal_report reseal(const std::string& path, const reseal_options& options = {});

}  // namespace fitstore
