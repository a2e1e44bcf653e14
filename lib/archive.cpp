#include "fitstore/archive.hpp"

#include <cmath>

#include "fitstore/manifest.hpp"

namespace fitstore::detail {

void check_member_name(const std::string& name, const std::string& kind) {
    if (!is_valid_name(name))
        throw usage_error("", name, kind + " names must be 1-255 bytes of [A-Za-z0-9_.-] and not start with '.'");
}

nlohmann::json param_to_json(double v) {
    // JSON has no NaN or infinity; they travel as strings so nothing is lost.
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

double param_double(const nlohmann::json& j, const std::string& field) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (s == "nan") return std::nan("");
        if (s == "inf") return HUGE_VAL;
        if (s == "-inf") return -HUGE_VAL;
    }
    throw format_error("", field, "expected a number (or \"nan\", \"inf\", \"-inf\"), found " + j.dump().substr(0, 64));
}

long long param_signed(const nlohmann::json& j, long long lo, long long hi, const std::string& field) {
    if (j.is_number_unsigned()) {
        const auto v = j.get<unsigned long long>();
        if (v <= static_cast<unsigned long long>(hi)) return static_cast<long long>(v);
    } else if (j.is_number_integer()) {
        const auto v = j.get<long long>();
        if (v >= lo && v <= hi) return v;
    } else {
        throw format_error("", field, "expected an integer, found " + j.dump().substr(0, 64));
    }
    throw format_error("", field, "integer " + j.dump() + " is out of range [" + std::to_string(lo) + ", " +
                                      std::to_string(hi) + "]");
}

unsigned long long param_unsigned(const nlohmann::json& j, unsigned long long hi, const std::string& field) {
    if (j.is_number_unsigned()) {
        const auto v = j.get<unsigned long long>();
        if (v <= hi) return v;
    } else if (j.is_number_integer()) {
        const auto v = j.get<long long>();
        if (v >= 0 && static_cast<unsigned long long>(v) <= hi) return static_cast<unsigned long long>(v);
    } else {
        throw format_error("", field, "expected an integer, found " + j.dump().substr(0, 64));
    }
    throw format_error("", field, "integer " + j.dump() + " is out of range [0, " + std::to_string(hi) + "]");
}

}  // namespace fitstore::detail
