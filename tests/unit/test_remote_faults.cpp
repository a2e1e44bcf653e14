// Remote loads against servers that fail: each fault gives a clear error and
// leaves nothing wrong in the cache. The misbehaving server is
// tests/remote/fault_server.py on 127.0.0.1; nginx serves the well-behaved case.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "remote_servers.hpp"

using namespace fitstore;
using fitstore::test::fault_server;
using fitstore::test::nginx_server;
using fitstore::test::random_array;
using fitstore::test::temp_dir;

namespace {

/// A directory store "model" (zstd, 4 chunks per array) and a blob "model.blob" (uncompressed) below `root`.
array_bundle make_stores(const temp_dir& root) {
    array_bundle b;
    b.add("x", random_array(dtype::float64, {4096, 8}, 1));  // 256 KiB in 64 KiB chunks
    b.add("y", random_array(dtype::int32, {1000}, 2));
    dump_options options;
    options.codec = parse_codec("zstd:1");
    options.chunk_bytes = 64 * 1024;
    options.durable = false;
    dump(b, root / "model", options);
    options.layout = layout::blob;
    options.codec = parse_codec("none");
    dump(b, root / "model.blob", options);
    return b;
}

load_options quick(const std::string& cache) {
    load_options o;
    o.remote.retries = 2;
    o.remote.timeout_ms = 1000;
    o.remote.cache_dir = cache;
    return o;
}

std::size_t cache_entries(const std::string& cache) {
    std::size_t n = 0;
    for (const auto& name : fitstore::test::folder_entries(cache))
        if (name != "locations") ++n;  // entries and leftover temporaries alike
    return n;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("remote faults: server down", "[remote][faults]") {
    temp_dir cache;
    const int port = fitstore::test::free_port();  // nothing listens there
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/model";
    load_options o = quick(cache.path());
    REQUIRE_THROWS_WITH(read_store(url, o), Catch::Contains(url) && Catch::Contains("onnect") &&
                                                Catch::Contains("after 3 attempts"));
    o.mmap = mmap_mode::r;
    REQUIRE_THROWS_WITH(read_store(url, o), Catch::Contains("after 3 attempts"));
    CHECK(cache_entries(cache.path()) == 0);
}

TEST_CASE("remote faults: 404 on a chunk is not retried", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    fault_server server(root.path(), {{"/model/x/2.0", "404"}});
    load_options o = quick(cache.path());
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o),
                        Catch::Contains("model/x/2.0") && Catch::Contains("HTTP 404 Not Found"));
    CHECK(count(server.log(), "GET /model/x/2.0 ") == 1);
    o.mmap = mmap_mode::r;
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o), Catch::Contains("HTTP 404"));
    CHECK(cache_entries(cache.path()) == 0);
}

TEST_CASE("remote faults: a 500 is retried and the load then succeeds", "[remote][faults]") {
    temp_dir root, cache;
    const array_bundle b = make_stores(root);
    fault_server server(root.path(), {{"/model/x/1.0", "500-once"}, {"/model.blob", "500-once"}});
    for (const std::string name : {"model", "model.blob"}) {
        const store_contents c = read_store(server.url(name), quick(cache.path()));
        CHECK(fitstore::test::same_object(c.root, [&] {
            stored_object node;
            save_object(b, node);
            return node;
        }()));
    }
    CHECK(count(server.log(), "GET /model/x/1.0 ") == 2);
    // A server that keeps failing: the error names the status and the attempts.
    fault_server broken(root.path(), {{"/model/y/0", "500"}});
    REQUIRE_THROWS_WITH(read_store(broken.url("model"), quick(cache.path())),
                        Catch::Contains("HTTP 500 Internal Server Error") && Catch::Contains("after 3 attempts"));
    CHECK(count(broken.log(), "GET /model/y/0 ") == 3);
}

TEST_CASE("remote faults: truncated body", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    fault_server server(root.path(), {{"/model/x/3.0", "truncate"}, {"/model.blob", "truncate"}});
    for (const std::string name : {"model", "model.blob"}) {
        INFO(name);
        load_options o = quick(cache.path());
        o.mmap = mmap_mode::r;
        REQUIRE_THROWS_WITH(read_store(server.url(name), o), Catch::Contains("truncated"));
    }
    CHECK(cache_entries(cache.path()) == 0);
}

TEST_CASE("remote faults: a body longer than the manifest says is cut off", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    fault_server server(root.path(), {{"/model/x/0.0", "longer"}});
    load_options o = quick(cache.path());
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o),
                        Catch::Contains("model/x/0.0") && Catch::Contains("server sent more than the expected"));
    CHECK(count(server.log(), "GET /model/x/0.0 ") == 1);  // never retried
    o.mmap = mmap_mode::r;
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o), Catch::Contains("server sent more than the expected"));
    CHECK(cache_entries(cache.path()) == 0);
}

TEST_CASE("remote faults: a flipped byte fails its checksum and creates no cache entry", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    // Chunk 1 of x is zstd-compressed: the flip breaks either the frame or the checksum.
    fault_server server(root.path(), {{"/model.blob", "flip"}});
    for (mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
        load_options o = quick(cache.path());
        o.mmap = mode;
        REQUIRE_THROWS_WITH(read_store(server.url("model.blob"), o), Catch::Contains("checksum mismatch"));
    }
    CHECK(cache_entries(cache.path()) == 0);
}

TEST_CASE("remote faults: a redirect to another host is refused unless allowed", "[remote][faults]") {
    temp_dir root, cache;
    const array_bundle b = make_stores(root);
    nginx_server target(root.path());
    // "localhost" is another host name than 127.0.0.1 (it resolves to loopback too).
    fault_server server(root.path(), {{"/model/manifest.json", "redirect:http://localhost:" + std::to_string(target.port())}});
    load_options o = quick(cache.path());
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o),
                        Catch::Contains("redirect to another host refused") && Catch::Contains("localhost"));
    o.remote.allow_cross_host_redirects = true;
    const store_contents c = read_store(server.url("model"), o);
    CHECK(c.root.arrays.size() == 2);
}

TEST_CASE("remote faults: a server that stalls past the timeout", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    fault_server server(root.path(), {{"/model/y/0", "slow"}});
    load_options o = quick(cache.path());
    o.remote.retries = 0;
    REQUIRE_THROWS_WITH(read_store(server.url("model"), o),
                        Catch::Contains("model/y/0") && Catch::Contains("no data received for 1000 ms (timeout)"));
}

TEST_CASE("remote faults: a cache folder on a full disk", "[remote][faults]") {
    temp_dir root, cache;
    make_stores(root);
    nginx_server server(root.path());
    // RLIMIT_FSIZE stands in for a full disk (no mount needed): the blob (about 300 KiB)
    // cannot be written in a process limited to 64 KiB per file.
    const auto result = fitstore::test::run_in_child(
        [&] {
            ::signal(SIGXFSZ, SIG_IGN);
            rlimit limit{64 * 1024, 64 * 1024};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            load_options o = quick(cache.path());
            o.mmap = mmap_mode::r;
            (void)read_store(server.url("model.blob"), o);
        },
        20);
    CHECK(result.code == 10);
    CHECK_THAT(result.text, Catch::Contains("cannot reserve") && Catch::Contains("File too large"));
    CHECK(cache_entries(cache.path()) == 0);
    // With room, the same load fills the cache.
    load_options o = quick(cache.path());
    o.mmap = mmap_mode::r;
    (void)read_store(server.url("model.blob"), o);
    CHECK(cache_entries(cache.path()) == 1);
}
