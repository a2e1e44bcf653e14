// The codec registry: each builtin row agrees with the public codec API, and a
// codec registered from this test binary (no file under lib/ knows it) is
// parsed by name, written to and read from zarr metadata, and round-trips
// through the directory and blob layouts like a builtin one.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/array_bundle.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "hdf5_plugin/zstd_filter.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

namespace {

// A test codec: every byte XOR 0x5A behind a one-byte tag, so a chunk is
// visibly encoded and a damaged tag is detectable.
constexpr auto k_xor_id = static_cast<codec_id>(200);
constexpr std::uint8_t k_tag = 0xC5;

std::size_t xor_bound(std::size_t raw_bytes) { return raw_bytes + 1; }

std::size_t xor_encode(const codec_spec&, int, std::size_t, const std::uint8_t* raw, std::size_t raw_bytes,
                       std::uint8_t* out) {
    out[0] = k_tag;
    for (std::size_t i = 0; i < raw_bytes; ++i) out[i + 1] = raw[i] ^ 0x5A;
    return raw_bytes + 1;
}

void xor_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                std::size_t raw_bytes, const codecs::error_site& site) {
    if (stored_bytes != raw_bytes + 1 || stored[0] != k_tag)
        codecs::fail(site, "test-xor", "expected a tagged chunk of " + std::to_string(raw_bytes + 1) + " bytes");
    for (std::size_t i = 0; i < raw_bytes; ++i) raw[i] = stored[i + 1] ^ 0x5A;
}

nlohmann::json xor_to_zarr(const codec_spec&, int) { return {{"id", "fitstore_test_xor"}}; }

codec_spec xor_from_zarr(const nlohmann::json&, std::size_t, const std::string&) {
    codec_spec spec;
    spec.id = k_xor_id;
    return spec;
}

codecs::codec_def xor_codec() {
    return codecs::codec_def(k_xor_id, "test-xor", "test-xor", 1, codecs::shuffle_support::filter)
        .chunks(xor_bound, xor_encode, xor_decode)
        .zarr("fitstore_test_xor", "fitstore_test_xor", xor_to_zarr, xor_from_zarr);
}

// Registered once per process, before the first test that needs it.
void ensure_xor_registered() {
    static const bool registered = [] {
        codecs::register_codec(xor_codec());
        return true;
    }();
    (void)registered;
}

}  // namespace

TEST_CASE("every builtin codec has one registry row agreeing with the public API", "[codec][registry]") {
    const std::vector<codec_id> builtin = {codec_id::none,      codec_id::zlib, codec_id::zstd,
                                           codec_id::lz4,       codec_id::blosc_lz4,
                                           codec_id::blosc_zstd, codec_id::alp,  codec_id::alp_zstd,
                                           codec_id::automatic};
    for (const codec_id id : builtin) {
        const codecs::codec_def& def = codecs::codec_of(id);
        INFO(def.name);
        CHECK(def.id == id);
        CHECK(codec_name(id) == def.name);
        CHECK(max_expansion_ratio(id) == def.max_ratio);
        CHECK(parse_codec(std::string(def.name)).id == id);
        CHECK(effective_level(codec_spec{id, 0, false}) == def.default_level);
        // Every stored codec has chunk functions and a zarr view; auto has none.
        CHECK(def.is_chunk_codec() == (id != codec_id::automatic));
        CHECK((def.to_zarr != nullptr) == (id != codec_id::none && id != codec_id::automatic));
        // The hdf5 layout stores every codec some HDF5 filter decodes, and only those.
        CHECK(def.in_hdf5 == (!is_float_codec(id) && id != codec_id::automatic));
        CHECK((def.hdf5_filter_id != 0) == (def.in_hdf5 && id != codec_id::none));
    }
    // The zstd plugin module cannot link the registry: its class names the same id.
    REQUIRE(codecs::codec_of(codec_id::zstd).hdf5_filter_id ==
            static_cast<unsigned>(fitstore::detail::h5z::zstd_filter_class()->id));
    REQUIRE(codecs::find_codec(static_cast<codec_id>(201)) == nullptr);
    REQUIRE_THROWS_WITH(codecs::codec_of(static_cast<codec_id>(201)), Catch::Contains("unknown codec id 201"));
    REQUIRE(codec_name(static_cast<codec_id>(201)) == "unknown");
}

TEST_CASE("a codec registered from the test binary is parsed, described and refused like a builtin one",
          "[codec][registry]") {
    ensure_xor_registered();
    const codec_spec spec = parse_codec("test-xor");
    REQUIRE(spec.id == k_xor_id);
    REQUIRE(codec_to_string(spec) == "test-xor");
    REQUIRE(codec_to_string(parse_codec("test-xor+shuffle")) == "test-xor+shuffle");
    // The accepted forms come from the registry: the new codec is listed.
    REQUIRE_THROWS_WITH(parse_codec("bogus"), Catch::Contains("test-xor") && Catch::Contains("zstd[:1-19]"));
    REQUIRE_THROWS_WITH(parse_codec("test-xor:3"), Catch::Contains("test-xor takes no level"));

    std::vector<std::uint8_t> raw(1000), encoded, back(1000);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7);
    encode_chunk(spec, 8, raw.data(), raw.size(), encoded);
    REQUIRE(encoded.size() == 1001);
    REQUIRE(encoded[0] == k_tag);
    decode_chunk(spec, 8, encoded.data(), encoded.size(), back.data(), back.size(), "f", "x");
    REQUIRE(back == raw);
    encoded[0] = 0;
    REQUIRE_THROWS_WITH(decode_chunk(spec, 8, encoded.data(), encoded.size(), back.data(), back.size(), "f", "x"),
                        Catch::Contains("test-xor: expected a tagged chunk of 1001 bytes"));

    // zarr metadata both ways, with the separate shuffle filter the codec allows.
    const codec_spec shuffled = parse_codec("test-xor+shuffle");
    REQUIRE(zarr_compressor(shuffled, 8) == nlohmann::json::parse(R"({"id":"fitstore_test_xor"})"));
    REQUIRE(zarr_filters(shuffled, 8) == nlohmann::json::parse(R"([{"id":"shuffle","elementsize":8}])"));
    REQUIRE(codec_from_zarr(zarr_compressor(shuffled, 8), zarr_filters(shuffled, 8), 8, "a/.zarray") == shuffled);
    // ...and the refusal of unknown compressors lists it among the readable ones.
    REQUIRE_THROWS_WITH(codec_from_zarr(nlohmann::json::parse(R"({"id":"gzip"})"), nullptr, 8, "a/.zarray"),
                        Catch::Contains("fitstore_test_xor"));

    // A second codec with a taken id or name is refused.
    REQUIRE_THROWS_WITH(codecs::register_codec(xor_codec()), Catch::Contains("codec id 200 is already registered"));
    codecs::codec_def same_name = xor_codec();
    same_name.id = static_cast<codec_id>(202);
    REQUIRE_THROWS_WITH(codecs::register_codec(same_name),
                        Catch::Contains("codec name \"test-xor\" is already registered"));
}

TEST_CASE("a codec registered from the test binary round-trips through the directory and blob layouts",
          "[codec][registry][store]") {
    ensure_xor_registered();
    temp_dir dir;
    array_bundle bundle;
    bundle.add("w", fitstore::test::random_array(dtype::float64, {300, 7}, 11));
    bundle.add("labels", fitstore::test::random_array(dtype::int32, {2000}, 12));
    for (const char* codec : {"test-xor", "test-xor+shuffle"}) {
        for (layout l : {layout::directory, layout::blob}) {
            INFO(codec << " x " << layout_name(l));
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            options.chunk_bytes = 4000;
            options.durable = false;
            const std::string path = dir / (l == layout::blob ? "m.blob" : "m");
            dump(bundle, path, options);
            const auto loaded = load<array_bundle>(path);
            REQUIRE(loaded.arrays.size() == bundle.arrays.size());
            for (std::size_t i = 0; i < bundle.arrays.size(); ++i)
                REQUIRE(fitstore::bit_equal(loaded.arrays[i].second, bundle.arrays[i].second));
            const manifest m = read_store_manifest(path);
            CHECK(m.arrays.at("w").codec == options.codec);
            CHECK(m.arrays.at("w").chunks.size() > 1);
            if (l == layout::directory) {
                const auto zarray = nlohmann::json::parse(fitstore::test::read_file(path + "/w/.zarray"));
                CHECK(zarray["compressor"]["id"] == "fitstore_test_xor");
            }
        }
    }
    // No HDF5 filter decodes it (the row leaves in_hdf5 false): the hdf5 layout refuses it by name.
    dump_options options;
    options.layout = layout::hdf5;
    options.codec = parse_codec("test-xor");
    options.durable = false;
    REQUIRE_THROWS_WITH(dump(bundle, dir / "m.h5", options),
                        Catch::Contains("codec test-xor is not available in the hdf5 layout"));
}
