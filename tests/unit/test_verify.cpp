// verify_store: intact stores pass in every layout; damage is a named failed
// check (every array reported, not just the first); invalid stores throw.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::read_file;
using fitstore::test::temp_dir;
using fitstore::test::write_file;
using nlohmann::json;

namespace {

std::string make_store(const temp_dir& dir, layout l, const char* codec) {
    array_bundle b;
    b.add("weights", fitstore::test::random_array(dtype::float64, {300, 4}, 21));
    b.add("labels", fitstore::test::random_array(dtype::int64, {300}, 22));
    const std::string path = dir / (std::string(layout_name(l)) + "-" + codec);
    dump_options options;
    options.layout = l;
    options.codec = parse_codec(codec);
    options.chunk_bytes = 2048;
    dump(b, path, options);
    return path;
}

const verify_check* find_check(const verify_report& r, const std::string& name) {
    for (const auto& c : r.checks)
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> failed_names(const verify_report& r) {
    std::vector<std::string> out;
    for (const auto& c : r.checks)
        if (!c.passed) out.push_back(c.name);
    return out;
}

void flip_byte(const std::string& file, std::size_t at) {
    std::string bytes = read_file(file);
    REQUIRE(at < bytes.size());
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    write_file(file, bytes);
}

}  // namespace

TEST_CASE("verify passes on fresh stores of every layout, shallow and deep", "[verify]") {
    temp_dir dir;
    for (layout l : {layout::directory, layout::hdf5, layout::blob}) {
        for (const char* codec : {"none", "zlib", "zstd", "lz4", "blosc-lz4"}) {
            INFO(layout_name(l) << " " << codec);
            const std::string path = make_store(dir, l, codec);
            for (bool deep : {false, true}) {
                verify_options options;
                options.deep = deep;
                const verify_report r = verify_store(path, options);
                for (const auto& c : r.checks) INFO(c.name << ": " << c.detail);
                CHECK(r.passed());
                CHECK(r.layout == l);
                REQUIRE(find_check(r, "checksums weights"));
                CHECK_THAT(find_check(r, "checksums weights")->detail, Catch::Contains("verified (XXH3-64)"));
                if (l == layout::directory) CHECK(find_check(r, "zarr container"));
                if (deep && l == layout::hdf5) CHECK(find_check(r, "hdf5 read labels"));
                if (deep && std::string(codec) == "none") CHECK(find_check(r, "mapped labels"));
            }
        }
    }
}

TEST_CASE("verify names every array whose chunk is damaged", "[verify]") {
    temp_dir dir;
    SECTION("directory") {
        const std::string path = make_store(dir, layout::directory, "zstd");
        flip_byte(path + "/weights/1.0", 40);
        flip_byte(path + "/labels/0", 30);
        const verify_report r = verify_store(path);
        CHECK_FALSE(r.passed());
        CHECK(failed_names(r) == std::vector<std::string>{"checksums labels", "checksums weights"});
        CHECK_THAT(find_check(r, "checksums weights")->detail, Catch::Contains("weights"));
    }
    SECTION("blob") {
        const std::string path = make_store(dir, layout::blob, "none");
        const manifest m = read_store_manifest(path);
        flip_byte(path, m.arrays.at("weights").chunks[0].offset + 5);
        const verify_report r = verify_store(path);
        CHECK(failed_names(r) == std::vector<std::string>{"checksums weights"});
        CHECK_THAT(find_check(r, "checksums weights")->detail, Catch::Contains("checksum mismatch"));
    }
    SECTION("hdf5, uncompressed: found by the checksum and by the deep HDF5 read") {
        const std::string path = make_store(dir, layout::hdf5, "none");
        // The labels data is the only place these 8 bytes occur.
        const store_contents contents = read_store(path);
        const any_array& labels = *contents.root.find_array("labels");
        std::string file = read_file(path);
        const std::string needle(static_cast<const char*>(labels.data()), 64);
        const auto at = file.find(needle);
        REQUIRE(at != std::string::npos);
        flip_byte(path, at + 3);
        verify_options deep;
        deep.deep = true;
        const verify_report r = verify_store(path, deep);
        const auto failed = failed_names(r);
        CHECK(std::find(failed.begin(), failed.end(), "checksums labels") != failed.end());
        CHECK(find_check(r, "checksums weights")->passed);
    }
}

TEST_CASE("verify checks the zarr view against the manifest", "[verify]") {
    temp_dir dir;
    const std::string path = make_store(dir, layout::directory, "zlib");
    SECTION("a .zarray that disagrees") {
        json z = json::parse(read_file(path + "/labels/.zarray"));
        z["shape"] = json::array({299});
        write_file(path + "/labels/.zarray", z.dump());
        const verify_report r = verify_store(path);
        CHECK(failed_names(r) == std::vector<std::string>{"zarr container"});
        CHECK_THAT(find_check(r, "zarr container")->detail,
                   Catch::Contains("labels/.zarray: shape: expected [300]") && Catch::Contains("found [299]"));
    }
    SECTION("an extra chunk file and a stray folder") {
        write_file(path + "/weights/99.0", "x");
        ::mkdir((path + "/stray").c_str(), 0755);
        const verify_report r = verify_store(path);
        CHECK(failed_names(r) == std::vector<std::string>{"zarr container"});
        CHECK_THAT(find_check(r, "zarr container")->detail,
                   Catch::Contains("weights/99.0: unexpected file") && Catch::Contains("stray/: unexpected folder"));
    }
    SECTION("a missing chunk file") {
        std::remove((path + "/weights/0.0").c_str());
        const verify_report r = verify_store(path);
        CHECK(failed_names(r) == std::vector<std::string>{"zarr container", "checksums weights"});
        CHECK_THAT(find_check(r, "zarr container")->detail, Catch::Contains("weights/0.0: missing"));
    }
}

TEST_CASE("verify throws for stores that cannot be opened", "[verify]") {
    temp_dir dir;
    REQUIRE_THROWS_WITH(verify_store(dir / "nothing"), Catch::Contains("no such file or folder"));
    const std::string path = make_store(dir, layout::directory, "none");
    write_file(path + "/manifest.json", "{not json");
    REQUIRE_THROWS_AS(verify_store(path), format_error);
}

TEST_CASE("verify reports an edited manifest as a failed manifest check", "[verify]") {
    temp_dir dir;
    const std::string path = make_store(dir, layout::directory, "none");
    json j = json::parse(read_file(path + "/manifest.json"));
    REQUIRE(j.contains("manifest_xxh3"));
    j["provenance"]["note"] = "edited after writing";
    write_file(path + "/manifest.json", j.dump());
    const verify_report r = verify_store(path);
    CHECK(failed_names(r) == std::vector<std::string>{"manifest"});
    CHECK_THAT(find_check(r, "manifest")->detail, Catch::Contains("manifest_xxh3"));
}
