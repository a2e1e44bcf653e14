// Errors a program can act on: a missing path is an io_error (not_found, with
// errno), a dump into a missing folder names the target, and the manifest's
// checksum message reads like a chunk's (expected = recorded, found = now).
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

namespace {
array_bundle small_bundle() {
    array_bundle b;
    b.add("w", ndarray<double>::from_values({1.0, 2.0, 3.0}));
    b.attributes["note"] = "x";
    return b;
}
}  // namespace

TEST_CASE("a path that does not exist is not_found (an io_error with ENOENT)", "[errors]") {
    temp_dir dir;
    const std::string missing = dir / "no-such-store";
    auto check = [&](auto&& call) {
        try {
            call();
            FAIL("no exception");
        } catch (const not_found& e) {
            CHECK(e.error_code() == ENOENT);
            CHECK(e.path() == missing);
            CHECK(std::string(e.what()).find("no such file or folder") != std::string::npos);
            const io_error& as_io = e;  // catchable as io_error
            CHECK(as_io.error_code() == ENOENT);
        }
    };
    check([&] { (void)load<array_bundle>(missing); });
    check([&] { (void)load<array_bundle>(missing, {mmap_mode::r}); });
    check([&] { (void)read_store_manifest(missing); });
    check([&] { (void)detect_layout(missing); });
    check([&] { (void)verify_store(missing); });
    // Never a format_error: nothing was read, so nothing is malformed.
    REQUIRE_THROWS_AS(load<array_bundle>(missing), io_error);
    try {
        (void)load<array_bundle>(missing);
    } catch (const format_error&) {
        FAIL("a missing path must not be a format_error");
    } catch (const io_error&) {
    }
}

TEST_CASE("a dump into a missing folder names the target, not the temporary", "[errors]") {
    temp_dir dir;
    const std::string target = dir / "missing-parent/model";
    for (layout l : {layout::directory, layout::blob, layout::hdf5}) {
        INFO("layout " << layout_name(l));
        dump_options options;
        options.layout = l;
        try {
            dump(small_bundle(), target, options);
            FAIL("no exception");
        } catch (const not_found& e) {
            CHECK(e.path() == target);
            CHECK(e.error_code() == ENOENT);
            const std::string what = e.what();
            CHECK(what.find(".tmp-") == std::string::npos);
            CHECK(what.find("the folder " + dir.path() + "/missing-parent does not exist") != std::string::npos);
        }
    }
}

TEST_CASE("the manifest checksum message states expected (recorded) then found (computed)", "[errors]") {
    temp_dir dir;
    const std::string store = dir / "m";
    dump(small_bundle(), store);
    nlohmann::json j = nlohmann::json::parse(test::read_file(store + "/manifest.json"));
    const std::string recorded = j["manifest_xxh3"].get<std::string>();
    j["root"]["params"]["note"] = "y";  // an edit the checksum must catch
    test::write_file(store + "/manifest.json", j.dump());
    try {
        (void)load<array_bundle>(store);
        FAIL("no exception");
    } catch (const checksum_error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(e.field() == "manifest_xxh3");
        // Like a chunk: "checksum mismatch: expected <recorded>, found <computed>".
        CHECK(what.find("checksum mismatch: expected " + recorded + ", found ") != std::string::npos);
        const std::size_t found_at = what.find(", found ") + 8;
        const std::string computed = what.substr(found_at, 16);
        CHECK(computed != recorded);
        CHECK(computed.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
}
