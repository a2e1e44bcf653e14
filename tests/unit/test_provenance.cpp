// Provenance: the builder's JSON, the data fingerprint's definition, and the
// provenance object surviving every layout and convert-style rewrites.
#include <catch2/catch.hpp>

#include <H5public.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::random_array;
using fitstore::test::temp_dir;
using fitstore::test::write_file;
using nlohmann::json;

namespace {

array_bundle small_bundle() {
    array_bundle b;
    b.add("w", random_array(dtype::float64, {64, 3}, 1));
    b.add("k", random_array(dtype::int32, {10}, 2));
    return b;
}

json full_provenance(const any_array& X, const any_array& y, const std::string& source_path) {
    return provenance()
        .training_data(X, y, {"a", "b", "c"}, "file:///data/train.csv")
        .source_file(source_path)
        .cross_validation(3, "accuracy", {0.5, 0.75, 1.0})
        .training_score("accuracy", 0.875)
        .set("note", "made by a test")
        .to_json();
}

}  // namespace

TEST_CASE("software provenance names fitstore, the format and every library", "[provenance]") {
    const json s = software_provenance();
    CHECK(s["format_version"] == std::to_string(format_major) + "." + std::to_string(format_minor));
    CHECK_FALSE(s["fitstore"].get<std::string>().empty());
    CHECK_FALSE(s["compiler"].get<std::string>().empty());
    for (const char* lib : {"hdf5", "xtensor", "xtensor-blas", "blas", "zstd", "lz4", "blosc", "zlib", "boost"}) {
        INFO(lib);
        REQUIRE(s["libraries"].contains(lib));
        CHECK_FALSE(s["libraries"][lib].get<std::string>().empty());
    }
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    CHECK(s["libraries"]["hdf5"] ==
          std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release));
    CHECK(s["os"]["sysname"].is_string());
    const std::string t = provenance().to_json()["created_utc"];
    CHECK(t.size() == 20);
    CHECK(t.back() == 'Z');
}

TEST_CASE("the data fingerprint hashes names, dtypes, shapes and every byte", "[provenance]") {
    const any_array X = random_array(dtype::float64, {20, 3}, 7);
    const any_array y = random_array(dtype::int64, {20}, 8);
    const std::string base = data_fingerprint({{"X", X}, {"y", y}});
    CHECK(base.size() == 64);
    CHECK(base == data_fingerprint({{"X", X.copy()}, {"y", y.copy()}}));

    any_array changed = X.copy();
    static_cast<unsigned char*>(changed.mutable_data())[77] ^= 1;
    CHECK(data_fingerprint({{"X", changed}, {"y", y}}) != base);
    // Same bytes, other shape / dtype / name / order: other fingerprint.
    const any_array reshaped(X.type(), {3, 20}, X.owner(), const_cast<void*>(X.data()), storage_kind::heap);
    CHECK(data_fingerprint({{"X", reshaped}, {"y", y}}) != base);
    const any_array as_int(dtype::int64, X.shape(), X.owner(), const_cast<void*>(X.data()), storage_kind::heap);
    CHECK(data_fingerprint({{"X", as_int}, {"y", y}}) != base);
    CHECK(data_fingerprint({{"Z", X}, {"y", y}}) != base);
    CHECK(data_fingerprint({{"y", y}, {"X", X}}) != base);
    REQUIRE_THROWS_WITH(data_fingerprint({{"../X", X}}), Catch::Contains("invalid array name"));
}

TEST_CASE("file_sha256 matches the FIPS 180-2 test vector", "[provenance]") {
    temp_dir dir;
    write_file(dir / "abc.txt", "abc");
    CHECK(file_sha256(dir / "abc.txt") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    write_file(dir / "empty", "");
    CHECK(file_sha256(dir / "empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    REQUIRE_THROWS_WITH(file_sha256(dir / "missing"), Catch::Contains("missing"));
}

TEST_CASE("the provenance builder records data, source, CV and training score", "[provenance]") {
    temp_dir dir;
    write_file(dir / "train.cpp", "int main() { return 0; }\n");
    const any_array X = random_array(dtype::float64, {12, 3}, 3);
    const any_array y = random_array(dtype::int64, {12}, 4);
    const json p = full_provenance(X, y, dir / "train.cpp");

    CHECK(p["provenance_version"] == provenance_version);
    const json& t = p["training_data"];
    CHECK(t["fingerprint_scheme"] == fingerprint_scheme);
    CHECK(t["sha256"] == data_fingerprint({{"X", X}, {"y", y}}));
    CHECK(t["X"]["sha256"] == data_fingerprint({{"X", X}}));
    CHECK(t["y"]["sha256"] == data_fingerprint({{"y", y}}));
    CHECK(t["X"]["shape"] == json::array({12, 3}));
    CHECK(t["y"]["dtype"] == "int64");
    CHECK(t["feature_names"] == json::array({"a", "b", "c"}));
    CHECK(t["uri"] == "file:///data/train.csv");
    CHECK(p["source"]["kind"] == "file");
    CHECK(p["source"]["name"] == "train.cpp");
    CHECK(p["source"]["sha256"] == file_sha256(dir / "train.cpp"));
    const json& cv = p["cross_validation"];
    CHECK(cv["k"] == 3);
    CHECK(cv["mean"].get<double>() == Approx(0.75));
    CHECK(cv["std"].get<double>() == Approx(std::sqrt((0.0625 + 0 + 0.0625) / 3)));
    CHECK(p["training_score"]["value"] == 0.875);
    CHECK(p["note"] == "made by a test");
    CHECK(provenance().source("git:1234abcd").to_json()["source"]["reference"] == "git:1234abcd");

    REQUIRE_THROWS_WITH(provenance().training_data(X, y, {"only-one"}), Catch::Contains("one name per column"));
    REQUIRE_THROWS_WITH(provenance().cross_validation(5, "accuracy", {1.0}), Catch::Contains("expected 5 fold scores"));
    REQUIRE_THROWS_WITH(provenance().set("software", 1), Catch::Contains("reserved key"));
}

TEST_CASE("provenance round-trips through every layout and codec", "[provenance][store]") {
    temp_dir dir;
    write_file(dir / "train.py", "print('hi')\n");
    const array_bundle bundle = small_bundle();
    const json p = full_provenance(bundle.at("w"), bundle.at("k"), dir / "train.py");
    for (layout l : {layout::directory, layout::hdf5, layout::blob}) {
        for (const char* codec : {"none", "zstd"}) {
            INFO(layout_name(l) << " " << codec);
            const std::string path = dir / (std::string(layout_name(l)) + "-" + codec);
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            options.provenance = p;
            dump(bundle, path, options);
            json raw;
            const manifest m = read_store_manifest(path, &raw);
            CHECK(m.provenance == p);
            CHECK(raw["provenance"] == p);
            CHECK(read_store(path).manifest["provenance"] == p);
            // A rewrite that carries the provenance keeps it exactly (what convert does).
            const store_contents contents = read_store(path);
            dump_options again;
            again.layout = layout::blob;
            again.provenance = manifest_from_json(contents.manifest, path).provenance;
            write_store(contents.root, path + ".copy", again);
            CHECK(read_store_manifest(path + ".copy").provenance == p);
        }
    }
    dump_options in_memory;
    in_memory.provenance = p;
    const auto bytes = dumps(bundle, in_memory);
    CHECK(read_blob_bytes(bytes.data(), bytes.size()).manifest["provenance"] == p);
}
