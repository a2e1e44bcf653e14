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

namespace detail {
template <class T>
inline constexpr bool always_false_v = false;
// The standard integer types by rank, so std::size_t, std::ptrdiff_t, long
// long and the <cstdint> aliases all find their dtype on every platform
// (int64_t is long on Linux and long long elsewhere).
template <class T>
inline constexpr bool is_standard_integer_v =
    std::is_same_v<T, signed char> || std::is_same_v<T, short> || std::is_same_v<T, int> ||
    std::is_same_v<T, long> || std::is_same_v<T, long long> || std::is_same_v<T, unsigned char> ||
    std::is_same_v<T, unsigned short> || std::is_same_v<T, unsigned> || std::is_same_v<T, unsigned long> ||
    std::is_same_v<T, unsigned long long>;
template <std::size_t Size, bool Signed>
constexpr dtype integer_dtype() noexcept {
    static_assert(Size == 1 || Size == 2 || Size == 4 || Size == 8, "fitstore: integers are 1, 2, 4 or 8 bytes");
    if constexpr (Signed)
        return Size == 1 ? dtype::int8 : Size == 2 ? dtype::int16 : Size == 4 ? dtype::int32 : dtype::int64;
    else
        return Size == 1 ? dtype::uint8 : Size == 2 ? dtype::uint16 : Size == 4 ? dtype::uint32 : dtype::uint64;
}
}  // namespace detail

/// True for the element types fitstore stores: bool, the standard signed and
/// unsigned integer types (signed char .. long long, unsigned char .. unsigned
/// long long, hence every <cstdint> alias, std::size_t and std::ptrdiff_t),
/// float and double. Plain `char` is text, not a number, and is not one.
template <class T>
inline constexpr bool is_element_type_v = std::is_same_v<std::remove_cv_t<T>, bool> ||
                                          detail::is_standard_integer_v<std::remove_cv_t<T>> ||
                                          std::is_same_v<std::remove_cv_t<T>, float> ||
                                          std::is_same_v<std::remove_cv_t<T>, double>;

/// Maps a C++ element type to its dtype (integers by size and signedness, so
/// `long long`, `unsigned long long`, `std::size_t` and `std::ptrdiff_t` are
/// the 64-bit dtypes). Any other type stops the build with the list above.
template <class T>
struct dtype_of {
    static_assert(is_element_type_v<T>,
                  "fitstore: unsupported element type. Supported element types: bool, signed char, short, int, "
                  "long, long long (int8_t..int64_t, std::ptrdiff_t), unsigned char, unsigned short, unsigned, "
                  "unsigned long, unsigned long long (uint8_t..uint64_t, std::size_t), float, double");
    static constexpr dtype value = [] {
        using U = std::remove_cv_t<T>;
        if constexpr (std::is_same_v<U, bool>)
            return dtype::bool_;
        else if constexpr (std::is_same_v<U, float>)
            return dtype::float32;
        else if constexpr (std::is_same_v<U, double>)
            return dtype::float64;
        else if constexpr (detail::is_standard_integer_v<U>)
            return detail::integer_dtype<sizeof(U), std::is_signed_v<U>>();
        else
            return dtype::float64;  // unreachable: the static_assert above fired
    }();
};
template <class T>
inline constexpr dtype dtype_of_v = dtype_of<std::remove_cv_t<T>>::value;

/// Reverses the byte order of `count` elements of `size` bytes in place.
void byteswap_inplace(void* data, std::size_t count, std::size_t size) noexcept;

}  // namespace fitstore
