// Internal to archive.hpp: params between C++ values and the manifest's JSON
// (strict on load: integers integral and in range, bools bool; non-finite
// doubles as "nan"/"inf"/"-inf"), and the member-name rule. The non-template
// functions are compiled in lib/archive.cpp.
#pragma once

#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

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

}  // namespace fitstore::detail
