// ndarray's (i, j, ...) access as a debug build sees it: index count and
// bounds checked. Built as its own program with FITSTORE_CHECK_BOUNDS, because
// the Release test suite defines NDEBUG (which turns the checks off).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdint>

#include "fitstore/ndarray.hpp"

using namespace fitstore;

TEST_CASE("checked builds refuse out-of-range and wrong-rank indices", "[ndarray][checked]") {
    auto a = ndarray<float>::zeros({3, 4});
    a.mutable_at(2, 3) = 7.f;
    REQUIRE(a(2, 3) == 7.f);
    REQUIRE_THROWS_WITH(a(3, 0), Catch::Contains("index 3 out of range for axis 0 of shape [3, 4]"));
    REQUIRE_THROWS_WITH(a(0, 4), Catch::Contains("index 4 out of range for axis 1 of shape [3, 4]"));
    REQUIRE_THROWS_WITH(a(-1, 0), Catch::Contains("index -1 out of range for axis 0"));
    REQUIRE_THROWS_WITH(a(1), Catch::Contains("1 indices given for a rank-2 array"));
    REQUIRE_THROWS_WITH(a(1, 2, 0), Catch::Contains("3 indices given for a rank-2 array"));
    REQUIRE_THROWS_AS(a.mutable_at(0, 9), usage_error);
    const auto scalar = ndarray<std::int32_t>::zeros({});
    REQUIRE(scalar() == 0);
}
