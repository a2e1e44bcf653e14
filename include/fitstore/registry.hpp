// Type registration. Loading never constructs a type that is not registered:
// the manifest names types, it never carries code.
//
//   FITSTORE_REGISTER_TYPE(my_model, "my_model", 2)   // at global scope
//   FITSTORE_REGISTER_POLYMORPHIC(estimator, my_model) // to store it behind std::shared_ptr<estimator>
#pragma once

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

#define FITSTORE_REGISTER_TYPE(T, NAME, VERSION)                                 \
    template <>                                                                   \
    struct fitstore::type_registration<T> {                                       \
        static constexpr const char* name = NAME;                                 \
        static constexpr std::uint32_t version = VERSION;                         \
        static_assert(VERSION >= 1, "fitstore: type versions start at 1");        \
    };

#define FITSTORE_DETAIL_CONCAT2(a, b) a##b
#define FITSTORE_DETAIL_CONCAT(a, b) FITSTORE_DETAIL_CONCAT2(a, b)
#define FITSTORE_REGISTER_POLYMORPHIC(BASE, T)                                                     \
    namespace {                                                                                    \
    [[maybe_unused]] const bool FITSTORE_DETAIL_CONCAT(fitstore_registered_, __LINE__) =           \
        ::fitstore::polymorphic_registry<BASE>::instance().template add<T>();                      \
    }
