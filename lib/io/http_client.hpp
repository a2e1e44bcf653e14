// HTTP(S) transport for remote stores (libcurl): GET (optionally a byte range),
// HEAD and PUT, with the safety rules a loader of untrusted input needs:
//   - every body has a hard size cap; a server sending more than expected is
//     cut off and the request fails (never retried: the server is wrong, not busy);
//   - retries with exponential backoff on 5xx, 429, timeouts, refused or reset
//     connections and truncated bodies; never on another 4xx;
//   - redirects are followed only to the same scheme, host and port unless the
//     caller allows other hosts;
//   - a request that receives nothing for `stall_timeout` fails (and is retried).
// Only http and https are spoken. Each thread may issue requests at once; one
// client keeps a few connections alive for reuse.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

/// No HTTP answer at all (refused or dropped connection, timeout, TLS failure),
/// after the retries: the location is unreachable rather than wrong.
class network_error : public io_error {
public:
    using io_error::io_error;
};

struct http_settings {
    /// Connections used at once by parallel fetches.
    unsigned connections = 8;
    std::chrono::milliseconds connect_timeout{10000};
    /// A request that receives no byte for this long fails (and is retried).
    std::chrono::milliseconds stall_timeout{30000};
    /// Attempts after the first one for retryable failures.
    unsigned retries = 4;
    /// First backoff delay; doubled after each failed attempt.
    std::chrono::milliseconds backoff{200};
    /// Follow redirects to another host (off: refused with an error).
    bool allow_cross_host_redirects = false;
    /// Extra CA bundle (PEM) trusted for https, e.g. a private CA; empty = system store
    /// (FITSTORE_CA_BUNDLE is read when this is empty).
    std::string ca_file;

    /// Defaults overridden by FITSTORE_HTTP_CONNECTIONS, FITSTORE_HTTP_TIMEOUT_MS,
    /// FITSTORE_HTTP_RETRIES and FITSTORE_CA_BUNDLE when set.
    static http_settings from_environment();
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_request {
    std::string method = "GET";  ///< GET, HEAD, PUT, POST, DELETE
    std::string url;
    http_headers headers;
    const void* body = nullptr;  ///< PUT/POST payload (not copied; must outlive the call)
    std::size_t body_size = 0;
};

struct http_response {
    long status = 0;
    http_headers headers;  ///< names lower-cased
    std::uint64_t body_bytes = 0;

    /// The first header of that (lower-case) name, if any.
    std::optional<std::string> header(const std::string& name) const;
};

/// Called before every attempt (and after a redirect) with the request about to
/// be sent, so a signer can stamp the time and sign the final URL.
using request_hook = std::function<void(http_request&)>;

/// Counters for reports and tests (bytes of bodies received, requests sent).
struct http_stats {
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
    std::uint64_t body_bytes = 0;
};

class http_client {
public:
    explicit http_client(http_settings settings = http_settings::from_environment());
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    const http_settings& settings() const noexcept { return m_settings; }

    /// Signs or otherwise decorates each attempt (S3). Set before the first request.
    void set_request_hook(request_hook hook) { m_hook = std::move(hook); }

    /// GET bytes [offset, offset + size) of `url` into `dst` (exactly `size` bytes;
    /// a whole object when `whole` and the server ignores ranges is accepted only
    /// if it is exactly that size). Throws io_error / format_error naming the URL.
    /// `total`, when not 0, is the object's known size: a server reporting another is wrong.
    /// `cancel`, when set to true by another thread, aborts the transfer.
    void get_range(const std::string& url, std::uint64_t offset, void* dst, std::size_t size, std::uint64_t total = 0,
                   const std::atomic<bool>* cancel = nullptr);
    /// GET the whole object, at most `cap` bytes (more is an error), into `out`.
    void get_all(const std::string& url, std::size_t cap, std::vector<std::uint8_t>& out);
    /// Like get_all, but a 404 returns false instead of throwing.
    bool get_all_if_exists(const std::string& url, std::size_t cap, std::vector<std::uint8_t>& out);
    /// HEAD: the object's Content-Length. Throws not-found as format_error("no such object").
    std::uint64_t head_size(const std::string& url);
    /// Sends `request` and returns the response (any status), the body (at most
    /// `cap` bytes) in `body`. Retries as described above, except that 4xx/5xx
    /// statuses are returned (5xx only once retries are used up).
    http_response send(http_request request, std::vector<std::uint8_t>* body, std::size_t cap);

    /// Fetches several ranges with up to settings().connections requests at once;
    /// the first failure cancels the rest and is rethrown.
    struct range_job {
        std::string url;
        std::uint64_t offset = 0;
        void* dst = nullptr;
        std::size_t size = 0;
        std::uint64_t total = 0;  ///< the object's size when known (checked against Content-Range)
    };
    void get_ranges(const std::vector<range_job>& jobs);

    http_stats stats() const;
    /// Called with the bytes received so far by this client (for progress output).
    using progress_hook = std::function<void(std::uint64_t received)>;
    void set_progress_hook(progress_hook hook) { m_progress = std::move(hook); }

    struct impl;

private:
    http_settings m_settings;
    request_hook m_hook;
    progress_hook m_progress;
    std::unique_ptr<impl> m_impl;
};

/// True for http://, https:// and s3:// locations (remote stores).
bool is_remote_location(const std::string& location) noexcept;
/// Splits "scheme://host[:port]/path?query" (no user info accepted); throws usage_error.
struct url_parts {
    std::string scheme, host, port, path, query;
    /// scheme://host[:port]
    std::string origin() const;
};
url_parts parse_url(const std::string& url);
/// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and '/' when `keep_slash`), as S3 expects.
std::string uri_encode(const std::string& text, bool keep_slash);

}  // namespace fitstore::detail
