// Replacing a store is atomic in every layout: the new store appears whole,
// the old one disappears, and no temporary is left behind.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "io/atomic_target.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::folder_entries;
using fitstore::test::temp_dir;

namespace {

array_bundle bundle_with(double value, std::size_t n) {
    array_bundle b;
    ndarray<double> a(shape_t{n});
    for (std::size_t i = 0; i < n; ++i) a.mutable_data()[i] = value;
    b.add("w", a);
    return b;
}

}  // namespace

TEST_CASE("dumping over an existing store replaces it whole, in every layout", "[store][atomic]") {
    temp_dir dir;
    for (layout l : {layout::directory, layout::blob, layout::hdf5}) {
        INFO("layout " << layout_name(l));
        const std::string name = std::string("m-") + std::string(layout_name(l));
        dump_options options;
        options.layout = l;
        options.codec = parse_codec("zstd:1");
        dump(bundle_with(1.0, 1000), dir / name, options);
        // The new store has a different shape and codec: nothing of the old may survive.
        options.codec = parse_codec("none");
        dump(bundle_with(2.0, 10), dir / name, options);
        const auto back = load<array_bundle>(dir / name).get<double>("w");
        REQUIRE(back.size() == 10);
        REQUIRE(back[9] == 2.0);
    }
    // Only the three stores remain: no temporaries, no swapped-out old stores.
    REQUIRE(folder_entries(dir.path()) == std::vector<std::string>{"m-blob", "m-directory", "m-hdf5"});
    REQUIRE(folder_entries(dir / "m-directory") == std::vector<std::string>{".zattrs", ".zgroup", "manifest.json", "w"});
}

TEST_CASE("a store can replace one of another layout", "[store][atomic]") {
    temp_dir dir;
    dump_options blob;
    blob.layout = layout::blob;
    dump(bundle_with(1.0, 5), dir / "m", blob);
    dump(bundle_with(3.0, 5), dir / "m");  // a folder replaces the blob file
    REQUIRE(detect_layout(dir / "m") == layout::directory);
    REQUIRE(load<array_bundle>(dir / "m").get<double>("w")[0] == 3.0);
    dump(bundle_with(4.0, 5), dir / "m", blob);  // and back
    REQUIRE(detect_layout(dir / "m") == layout::blob);
    REQUIRE(folder_entries(dir.path()) == std::vector<std::string>{"m"});
}

TEST_CASE("temporaries of a killed writer are removed by the next dump", "[store][atomic]") {
    temp_dir dir;
    dump(bundle_with(1.0, 5), dir / "m");
    // A writer that dies leaves NAME.tmp-<pid>-<random>; fake one with a pid that no longer exists.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    const std::string stale = dir / ("m.tmp-" + std::to_string(child) + "-deadbeef");
    ::mkdir(stale.c_str(), 0755);
    fitstore::test::write_file(stale + "/manifest.json", "partial");
    // A temporary of a live writer (this process) must be left alone.
    const std::string live = dir / ("m.tmp-" + std::to_string(::getpid()) + "-cafebabe");
    ::mkdir(live.c_str(), 0755);
    dump(bundle_with(2.0, 5), dir / "m");
    const auto entries = folder_entries(dir.path());
    REQUIRE(std::find(entries.begin(), entries.end(), "m.tmp-" + std::to_string(child) + "-deadbeef") == entries.end());
    REQUIRE(std::find(entries.begin(), entries.end(), "m.tmp-" + std::to_string(::getpid()) + "-cafebabe") !=
            entries.end());
}

TEST_CASE("an uncommitted temporary is removed and the target untouched", "[store][atomic]") {
    temp_dir dir;
    dump(bundle_with(1.0, 5), dir / "m");
    std::string temp;
    {
        detail::atomic_target target(dir / "m", detail::atomic_target::kind::directory, false);
        temp = target.temp_path();
        fitstore::test::write_file(temp + "/junk", "x");
        // leaving the scope without commit() is what a failed dump does
    }
    REQUIRE(folder_entries(dir.path()) == std::vector<std::string>{"m"});
    REQUIRE(load<array_bundle>(dir / "m").get<double>("w")[0] == 1.0);
}
