// Golden files: stores written by earlier format versions must load bit-exactly
// forever. tests/data/format-1.0/make_golden.py made them; the values are
// recomputed here from the same formulas, not read from anywhere else.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fitstore/array_bundle.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "test_support.hpp"

using namespace fitstore;

namespace {

const std::string golden_dir = std::string(FITSTORE_TEST_DATA) + "/format-1.0";

template <class T>
any_array make(const shape_t& shape, const std::function<T(std::int64_t)>& f) {
    any_array a = any_array::allocate(dtype_of_v<T>, shape);
    auto* p = static_cast<T*>(a.mutable_data());
    for (std::size_t i = 0; i < a.size(); ++i) p[i] = f(static_cast<std::int64_t>(i));
    return a;
}

/// make_golden.py's golden_arrays(), formula for formula.
std::vector<std::pair<std::string, any_array>> expected_arrays() {
    return {
        {"f64", make<double>({40, 3}, [](std::int64_t i) { return static_cast<double>(i * 37 % 101) * 0.125 - 6.0; })},
        {"f32", make<float>({25}, [](std::int64_t i) { return static_cast<float>(static_cast<double>(i) * 0.5 - 6.0); })},
        {"i64", make<std::int64_t>({30, 2}, [](std::int64_t i) { return i * i - 500; })},
        {"i32", make<std::int32_t>({60}, [](std::int64_t i) { return static_cast<std::int32_t>(i * 1000003 % 65537 - 30000); })},
        {"i16", make<std::int16_t>({60}, [](std::int64_t i) { return static_cast<std::int16_t>(i * 517 % 2001 - 1000); })},
        {"i8", make<std::int8_t>({60}, [](std::int64_t i) { return static_cast<std::int8_t>(i % 256 - 128); })},
        {"u8", make<std::uint8_t>({60}, [](std::int64_t i) { return static_cast<std::uint8_t>(i * 7 % 256); })},
        {"u16", make<std::uint16_t>({60}, [](std::int64_t i) { return static_cast<std::uint16_t>(i * 1031 % 65536); })},
        {"u32", make<std::uint32_t>({60}, [](std::int64_t i) {
             return static_cast<std::uint32_t>(i * 2654435761LL % 4294967296LL);
         })},
        {"u64", make<std::uint64_t>({60}, [](std::int64_t i) {
             return static_cast<std::uint64_t>(i) * 11400714819323198485ULL;  // wraps, as numpy's uint64 does
         })},
        {"flags", make<bool>({60}, [](std::int64_t i) { return i % 3 == 0; })},
        {"scalar", make<double>({}, [](std::int64_t) { return 2.5; })},
        {"empty", make<double>({0, 3}, [](std::int64_t) { return 0.0; })},
    };
}

struct golden_codec {
    const char* name;
    codec_id id;
    bool shuffle;
};

}  // namespace

TEST_CASE("format 1.0 golden files load bit-exactly in every layout and codec", "[golden][version]") {
    const std::vector<golden_codec> codecs = {
        {"none", codec_id::none, false},          {"zlib", codec_id::zlib, false},
        {"zstd", codec_id::zstd, false},          {"zstd-shuffle", codec_id::zstd, true},
        {"lz4", codec_id::lz4, false},            {"blosc-lz4", codec_id::blosc_lz4, false},
        {"blosc-zstd", codec_id::blosc_zstd, false},
    };
    const std::vector<std::pair<layout, std::string>> layouts = {
        {layout::directory, ""}, {layout::hdf5, ".h5"}, {layout::blob, ".blob"}};
    const auto expected = expected_arrays();
    for (const auto& [l, suffix] : layouts) {
        for (const auto& codec : codecs) {
            const std::string path = golden_dir + "/" + std::string(layout_name(l)) + "-" + codec.name + suffix;
            INFO(path);
            const manifest m = read_store_manifest(path);
            CHECK(m.format_version == "1.0");
            CHECK(m.layout == layout_name(l));
            std::size_t multi_chunk = 0;
            for (const auto& [key, rec] : m.arrays) {
                INFO(key);
                // 0-d and empty arrays are stored raw whatever the codec.
                if (rec.raw_bytes != 0 && !rec.shape.empty()) {
                    CHECK(rec.codec.id == codec.id);
                    CHECK(rec.codec.shuffle == codec.shuffle);
                }
                if (rec.chunks.size() > 1) ++multi_chunk;
            }
            if (codec.id != codec_id::none) CHECK(multi_chunk >= 5);

            for (mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
                load_options options;
                options.mmap = mode;
                options.verify = true;
                const auto bundle = load<array_bundle>(path, options);
                CHECK(bundle.attributes.at("made_by") == "make_golden.py");
                REQUIRE(bundle.arrays.size() == expected.size());
                for (const auto& [name, want] : expected) {
                    INFO(name);
                    CHECK(fitstore::test::bit_equal(bundle.at(name), want));
                }
            }
            CHECK(verify_store(path).passed());
        }
    }
}
