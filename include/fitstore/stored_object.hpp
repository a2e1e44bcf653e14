// stored_object: the in-memory image of one persisted object, independent of
// its C++ type and of the layout it is stored in. Saving a typed object fills
// one (shallow: arrays share memory); loading fills one from disk and then
// hands it to the type's persist(). inspect/convert/unpack work on it directly.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/ndarray.hpp"

namespace fitstore {

struct stored_object {
    std::string type;                 ///< registered type name
    std::uint32_t version = 1;        ///< the type's own version
    nlohmann::json params = nlohmann::json::object();  ///< scalar parameters
    std::vector<std::pair<std::string, any_array>> arrays;         ///< in declaration order
    std::vector<std::pair<std::string, stored_object>> children;   ///< in declaration order
    nlohmann::json extra = nlohmann::json::object();  ///< unknown manifest keys, kept for round trips

    const any_array* find_array(const std::string& name) const {
        for (const auto& a : arrays)
            if (a.first == name) return &a.second;
        return nullptr;
    }
    const stored_object* find_child(const std::string& name) const {
        for (const auto& c : children)
            if (c.first == name) return &c.second;
        return nullptr;
    }
};

}  // namespace fitstore
