// Remote stores against real servers on 127.0.0.1: Debian's nginx (http and
// https) and npm's s3rver (S3 with SigV4), started and stopped by each test.
// Round trips of the estimators and of array bundles through the directory
// and blob layouts x codecs, copied and mapped through the cache.
#include <catch2/catch.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/nu_svc.hpp"
#include "fitstore/estimators/nu_svr.hpp"
#include "fitstore/estimators/one_class_svm.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "remote_servers.hpp"

using namespace fitstore;
using fitstore::test::nginx_server;
using fitstore::test::random_array;
using fitstore::test::s3_server;
using fitstore::test::same_object;
using fitstore::test::scoped_env;
using fitstore::test::temp_dir;

namespace {

pipeline fitted_pipeline() {
    const auto iris = datasets::load_iris();
    pipeline model({{"scaler", std::make_shared<standard_scaler>()}, {"svc", std::make_shared<svc>()}});
    model.fit(iris.X, iris.y, iris.feature_names);
    return model;
}

/// Every other estimator type, fitted on iris, as stored trees by name.
std::vector<std::pair<std::string, stored_object>> other_estimators() {
    const auto iris = datasets::load_iris();
    ndarray<double> yf(shape_t{iris.y.size()});
    for (std::size_t i = 0; i < iris.y.size(); ++i) yf.mutable_data()[i] = static_cast<double>(iris.y.data()[i]);
    std::vector<std::pair<std::string, std::shared_ptr<estimator>>> models = {
        {"svc", std::make_shared<svc>()}, {"nu_svc", std::make_shared<nu_svc>()}, {"svr", std::make_shared<svr>()},
        {"nu_svr", std::make_shared<nu_svr>()}, {"one_class_svm", std::make_shared<one_class_svm>()},
        {"standard_scaler", std::make_shared<standard_scaler>()}};
    std::vector<std::pair<std::string, stored_object>> out;
    for (auto& [name, model] : models) {
        if (name == "svr" || name == "nu_svr")
            model->fit(iris.X, targets::of_float64(yf));
        else if (name == "one_class_svm")
            model->fit(iris.X, targets());
        else
            model->fit(iris.X, iris.y);
        stored_object node;
        polymorphic_registry<estimator>::instance().save(*model, node);
        out.emplace_back(name, std::move(node));
    }
    return out;
}

array_bundle bundle_of_dtypes(std::size_t big_rows = 0) {
    array_bundle b;
    std::uint32_t seed = 7;
    for (dtype t : {dtype::bool_, dtype::int8, dtype::int32, dtype::uint64, dtype::float32, dtype::float64})
        b.add(std::string("a_") + std::string(dtype_name(t)), random_array(t, {3001, 5}, seed++));
    b.add("scalar", random_array(dtype::float64, {}, seed++));
    b.add("empty", random_array(dtype::int16, {0, 4}, seed++));
    if (big_rows) b.add("big", random_array(dtype::float64, {big_rows, 128}, seed++));
    b.attributes["note"] = "remote";
    return b;
}

/// Every object of the tree (types, params, array bytes) equal.
bool same_tree(const stored_object& a, const stored_object& b) {
    if (!same_object(a, b) || a.children.size() != b.children.size()) return false;
    for (std::size_t i = 0; i < a.children.size(); ++i)
        if (a.children[i].first != b.children[i].first || !same_tree(a.children[i].second, b.children[i].second))
            return false;
    return true;
}

template <class T>
stored_object tree_of(const T& value) {
    stored_object node;
    save_object(value, node);
    return node;
}

const std::vector<std::string> k_codecs = {"none", "zlib:1", "zstd:3+shuffle", "lz4", "blosc-lz4"};

codec_spec codec_named(const std::string& text) {
    const auto plus = text.find("+shuffle");
    return plus == std::string::npos ? parse_codec(text) : parse_codec(text.substr(0, plus), true);
}

std::size_t cache_entries(const std::string& cache) {
    std::size_t n = 0;
    for (const auto& name : fitstore::test::folder_entries(cache))
        if (name != "locations" && name.rfind("tmp-", 0) != 0) ++n;
    return n;
}

}  // namespace

TEST_CASE("remote: estimators and array bundles round-trip from nginx over http, copied and mapped",
          "[remote][http]") {
    temp_dir root, cache;
    const pipeline model = fitted_pipeline();
    const array_bundle bundle = bundle_of_dtypes();
    const auto others = other_estimators();
    struct stored {
        std::string name;
        stored_object tree;
    };
    std::vector<stored> stores;
    for (layout l : {layout::directory, layout::blob}) {
        for (const auto& codec : k_codecs) {
            dump_options options;
            options.layout = l;
            options.codec = codec_named(codec);
            options.chunk_bytes = 8192;  // many chunks: fetched in parallel
            options.durable = false;
            const std::string suffix = std::string(layout_name(l)) + "-" + codec;
            dump(model, root / ("pipeline-" + suffix), options);
            dump(bundle, root / ("bundle-" + suffix), options);
            stores.push_back({"pipeline-" + suffix, tree_of(model)});
            stores.push_back({"bundle-" + suffix, tree_of(bundle)});
            if (codec != "none" && codec != "zstd:3+shuffle") continue;
            for (const auto& [name, tree] : others) {
                write_store(tree, root / (name + "-" + suffix), options);
                stores.push_back({name + "-" + suffix, tree});
            }
        }
    }
    nginx_server server(root.path());
    const auto iris = datasets::load_iris();
    for (const auto& s : stores) {
        const std::string url = server.url(s.name);
        INFO(url);
        load_options copy;
        copy.remote.connections = 4;
        load_report report;
        const store_contents contents = read_store(url, copy);
        CHECK(same_tree(contents.root, s.tree));
        CHECK(contents.report.cached_copy.empty());
        for (const auto& a : contents.report.arrays) CHECK((a.verified || a.raw_bytes == 0));

        for (mmap_mode mode : {mmap_mode::r, mmap_mode::c}) {
            load_options mapped = copy;
            mapped.mmap = mode;
            mapped.remote.cache_dir = cache.path();
            const store_contents m = read_store(url, mapped);
            CHECK(same_tree(m.root, s.tree));
            CHECK(m.report.cached_copy.rfind(cache.path() + "/", 0) == 0);
            const bool uncompressed = s.name.find("-none") != std::string::npos;
            std::size_t mapped_arrays = 0;
            for (const auto& a : m.report.arrays) mapped_arrays += a.mapped;
            if (uncompressed) CHECK(mapped_arrays > 0);
            else CHECK(mapped_arrays == 0);
        }
        if (s.name.rfind("pipeline", 0) == 0) {
            load_options mapped;
            mapped.mmap = mmap_mode::r;
            mapped.remote.cache_dir = cache.path();
            const pipeline loaded = load<pipeline>(url, mapped);
            CHECK(loaded.predict(iris.X) == model.predict(iris.X));
        }
    }
    // Content-addressed: one entry per distinct store (the r and c loads shared theirs).
    CHECK(cache_entries(cache.path()) == stores.size());
    // Inspect and verify take URLs as well.
    CHECK(read_store_manifest(server.url("pipeline-directory-zstd:3+shuffle")).root.type == "pipeline");
    CHECK(detect_layout(server.url("bundle-blob-lz4")) == layout::blob);
    const verify_report v = verify_store(server.url("bundle-directory-lz4"));
    CHECK(v.passed());
}

TEST_CASE("remote: a large uncompressed array is fetched in ranges over several connections", "[remote][http]") {
    temp_dir root;
    const array_bundle bundle = bundle_of_dtypes(24 * 1024);  // a 24 MiB single-chunk array
    for (layout l : {layout::directory, layout::blob}) {
        dump_options options;
        options.layout = l;
        options.durable = false;
        dump(bundle, root / std::string(layout_name(l)), options);
    }
    nginx_server server(root.path());
    for (const std::string name : {"directory", "blob"}) {
        INFO(name);
        const std::size_t before = server.requests();
        load_options options;
        options.remote.connections = 4;
        const store_contents contents = read_store(server.url(name), options);
        CHECK(same_tree(contents.root, tree_of(bundle)));
        // 24 MiB in 8 MiB ranges: at least 3 requests for the big array alone.
        CHECK(server.requests() - before >= 3 + 1);
    }
}

TEST_CASE("remote: https with a self-signed certificate the test trusts", "[remote][https]") {
    temp_dir root;
    const pipeline model = fitted_pipeline();
    dump_options options;
    options.durable = false;
    dump(model, root / "model", options);
    nginx_server server(root.path(), true);
    load_options trusted;
    trusted.remote.ca_file = server.certificate();
    const pipeline loaded = load<pipeline>(server.url("model"), trusted);
    CHECK(same_tree(tree_of(loaded), tree_of(model)));
    // Without the certificate the server is not trusted: no retry, a clear error.
    load_options untrusted;
    untrusted.remote.retries = 0;
    REQUIRE_THROWS_WITH(load<pipeline>(server.url("model"), untrusted),
                        Catch::Contains("certificate") && Catch::Contains(server.url("model")));
}

TEST_CASE("remote: dump to S3 (s3rver) and load back, copied and mapped, in both layouts", "[remote][s3]") {
    s3_server s3({"models"});
    temp_dir cache;
    scoped_env key("AWS_ACCESS_KEY_ID", "S3RVER"), secret("AWS_SECRET_ACCESS_KEY", "S3RVER"),
        region("AWS_REGION", "us-east-1"), endpoint("AWS_ENDPOINT_URL", s3.endpoint());
    const pipeline model = fitted_pipeline();
    // 20 MiB uncompressed: above the 16 MiB multipart threshold.
    const array_bundle big = bundle_of_dtypes(20 * 1024);
    for (layout l : {layout::directory, layout::blob}) {
        INFO(layout_name(l));
        dump_options options;
        options.layout = l;
        options.codec = parse_codec("zstd:1");
        const std::string base = std::string("s3://models/") + std::string(layout_name(l));
        dump(model, base + "/pipeline", options);
        options.codec = parse_codec("none");
        // A key with spaces and non-ASCII characters, signed and sent percent-encoded.
        dump(big, base + "/bündel mit ümlaut", options);

        const pipeline loaded = load<pipeline>(base + "/pipeline");
        CHECK(same_tree(tree_of(loaded), tree_of(model)));
        load_options mapped;
        mapped.mmap = mmap_mode::r;
        mapped.remote.cache_dir = cache.path();
        load_report report;
        const array_bundle back = load<array_bundle>(base + "/bündel mit ümlaut", mapped, &report);
        CHECK(same_tree(tree_of(back), tree_of(big)));
        std::size_t mapped_arrays = 0;
        for (const auto& a : report.arrays) mapped_arrays += a.mapped;
        CHECK(mapped_arrays > 0);
        CHECK(report.downloaded_bytes > 20u * 1024 * 128 * 8);
    }
    {
        // A session token is sent and signed.
        scoped_env token("AWS_SESSION_TOKEN", "temporary-session-token");
        CHECK(read_store_manifest("s3://models/directory/pipeline").root.type == "pipeline");
    }
    {
        scoped_env wrong("AWS_SECRET_ACCESS_KEY", "not-the-secret");
        REQUIRE_THROWS_WITH(load<pipeline>("s3://models/directory/pipeline"),
                            Catch::Contains("HTTP 403") && Catch::Contains("SignatureDoesNotMatch"));
    }
    REQUIRE_THROWS_WITH(load<pipeline>("s3://models/directory/no-such-model"), Catch::Contains("no store at this location"));
    {
        scoped_env none("AWS_ACCESS_KEY_ID", "");
        REQUIRE_THROWS_WITH(load<pipeline>("s3://models/directory/pipeline"), Catch::Contains("AWS_ACCESS_KEY_ID"));
    }
}

TEST_CASE("remote: HDF5 stays local-only and http locations are read-only", "[remote]") {
    REQUIRE_THROWS_WITH(read_store("http://127.0.0.1:9/model.h5"), Catch::Contains("HDF5 stores are local-only"));
    const pipeline model = fitted_pipeline();
    REQUIRE_THROWS_WITH(dump(model, "http://127.0.0.1:9/model"), Catch::Contains("s3:// locations only"));
    load_options plus;
    plus.mmap = mmap_mode::r_plus;
    REQUIRE_THROWS_WITH(read_store("http://127.0.0.1:9/model", plus), Catch::Contains("r+"));
}

TEST_CASE("remote: the cache serves later mapped loads, shares entries and evicts the least recently used",
          "[remote][cache]") {
    temp_dir root, cache;
    array_bundle first = bundle_of_dtypes(512);   // 512 KiB "big" array, uncompressed: mappable
    array_bundle second = bundle_of_dtypes(1024);
    dump_options options;
    options.durable = false;
    dump(first, root / "first", options);
    dump(first, root / "first-again", options);  // same content at another location
    dump(second, root / "second", options);
    auto server = std::make_unique<nginx_server>(root.path());
    load_options mapped;
    mapped.mmap = mmap_mode::r;
    mapped.remote.cache_dir = cache.path();
    mapped.remote.retries = 0;
    mapped.remote.timeout_ms = 1000;

    load_report report;
    (void)load<array_bundle>(server->url("first"), mapped, &report);
    CHECK(report.downloaded_bytes > 512u * 128 * 8);
    CHECK(!report.offline);
    const std::string entry = report.cached_copy;

    // Second load: only the manifest is requested; nothing is downloaded again.
    const std::size_t before = server->requests();
    const array_bundle again = load<array_bundle>(server->url("first"), mapped, &report);
    CHECK(server->requests() - before == 1);
    CHECK(report.downloaded_bytes == 0);
    CHECK(report.cached_copy == entry);
    CHECK(same_tree(tree_of(again), tree_of(first)));
    // The same model at another location shares the entry.
    (void)load<array_bundle>(server->url("first-again"), mapped, &report);
    CHECK(report.cached_copy == entry);
    CHECK(cache_entries(cache.path()) == 1);

    // Server gone: the cached copy is mapped, and the report says the load was offline.
    const std::string url = server->url("first");
    server.reset();
    const array_bundle offline = load<array_bundle>(url, mapped, &report);
    CHECK(report.offline);
    CHECK(report.cached_copy == entry);
    CHECK(same_tree(tree_of(offline), tree_of(first)));
    // A copying load needs the server: a clear error.
    load_options copy;
    copy.remote.retries = 0;
    REQUIRE_THROWS_WITH(read_store(url, copy), Catch::Contains(url) && Catch::Contains("onnect"));

    // LRU: with a cap below both entries, loading the second evicts the first.
    nginx_server again_server(root.path());
    mapped.remote.cache_max_bytes = 1536 * 1024;
    (void)load<array_bundle>(again_server.url("second"), mapped, &report);
    CHECK(cache_entries(cache.path()) == 1);
    CHECK(!boost::filesystem::exists(entry));
    CHECK(boost::filesystem::exists(report.cached_copy));
}
