// targets: the y of fit() and the output of predict(), in the three kinds
// scikit-learn accepts: int64 labels, float64 labels or regression values, and
// UTF-8 string labels. A classifier returns predictions of the kind it was
// fitted on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/ndarray.hpp"

namespace fitstore {

enum class target_kind : std::uint8_t { int64, float64, string };

/// "int64", "float64" or "string" (the value of the `classes_kind` param in FORMAT.md).
const char* target_kind_name(target_kind kind) noexcept;
/// Inverse of target_kind_name; false for any other text.
bool parse_target_kind(const std::string& name, target_kind& out);

class targets {
public:
    /// Empty int64 targets.
    targets() = default;
    static targets of_int64(ndarray<std::int64_t> values);
    static targets of_float64(ndarray<double> values);
    static targets of_strings(std::vector<std::string> values);

    target_kind kind() const noexcept { return m_kind; }
    std::size_t size() const noexcept;
    /// The values; each throws usage_error naming the actual kind if it is another one.
    const ndarray<std::int64_t>& int64s() const;
    const ndarray<double>& float64s() const;
    const std::vector<std::string>& strings() const;
    /// Value i as text (round-trip precision for float64).
    std::string text(std::size_t i) const;

    /// Sorted distinct values (np.unique); `inverse`, if given, gets each element's index in them.
    targets unique(std::vector<std::size_t>* inverse = nullptr) const;
    /// Elements at `indices`, in that order.
    targets take(const std::vector<std::size_t>& indices) const;
    /// The values as an array (strings as the fixed-width UTF-8 matrix of encode_utf8_rows).
    any_array as_any() const;

    friend bool operator==(const targets& a, const targets& b);
    friend bool operator!=(const targets& a, const targets& b) { return !(a == b); }

private:
    target_kind m_kind = target_kind::int64;
    ndarray<std::int64_t> m_int64;
    ndarray<double> m_float64;
    std::vector<std::string> m_strings;
};

/// Strings as a fixed-width byte matrix (n x max length, zero padded; at least
/// one column) plus their byte lengths: the mmap-friendly string encoding of FORMAT.md.
ndarray<std::uint8_t> encode_utf8_rows(const std::vector<std::string>& values, ndarray<std::uint32_t>& lengths);
/// Inverse of encode_utf8_rows; throws format_error naming `file` and `field`
/// when shapes disagree, a length exceeds the width or a row is not valid UTF-8.
std::vector<std::string> decode_utf8_rows(const ndarray<std::uint8_t>& bytes, const ndarray<std::uint32_t>& lengths,
                                          const std::string& file, const std::string& field);

}  // namespace fitstore
