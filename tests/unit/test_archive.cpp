// The persist() API: member and free persist functions, params of every kind,
// nested children, polymorphic children, type versions and migration.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

namespace demo {

struct scaler {
    ndarray<double> mean;
    bool with_mean = true;
    template <class Archive>
    void persist(Archive& ar) {  // member form
        ar.param("with_mean", with_mean);
        ar.array("mean", mean);
    }
};

struct model {
    double C = 1.0;
    float ratio = 0.5f;
    std::int64_t big = std::numeric_limits<std::int64_t>::min();
    std::uint64_t ubig = std::numeric_limits<std::uint64_t>::max();
    std::uint16_t port = 8080;
    std::int8_t small = -5;
    std::string kernel = "rbf";
    std::vector<double> grid{0.1, std::nan(""), INFINITY};
    std::vector<std::string> names{"a", "b"};
    std::vector<int> folds{1, 2, 3};
    ndarray<float> weights;
    scaler pre;
};

template <class Archive>
void persist(Archive& ar, model& m) {  // free form, found by ADL
    ar.param("C", m.C);
    ar.param("ratio", m.ratio);
    ar.param("big", m.big);
    ar.param("ubig", m.ubig);
    ar.param("port", m.port);
    ar.param("small", m.small);
    ar.param("kernel", m.kernel);
    ar.param("grid", m.grid);
    ar.param("names", m.names);
    ar.param("folds", m.folds);
    ar.array("weights", m.weights);
    ar.child("pre", m.pre);
}

// Version 2 renamed "alpha" to "C" and added "tol"; it still reads version 1 data.
struct migrating_v1 {
    double alpha = 0.25;
    template <class A>
    void persist(A& ar) { ar.param("alpha", alpha); }
};
struct migrating_v2 {
    double C = 0;
    double tol = 0;
    template <class A>
    void persist(A& ar) {
        if (A::loading() && ar.version() < 2) {
            ar.param("alpha", C);
            tol = 1e-3;  // version 1 always used the default tolerance
            return;
        }
        ar.param("C", C);
        ar.param("tol", tol);
    }
};

struct shape_base {
    virtual ~shape_base() = default;
    virtual double area() const = 0;
};
struct square : shape_base {
    double side = 0;
    double area() const override { return side * side; }
    template <class A>
    void persist(A& ar) { ar.param("side", side); }
};
struct circle : shape_base {
    double r = 0;
    double area() const override { return 3.0 * r * r; }
    template <class A>
    void persist(A& ar) { ar.param("r", r); }
};
struct drawing {
    std::shared_ptr<shape_base> first, second;
    template <class A>
    void persist(A& ar) {
        ar.child("first", first);
        ar.child("second", second);
    }
};

struct unregistered_member_type {};

}  // namespace demo

FITSTORE_REGISTER_TYPE(demo::scaler, "demo_scaler", 1)
FITSTORE_REGISTER_TYPE(demo::model, "demo_model", 3)
FITSTORE_REGISTER_TYPE(demo::migrating_v1, "migrating", 1)
FITSTORE_REGISTER_TYPE(demo::migrating_v2, "migrating", 2)
FITSTORE_REGISTER_TYPE(demo::square, "square", 1)
FITSTORE_REGISTER_TYPE(demo::circle, "circle", 1)
FITSTORE_REGISTER_TYPE(demo::drawing, "drawing", 1)
FITSTORE_REGISTER_POLYMORPHIC(demo::shape_base, demo::square)
FITSTORE_REGISTER_POLYMORPHIC(demo::shape_base, demo::circle)

TEST_CASE("params, arrays and children of a user type round-trip in every layout", "[archive]") {
    temp_dir dir;
    demo::model m;
    m.weights = ndarray<float>::from_values({2, 2}, {1.f, 2.f, 3.f, 4.f});
    m.pre.mean = ndarray<double>::from_values({0.5, -0.5});
    m.pre.with_mean = false;
    for (layout l : {layout::directory, layout::blob}) {
        dump_options options;
        options.layout = l;
        const std::string path = dir / ("m-" + std::string(layout_name(l)));
        dump(m, path, options);
        const auto back = load<demo::model>(path);
        REQUIRE(back.C == m.C);
        REQUIRE(back.ratio == m.ratio);
        REQUIRE(back.big == m.big);
        REQUIRE(back.ubig == m.ubig);
        REQUIRE(back.port == m.port);
        REQUIRE(back.small == m.small);
        REQUIRE(back.kernel == "rbf");
        REQUIRE(back.grid[0] == 0.1);
        REQUIRE(std::isnan(back.grid[1]));
        REQUIRE(std::isinf(back.grid[2]));
        REQUIRE(back.names == m.names);
        REQUIRE(back.folds == m.folds);
        REQUIRE(back.weights == m.weights);
        REQUIRE(back.pre.mean == m.pre.mean);
        REQUIRE(back.pre.with_mean == false);
        const store_contents contents = read_store(path);
        REQUIRE(contents.root.type == "demo_model");
        REQUIRE(contents.root.version == 3);
        REQUIRE(contents.root.children.at(0).second.type == "demo_scaler");
    }
}

TEST_CASE("a version-2 type migrates version-1 data", "[archive][version]") {
    temp_dir dir;
    demo::migrating_v1 old;
    old.alpha = 0.75;
    dump(old, dir / "old");
    const auto migrated = load<demo::migrating_v2>(dir / "old");
    REQUIRE(migrated.C == 0.75);
    REQUIRE(migrated.tol == 1e-3);
    demo::migrating_v2 now;
    now.C = 2;
    now.tol = 1e-4;
    dump(now, dir / "new");
    REQUIRE(load<demo::migrating_v2>(dir / "new").tol == 1e-4);
    // The old code refuses data from the newer type version.
    REQUIRE_THROWS_AS(load<demo::migrating_v1>(dir / "new"), version_error);
}

TEST_CASE("polymorphic children are rebuilt through the registry only", "[archive]") {
    temp_dir dir;
    demo::drawing d;
    auto sq = std::make_shared<demo::square>();
    sq->side = 2;
    auto ci = std::make_shared<demo::circle>();
    ci->r = 1;
    d.first = sq;
    d.second = ci;
    dump(d, dir / "d");
    const auto back = load<demo::drawing>(dir / "d");
    REQUIRE(back.first->area() == 4.0);
    REQUIRE(back.second->area() == 3.0);
    REQUIRE(dynamic_cast<demo::circle*>(back.second.get()) != nullptr);
}

TEST_CASE("params with the wrong JSON type are refused with the field", "[archive][bad]") {
    stored_object node;
    node.type = "demo_scaler";
    node.params["with_mean"] = 1;  // an integer, not a bool
    node.arrays.emplace_back("mean", ndarray<double>::from_values({1.0}).as_any());
    demo::scaler s;
    REQUIRE_THROWS_WITH(load_object(node, s, "", "f"), Catch::Contains("params.with_mean") &&
                                                          Catch::Contains("expected a boolean"));
    node.params["with_mean"] = true;
    node.arrays.clear();
    node.arrays.emplace_back("mean", ndarray<float>::from_values({1.0f}).as_any());
    REQUIRE_THROWS_WITH(load_object(node, s, "", "f"), Catch::Contains("arrays.mean") &&
                                                          Catch::Contains("expected dtype float64, found float32"));
    node.arrays.clear();
    REQUIRE_THROWS_WITH(load_object(node, s, "", "f"), Catch::Contains("required array is missing"));
}

TEST_CASE("integer params outside their C++ type's range are refused", "[archive][bad]") {
    // A complete, valid node (every param and array present), so the only
    // thing wrong is the one integer each case replaces.
    demo::model original;
    original.weights = ndarray<float>::from_values({1}, {1.f});
    original.pre.mean = ndarray<double>::from_values({0.5});
    stored_object valid;
    save_object(original, valid);
    demo::model m;
    load_object(valid, m, "", "f");  // loads as is
    REQUIRE(m.port == 8080);

    auto refused = [&](const std::string& field, const nlohmann::json& value, const std::string& range) {
        INFO("params." << field << " = " << value.dump());
        stored_object node = valid;
        node.params[field] = value;
        demo::model out;
        REQUIRE_THROWS_WITH(load_object(node, out, "", "f"), Catch::Contains("params." + field) &&
                                                                Catch::Contains("out of range " + range));
    };
    // int8: both ends, whether the JSON number is signed or unsigned.
    refused("small", 300, "[-128, 127]");
    refused("small", 128u, "[-128, 127]");
    refused("small", -129, "[-128, 127]");
    // uint16: a non-negative *signed* JSON integer above the bound (what a
    // C++ int produces) as well as an unsigned one, and a negative one.
    refused("port", 65536, "[0, 65535]");
    refused("port", 65536u, "[0, 65535]");
    refused("port", -1, "[0, 65535]");
    // int64 from an unsigned JSON number above INT64_MAX.
    refused("big", std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1,
            "[-9223372036854775808, 9223372036854775807]");
    // The bounds themselves load.
    stored_object edge = valid;
    edge.params["small"] = -128;
    edge.params["port"] = 65535;
    load_object(edge, m, "", "f");
    REQUIRE(m.small == -128);
    REQUIRE(m.port == 65535);
}

TEST_CASE("invalid member names are refused when saving", "[archive][bad]") {
    stored_object node;
    save_archive ar(node, 1);
    auto a = ndarray<double>::from_values({1.0});
    REQUIRE_THROWS_WITH(ar.array("../escape", a), Catch::Contains("names must be"));
    REQUIRE_THROWS_WITH(ar.array("", a), Catch::Contains("names must be"));
    ar.array("ok", a);
    REQUIRE_THROWS_WITH(ar.array("ok", a), Catch::Contains("already used"));
}
