// The persist() API: how a user type tells fitstore what to store.
//
//   struct my_model { double C; fitstore::ndarray<double> w; my_scaler scaler; };
//   template <class Archive> void persist(Archive& ar, my_model& m) {
//       ar.param("C", m.C);
//       ar.array("w", m.w);
//       ar.child("scaler", m.scaler);
//   }
//   FITSTORE_REGISTER_TYPE(my_model, "my_model", 1)
//
// The same function serves saving and loading; ar.loading() tells which, and
// ar.version() is the type version being read (or the current one on save),
// so a version-2 type can migrate version-1 data. A type with a member
// `template <class A> void persist(A&)` works too.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/errors.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/registry.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

class save_archive;
class load_archive;

namespace detail {

template <class A, class T, class = void>
struct has_member_persist : std::false_type {};
template <class A, class T>
struct has_member_persist<A, T, std::void_t<decltype(std::declval<T&>().persist(std::declval<A&>()))>>
    : std::true_type {};

template <class A, class T, class = void>
struct has_free_persist : std::false_type {};
template <class A, class T>
struct has_free_persist<A, T, std::void_t<decltype(persist(std::declval<A&>(), std::declval<T&>()))>>
    : std::true_type {};

template <class A, class T>
void call_persist(A& ar, T& value) {
    static_assert(has_member_persist<A, T>::value || has_free_persist<A, T>::value,
                  "fitstore: this type cannot be persisted. Provide either a member "
                  "`template <class Archive> void persist(Archive& ar)` or a free function "
                  "`template <class Archive> void persist(Archive& ar, T& value)` found by ADL.");
    if constexpr (has_member_persist<A, T>::value)
        value.persist(ar);
    else
        persist(ar, value);
}

template <class T> struct is_std_vector : std::false_type {};
template <class T, class A> struct is_std_vector<std::vector<T, A>> : std::true_type {};

/// Checks that a name is a valid manifest/zarr path segment; throws usage_error otherwise.
void check_member_name(const std::string& name, const std::string& kind);

// Strict JSON -> C++ conversion for params: integers must be integral and in
// range, bools must be bools; non-finite doubles travel as "nan"/"inf"/"-inf".
nlohmann::json param_to_json(double v);
double param_double(const nlohmann::json& j, const std::string& field);
long long param_signed(const nlohmann::json& j, long long lo, long long hi, const std::string& field);
unsigned long long param_unsigned(const nlohmann::json& j, unsigned long long hi, const std::string& field);

template <class T>
nlohmann::json param_encode(const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T> || std::is_same_v<T, std::string>)
        return nlohmann::json(v);
    else if constexpr (std::is_floating_point_v<T>)
        return param_to_json(static_cast<double>(v));
    else if constexpr (is_std_vector<T>::value) {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& x : v) a.push_back(param_encode(static_cast<typename T::value_type>(x)));
        return a;
    } else
        static_assert(sizeof(T) == 0, "fitstore: params are bool, integers, float/double, std::string or std::vector of them");
}

template <class T>
void param_decode(const nlohmann::json& j, T& out, const std::string& field) {
    if constexpr (std::is_same_v<T, bool>) {
        if (!j.is_boolean()) throw format_error("", field, "expected a boolean, found " + j.dump().substr(0, 64));
        out = j.get<bool>();
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        out = static_cast<T>(param_signed(j, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), field));
    } else if constexpr (std::is_integral_v<T>) {
        out = static_cast<T>(param_unsigned(j, std::numeric_limits<T>::max(), field));
    } else if constexpr (std::is_floating_point_v<T>) {
        out = static_cast<T>(param_double(j, field));
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!j.is_string()) throw format_error("", field, "expected a string, found " + j.dump().substr(0, 64));
        out = j.get<std::string>();
    } else if constexpr (is_std_vector<T>::value) {
        if (!j.is_array()) throw format_error("", field, "expected a list, found " + j.dump().substr(0, 64));
        T values;
        values.reserve(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) {
            typename T::value_type x{};
            param_decode(j[i], x, field + "[" + std::to_string(i) + "]");
            values.push_back(std::move(x));
        }
        out = std::move(values);
    } else {
        static_assert(sizeof(T) == 0, "fitstore: params are bool, integers, float/double, std::string or std::vector of them");
    }
}

}  // namespace detail

/// Builds a stored_object from a typed object. Arrays are shared, not copied.
class save_archive {
public:
    save_archive(stored_object& node, std::uint32_t version) : m_node(node), m_version(version) {}

    static constexpr bool loading() { return false; }
    static constexpr bool saving() { return true; }
    std::uint32_t version() const noexcept { return m_version; }

    template <class T>
    void param(const std::string& name, const T& value) {
        detail::check_member_name(name, "param");
        if (m_node.params.contains(name)) throw usage_error("", "params." + name, "param stored twice");
        m_node.params[name] = detail::param_encode(value);
    }

    template <class T>
    void array(const std::string& name, const ndarray<T>& value) {
        check_new_member(name, "array");
        m_node.arrays.emplace_back(name, value.as_any());
    }
    void array(const std::string& name, const any_array& value) {
        check_new_member(name, "array");
        m_node.arrays.emplace_back(name, value);
    }

    template <class T>
    void child(const std::string& name, const T& value);

    /// A polymorphic child: the registry of Base finds the dynamic type's name.
    template <class Base>
    void child(const std::string& name, const std::shared_ptr<Base>& value);

    bool has_param(const std::string&) const { return false; }
    bool has_array(const std::string&) const { return false; }
    bool has_child(const std::string&) const { return false; }

private:
    void check_new_member(const std::string& name, const std::string& kind) {
        detail::check_member_name(name, kind);
        if (m_node.find_array(name) || m_node.find_child(name))
            throw usage_error("", name, kind + " name already used by another array or child of this object");
    }
    stored_object& m_node;
    std::uint32_t m_version;
};

/// Fills a typed object from a stored_object. Arrays are shared (mapped or owned).
class load_archive {
public:
    /// `where` is the object's path in the tree ("" for the root), used in messages.
    load_archive(const stored_object& node, std::string where, std::string file)
        : m_node(node), m_where(std::move(where)), m_file(std::move(file)) {}

    static constexpr bool loading() { return true; }
    static constexpr bool saving() { return false; }
    std::uint32_t version() const noexcept { return m_node.version; }
    const std::string& file() const noexcept { return m_file; }

    bool has_param(const std::string& name) const { return m_node.params.contains(name); }
    bool has_array(const std::string& name) const { return m_node.find_array(name) != nullptr; }
    bool has_child(const std::string& name) const { return m_node.find_child(name) != nullptr; }

    template <class T>
    void param(const std::string& name, T& value) const {
        const std::string field = qualified("params." + name);
        if (!m_node.params.contains(name)) throw format_error(m_file, field, "required param is missing");
        try {
            detail::param_decode(m_node.params.at(name), value, field);
        } catch (const format_error& e) {
            throw format_error(m_file, e.field(), e.message());
        }
    }

    template <class T>
    void array(const std::string& name, ndarray<T>& value) const {
        const std::string field = qualified("arrays." + name);
        const any_array* found = m_node.find_array(name);
        if (!found) throw format_error(m_file, field, "required array is missing");
        try {
            value = ndarray<T>::from_any(*found, field);
        } catch (const type_error& e) {
            throw type_error(m_file, field, e.message());
        }
    }
    void array(const std::string& name, any_array& value) const {
        const any_array* found = m_node.find_array(name);
        if (!found) throw format_error(m_file, qualified("arrays." + name), "required array is missing");
        value = *found;
    }

    template <class T>
    void child(const std::string& name, T& value) const;

    template <class Base>
    void child(const std::string& name, std::shared_ptr<Base>& value) const;

    const stored_object& node() const noexcept { return m_node; }

private:
    std::string qualified(const std::string& field) const { return m_where.empty() ? field : m_where + "." + field; }
    const stored_object& m_node;
    std::string m_where;
    std::string m_file;
};

/// Fills `node` from `value` (type name and version from its registration).
template <class T>
void save_object(const T& value, stored_object& node) {
    node.type = type_registration<T>::name;
    node.version = type_registration<T>::version;
    save_archive ar(node, node.version);
    // persist() takes T& so one function serves both directions; saving never writes to it.
    detail::call_persist(ar, const_cast<T&>(value));
}

/// Fills `value` from `node`, refusing a node of another type or a newer type version.
template <class T>
void load_object(const stored_object& node, T& value, const std::string& where, const std::string& file) {
    const std::string field = where.empty() ? "root.type" : where + ".type";
    if (node.type != type_registration<T>::name)
        throw type_error(file, field,
                         "expected an object of type \"" + std::string(type_registration<T>::name) + "\", found \"" +
                             node.type + "\"");
    if (node.version > type_registration<T>::version || node.version == 0)
        throw version_error(file, where.empty() ? "root.version" : where + ".version",
                            "type \"" + node.type + "\" version " + std::to_string(node.version) +
                                " is newer than this build supports (" +
                                std::to_string(type_registration<T>::version) + ")");
    load_archive ar(node, where, file);
    detail::call_persist(ar, value);
}

template <class T>
void save_archive::child(const std::string& name, const T& value) {
    check_new_member(name, "child");
    stored_object node;
    save_object(value, node);
    m_node.children.emplace_back(name, std::move(node));
}

template <class T>
void load_archive::child(const std::string& name, T& value) const {
    const stored_object* found = m_node.find_child(name);
    const std::string where = qualified("children." + name);
    if (!found) throw format_error(m_file, where, "required child object is missing");
    load_object(*found, value, where, m_file);
}

template <class Base>
void save_archive::child(const std::string& name, const std::shared_ptr<Base>& value) {
    check_new_member(name, "child");
    if (!value) throw usage_error("", name, "cannot persist an empty pointer");
    stored_object node;
    polymorphic_registry<Base>::instance().save(*value, node);
    m_node.children.emplace_back(name, std::move(node));
}

template <class Base>
void load_archive::child(const std::string& name, std::shared_ptr<Base>& value) const {
    const stored_object* found = m_node.find_child(name);
    const std::string where = qualified("children." + name);
    if (!found) throw format_error(m_file, where, "required child object is missing");
    value = polymorphic_registry<Base>::instance().load(*found, where, m_file);
}

}  // namespace fitstore
