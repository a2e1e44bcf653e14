// The zstd (32015) filter as an HDF5 plugin module, so h5py and other HDF5
// readers decode fitstore's zstd datasets (Debian ships no zstd plugin).
// It must link libhdf5: a plugin without it fails to load in h5py
// ("undefined symbol: H5E_CALLBACK_g") and stops HDF5's plugin scan.
#include <H5PLextern.h>

#include "hdf5_plugin/zstd_filter.hpp"

extern "C" {

__attribute__((visibility("default"))) H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }

__attribute__((visibility("default"))) const void* H5PLget_plugin_info(void) {
    return fitstore::detail::h5z::zstd_filter_class();
}

}  // extern "C"
