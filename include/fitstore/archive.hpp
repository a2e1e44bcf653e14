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

#include "fitstore/detail/call_persist.hpp"
#include "fitstore/detail/param_codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/registry.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

class save_archive;
class load_archive;

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
