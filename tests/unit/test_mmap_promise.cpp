// What a mapped load promises (issue 11, section 2): the checks that touch no
// page always run; the data's checksums only with `verify`. r+ never silently
// becomes a private copy. reseal brings checksums up to date after r+ writes,
// and until it runs (say, the writer crashed) verify reports the mismatch.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fitstore/array_bundle.hpp"
#include "fitstore/reseal.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

namespace {

const layout k_all[] = {layout::directory, layout::blob, layout::hdf5};

std::string name_for(layout l) {
    return l == layout::hdf5 ? "m.h5" : l == layout::blob ? "m.fitstore" : "m";
}

array_bundle weights(std::size_t n = 1000) {
    auto w = ndarray<double>::empty({n});
    for (std::size_t i = 0; i < n; ++i) w.mutable_at(i) = 0.5 * double(i);
    array_bundle b;
    b.add("w", w);
    b.attributes["note"] = "weights";
    return b;
}

/// Writes `value` at w[index] through an r+ mapping and releases it.
void write_through_r_plus(const std::string& path, std::size_t index, double value) {
    auto m = load<array_bundle>(path, {mmap_mode::r_plus});
    auto w = m.get<double>("w");
    REQUIRE(w.storage() == storage_kind::mapped_r_plus);
    w.mutable_at(index) = value;
}

const verify_check* find_check(const verify_report& r, const std::string& name) {
    for (const auto& c : r.checks)
        if (c.name == name) return &c;
    return nullptr;
}

}  // namespace

TEST_CASE("a default mapped load runs the checks that touch no page", "[mmap][promise]") {
    temp_dir dir;
    SECTION("a chunk file of the wrong size") {
        const std::string path = dir / "m";
        dump(weights(), path);
        const std::string bytes = test::read_file(path + "/w/0");
        test::write_file(path + "/w/0", bytes.substr(0, bytes.size() - 8));
        REQUIRE_THROWS_WITH(load<array_bundle>(path, {mmap_mode::r}), Catch::Contains("w/0") && Catch::Contains("bytes"));
        test::write_file(path + "/w/0", bytes + "12345678");
        REQUIRE_THROWS_AS(load<array_bundle>(path, {mmap_mode::r}), format_error);
    }
    SECTION("a truncated blob") {
        const std::string path = dir / "m.fitstore";
        dump(weights(), path);
        const std::string bytes = test::read_file(path);
        test::write_file(path, bytes.substr(0, bytes.size() - 64));
        REQUIRE_THROWS_AS(load<array_bundle>(path, {mmap_mode::r}), format_error);
    }
    SECTION("an edited manifest (a param, a shape)") {
        const std::string path = dir / "m";
        dump(weights(), path);
        const std::string manifest = test::read_file(path + "/manifest.json");
        nlohmann::json j = nlohmann::json::parse(manifest);
        j["root"]["params"]["note"] = "edited";  // the manifest's own checksum is kept, now stale
        test::write_file(path + "/manifest.json", j.dump());
        REQUIRE_THROWS_AS(load<array_bundle>(path, {mmap_mode::r}), checksum_error);
        // A shape that does not match the chunk file, with the checksum removed as a deliberate edit would.
        test::write_file(path + "/manifest.json", manifest);
        test::edit_manifest(path, [](nlohmann::json& m) { m["arrays"]["w"]["shape"] = {999}; });
        REQUIRE_THROWS_AS(load<array_bundle>(path, {mmap_mode::r}), format_error);
    }
}

TEST_CASE("a mapped load hands out changed bytes unless verify is set (the documented limit)", "[mmap][promise]") {
    temp_dir dir;
    for (layout l : k_all) {
        INFO("layout " << layout_name(l));
        const std::string path = dir / name_for(l);
        dump(weights(), path);
        write_through_r_plus(path, 7, -1.0);  // bytes that no longer match the checksum
        load_report report;
        const auto m = load<array_bundle>(path, {mmap_mode::r}, &report);
        CHECK(m.get<double>("w")(7) == -1.0);  // no page was hashed: the promise does not cover this
        CHECK_FALSE(report.arrays.at(0).verified);
        load_options verified;
        verified.mmap = mmap_mode::r;
        verified.verify = true;
        REQUIRE_THROWS_AS(load<array_bundle>(path, verified), checksum_error);
        REQUIRE_THROWS_AS(load<array_bundle>(path), checksum_error);  // copying loads always verify
    }
}

TEST_CASE("r+ on an array that cannot be mapped is refused, naming the array", "[mmap][r+]") {
    temp_dir dir;
    for (layout l : k_all) {
        INFO("layout " << layout_name(l));
        const std::string path = dir / name_for(l);
        array_bundle b = weights();
        b.add("z", ndarray<float>::full({4096}, 2.5f));
        dump_options options;
        options.array_codecs["z"] = parse_codec("zstd:3");
        dump(b, path, options);
        try {
            (void)load<array_bundle>(path, {mmap_mode::r_plus});
            FAIL("r+ on a compressed array loaded silently");
        } catch (const usage_error& e) {
            CHECK(e.field() == "arrays.z");
            CHECK(std::string(e.what()).find("cannot be memory-mapped r+ (compressed with zstd") != std::string::npos);
            CHECK(std::string(e.what()).find("writes would never reach the file") != std::string::npos);
        }
        // c keeps its meaning with a copy (writes stay private either way), and says so.
        load_report report;
        const auto c = load<array_bundle>(path, {mmap_mode::c}, &report);
        for (const auto& r : report.arrays)
            if (r.key == "z") {
                CHECK_FALSE(r.mapped);
                CHECK(r.reason.find("compressed") != std::string::npos);
            }
        CHECK(c.get<float>("z")(100) == 2.5f);
    }
}

TEST_CASE("reseal makes r+ writes pass copying loads and verify", "[mmap][reseal]") {
    temp_dir dir;
    for (layout l : k_all) {
        INFO("layout " << layout_name(l));
        const std::string path = dir / name_for(l);
        dump(weights(), path);
        write_through_r_plus(path, 5, 1234.5);

        // Before the reseal: honest failures, with the way out named.
        REQUIRE_THROWS_WITH(load<array_bundle>(path), Catch::Contains("checksum mismatch"));
        const verify_report before = verify_store(path);
        CHECK_FALSE(before.passed());
        const verify_check* c = find_check(before, "checksums w");
        REQUIRE(c != nullptr);
        CHECK_FALSE(c->passed);
        CHECK(c->detail.find("fitstore reseal") != std::string::npos);

        const reseal_report r = reseal(path);
        CHECK(r.resealed == std::vector<std::string>{"w"});
        CHECK(r.arrays == 1);
        const auto back = load<array_bundle>(path);  // copying, verified
        CHECK(back.get<double>("w")(5) == 1234.5);
        CHECK(back.get<double>("w")(6) == 3.0);
        CHECK(back.attributes.at("note") == "weights");
        CHECK(verify_store(path).passed());
        load_options deep_mapped;
        deep_mapped.mmap = mmap_mode::r;
        deep_mapped.verify = true;
        CHECK(load<array_bundle>(path, deep_mapped).get<double>("w")(5) == 1234.5);
        CHECK(reseal(path).resealed.empty());  // nothing left to refresh
    }
}

TEST_CASE("a writer that dies between its r+ write and the reseal leaves a store verify reports honestly",
          "[mmap][reseal][crash]") {
    temp_dir dir;
    for (layout l : k_all) {
        INFO("layout " << layout_name(l));
        const std::string path = dir / name_for(l);
        dump(weights(), path);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            // The writer: one r+ write, then it dies before any reseal (no
            // destructors, no msync: the shared mapping's page is all there is).
            int code = 0;
            try {
                auto m = load<array_bundle>(path, {mmap_mode::r_plus});
                static_cast<double*>(m.at("w").mutable_data())[9] = 42.0;
            } catch (...) {
                code = 3;
            }
            ::_exit(code);
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);

        const verify_report report = verify_store(path);
        CHECK_FALSE(report.passed());
        const verify_check* c = find_check(report, "checksums w");
        REQUIRE(c != nullptr);
        CHECK_FALSE(c->passed);
        CHECK(c->detail.find("checksum mismatch") != std::string::npos);
        REQUIRE_THROWS_AS(load<array_bundle>(path), checksum_error);
        // Deciding the write was wanted: reseal, and everything passes.
        reseal(path);
        CHECK(verify_store(path).passed());
        CHECK(load<array_bundle>(path).get<double>("w")(9) == 42.0);
    }
}

TEST_CASE("reseal refuses a damaged array r+ cannot have written, changing nothing", "[mmap][reseal]") {
    temp_dir dir;
    const std::string path = dir / "m";
    array_bundle b = weights();
    b.add("z", ndarray<float>::full({4096}, 2.5f));
    dump_options options;
    options.array_codecs["z"] = parse_codec("zstd:3");
    dump(b, path, options);
    // What an r+ write does to w (its raw chunk file), plus damage to z's compressed chunk.
    std::string w = test::read_file(path + "/w/0");
    w[8] = static_cast<char>(w[8] ^ 0x40);
    test::write_file(path + "/w/0", w);
    std::string z = test::read_file(path + "/z/0");
    z[z.size() / 2] = static_cast<char>(z[z.size() / 2] ^ 0x01);
    test::write_file(path + "/z/0", z);
    const std::string manifest_before = test::read_file(path + "/manifest.json");
    try {
        reseal(path);
        FAIL("reseal accepted a damaged compressed array");
    } catch (const checksum_error& e) {
        CHECK(e.field() == "arrays.z");
        CHECK(std::string(e.what()).find("cannot reseal") != std::string::npos);
    }
    CHECK(test::read_file(path + "/manifest.json") == manifest_before);
}
