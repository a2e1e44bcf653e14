// verify: checks that a store is intact — every chunk against its checksum,
// and the manifest against the container it describes (the zarr .zarray
// files and chunk files, the HDF5 datasets, the blob's offsets) — and reports
// each check by name instead of stopping at the first failure.
#pragma once

#include <string>
#include <vector>

#include "fitstore/store.hpp"

namespace fitstore {

/// One named check and its outcome.
struct verify_check {
    std::string name;    ///< e.g. "checksums scaler/mean", "zarr metadata svc/support_vectors/.zarray"
    bool passed = false;
    std::string detail;  ///< what was found (for a failure: expected vs found)
};

struct verify_options {
    /// Also read every array the way an outside reader does and compare it
    /// bit for bit with fitstore's load: HDF5 through H5Dread (HDF5's own filter
    /// pipeline), and every mappable array through a verified memory mapping.
    bool deep = false;
    /// Worker threads for decompression; 0 = all cores.
    unsigned threads = 0;
    /// Transfer settings for an http(s):// or s3:// store.
    remote_options remote;
};

struct verify_report {
    std::string path;
    fitstore::layout layout = layout::directory;
    std::string format_version;
    std::vector<verify_check> checks;

    /// True when every check passed.
    bool passed() const noexcept {
        for (const auto& c : checks)
            if (!c.passed) return false;
        return true;
    }
};

/// Verifies the store at `path` (see the file comment). Damaged chunk data,
/// container metadata that disagrees with the manifest, and a manifest that
/// fails its own checksum (manifest_xxh3) are failed checks in the report; a
/// store whose manifest cannot be read or validated at all (or that the
/// loaders refuse on opening) throws the fitstore::error that says why.
verify_report verify_store(const std::string& path, const verify_options& options = {});

}  // namespace fitstore
