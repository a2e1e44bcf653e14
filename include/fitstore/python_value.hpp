// python_value: stores written by the Python package (`fitstore.dump(value, path)`,
// FORMAT.md section 9) read from C++ without Python, as the value tree of dicts,
// lists, tuples, scalars and arrays they hold. Like array_bundle, it needs no
// registered type: any py_dict / py_list / py_tuple / py_value store loads.
//
//   fitstore::python_value v = fitstore::load_python_value("model", {fitstore::mmap_mode::r});
//   fitstore::ndarray<double> w = v["weights"].array<double>();   // mapped, no copy
//   double C = v["params"]["C"].as_double();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fitstore/ndarray.hpp"
#include "fitstore/store.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

class python_value {
public:
    /// numpy scalars are `array` values of rank 0 (is_numpy_scalar() tells them apart).
    enum class kind : std::uint8_t { none, boolean, integer, real, string, bytes, array, list, tuple, dict };

    python_value() = default;
    static python_value make_bool(bool b);
    static python_value make_int(std::int64_t i);
    static python_value make_real(double d);
    static python_value make_string(std::string s, kind k = kind::string);  ///< kind::string or kind::bytes
    static python_value make_array(any_array a, bool numpy_scalar = false);
    /// A list, tuple (keys empty) or dict (keys set), entries in order.
    static python_value make_sequence(kind k, std::vector<std::pair<std::string, python_value>> items);

    kind type() const noexcept { return m_kind; }
    bool is_none() const noexcept { return m_kind == kind::none; }
    bool is_numpy_scalar() const noexcept { return m_numpy_scalar; }

    /// Each accessor throws type_error naming the kind found when the value is another kind.
    bool as_bool() const;
    std::int64_t as_int() const;
    /// A float, or an int converted to double.
    double as_double() const;
    /// The text of a str (UTF-8) or the bytes of a bytes value.
    const std::string& as_string() const;
    const any_array& as_array() const;
    template <class T>
    ndarray<T> array() const { return ndarray<T>::from_any(as_array()); }

    /// Entries of a list, tuple or dict (0 for other kinds).
    std::size_t size() const noexcept { return m_items.size(); }
    /// Element `i` of a list or tuple, or the value of the i-th dict entry; throws usage_error if out of range.
    const python_value& operator[](std::size_t i) const;
    /// `v[0]`: a literal index is an int (and 0 would otherwise also be a null const char*).
    const python_value& operator[](int i) const {
        if (i < 0) throw usage_error("", "", "python_value: negative index " + std::to_string(i));
        return (*this)[static_cast<std::size_t>(i)];
    }
    /// The dict entry `key`; throws usage_error if absent, type_error if this is no dict.
    const python_value& operator[](const std::string& key) const;
    const python_value& operator[](const char* key) const { return (*this)[std::string(key)]; }
    bool contains(const std::string& key) const;
    /// (key, value) of a dict's entries in order; keys are empty for lists and tuples.
    const std::vector<std::pair<std::string, python_value>>& items() const noexcept { return m_items; }

private:
    kind m_kind = kind::none;
    bool m_bool = false;
    bool m_numpy_scalar = false;
    std::int64_t m_int = 0;
    double m_real = 0;
    std::string m_text;
    any_array m_array;
    std::vector<std::pair<std::string, python_value>> m_items;
};

/// "none", "bool", "int", "float", "str", "bytes", "array", "list", "tuple", "dict".
const char* python_kind_name(python_value::kind k) noexcept;

/// The value FORMAT.md section 9 maps `root` to. Throws type_error if `root` is
/// not a py_* object, version_error for a newer py_* version, format_error
/// (naming `file` and the field) for anything that breaks section 9.
python_value to_python_value(const stored_object& root, const std::string& file = {});
/// Loads the store at `path` (any layout; mapped arrays stay mapped) as a python_value.
python_value load_python_value(const std::string& path, const load_options& options = {});
/// The same for a blob made by `fitstore.dumps()`; arrays are copied out of `data`.
python_value loads_python_value(const void* data, std::size_t size, const load_options& options = {});

}  // namespace fitstore
