#include "io/s3_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>

#include "fitstore/errors.hpp"

namespace fitstore::detail {
namespace {

std::string hmac(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length))
        throw error("", "", "HMAC-SHA256 failed (OpenSSL)");
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The reference signer's value normalisation: CR/LF become spaces, runs of
/// spaces and tabs one space, then one leading and one trailing space dropped.
std::string canonical_value(const std::string& v) {
    std::string s;
    for (char c : v) {
        if (c == '\r' || c == '\n') c = ' ';
        if ((c == ' ' || c == '\t') && !s.empty() && s.back() == ' ') continue;
        s += c == '\t' ? ' ' : c;
    }
    if (!s.empty() && s.front() == ' ') s.erase(0, 1);
    if (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

bool unsignable(const std::string& name) {
    static const char* names[] = {"authorization", "cache-control", "connection", "expect", "from",
                                  "keep-alive", "max-forwards", "pragma", "referer", "te",
                                  "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};
    for (const char* n : names)
        if (name == n) return true;
    return name.rfind("proxy-", 0) == 0 || name.rfind("sec-", 0) == 0;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string uri_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// Query parameters decoded, re-encoded the S3 way and sorted by encoded name.
std::string canonical_query(const std::string& query) {
    std::map<std::string, std::string> items;
    std::size_t start = 0;
    while (start <= query.size() && !query.empty()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const std::string item = query.substr(start, end - start);
        if (!item.empty()) {
            const auto eq = item.find('=');
            const std::string key = uri_encode(uri_decode(item.substr(0, eq)), false);
            const std::string value = eq == std::string::npos ? "" : uri_encode(uri_decode(item.substr(eq + 1)), false);
            items[key] = key + "=" + value;
        }
        start = end + 1;
    }
    std::string out;
    for (const auto& [key, text] : items) out += (out.empty() ? "" : "&") + text;
    return out;
}

}  // namespace

aws_credentials aws_credentials::from_environment(const std::string& location) {
    auto get = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    aws_credentials c;
    c.access_key = get("AWS_ACCESS_KEY_ID");
    c.secret_key = get("AWS_SECRET_ACCESS_KEY");
    c.session_token = get("AWS_SESSION_TOKEN");
    std::string region = get("AWS_REGION");
    if (region.empty()) region = get("AWS_DEFAULT_REGION");
    if (!region.empty()) c.region = region;
    if (c.access_key.empty())
        throw usage_error(location, "AWS_ACCESS_KEY_ID", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for s3:// locations");
    if (c.secret_key.empty())
        throw usage_error(location, "AWS_SECRET_ACCESS_KEY", "set AWS_SECRET_ACCESS_KEY for s3:// locations");
    return c;
}

std::string amz_date_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

void sigv4_sign(http_request& request, const aws_credentials& credentials, const std::string& amz_date,
                const std::string& payload_hash, const std::string& service) {
    const url_parts url = parse_url(request.url);
    // Drop what an earlier attempt added: each attempt is signed afresh.
    http_headers headers;
    std::string content_hash;
    for (auto& [name, value] : request.headers) {
        const std::string l = lower(name);
        if (l == "authorization" || l == "x-amz-date" || l == "x-amz-security-token" || l == "host") continue;
        if (l == "x-amz-content-sha256") content_hash = value;
        headers.emplace_back(name, value);
    }
    const bool default_port = url.port.empty() || (url.scheme == "http" && url.port == "80") ||
                              (url.scheme == "https" && url.port == "443");
    headers.emplace_back("host", default_port ? url.host : url.host + ":" + url.port);
    headers.emplace_back("x-amz-date", amz_date);
    if (!credentials.session_token.empty()) headers.emplace_back("x-amz-security-token", credentials.session_token);
    if (content_hash.empty()) {
        content_hash = payload_hash;
        headers.emplace_back("x-amz-content-sha256", payload_hash);
    }
    std::map<std::string, std::string> canonical;
    for (const auto& [name, value] : headers) {
        const std::string l = lower(name);
        if (unsignable(l)) continue;
        canonical[l] = canonical_value(value);
    }
    std::string canonical_headers, signed_headers;
    for (const auto& [name, value] : canonical) {
        canonical_headers += name + ":" + value + "\n";
        signed_headers += (signed_headers.empty() ? "" : ";") + name;
    }
    const std::string canonical_request = request.method + "\n" + url.path + "\n" + canonical_query(url.query) + "\n" +
                                          canonical_headers + "\n" + signed_headers + "\n" + content_hash;
    const std::string date = amz_date.substr(0, 8);
    const std::string scope = date + "/" + credentials.region + "/" + service + "/aws4_request";
    const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                                       sha256_hex(canonical_request.data(), canonical_request.size());
    std::string key = hmac("AWS4" + credentials.secret_key, date);
    key = hmac(key, credentials.region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    const std::string raw = hmac(key, string_to_sign);
    const std::string signature = to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
                                              ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
    request.headers = std::move(headers);
}

}  // namespace fitstore::detail
