// Large uncompressed arrays are read in segments and hashed on a worker while
// the next segment is read: the result and the checksum verdict must be the
// same as the one-shot path's, in every layout.
#include <catch2/catch.hpp>

#include <fstream>

#include "fitstore/array_bundle.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "io/xxh3.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

namespace {

/// 12 MiB + 120 bytes of float64: three full 4 MiB segments and a short fourth.
array_bundle large_bundle() {
    array_bundle b;
    b.add("weights", test::random_array(dtype::float64, {(std::size_t(1) << 19) + 5, 3}, 7));
    b.add("bias", test::random_array(dtype::float32, {17}, 8));
    return b;
}

/// Dumps `original` to `path` in layout `l` without fsync (the tests do not crash).
void dump_fast(const array_bundle& original, const std::string& path, layout l) {
    dump_options options;
    options.layout = l;
    options.durable = false;
    dump(original, path, options);
}

void flip_byte(const std::string& path, std::uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
    REQUIRE(f.good());
}

}  // namespace

TEST_CASE("large uncompressed arrays load bit-exact through the segmented, overlapped hash", "[store][large]") {
    const auto l = GENERATE(layout::directory, layout::hdf5, layout::blob);
    const unsigned threads = GENERATE(1u, 0u);
    temp_dir dir;
    const array_bundle original = large_bundle();
    const std::string path = dir / "model";
    dump_fast(original, path, l);
    load_options copy;
    copy.threads = threads;
    load_report report;
    const auto loaded = load<array_bundle>(path, copy, &report);
    CHECK(test::bit_equal(loaded.at("weights"), original.at("weights")));
    CHECK(test::bit_equal(loaded.at("bias"), original.at("bias")));
    for (const auto& a : report.arrays) CHECK(a.verified);
}

TEST_CASE("a flipped byte deep in a large uncompressed array fails the segmented checksum", "[store][large][bad]") {
    temp_dir dir;
    const array_bundle original = large_bundle();
    const std::uint64_t deep = original.at("weights").nbytes() - 1000;  // in the last segment

    SECTION("directory") {
        const std::string path = dir / "model";
        dump(original, path);
        flip_byte(path + "/weights/0.0", deep);
        REQUIRE_THROWS_AS(load<array_bundle>(path), checksum_error);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("arrays.weights.chunks[0].xxh3") &&
                                                          Catch::Contains("checksum mismatch"));
    }
    SECTION("blob") {
        const std::string path = dir / "model.blob";
        dump(original, path, {layout::blob});
        const manifest m = read_store_manifest(path);
        flip_byte(path, m.arrays.at("weights").chunks[0].offset + deep);
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("arrays.weights.chunks[0].xxh3") &&
                                                          Catch::Contains("checksum mismatch"));
        // The same file still maps (no hashing unless asked), and verify catches it.
        REQUIRE_NOTHROW(load<array_bundle>(path, {mmap_mode::r}));
        load_options verify{mmap_mode::r};
        verify.verify = true;
        REQUIRE_THROWS_AS(load<array_bundle>(path, verify), checksum_error);
    }
}

TEST_CASE("large uncompressed arrays written in hashed parts record the one-shot checksum", "[store][large]") {
    // Directory and blob writers take a large chunk in 4 MiB parts hashed while
    // they are written; the digest must equal XXH3 of the whole array.
    const auto l = GENERATE(layout::directory, layout::hdf5, layout::blob);
    temp_dir dir;
    const array_bundle original = large_bundle();
    const std::string path = dir / "model";
    dump_fast(original, path, l);
    const manifest m = read_store_manifest(path);
    const any_array& weights = original.at("weights");
    const array_record& rec = m.arrays.at("weights");
    REQUIRE(rec.chunks.size() == 1);
    REQUIRE(rec.chunks[0].xxh3.has_value());
    CHECK(*rec.chunks[0].xxh3 == xxh3_64(weights.data(), weights.nbytes()));
    CHECK(rec.chunks[0].stored_bytes == weights.nbytes());

    // The in-memory blob goes through the same parts.
    const std::vector<std::uint8_t> blob = dumps(original);
    const auto loaded = loads<array_bundle>(blob);
    CHECK(test::bit_equal(loaded.at("weights"), weights));
    CHECK(test::bit_equal(loaded.at("bias"), original.at("bias")));
}
