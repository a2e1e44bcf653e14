// Internal checks used by verify_store (lib/verify.cpp), implemented next to
// the code that owns the knowledge: the engine (store.cpp) and the back ends.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fitstore/manifest.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/store.hpp"

namespace fitstore::detail {

/// Called once per array in key order: `array` is the loaded data (nullptr
/// when loading failed) and `failure` the error message when it did.
using array_visitor = std::function<void(const array_record& rec, const any_array* array, const std::string& failure)>;

/// Opens the store at `path` (throws error if it cannot be opened or its
/// manifest is invalid), then loads its arrays one at a time with `options`,
/// catching each array's error so every array is reported. Returns the layout.
layout visit_arrays(const std::string& path, const load_options& options, const array_visitor& visit);

/// The .zarray JSON fitstore writes for `rec` (directory layout).
nlohmann::json zarray_metadata(const array_record& rec);

/// Directory layout: compares every array's .zarray with the manifest and
/// lists the files of each array folder against the chunks the manifest names.
/// Returns one message per problem (empty: consistent). Throws io_error if the
/// folder cannot be read.
std::vector<std::string> check_directory_container(const std::string& path, const manifest& m);

/// HDF5 layout: reads `rec`'s dataset with H5Dread (HDF5's own filter
/// pipeline and plugins) into a new array. Throws format_error if HDF5 cannot.
any_array read_dataset_with_hdf5(const std::string& path, const array_record& rec);

}  // namespace fitstore::detail
