// The hdf5 layout: what the .h5 file looks like to HDF5/h5py users, the lz4
// re-framing, mapping at H5Dget_offset, and refusal of files that would read
// other files or disagree with their manifest. The dtype x codec x mmap round
// trip matrix over all layouts lives in test_store_roundtrip.cpp.
#include <catch2/catch.hpp>

#include <hdf5.h>
#include <lz4.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "codecs/lz4_hdf5.hpp"
#include "codecs/shuffle.hpp"
#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "layouts/layout.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::bit_equal;
using fitstore::test::random_array;
using fitstore::test::temp_dir;

namespace {

// An HDF5 file or object id closed at scope exit.
struct h5 {
    hid_t id;
    herr_t (*close)(hid_t);
    ~h5() {
        if (id >= 0) close(id);
    }
    operator hid_t() const { return id; }
};

h5 open_rw(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    h5 f{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
    REQUIRE(f.id >= 0);
    return f;
}

std::string string_attribute(hid_t obj, const char* name) {
    h5 attr{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
    REQUIRE(attr.id >= 0);
    h5 type{H5Aget_type(attr), H5Tclose};
    REQUIRE(H5Tis_variable_str(type) > 0);
    REQUIRE(H5Tget_cset(type) == H5T_CSET_UTF8);
    h5 mem{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5T_CSET_UTF8);
    char* data = nullptr;
    REQUIRE(H5Aread(attr, mem, &data) >= 0);
    std::string out = data;
    H5free_memory(data);
    return out;
}

std::vector<H5Z_filter_t> filters_of(hid_t dataset) {
    h5 dcpl{H5Dget_create_plist(dataset), H5Pclose};
    std::vector<H5Z_filter_t> ids;
    for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
        unsigned flags = 0, config = 0;
        std::size_t n = 0;
        ids.push_back(H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n, nullptr, 0, nullptr, &config));
    }
    return ids;
}

// A model with a child object, so the file has a group below the root.
stored_object small_model() {
    stored_object root;
    root.type = "array_bundle";
    root.arrays.emplace_back("coef", random_array(dtype::float64, {300, 4}, 1));
    root.arrays.emplace_back("labels", random_array(dtype::int32, {300}, 2));
    stored_object child;
    child.type = "array_bundle";
    child.arrays.emplace_back("mean", random_array(dtype::float32, {17}, 3));
    root.children.emplace_back("scaler", std::move(child));
    return root;
}

dump_options h5_options(const codec_spec& codec) {
    dump_options o;
    o.layout = layout::hdf5;
    o.codec = codec;
    o.chunk_bytes = 1024;
    o.durable = false;
    return o;
}

// Writes a valid store, then lets `damage` change it with the HDF5 API.
template <class F>
std::string damaged_store(const temp_dir& dir, F damage) {
    const std::string path = dir / "model.h5";
    array_bundle bundle;
    bundle.add("w", random_array(dtype::float64, {64, 8}, 9));
    dump(bundle, path, h5_options({}));
    {
        h5 f = open_rw(path);
        damage(static_cast<hid_t>(f));
    }
    return path;
}

// Replaces dataset /w by one made with `dcpl` and `dims`.
void replace_w(hid_t file, hid_t dcpl, std::vector<hsize_t> dims) {
    REQUIRE(H5Ldelete(file, "/w", H5P_DEFAULT) >= 0);
    h5 space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
    h5 ds{H5Dcreate2(file, "/w", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose};
    REQUIRE(ds.id >= 0);
}

}  // namespace

TEST_CASE("an hdf5 store is one file h5py understands", "[hdf5]") {
    temp_dir dir;
    const std::vector<std::pair<std::string, std::vector<H5Z_filter_t>>> cases = {
        {"none", {}},
        {"zlib:6+shuffle", {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE}},
        {"zstd:3", {32015}},
        {"lz4+shuffle", {H5Z_FILTER_SHUFFLE, 32004}},
        {"blosc-lz4:5+shuffle", {32001}},
        {"blosc-zstd:3", {32001}},
    };
    for (const auto& [text, pipeline] : cases) {
        INFO("codec " << text);
        const auto plus = text.find("+shuffle");
        const codec_spec codec = parse_codec(text.substr(0, plus), plus != std::string::npos);
        const std::string path = dir / "model.h5";
        const stored_object model = small_model();
        write_store(model, path, h5_options(codec));
        REQUIRE(detect_layout(path) == layout::hdf5);

        {
            H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
            h5 f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
            REQUIRE(f.id >= 0);
            REQUIRE(string_attribute(f, "fitstore_format") == "fitstore 1.0");
            const auto manifest = nlohmann::json::parse(string_attribute(f, "fitstore_manifest"));
            REQUIRE(manifest.at("layout") == "hdf5");
            h5 group{H5Gopen2(f, "/scaler", H5P_DEFAULT), H5Gclose};
            REQUIRE(group.id >= 0);
            REQUIRE(string_attribute(group, "fitstore_type") == "array_bundle");
            for (const char* name : {"/coef", "/labels", "/scaler/mean"}) {
                INFO("dataset " << name);
                h5 ds{H5Dopen2(f, name, H5P_DEFAULT), H5Dclose};
                REQUIRE(ds.id >= 0);
                REQUIRE(string_attribute(ds, "codec") == codec_to_string(codec));
                REQUIRE_FALSE(string_attribute(ds, "dtype").empty());
                REQUIRE(string_attribute(ds, "role").find("array_bundle:") == 0);
                REQUIRE(filters_of(ds) == pipeline);
                h5 dcpl{H5Dget_create_plist(ds), H5Pclose};
                if (codec.id == codec_id::none) {
                    // Contiguous and page-aligned: mappable where h5py's get_offset() says.
                    REQUIRE(H5Pget_layout(dcpl) == H5D_CONTIGUOUS);
                    const haddr_t offset = H5Dget_offset(ds);
                    REQUIRE(offset != HADDR_UNDEF);
                    REQUIRE(offset % 4096 == 0);
                } else {
                    REQUIRE(H5Pget_layout(dcpl) == H5D_CHUNKED);
                }
            }
            // HDF5 itself decodes every pipeline (filters registered in-process).
            h5 ds{H5Dopen2(f, "/coef", H5P_DEFAULT), H5Dclose};
            std::vector<double> values(300 * 4);
            REQUIRE(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
            REQUIRE(std::memcmp(values.data(), model.arrays[0].second.data(), values.size() * 8) == 0);
        }
        const store_contents back = read_store(path);
        REQUIRE(bit_equal(back.root.arrays[0].second, model.arrays[0].second));
        REQUIRE(bit_equal(back.root.arrays[1].second, model.arrays[1].second));
        REQUIRE(bit_equal(back.root.children[0].second.arrays[0].second, model.children[0].second.arrays[0].second));
    }
}

TEST_CASE("an array that is also a parent of arrays is refused before anything is written", "[hdf5][bad]") {
    temp_dir dir;
    stored_object root;
    root.type = "array_bundle";
    root.arrays.emplace_back("x", random_array(dtype::float64, {3}, 1));
    stored_object child;
    child.type = "array_bundle";
    child.arrays.emplace_back("y", random_array(dtype::float64, {3}, 2));
    root.children.emplace_back("x", std::move(child));
    REQUIRE_THROWS_WITH(write_store(root, dir / "m.h5", h5_options({})),
                        Catch::Contains("dataset /x/y") && Catch::Contains("both an array and a parent"));
    REQUIRE(boost::filesystem::is_empty(dir.path()));  // no store, no temporary
}

TEST_CASE("a mapped hdf5 array points into the file at H5Dget_offset", "[hdf5][mmap]") {
    temp_dir dir;
    const std::string path = dir / "model.h5";
    array_bundle bundle;
    bundle.add("w", random_array(dtype::float64, {1024, 16}, 4));
    dump(bundle, path, h5_options({}));
    haddr_t offset = HADDR_UNDEF;
    {
        h5 f = open_rw(path);
        h5 ds{H5Dopen2(f, "/w", H5P_DEFAULT), H5Dclose};
        offset = H5Dget_offset(ds);
    }
    REQUIRE(offset % 4096 == 0);
    load_report report;
    auto loaded = load<array_bundle>(path, {mmap_mode::r}, &report);
    REQUIRE(report.arrays.at(0).mapped);
    const any_array& w = loaded.at("w");
    REQUIRE(w.storage() == storage_kind::mapped_r);
    // The mapping starts at the page holding the dataset: the data lies exactly `offset % page` into it.
    REQUIRE(static_cast<const char*>(w.data()) == static_cast<const char*>(w.owner().get()));
    REQUIRE(bit_equal(w, bundle.at("w")));

    // r+ writes reach the file, at the dataset's bytes.
    {
        auto rw = load<array_bundle>(path, {mmap_mode::r_plus});
        static_cast<double*>(rw.at("w").mutable_data())[5] = 1234.5;
    }
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset + 5 * sizeof(double)));
    double stored = 0;
    in.read(reinterpret_cast<char*>(&stored), sizeof stored);
    REQUIRE(stored == 1234.5);
}

TEST_CASE("a reader keeps its mapping valid when the store is replaced", "[hdf5][mmap]") {
    temp_dir dir;
    const std::string path = dir / "model.h5";
    array_bundle first;
    first.add("w", random_array(dtype::int64, {4096}, 5));
    dump(first, path, h5_options({}));
    auto mapped = load<array_bundle>(path, {mmap_mode::r});
    array_bundle second;
    second.add("w", random_array(dtype::int64, {4096}, 6));
    dump(second, path, h5_options({}));
    REQUIRE(bit_equal(mapped.at("w"), first.at("w")));
    REQUIRE(bit_equal(load<array_bundle>(path).at("w"), second.at("w")));
}

TEST_CASE("lz4 chunks are re-framed between numcodecs and the HDF5 filter", "[hdf5][lz4]") {
    using namespace fitstore::codecs;
    std::vector<std::uint8_t> raw(10000);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i % 13);
    std::vector<std::uint8_t> canonical;
    encode_chunk(parse_codec("lz4"), 1, raw.data(), raw.size(), canonical);

    std::vector<std::uint8_t> framed, back;
    lz4_numcodecs_to_hdf5(canonical.data(), canonical.size(), framed, "f", "x");
    // u64 BE size, u32 BE block size, u32 BE compressed size, then the same LZ4 block.
    REQUIRE(framed.size() == canonical.size() - 4 + 16);
    REQUIRE(framed[6] == (10000 >> 8));
    REQUIRE(framed[7] == (10000 & 0xff));
    REQUIRE(std::equal(canonical.begin() + 4, canonical.end(), framed.begin() + 16));
    lz4_hdf5_to_numcodecs(framed.data(), framed.size(), raw.size(), back, "f", "x");
    REQUIRE(back == canonical);

    SECTION("incompressible data is stored raw, as the HDF5 filter does") {
        std::mt19937 rng(1);
        for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
        encode_chunk(parse_codec("lz4"), 1, raw.data(), raw.size(), canonical);
        lz4_numcodecs_to_hdf5(canonical.data(), canonical.size(), framed, "f", "x");
        REQUIRE(framed.size() == raw.size() + 16);
        REQUIRE(std::equal(raw.begin(), raw.end(), framed.begin() + 16));
        lz4_hdf5_to_numcodecs(framed.data(), framed.size(), raw.size(), back, "f", "x");
        std::vector<std::uint8_t> decoded(raw.size());
        decode_chunk(parse_codec("lz4"), 1, back.data(), back.size(), decoded.data(), decoded.size(), "f", "x");
        REQUIRE(decoded == raw);
    }
    SECTION("frames of several blocks (other writers) decode to the same data") {
        // Two blocks of 5000 bytes, as the HDF5 plugin writes with cd_values[0] = 5000.
        std::vector<std::uint8_t> multi = {0, 0, 0, 0, 0, 0, 0x27, 0x10, 0, 0, 0x13, 0x88};
        for (int b = 0; b < 2; ++b) {
            std::vector<char> block(LZ4_compressBound(5000));
            const int n = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()) + b * 5000, block.data(),
                                               5000, static_cast<int>(block.size()));
            multi.insert(multi.end(), {0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xff)});
            multi.insert(multi.end(), block.begin(), block.begin() + n);
        }
        lz4_hdf5_to_numcodecs(multi.data(), multi.size(), raw.size(), back, "f", "x");
        std::vector<std::uint8_t> decoded(raw.size());
        decode_chunk(parse_codec("lz4"), 1, back.data(), back.size(), decoded.data(), decoded.size(), "f", "x");
        REQUIRE(decoded == raw);
    }
    SECTION("damaged or oversized frames are refused") {
        framed.resize(framed.size() - 3);
        REQUIRE_THROWS_WITH(lz4_hdf5_to_numcodecs(framed.data(), framed.size(), raw.size(), back, "f", "x"),
                            Catch::Contains("damaged HDF5 lz4 chunk"));
        lz4_numcodecs_to_hdf5(canonical.data(), canonical.size(), framed, "f", "x");
        REQUIRE_THROWS_WITH(lz4_hdf5_to_numcodecs(framed.data(), framed.size(), 100, back, "f", "x"),
                            Catch::Contains("expected at most 100 bytes"));
    }
}

TEST_CASE("hdf5 files that read other files or contradict the manifest are refused", "[hdf5][bad]") {
    temp_dir dir;
    SECTION("external link") {
        const std::string path = damaged_store(dir, [&](hid_t f) {
            REQUIRE(H5Lcreate_external("/etc/passwd", "/x", f, "/leak", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        });
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("external or user-defined link refused") &&
                                                  Catch::Contains("model.h5") && Catch::Contains("/leak"));
    }
    SECTION("external storage") {
        const std::string path = damaged_store(dir, [&](hid_t f) {
            h5 dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
            REQUIRE(H5Pset_external(dcpl, (dir / "outside.bin").c_str(), 0, 64 * 8 * 8) >= 0);
            replace_w(f, dcpl, {64, 8});
        });
        REQUIRE_THROWS_WITH(read_store(path),
                            Catch::Contains("external storage refused") && Catch::Contains("dataset /w"));
    }
    SECTION("virtual dataset") {
        const std::string path = damaged_store(dir, [&](hid_t f) {
            const hsize_t dims[2] = {64, 8};
            h5 space{H5Screate_simple(2, dims, nullptr), H5Sclose};
            h5 dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
            REQUIRE(H5Pset_virtual(dcpl, space, (dir / "elsewhere.h5").c_str(), "/data", space) >= 0);
            replace_w(f, dcpl, {64, 8});
        });
        REQUIRE_THROWS_WITH(read_store(path),
                            Catch::Contains("virtual dataset refused") && Catch::Contains("dataset /w"));
    }
    SECTION("shape disagrees with the manifest") {
        const std::string path = damaged_store(dir, [&](hid_t f) { replace_w(f, H5P_DEFAULT, {8, 64}); });
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("dataset /w") &&
                                                  Catch::Contains("expected shape [64, 8], found [8, 64]"));
    }
    SECTION("chunked where the manifest says contiguous") {
        const std::string path = damaged_store(dir, [&](hid_t f) {
            h5 dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
            const hsize_t chunk[2] = {8, 8};
            H5Pset_chunk(dcpl, 2, chunk);
            H5Pset_deflate(dcpl, 1);
            replace_w(f, dcpl, {64, 8});
        });
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("dataset /w"));
    }
    SECTION("dataset missing") {
        const std::string path = damaged_store(dir, [&](hid_t f) { H5Ldelete(f, "/w", H5P_DEFAULT); });
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("dataset /w") && Catch::Contains("missing"));
    }
    SECTION("no manifest: a plain HDF5 file") {
        const std::string path = dir / "plain.h5";
        {
            H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
            h5 f{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
        }
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("fitstore_manifest") && Catch::Contains("plain.h5"));
    }
    SECTION("truncated file") {
        const std::string path = damaged_store(dir, [](hid_t) {});
        const std::string bytes = fitstore::test::read_file(path);
        fitstore::test::write_file(path, bytes.substr(0, bytes.size() / 2));
        REQUIRE_THROWS_AS(read_store(path), fitstore::error);
        REQUIRE_THROWS_WITH(read_store(path), Catch::Contains("model.h5") && Catch::Contains("truncated file"));
    }
}

TEST_CASE("hdf5 errors carry HDF5's own detail and print nothing on stderr", "[hdf5][bad]") {
    temp_dir dir;
    const std::string path = dir / "garbage.h5";
    // The HDF5 signature followed by garbage: HDF5 itself fails to parse it.
    fitstore::test::write_file(path, std::string("\x89HDF\r\n\x1a\n", 8) + std::string(4096, '\x5a'));
    std::fflush(stderr);
    const int saved = ::dup(2);
    const std::string log = dir / "stderr.txt";
    std::FILE* sink = std::fopen(log.c_str(), "w");
    ::dup2(::fileno(sink), 2);
    std::string message;
    try {
        read_store(path);
    } catch (const fitstore::error& e) {
        message = e.what();
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(sink);
    REQUIRE_THAT(message, Catch::Contains("garbage.h5") && Catch::Contains("[HDF5: H5Fopen"));
    REQUIRE(fitstore::test::read_file(log).empty());
}

TEST_CASE("a store written by h5py alone loads with the values its script computed", "[hdf5][golden]") {
    // tests/data/make_h5py_golden.py: same formulas, every value exact in binary.
    const std::string path = std::string(FITSTORE_TEST_DATA) + "/h5py_golden.h5";
    for (mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
        INFO("mmap " << mmap_mode_name(mode));
        load_options options;
        options.mmap = mode;
        const store_contents back = read_store(path, options);
        REQUIRE(back.root.type == "array_bundle");
        REQUIRE(back.root.params.at("origin") == "h5py");

        const auto coef = ndarray<double>::from_any(*back.root.find_array("coef"), "coef");
        REQUIRE(coef.shape() == shape_t{40, 5});
        for (std::size_t i = 0; i < 200; ++i) REQUIRE(coef.data()[i] == double(i * 7919 % 10007) / 64.0 - 70.0);
        const auto intercept = ndarray<double>::from_any(*back.root.find_array("intercept"), "intercept");
        for (std::size_t i = 0; i < 5; ++i) REQUIRE(intercept.data()[i] == double(i) * 0.5 - 1.0);
        const auto labels = ndarray<std::int64_t>::from_any(*back.root.find_array("labels"), "labels");
        for (std::size_t i = 0; i < 40; ++i) REQUIRE(labels.data()[i] == std::int64_t(i * 31 % 1000) - 500);
        const auto mask = ndarray<bool>::from_any(*back.root.find_array("mask"), "mask");
        for (std::size_t i = 0; i < 40; ++i) REQUIRE(mask.data()[i] == (i % 3 == 0));

        const stored_object& scaler = *back.root.find_child("scaler");
        const auto mean = ndarray<float>::from_any(*scaler.find_array("mean"), "mean");
        for (std::size_t i = 0; i < 6; ++i) REQUIRE(mean.data()[i] == float(i) * 0.25f);
        const auto scale = ndarray<std::uint16_t>::from_any(*scaler.find_array("scale"), "scale");
        for (std::size_t i = 0; i < 6; ++i) REQUIRE(scale.data()[i] == i + 1);
        const auto var = ndarray<double>::from_any(*scaler.find_array("var"), "var");
        for (std::size_t i = 0; i < 6; ++i) REQUIRE(var.data()[i] == double(i) * 1.5 + 2.0);

        // h5py's contiguous datasets are not page-aligned; they map all the
        // same when their offset suits their elements (not scaler/scale, at an
        // odd offset: it is copied and the report says why).
        for (const auto& r : back.report.arrays) {
            INFO("array " << r.key);
            const bool aligned_contiguous = r.key == "coef" || r.key == "intercept";
            REQUIRE(r.mapped == (mode == mmap_mode::r && aligned_contiguous));
            if (mode == mmap_mode::r && r.key == "scaler/scale")
                REQUIRE_THAT(r.reason, Catch::Contains("not aligned to its 2-byte elements"));
        }
    }
}

TEST_CASE("page alignment pads the data of mappable datasets only", "[hdf5]") {
    temp_dir dir;
    const std::string path = dir / "many.h5";
    array_bundle bundle;
    dump_options options = h5_options(parse_codec("zstd"));
    for (int i = 0; i < 50; ++i) {
        bundle.add("raw" + std::to_string(i), random_array(dtype::float64, {13}, i));
        bundle.add("packed" + std::to_string(i), random_array(dtype::int32, {200}, 100 + i));
        options.array_codecs["raw" + std::to_string(i)] = codec_spec{};
    }
    dump(bundle, path, options);
    {
        h5 f = open_rw(path);
        for (int i = 0; i < 50; ++i) {
            h5 ds{H5Dopen2(f, ("/raw" + std::to_string(i)).c_str(), H5P_DEFAULT), H5Dclose};
            REQUIRE(H5Dget_offset(ds) % 4096 == 0);
        }
    }
    // 50 pages of data plus metadata; aligning metadata and chunks as well
    // would take about twice that.
    const std::size_t size = fitstore::test::read_file(path).size();
    INFO("file size " << size);
    REQUIRE(size < 50 * 4096 + (std::size_t(128) << 10));
    const auto back = load<array_bundle>(path, {mmap_mode::r});
    for (const auto& [name, array] : bundle.arrays) REQUIRE(bit_equal(back.at(name), array));
}

TEST_CASE("readers open hdf5 files that another process holds locked", "[hdf5]") {
    temp_dir dir;
    const std::string path = dir / "model.h5";
    array_bundle bundle;
    bundle.add("w", random_array(dtype::float32, {100}, 1));
    dump(bundle, path, h5_options({}));
    // HDF5 1.10 takes flock() locks unless told not to; ctest turns them off
    // through the environment, so take the variable away for this test.
    const char* saved = std::getenv("HDF5_USE_FILE_LOCKING");
    const std::string saved_value = saved ? saved : "";
    ::unsetenv("HDF5_USE_FILE_LOCKING");
    {
        // What a writing HDF5 process holds: an exclusive flock on its own descriptor.
        const int fd = ::open(path.c_str(), O_RDWR);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        h5 fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
        H5Pset_file_locking(fapl, true, false);
        h5 locking{H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose};
        REQUIRE(locking.id < 0);  // the lock is real: a locking reader is refused
        H5Eclear2(H5E_DEFAULT);
        REQUIRE(bit_equal(load<array_bundle>(path).at("w"), bundle.at("w")));
        ::close(fd);
    }
    if (saved) ::setenv("HDF5_USE_FILE_LOCKING", saved_value.c_str(), 1);
}

TEST_CASE("a damaged hdf5 chunk never loads as numbers", "[hdf5][bad]") {
    temp_dir dir;
    for (const char* text : {"none", "zlib:6", "zstd:3", "lz4", "blosc-lz4:5", "blosc-zstd:3"}) {
        INFO("codec " << text);
        const codec_spec codec = parse_codec(text, std::string(text) != "none");
        const std::string path = dir / "model.h5";
        array_bundle bundle;
        bundle.add("w", random_array(dtype::float64, {256, 4}, 11));
        dump(bundle, path, h5_options(codec));
        // Where HDF5 keeps chunk 0 (or the contiguous data).
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        {
            h5 f = open_rw(path);
            h5 ds{H5Dopen2(f, "/w", H5P_DEFAULT), H5Dclose};
            if (codec.id == codec_id::none) {
                addr = H5Dget_offset(ds);
                size = 256 * 4 * 8;
            } else {
                const hsize_t origin[2] = {0, 0};
                unsigned mask = 0;
                REQUIRE(H5Dget_chunk_info_by_coord(ds, origin, &mask, &addr, &size) >= 0);
            }
        }
        REQUIRE(addr != HADDR_UNDEF);
        std::string bytes = fitstore::test::read_file(path);
        bytes[addr + size / 2] = static_cast<char>(bytes[addr + size / 2] ^ 0x10);
        fitstore::test::write_file(path, bytes);
        try {
            read_store(path);
            FAIL("a damaged chunk loaded without error");
        } catch (const error& e) {
            INFO(e.what());
            // The file, the chunk, and the problem: its checksum, or the decoder finding the stream damaged.
            CHECK_THAT(e.what(), Catch::Contains("model.h5") && Catch::Contains("arrays.w.chunks[0]") &&
                                     (Catch::Contains("checksum mismatch") || Catch::Contains("damaged stream")));
        }
    }
}

TEST_CASE("chunks whose deflate was skipped but whose shuffle ran load through HDF5's pipeline", "[hdf5][filters]") {
    // HDF5 records the optional filters it skipped in each chunk's filter mask.
    // Chunks shuffled but not deflated (mask 2, as HDF5 stores them when deflate
    // fails) are written here with H5Dwrite_chunk: only HDF5's pipeline can undo
    // the shuffle, and the back end hands them to the engine raw. A one-chunk and
    // a several-chunk array take the engine's two read paths.
    temp_dir dir;
    const std::string path = dir / "m.h5";
    array_bundle bundle;
    bundle.add("one", random_array(dtype::float64, {500}, 21));
    bundle.add("many", random_array(dtype::float64, {5000}, 22));
    dump_options options = h5_options(parse_codec("zlib:6+shuffle"));
    options.chunk_bytes = 16384;
    dump(bundle, path, options);
    manifest m = read_store_manifest(path);
    REQUIRE(m.arrays.at("one").chunks.size() == 1);
    REQUIRE(m.arrays.at("many").chunks.size() == 3);
    {
        h5 f = open_rw(path);
        for (auto& kv : m.arrays) {
            array_record& rec = kv.second;
            h5 ds{H5Dopen2(f, ("/" + kv.first).c_str(), H5P_DEFAULT), H5Dclose};
            const auto* values = static_cast<const std::uint8_t*>(bundle.at(kv.first).data());
            rec.stored_bytes = 0;
            for (std::size_t i = 0; i < rec.chunks.size(); ++i) {
                const std::size_t first = i * rec.chunk_shape[0];
                const std::size_t n = std::min(rec.chunk_shape[0], rec.shape[0] - first);
                std::vector<std::uint8_t> raw(rec.chunk_raw_bytes(), 0), shuffled(raw.size());
                std::memcpy(raw.data(), values + first * 8, n * 8);
                fitstore::byte_shuffle(raw.data(), shuffled.data(), raw.size(), 8);
                const hsize_t offset[1] = {first};
                REQUIRE(H5Dwrite_chunk(ds, H5P_DEFAULT, 2, offset, shuffled.size(), shuffled.data()) >= 0);
                rec.chunks[i].stored_bytes = shuffled.size();
                rec.stored_bytes += shuffled.size();
                unsigned mask = 0;
                haddr_t addr = HADDR_UNDEF;
                hsize_t size = 0;
                REQUIRE(H5Dget_chunk_info_by_coord(ds, offset, &mask, &addr, &size) >= 0);
                REQUIRE(mask == 2);
            }
        }
    }
    fitstore::detail::rewrite_hdf5_manifest(path, m, false);
    const auto loaded = load<array_bundle>(path);
    REQUIRE(bit_equal(loaded.at("one"), bundle.at("one")));
    REQUIRE(bit_equal(loaded.at("many"), bundle.at("many")));
}
