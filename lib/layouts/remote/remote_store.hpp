// The one hook between the storage engine and remote stores: the engine asks
// here for a reader or writer when a location is a URL (io/http_client.hpp's
// is_remote_location), and for the local cached copy of a remote store when a
// load maps its arrays. Everything remote lives in lib/io/{http,s3,remote}_*
// and lib/layouts/remote/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fitstore/store.hpp"
#include "io/byte_source.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {

struct remote_reader {
    layout kind = layout::directory;
    std::unique_ptr<layout_reader> reader;
    std::shared_ptr<byte_source> source;  ///< where the reader's bytes come from
};

struct cached_store {
    std::string path;              ///< the local copy
    bool offline = false;          ///< the location could not be reached; its last copy is used
    std::uint64_t downloaded = 0;  ///< bytes downloaded by this call (0: the copy was there)
};

/// Opens the remote store at `location` (http(s):// or s3://): LOCATION/manifest.json
/// means a directory store, else the object at LOCATION must be a blob. HDF5 is
/// refused (local-only). Throws format_error / io_error / usage_error.
remote_reader open_remote_reader(const std::string& location, const remote_options& options);

/// A writer that uploads a store to an s3:// location: chunk objects first, the
/// manifest last. http(s) locations are refused (read-only).
std::unique_ptr<layout_writer> make_remote_writer(const std::string& location, const dump_options& options);

/// Directory store read through `source`, whose manifest.json holds `manifest_text`.
std::unique_ptr<layout_reader> open_source_directory_reader(std::shared_ptr<byte_source> source,
                                                            const std::vector<std::uint8_t>& manifest_text);

/// The local copy of the remote store at `location` in the cache (remote_cache.cpp):
/// downloaded, verified and published atomically when missing. Returns its path.
cached_store cached_copy(const std::string& location, const load_options& options);

}  // namespace fitstore::detail
