// Round trips over dtype x layout x codec x shape x mmap mode, bit-exact.
#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "store/layout_registry.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::bit_equal;
using fitstore::test::random_array;
using fitstore::test::temp_dir;

namespace {

const std::vector<layout> k_builtin_layouts = {layout::directory, layout::blob, layout::hdf5};

// Every registered layout: the built-ins and those this test program
// registers itself (memory_layout.cpp), so a new back end joins the matrix.
std::vector<layout> registered_layout_ids() {
    std::vector<layout> out;
    for (const auto* backend : fitstore::detail::registered_layouts()) out.push_back(backend->id());
    return out;
}

const std::vector<codec_spec> k_codecs = {
    parse_codec("none"),         parse_codec("zlib:1"),  parse_codec("zstd:3", true),
    parse_codec("zstd:1"),       parse_codec("lz4"),     parse_codec("lz4", true),
    parse_codec("blosc-lz4", true), parse_codec("blosc-zstd:3"),
};

const std::vector<shape_t> k_shapes = {
    {},            // 0-d
    {0, 3},        // empty
    {1},           // one element
    {1001, 7},     // rows not a multiple of the chunk
    {5, 4, 3},     // 3-d
};

const std::vector<dtype> k_dtypes = {dtype::bool_,  dtype::int8,   dtype::int16,  dtype::int32,
                                     dtype::int64,  dtype::uint8,  dtype::uint16, dtype::uint32,
                                     dtype::uint64, dtype::float32, dtype::float64};

std::string store_name(layout l) {
    if (l == layout::directory || l == layout::hdf5 || l == layout::blob)
        return l == layout::directory ? "model" : l == layout::hdf5 ? "model.h5" : "model.blob";
    return "model." + std::string(layout_name(l));
}

/// The file holding array "w"'s bytes: its chunk file in a directory store, the file itself otherwise.
std::string path_of_array_bytes(layout l, const std::string& path) {
    return l == layout::directory ? path + "/w/0" : path;
}

}  // namespace

TEST_CASE("every dtype, layout, codec, shape and mmap mode round-trips bit-exactly", "[store][roundtrip]") {
    temp_dir dir;
    std::size_t cases = 0, mapped = 0, refused = 0;
    const std::vector<layout> k_layouts = registered_layout_ids();
    REQUIRE(k_layouts.size() >= 3);
    for (layout l : k_layouts) {
        for (const codec_spec& codec : k_codecs) {
            for (dtype type : k_dtypes) {
                array_bundle bundle;
                std::uint32_t seed = 1;
                for (std::size_t s = 0; s < k_shapes.size(); ++s)
                    bundle.add("a" + std::to_string(s), random_array(type, k_shapes[s], seed++));
                bundle.attributes["note"] = "dtype " + std::string(dtype_name(type));
                dump_options options;
                options.layout = l;
                options.codec = codec;
                options.chunk_bytes = 1000;  // many chunks plus a partial edge chunk
                options.durable = false;
                const std::string path = dir / store_name(l);
                INFO("layout " << layout_name(l) << " codec " << codec_to_string(codec) << " dtype "
                               << dtype_name(type));
                dump(bundle, path, options);
                for (mmap_mode mode : {mmap_mode::none, mmap_mode::r, mmap_mode::c, mmap_mode::r_plus}) {
                    INFO("mmap " << mmap_mode_name(mode));
                    load_report report;
                    load_options lo;
                    lo.mmap = mode;
                    lo.verify = true;
                    if (mode == mmap_mode::r_plus && (codec.id != codec_id::none || type == dtype::bool_)) {
                        // Writes could never reach the file: refused, not silently copied.
                        REQUIRE_THROWS_WITH(load<array_bundle>(path, lo), Catch::Contains("cannot be memory-mapped r+"));
                        refused += bundle.arrays.size();
                        continue;
                    }
                    auto loaded = load<array_bundle>(path, lo, &report);
                    REQUIRE(loaded.arrays.size() == bundle.arrays.size());
                    REQUIRE(loaded.attributes == bundle.attributes);
                    for (std::size_t s = 0; s < bundle.arrays.size(); ++s) {
                        REQUIRE(loaded.arrays[s].first == bundle.arrays[s].first);
                        REQUIRE(bit_equal(loaded.arrays[s].second, bundle.arrays[s].second));
                        ++cases;
                    }
                    for (const auto& r : report.arrays) {
                        // Only non-empty, uncompressed, non-bool arrays can be mapped, and they must be.
                        const bool mappable = mode != mmap_mode::none && codec.id == codec_id::none &&
                                              r.raw_bytes > 0 && type != dtype::bool_;
                        REQUIRE(r.mapped == mappable);
                        if (mode != mmap_mode::none && !mappable && r.raw_bytes > 0) REQUIRE_FALSE(r.reason.empty());
                        mapped += r.mapped;
                    }
                }
            }
        }
    }
    WARN("round-trip cases: " << cases << " arrays compared, " << mapped << " of them memory-mapped; " << refused
                              << " refused r+ (compressed or bool)");
    REQUIRE(refused > 0);
    REQUIRE(cases + refused == k_layouts.size() * k_codecs.size() * k_dtypes.size() * k_shapes.size() * 4);
}

TEST_CASE("dumps/loads round-trip in memory for every codec", "[store][blob]") {
    for (const codec_spec& codec : k_codecs) {
        array_bundle bundle;
        bundle.add("x", random_array(dtype::float64, {300, 5}, 7));
        bundle.add("y", random_array(dtype::int32, {300}, 8));
        dump_options options;
        options.codec = codec;
        options.chunk_bytes = 2048;
        const std::vector<std::uint8_t> bytes = dumps(bundle, options);
        REQUIRE(std::string(bytes.begin(), bytes.begin() + 8) == "FITSBLOB");
        const auto loaded = loads<array_bundle>(bytes);
        REQUIRE(bit_equal(loaded.at("x"), bundle.at("x")));
        REQUIRE(bit_equal(loaded.at("y"), bundle.at("y")));
    }
}

TEST_CASE("the same bytes dumped to a blob file load like dumps()", "[store][blob]") {
    temp_dir dir;
    array_bundle bundle;
    bundle.add("w", random_array(dtype::float32, {64, 64}, 3));
    dump_options options;
    options.layout = layout::blob;
    dump(bundle, dir / "m.blob", options);
    const std::string file = fitstore::test::read_file(dir / "m.blob");
    const std::vector<std::uint8_t> memory = dumps(bundle);
    REQUIRE(file.size() == memory.size());
    REQUIRE(std::memcmp(file.data(), memory.data(), memory.size()) == 0);
}

TEST_CASE("mmap modes follow numpy semantics", "[store][mmap]") {
    // GENERATE, not a loop: Catch2 runs each SECTION once per generated layout
    // (fixed-name SECTIONs inside a loop run on the loop's first pass only).
    const layout l = GENERATE(layout::directory, layout::blob, layout::hdf5);
    INFO("layout " << layout_name(l));
    temp_dir dir;
    const std::string path = dir / store_name(l);
    array_bundle bundle;
    bundle.add("w", ndarray<double>::from_values({4}, {1.0, 2.0, 3.0, 4.0}));
    dump_options options;
    options.layout = l;
    dump(bundle, path, options);
    const std::string file_before = fitstore::test::read_file(path_of_array_bytes(l, path));

    SECTION("r is read-only") {
        auto m = load<array_bundle>(path, {mmap_mode::r});
        auto w = m.get<double>("w");
        REQUIRE(w.is_mapped());
        REQUIRE(w.storage() == storage_kind::mapped_r);
        REQUIRE(w[3] == 4.0);
        REQUIRE_THROWS_WITH(w.mutable_data(), Catch::Contains("read-only"));
    }
    SECTION("c writes stay private") {
        {
            auto m = load<array_bundle>(path, {mmap_mode::c});
            auto w = m.get<double>("w");
            REQUIRE(w.is_mapped());
            REQUIRE(w.storage() == storage_kind::mapped_c);
            w.mutable_data()[0] = 42.0;
            REQUIRE(w[0] == 42.0);
            // A second mapping of the same file, made while the first is
            // alive, does not see the private write either.
            auto other = load<array_bundle>(path, {mmap_mode::r}).get<double>("w");
            REQUIRE(other[0] == 1.0);
        }
        auto again = load<array_bundle>(path).get<double>("w");
        REQUIRE(again[0] == 1.0);
        REQUIRE(fitstore::test::read_file(path_of_array_bytes(l, path)) == file_before);
    }
    SECTION("r+ writes reach the file") {
        {
            auto m = load<array_bundle>(path, {mmap_mode::r_plus});
            auto w = m.get<double>("w");
            REQUIRE(w.is_mapped());
            REQUIRE(w.storage() == storage_kind::mapped_r_plus);
            w.mutable_data()[1] = -7.5;
        }
        REQUIRE(fitstore::test::read_file(path_of_array_bytes(l, path)) != file_before);
        auto again = load<array_bundle>(path, {mmap_mode::r}).get<double>("w");
        REQUIRE(again[1] == -7.5);
        REQUIRE(again[0] == 1.0);
    }
}

TEST_CASE("a 256 MiB array loaded with mmap r is mapped, not copied", "[store][mmap][large]") {
    temp_dir dir;
    const std::size_t n = (std::size_t(256) << 20) / sizeof(double);
    for (layout l : k_builtin_layouts) {
        INFO("layout " << layout_name(l));
        const std::string path = dir / store_name(l);
        {
            array_bundle bundle;
            ndarray<double> big(shape_t{n});
            for (std::size_t i = 0; i < n; i += 4096) big.mutable_data()[i] = static_cast<double>(i);
            bundle.add("big", big);
            dump_options options;
            options.layout = l;
            options.durable = false;
            dump(bundle, path, options);
        }
        const std::size_t before = fitstore::test::resident_bytes();
        load_report report;
        auto m = load<array_bundle>(path, {mmap_mode::r}, &report);
        const std::size_t after = fitstore::test::resident_bytes();
        auto big = m.get<double>("big");
        REQUIRE(report.arrays.size() == 1);
        REQUIRE(report.arrays[0].mapped);
        REQUIRE(big.is_mapped());
        // The data pointer lies inside the mapping that owns it, not in a heap copy.
        REQUIRE(big.as_any().owner().get() <= static_cast<const void*>(big.data()));
        REQUIRE(static_cast<const char*>(static_cast<const void*>(big.data())) <
                static_cast<const char*>(big.as_any().owner().get()) + 4096 + (std::size_t(256) << 20));
        REQUIRE(after < before + (std::size_t(32) << 20));
        REQUIRE(big[4096 * 3] == 4096.0 * 3);
        // A copying load of the same store does grow RSS by the array: the check above can fail.
        const std::size_t before_copy = fitstore::test::resident_bytes();
        auto copied = load<array_bundle>(path);
        REQUIRE(fitstore::test::resident_bytes() > before_copy + (std::size_t(200) << 20));
        REQUIRE_FALSE(copied.get<double>("big").is_mapped());
    }
}

TEST_CASE("array_codecs overrides the codec per array; default chunks are 4 MiB along axis 0", "[store][chunks]") {
    // Default dump_options except the codecs: chunk_bytes is left at its 4 MiB default.
    stored_object root;
    root.type = "array_bundle";
    root.arrays.emplace_back("big", random_array(dtype::float64, {400000, 3}, 1));  // 9.2 MiB: 24-byte rows
    root.arrays.emplace_back("cube", random_array(dtype::float32, {70000, 4, 8}, 2));  // 8.5 MiB: 128-byte rows
    root.arrays.emplace_back("small", random_array(dtype::int32, {1000}, 3));
    stored_object scaler;
    scaler.type = "array_bundle";
    scaler.arrays.emplace_back("mean", random_array(dtype::float64, {50, 2}, 4));
    root.children.emplace_back("scaler", scaler);

    const layout l = GENERATE(layout::directory, layout::blob, layout::hdf5);
    INFO("layout " << layout_name(l));
    temp_dir dir;
    const std::string path = dir / store_name(l);
    dump_options options;
    options.layout = l;
    options.durable = false;
    options.codec = parse_codec("zstd:1");
    options.array_codecs["small"] = parse_codec("none");
    options.array_codecs["scaler/mean"] = parse_codec("lz4", true);
    REQUIRE(options.chunk_bytes == std::size_t(4) << 20);
    write_store(root, path, options);

    const manifest m = read_store_manifest(path);
    const std::size_t mib4 = std::size_t(4) << 20;
    const array_record& big = m.arrays.at("big");
    CHECK(codec_to_string(big.codec) == "zstd:1");
    CHECK(big.chunk_shape == shape_t{mib4 / 24, 3});  // 174762 rows: the largest whole-row count in 4 MiB
    CHECK(big.chunks.size() == 3);                    // 400000 rows = 2 full chunks + an edge chunk
    const array_record& cube = m.arrays.at("cube");
    CHECK(cube.chunk_shape == shape_t{mib4 / 128, 4, 8});  // only axis 0 is split
    CHECK(cube.chunks.size() == 3);
    const array_record& small = m.arrays.at("small");
    CHECK(codec_to_string(small.codec) == "none");
    CHECK(small.chunk_shape == small.shape);  // uncompressed: one chunk, mappable
    CHECK(small.mappable());
    const array_record& mean = m.arrays.at("scaler/mean");
    CHECK(codec_to_string(mean.codec) == "lz4:1+shuffle");

    if (l == layout::directory) {
        // The zarr view says the same: one compressor per array, chunk files along axis 0 only.
        const auto zarray = [&](const std::string& key) {
            return nlohmann::json::parse(fitstore::test::read_file(path + "/" + key + "/.zarray"));
        };
        CHECK(zarray("small")["compressor"].is_null());
        CHECK(zarray("big")["compressor"]["id"] == "zstd");
        CHECK(zarray("scaler/mean")["compressor"]["id"] == "lz4");
        CHECK(zarray("big")["chunks"] == nlohmann::json::array({mib4 / 24, 3}));
        for (const char* chunk : {"big/0.0", "big/1.0", "big/2.0", "cube/2.0.0"})
            CHECK(boost::filesystem::is_regular_file(path + "/" + chunk));
        CHECK_FALSE(boost::filesystem::exists(path + "/big/3.0"));
    }

    // Mapped where uncompressed, decoded elsewhere, and bit-exact everywhere.
    load_options lo;
    lo.mmap = mmap_mode::r;
    const store_contents back = read_store(path, lo);
    for (const auto& r : back.report.arrays) {
        INFO(r.key << ": " << r.reason);
        CHECK(r.mapped == (r.key == "small"));
    }
    CHECK(fitstore::test::same_object(back.root, root));
    REQUIRE(back.root.children.size() == 1);
    CHECK(fitstore::test::same_object(back.root.children[0].second, scaler));
}
