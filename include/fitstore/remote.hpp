// Options for remote stores: http(s)://host/path and s3://bucket/key locations
// accepted wherever a store path is (directory and blob layouts; HDF5 stays
// local-only). S3 credentials, region and endpoint come from the standard
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN / AWS_REGION /
// AWS_ENDPOINT_URL variables; requests use path-style addressing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace fitstore {

/// Bytes received so far by one remote load or dump, and the bytes it expects in all (0 = unknown).
struct transfer_progress {
    std::uint64_t bytes = 0;
    std::uint64_t expected = 0;
};

struct remote_options {
    /// Requests in flight at once (0 = FITSTORE_HTTP_CONNECTIONS, else 8).
    unsigned connections = 0;
    /// A request that receives (or sends) nothing for this many milliseconds fails and is
    /// retried (0 = FITSTORE_HTTP_TIMEOUT_MS, else 30000).
    unsigned timeout_ms = 0;
    /// Retries of a failed request (5xx, 429, timeouts, dropped connections; never other
    /// 4xx); -1 = FITSTORE_HTTP_RETRIES, else 4.
    int retries = -1;
    /// Follow redirects to another host (off: such a redirect is an error).
    bool allow_cross_host_redirects = false;
    /// A PEM bundle of extra trusted certificates for https ("" = FITSTORE_CA_BUNDLE, else the system's).
    std::string ca_file;
    /// Local cache of mapped remote stores ("" = FITSTORE_CACHE, else $XDG_CACHE_HOME/fitstore
    /// or ~/.cache/fitstore).
    std::string cache_dir;
    /// Cache size cap in bytes; least recently used entries are evicted beyond it
    /// (0 = FITSTORE_CACHE_MAX_BYTES, else 20 GiB).
    std::uint64_t cache_max_bytes = 0;
    /// Called (from transfer threads, serialised) as bytes arrive or leave.
    std::function<void(const transfer_progress&)> progress;
};

}  // namespace fitstore
