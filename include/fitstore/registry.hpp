// Type registration. Loading never constructs a type that is not registered:
// the manifest names types, it never carries code.
//
//   FITSTORE_REGISTER_TYPE(my_model, "my_model", 2)   // at global scope
//   FITSTORE_REGISTER_POLYMORPHIC(estimator, my_model) // to store it behind std::shared_ptr<estimator>
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <typeinfo>

#include "fitstore/errors.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

namespace detail {
/// The manifest's naming rule for type names, usable in a static_assert: 1-255
/// characters of [A-Za-z0-9_.-], not starting with '.'. (manifest.hpp's
/// is_valid_name applies the same rule at run time.)
constexpr bool is_valid_type_name(const char* name) {
    if (name == nullptr || name[0] == '\0' || name[0] == '.') return false;
    std::size_t n = 0;
    for (; name[n] != '\0'; ++n) {
        const char c = name[n];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        if (!ok || n >= 255) return false;
    }
    return true;
}
}  // namespace detail

/// Specialized by FITSTORE_REGISTER_TYPE: `name` and current `version`.
template <class T>
struct type_registration {
    static_assert(sizeof(T) == 0,
                  "fitstore: type is not registered; add FITSTORE_REGISTER_TYPE(T, \"name\", version) at global scope");
};

template <class T>
void save_object(const T& value, stored_object& node);
template <class T>
void load_object(const stored_object& node, T& value, const std::string& where, const std::string& file);

/// Factories for the registered types that may stand behind std::shared_ptr<Base>.
template <class Base>
class polymorphic_registry {
public:
    static polymorphic_registry& instance() {
        static polymorphic_registry registry;
        return registry;
    }

    template <class T>
    bool add() {
        std::lock_guard<std::mutex> lock(m_mutex);
        const std::string name = type_registration<T>::name;
        m_by_type[std::type_index(typeid(T))] = name;
        m_entries[name] = entry{
            [](const Base& value, stored_object& node) { save_object(static_cast<const T&>(value), node); },
            [](const stored_object& node, const std::string& where, const std::string& file) -> std::shared_ptr<Base> {
                auto value = std::make_shared<T>();
                load_object(node, *value, where, file);
                return value;
            }};
        return true;
    }

    void save(const Base& value, stored_object& node) const {
        std::function<void(const Base&, stored_object&)> fn;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            auto it = m_by_type.find(std::type_index(typeid(value)));
            if (it == m_by_type.end())
                throw type_error("", "", std::string("dynamic type ") + typeid(value).name() +
                                             " is not registered with FITSTORE_REGISTER_POLYMORPHIC");
            fn = m_entries.at(it->second).save;
        }
        fn(value, node);
    }

    std::shared_ptr<Base> load(const stored_object& node, const std::string& where, const std::string& file) const {
        std::function<std::shared_ptr<Base>(const stored_object&, const std::string&, const std::string&)> fn;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            auto it = m_entries.find(node.type);
            if (it == m_entries.end())
                throw type_error(file, where.empty() ? "root.type" : where + ".type",
                                 "type \"" + node.type.substr(0, 255) +
                                     "\" is not registered; fitstore only constructs registered types");
            fn = it->second.load;
        }
        return fn(node, where, file);
    }

private:
    struct entry {
        std::function<void(const Base&, stored_object&)> save;
        std::function<std::shared_ptr<Base>(const stored_object&, const std::string&, const std::string&)> load;
    };
    mutable std::mutex m_mutex;
    std::map<std::type_index, std::string> m_by_type;
    std::map<std::string, entry> m_entries;
};

}  // namespace fitstore

// Goes at global scope (outside any namespace), once per type. NAME is a
// string literal following the naming rule (checked at compile time): use
// "mylib.knn", not "mylib::knn".
#define FITSTORE_REGISTER_TYPE(T, NAME, VERSION)                                                           \
    template <>                                                                                             \
    struct fitstore::type_registration<T> {                                                                 \
        static constexpr const char* name = NAME;                                                           \
        static constexpr std::uint32_t version = VERSION;                                                   \
        static_assert(::fitstore::detail::is_valid_type_name(NAME),                                         \
                      "fitstore: FITSTORE_REGISTER_TYPE: type names are 1-255 characters of [A-Za-z0-9_.-] " \
                      "not starting with '.' (write \"mylib.knn\", not \"mylib::knn\")");                     \
        static_assert(VERSION >= 1, "fitstore: type versions start at 1");                                  \
    };

#define FITSTORE_DETAIL_CONCAT2(a, b) a##b
#define FITSTORE_DETAIL_CONCAT(a, b) FITSTORE_DETAIL_CONCAT2(a, b)
#define FITSTORE_REGISTER_POLYMORPHIC(BASE, T)                                                     \
    namespace {                                                                                    \
    [[maybe_unused]] const bool FITSTORE_DETAIL_CONCAT(fitstore_registered_, __LINE__) =           \
        ::fitstore::polymorphic_registry<BASE>::instance().template add<T>();                      \
    }
