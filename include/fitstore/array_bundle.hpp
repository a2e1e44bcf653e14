// array_bundle: named arrays plus string attributes, for users who just want
// to store arrays (and what `fitstore pack` writes).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/ndarray.hpp"

namespace fitstore {

struct array_bundle {
    /// Arrays in insertion order; names follow the manifest naming rules.
    std::vector<std::pair<std::string, any_array>> arrays;
    std::map<std::string, std::string> attributes;

    void add(const std::string& name, any_array array) { arrays.emplace_back(name, std::move(array)); }
    template <class T>
    void add(const std::string& name, const ndarray<T>& array) { add(name, array.as_any()); }
    /// The array called `name`; throws usage_error if absent.
    const any_array& at(const std::string& name) const {
        for (const auto& a : arrays)
            if (a.first == name) return a.second;
        throw usage_error("", name, "array_bundle has no array of this name");
    }
    template <class T>
    ndarray<T> get(const std::string& name) const { return ndarray<T>::from_any(at(name), name); }

    template <class Archive>
    void persist(Archive& ar) {
        if constexpr (Archive::loading()) {
            arrays.clear();
            for (const auto& a : ar.node().arrays) arrays.push_back(a);
            attributes.clear();
            for (const auto& p : ar.node().params.items()) {
                std::string value;
                ar.param(p.key(), value);
                attributes[p.key()] = value;
            }
        } else {
            for (const auto& a : arrays) ar.array(a.first, a.second);
            for (const auto& p : attributes) ar.param(p.first, p.second);
        }
    }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::array_bundle, "array_bundle", 1)
