// Placeholder until the HDF5 back end (lib/layouts/hdf5.cpp) lands: delete this file then.
#include "fitstore/errors.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {
std::unique_ptr<layout_writer> make_hdf5_writer(const std::string& path, const dump_options&) {
    throw usage_error(path, "layout", "the hdf5 layout is not built yet");
}
std::unique_ptr<layout_reader> open_hdf5_reader(const std::string& path) {
    throw usage_error(path, "layout", "the hdf5 layout is not built yet");
}
bool looks_like_hdf5(const std::string&) { return false; }
}  // namespace fitstore::detail
