// Reading FORMAT.md section 9 (Python values) in C++. The Python package's
// fitstore/_mapping.py is the writer and its own reader; this is the second,
// independent reader, held to the same rules (tests/unit/test_python_value.cpp
// loads stores the Python package wrote).
#include "fitstore/python_value.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "fitstore/manifest.hpp"

namespace fitstore {
namespace {

using nlohmann::json;

constexpr std::uint32_t py_version = 1;

python_value::kind container_kind(const std::string& type) {
    if (type == "py_dict") return python_value::kind::dict;
    if (type == "py_list") return python_value::kind::list;
    if (type == "py_tuple") return python_value::kind::tuple;
    return python_value::kind::none;  // py_value: the root wraps one value
}

bool is_count(const json& v) {
    return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
}

/// FORMAT.md 9.1: the key itself when it is a valid name not starting with "_py".
std::string member_name(const std::string& key, std::size_t index) {
    if (is_valid_name(key) && key.compare(0, 3, "_py") != 0) return key;
    return "_py" + std::to_string(index);
}

class reader {
public:
    explicit reader(std::string file) : m_file(std::move(file)) {}

    python_value object(const stored_object& node, const std::string& where) {
        if (node.type != "py_dict" && node.type != "py_list" && node.type != "py_tuple" && node.type != "py_value")
            throw type_error(m_file, where + ".type",
                             "expected a Python value (py_dict, py_list, py_tuple or py_value), found \"" +
                                 node.type.substr(0, 255) + "\"");
        if (node.version > py_version)
            throw version_error(m_file, where + ".version",
                                "type " + node.type + " version " + std::to_string(node.version) +
                                    " is newer than the supported version " + std::to_string(py_version));
        std::map<std::string, const json*> params;
        for (const auto& p : node.params.items()) params[p.key()] = &p.value();
        std::map<std::string, std::string> stored_as;
        if (auto it = params.find("_py_as"); it != params.end()) {
            if (!it->second->is_object()) fail(where + ".params._py_as", "expected an object");
            for (const auto& e : it->second->items()) {
                if (!e.value().is_string()) fail(where + ".params._py_as." + e.key(), "expected a string");
                stored_as[e.key()] = e.value().get<std::string>();
            }
        }
        const auto member = [&](const std::string& name) -> python_value {
            const std::string field = where + "." + name;
            if (const stored_object* child = node.find_child(name)) return object(*child, field);
            if (const any_array* a = node.find_array(name)) return array_member(*a, stored_as, name, field);
            if (auto it = params.find(name); it != params.end()) return param(*it->second, where + ".params." + name);
            fail(where, "member \"" + name + "\" is missing");
        };

        const python_value::kind k = container_kind(node.type);
        if (k == python_value::kind::none) return member("value");
        std::vector<std::pair<std::string, python_value>> items;
        if (k == python_value::kind::dict) {
            auto it = params.find("_py_keys");
            if (it == params.end() || !it->second->is_array()) fail(where + ".params._py_keys", "expected a list of strings");
            std::size_t i = 0;
            for (const json& key : *it->second) {
                if (!key.is_string()) fail(where + ".params._py_keys", "expected a list of strings");
                const std::string text = key.get<std::string>();
                items.emplace_back(text, member(member_name(text, i++)));
            }
        } else {
            auto it = params.find("_py_len");
            if (it == params.end() || !is_count(*it->second)) fail(where + ".params._py_len", "expected a count");
            const std::uint64_t n = it->second->get<std::uint64_t>();
            // Every element must exist, so a hostile count fails at its first missing member.
            for (std::uint64_t i = 0; i < n; ++i) items.emplace_back("", member(std::to_string(i)));
        }
        return python_value::make_sequence(k, std::move(items));
    }

private:
    [[noreturn]] void fail(const std::string& field, const std::string& message) const {
        throw format_error(m_file, field, message);
    }

    python_value array_member(const any_array& a, const std::map<std::string, std::string>& stored_as,
                              const std::string& name, const std::string& field) const {
        auto it = stored_as.find(name);
        if (it == stored_as.end()) return python_value::make_array(a);
        if (a.type() != dtype::uint8 || a.rank() != 1) fail(field, "a stored " + it->second + " must be a 1-d uint8 array");
        std::string text(static_cast<const char*>(a.data()), a.nbytes());
        if (it->second == "bytes") return python_value::make_string(std::move(text), python_value::kind::bytes);
        if (it->second == "str") return python_value::make_string(std::move(text));
        fail(field, "unknown stored kind \"" + it->second + "\"");
    }

    python_value param(const json& v, const std::string& field) const {
        switch (v.type()) {
            case json::value_t::null: return {};
            case json::value_t::boolean: return python_value::make_bool(v.get<bool>());
            case json::value_t::number_integer: return python_value::make_int(v.get<std::int64_t>());
            case json::value_t::number_unsigned: {
                const std::uint64_t u = v.get<std::uint64_t>();
                if (u > std::uint64_t(std::numeric_limits<std::int64_t>::max())) fail(field, "int does not fit in int64");
                return python_value::make_int(static_cast<std::int64_t>(u));
            }
            case json::value_t::number_float: return python_value::make_real(v.get<double>());
            case json::value_t::string: return python_value::make_string(v.get<std::string>());
            case json::value_t::object: return tagged(v, field);
            default: fail(field, "unexpected JSON value in a Python object's params");
        }
    }

    const json& get(const json& v, const char* key, const std::string& field) const {
        auto it = v.find(key);
        if (it == v.end()) fail(field, std::string("tagged value lacks \"") + key + "\"");
        return *it;
    }

    double nonfinite(const json& v, const std::string& field) const {
        const std::string s = v.is_string() ? v.get<std::string>() : "";
        if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
        fail(field, "expected \"nan\", \"inf\" or \"-inf\", found " + v.dump().substr(0, 64));
    }

    python_value tagged(const json& v, const std::string& field) const {
        const json& tag = get(v, "_py", field);
        const std::string name = tag.is_string() ? tag.get<std::string>() : "";
        if (name == "float") return python_value::make_real(nonfinite(get(v, "value", field), field));
        if (name == "bytes") return python_value::make_string(base64(get(v, "base64", field), field), python_value::kind::bytes);
        if (name == "ndarray") return python_value::make_array(inline_array(v, field));
        if (name == "numpy") return python_value::make_array(numpy_scalar(v, field), true);
        fail(field, "unknown value tag " + tag.dump().substr(0, 64));
    }

    dtype dtype_of(const json& v, const std::string& field) const {
        const json& d = get(v, "dtype", field);
        if (!d.is_string()) fail(field + ".dtype", "expected a dtype name");
        return dtype_from_name(d.get<std::string>(), m_file, field + ".dtype");
    }

    any_array inline_array(const json& v, const std::string& field) const {
        const dtype type = dtype_of(v, field);
        const json& s = get(v, "shape", field);
        if (!s.is_array() || s.size() > manifest_limits::max_rank) fail(field + ".shape", "expected a list of at most 32 sizes");
        shape_t shape;
        for (const json& d : s) {
            if (!is_count(d)) fail(field + ".shape", "expected sizes >= 0");
            shape.push_back(d.get<std::size_t>());
        }
        const std::string raw = base64(get(v, "base64", field), field);
        if (byte_count(shape, type) != raw.size())
            fail(field, "base64 holds " + std::to_string(raw.size()) + " bytes, expected " +
                            std::to_string(byte_count(shape, type)) + " for shape " + shape_to_string(shape));
        any_array a = any_array::allocate(type, shape, false);
        if (!raw.empty()) std::memcpy(a.mutable_data(), raw.data(), raw.size());
        if (type == dtype::bool_)
            for (unsigned char c : raw)
                if (c > 1) fail(field, "bool elements must be 0 or 1");
        return a;
    }

    any_array numpy_scalar(const json& v, const std::string& field) const {
        const dtype type = dtype_of(v, field);
        const json& x = get(v, "value", field);
        any_array a = any_array::allocate(type, {}, false);
        void* out = a.mutable_data();
        const auto integer = [&](auto lo, auto hi) {
            using T = decltype(lo);
            bool ok = false;
            T t{};
            if (x.is_number_unsigned()) {
                const std::uint64_t u = x.get<std::uint64_t>();
                ok = u <= std::uint64_t(hi);
                t = static_cast<T>(u);
            } else if (x.is_number_integer()) {
                const std::int64_t i = x.get<std::int64_t>();
                ok = i >= std::int64_t(lo) && (i < 0 || std::uint64_t(i) <= std::uint64_t(hi));
                t = static_cast<T>(i);
            }
            if (!ok)
                fail(field + ".value", "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                           ", found " + x.dump().substr(0, 64));
            std::memcpy(out, &t, sizeof t);
        };
        switch (type) {
            case dtype::bool_: {
                if (!x.is_boolean()) fail(field + ".value", "expected true or false");
                const std::uint8_t b = x.get<bool>() ? 1 : 0;
                std::memcpy(out, &b, 1);
                break;
            }
            case dtype::int8: integer(std::int8_t(-128), std::int8_t(127)); break;
            case dtype::int16: integer(std::numeric_limits<std::int16_t>::min(), std::numeric_limits<std::int16_t>::max()); break;
            case dtype::int32: integer(std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()); break;
            case dtype::int64: integer(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()); break;
            case dtype::uint8: integer(std::uint8_t(0), std::numeric_limits<std::uint8_t>::max()); break;
            case dtype::uint16: integer(std::uint16_t(0), std::numeric_limits<std::uint16_t>::max()); break;
            case dtype::uint32: integer(std::uint32_t(0), std::numeric_limits<std::uint32_t>::max()); break;
            case dtype::uint64: integer(std::uint64_t(0), std::numeric_limits<std::uint64_t>::max()); break;
            case dtype::float32:
            case dtype::float64: {
                double d = 0;
                if (x.is_number()) d = x.get<double>();
                else d = nonfinite(x, field + ".value");
                if (type == dtype::float32) {
                    const float f = static_cast<float>(d);
                    std::memcpy(out, &f, sizeof f);
                } else {
                    std::memcpy(out, &d, sizeof d);
                }
                break;
            }
        }
        return a;
    }

    std::string base64(const json& v, const std::string& field) const {
        if (!v.is_string()) fail(field + ".base64", "expected a base64 string");
        const std::string& in = v.get_ref<const std::string&>();
        if (in.size() % 4 != 0) fail(field + ".base64", "length is not a multiple of 4");
        std::string out;
        out.reserve(in.size() / 4 * 3);
        const auto value = [&](char c) -> int {
            if (c >= 'A' && c <= 'Z') return c - 'A';
            if (c >= 'a' && c <= 'z') return c - 'a' + 26;
            if (c >= '0' && c <= '9') return c - '0' + 52;
            if (c == '+') return 62;
            if (c == '/') return 63;
            return -1;
        };
        for (std::size_t i = 0; i < in.size(); i += 4) {
            const bool last = i + 4 == in.size();
            const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
            int q[4];
            for (int k = 0; k < 4 - pad; ++k)
                if ((q[k] = value(in[i + k])) < 0) fail(field + ".base64", "invalid base64 character");
            for (int k = 4 - pad; k < 4; ++k) q[k] = 0;
            const std::uint32_t n = (std::uint32_t(q[0]) << 18) | (std::uint32_t(q[1]) << 12) | (std::uint32_t(q[2]) << 6) | std::uint32_t(q[3]);
            out.push_back(static_cast<char>(n >> 16));
            if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
            if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
        }
        return out;
    }

    std::string m_file;
};

}  // namespace

python_value python_value::make_bool(bool b) {
    python_value v;
    v.m_kind = kind::boolean;
    v.m_bool = b;
    return v;
}
python_value python_value::make_int(std::int64_t i) {
    python_value v;
    v.m_kind = kind::integer;
    v.m_int = i;
    return v;
}
python_value python_value::make_real(double d) {
    python_value v;
    v.m_kind = kind::real;
    v.m_real = d;
    return v;
}
python_value python_value::make_string(std::string s, kind k) {
    if (k != kind::string && k != kind::bytes) throw usage_error("", "", "python_value: a string is str or bytes");
    python_value v;
    v.m_kind = k;
    v.m_text = std::move(s);
    return v;
}
python_value python_value::make_array(any_array a, bool numpy_scalar) {
    python_value v;
    v.m_kind = kind::array;
    v.m_array = std::move(a);
    v.m_numpy_scalar = numpy_scalar;
    return v;
}
python_value python_value::make_sequence(kind k, std::vector<std::pair<std::string, python_value>> items) {
    if (k != kind::list && k != kind::tuple && k != kind::dict)
        throw usage_error("", "", "python_value: a sequence is a list, tuple or dict");
    python_value v;
    v.m_kind = k;
    v.m_items = std::move(items);
    return v;
}

const char* python_kind_name(python_value::kind k) noexcept {
    switch (k) {
        case python_value::kind::none: return "none";
        case python_value::kind::boolean: return "bool";
        case python_value::kind::integer: return "int";
        case python_value::kind::real: return "float";
        case python_value::kind::string: return "str";
        case python_value::kind::bytes: return "bytes";
        case python_value::kind::array: return "array";
        case python_value::kind::list: return "list";
        case python_value::kind::tuple: return "tuple";
        case python_value::kind::dict: return "dict";
    }
    return "?";
}

namespace {
[[noreturn]] void wrong_kind(const char* wanted, python_value::kind found) {
    throw type_error("", "", std::string("python_value: expected ") + wanted + ", found " + python_kind_name(found));
}
}  // namespace

bool python_value::as_bool() const {
    if (m_kind != kind::boolean) wrong_kind("bool", m_kind);
    return m_bool;
}
std::int64_t python_value::as_int() const {
    if (m_kind != kind::integer) wrong_kind("int", m_kind);
    return m_int;
}
double python_value::as_double() const {
    if (m_kind == kind::integer) return static_cast<double>(m_int);
    if (m_kind != kind::real) wrong_kind("float", m_kind);
    return m_real;
}
const std::string& python_value::as_string() const {
    if (m_kind != kind::string && m_kind != kind::bytes) wrong_kind("str or bytes", m_kind);
    return m_text;
}
const any_array& python_value::as_array() const {
    if (m_kind != kind::array) wrong_kind("array", m_kind);
    return m_array;
}
const python_value& python_value::operator[](std::size_t i) const {
    if (m_kind != kind::list && m_kind != kind::tuple && m_kind != kind::dict) wrong_kind("list, tuple or dict", m_kind);
    if (i >= m_items.size())
        throw usage_error("", "", "python_value: index " + std::to_string(i) + " out of range (size " +
                                      std::to_string(m_items.size()) + ")");
    return m_items[i].second;
}
const python_value& python_value::operator[](const std::string& key) const {
    if (m_kind != kind::dict) wrong_kind("dict", m_kind);
    for (const auto& item : m_items)
        if (item.first == key) return item.second;
    throw usage_error("", key, "python_value: dict has no key \"" + key + "\"");
}
bool python_value::contains(const std::string& key) const {
    if (m_kind != kind::dict) return false;
    for (const auto& item : m_items)
        if (item.first == key) return true;
    return false;
}

python_value to_python_value(const stored_object& root, const std::string& file) {
    return reader(file).object(root, "root");
}

python_value load_python_value(const std::string& path, const load_options& options) {
    return to_python_value(read_store(path, options).root, path);
}

python_value loads_python_value(const void* data, std::size_t size, const load_options& options) {
    return to_python_value(read_blob_bytes(data, size, options).root, "<memory>");
}

}  // namespace fitstore
