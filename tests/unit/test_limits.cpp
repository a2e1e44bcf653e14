// Resource limits on untrusted input: each cap in manifest_limits (and the blob
// header cap) is enforced with a clear error, every claimed size is checked
// against the real files before anything is allocated, and a chunk that
// decodes to more or fewer bytes than expected is refused without writing
// past the expected size (zip-bomb proof).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::random_array;
using fitstore::test::read_file;
using fitstore::test::resident_bytes;
using fitstore::test::edit_manifest;
using fitstore::test::temp_dir;
using fitstore::test::write_file;
using nlohmann::json;

namespace {

/// A valid one-array manifest to start each limit from.
json base_manifest() {
    json m;
    m["format"] = "fitstore";
    m["format_version"] = "1.0";
    m["layout"] = "directory";
    m["root"] = {{"type", "array_bundle"}, {"version", 1}, {"arrays", json::array({{{"name", "a"}, {"key", "a"}}})}};
    m["arrays"]["a"] = {{"dtype", "uint8"},
                        {"shape", {4}},
                        {"chunk_shape", {4}},
                        {"codec", {{"id", "none"}}},
                        {"raw_bytes", 4},
                        {"stored_bytes", 4},
                        {"chunks", json::array({{{"stored_bytes", 4}}})}};
    return m;
}

void require_refused(const json& m, const std::string& text) {
    REQUIRE_THROWS_AS(parse_manifest(m.dump(), "x/manifest.json"), format_error);
    REQUIRE_THROWS_WITH(parse_manifest(m.dump(), "x/manifest.json"),
                        Catch::Contains("x/manifest.json") && Catch::Contains(text));
}

std::string make_directory_store(const temp_dir& dir, const char* codec) {
    array_bundle b;
    b.add("labels", random_array(dtype::int64, {4096}, 5));
    dump_options options;
    options.codec = parse_codec(codec);
    options.durable = false;
    const std::string path = dir / "s";
    dump(b, path, options);
    return path;
}


}  // namespace

TEST_CASE("the base manifest of these tests is valid", "[limits]") {
    REQUIRE(parse_manifest(base_manifest().dump(), "x").arrays.at("a").raw_bytes == 4);
}

TEST_CASE("a blob header over 64 MiB is refused before it is read", "[limits]") {
    const std::uint64_t length = manifest_limits::max_manifest_bytes + 48;  // 16 + length stays a multiple of 64
    std::string blob = "FITSBLOB";
    for (int k = 0; k < 8; ++k) blob += static_cast<char>((length >> (8 * k)) & 0xff);
    blob += std::string(48, ' ');
    REQUIRE_THROWS_WITH(read_blob_bytes(blob.data(), blob.size(), {}, "big.blob"),
                        Catch::Contains("big.blob") && Catch::Contains("header length") &&
                            Catch::Contains("exceeds the limit of 64 MiB"));
}

TEST_CASE("a manifest.json over 64 MiB is refused before it is read", "[limits]") {
    temp_dir dir;
    const std::string store = make_directory_store(dir, "none");
    // Sparse: costs no disk, and the loader must refuse it by size without reading it.
    REQUIRE(::truncate((store + "/manifest.json").c_str(), manifest_limits::max_manifest_bytes + 1) == 0);
    const std::size_t before = resident_bytes();
    REQUIRE_THROWS_WITH(read_store(store), Catch::Contains("manifest.json") && Catch::Contains("exceeds the limit"));
    REQUIRE(resident_bytes() < before + (std::size_t(16) << 20));
    REQUIRE_THROWS_WITH(parse_manifest(std::string(manifest_limits::max_manifest_bytes + 1, ' '), "m"),
                        Catch::Contains("exceeds the limit of 64 MiB"));
}

TEST_CASE("nesting depth is capped for objects and for raw JSON", "[limits]") {
    SECTION("objects nested 65 deep") {
        json m = base_manifest();
        json* node = &m["root"];
        for (std::size_t d = 0; d <= manifest_limits::max_depth; ++d) {
            (*node)["children"] = json::array({{{"name", "c"}, {"object", {{"type", "t"}, {"version", 1}}}}});
            node = &(*node)["children"][0]["object"];
        }
        require_refused(m, "nested deeper than 64");
    }
    SECTION("64 deep is fine") {
        json m = base_manifest();
        json* node = &m["root"];
        for (std::size_t d = 0; d < manifest_limits::max_depth; ++d) {
            (*node)["children"] = json::array({{{"name", "c"}, {"object", {{"type", "t"}, {"version", 1}}}}});
            node = &(*node)["children"][0]["object"];
        }
        REQUIRE_NOTHROW(parse_manifest(m.dump(), "x"));
    }
    SECTION("JSON nested 100000 deep (in a parameter) is refused before the recursive parser sees it") {
        const std::string text = std::string(100000, '[') + std::string(100000, ']');
        REQUIRE_THROWS_WITH(parse_manifest(text, "x/manifest.json"), Catch::Contains("JSON nested 100000 levels"));
    }
}

TEST_CASE("the number of objects and arrays is capped", "[limits]") {
    SECTION("objects") {
        json m = base_manifest();
        json children = json::array();
        for (std::size_t i = 0; i < manifest_limits::max_objects; ++i)
            children.push_back({{"name", "c" + std::to_string(i)}, {"object", {{"type", "t"}, {"version", 1}}}});
        m["root"]["children"] = std::move(children);  // with the root: one object too many
        require_refused(m, "more than 100000 objects");
    }
    SECTION("arrays") {
        json m = base_manifest();
        for (std::size_t i = 0; i < manifest_limits::max_arrays; ++i) m["arrays"]["x" + std::to_string(i)] = nullptr;
        require_refused(m, "more than 100000 arrays");
    }
}

TEST_CASE("rank, dimensions and chunk counts are capped and overflow-checked", "[limits]") {
    SECTION("rank 33") {
        json m = base_manifest();
        m["arrays"]["a"]["shape"] = std::vector<int>(33, 1);
        require_refused(m, "rank 33 exceeds the limit of 32");
    }
    SECTION("a shape whose byte count overflows 64 bits") {
        json m = base_manifest();
        m["arrays"]["a"]["dtype"] = "float64";
        m["arrays"]["a"]["shape"] = {std::uint64_t(1) << 62};
        m["arrays"]["a"]["chunk_shape"] = {1};
        require_refused(m, "overflows");
    }
    SECTION("a shape near 2^64 does not wrap the chunk grid to zero chunks") {
        json m = base_manifest();
        const std::uint64_t huge = ~std::uint64_t(0);
        m["arrays"]["a"]["shape"] = {huge};
        m["arrays"]["a"]["chunk_shape"] = {std::uint64_t(1) << 62};
        m["arrays"]["a"]["raw_bytes"] = huge;
        m["arrays"]["a"]["chunks"] = json::array();
        m["arrays"]["a"]["stored_bytes"] = 0;
        require_refused(m, "expected 4 chunks");
    }
    SECTION("more than 10^7 chunks") {
        json m = base_manifest();
        m["arrays"]["a"]["shape"] = {manifest_limits::max_chunks_per_array + 1};
        m["arrays"]["a"]["chunk_shape"] = {1};
        m["arrays"]["a"]["raw_bytes"] = manifest_limits::max_chunks_per_array + 1;
        require_refused(m, "more than 10000000 chunks");
    }
    SECTION("names over 255 bytes") {
        json m = base_manifest();
        m["root"]["type"] = std::string(256, 't');
        require_refused(m, "root.type");
    }
}

TEST_CASE("claimed sizes are checked against the real files before anything is allocated", "[limits]") {
    temp_dir dir;
    SECTION("uncompressed: a 1 TiB claim over a 32 KiB chunk file") {
        const std::string store = make_directory_store(dir, "none");
        edit_manifest(store, [](json& j) {
            auto& a = j["arrays"]["labels"];
            a["shape"] = {std::uint64_t(1) << 37};
            a["chunk_shape"] = {std::uint64_t(1) << 37};
            a["raw_bytes"] = std::uint64_t(1) << 40;
            a["stored_bytes"] = std::uint64_t(1) << 40;
            a["chunks"][0]["stored_bytes"] = std::uint64_t(1) << 40;
        });
        const std::size_t before = resident_bytes();
        REQUIRE_THROWS_WITH(read_store(store), Catch::Contains("labels/0") &&
                                                   Catch::Contains("expected a chunk file of 1099511627776 bytes"));
        REQUIRE(resident_bytes() < before + (std::size_t(16) << 20));
    }
    SECTION("compressed: a claim beyond the codec's ratio") {
        const std::string store = make_directory_store(dir, "zstd");
        edit_manifest(store, [](json& j) {
            auto& a = j["arrays"]["labels"];
            a["shape"] = {std::uint64_t(1) << 30};
            a["chunk_shape"] = {std::uint64_t(1) << 30};
            a["raw_bytes"] = std::uint64_t(1) << 33;
            a["chunks"] = json::array({a["chunks"][0]});
            a["stored_bytes"] = a["chunks"][0]["stored_bytes"];
        });
        REQUIRE_THROWS_WITH(read_store(store), Catch::Contains("cannot decode to 8589934592 bytes with zstd"));
    }
    SECTION("blob: a chunk past the end of the file") {
        array_bundle b;
        b.add("labels", random_array(dtype::int64, {64}, 5));
        std::vector<std::uint8_t> blob = dumps(b);
        blob.resize(blob.size() - 8);
        REQUIRE_THROWS_WITH(loads<array_bundle>(blob), Catch::Contains("ends past the end of the blob"));
    }
}

TEST_CASE("a chunk decoding to more or fewer bytes than expected is refused without overrunning", "[limits]") {
    // 1 MiB of zeros: every codec compresses it hugely.
    const std::vector<std::uint8_t> zeros(std::size_t(1) << 20, 0);
    const std::size_t fence = 4096;
    for (const char* name : {"zlib", "zstd", "lz4", "blosc-lz4", "blosc-zstd", "zstd+shuffle"}) {
        INFO(name);
        const codec_spec spec = parse_codec(name);
        std::vector<std::uint8_t> encoded;
        encode_chunk(spec, 8, zeros.data(), zeros.size(), encoded);
        REQUIRE(encoded.size() < zeros.size() / 100);
        for (std::size_t expected : {zeros.size() / 16, zeros.size() - 8, zeros.size() + 8, zeros.size() * 2}) {
            INFO("expected " << expected);
            std::vector<std::uint8_t> out(expected + fence, 0xAB);
            REQUIRE_THROWS_AS(decode_chunk(spec, 8, encoded.data(), encoded.size(), out.data(), expected, "bomb",
                                           "chunks[0]"),
                              format_error);
            // Nothing written past the expected size.
            for (std::size_t k = expected; k < out.size(); ++k) REQUIRE(out[k] == 0xAB);
        }
        std::vector<std::uint8_t> exact(zeros.size());
        decode_chunk(spec, 8, encoded.data(), encoded.size(), exact.data(), exact.size(), "bomb", "chunks[0]");
        REQUIRE(exact == zeros);
    }
}

TEST_CASE("a store whose chunk decodes to more than its manifest says is refused", "[limits]") {
    temp_dir dir;
    const std::string store = make_directory_store(dir, "zstd");
    edit_manifest(store, [](json& j) {
        auto& a = j["arrays"]["labels"];
        a["shape"] = {2048};
        a["chunk_shape"] = {2048};
        a["raw_bytes"] = 2048 * 8;
    });
    REQUIRE_THROWS_WITH(read_store(store), Catch::Contains("labels") && Catch::Contains("zstd: expected 16384 bytes"));
}
