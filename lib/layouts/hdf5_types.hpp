// Type and shape mapping of the hdf5 layout: the HDF5 file type of each dtype
// and the check that a stored type holds a manifest dtype bit for bit.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "fitstore/dtype.hpp"
#include "fitstore/ndarray.hpp"
#include "layouts/hdf5_ids.hpp"

namespace fitstore::detail::h5 {

// The file type of each dtype: little-endian as fitstore writes; bool as the
// enum {FALSE=0, TRUE=1} over int8 that h5py maps to numpy bool.
h5_id make_file_type(dtype t);

// True when the stored type holds `t` in the manifest's byte order bit for bit.
bool type_matches(hid_t stored, dtype t, bool big_endian);

/// "integer of 4 bytes big-endian", for messages.
std::string describe_type(hid_t type);

inline std::vector<hsize_t> to_hsize(const shape_t& s) { return std::vector<hsize_t>(s.begin(), s.end()); }

/// A scalar space for rank 0, else a simple space of `shape`.
h5_id make_space(const shape_t& shape);

}  // namespace fitstore::detail::h5
