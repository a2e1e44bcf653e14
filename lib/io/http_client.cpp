#include "io/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include "fitstore/errors.hpp"

namespace fitstore::detail {
namespace {

using clock_type = std::chrono::steady_clock;

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw io_error("", "", "libcurl could not be initialised");
    });
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

unsigned env_unsigned(const char* name, unsigned fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const unsigned long n = std::strtoul(v, &end, 10);
    if (*end != '\0' || n > 1000000) throw usage_error("", name, std::string("expected a number, found \"") + v + "\"");
    return static_cast<unsigned>(n);
}

/// Where a body goes: a fixed buffer of exactly `cap` bytes, or a growing vector up to `cap`.
struct body_sink {
    std::uint8_t* dst = nullptr;
    std::vector<std::uint8_t>* vec = nullptr;
    std::size_t cap = 0;
};

/// State of one attempt, shared with libcurl's callbacks.
struct attempt {
    body_sink sink;
    std::size_t received = 0;
    bool over_cap = false;
    long status = 0;
    http_headers headers;
    std::string error_body;  ///< first bytes of a non-2xx body (S3 puts its error code there)
    const std::uint8_t* upload = nullptr;
    std::size_t upload_size = 0;
    std::size_t upload_pos = 0;
    clock_type::time_point last_activity = clock_type::now();
    curl_off_t last_now = 0;
    std::chrono::milliseconds stall{0};
    bool stalled = false;
    const std::atomic<bool>* cancel = nullptr;
    std::atomic<std::uint64_t>* total_received = nullptr;
    const http_client::progress_hook* progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* a = static_cast<attempt*>(user);
    const std::size_t n = size * count;
    std::string line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after 100 Continue or a redirect): headers start over.
        a->headers.clear();
        const auto space = line.find(' ');
        a->status = space == std::string::npos ? 0 : std::strtol(line.c_str() + space + 1, nullptr, 10);
        return n;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos && a->headers.size() < 200)
        a->headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    return n;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* a = static_cast<attempt*>(user);
    const std::size_t n = size * count;
    a->last_activity = clock_type::now();
    if (a->status < 200 || a->status >= 300) {
        if (a->error_body.size() < 4096) a->error_body.append(data, std::min<std::size_t>(n, 4096 - a->error_body.size()));
        return n;
    }
    if (n > a->sink.cap - a->received) {
        // More than the caller expects: cut the transfer off (hard cap, never stored).
        a->over_cap = true;
        return CURL_WRITEFUNC_ERROR;
    }
    if (a->sink.dst)
        std::memcpy(a->sink.dst + a->received, data, n);
    else if (a->sink.vec)
        a->sink.vec->insert(a->sink.vec->end(), data, data + n);
    a->received += n;
    if (a->total_received) {
        const std::uint64_t total = a->total_received->fetch_add(n) + n;
        if (a->progress && *a->progress) (*a->progress)(total);
    }
    return n;
}

size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
    auto* a = static_cast<attempt*>(user);
    const std::size_t n = std::min(size * count, a->upload_size - a->upload_pos);
    if (n) std::memcpy(buffer, a->upload + a->upload_pos, n);
    a->upload_pos += n;
    a->last_activity = clock_type::now();
    return n;
}

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
    auto* a = static_cast<attempt*>(user);
    if (a->cancel && a->cancel->load()) return 1;
    const auto now = clock_type::now();
    if (dlnow + ulnow != a->last_now) {
        a->last_now = dlnow + ulnow;
        a->last_activity = now;
    } else if (now - a->last_activity > a->stall) {
        a->stalled = true;
        return 1;
    }
    return 0;
}

bool same_origin(const url_parts& a, const url_parts& b) {
    auto port = [](const url_parts& u) {
        if (!u.port.empty()) return u.port;
        return std::string(u.scheme == "https" ? "443" : "80");
    };
    return a.scheme == b.scheme && lower(a.host) == lower(b.host) && port(a) == port(b);
}

/// Resolves a Location header against the URL that answered.
std::string resolve_location(const std::string& base, const std::string& location) {
    CURLU* u = curl_url();
    if (!u) throw std::bad_alloc();
    std::string out;
    char* text = nullptr;
    if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &text, 0) == CURLUE_OK) {
        out = text;
        curl_free(text);
    }
    curl_url_cleanup(u);
    if (out.empty()) throw io_error(base, "", "redirect to an invalid location \"" + location + "\"");
    return out;
}

std::string status_text(long status) {
    switch (status) {
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 416: return "Range Not Satisfiable";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "";
    }
}

/// The <Code> of an S3 XML error body, when there is one.
std::string s3_error_code(const std::string& body) {
    const auto b = body.find("<Code>");
    const auto e = body.find("</Code>");
    if (b == std::string::npos || e == std::string::npos || e < b) return "";
    return body.substr(b + 6, e - b - 6);
}

std::string describe_status(long status, const std::string& error_body) {
    std::string text = "HTTP " + std::to_string(status);
    const std::string reason = status_text(status);
    if (!reason.empty()) text += " " + reason;
    const std::string code = s3_error_code(error_body);
    if (!code.empty()) text += " (" + code + ")";
    return text;
}

}  // namespace

struct http_client::impl {
    std::mutex mutex;
    std::vector<CURL*> idle;
    std::atomic<std::uint64_t> requests{0}, retries{0}, received{0};

    ~impl() {
        for (CURL* h : idle) curl_easy_cleanup(h);
    }
    CURL* acquire() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!idle.empty()) {
                CURL* h = idle.back();
                idle.pop_back();
                return h;
            }
        }
        CURL* h = curl_easy_init();
        if (!h) throw io_error("", "", "libcurl could not create a handle");
        return h;
    }
    void release(CURL* h) {
        std::lock_guard<std::mutex> lock(mutex);
        idle.push_back(h);
    }
};

namespace {

/// A handle borrowed from the client's idle list for one request (keeps its connection for reuse).
struct borrowed_handle {
    http_client::impl& owner;
    CURL* handle;
    explicit borrowed_handle(http_client::impl& o) : owner(o), handle(o.acquire()) {}
    ~borrowed_handle() { owner.release(handle); }
};

enum class outcome { done, retry, fail };

}  // namespace

std::optional<std::string> http_response::header(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return std::nullopt;
}

http_settings http_settings::from_environment() {
    http_settings s;
    s.connections = std::max(1u, env_unsigned("FITSTORE_HTTP_CONNECTIONS", s.connections));
    s.stall_timeout = std::chrono::milliseconds(env_unsigned("FITSTORE_HTTP_TIMEOUT_MS", 30000));
    s.retries = env_unsigned("FITSTORE_HTTP_RETRIES", s.retries);
    if (const char* ca = std::getenv("FITSTORE_CA_BUNDLE")) s.ca_file = ca;
    return s;
}

http_client::http_client(http_settings settings) : m_settings(std::move(settings)), m_impl(std::make_unique<impl>()) {
    global_init();
    if (m_settings.connections == 0) m_settings.connections = 1;
}

http_client::~http_client() = default;

http_stats http_client::stats() const {
    return {m_impl->requests.load(), m_impl->retries.load(), m_impl->received.load()};
}

namespace {

struct perform_args {
    const http_settings& settings;
    const request_hook& hook;
    const http_client::progress_hook& progress;
    http_client::impl& state;
    const std::atomic<bool>* cancel;
};

/// One request with retries and redirects. The body goes to `sink`; `accept`
/// judges a 2xx response (range checks) and may throw. Returns the final
/// response; non-2xx statuses are returned once no retry is left.
http_response perform(const perform_args& args, http_request request, const body_sink& sink,
                      const std::function<void(const http_response&, std::size_t received)>& accept) {
    const http_settings& s = args.settings;
    const url_parts origin = parse_url(request.url);
    unsigned redirects = 0;
    std::chrono::milliseconds delay = s.backoff;
    std::mt19937 jitter(std::random_device{}());
    for (unsigned tries = 0;; ++tries) {
        http_request sent = request;
        if (args.hook) args.hook(sent);
        borrowed_handle h(args.state);
        CURL* c = h.handle;
        curl_easy_reset(c);
        attempt a;
        a.sink = sink;
        if (sink.vec) sink.vec->clear();
        a.stall = s.stall_timeout;
        a.cancel = args.cancel;
        a.total_received = &args.state.received;
        a.progress = &args.progress;
        a.upload = static_cast<const std::uint8_t*>(sent.body);
        a.upload_size = sent.body_size;
        curl_slist* list = nullptr;
        for (const auto& [k, v] : sent.headers) list = curl_slist_append(list, (k + ": " + v).c_str());
        // curl adds "Expect: 100-continue" to large uploads; S3-compatible servers vary in support.
        list = curl_slist_append(list, "Expect:");
        curl_easy_setopt(c, CURLOPT_URL, sent.url.c_str());
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout.count()));
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &a);
        curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024L);
        if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
        if (sent.method == "HEAD") {
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (sent.method == "PUT") {
            curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
            curl_easy_setopt(c, CURLOPT_READDATA, &a);
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(sent.body_size));
        } else if (sent.method == "POST") {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
            curl_easy_setopt(c, CURLOPT_READDATA, &a);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(sent.body_size));
        } else if (sent.method != "GET") {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, sent.method.c_str());
        }
        char curl_error[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
        args.state.requests.fetch_add(1);
        const CURLcode code = curl_easy_perform(c);
        curl_slist_free_all(list);
        const std::string where = sent.method + " " + request.url;

        if (a.over_cap)
            throw format_error(request.url, "", "server sent more than the expected " + std::to_string(sink.cap) +
                                                    " bytes; transfer cut off (" + sent.method + ")");
        if (args.cancel && args.cancel->load()) throw io_error(request.url, "", "cancelled");

        outcome result = outcome::done;
        std::string failure;
        http_response response;
        response.status = a.status;
        response.headers = a.headers;
        response.body_bytes = a.received;
        if (code != CURLE_OK) {
            failure = a.stalled ? "no data received for " + std::to_string(s.stall_timeout.count()) + " ms (timeout)"
                                : std::string(curl_error[0] ? curl_error : curl_easy_strerror(code));
            switch (code) {
                case CURLE_COULDNT_CONNECT:
                case CURLE_OPERATION_TIMEDOUT:
                case CURLE_RECV_ERROR:
                case CURLE_SEND_ERROR:
                case CURLE_GOT_NOTHING:
                case CURLE_PARTIAL_FILE:
                case CURLE_ABORTED_BY_CALLBACK:
                    result = outcome::retry;
                    break;
                default: result = outcome::fail;
            }
            if (code == CURLE_PARTIAL_FILE)
                failure = "truncated body: received " + std::to_string(a.received) + " bytes before the connection closed";
        } else if (a.status >= 300 && a.status < 400 && a.status != 304) {
            const auto location = response.header("location");
            if (!location) {
                failure = "HTTP " + std::to_string(a.status) + " redirect without a Location header";
                result = outcome::fail;
            } else {
                const std::string target = resolve_location(request.url, *location);
                const url_parts next = parse_url(target);
                if (!same_origin(origin, next) && !s.allow_cross_host_redirects)
                    throw io_error(request.url, "", "redirect to another host refused: " + target +
                                                        " (allow_cross_host_redirects is off)");
                if (++redirects > 5) throw io_error(request.url, "", "more than 5 redirects");
                request.url = target;
                --tries;  // a redirect is not a failed attempt
                continue;
            }
        } else if (a.status >= 500 || a.status == 429) {
            failure = describe_status(a.status, a.error_body);
            result = outcome::retry;
        } else if (a.status >= 200 && a.status < 300 && sent.method != "HEAD") {
            try {
                accept(response, a.received);
            } catch (const io_error& e) {
                // A short body is transient (a dropped connection); retry it.
                failure = e.message();
                result = outcome::retry;
            }
        }
        if (result == outcome::done) {
            if (!(a.status >= 200 && a.status < 300) && !a.error_body.empty())
                response.headers.emplace_back("x-fitstore-error", describe_status(a.status, a.error_body));
            return response;
        }
        if (result == outcome::fail || tries >= s.retries) {
            const std::string message = where.substr(0, where.find(' ')) + " failed: " + failure +
                                        (tries ? " (after " + std::to_string(tries + 1) + " attempts)" : "");
            if (code != CURLE_OK) throw network_error(request.url, "", message);
            throw io_error(request.url, "", message);
        }
        args.state.retries.fetch_add(1);
        const auto wait = delay + std::chrono::milliseconds(jitter() % (delay.count() / 4 + 1));
        std::this_thread::sleep_for(wait);
        delay = std::min(delay * 2, std::chrono::milliseconds(5000));
    }
}

[[noreturn]] void throw_status(const std::string& url, const std::string& method, const http_response& r) {
    const auto detail = r.header("x-fitstore-error");
    const std::string text = detail ? *detail : describe_status(r.status, "");
    if (r.status == 404) throw format_error(url, "", method + ": no such object (" + text + ")");
    throw io_error(url, "", method + " failed: " + text);
}

}  // namespace

http_response http_client::send(http_request request, std::vector<std::uint8_t>* body, std::size_t cap) {
    std::vector<std::uint8_t> scratch;
    body_sink sink;
    sink.vec = body ? body : &scratch;
    sink.cap = cap;
    return perform({m_settings, m_hook, m_progress, *m_impl, nullptr}, std::move(request), sink,
                   [](const http_response&, std::size_t) {});
}

namespace {

void check_range_response(const std::string& url, const http_response& r, std::uint64_t offset, std::size_t size,
                          std::uint64_t total, std::size_t received) {
    if (r.status == 206) {
        const auto range = r.header("content-range");
        unsigned long long first = 0, last = 0, length = 0;
        const int fields = range ? std::sscanf(range->c_str(), "bytes %llu-%llu/%llu", &first, &last, &length) : 0;
        if (fields < 2 || first != offset || last + 1 - first != size)
            throw format_error(url, "", "server answered another range (Content-Range: " + range.value_or("none") +
                                            ") than bytes " + std::to_string(offset) + "-" +
                                            std::to_string(offset + size - 1));
        if (total && fields == 3 && length != total)
            throw format_error(url, "", "object is " + std::to_string(length) + " bytes long, expected " +
                                            std::to_string(total) + " (Content-Range: " + *range + ")");
    } else if (offset != 0) {
        throw format_error(url, "", "server ignored the Range request (HTTP " + std::to_string(r.status) +
                                        "); range requests are required");
    }
    if (received != size)
        throw io_error(url, "", "truncated body: expected " + std::to_string(size) + " bytes, received " +
                                    std::to_string(received));
}

}  // namespace

void http_client::get_range(const std::string& url, std::uint64_t offset, void* dst, std::size_t size,
                            std::uint64_t total, const std::atomic<bool>* cancel) {
    if (size == 0) return;
    http_request request;
    request.url = url;
    request.headers.emplace_back("Range",
                                 "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + size - 1));
    body_sink sink;
    sink.dst = static_cast<std::uint8_t*>(dst);
    sink.cap = size;
    const http_response r = perform({m_settings, m_hook, m_progress, *m_impl, cancel}, request, sink,
                                    [&](const http_response& resp, std::size_t received) {
                                        check_range_response(url, resp, offset, size, total, received);
                                    });
    if (r.status < 200 || r.status >= 300) throw_status(url, "GET", r);
}

bool http_client::get_all_if_exists(const std::string& url, std::size_t cap, std::vector<std::uint8_t>& out) {
    http_request request;
    request.url = url;
    body_sink sink;
    sink.vec = &out;
    sink.cap = cap;
    const http_response r = perform({m_settings, m_hook, m_progress, *m_impl, nullptr}, request, sink,
                                    [&](const http_response& resp, std::size_t received) {
                                        const auto length = resp.header("content-length");
                                        if (length && std::strtoull(length->c_str(), nullptr, 10) != received)
                                            throw io_error(url, "", "truncated body: expected " + *length +
                                                                        " bytes, received " + std::to_string(received));
                                    });
    if (r.status == 404) return false;
    if (r.status < 200 || r.status >= 300) throw_status(url, "GET", r);
    return true;
}

void http_client::get_all(const std::string& url, std::size_t cap, std::vector<std::uint8_t>& out) {
    if (!get_all_if_exists(url, cap, out)) throw format_error(url, "", "GET: no such object (HTTP 404 Not Found)");
}

std::uint64_t http_client::head_size(const std::string& url) {
    http_request request;
    request.method = "HEAD";
    request.url = url;
    const http_response r = send(request, nullptr, 0);
    if (r.status < 200 || r.status >= 300) throw_status(url, "HEAD", r);
    const auto length = r.header("content-length");
    if (!length) throw format_error(url, "", "HEAD: the server sent no Content-Length");
    char* end = nullptr;
    const unsigned long long n = std::strtoull(length->c_str(), &end, 10);
    if (end == length->c_str() || *end != '\0') throw format_error(url, "", "HEAD: invalid Content-Length \"" + *length + "\"");
    return n;
}

void http_client::get_ranges(const std::vector<range_job>& jobs) {
    if (jobs.empty()) return;
    const unsigned workers = std::min<std::size_t>(m_settings.connections, jobs.size());
    if (workers <= 1) {
        for (const auto& j : jobs) get_range(j.url, j.offset, j.dst, j.size, j.total);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> cancel{false};
    std::exception_ptr first;
    std::mutex first_mutex;
    auto run = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= jobs.size() || cancel.load()) return;
            const range_job& j = jobs[i];
            try {
                if (j.size == 0) continue;
                http_request request;
                request.url = j.url;
                request.headers.emplace_back("Range", "bytes=" + std::to_string(j.offset) + "-" +
                                                          std::to_string(j.offset + j.size - 1));
                body_sink sink;
                sink.dst = static_cast<std::uint8_t*>(j.dst);
                sink.cap = j.size;
                const http_response r = perform({m_settings, m_hook, m_progress, *m_impl, &cancel}, request, sink,
                                                [&](const http_response& resp, std::size_t received) {
                                                    check_range_response(j.url, resp, j.offset, j.size, j.total, received);
                                                });
                if (r.status < 200 || r.status >= 300) throw_status(j.url, "GET", r);
            } catch (...) {
                std::lock_guard<std::mutex> lock(first_mutex);
                // The first real failure wins over the "cancelled" of the others.
                if (!first) first = std::current_exception();
                cancel = true;
                return;
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned k = 1; k < workers; ++k) threads.emplace_back(run);
    run();
    for (auto& t : threads) t.join();
    if (first) std::rethrow_exception(first);
}

bool is_remote_location(const std::string& location) noexcept {
    return location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0 || location.rfind("s3://", 0) == 0;
}

std::string url_parts::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

url_parts parse_url(const std::string& url) {
    url_parts p;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw usage_error(url, "", "not a URL (expected scheme://host/path)");
    p.scheme = lower(url.substr(0, scheme_end));
    const std::size_t host_start = scheme_end + 3;
    std::size_t path_start = url.find_first_of("/?#", host_start);
    if (path_start == std::string::npos) path_start = url.size();
    std::string authority = url.substr(host_start, path_start - host_start);
    if (authority.find('@') != std::string::npos)
        throw usage_error(url, "", "credentials in URLs are not accepted; use the environment (AWS_*)");
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) throw usage_error(url, "", "unterminated [IPv6] host");
        p.host = authority.substr(0, close + 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') p.port = authority.substr(close + 2);
    } else {
        const auto colon = authority.rfind(':');
        p.host = authority.substr(0, colon);
        if (colon != std::string::npos) p.port = authority.substr(colon + 1);
    }
    if (p.host.empty()) throw usage_error(url, "", "URL without a host");
    for (char ch : p.port)
        if (!std::isdigit(static_cast<unsigned char>(ch))) throw usage_error(url, "", "invalid port \"" + p.port + "\"");
    std::string rest = url.substr(path_start);
    const auto hash = rest.find('#');
    if (hash != std::string::npos) rest.resize(hash);
    const auto q = rest.find('?');
    p.path = rest.substr(0, q);
    if (q != std::string::npos) p.query = rest.substr(q + 1);
    if (p.path.empty()) p.path = "/";
    return p;
}

std::string uri_encode(const std::string& text, bool keep_slash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char ch : text) {
        if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' || (keep_slash && ch == '/')) {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

}  // namespace fitstore::detail
