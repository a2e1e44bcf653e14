// Chunk codecs: round trips over codec x level x shuffle x item size x size,
// parsing, zarr metadata, hostile streams, and byte compatibility with
// numcodecs (the library zarr-python uses) in both directions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "../common/fenced_buffer.hpp"
#include "codecs/shuffle.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "io/xxh3.hpp"

using fitstore::codec_id;
using fitstore::codec_spec;
using bytes = std::vector<std::uint8_t>;
using fitstore::test::fenced_buffer;

namespace {

const std::string k_path = "store/arr/0.0";
const std::string k_field = "arrays.x.chunks[0]";

// Compressible but not trivial: a smooth float64 signal rounded to 2 decimals,
// with a stretch of random bytes so every codec sees both kinds of data.
bytes make_data(std::size_t n, std::uint64_t seed) {
    bytes out(n);
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
        const double v = std::round(std::sin(static_cast<double>(i) * 1e-4 + static_cast<double>(seed)) * 1e5) / 100.0;
        std::memcpy(&out[i], &v, 8);
    }
    for (std::size_t i = n / 8 * 8; i < n; ++i) out[i] = static_cast<std::uint8_t>(rng());
    for (std::size_t i = n / 3; i < n / 3 + n / 10; ++i) out[i] = static_cast<std::uint8_t>(rng());
    return out;
}

bytes encode(const codec_spec& spec, std::size_t item, const bytes& raw) {
    bytes out;
    fitstore::encode_chunk(spec, item, raw.data(), raw.size(), out);
    return out;
}

// Decodes into a buffer of exactly `expected` bytes (so ASan sees any overrun),
// from a stored copy of exactly its own size.
bytes decode(const codec_spec& spec, std::size_t item, const bytes& stored, std::size_t expected) {
    const bytes input(stored);
    bytes out(expected);
    fitstore::decode_chunk(spec, item, input.empty() ? nullptr : input.data(), input.size(),
                           out.empty() ? nullptr : out.data(), expected, k_path, k_field);
    return out;
}

// Decodes a (possibly hostile) stream between fences; returns the error text,
// empty if it decoded. Any other exception or a crash fails the test.
std::string decode_fenced(const codec_spec& spec, std::size_t item, const bytes& stored, std::size_t expected) {
    fenced_buffer in(stored.size()), out(expected);
    if (!stored.empty()) std::memcpy(in.data(), stored.data(), stored.size());
    try {
        fitstore::decode_chunk(spec, item, in.data(), in.size(), out.data(), expected, k_path, k_field);
    } catch (const fitstore::format_error& e) {
        return e.what();
    }
    return {};
}

codec_spec spec_of(codec_id id, int level = 0, bool shuffle = false) {
    codec_spec s;
    s.id = id;
    s.level = level;
    s.shuffle = shuffle;
    return s;
}

const codec_id k_compressors[] = {codec_id::zlib, codec_id::zstd, codec_id::lz4, codec_id::blosc_lz4,
                                  codec_id::blosc_zstd};

// Levels worth sampling per codec: default, the lowest, a middle and the highest.
std::vector<int> sample_levels(codec_id id) {
    switch (id) {
        case codec_id::zlib: return {0, 1, 5, 9};
        case codec_id::zstd: return {0, 1, 9, 19};
        case codec_id::lz4: return {0, 1, 8, 65537};
        case codec_id::blosc_lz4:
        case codec_id::blosc_zstd: return {0, 1, 5, 9};
        case codec_id::none: return {0};
    }
    return {0};
}

// The HDF5 definition, element by element: byte k of element i -> k*count + i.
bytes reference_shuffle(const bytes& src, std::size_t item) {
    bytes dst(src);
    if (item <= 1) return dst;
    const std::size_t count = src.size() / item;
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t k = 0; k < item; ++k) dst[k * count + i] = src[i * item + k];
    return dst;
}

std::string temp_folder() {
    char pattern[] = "/tmp/fitstore-codecs-XXXXXX";
    const char* made = mkdtemp(pattern);
    REQUIRE(made != nullptr);
    return made;
}

void write_file(const std::string& path, const bytes& data) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    REQUIRE(f.good());
}

bytes read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    REQUIRE(f.good());
    return bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("byte_shuffle matches the HDF5 definition and byte_unshuffle inverts it", "[codec][shuffle]") {
    for (const std::size_t item : {1u, 2u, 3u, 4u, 5u, 8u, 12u, 16u, 17u}) {
        for (const std::size_t n : {0u, 1u, 7u, 8u, 255u, 256u, 257u, 1000u, 4099u, 70001u}) {
            const bytes src = make_data(n, item * 7919 + n);
            bytes shuffled(n), back(n);
            fitstore::byte_shuffle(src.data(), shuffled.data(), n, item);
            INFO("item " << item << " bytes " << n);
            REQUIRE(shuffled == reference_shuffle(src, item));
            fitstore::byte_unshuffle(shuffled.data(), back.data(), n, item);
            REQUIRE(back == src);
        }
    }
}

TEST_CASE("shuffle leaves the trailing partial element in place", "[codec][shuffle]") {
    const bytes src = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // three 3-byte elements + 2 trailing bytes
    bytes dst(src.size());
    fitstore::byte_shuffle(src.data(), dst.data(), src.size(), 3);
    REQUIRE(dst == bytes{1, 4, 7, 2, 5, 8, 3, 6, 9, 10, 11});
}

TEST_CASE("every codec round-trips every level, shuffle, item size and size", "[codec]") {
    for (const codec_id id : k_compressors) {
        for (const int level : sample_levels(id)) {
            for (const bool shuffle : {false, true}) {
                for (const std::size_t item : {1u, 2u, 4u, 8u, 3u}) {
                    // 0 bytes, one element, an odd count, odd bytes (a partial
                    // trailing element) and a few hundred KiB.
                    const std::size_t odd_bytes = 1001 * item + (item > 1 ? 1 : 0);
                    for (const std::size_t n : {std::size_t{0}, item, 1001 * item, odd_bytes, 30011 * item}) {
                        const codec_spec spec = spec_of(id, level, shuffle);
                        INFO(fitstore::codec_to_string(spec) << " item " << item << " bytes " << n);
                        const bytes raw = make_data(n, n + item);
                        const bytes stored = encode(spec, item, raw);
                        REQUIRE(stored.size() <= fitstore::encode_bound(spec, n));
                        REQUIRE(decode(spec, item, stored, n) == raw);
                    }
                }
            }
        }
    }
}

TEST_CASE("5 MB chunks round-trip and compress", "[codec]") {
    const std::size_t n = 5'000'000;
    const bytes raw = make_data(n, 5);
    for (const codec_id id : k_compressors) {
        for (const bool shuffle : {false, true}) {
            const codec_spec spec = spec_of(id, 0, shuffle);
            INFO(fitstore::codec_to_string(spec));
            const bytes stored = encode(spec, 8, raw);
            REQUIRE(stored.size() < n);
            REQUIRE(decode(spec, 8, stored, n) == raw);
        }
    }
}

TEST_CASE("codec none stores the raw bytes and checks their size", "[codec]") {
    const bytes raw = make_data(1000, 1);
    const codec_spec none;
    REQUIRE(encode(none, 8, raw) == raw);
    REQUIRE(decode(none, 8, raw, 1000) == raw);
    REQUIRE_THROWS_AS(decode(none, 8, raw, 999), fitstore::format_error);
    REQUIRE_THROWS_WITH(decode(none, 8, raw, 1001), Catch::Contains("expected 1001 raw bytes, found 1000"));
}

TEST_CASE("empty chunks encode and decode with null pointers", "[codec]") {
    for (const codec_id id : {codec_id::none, codec_id::zlib, codec_id::zstd, codec_id::lz4, codec_id::blosc_lz4,
                              codec_id::blosc_zstd}) {
        for (const bool shuffle : {false, true}) {
            const codec_spec spec = spec_of(id, 0, shuffle && id != codec_id::none);
            bytes out;
            REQUIRE_NOTHROW(fitstore::encode_chunk(spec, 8, nullptr, 0, out));
            INFO(fitstore::codec_to_string(spec) << " stored " << out.size());
            // none stores nothing; a compressor stores its (non-empty) framing of nothing.
            REQUIRE(out.empty() == (id == codec_id::none));
            const std::uint8_t* stored = out.empty() ? nullptr : out.data();
            REQUIRE_NOTHROW(fitstore::decode_chunk(spec, 8, stored, out.size(), nullptr, 0, k_path, k_field));
            // The same stream is not 8 bytes of anything.
            std::uint8_t eight[8];
            REQUIRE_THROWS_WITH(fitstore::decode_chunk(spec, 8, stored, out.size(), eight, 8, k_path, k_field),
                                Catch::Contains(k_path) && Catch::Contains(k_field) && Catch::Contains("8"));
        }
    }
}

TEST_CASE("parse_codec reads names, levels and +shuffle", "[codec][parse]") {
    using fitstore::parse_codec;
    REQUIRE(parse_codec("none") == spec_of(codec_id::none));
    REQUIRE(parse_codec("zstd") == spec_of(codec_id::zstd));
    REQUIRE(parse_codec("zstd:3") == spec_of(codec_id::zstd, 3));
    REQUIRE(parse_codec("zstd:19") == spec_of(codec_id::zstd, 19));
    REQUIRE(parse_codec("zlib:9") == spec_of(codec_id::zlib, 9));
    REQUIRE(parse_codec("lz4") == spec_of(codec_id::lz4));
    REQUIRE(parse_codec("lz4:20") == spec_of(codec_id::lz4, 20));
    REQUIRE(parse_codec("blosc-lz4") == spec_of(codec_id::blosc_lz4));
    REQUIRE(parse_codec("blosc-zstd:5") == spec_of(codec_id::blosc_zstd, 5));
    REQUIRE(parse_codec("zlib", true) == spec_of(codec_id::zlib, 0, true));
    REQUIRE(parse_codec("blosc-lz4:5+shuffle") == spec_of(codec_id::blosc_lz4, 5, true));

    for (const char* bad : {"", "gzip", "ZSTD", "zstd:", "zstd:0", "zstd:20", "zstd:-1", "zstd:3x", "zlib:10",
                            "none:1", "blosc-lz4:10", "blosc", "lz4:99999999", "zstd:3+shuffle+shuffle", ":3",
                            "+shuffle"}) {
        INFO("'" << bad << "'");
        REQUIRE_THROWS_AS(parse_codec(bad), fitstore::usage_error);
        REQUIRE_THROWS_WITH(parse_codec(bad), Catch::Contains("expected none, zlib[:1-9], zstd[:1-19]") &&
                                                  Catch::Contains(std::string("found '") + bad + "'"));
    }
    REQUIRE_THROWS_WITH(parse_codec("zstd:20"), Catch::Contains("zstd levels are 1-19"));
    REQUIRE_THROWS_WITH(parse_codec("none", true), Catch::Contains("shuffle needs a compressor"));
}

TEST_CASE("codec_to_string shows the effective level and parses back", "[codec][parse]") {
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::none)) == "none");
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::zstd)) == "zstd:3");
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::zlib)) == "zlib:6");
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::lz4)) == "lz4:1");
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::blosc_lz4, 0, true)) == "blosc-lz4:5+shuffle");
    REQUIRE(fitstore::codec_to_string(spec_of(codec_id::blosc_zstd, 7)) == "blosc-zstd:7");
    for (const codec_id id : k_compressors) {
        for (const bool shuffle : {false, true}) {
            const codec_spec spec = spec_of(id, 2, shuffle);
            REQUIRE(fitstore::parse_codec(fitstore::codec_to_string(spec)) == spec);
        }
    }
    REQUIRE(fitstore::codec_name(codec_id::blosc_zstd) == "blosc-zstd");
    REQUIRE(fitstore::effective_level(spec_of(codec_id::blosc_zstd)) == 5);
    REQUIRE(fitstore::effective_level(spec_of(codec_id::zstd, 11)) == 11);
}

TEST_CASE("validate_codec refuses levels outside each codec's range", "[codec][parse]") {
    using fitstore::validate_codec;
    REQUIRE_NOTHROW(validate_codec(spec_of(codec_id::zlib, 9)));
    REQUIRE_NOTHROW(validate_codec(spec_of(codec_id::lz4, 65537)));
    REQUIRE_THROWS_WITH(validate_codec(spec_of(codec_id::zlib, 10)),
                        Catch::Contains("zlib levels are 1-9 (0 = default 6), found 10"));
    REQUIRE_THROWS_WITH(validate_codec(spec_of(codec_id::zstd, -3)), Catch::Contains("zstd levels are 1-19"));
    REQUIRE_THROWS_WITH(validate_codec(spec_of(codec_id::blosc_lz4, 10)), Catch::Contains("blosc-lz4 levels are 1-9"));
    REQUIRE_THROWS_WITH(validate_codec(spec_of(codec_id::lz4, 65538)), Catch::Contains("lz4 levels are 1-65537"));
    REQUIRE_THROWS_WITH(validate_codec(spec_of(codec_id::none, 0, true)), Catch::Contains("shuffle needs a compressor"));
    REQUIRE_THROWS_AS(validate_codec(spec_of(codec_id::none, 3)), fitstore::usage_error);
    REQUIRE_THROWS_AS(validate_codec(spec_of(static_cast<codec_id>(9))), fitstore::usage_error);
}

TEST_CASE("zarr metadata is what zarr 2.13 writes", "[codec][zarr]") {
    using nlohmann::json;
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::none), 8).is_null());
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::zstd), 8) == json::parse(R"({"id":"zstd","level":3})"));
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::zlib), 8) == json::parse(R"({"id":"zlib","level":6})"));
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::lz4), 8) == json::parse(R"({"id":"lz4","acceleration":1})"));
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::blosc_lz4, 0, true), 8) ==
            json::parse(R"({"id":"blosc","cname":"lz4","clevel":5,"shuffle":1,"blocksize":0})"));
    REQUIRE(fitstore::zarr_compressor(spec_of(codec_id::blosc_zstd, 9), 4) ==
            json::parse(R"({"id":"blosc","cname":"zstd","clevel":9,"shuffle":0,"blocksize":0})"));

    REQUIRE(fitstore::zarr_filters(spec_of(codec_id::zstd), 8).is_null());
    REQUIRE(fitstore::zarr_filters(spec_of(codec_id::blosc_lz4, 0, true), 8).is_null());
    REQUIRE(fitstore::zarr_filters(spec_of(codec_id::lz4, 0, true), 4) ==
            json::parse(R"([{"id":"shuffle","elementsize":4}])"));
}

TEST_CASE("codec_from_zarr inverts the metadata and reads zarr-python's defaults", "[codec][zarr]") {
    using nlohmann::json;
    for (const codec_id id : {codec_id::none, codec_id::zlib, codec_id::zstd, codec_id::lz4, codec_id::blosc_lz4,
                              codec_id::blosc_zstd}) {
        for (const bool shuffle : {false, true}) {
            if (id == codec_id::none && shuffle) continue;
            const codec_spec spec = spec_of(id, 0, shuffle);
            const codec_spec back = fitstore::codec_from_zarr(fitstore::zarr_compressor(spec, 8),
                                                              fitstore::zarr_filters(spec, 8), 8, "a/.zarray");
            INFO(fitstore::codec_to_string(spec));
            REQUIRE(back.id == spec.id);
            REQUIRE(back.shuffle == spec.shuffle);
            REQUIRE(fitstore::effective_level(back) == fitstore::effective_level(spec));
        }
    }
    // zarr.open(..., dtype='f8') with no compressor given writes this.
    const json zarr_default = json::parse(R"({"blocksize":0,"clevel":5,"cname":"lz4","id":"blosc","shuffle":1})");
    REQUIRE(fitstore::codec_from_zarr(zarr_default, nullptr, 8, "a/.zarray") == spec_of(codec_id::blosc_lz4, 5, true));
    // numcodecs' AUTOSHUFFLE and bit shuffle are decoded by blosc itself.
    REQUIRE(fitstore::codec_from_zarr(json::parse(R"({"id":"blosc","cname":"zstd","clevel":3,"shuffle":-1})"),
                                      json::array(), 4, "a/.zarray") == spec_of(codec_id::blosc_zstd, 3, true));
    REQUIRE(fitstore::codec_from_zarr(json::parse(R"({"id":"zstd","level":22,"checksum":false})"), nullptr, 4,
                                      "a") == spec_of(codec_id::zstd, 22));
    REQUIRE(fitstore::codec_from_zarr(json::parse(R"({"id":"zlib","level":-1})"), nullptr, 4, "a") ==
            spec_of(codec_id::zlib, 0));
}

TEST_CASE("codec_from_zarr refuses what fitstore cannot decode, naming the file and the id", "[codec][zarr]") {
    using nlohmann::json;
    const auto from = [](const char* compressor, const char* filters, std::size_t item = 8) {
        return fitstore::codec_from_zarr(json::parse(compressor), json::parse(filters), item, "model/x/.zarray");
    };
    REQUIRE_THROWS_AS(from(R"({"id":"gzip","level":1})", "null"), fitstore::format_error);
    REQUIRE_THROWS_WITH(from(R"({"id":"gzip","level":1})", "null"),
                        Catch::Contains("model/x/.zarray") && Catch::Contains("unsupported compressor \"gzip\""));
    REQUIRE_THROWS_WITH(from(R"({"id":"bz2","level":1})", "null"), Catch::Contains("\"bz2\""));
    REQUIRE_THROWS_WITH(from(R"({"id":"blosc","cname":"blosclz","clevel":5,"shuffle":1})", "null"),
                        Catch::Contains("compressor.cname") && Catch::Contains("\"blosclz\""));
    REQUIRE_THROWS_WITH(from(R"({"id":"zstd","level":3})", R"([{"id":"delta","dtype":"<f8"}])"),
                        Catch::Contains("filters") && Catch::Contains("delta"));
    REQUIRE_THROWS_WITH(from(R"({"id":"zstd","level":3})", R"([{"id":"shuffle","elementsize":4}])"),
                        Catch::Contains("expected the item size 8, found 4"));
    REQUIRE_THROWS_WITH(from(R"({"id":"zstd","level":3})",
                             R"([{"id":"shuffle","elementsize":8},{"id":"shuffle","elementsize":8}])"),
                        Catch::Contains("unsupported filter chain"));
    REQUIRE_THROWS_WITH(from("null", R"([{"id":"shuffle","elementsize":8}])"),
                        Catch::Contains("uncompressed array"));
    REQUIRE_THROWS_WITH(from(R"({"id":"blosc","cname":"lz4","clevel":5,"shuffle":1})",
                             R"([{"id":"shuffle","elementsize":8}])"),
                        Catch::Contains("before blosc"));
    REQUIRE_THROWS_WITH(from(R"({"id":"zlib","level":"6"})", "null"),
                        Catch::Contains("compressor.level") && Catch::Contains("expected an integer"));
    REQUIRE_THROWS_WITH(from(R"({"id":"zlib","level":12})", "null"), Catch::Contains("expected -1 to 9, found 12"));
    REQUIRE_THROWS_WITH(from(R"({"level":6})", "null"), Catch::Contains("string \"id\""));
    REQUIRE_THROWS_WITH(from("[1]", "null"), Catch::Contains("expected null or an object"));
    REQUIRE_THROWS_WITH(from(R"({"id":"zstd","level":3})", "{}"), Catch::Contains("expected null or an array"));
}

TEST_CASE("damaged streams fail with a format_error, never a crash", "[codec][hostile]") {
    const std::size_t n = 64 * 1024;
    const bytes raw = make_data(n, 42);
    std::mt19937_64 rng(7);
    for (const codec_id id : k_compressors) {
        for (const bool shuffle : {false, true}) {
            const codec_spec spec = spec_of(id, 0, shuffle);
            const bytes good = encode(spec, 8, raw);
            INFO(fitstore::codec_to_string(spec) << " stored " << good.size());

            // Truncated: always an error that names the file and the field.
            for (const std::size_t keep : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{15},
                                           good.size() / 2, good.size() - 1}) {
                const bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep));
                INFO("truncated to " << keep);
                REQUIRE_THAT(decode_fenced(spec, 8, cut, n), Catch::Contains("expected") || Catch::Contains("damaged"));
                REQUIRE_THROWS_AS(decode(spec, 8, cut, n), fitstore::format_error);
                REQUIRE_THROWS_WITH(decode(spec, 8, cut, n), Catch::Contains(k_path) && Catch::Contains(k_field));
            }
            // Extended with trailing garbage.
            for (const std::size_t extra : {1u, 7u, 1000u}) {
                bytes longer(good);
                for (std::size_t i = 0; i < extra; ++i) longer.push_back(static_cast<std::uint8_t>(rng()));
                INFO("extended by " << extra);
                REQUIRE_THROWS_AS(decode(spec, 8, longer, n), fitstore::format_error);
            }
            // Wrong expected size, either way.
            for (const std::size_t expected : {n - 8, n - 1, n + 1, n + 8, 2 * n, std::size_t{0}}) {
                INFO("expected " << expected);
                REQUIRE_THROWS_WITH(decode(spec, 8, good, expected),
                                    Catch::Contains("expected") && Catch::Contains(std::to_string(expected)));
            }
            // Flipped bytes: either a format_error or some output of the right
            // size (a flipped literal decodes "fine"; the chunk checksum catches it).
            for (int trial = 0; trial < 300; ++trial) {
                bytes bad(good);
                const std::size_t at = trial < 40 ? static_cast<std::size_t>(trial) % good.size() : rng() % good.size();
                bad[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                if (trial % 3 == 0) bad[rng() % bad.size()] = static_cast<std::uint8_t>(rng());
                const std::string message = decode_fenced(spec, 8, bad, n);
                if (!message.empty()) REQUIRE_THAT(message, Catch::Contains(k_path) && Catch::Contains(k_field));
            }
        }
    }
}

// Random mutations of valid chunks, decoded between fences. CTest runs 300
// mutations per case; FITSTORE_CODEC_FUZZ_TRIALS=4000 (about 45 s in Release)
// runs many more, for a sanitizer build: ./fitstore_tests "codec fuzz*".
TEST_CASE("codec fuzz: random mutations of valid chunks", "[codec][fuzz]") {
    const char* env = std::getenv("FITSTORE_CODEC_FUZZ_TRIALS");
    const int trials = env ? std::max(1, std::atoi(env)) : 300;
    std::mt19937_64 rng(2026);
    std::size_t decoded = 0, refused = 0;
    for (const codec_id id : k_compressors) {
        for (const std::size_t item : {1u, 4u, 8u}) {
            const codec_spec spec = spec_of(id, 0, item == 4);
            for (const std::size_t n : {std::size_t{24}, std::size_t{4000}, std::size_t{300000}}) {
                const bytes good = encode(spec, item, make_data(n, n * item));
                INFO(fitstore::codec_to_string(spec) << " item " << item << " bytes " << n);
                for (int trial = 0; trial < trials; ++trial) {
                    bytes bad(good);
                    const int edits = 1 + static_cast<int>(rng() % 4);
                    for (int e = 0; e < edits; ++e) {
                        // Favour the headers, where sizes and offsets live.
                        const std::size_t span = rng() % 2 ? std::min<std::size_t>(bad.size(), 64) : bad.size();
                        bad[rng() % span] = static_cast<std::uint8_t>(rng());
                    }
                    if (rng() % 8 == 0) bad.resize(rng() % (bad.size() + 1));
                    const std::size_t expected = rng() % 16 == 0 ? rng() % (2 * n + 1) : n;
                    // Either some output of exactly the expected size (a damaged
                    // literal decodes; the chunk checksum catches it), or a
                    // format_error naming the file and the field. Anything else
                    // (another exception, a crash at a fence) fails.
                    const std::string message = decode_fenced(spec, item, bad, expected);
                    if (message.empty()) {
                        ++decoded;
                    } else {
                        ++refused;
                        INFO(message);
                        REQUIRE_THAT(message, Catch::Contains(k_path) && Catch::Contains(k_field));
                    }
                }
            }
        }
    }
    WARN("codec fuzz: " << decoded + refused << " mutated chunks, " << refused << " refused, " << decoded
                        << " decoded to the expected size");
    // The mutations do reach the decoders' checks (not all decoded as noise).
    REQUIRE(refused > (decoded + refused) / 4);
}

TEST_CASE("zip bombs: streams decoding to more than expected are refused", "[codec][hostile]") {
    const std::size_t big = 8u << 20, expected = 1u << 20;
    const bytes zeros(big, 0);
    for (const codec_id id : k_compressors) {
        const codec_spec spec = spec_of(id);
        const bytes bomb = encode(spec, 1, zeros);
        INFO(fitstore::codec_to_string(spec) << ": " << bomb.size() << " bytes for " << big);
        REQUIRE(bomb.size() * 100 < big);
        REQUIRE_THROWS_AS(decode(spec, 1, bomb, expected), fitstore::format_error);
    }
    // Headers edited to claim the expected size while the body decodes to more.
    const codec_spec lz4 = spec_of(codec_id::lz4);
    bytes lz4_bomb = encode(lz4, 1, zeros);
    lz4_bomb[0] = 0, lz4_bomb[1] = 0, lz4_bomb[2] = 0x10, lz4_bomb[3] = 0;  // claims 1 MiB
    REQUIRE_THROWS_WITH(decode(lz4, 1, lz4_bomb, expected), Catch::Contains("lz4: damaged, truncated or oversized"));

    const codec_spec zlib = spec_of(codec_id::zlib);
    REQUIRE_THROWS_WITH(decode(zlib, 1, encode(zlib, 1, zeros), expected),
                        Catch::Contains("decodes to more than the expected 1048576 bytes"));

    const codec_spec zstd = spec_of(codec_id::zstd);
    REQUIRE_THROWS_WITH(decode(zstd, 1, encode(zstd, 1, zeros), expected),
                        Catch::Contains("expected 1048576 bytes, found a frame declaring 8388608"));

    const codec_spec blosc = spec_of(codec_id::blosc_lz4);
    bytes blosc_bomb = encode(blosc, 1, zeros);
    REQUIRE_THROWS_WITH(decode(blosc, 1, blosc_bomb, expected),
                        Catch::Contains("expected 1048576 bytes, found a header declaring 8388608"));
    // With nbytes edited down to 1 MiB, blosc decodes only the blocks that
    // fill 1 MiB: never more than the destination (ASan watches `decode`).
    blosc_bomb[4] = 0, blosc_bomb[5] = 0, blosc_bomb[6] = 0x10, blosc_bomb[7] = 0;
    REQUIRE(decode(blosc, 1, blosc_bomb, expected) == bytes(expected, 0));
}

TEST_CASE("hostile blosc headers are refused before blosc sees them", "[codec][hostile]") {
    const codec_spec spec = spec_of(codec_id::blosc_zstd, 0, true);
    const std::size_t n = 100000;
    const bytes good = encode(spec, 4, make_data(n, 3));
    bytes bad(good);
    bad[8] = 0xff, bad[9] = 0xff, bad[10] = 0xff, bad[11] = 0x7f;  // block size 2 GiB
    REQUIRE_THROWS_WITH(decode(spec, 4, bad, n), Catch::Contains("expected a block size between 1 and 100000"));
    bad = good;
    bad[0] = 3;  // a newer (blosc2) format version
    REQUIRE_THROWS_WITH(decode(spec, 4, bad, n), Catch::Contains("expected a blosc1 frame"));
    bad = good;
    bad[12] ^= 1;  // cbytes disagrees with the stored size
    REQUIRE_THROWS_WITH(decode(spec, 4, bad, n), Catch::Contains("stored bytes"));
}

TEST_CASE("max_expansion_ratio bounds what each codec produces on all-zero data", "[codec][hostile]") {
    // 64 MiB of zeros at each codec's most favourable level approaches its
    // format's limit; the guard must admit it without being far above it.
    const std::size_t n = 64u << 20;
    const bytes zeros(n, 0);
    const std::pair<codec_id, int> best[] = {{codec_id::zlib, 9},      {codec_id::zstd, 19},
                                             {codec_id::lz4, 1},       {codec_id::blosc_lz4, 9},
                                             {codec_id::blosc_zstd, 9}};
    REQUIRE(fitstore::max_expansion_ratio(codec_id::none) == 1);
    for (const auto& [id, level] : best) {
        for (const std::size_t chunk : {n, std::size_t{4} << 20}) {
            bytes out;
            fitstore::encode_chunk(spec_of(id, level), 8, zeros.data(), chunk, out);
            const double ratio = static_cast<double>(chunk) / static_cast<double>(out.size());
            INFO(fitstore::codec_name(id) << " chunk " << chunk << " ratio " << ratio << " limit "
                                          << fitstore::max_expansion_ratio(id));
            REQUIRE(ratio <= static_cast<double>(fitstore::max_expansion_ratio(id)));
            // blosc's limit is its inner codec's: frames written with larger
            // blocks than blosc's automatic choice (numcodecs' blocksize) approach it.
            const bool blosc = id == codec_id::blosc_lz4 || id == codec_id::blosc_zstd;
            if (chunk == n && !blosc) REQUIRE(ratio * 1.3 >= static_cast<double>(fitstore::max_expansion_ratio(id)));
        }
    }
}

TEST_CASE("xxh3_64 matches the reference vectors", "[codec][checksum]") {
    REQUIRE(fitstore::xxh3_64(nullptr, 0) == 0x2D06800538D394C2ULL);  // xxHash's own sanity vector
    REQUIRE(fitstore::xxh3_64("abc", 3) == 0x78AF5F94892F3950ULL);
    const bytes data = make_data(100000, 9);
    bytes other(data);
    other[5000] ^= 1;
    REQUIRE(fitstore::xxh3_64(data.data(), data.size()) != fitstore::xxh3_64(other.data(), other.size()));
}

TEST_CASE("codecs run concurrently from many threads", "[codec]") {
    const bytes raw = make_data(256u << 10, 11);
    std::vector<std::thread> pool;
    std::vector<int> ok(8, 0);
    for (int t = 0; t < 8; ++t) {
        pool.emplace_back([&, t] {
            const codec_spec spec = spec_of(k_compressors[t % 5], 0, t % 2 == 0);
            int good = 0;
            for (int i = 0; i < 4; ++i) {
                bytes out, back(raw.size());
                fitstore::encode_chunk(spec, 8, raw.data(), raw.size(), out);
                fitstore::decode_chunk(spec, 8, out.data(), out.size(), back.data(), back.size(), k_path, k_field);
                good += back == raw;
            }
            ok[static_cast<std::size_t>(t)] = good;
        });
    }
    for (auto& th : pool) th.join();
    REQUIRE(ok == std::vector<int>(8, 4));
}

TEST_CASE("chunks are byte-compatible with numcodecs both ways", "[codec][interop]") {
    const std::string folder = temp_folder();
    nlohmann::json cases = nlohmann::json::array();
    struct sample {
        const char* codec;
        std::size_t item;
        std::size_t bytes;
    };
    const sample samples[] = {
        {"zlib:1", 8, 800000},        {"zlib", 4, 4000},          {"zlib:9+shuffle", 8, 800000},
        {"zstd:1", 8, 800000},        {"zstd", 8, 8},             {"zstd:19+shuffle", 4, 40000},
        {"zstd+shuffle", 2, 2000000}, {"lz4", 8, 800000},         {"lz4:8+shuffle", 4, 400000},
        {"lz4", 1, 1},                {"lz4+shuffle", 8, 8},      {"blosc-lz4", 8, 800000},
        {"blosc-lz4:5+shuffle", 8, 800000}, {"blosc-lz4:9+shuffle", 2, 100}, {"blosc-zstd:1", 4, 400000},
        {"blosc-zstd+shuffle", 8, 2000000}, {"blosc-zstd:9+shuffle", 1, 1},  {"blosc-lz4+shuffle", 1, 300000},
    };
    // No empty chunks: numcodecs 0.11 refuses to decode even its own empty
    // zstd, lz4 and blosc chunks, and zarr never stores a chunk for an empty array.
    std::vector<bytes> raws;
    for (std::size_t i = 0; i < std::size(samples); ++i) {
        const sample& s = samples[i];
        const codec_spec spec = fitstore::parse_codec(s.codec);
        const std::string name = "case" + std::to_string(i);
        raws.push_back(make_data(s.bytes, i));
        write_file(folder + "/" + name + ".raw", raws.back());
        write_file(folder + "/" + name + ".fitstore", encode(spec, s.item, raws.back()));
        cases.push_back({{"name", name},
                         {"codec", s.codec},
                         {"itemsize", s.item},
                         {"compressor", fitstore::zarr_compressor(spec, s.item)},
                         {"filters", fitstore::zarr_filters(spec, s.item)}});
    }
    {
        std::ofstream f(folder + "/cases.json");
        f << cases.dump(1);
    }
    std::string tests_dir = FITSTORE_TEST_DATA;  // .../tests/data, which need not exist yet
    tests_dir.resize(tests_dir.rfind('/'));
    const std::string script = tests_dir + "/python/numcodecs_peer.py";
    const std::string command = "/usr/bin/python3 " + script + " " + folder;
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);  // numcodecs decoded every fitstore chunk

    const auto results = nlohmann::json::parse(read_file(folder + "/results.json"));
    for (std::size_t i = 0; i < std::size(samples); ++i) {
        const sample& s = samples[i];
        const std::string name = "case" + std::to_string(i);
        INFO(s.codec << " item " << s.item << " bytes " << s.bytes << ": " << results[name].dump());
        // fitstore decodes what numcodecs wrote, reading the codec from the zarr metadata...
        const codec_spec spec = fitstore::codec_from_zarr(cases[i]["compressor"], cases[i]["filters"], s.item,
                                                          folder + "/" + name);
        REQUIRE(decode(spec, s.item, read_file(folder + "/" + name + ".numcodecs"), s.bytes) == raws[i]);
        // ...and, built on the same libraries, writes the very same bytes.
        REQUIRE(results[name]["identical"].get<bool>());
    }
    REQUIRE(std::system(("rm -rf " + folder).c_str()) == 0);
}
