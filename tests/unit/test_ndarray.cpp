// ndarray's construction API (named factories, no brace list that can mean a
// shape), wrapping memory without a copy, element access, equality and the
// element types that map to dtypes.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "fitstore/array_bundle.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;

namespace {

// True when `A({100000, 64})` compiles (the trap: it used to pick the
// values constructor and make a 1-D array of two floats).
template <class A, class = void>
struct paren_brace_compiles : std::false_type {};
template <class A>
struct paren_brace_compiles<A, std::void_t<decltype(A({100000, 64}))>> : std::true_type {};

// True when `A{100000, 64}` compiles.
template <class A, class = void>
struct brace_compiles : std::false_type {};
template <class A>
struct brace_compiles<A, std::void_t<decltype(A{100000, 64})>> : std::true_type {};

}  // namespace

TEST_CASE("a brace list can never be taken for a shape or for values by a constructor", "[ndarray]") {
    CHECK_FALSE(paren_brace_compiles<ndarray<float>>::value);
    CHECK_FALSE(brace_compiles<ndarray<float>>::value);
    CHECK_FALSE(paren_brace_compiles<ndarray<std::size_t>>::value);
    CHECK_FALSE(brace_compiles<ndarray<double>>::value);
    // The shape constructor takes a shape_t object, explicitly.
    CHECK(std::is_constructible_v<ndarray<float>, shape_t>);
    CHECK_FALSE(std::is_convertible_v<shape_t, ndarray<float>>);
    const ndarray<float> s(shape_t{3, 2});
    REQUIRE(s.shape() == shape_t{3, 2});
    for (float v : s) CHECK(v == 0.0f);
}

TEST_CASE("named factories make the shape they are given", "[ndarray]") {
    const auto z = ndarray<float>::zeros({100, 64});
    REQUIRE(z.shape() == shape_t{100, 64});
    REQUIRE(z.size() == 6400);
    for (float v : z) REQUIRE(v == 0.0f);

    auto e = ndarray<std::int32_t>::empty({5, 4});
    REQUIRE(e.shape() == shape_t{5, 4});
    for (std::size_t i = 0; i < e.size(); ++i) e.mutable_data()[i] = static_cast<std::int32_t>(i);
    REQUIRE(e(4, 3) == 19);

    const auto f = ndarray<double>::full({2, 3}, 1.5);
    REQUIRE(f.shape() == shape_t{2, 3});
    for (double v : f) REQUIRE(v == 1.5);

    const auto v = ndarray<double>::from_values({1.0, 2.0, 3.0});
    REQUIRE(v.shape() == shape_t{3});
    REQUIRE(v[2] == 3.0);

    const auto m = ndarray<float>::from_values({2, 2}, {1.f, 2.f, 3.f, 4.f});
    REQUIRE(m.shape() == shape_t{2, 2});
    REQUIRE(m(1, 0) == 3.f);

    REQUIRE_THROWS_AS(ndarray<float>::from_values({2, 3}, {1.f, 2.f}), usage_error);
    REQUIRE_THROWS_WITH(ndarray<float>::from_values({2, 3}, {1.f, 2.f}),
                        Catch::Contains("2 values given for shape [2, 3]"));
}

TEST_CASE("wrap takes a moved std::vector without copying", "[ndarray]") {
    std::vector<float> values(6000);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
    const float* buffer = values.data();
    const auto a = ndarray<float>::wrap({1000, 6}, std::move(values));
    REQUIRE(a.data() == buffer);  // the same memory: no copy
    REQUIRE(a.shape() == shape_t{1000, 6});
    REQUIRE(a(999, 5) == 5999 * 0.5f);
    REQUIRE(a.storage() == storage_kind::heap);

    std::vector<double> wrong(5);
    REQUIRE_THROWS_WITH(ndarray<double>::wrap({2, 3}, std::move(wrong)), Catch::Contains("5 values given for shape [2, 3]"));
}

TEST_CASE("wrap views a caller's buffer and keeps its owner alive", "[ndarray]") {
    bool released = false;
    auto storage = std::shared_ptr<std::vector<double>>(new std::vector<double>(12, 2.0), [&](std::vector<double>* p) {
        released = true;
        delete p;
    });
    double* raw = storage->data();
    raw[7] = -1.0;
    ndarray<double> a = ndarray<double>::wrap({3, 4}, raw, storage);
    storage.reset();  // the ndarray is now the only owner
    REQUIRE_FALSE(released);
    REQUIRE(a.data() == raw);
    REQUIRE(a(1, 3) == -1.0);
    a.mutable_at(2, 0) = 9.0;
    REQUIRE(raw[8] == 9.0);  // writes reach the caller's buffer

    // Stored straight from the wrapped memory, read back bit for bit.
    {
        test::temp_dir dir;
        array_bundle bundle;
        bundle.add("a", a);
        dump(bundle, dir / "w");
        const auto back = load<array_bundle>(dir / "w").get<double>("a");
        REQUIRE(bit_equal(back, a));
    }

    a = ndarray<double>();
    REQUIRE(released);

    REQUIRE_THROWS_WITH(ndarray<double>::wrap({2}, raw, nullptr), Catch::Contains("owner is required"));
    REQUIRE_THROWS_WITH(ndarray<double>::wrap({2}, nullptr, std::make_shared<int>(0)), Catch::Contains("null data"));
}

TEST_CASE("(i, j, ...) reads and writes C-order elements", "[ndarray]") {
    auto a = ndarray<std::int64_t>::zeros({2, 3, 4});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) a.mutable_at(i, j, k) = static_cast<std::int64_t>(100 * i + 10 * j + k);
    REQUIRE(a(1, 2, 3) == 123);
    REQUIRE(a(0, 1, 2) == 12);
    REQUIRE(a[1 * 12 + 2 * 4 + 3] == 123);
    REQUIRE(a(1, 0, 0) == 100);
}

TEST_CASE("== compares values (NaN != NaN); bit_equal compares bytes", "[ndarray]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto a = ndarray<double>::from_values({1.0, nan});
    const auto b = a.copy();
    CHECK_FALSE(a == b);  // documented: NaN is not equal to itself
    CHECK(a != b);
    CHECK(bit_equal(a, b));

    const auto pz = ndarray<double>::from_values({0.0});
    const auto nz = ndarray<double>::from_values({-0.0});
    CHECK(pz == nz);
    CHECK_FALSE(bit_equal(pz, nz));

    // Shape matters to both.
    const auto flat = ndarray<float>::from_values({1.f, 2.f, 3.f, 4.f});
    const auto square = ndarray<float>::from_values({2, 2}, {1.f, 2.f, 3.f, 4.f});
    CHECK_FALSE(flat == square);
    CHECK_FALSE(bit_equal(flat, square));
    // So does the dtype, for type-erased arrays.
    CHECK_FALSE(bit_equal(ndarray<std::int32_t>::zeros({2}).as_any(), ndarray<float>::zeros({2}).as_any()));
}

TEST_CASE("long long, unsigned long long, size_t and ptrdiff_t are the 64-bit dtypes", "[ndarray][dtype]") {
    STATIC_REQUIRE(dtype_of_v<long long> == dtype::int64);
    STATIC_REQUIRE(dtype_of_v<unsigned long long> == dtype::uint64);
    STATIC_REQUIRE(dtype_of_v<std::size_t> == dtype::uint64);
    STATIC_REQUIRE(dtype_of_v<std::ptrdiff_t> == dtype::int64);
    STATIC_REQUIRE(dtype_of_v<long> == dtype::int64);
    STATIC_REQUIRE(dtype_of_v<const int> == dtype::int32);
    STATIC_REQUIRE(dtype_of_v<signed char> == dtype::int8);
    STATIC_REQUIRE(dtype_of_v<unsigned short> == dtype::uint16);
    STATIC_REQUIRE_FALSE(is_element_type_v<char>);
    STATIC_REQUIRE_FALSE(is_element_type_v<long double>);

    // An array of long long written by one alias reads back as another of the same width.
    const auto ll = ndarray<long long>::from_values({-1, 1LL << 40, std::numeric_limits<long long>::min()});
    const auto sz = ndarray<std::size_t>::from_values({0, std::numeric_limits<std::size_t>::max()});
    array_bundle bundle;
    bundle.add("ll", ll);
    bundle.add("sz", sz);
    const auto back = loads<array_bundle>(dumps(bundle));
    REQUIRE(back.at("ll").type() == dtype::int64);
    REQUIRE(back.at("sz").type() == dtype::uint64);
    REQUIRE(bit_equal(back.get<long long>("ll"), ll));
    REQUIRE(back.get<std::int64_t>("ll")[2] == std::numeric_limits<std::int64_t>::min());
    REQUIRE(bit_equal(back.get<unsigned long long>("sz").as_any(), sz.as_any()));
    REQUIRE(back.get<std::ptrdiff_t>("ll")[1] == (1LL << 40));
}
