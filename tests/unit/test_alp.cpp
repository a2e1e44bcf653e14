// The alp codec: bit-exact round trips of float64/float32 over special values x
// sizes around every vector and row-group edge, the stream format pinned by
// hand-built chunks (FORMAT.md 4.1), hostile chunks refused with a message,
// and alp/auto through every layout of the store.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codecs/zarr_metadata.hpp"
#include "fitstore/array_bundle.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::bit_equal;
using fitstore::test::temp_dir;
using bytes = std::vector<std::uint8_t>;

namespace {

const codec_spec k_alp = parse_codec("alp");

template <class T>
bytes as_bytes(const std::vector<T>& v) {
    bytes out(v.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), v.data(), out.size());
    return out;
}

bytes encode(const bytes& raw, std::size_t item) {
    bytes out;
    encode_chunk(k_alp, item, raw.data(), raw.size(), out);
    return out;
}

bytes decode(const bytes& stored, std::size_t item, std::size_t raw_bytes) {
    const bytes input(stored);  // exactly its own size, so ASan sees any overread
    bytes out(raw_bytes);
    decode_chunk(k_alp, item, input.data(), input.size(), out.data(), raw_bytes, "s/x/0", "arrays.x.chunks[0]");
    return out;
}

template <class F>
F from_bits(typename std::conditional<sizeof(F) == 8, std::uint64_t, std::uint32_t>::type b) {
    F v;
    std::memcpy(&v, &b, sizeof v);
    return v;
}

// Every special value: signed zeros, NaNs with payloads and signs, infinities,
// subnormals, the extreme normals, integers past the rounding range, and
// decimals next to them.
std::vector<double> special_doubles() {
    using lim = std::numeric_limits<double>;
    return {0.0, -0.0, lim::infinity(), -lim::infinity(), lim::quiet_NaN(), -lim::quiet_NaN(),
            from_bits<double>(0x7ff0000000000001ull), from_bits<double>(0x7ff8dead0000beefull),
            from_bits<double>(0xfff4000000000123ull), lim::denorm_min(), -lim::denorm_min(),
            from_bits<double>(0x000fffffffffffffull), lim::min(), -lim::min(), lim::max(), -lim::max(),
            lim::epsilon(), 2251799813685248.0, 2251799813685249.0, 4503599627370497.0, 9007199254740993.0,
            -9.2233720368547758e18, 1e300, -1e-300, 0.1, 0.2, 0.3, 1.005, 123456.789, -0.001, 1e-18, 5e-324};
}

std::vector<float> special_floats() {
    using lim = std::numeric_limits<float>;
    return {0.0f, -0.0f, lim::infinity(), -lim::infinity(), lim::quiet_NaN(), from_bits<float>(0x7f800001u),
            from_bits<float>(0xffc0beefu), lim::denorm_min(), from_bits<float>(0x007fffffu), lim::min(), lim::max(),
            -lim::max(), 4194304.0f, 4194305.0f, 16777217.0f, 0.1f, 1.005f, -0.001f, 3.14159f, 1e-10f};
}

// Values of one kind, n of them: decimals (ALP's case), doubles of full
// precision (ALP-RD's), random bit patterns (raw), or decimals sprinkled with
// special values (exceptions).
template <class F>
std::vector<F> make_values(const std::string& kind, std::size_t n, std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<F> v(n);
    const auto specials = [] {
        if constexpr (sizeof(F) == 8) return special_doubles();
        else return special_floats();
    }();
    for (std::size_t i = 0; i < n; ++i) {
        if (kind == "decimals") {
            v[i] = static_cast<F>(static_cast<double>(static_cast<std::int64_t>(rng() % 8001) - 4000) / 1000.0);
        } else if (kind == "precise") {
            v[i] = static_cast<F>(std::uniform_real_distribution<double>(0, 1)(rng));
        } else if (kind == "bits") {
            const std::uint64_t b = rng();
            std::memcpy(&v[i], &b, sizeof(F));
        } else {  // mixed
            v[i] = rng() % 7 == 0 ? specials[rng() % specials.size()]
                                  : static_cast<F>(static_cast<double>(static_cast<std::int64_t>(rng() % 200)) / 100.0);
        }
    }
    return v;
}

// ---- hand-built streams (FORMAT.md 4.1) -------------------------------------------

struct stream {
    bytes b;
    stream& u8(unsigned v) {
        b.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    template <class T>
    stream& le(T v) {
        std::uint8_t tmp[sizeof(T)];
        std::memcpy(tmp, &v, sizeof(T));
        b.insert(b.end(), tmp, tmp + sizeof(T));
        return *this;
    }
    stream& header(unsigned item, std::uint64_t count) {
        u8('A').u8('L').u8('P').u8(1).u8(item).u8(0).u8(0).u8(0);
        return le(count);
    }
};

// 1.5, 2.25, -0.0 as one ALP vector: e = 2, f = 0, digits 150, 225 and the
// exception -0.0 (filled with the first digits, 150); base 150, width 7.
stream alp_example() {
    stream s;
    s.header(8, 3).u8(1);                                       // one row-group, scheme ALP
    s.u8(2).u8(0).u8(7).le<std::uint16_t>(1).le<std::int64_t>(150);  // e f w exceptions base
    s.le<std::uint64_t>(0u | (75u << 7) | (0u << 14));          // packed offsets 0, 75, 0
    for (int k = 1; k < 7; ++k) s.le<std::uint64_t>(0);         // rest of the 64-value group
    s.le<std::uint16_t>(2).le<double>(-0.0);                    // exception at position 2
    return s;
}

// 1.0, 2.0, 1.5 as ALP-RD with 16 left bits: dictionary {0x3ff0, 0x4000},
// codes 0, 1, (exception), right bits all 0; 1.5's left bits 0x3ff8 are an exception.
stream rd_example() {
    stream s;
    s.header(8, 3).u8(2).u8(48).u8(2).le<std::uint16_t>(0x3ff0).le<std::uint16_t>(0x4000);
    s.le<std::uint16_t>(1);                                     // one exception
    s.le<std::uint64_t>(0u | (1u << 1) | (0u << 2));            // 1-bit codes 0, 1, 0
    for (int k = 0; k < 48; ++k) s.le<std::uint64_t>(0);        // 48-bit right parts: all zero
    s.le<std::uint16_t>(2).le<std::uint16_t>(0x3ff8);
    return s;
}

std::string decode_error(const bytes& stored, std::size_t item, std::size_t raw_bytes) {
    try {
        decode(stored, item, raw_bytes);
    } catch (const format_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("alp round-trips every float64 and float32 bit pattern kind at every vector and row-group edge",
          "[codec][alp]") {
    const std::size_t sizes[] = {0, 1, 2, 31, 63, 64, 65, 1023, 1024, 1025, 4097, 102399, 102400, 102401, 250000};
    std::size_t cases = 0;
    for (const char* kind : {"decimals", "precise", "bits", "mixed"}) {
        for (std::size_t n : sizes) {
            INFO(kind << " x " << n);
            const bytes raw64 = as_bytes(make_values<double>(kind, n, static_cast<std::uint32_t>(n + 1)));
            REQUIRE(decode(encode(raw64, 8), 8, raw64.size()) == raw64);
            const bytes raw32 = as_bytes(make_values<float>(kind, n, static_cast<std::uint32_t>(n + 2)));
            REQUIRE(decode(encode(raw32, 4), 4, raw32.size()) == raw32);
            cases += 2;
        }
    }
    // Nothing but special values, and each special value filling a whole vector.
    for (double v : special_doubles()) {
        const bytes raw = as_bytes(std::vector<double>(1500, v));
        REQUIRE(decode(encode(raw, 8), 8, raw.size()) == raw);
    }
    for (float v : special_floats()) {
        const bytes raw = as_bytes(std::vector<float>(1500, v));
        REQUIRE(decode(encode(raw, 4), 4, raw.size()) == raw);
    }
    const bytes all64 = as_bytes(special_doubles()), all32 = as_bytes(special_floats());
    REQUIRE(decode(encode(all64, 8), 8, all64.size()) == all64);
    REQUIRE(decode(encode(all32, 4), 4, all32.size()) == all32);
    REQUIRE(cases == 4 * std::size(sizes) * 2);
}

TEST_CASE("alp picks ALP for decimals, ALP-RD for full-precision doubles, raw for random bits", "[codec][alp]") {
    const std::size_t n = 102400;  // one row-group: byte 16 is its scheme
    const bytes decimals = as_bytes(make_values<double>("decimals", n, 1));
    const bytes precise = as_bytes(make_values<double>("precise", n, 2));
    const bytes random = as_bytes(make_values<double>("bits", n, 3));
    const bytes a = encode(decimals, 8), r = encode(precise, 8), b = encode(random, 8);
    CHECK(a[16] == 1);
    CHECK(r[16] == 2);
    CHECK(b[16] == 0);
    // Decimals in [-4, 4] with 3 digits are 13-bit integers: ratio close to 64 / 13.
    CHECK(static_cast<double>(decimals.size()) / static_cast<double>(a.size()) > 4.7);
    // Uniform [0, 1) doubles: ~12 constant front bits of 64 go to a 3-bit code.
    CHECK(static_cast<double>(precise.size()) / static_cast<double>(r.size()) > 1.1);
    // Incompressible: the header and one scheme byte per row-group, nothing more.
    CHECK(b.size() == random.size() + 16 + 1);
    const bytes decimals32 = as_bytes(make_values<float>("decimals", n, 4));
    const bytes a32 = encode(decimals32, 4);
    CHECK(a32[16] == 1);
    CHECK(static_cast<double>(decimals32.size()) / static_cast<double>(a32.size()) > 2.3);
}

TEST_CASE("alp decodes hand-built ALP and ALP-RD chunks as FORMAT.md specifies", "[codec][alp]") {
    const bytes alp = decode(alp_example().b, 8, 24);
    const std::vector<double> want_alp = {1.5, 2.25, -0.0};
    REQUIRE(alp == as_bytes(want_alp));
    const bytes rd = decode(rd_example().b, 8, 24);
    const std::vector<double> want_rd = {1.0, 2.0, 1.5};
    REQUIRE(rd == as_bytes(want_rd));
    // Decoding divides by 10^e: digits 1234 at e = 3 give exactly the double nearest to 1.234.
    stream s;
    s.header(8, 1).u8(1).u8(3).u8(0).u8(0).le<std::uint16_t>(0).le<std::int64_t>(1234);
    const bytes one = decode(s.b, 8, 8);
    double v;
    std::memcpy(&v, one.data(), 8);
    REQUIRE(v == 1.234);
}

TEST_CASE("hostile alp chunks are refused with a message, never read out of bounds", "[codec][alp][hostile]") {
    const bytes good = alp_example().b;
    const auto patched = [&](std::size_t at, std::uint8_t value) {
        bytes b = good;
        b[at] = value;
        return b;
    };
    // Header: bytes 0-15; scheme: 16; vector header: e 17, f 18, w 19, exceptions 20-21, base 22-29.
    CHECK_THAT(decode_error(patched(0, 'B'), 8, 24), Catch::Contains("expected the magic \"ALP\""));
    CHECK_THAT(decode_error(patched(3, 2), 8, 24), Catch::Contains("unsupported ALP stream version 2"));
    CHECK_THAT(decode_error(good, 4, 12), Catch::Contains("header says 8-byte values"));
    CHECK_THAT(decode_error(good, 8, 32), Catch::Contains("header says 3 values, the chunk holds 4"));
    CHECK_THAT(decode_error(patched(16, 3), 8, 24), Catch::Contains("unknown row-group scheme 3"));
    CHECK_THAT(decode_error(patched(17, 19), 8, 24), Catch::Contains("exponent 19 / factor 0 out of range"));
    CHECK_THAT(decode_error(patched(18, 3), 8, 24), Catch::Contains("factor <= exponent"));
    CHECK_THAT(decode_error(patched(19, 65), 8, 24), Catch::Contains("bit width 65 exceeds 64"));
    CHECK_THAT(decode_error(patched(20, 4), 8, 24), Catch::Contains("4 exceptions in a vector of 3 values"));
    // The exception position (after 30 + 56 bytes of packing: 7 words for width 7) outside the vector.
    CHECK_THAT(decode_error(patched(86, 3), 8, 24), Catch::Contains("exception position 3 is outside the vector"));
    bytes extra = good;
    extra.push_back(0);
    CHECK_THAT(decode_error(extra, 8, 24), Catch::Contains("1 trailing bytes after the last row-group"));
    // Every truncation: a clean error naming what was cut.
    for (std::size_t len = 0; len < good.size(); ++len) {
        INFO("truncated to " << len);
        CHECK_THAT(decode_error(bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len)), 8, 24),
                   Catch::Contains("alp: "));
    }
    // Exception positions must increase.
    stream twice;
    twice.header(8, 2).u8(1).u8(0).u8(0).u8(0).le<std::uint16_t>(2).le<std::int64_t>(0);
    twice.le<std::uint16_t>(1).le<std::uint16_t>(1).le<double>(1.0).le<double>(2.0);
    CHECK_THAT(decode_error(twice.b, 8, 16), Catch::Contains("not increasing"));
    // float32 exponents stop at 10.
    stream f32;
    f32.header(4, 1).u8(1).u8(11).u8(0).u8(0).le<std::uint16_t>(0).le<std::int64_t>(0);
    CHECK_THAT(decode_error(f32.b, 4, 4), Catch::Contains("exponent 11 / factor 0 out of range (exponent 0-10"));

    const bytes rd = rd_example().b;
    const auto rd_patched = [&](std::size_t at, std::uint8_t value) {
        bytes b = rd;
        b[at] = value;
        return b;
    };
    // RD: right width 17, dictionary size 18, entries 19-22, exceptions 23-24, codes 25-32.
    CHECK_THAT(decode_error(rd_patched(17, 47), 8, 24), Catch::Contains("ALP-RD right width 47 out of range 48-63"));
    CHECK_THAT(decode_error(rd_patched(18, 0), 8, 24), Catch::Contains("dictionary size 0 out of range 1-8"));
    CHECK_THAT(decode_error(rd_patched(18, 9), 8, 24), Catch::Contains("dictionary size 9 out of range 1-8"));
    bytes wide = rd_patched(17, 60);  // 4 left bits: the dictionary entry 0x3ff0 no longer fits
    CHECK_THAT(decode_error(wide, 8, 24), Catch::Contains("dictionary entry 16368 wider than 4 bits"));
    CHECK_THAT(decode_error(rd_patched(23, 4), 8, 24), Catch::Contains("4 exceptions in a vector of 3 values"));
    // Two dictionary entries need 1-bit codes; with a third one (2-bit codes) code 3 is beyond it.
    stream beyond;
    beyond.header(8, 1).u8(2).u8(48).u8(3).le<std::uint16_t>(1).le<std::uint16_t>(2).le<std::uint16_t>(3);
    beyond.le<std::uint16_t>(0).le<std::uint64_t>(3).le<std::uint64_t>(0);
    for (int k = 0; k < 48; ++k) beyond.le<std::uint64_t>(0);
    CHECK_THAT(decode_error(beyond.b, 8, 8), Catch::Contains("dictionary code 3 beyond the dictionary of 3 entries"));
    for (std::size_t len = 0; len < rd.size(); ++len) {
        INFO("truncated to " << len);
        CHECK_THAT(decode_error(bytes(rd.begin(), rd.begin() + static_cast<std::ptrdiff_t>(len)), 8, 24),
                   Catch::Contains("alp: "));
    }
}

TEST_CASE("damaged real alp chunks never crash: every byte flipped and every length cut", "[codec][alp][hostile]") {
    for (const char* kind : {"decimals", "precise", "mixed"}) {
        const bytes raw = as_bytes(make_values<double>(kind, 2100, 9));
        const bytes good = encode(raw, 8);
        std::size_t refused = 0;
        for (std::size_t at = 0; at < good.size(); at += good.size() > 4000 ? 7 : 1) {
            bytes b = good;
            b[at] ^= static_cast<std::uint8_t>(1u << (at % 8));
            try {
                decode(b, 8, raw.size());
            } catch (const format_error& e) {
                REQUIRE_THAT(e.what(), Catch::Contains("alp: "));
                ++refused;
            }
        }
        for (std::size_t len = 0; len < good.size(); len += 13)
            REQUIRE_THROWS_AS(decode(bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len)), 8,
                                     raw.size()),
                              format_error);
        INFO(kind);
        CHECK(refused > 0);
    }
}

TEST_CASE("alp-zstd round-trips, and refuses a frame declaring a larger alp stream than the chunk allows",
          "[codec][alp][hostile]") {
    const codec_spec spec = parse_codec("alp-zstd");
    REQUIRE(spec.id == codec_id::alp_zstd);
    REQUIRE(codec_to_string(spec) == "alp-zstd:1");
    REQUIRE(codec_to_string(parse_codec("alp-zstd:3")) == "alp-zstd:3");
    REQUIRE_THROWS_WITH(parse_codec("alp-zstd:20"), Catch::Contains("alp-zstd levels are 1-19"));
    const auto round_trip = [&](const bytes& raw, std::size_t item) {
        bytes stored, back(raw.size());
        encode_chunk(spec, item, raw.data(), raw.size(), stored);
        decode_chunk(spec, item, stored.data(), stored.size(), back.data(), back.size(), "p", "f");
        return std::make_pair(stored.size(), back == raw);
    };
    for (const char* kind : {"decimals", "precise", "bits", "mixed"})
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1025}, std::size_t{102401}}) {
            INFO(kind << " x " << n);
            REQUIRE(round_trip(as_bytes(make_values<double>(kind, n, 5)), 8).second);
            REQUIRE(round_trip(as_bytes(make_values<float>(kind, n, 6)), 4).second);
        }
    // Low-cardinality decimals (raw scikit-learn data look like this): zstd finds the
    // repeats alp's packing leaves, so alp-zstd is smaller than alp alone.
    std::vector<double> few(100000);
    for (std::size_t i = 0; i < few.size(); ++i) few[i] = static_cast<double>(i * 7919 % 17);
    const bytes few_raw = as_bytes(few);
    CHECK(round_trip(few_raw, 8).first * 2 < encode(few_raw, 8).size());

    // A zstd frame whose content is an alp stream one byte too long for the chunk.
    const bytes raw = as_bytes(make_values<double>("bits", 100, 7));
    bytes alp_stream = encode(raw, 8);
    REQUIRE(alp_stream.size() == 16 + 1 + raw.size());
    alp_stream.push_back(0);
    bytes frame;
    encode_chunk(parse_codec("zstd:1"), 1, alp_stream.data(), alp_stream.size(), frame);
    bytes back(raw.size());
    REQUIRE_THROWS_WITH(decode_chunk(spec, 8, frame.data(), frame.size(), back.data(), back.size(), "p", "f"),
                        Catch::Contains("declares a 818-byte alp stream, more than the 817 bytes"));
    // A frame of a damaged alp stream fails in the alp decoder, naming it.
    alp_stream.pop_back();
    alp_stream[16] = 7;
    encode_chunk(parse_codec("zstd:1"), 1, alp_stream.data(), alp_stream.size(), frame);
    REQUIRE_THROWS_WITH(decode_chunk(spec, 8, frame.data(), frame.size(), back.data(), back.size(), "p", "f"),
                        Catch::Contains("alp: unknown row-group scheme 7"));
    const bytes junk(40, 0x28);
    REQUIRE_THROWS_WITH(decode_chunk(spec, 8, junk.data(), junk.size(), back.data(), back.size(), "p", "f"),
                        Catch::Contains("alp-zstd: expected a zstd frame"));
    REQUIRE(zarr_compressor(parse_codec("alp-zstd:3"), 8) ==
            nlohmann::json::parse(R"({"id":"fitstore_alp_zstd","version":1,"level":3})"));
    REQUIRE(codec_from_zarr(zarr_compressor(parse_codec("alp-zstd:3"), 8), nullptr, 8, "a") == parse_codec("alp-zstd:3"));
}

TEST_CASE("alp and auto parse, print and describe themselves in zarr metadata", "[codec][alp]") {
    REQUIRE(k_alp.id == codec_id::alp);
    REQUIRE(codec_to_string(k_alp) == "alp");
    REQUIRE(parse_codec("auto").id == codec_id::automatic);
    REQUIRE(codec_to_string(parse_codec("auto")) == "auto");
    REQUIRE_THROWS_WITH(parse_codec("alp:3"), Catch::Contains("alp takes no level"));
    REQUIRE_THROWS_WITH(parse_codec("alp+shuffle"), Catch::Contains("codec alp takes no shuffle"));
    REQUIRE_THROWS_WITH(parse_codec("auto", true), Catch::Contains("codec auto takes no shuffle"));
    const nlohmann::json zarr = zarr_compressor(k_alp, 8);
    REQUIRE(zarr == nlohmann::json::parse(R"({"id":"fitstore_alp","version":1})"));
    REQUIRE(zarr_filters(k_alp, 8).is_null());
    REQUIRE(codec_from_zarr(zarr, nullptr, 8, "a/.zarray") == k_alp);
    REQUIRE_THROWS_WITH(codec_from_zarr(zarr, nullptr, 2, "a/.zarray"),
                        Catch::Contains("alp needs a float32 or float64 array"));
    bytes out;
    const bytes ints(16, 1);
    REQUIRE_THROWS_WITH(encode_chunk(k_alp, 2, ints.data(), ints.size(), out),
                        Catch::Contains("alp encodes float32 or float64 arrays only"));
    REQUIRE_THROWS_WITH(encode_chunk(parse_codec("auto"), 8, ints.data(), ints.size(), out),
                        Catch::Contains("codec auto is resolved per array"));
}

TEST_CASE("alp's max_expansion_ratio bounds a chunk of one repeated value", "[codec][alp][hostile]") {
    for (std::size_t item : {std::size_t{4}, std::size_t{8}}) {
        const bytes zeros(std::size_t{16} << 20, 0);
        const bytes enc = encode(zeros, item);
        bytes both;
        encode_chunk(parse_codec("alp-zstd:19"), item, zeros.data(), zeros.size(), both);
        CHECK(static_cast<double>(zeros.size()) / static_cast<double>(both.size()) <=
              static_cast<double>(max_expansion_ratio(codec_id::alp_zstd)));
        const double ratio = static_cast<double>(zeros.size()) / static_cast<double>(enc.size());
        INFO("item " << item << " ratio " << ratio);
        REQUIRE(ratio <= static_cast<double>(max_expansion_ratio(codec_id::alp)));
        if (item == 8) REQUIRE(ratio * 1.2 >= static_cast<double>(max_expansion_ratio(codec_id::alp)));
    }
}

// ---- through the store ----------------------------------------------------------------

namespace {

template <class F>
any_array float_array(const shape_t& shape, const std::string& kind, std::uint32_t seed) {
    any_array a = any_array::allocate(dtype_of<F>::value, shape);
    const std::vector<F> v = make_values<F>(kind, a.size(), seed);
    if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), a.nbytes());
    return a;
}

array_bundle float_bundle() {
    array_bundle b;
    const std::vector<shape_t> shapes = {{}, {0, 3}, {1}, {1001, 7}, {5, 4, 3}, {3000}};
    std::uint32_t seed = 1;
    for (std::size_t s = 0; s < shapes.size(); ++s)
        for (const char* kind : {"decimals", "precise", "mixed", "bits"}) {
            const std::string tag = std::string(kind) + std::to_string(s);
            b.add("d_" + tag, float_array<double>(shapes[s], kind, seed++));
            b.add("f_" + tag, float_array<float>(shapes[s], kind, seed++));
        }
    b.add("labels", fitstore::test::random_array(dtype::int32, {5000}, 99));
    b.add("mask", fitstore::test::random_array(dtype::bool_, {10}, 98));
    return b;
}

}  // namespace

TEST_CASE("alp and auto stores round-trip bit-exactly in the directory and blob layouts", "[store][alp]") {
    temp_dir dir;
    const array_bundle bundle = float_bundle();
    for (const char* codec : {"alp", "auto", "alp-zstd:3"}) {
        for (layout l : {layout::directory, layout::blob}) {
            for (std::size_t chunk_bytes : {std::size_t{1000}, std::size_t{8192 * 3 + 8}, std::size_t{4} << 20}) {
                INFO(codec << " x " << layout_name(l) << " x chunks of " << chunk_bytes);
                dump_options options;
                options.layout = l;
                options.codec = parse_codec(codec);
                options.chunk_bytes = chunk_bytes;
                options.durable = false;
                const std::string path = dir / (l == layout::blob ? "m.blob" : "m");
                dump(bundle, path, options);
                for (mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
                    load_report report;
                    const auto loaded = load<array_bundle>(path, {mode}, &report);
                    REQUIRE(loaded.arrays.size() == bundle.arrays.size());
                    for (std::size_t i = 0; i < bundle.arrays.size(); ++i) {
                        INFO(bundle.arrays[i].first);
                        REQUIRE(bit_equal(loaded.arrays[i].second, bundle.arrays[i].second));
                    }
                }
                const manifest m = read_store_manifest(path);
                for (const auto& [key, rec] : m.arrays) {
                    INFO(key << " stored with " << codec_to_string(rec.codec));
                    CHECK(rec.codec.id != codec_id::automatic);
                    const bool is_float = rec.type == dtype::float32 || rec.type == dtype::float64;
                    if (std::string(codec) != "auto" && is_float) CHECK(rec.codec == parse_codec(codec));
                    // Non-float arrays never get alp; random bits (nothing to save) and tiny arrays stay raw.
                    if (!is_float) CHECK_FALSE(is_float_codec(rec.codec.id));
                    if (key.find("bits") != std::string::npos && std::string(codec) == "auto")
                        CHECK(rec.codec.id == codec_id::none);
                    if (rec.raw_bytes < 4096 && std::string(codec) == "auto") CHECK(rec.codec.id == codec_id::none);
                }
                if (std::string(codec) == "auto") {
                    CHECK(m.arrays.at("labels").codec == parse_codec("zstd:1"));
                    CHECK(m.arrays.at("d_decimals5").codec.id != codec_id::none);
                }
            }
        }
    }
    const auto bytes_ = dumps(bundle, [] {
        dump_options o;
        o.codec = parse_codec("alp");
        o.chunk_bytes = 4096;
        return o;
    }());
    const auto back = loads<array_bundle>(bytes_);
    for (std::size_t i = 0; i < bundle.arrays.size(); ++i)
        REQUIRE(bit_equal(back.arrays[i].second, bundle.arrays[i].second));
}

TEST_CASE("the hdf5 layout refuses alp on dump and on load, naming the way out", "[store][alp][hdf5]") {
    temp_dir dir;
    array_bundle b;
    b.add("w", float_array<double>({100}, "decimals", 1));
    dump_options options;
    options.layout = layout::hdf5;
    options.codec = k_alp;
    options.durable = false;
    REQUIRE_THROWS_WITH(dump(b, dir / "m.h5", options),
                        Catch::Contains("codec alp is not available in the hdf5 layout") &&
                            Catch::Contains("--codec zstd:3"));
    REQUIRE(fitstore::test::folder_entries(dir.path()).empty());  // nothing left behind
    options.codec = parse_codec("alp-zstd");
    REQUIRE_THROWS_WITH(dump(b, dir / "m.h5", options), Catch::Contains("codec alp-zstd is not available in the hdf5"));
    // auto leaves alp out of its candidates for hdf5, so it always writes.
    options.codec = parse_codec("auto");
    dump(b, dir / "m.h5", options);
    REQUIRE(bit_equal(load<array_bundle>(dir / "m.h5").at("w"), b.at("w")));
    REQUIRE(read_store_manifest(dir / "m.h5").arrays.at("w").codec.id != codec_id::alp);
}

TEST_CASE("a manifest naming alp for an integer array, or auto, is refused", "[store][alp][hostile]") {
    temp_dir dir;
    array_bundle b;
    b.add("w", float_array<double>({100}, "decimals", 1));
    b.add("n", fitstore::test::random_array(dtype::int64, {100}, 2));
    dump_options options;
    options.codec = k_alp;
    options.durable = false;
    dump(b, dir / "m", options);
    fitstore::test::edit_manifest(dir / "m", [](nlohmann::json& j) { j["arrays"]["n"]["codec"]["id"] = "alp"; });
    REQUIRE_THROWS_WITH(load<array_bundle>(dir / "m"),
                        Catch::Contains("arrays.n.codec.id") &&
                            Catch::Contains("alp stores little-endian float32 or float64 arrays, found int64"));
    fitstore::test::edit_manifest(dir / "m", [](nlohmann::json& j) { j["arrays"]["n"]["codec"]["id"] = "auto"; });
    REQUIRE_THROWS_WITH(load<array_bundle>(dir / "m"), Catch::Contains("\"auto\" is chosen per array when dumping"));
    // Asking for alp on an integer array by name is a usage error.
    options.array_codecs["n"] = k_alp;
    REQUIRE_THROWS_WITH(dump(b, dir / "m2", options),
                        Catch::Contains("alp encodes float32 and float64 arrays only, this array is int64"));
}
