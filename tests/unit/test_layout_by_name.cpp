// Without an explicit layout, dump picks it from the target's extension:
// .h5/.hdf5 -> hdf5, .fitstore -> blob, anything else -> a directory.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::temp_dir;

TEST_CASE("layout_for_path maps extensions to layouts", "[layout][name]") {
    CHECK(layout_for_path("model.h5") == layout::hdf5);
    CHECK(layout_for_path("a/b/model.hdf5") == layout::hdf5);
    CHECK(layout_for_path("MODEL.H5") == layout::hdf5);
    CHECK(layout_for_path("model.fitstore") == layout::blob);
    CHECK(layout_for_path("model.FitStore") == layout::blob);
    CHECK(layout_for_path("model") == layout::directory);
    CHECK(layout_for_path("model.zarr") == layout::directory);
    CHECK(layout_for_path("model.h5/") == layout::hdf5);  // trailing slash ignored
    CHECK(layout_for_path("dir.h5/model") == layout::directory);  // only the last name counts
    CHECK(layout_for_path(".h5") == layout::directory);  // a hidden name, not an extension
    dump_options explicit_blob;
    explicit_blob.layout = layout::blob;
    CHECK(effective_layout(explicit_blob, "model.h5") == layout::blob);
    CHECK(effective_layout(dump_options{}, "model.h5") == layout::hdf5);
}

TEST_CASE("dump follows the target's extension unless a layout is given", "[layout][name]") {
    temp_dir dir;
    array_bundle b;
    b.add("w", ndarray<double>::from_values({1.0, 2.0}));
    auto is_folder = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    };
    const struct {
        const char* name;
        layout expected;
    } cases[] = {{"x.h5", layout::hdf5}, {"x.hdf5", layout::hdf5}, {"x.fitstore", layout::blob}, {"x", layout::directory}};
    for (const auto& c : cases) {
        INFO(c.name);
        const std::string path = dir / c.name;
        dump(b, path);
        CHECK(detect_layout(path) == c.expected);
        CHECK(is_folder(path) == (c.expected == layout::directory));
        CHECK(bit_equal(load<array_bundle>(path).at("w"), b.at("w")));
    }
    dump_options as_directory;
    as_directory.layout = layout::directory;
    dump(b, dir / "forced.h5", as_directory);
    CHECK(detect_layout(dir / "forced.h5") == layout::directory);
}
