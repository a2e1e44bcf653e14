// The .npy reader and writer: round trips, files made by numpy
// (tests/data/npy, made by tests/data/make_npy_golden.py), numpy reading what
// fitstore writes, and hostile input.
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "fitstore/npy.hpp"

namespace fs = std::filesystem;
using namespace fitstore;
using Catch::Contains;

namespace {

const std::vector<dtype> k_all_dtypes{dtype::bool_,  dtype::int8,   dtype::int16,  dtype::int32,
                                      dtype::int64,  dtype::uint8,  dtype::uint16, dtype::uint32,
                                      dtype::uint64, dtype::float32, dtype::float64};

const std::string k_data_dir = std::string(FITSTORE_TEST_DATA) + "/npy";

// Calls f(T{}) with the C++ element type of `t`.
template <class F>
void dispatch(dtype t, F&& f) {
    switch (t) {
        case dtype::bool_: return f(bool{});
        case dtype::int8: return f(std::int8_t{});
        case dtype::int16: return f(std::int16_t{});
        case dtype::int32: return f(std::int32_t{});
        case dtype::int64: return f(std::int64_t{});
        case dtype::uint8: return f(std::uint8_t{});
        case dtype::uint16: return f(std::uint16_t{});
        case dtype::uint32: return f(std::uint32_t{});
        case dtype::uint64: return f(std::uint64_t{});
        case dtype::float32: return f(float{});
        case dtype::float64: return f(double{});
    }
}

// Mirrors expected_values() in tests/data/make_npy_golden.py.
template <class T>
T expected_value(std::size_t i) {
    if constexpr (std::is_same_v<T, bool>)
        return i % 3 == 0;
    else if constexpr (std::is_floating_point_v<T>)
        return static_cast<T>(i) * T(0.5) - T(2);
    else if constexpr (std::is_signed_v<T>)
        return static_cast<T>(static_cast<long long>(i) - 3);
    else
        return static_cast<T>(i);
}

any_array expected_array(dtype t, const shape_t& shape) {
    any_array a = any_array::allocate(t, shape);
    dispatch(t, [&](auto tag) {
        using T = decltype(tag);
        T* p = static_cast<T*>(a.mutable_data());
        for (std::size_t i = 0; i < a.size(); ++i) p[i] = expected_value<T>(i);
    });
    return a;
}

void require_same(const any_array& got, const any_array& want) {
    REQUIRE(dtype_name(got.type()) == dtype_name(want.type()));
    REQUIRE(shape_to_string(got.shape()) == shape_to_string(want.shape()));
    REQUIRE(got.nbytes() == want.nbytes());
    if (want.nbytes() != 0) REQUIRE(std::memcmp(got.data(), want.data(), want.nbytes()) == 0);
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out);
}

// A .npy made by hand: magic, version major.0, the header length field
// (`header_len` or the dict's length), the dict, then `data_bytes` zero bytes.
std::vector<std::uint8_t> craft_npy(const std::string& dict, unsigned major = 1, std::size_t data_bytes = 0,
                                    std::size_t header_len = std::string::npos) {
    if (header_len == std::string::npos) header_len = dict.size();
    std::vector<std::uint8_t> out{0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
    for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i) out.push_back((header_len >> (8 * i)) & 0xff);
    out.insert(out.end(), dict.begin(), dict.end());
    out.resize(out.size() + data_bytes, 0);
    return out;
}

any_array read_crafted(const std::vector<std::uint8_t>& bytes) { return read_npy_bytes(bytes.data(), bytes.size(), "crafted.npy"); }

// A fresh folder under /tmp, removed with everything in it at scope exit.
struct temp_dir {
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "fitstore-npy-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    fs::path path;
};

const std::vector<shape_t> k_shapes{shape_t{}, shape_t{0, 3}, shape_t{1}, shape_t{2, 3, 4}};

}  // namespace

TEST_CASE("npy round-trips every dtype and shape in memory and on disk", "[npy]") {
    temp_dir dir;
    for (dtype t : k_all_dtypes) {
        for (const shape_t& shape : k_shapes) {
            CAPTURE(dtype_name(t), shape_to_string(shape));
            const any_array a = expected_array(t, shape);
            const std::vector<std::uint8_t> bytes = write_npy_bytes(a);
            REQUIRE(bytes.size() >= a.nbytes() + 64);
            REQUIRE(std::memcmp(bytes.data(), "\x93NUMPY\x01\x00", 8) == 0);
            const std::size_t data_offset = bytes.size() - a.nbytes();
            REQUIRE(data_offset % 64 == 0);
            REQUIRE(bytes[data_offset - 1] == '\n');
            REQUIRE(bytes[8] + 256u * bytes[9] == data_offset - 10);
            require_same(read_npy_bytes(bytes.data(), bytes.size(), "mem"), a);

            const std::string path = (dir.path / "a.npy").string();
            write_npy(path, a);
            REQUIRE(read_file(path) == bytes);
            require_same(read_npy(path), a);
        }
    }
    REQUIRE(dir.entries() == std::vector<std::string>{"a.npy"});  // no temporary files left behind
}

TEST_CASE("npy writer uses numpy's descr and shape spelling", "[npy]") {
    auto header_of = [](dtype t, const shape_t& shape) {
        const auto bytes = write_npy_bytes(any_array::allocate(t, shape));
        return std::string(bytes.begin() + 10, bytes.end() - static_cast<std::ptrdiff_t>(byte_count(shape, t)));
    };
    CHECK_THAT(header_of(dtype::bool_, {2}), Contains("'descr': '|b1'") && Contains("'shape': (2,)"));
    CHECK_THAT(header_of(dtype::int64, {2, 3}), Contains("'descr': '<i8'") && Contains("'shape': (2, 3)"));
    CHECK_THAT(header_of(dtype::float32, {}), Contains("'descr': '<f4'") && Contains("'shape': ()"));
    CHECK_THAT(header_of(dtype::uint8, {0, 3}), Contains("'descr': '|u1'") && Contains("'fortran_order': False"));
}

TEST_CASE("npy reads files written by numpy", "[npy]") {
    SECTION("little-endian, every dtype") {
        for (dtype t : k_all_dtypes) {
            CAPTURE(dtype_name(t));
            require_same(read_npy(k_data_dir + "/le_" + std::string(dtype_name(t)) + ".npy"),
                         expected_array(t, {2, 3}));
        }
    }
    SECTION("big-endian is converted to little-endian") {
        for (dtype t : k_all_dtypes) {
            if (itemsize(t) == 1) continue;
            CAPTURE(dtype_name(t));
            require_same(read_npy(k_data_dir + "/be_" + std::string(dtype_name(t)) + ".npy"),
                         expected_array(t, {3, 4}));
        }
    }
    SECTION("fortran order is converted to C order") {
        require_same(read_npy(k_data_dir + "/fortran_f8_3d.npy"), expected_array(dtype::float64, {2, 3, 4}));
        require_same(read_npy(k_data_dir + "/fortran_i2_2d.npy"), expected_array(dtype::int16, {3, 5}));
        require_same(read_npy(k_data_dir + "/fortran_be_f4_3d.npy"), expected_array(dtype::float32, {4, 2, 3}));
    }
    SECTION("format versions 2.0 and 3.0") {
        REQUIRE(read_file(k_data_dir + "/v2_i8.npy")[6] == 2);
        require_same(read_npy(k_data_dir + "/v2_i8.npy"), expected_array(dtype::int64, {5, 2}));
        REQUIRE(read_file(k_data_dir + "/v3_f4.npy")[6] == 3);
        require_same(read_npy(k_data_dir + "/v3_f4.npy"), expected_array(dtype::float32, {7}));
    }
    SECTION("a header length byte >= 128 (long shape)") {
        REQUIRE(read_file(k_data_dir + "/long_shape_f8.npy")[8] >= 128);
        shape_t shape(24, 1);
        shape.front() = 2;
        shape.back() = 3;
        require_same(read_npy(k_data_dir + "/long_shape_f8.npy"), expected_array(dtype::float64, shape));
    }
    SECTION("0-d, empty and bool") {
        require_same(read_npy(k_data_dir + "/scalar_f8.npy"), expected_array(dtype::float64, {}));
        require_same(read_npy(k_data_dir + "/empty_0x3_f4.npy"), expected_array(dtype::float32, {0, 3}));
        require_same(read_npy(k_data_dir + "/bool_3d.npy"), expected_array(dtype::bool_, {2, 2, 5}));
    }
}

TEST_CASE("numpy reads what npy writes", "[npy]") {
    temp_dir dir;
    std::ofstream manifest(dir.path / "manifest.txt");
    for (dtype t : k_all_dtypes) {
        for (std::size_t s = 0; s < k_shapes.size(); ++s) {
            const std::string name = std::string(dtype_name(t)) + "_" + std::to_string(s) + ".npy";
            write_npy((dir.path / name).string(), expected_array(t, k_shapes[s]));
            manifest << name << ' ' << numpy_typestr(t);
            for (std::size_t d : k_shapes[s]) manifest << ' ' << d;
            manifest << '\n';
        }
    }
    manifest.close();
    const std::string log = (dir.path / "check.log").string();
    const std::string command = "/usr/bin/python3 " + std::string(FITSTORE_TEST_DATA) + "/check_npy_written.py " +
                                dir.path.string() + " > " + log + " 2>&1";
    const int rc = std::system(command.c_str());
    const auto output = read_file(log);
    INFO(std::string(output.begin(), output.end()));
    REQUIRE(rc == 0);
    REQUIRE_THAT(std::string(output.begin(), output.end()), Contains("checked 44 files, 0 problems"));
}

TEST_CASE("npy header parser accepts numpy's grammar variants", "[npy]") {
    const auto want = expected_array(dtype::float64, {1, 3});
    const std::vector<std::string> dicts{
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }",
        "{'shape': (1, 3), 'fortran_order': False, 'descr': '<f8'}",      // any order, no trailing comma
        "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(1,3,)}",  // double quotes, no spaces
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 3L), }",  // Python 2 longs
        "{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (1, 3)}   \n",
    };
    for (unsigned major : {1u, 2u, 3u}) {
        for (const auto& dict : dicts) {
            CAPTURE(major, dict);
            auto bytes = craft_npy(dict, major);
            const auto* p = static_cast<const std::uint8_t*>(want.data());
            bytes.insert(bytes.end(), p, p + want.nbytes());
            require_same(read_crafted(bytes), want);
        }
    }
}

TEST_CASE("npy converts a 4-d fortran-order array made by hand", "[npy]") {
    const shape_t shape{2, 3, 1, 4};
    const auto want = expected_array(dtype::int32, shape);
    std::vector<std::int32_t> fortran(want.size());
    const auto* c = static_cast<const std::int32_t*>(want.data());
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t l = 0; l < 4; ++l) fortran[i + 2 * j + 6 * l] = c[(i * 3 + j) * 4 + l];
    auto bytes = craft_npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 1, 4), }");
    const auto* p = reinterpret_cast<const std::uint8_t*>(fortran.data());
    bytes.insert(bytes.end(), p, p + fortran.size() * 4);
    require_same(read_crafted(bytes), want);
}

TEST_CASE("npy refuses bad input with a message naming the problem", "[npy]") {
    const auto good = write_npy_bytes(expected_array(dtype::float64, {2, 3}));
    SECTION("truncated data") {
        auto bytes = good;
        bytes.pop_back();
        REQUIRE_THROWS_AS(read_crafted(bytes), format_error);
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("crafted.npy: data: truncated") &&
                                                     Contains("expected 48 data bytes") && Contains("found 47"));
        temp_dir dir;
        const std::string path = (dir.path / "cut.npy").string();
        write_file(path, bytes);
        REQUIRE_THROWS_WITH(read_npy(path), Contains(path) && Contains("truncated"));
    }
    SECTION("trailing data") {
        auto bytes = good;
        bytes.push_back(0);
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("trailing bytes") && Contains("found 49"));
    }
    SECTION("bad magic") {
        auto bytes = good;
        bytes[1] = 'X';
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("magic") && Contains("found \"\\x93XUMPY\""));
        REQUIRE_THROWS_WITH(read_npy_bytes(nullptr, 0, "empty.npy"), Contains("empty.npy: magic"));
        REQUIRE_THROWS_WITH(read_npy_bytes(good.data(), 7, "short.npy"), Contains("short.npy: version"));
    }
    SECTION("unknown version") {
        auto bytes = good;
        bytes[6] = 4;
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("version 1.0, 2.0 or 3.0, found 4.0"));
    }
    SECTION("header too long") {
        const auto bytes = craft_npy(std::string(100, ' '), 2, 100000, 100000);
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("header_len") && Contains("at most 65536") &&
                                                     Contains("found a header length of 100000"));
    }
    SECTION("header length larger than the file") {
        const auto bytes = craft_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 1, 0, 500);
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("header_len") && Contains("header length 500 is larger"));
    }
    SECTION("unsupported dtypes from numpy") {
        REQUIRE_THROWS_WITH(read_npy(k_data_dir + "/object.npy"),
                            Contains("object.npy: descr") && Contains("object arrays") && Contains("'|O'"));
        REQUIRE_THROWS_WITH(read_npy(k_data_dir + "/unicode.npy"), Contains("descr") && Contains("string dtypes"));
        REQUIRE_THROWS_WITH(read_npy(k_data_dir + "/complex.npy"), Contains("descr") && Contains("complex"));
        REQUIRE_THROWS_WITH(read_npy(k_data_dir + "/structured.npy"), Contains("descr") && Contains("structured"));
        REQUIRE_THROWS_WITH(read_crafted(craft_npy("{'descr': '<f2', 'fortran_order': False, 'shape': (), }", 1, 2)),
                            Contains("descr") && Contains("found \"<f2\""));
    }
    SECTION("malformed header dict") {
        const std::vector<std::pair<std::string, std::string>> cases{
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3), }", "shape: expected ',' after the only dimension"},
            {"{'descr': '<f8', 'shape': (3,), }", "fortran_order: the header dict has no 'fortran_order' key"},
            {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}", "appears twice"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "found key 'extra'"},
            {"{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}", "fortran_order: expected True or False"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}", "non-negative integer"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (03,)}", "leading zeros"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3 4)}", "',' or ')'"},
            {"{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}", "descr: expected a numpy typestr"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,)", "',' or '}'"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} x", "after the header dict"},
            {"{'descr: '<f8'}", "expected ':'"},
            {"{'descr", "closing quote"},
            {"['descr']", "'{' opening the header dict"},
            {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "fits in 64 bits"},
            {"", "'{' opening the header dict"},
        };
        for (const auto& [dict, message] : cases) {
            CAPTURE(dict);
            REQUIRE_THROWS_WITH(read_crafted(craft_npy(dict, 1, 24)), Contains("crafted.npy") && Contains(message));
        }
        std::string rank33 = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
        for (int i = 0; i < 33; ++i) rank33 += "1, ";
        REQUIRE_THROWS_WITH(read_crafted(craft_npy(rank33 + ")}", 1, 8)), Contains("at most 32 dimensions"));
    }
    SECTION("shape overflow is caught before allocation") {
        const auto bytes =
            craft_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }");
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("crafted.npy: shape") && Contains("overflows"));
        const auto huge = craft_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000), }");
        REQUIRE_THROWS_WITH(read_crafted(huge), Contains("data: truncated") && Contains("found 0"));
    }
    SECTION("bool bytes other than 0 and 1") {
        auto bytes = write_npy_bytes(expected_array(dtype::bool_, {2, 3}));
        bytes[bytes.size() - 2] = 2;
        REQUIRE_THROWS_WITH(read_crafted(bytes), Contains("data: expected bool bytes 0 or 1, found 2 at element 4"));
    }
    SECTION("missing file") {
        REQUIRE_THROWS_AS(read_npy("/nonexistent/x.npy"), io_error);
        REQUIRE_THROWS_WITH(read_npy("/nonexistent/x.npy"), Contains("/nonexistent/x.npy") && Contains("cannot open"));
    }
}

TEST_CASE("write_npy replaces atomically and leaves no temporary file on failure", "[npy]") {
    temp_dir dir;
    const std::string path = (dir.path / "a.npy").string();
    write_npy(path, expected_array(dtype::int32, {4}));
    write_npy(path, expected_array(dtype::float64, {2, 2}));
    require_same(read_npy(path), expected_array(dtype::float64, {2, 2}));

    fs::create_directory(dir.path / "taken");
    REQUIRE_THROWS_AS(write_npy((dir.path / "taken").string(), expected_array(dtype::int8, {3})), io_error);
    REQUIRE_THROWS_WITH(write_npy((dir.path / "taken").string(), expected_array(dtype::int8, {3})),
                        Contains("found a folder"));
    REQUIRE(fs::is_directory(dir.path / "taken"));
    // The message names the file asked for and the missing folder, not a temporary.
    REQUIRE_THROWS_WITH(write_npy((dir.path / "missing" / "b.npy").string(), expected_array(dtype::int8, {3})),
                        Contains((dir.path / "missing" / "b.npy").string() + ": cannot write here: the folder") &&
                            Contains("missing does not exist") && !Contains(".tmp-"));

    // A write failing half way (file size limit: EFBIG instead of SIGXFSZ) keeps the old file and no temporary.
    rlimit old_limit{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old_limit;
    small.rlim_cur = 4096;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    bool threw = false;
    std::string message;
    try {
        write_npy(path, expected_array(dtype::float64, {1000}));
    } catch (const io_error& e) {
        threw = true;
        message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old_limit);
    std::signal(SIGXFSZ, old_handler);
    REQUIRE(threw);
    REQUIRE_THAT(message, Contains("write failed") && Contains("File too large"));
    require_same(read_npy(path), expected_array(dtype::float64, {2, 2}));
    REQUIRE(dir.entries() == std::vector<std::string>{"a.npy", "taken"});
}
