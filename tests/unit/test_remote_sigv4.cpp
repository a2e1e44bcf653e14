// fitstore's SigV4 signer against the AWS SDK's reference signer
// (@smithy/signature-v4 5.7.5 run under node, tests/remote/sigv4_reference.js):
// the Authorization headers must be equal byte for byte.
#include <catch2/catch.hpp>

#include <cstdio>

#include "io/s3_signer.hpp"
#include "remote_servers.hpp"

using namespace fitstore;
using namespace fitstore::detail;
using fitstore::test::temp_dir;

namespace {

struct sign_case {
    std::string name;
    std::string method;
    std::string key;                                          ///< object key (unencoded)
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded
    http_headers headers;
    std::string body;
    bool has_body = false;
    std::string session_token;
    std::string region = "us-east-1";
};

std::string run_node(const std::string& cases_file) {
    const std::string cmd = "node " + fitstore::test::remote_tools() + "/sigv4_reference.js " + cases_file;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    REQUIRE(::pclose(p) == 0);
    return out;
}

}  // namespace

TEST_CASE("SigV4 signatures equal the AWS SDK reference signer byte for byte", "[remote][sigv4]") {
    const std::string date = "20261129T130405Z";
    const std::vector<sign_case> cases = {
        {"GET with Range", "GET", "models/svc/support_vectors/0.0", {}, {{"Range", "bytes=0-1048575"}}, "", false, "", "us-east-1"},
        {"PUT with a body", "PUT", "models/svc/manifest.json", {}, {{"Content-Type", "application/json"}}, "{\"format\": \"fitstore\"}", true, "", "eu-west-3"},
        {"HEAD", "HEAD", "models/svc.blob", {}, {}, "", false, "", "us-east-1"},
        {"query string (multipart part)", "PUT", "models/big/0.0", {{"partNumber", "3"}, {"uploadId", "abc/def+ghi=="}}, {}, "part bytes", true, "", "us-west-2"},
        {"query without a value", "POST", "models/big/0.0", {{"uploads", ""}}, {}, "", false, "", "us-east-1"},
        {"session token", "GET", "models/svc/manifest.json", {}, {}, "", false, "FwoGZXIvYXdzEJr//////////wEaDHVzZXItdG9rZW4=", "us-east-1"},
        {"unicode key", "GET", "models/modèle ünï/数据 (1)/chunk+0.0", {}, {{"Range", "bytes=100-199"}}, "", false, "", "ap-northeast-1"},
        {"header spacing and extra headers", "GET", "models/a~b_c-d.e", {{"versionId", "v 1"}},
         {{"X-Amz-Meta-Note", "  two   spaces\tand tab "}, {"If-None-Match", "\"etag\""}, {"User-Agent", "fitstore"}}, "", false, "", "us-east-1"},
    };
    const std::string host = "127.0.0.1:9000";
    aws_credentials base;
    base.access_key = "AKIDEXAMPLE";
    base.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    nlohmann::json input = nlohmann::json::array();
    std::vector<std::string> ours;
    for (const auto& c : cases) {
        aws_credentials creds = base;
        creds.region = c.region;
        creds.session_token = c.session_token;
        http_request request;
        request.method = c.method;
        request.url = "http://" + host + "/" + uri_encode(c.key, true);
        std::string query;
        nlohmann::json query_json = nlohmann::json::object();
        for (const auto& [k, v] : c.query) {
            query += (query.empty() ? "" : "&") + uri_encode(k, false) + "=" + uri_encode(v, false);
            query_json[k] = v;
        }
        if (!query.empty()) request.url += "?" + query;
        request.headers = c.headers;
        if (c.has_body) {
            request.body = c.body.data();
            request.body_size = c.body.size();
        }
        const std::string payload = c.has_body ? sha256_hex(c.body.data(), c.body.size()) : sha256_hex("", 0);
        sigv4_sign(request, creds, date, payload);
        std::string authorization;
        for (const auto& [k, v] : request.headers)
            if (k == "Authorization") authorization = v;
        REQUIRE(!authorization.empty());
        ours.push_back(authorization);

        nlohmann::json j;
        j["method"] = c.method;
        j["host"] = host;
        j["path"] = "/" + uri_encode(c.key, true);
        j["query"] = query_json;
        j["headers"] = nlohmann::json::array();
        for (const auto& [k, v] : c.headers) j["headers"].push_back({k, v});
        if (c.has_body) j["body"] = c.body;
        j["region"] = c.region;
        j["access_key"] = creds.access_key;
        j["secret_key"] = creds.secret_key;
        j["session_token"] = c.session_token;
        j["amz_date"] = date;
        input.push_back(j);
    }
    temp_dir dir;
    fitstore::test::write_file(dir / "cases.json", input.dump());
    const nlohmann::json reference = nlohmann::json::parse(run_node(dir / "cases.json"));
    REQUIRE(reference.size() == cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].name);
        CHECK(ours[i] == reference[i].get<std::string>());
    }
    // The signature depends on every input: a different secret gives another one.
    CHECK(ours[0].find("Signature=") != std::string::npos);
}

TEST_CASE("SHA-256 and URI encoding match the published vectors", "[remote][sigv4]") {
    CHECK(sha256_hex("abc", 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(uri_encode("a b/c+d~é", true) == "a%20b/c%2Bd~%C3%A9");
    CHECK(uri_encode("a b/c", false) == "a%20b%2Fc");
}
