// numpy's .npy files (format versions 1.0, 2.0 and 3.0), read and written
// without numpy and without xtensor's load_npy (which misreads header length
// bytes >= 128). Input is treated as untrusted: the header is parsed by a
// strict grammar with a size cap, and every size is checked against the real
// input length before any allocation.
//
//   fitstore::any_array a = fitstore::read_npy("weights.npy");
//   fitstore::write_npy("copy.npy", a);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/ndarray.hpp"

namespace fitstore {

/// Largest .npy header (the dict text) accepted on read; numpy itself refuses more than 10000 bytes.
inline constexpr std::size_t k_npy_max_header_bytes = 64 * 1024;

/// Reads a .npy file into fresh heap memory, converted to little-endian C order.
/// Throws io_error if the file cannot be read, format_error if it is not a
/// supported .npy (bad magic or version, malformed header, unsupported dtype,
/// size mismatch, bool bytes other than 0/1).
any_array read_npy(const std::string& path);

/// Same as read_npy for the `size` bytes at `data`; `name` labels errors. Throws format_error.
any_array read_npy_bytes(const void* data, std::size_t size, const std::string& name);

/// Writes `array` as a C-order .npy (version 1.0 header when it fits, else 2.0,
/// data 64-byte aligned) through a temporary sibling file that is fsynced and
/// renamed over `path`; on failure no temporary file is left. Throws io_error.
void write_npy(const std::string& path, const any_array& array);

/// The bytes write_npy would write for `array`.
std::vector<std::uint8_t> write_npy_bytes(const any_array& array);

}  // namespace fitstore
