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
#include "fitstore/manifest.hpp"
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

std::string describe(const verify_report& r) {
    std::string text;
    for (const auto& c : r.checks) text += (c.passed ? "ok   " : "FAIL ") + c.name + ": " + c.detail + "\n";
    return text;
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
                INFO(describe(r));  // in the scope of the checks below, so a failure shows every check
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
    SECTION("hdf5, uncompressed: found by the checksum (the deep read is skipped for a failed array)") {
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
        INFO(describe(r));
        // The deep mapped load stops at the same damage.
        CHECK(failed_names(r) == std::vector<std::string>{"checksums labels", "mapped load"});
        CHECK_THAT(find_check(r, "checksums labels")->detail, Catch::Contains("checksum mismatch"));
        CHECK(find_check(r, "checksums weights")->passed);
        // Once the checksum has failed there is nothing to compare HDF5's read with.
        CHECK(find_check(r, "hdf5 read labels") == nullptr);
        CHECK(find_check(r, "hdf5 read weights") != nullptr);
    }
}

TEST_CASE("verify --deep finds what no checksum can: HDF5 decoding a dataset differently", "[verify][hdf5]") {
    // tests/data/h5py_golden.h5 was written by h5py: no chunk checksums (the
    // manifest allows that for foreign files). Its "labels" dataset (int64,
    // deflate + shuffle) gets its shuffle filter's element size changed from
    // 8 to 4 in the filter pipeline message (h5py writes version-1 object
    // headers, which carry no checksum). fitstore decodes the chunks with the
    // manifest's dtype and still gets the right numbers; HDF5 (h5py, any
    // outside reader) unshuffles 4-byte elements and gets others. Only the
    // deep read, which decodes through HDF5 and compares, can see that.
    temp_dir dir;
    const std::string golden = read_file(std::string(FITSTORE_TEST_DATA) + "/h5py_golden.h5");
    const std::string entry("\x02\x00\x08\x00\x01\x00\x01\x00shuffle\x00\x08\x00\x00\x00", 20);
    const auto at = golden.find(entry);
    REQUIRE(at != std::string::npos);
    REQUIRE(golden.find(entry, at + 1) == std::string::npos);  // labels is the only shuffled dataset
    std::string bytes = golden;
    bytes[at + 16] = 4;
    const std::string path = dir / "altered.h5";
    write_file(path, bytes);

    // The plain read and the shallow verify see nothing wrong.
    const store_contents contents = read_store(path);
    const any_array& labels = *contents.root.find_array("labels");
    REQUIRE(labels.shape() == shape_t{40});
    for (std::size_t i = 0; i < 40; ++i)
        REQUIRE(static_cast<const std::int64_t*>(labels.data())[i] == std::int64_t(i) * 31 % 1000 - 500);
    const verify_report shallow = verify_store(path);
    INFO("shallow:\n" << describe(shallow));
    CHECK(shallow.passed());
    CHECK_THAT(find_check(shallow, "checksums labels")->detail, Catch::Contains("no checksums recorded"));

    verify_options options;
    options.deep = true;
    const verify_report deep = verify_store(path, options);
    INFO("deep:\n" << describe(deep));
    // Every array's own read and every other HDF5 read agree; labels' HDF5 read differs.
    // (The mapped checks of the two contiguous arrays are not counted here:
    // with no checksum recorded a mapping is reported as not verified.)
    std::size_t hdf5_reads = 0;
    for (const auto& c : deep.checks) {
        if (c.name.rfind("mapped ", 0) == 0) continue;
        INFO(c.name);
        CHECK(c.passed == (c.name != "hdf5 read labels"));
        hdf5_reads += c.name.rfind("hdf5 read ", 0) == 0;
    }
    CHECK(hdf5_reads == 7);
    REQUIRE(find_check(deep, "hdf5 read labels"));
    CHECK_THAT(find_check(deep, "hdf5 read labels")->detail, Catch::Contains("differs first at element 0"));
    // The unaltered file passes the same deep read.
    write_file(path, golden);
    const verify_report intact = verify_store(path, options);
    REQUIRE(find_check(intact, "hdf5 read labels"));
    CHECK(find_check(intact, "hdf5 read labels")->passed);
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
