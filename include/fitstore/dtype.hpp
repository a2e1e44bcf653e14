// The element types fitstore stores, and their names in the manifest, in
// numpy ("<f8") and in HDF5. Data is little-endian on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace fitstore {

enum class dtype : std::uint8_t {
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64
};

/// Size in bytes of one element.
std::size_t itemsize(dtype t) noexcept;
/// Manifest name: "bool", "int8", ..., "float64".
std::string_view dtype_name(dtype t) noexcept;
/// Parses a manifest name; throws format_error naming `path` and `field` if unknown.
dtype dtype_from_name(std::string_view name, const std::string& path = {}, const std::string& field = {});
/// numpy/zarr typestr for little-endian storage: "|b1", "<i8", "<f4", ...
std::string numpy_typestr(dtype t);
/// Parses a numpy typestr ("<f8", ">i4", "|u1", "|b1"); sets `big_endian`. Throws format_error.
dtype dtype_from_typestr(std::string_view typestr, bool& big_endian, const std::string& path = {},
                         const std::string& field = {});
bool is_floating(dtype t) noexcept;
bool is_signed_integer(dtype t) noexcept;

/// Maps a C++ element type to its dtype; unsupported types fail to compile.
template <class T>
struct dtype_of;
template <> struct dtype_of<bool> { static constexpr dtype value = dtype::bool_; };
template <> struct dtype_of<std::int8_t> { static constexpr dtype value = dtype::int8; };
template <> struct dtype_of<std::int16_t> { static constexpr dtype value = dtype::int16; };
template <> struct dtype_of<std::int32_t> { static constexpr dtype value = dtype::int32; };
template <> struct dtype_of<std::int64_t> { static constexpr dtype value = dtype::int64; };
template <> struct dtype_of<std::uint8_t> { static constexpr dtype value = dtype::uint8; };
template <> struct dtype_of<std::uint16_t> { static constexpr dtype value = dtype::uint16; };
template <> struct dtype_of<std::uint32_t> { static constexpr dtype value = dtype::uint32; };
template <> struct dtype_of<std::uint64_t> { static constexpr dtype value = dtype::uint64; };
template <> struct dtype_of<float> { static constexpr dtype value = dtype::float32; };
template <> struct dtype_of<double> { static constexpr dtype value = dtype::float64; };
template <class T>
inline constexpr dtype dtype_of_v = dtype_of<std::remove_cv_t<T>>::value;

/// Reverses the byte order of `count` elements of `size` bytes in place.
void byteswap_inplace(void* data, std::size_t count, std::size_t size) noexcept;

}  // namespace fitstore
