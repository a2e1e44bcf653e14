// Stores written by the Python package (tests/data/python-1.0, made by its
// make_python_golden.py) read from C++ as python_value trees, in every layout,
// copied and mapped; and FORMAT.md section 9 violations refused by name.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "fitstore/python_value.hpp"
#include "test_support.hpp"

using namespace fitstore;
using kind = python_value::kind;

namespace {

const std::string golden = std::string(FITSTORE_TEST_DATA) + "/python-1.0/";

template <class T>
T scalar_of(const python_value& v) {
    T t{};
    REQUIRE(v.as_array().rank() == 0);
    std::memcpy(&t, v.as_array().data(), sizeof t);
    return t;
}

void check_golden(const python_value& v) {
    REQUIRE(v.type() == kind::dict);
    REQUIRE(v.size() == 13);
    REQUIRE(v.items()[0].first == "weights");  // insertion order kept

    const auto w = v["weights"].array<double>();
    REQUIRE(w.shape() == shape_t{32, 8});
    for (std::size_t i = 0; i < w.size(); ++i) REQUIRE(w[i] == double(i) / 8);
    const auto labels = v["labels"].array<std::int32_t>();  // Fortran-ordered in Python, C-ordered here
    REQUIRE(labels.shape() == shape_t{30, 10});
    for (std::size_t i = 0; i < labels.size(); ++i) REQUIRE(labels[i] == std::int32_t(i));

    const python_value& p = v["params"];
    REQUIRE(p["C"].as_double() == 1.5);
    REQUIRE(p["kernel"].as_string() == "rbf");
    REQUIRE(std::isnan(p["nan"].as_double()));
    REQUIRE(p["inf"].as_double() == -INFINITY);
    REQUIRE(p["big"].as_int() == (std::int64_t(1) << 62));
    REQUIRE(p["neg"].as_int() == -7);
    REQUIRE(p["flag"].as_bool());
    REQUIRE(p["none"].is_none());

    const auto small = v["small"].array<std::uint16_t>();
    REQUIRE(small == ndarray<std::uint16_t>::from_values(shape_t{3}, {1, 2, 3}));
    const auto mask = v["mask"].array<bool>();
    REQUIRE(mask.size() == 3);
    REQUIRE((mask[0] && !mask[1] && mask[2]));
    REQUIRE(v["scalar32"].is_numpy_scalar());
    REQUIRE(scalar_of<float>(v["scalar32"]) == 0.25f);
    REQUIRE(scalar_of<std::uint64_t>(v["u64"]) == ~std::uint64_t(0));
    REQUIRE(scalar_of<std::int8_t>(v["i8"]) == -128);
    REQUIRE(v["bytes"].type() == kind::bytes);
    REQUIRE(v["bytes"].as_string() == std::string("\x00\x01\xff", 3));
    REQUIRE(v["text"].as_string() == "caf\xc3\xa9");

    const python_value& weird = v["weird key/"];  // stored as member _py10
    REQUIRE(weird.type() == kind::list);
    REQUIRE(weird[0].as_int() == 1);
    REQUIRE(weird[1].type() == kind::tuple);
    REQUIRE(weird[1][1].as_string() == "x");
    REQUIRE(weird[2].size() == 0);

    REQUIRE(v["blob"].type() == kind::bytes);
    REQUIRE(v["blob"].as_string().size() == 2048);
    REQUIRE(static_cast<unsigned char>(v["blob"].as_string()[255]) == 255);
    REQUIRE(v["long_text"].as_string().size() == 1500);
}

}  // namespace

TEST_CASE("stores written by the Python package load as python_value in every layout", "[python_value]") {
    for (const char* name : {"py-directory", "py-blob.fitstore", "py-hdf5.h5"}) {
        INFO(name);
        check_golden(load_python_value(golden + name));
        const python_value mapped = load_python_value(golden + name, {mmap_mode::r});
        check_golden(mapped);
        // Uncompressed only in the blob (zstd:3 and zlib:1 in the others: decompressed).
        REQUIRE(mapped["weights"].as_array().is_mapped() == (std::string(name) == "py-blob.fitstore"));
    }
    const python_value root = load_python_value(golden + "py-root-array.fitstore");
    REQUIRE(root.as_array().shape() == shape_t{300});
    REQUIRE(root.array<std::int64_t>()[299] == 299);
    const std::string bytes = test::read_file(golden + "py-blob.fitstore");
    check_golden(loads_python_value(bytes.data(), bytes.size()));
}

TEST_CASE("python_value accessors name the kind they found", "[python_value]") {
    const python_value v = load_python_value(golden + "py-blob.fitstore");
    REQUIRE_THROWS_WITH(v["params"]["C"].as_int(), Catch::Contains("expected int, found float"));
    REQUIRE_THROWS_WITH(v["missing"], Catch::Contains("dict has no key \"missing\""));
    REQUIRE_THROWS_WITH(v["weird key/"][7], Catch::Contains("index 7 out of range (size 3)"));
    REQUIRE_THROWS_AS(v["weights"]["x"], type_error);
}

TEST_CASE("stores that break FORMAT.md section 9 are refused by field", "[python_value]") {
    store_contents contents = read_store(golden + "py-blob.fitstore");
    stored_object& root = contents.root;
    SECTION("not a Python value") {
        root.type = "array_bundle";
        REQUIRE_THROWS_AS(to_python_value(root, "f"), type_error);
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("expected a Python value"));
    }
    SECTION("newer py_dict version") {
        root.version = 2;
        REQUIRE_THROWS_AS(to_python_value(root, "f"), version_error);
    }
    SECTION("keys that are not strings") {
        root.params["_py_keys"] = {1, 2};
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("root.params._py_keys") &&
                                                            Catch::Contains("expected a list of strings"));
    }
    SECTION("a missing member") {
        root.params["_py_keys"].push_back("gone");
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("member \"gone\" is missing"));
    }
    SECTION("inline array whose bytes do not match its shape") {
        root.params["small"]["shape"] = {1000000};
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("root.params.small") &&
                                                            Catch::Contains("expected 2000000"));
    }
    SECTION("bool bytes other than 0 and 1") {
        root.params["mask"]["base64"] = "AgAB";
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("bool elements must be 0 or 1"));
    }
    SECTION("bad base64") {
        root.params["bytes"]["base64"] = "AA!A";
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("invalid base64 character"));
    }
    SECTION("numpy scalar out of its dtype's range") {
        root.params["i8"]["value"] = 300;
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("expected an integer in -128..127"));
    }
    SECTION("unknown tag") {
        root.params["C_like"] = {{"_py", "pickle"}, {"data", "gASV"}};
        root.params["_py_keys"].push_back("C_like");
        REQUIRE_THROWS_WITH(to_python_value(root, "f"), Catch::Contains("unknown value tag \"pickle\""));
    }
}
