// Damaged and hostile stores: each must raise a fitstore::error whose message
// names the file, the field and the problem; never a crash or wrong data.
#include <catch2/catch.hpp>

#include <cstring>

#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "io/xxh3.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::read_file;
using fitstore::test::edit_manifest;
using fitstore::test::temp_dir;
using fitstore::test::write_file;
using nlohmann::json;

namespace {

array_bundle sample_bundle() {
    array_bundle b;
    b.add("weights", fitstore::test::random_array(dtype::float64, {200, 3}, 11));
    b.add("labels", fitstore::test::random_array(dtype::int64, {200}, 12));
    return b;
}

std::string make_store(const temp_dir& dir, const char* codec, layout l = layout::directory) {
    const std::string path = dir / (l == layout::blob ? "m.blob" : "m");
    dump_options options;
    options.layout = l;
    options.codec = parse_codec(codec);
    options.chunk_bytes = 1024;
    dump(sample_bundle(), path, options);
    return path;
}


}  // namespace

TEST_CASE("a truncated chunk file is refused with its path", "[store][bad]") {
    temp_dir dir;
    const std::string store = make_store(dir, "zstd");
    const std::string chunk = store + "/weights/0.0";
    const std::string bytes = read_file(chunk);
    write_file(chunk, bytes.substr(0, bytes.size() / 2));
    REQUIRE_THROWS_AS(load<array_bundle>(store), format_error);
    REQUIRE_THROWS_WITH(load<array_bundle>(store),
                        Catch::Contains("weights/0.0") && Catch::Contains("expected a chunk file of"));
}

TEST_CASE("a flipped byte fails the checksum", "[store][bad]") {
    temp_dir dir;
    const std::string store = make_store(dir, "none");
    const std::string chunk = store + "/weights/0.0";
    std::string bytes = read_file(chunk);
    bytes[100] = static_cast<char>(bytes[100] ^ 0x01);
    write_file(chunk, bytes);
    REQUIRE_THROWS_AS(load<array_bundle>(store), checksum_error);
    REQUIRE_THROWS_WITH(load<array_bundle>(store),
                        Catch::Contains("arrays.weights.chunks[0].xxh3") && Catch::Contains("checksum mismatch"));
    // A mapped load does not hash unless asked to; with verify it does.
    REQUIRE_NOTHROW(load<array_bundle>(store, {mmap_mode::r}));
    load_options verify{mmap_mode::r};
    verify.verify = true;
    REQUIRE_THROWS_AS(load<array_bundle>(store, verify), checksum_error);
}

TEST_CASE("a flipped byte in a compressed chunk never yields wrong numbers", "[store][bad]") {
    temp_dir dir;
    for (const char* codec : {"zlib", "zstd", "lz4", "blosc-lz4", "blosc-zstd"}) {
        INFO(codec);
        const std::string store = make_store(dir, codec);
        const std::string chunk = store + "/weights/0.0";
        const std::string original = read_file(chunk);
        for (std::size_t pos = 0; pos < original.size(); pos += std::max<std::size_t>(1, original.size() / 40)) {
            std::string bytes = original;
            bytes[pos] = static_cast<char>(bytes[pos] ^ 0x40);
            write_file(chunk, bytes);
            REQUIRE_THROWS_AS(load<array_bundle>(store), fitstore::error);
        }
        write_file(chunk, original);
        REQUIRE_NOTHROW(load<array_bundle>(store));
    }
}

TEST_CASE("names that escape the store are refused", "[store][bad]") {
    temp_dir dir;
    const std::string store = make_store(dir, "none");
    SECTION("a name with ..") {
        edit_manifest(store, [](json& j) { j["root"]["arrays"][0]["name"] = ".."; });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("root.arrays[0].name") &&
                                                            Catch::Contains("expected a name"));
    }
    SECTION("a name with /") {
        edit_manifest(store, [](json& j) { j["root"]["arrays"][0]["name"] = "a/b"; });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("expected a name"));
    }
    SECTION("an absolute path as array key") {
        edit_manifest(store, [](json& j) {
            auto entry = j["arrays"]["labels"];
            j["arrays"].erase("labels");
            j["arrays"]["/etc/passwd"] = entry;
            for (auto& a : j["root"]["arrays"])
                if (a["name"] == "labels") a["key"] = "/etc/passwd";
        });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("manifest.json") &&
                                                            Catch::Contains("expected \"labels\""));
    }
}

TEST_CASE("impossible sizes are refused before any allocation", "[store][bad]") {
    temp_dir dir;
    const std::string store = make_store(dir, "zstd");
    SECTION("shape product overflows") {
        edit_manifest(store, [](json& j) { j["arrays"]["weights"]["shape"] = {std::uint64_t(1) << 40, std::uint64_t(1) << 40}; });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("arrays.weights.shape") &&
                                                            Catch::Contains("overflows"));
    }
    SECTION("a zip bomb claim") {
        edit_manifest(store, [](json& j) {
            j["arrays"]["labels"]["shape"] = {std::uint64_t(1) << 36};
            j["arrays"]["labels"]["chunk_shape"] = {std::uint64_t(1) << 36};
            j["arrays"]["labels"]["raw_bytes"] = std::uint64_t(1) << 39;
            auto first = j["arrays"]["labels"]["chunks"][0];
            j["arrays"]["labels"]["chunks"] = json::array({first});
            j["arrays"]["labels"]["stored_bytes"] = first["stored_bytes"];
        });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("cannot decode to"));
    }
    SECTION("rank over the limit") {
        edit_manifest(store, [](json& j) { j["arrays"]["labels"]["shape"] = std::vector<int>(33, 1); });
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("rank 33 exceeds the limit"));
    }
}

TEST_CASE("blob header and tiling are checked against the file", "[store][bad][blob]") {
    temp_dir dir;
    const std::string path = make_store(dir, "lz4", layout::blob);
    const std::string original = read_file(path);
    SECTION("header length larger than the file") {
        std::string bytes = original;
        bytes[8 + 5] = 0x7f;  // header length of ~2^46
        write_file(path, bytes);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("header length") && Catch::Contains("m.blob"));
        bytes = original;
        const std::uint64_t claimed = original.size() + 64 - 16;
        for (int k = 0; k < 8; ++k) bytes[8 + k] = static_cast<char>((claimed >> (8 * k)) & 0xff);
        write_file(path, bytes);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("is larger than the file"));
    }
    SECTION("truncated") {
        write_file(path, original.substr(0, original.size() - 10));
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("ends past the end"));
    }
    SECTION("trailing bytes") {
        write_file(path, original + "junk");
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("trailing data"));
    }
    SECTION("bad magic") {
        std::string bytes = original;
        bytes[0] = 'X';
        write_file(path, bytes);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("not a fitstore store"));
    }
    SECTION("in memory too") {
        std::vector<std::uint8_t> bytes(original.begin(), original.end() - 1);
        REQUIRE_THROWS_AS(loads<array_bundle>(bytes), format_error);
    }
}

TEST_CASE("unknown types and newer versions are refused with both sides named", "[store][bad][version]") {
    temp_dir dir;
    const std::string store = make_store(dir, "none");
    SECTION("unknown type name") {
        edit_manifest(store, [](json& j) { j["root"]["type"] = "evil_payload"; });
        REQUIRE_THROWS_AS(load<array_bundle>(store), type_error);
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("expected an object of type \"array_bundle\"") &&
                                                            Catch::Contains("evil_payload"));
    }
    SECTION("newer major format") {
        edit_manifest(store, [](json& j) { j["format_version"] = "2.0"; });
        REQUIRE_THROWS_AS(load<array_bundle>(store), version_error);
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("2.0") && Catch::Contains("1.0"));
    }
    SECTION("newer minor format loads, unknown keys kept") {
        edit_manifest(store, [](json& j) {
            j["format_version"] = "1.7";
            j["future_feature"] = {{"x", 1}};
            j["arrays"]["labels"]["future_array_key"] = true;
        });
        const store_contents contents = read_store(store);
        REQUIRE(contents.report.format_version == "1.7");
        REQUIRE(contents.manifest["future_feature"]["x"] == 1);
    }
    SECTION("newer type version") {
        edit_manifest(store, [](json& j) { j["root"]["version"] = 9; });
        REQUIRE_THROWS_AS(load<array_bundle>(store), version_error);
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("version 9"));
    }
    SECTION("invalid JSON") {
        write_file(store + "/manifest.json", "{\"format\": ");
        REQUIRE_THROWS_WITH(load<array_bundle>(store), Catch::Contains("manifest.json") && Catch::Contains("invalid JSON"));
    }
}

TEST_CASE("a path that is no store is refused, and never replaced", "[store][bad]") {
    temp_dir dir;
    write_file(dir / "notes.txt", "precious");
    REQUIRE_THROWS_WITH(load<array_bundle>(dir / "notes.txt"), Catch::Contains("not a fitstore store"));
    REQUIRE_THROWS_WITH(dump(sample_bundle(), dir / "notes.txt"), Catch::Contains("refusing to replace"));
    REQUIRE(read_file(dir / "notes.txt") == "precious");
    REQUIRE_THROWS_WITH(load<array_bundle>(dir / "missing"), Catch::Contains("no such file"));
}

TEST_CASE("a damaged parameter in the manifest fails the manifest checksum", "[store][bad]") {
    temp_dir dir;
    for (layout l : {layout::directory, layout::blob}) {
        INFO(layout_name(l));
        array_bundle b = sample_bundle();
        b.attributes["C"] = "1.5";
        const std::string path = dir / (l == layout::blob ? "p.blob" : "p");
        dump_options options;
        options.layout = l;
        dump(b, path, options);
        const std::string file = l == layout::blob ? path : path + "/manifest.json";
        std::string bytes = read_file(file);
        const auto at = bytes.find("\"1.5\"");
        REQUIRE(at != std::string::npos);
        bytes[at + 1] = '7';  // still valid JSON, still a valid manifest: only the checksum can tell
        write_file(file, bytes);
        REQUIRE_THROWS_AS(load<array_bundle>(path), checksum_error);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("manifest_xxh3") &&
                                                          Catch::Contains("the manifest is damaged or was edited"));
        // Without the key (a hand-written manifest) the edit is taken as meant.
        if (l == layout::directory) {
            json j = json::parse(bytes);
            j.erase("manifest_xxh3");
            write_file(file, j.dump());
            REQUIRE(load<array_bundle>(path).attributes.at("C") == "7.5");
        }
    }
}

TEST_CASE("a bool array holding a byte above 1 is refused by the bool check, not the checksum", "[store][bad]") {
    // The writer stores whatever bytes it is given, so this store is written
    // normally: every chunk checksum and the manifest checksum are valid over
    // the bad byte. Only the bool check can refuse it.
    any_array mask = any_array::allocate(dtype::bool_, {6});
    auto* bytes = static_cast<std::uint8_t*>(mask.mutable_data());
    const std::uint8_t values[6] = {0, 1, 1, 0, 2, 1};
    std::memcpy(bytes, values, 6);
    stored_object root;
    root.type = "array_bundle";
    root.arrays.emplace_back("mask", mask);
    temp_dir dir;
    for (layout l : {layout::directory, layout::blob, layout::hdf5}) {
        for (const char* codec : {"none", "zstd"}) {
            INFO(layout_name(l) << " " << codec);
            const std::string path = dir / ("m-" + std::string(layout_name(l)) + "-" + codec);
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            write_store(root, path, options);
            const manifest m = read_store_manifest(path);
            const array_record& rec = m.arrays.at("mask");
            REQUIRE(rec.chunks.size() == 1);
            REQUIRE(rec.chunks[0].xxh3);
            CHECK(*rec.chunks[0].xxh3 == xxh3_64(values, 6));  // the checksum covers the bad byte
            for (mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
                INFO("mmap " << mmap_mode_name(mode));
                load_options lo;
                lo.mmap = mode;
                lo.verify = true;
                try {
                    read_store(path, lo);
                    FAIL("a bool byte of 2 loaded");
                } catch (const checksum_error& e) {
                    FAIL("refused by a checksum, not by the bool check: " << e.what());
                } catch (const format_error& e) {
                    CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("arrays.mask") &&
                                             Catch::Contains("bool array holds byte value 2 at element 4") &&
                                             Catch::Contains("expected 0 or 1"));
                }
            }
        }
    }
}
