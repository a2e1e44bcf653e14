#include "io/remote_location.hpp"

#include <cstdlib>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

http_settings http_settings_from(const remote_options& options) {
    http_settings s = http_settings::from_environment();
    if (options.connections) s.connections = options.connections;
    if (options.timeout_ms) s.stall_timeout = std::chrono::milliseconds(options.timeout_ms);
    if (options.retries >= 0) s.retries = static_cast<unsigned>(options.retries);
    if (!options.ca_file.empty()) s.ca_file = options.ca_file;
    s.allow_cross_host_redirects = options.allow_cross_host_redirects;
    // A connect that takes longer than the stall timeout is as dead as a stalled transfer.
    s.connect_timeout = std::min(s.connect_timeout, std::max(s.stall_timeout, std::chrono::milliseconds(1000)));
    return s;
}

namespace {

std::string strip_trailing_slashes(std::string s) {
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

}  // namespace

remote_location::remote_location(const std::string& location, const remote_options& options)
    : m_location(strip_trailing_slashes(location)),
      m_client(std::make_unique<http_client>(http_settings_from(options))) {
    if (m_location.rfind("s3://", 0) == 0) {
        m_s3 = true;
        const std::string rest = m_location.substr(5);
        const auto slash = rest.find('/');
        const std::string bucket = rest.substr(0, slash);
        const std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (bucket.empty() || prefix.empty())
            throw usage_error(location, "", "expected s3://bucket/key (a bucket and the store's key)");
        m_credentials = aws_credentials::from_environment(location);
        std::string endpoint;
        if (const char* e = std::getenv("AWS_ENDPOINT_URL_S3")) endpoint = e;
        if (endpoint.empty())
            if (const char* e = std::getenv("AWS_ENDPOINT_URL")) endpoint = e;
        if (endpoint.empty()) endpoint = "https://s3." + m_credentials.region + ".amazonaws.com";
        const url_parts e = parse_url(endpoint);
        if (e.scheme != "http" && e.scheme != "https")
            throw usage_error(endpoint, "AWS_ENDPOINT_URL", "expected an http:// or https:// endpoint");
        // Path-style addressing: endpoint/bucket/key, which S3-compatible servers understand.
        m_base = strip_trailing_slashes(endpoint) + "/" + uri_encode(bucket, false) + "/" + uri_encode(prefix, true);
        const aws_credentials credentials = m_credentials;
        m_client->set_request_hook([credentials](http_request& request) {
            std::string payload = sha256_hex("", 0);
            if (request.body) payload = sha256_hex(request.body, request.body_size);
            sigv4_sign(request, credentials, amz_date_now(), payload);
        });
    } else {
        const url_parts p = parse_url(m_location);
        if (p.scheme != "http" && p.scheme != "https")
            throw usage_error(location, "", "unsupported scheme \"" + p.scheme + "\" (expected http, https or s3)");
        m_base = m_location;
    }
    if (options.progress) {
        auto callback = options.progress;
        auto mutex = m_progress_mutex;
        std::atomic<std::uint64_t>* expected = &m_expected;
        m_client->set_progress_hook([callback, mutex, expected](std::uint64_t received) {
            std::lock_guard<std::mutex> lock(*mutex);
            callback(transfer_progress{received, expected->load()});
        });
    }
}

std::string remote_location::url(const std::string& key) const {
    if (key.empty()) return m_base;
    return m_base + "/" + uri_encode(key, true);
}

std::string remote_location::name(const std::string& key) const {
    return key.empty() ? m_location : m_location + "/" + key;
}

void remote_location::put(const std::string& key, const void* data, std::size_t size) {
    if (!m_s3) throw usage_error(m_location, "", "dumps go to s3:// locations only (http(s) locations are read-only)");
    if (size > multipart_part_bytes) {
        multipart upload(*this, key);
        const auto* p = static_cast<const std::uint8_t*>(data);
        for (std::size_t at = 0; at < size; at += multipart_part_bytes)
            upload.add_part(p + at, std::min(multipart_part_bytes, size - at));
        upload.complete();
        return;
    }
    http_request request;
    request.method = "PUT";
    request.url = url(key);
    request.body = data;
    request.body_size = size;
    const http_response r = m_client->send(request, nullptr, 1 << 16);
    if (r.status < 200 || r.status >= 300)
        throw io_error(name(key), "", "PUT failed: " + r.header("x-fitstore-error").value_or("HTTP " + std::to_string(r.status)));
}

void remote_location::remove(const std::string& key) {
    http_request request;
    request.method = "DELETE";
    request.url = url(key);
    const http_response r = m_client->send(request, nullptr, 1 << 16);
    if ((r.status < 200 || r.status >= 300) && r.status != 404)
        throw io_error(name(key), "", "DELETE failed: HTTP " + std::to_string(r.status));
}

namespace {

std::string xml_value(const std::string& xml, const std::string& tag) {
    const auto b = xml.find("<" + tag + ">");
    const auto e = xml.find("</" + tag + ">");
    if (b == std::string::npos || e == std::string::npos || e < b) return "";
    return xml.substr(b + tag.size() + 2, e - b - tag.size() - 2);
}

}  // namespace

remote_location::multipart::multipart(remote_location& owner, std::string key) : m_owner(owner), m_key(std::move(key)) {
    http_request request;
    request.method = "POST";
    request.url = owner.url(m_key) + "?uploads=";
    std::vector<std::uint8_t> body;
    const http_response r = owner.m_client->send(request, &body, 1 << 20);
    const std::string xml(body.begin(), body.end());
    if (r.status < 200 || r.status >= 300)
        throw io_error(owner.name(m_key), "", "starting a multipart upload failed: " +
                                                  r.header("x-fitstore-error").value_or("HTTP " + std::to_string(r.status)));
    m_upload_id = xml_value(xml, "UploadId");
    if (m_upload_id.empty()) throw format_error(owner.name(m_key), "UploadId", "the server's answer holds no UploadId");
}

remote_location::multipart::~multipart() {
    if (m_done || m_upload_id.empty()) return;
    try {
        http_request request;
        request.method = "DELETE";
        request.url = m_owner.url(m_key) + "?uploadId=" + uri_encode(m_upload_id, false);
        (void)m_owner.m_client->send(request, nullptr, 1 << 16);
    } catch (...) {
        // Best effort: an abandoned upload holds no visible object.
    }
}

void remote_location::multipart::add_part(const void* data, std::size_t size) {
    http_request request;
    request.method = "PUT";
    request.url = m_owner.url(m_key) + "?partNumber=" + std::to_string(m_next) + "&uploadId=" + uri_encode(m_upload_id, false);
    request.body = data;
    request.body_size = size;
    const http_response r = m_owner.m_client->send(request, nullptr, 1 << 16);
    if (r.status < 200 || r.status >= 300)
        throw io_error(m_owner.name(m_key), "", "uploading part " + std::to_string(m_next) + " failed: " +
                                                    r.header("x-fitstore-error").value_or("HTTP " + std::to_string(r.status)));
    const auto etag = r.header("etag");
    if (!etag) throw format_error(m_owner.name(m_key), "ETag", "the server sent no ETag for part " + std::to_string(m_next));
    m_parts_xml += "<Part><PartNumber>" + std::to_string(m_next) + "</PartNumber><ETag>" + *etag + "</ETag></Part>";
    ++m_next;
}

void remote_location::multipart::complete() {
    const std::string xml = "<CompleteMultipartUpload>" + m_parts_xml + "</CompleteMultipartUpload>";
    http_request request;
    request.method = "POST";
    request.url = m_owner.url(m_key) + "?uploadId=" + uri_encode(m_upload_id, false);
    request.body = xml.data();
    request.body_size = xml.size();
    request.headers.emplace_back("Content-Type", "application/xml");
    std::vector<std::uint8_t> body;
    const http_response r = m_owner.m_client->send(request, &body, 1 << 20);
    const std::string answer(body.begin(), body.end());
    // S3 may answer 200 with an <Error> body when completion fails late.
    if (r.status < 200 || r.status >= 300 || answer.find("<Error>") != std::string::npos)
        throw io_error(m_owner.name(m_key), "", "completing the multipart upload failed: " +
                                                    r.header("x-fitstore-error").value_or(answer.substr(0, 200)));
    m_done = true;
}

}  // namespace fitstore::detail
