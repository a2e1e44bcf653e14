#include "provenance_text.hpp"

#include <cstdio>
#include <string>

namespace fitstore::cli {
namespace {

using nlohmann::json;

/// `j[key]` as text: strings unquoted, anything else as compact JSON, "" when absent.
std::string text(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return "";
    const json& v = j[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string number(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return "?";
    const json& v = j[key];
    if (!v.is_number()) return v.dump();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v.get<double>());
    return buf;
}

std::string dims(const json& shape) {
    if (!shape.is_array()) return shape.dump();
    std::string s;
    for (const auto& d : shape) s += (s.empty() ? "" : "x") + d.dump();
    return s.empty() ? "scalar" : s;
}


void print_array(std::ostream& out, const char* name, const json& a) {
    if (!a.is_object()) return;
    out << "    " << name << ": " << text(a, "dtype") << " " << dims(a.value("shape", json())) << "  sha256 "
        << text(a, "sha256") << "\n";
}

}  // namespace

void print_provenance(std::ostream& out, const json& p) {
    if (!p.is_object() || p.empty()) return;
    out << "\nprovenance";
    if (p.contains("created_utc")) out << " (written " << text(p, "created_utc") << ")";
    out << ":\n";
    if (p.contains("software") && p["software"].is_object()) {
        const json& s = p["software"];
        out << "  software: fitstore " << text(s, "fitstore");
        if (s.contains("git_describe")) out << " (git " << text(s, "git_describe") << ")";
        out << ", format " << text(s, "format_version") << "\n";
        out << "  compiler: " << text(s, "compiler") << " [" << text(s, "build_type") << ": " << text(s, "cxx_flags")
            << "]\n";
        if (s.contains("os") && s["os"].is_object())
            out << "  os: " << text(s["os"], "sysname") << " " << text(s["os"], "release") << " "
                << text(s["os"], "machine") << "\n";
        if (s.contains("libraries") && s["libraries"].is_object()) {
            std::string libs;
            for (const auto& [name, version] : s["libraries"].items())
                libs += (libs.empty() ? "" : ", ") + name + " " + (version.is_string() ? version.get<std::string>() : version.dump());
            out << "  libraries: " << libs << "\n";
        }
    }
    if (p.contains("training_data") && p["training_data"].is_object()) {
        const json& t = p["training_data"];
        out << "  training data: sha256 " << text(t, "sha256") << " (" << text(t, "fingerprint_scheme") << ")\n";
        if (t.contains("uri")) out << "    uri: " << text(t, "uri") << "\n";
        print_array(out, "X", t.value("X", json()));
        print_array(out, "y", t.value("y", json()));
        if (t.contains("target")) out << "    target column: " << text(t, "target") << "\n";
        if (t.contains("feature_names") && t["feature_names"].is_array() && !t["feature_names"].empty()) {
            std::string names;
            for (const auto& n : t["feature_names"]) names += (names.empty() ? "" : ", ") + (n.is_string() ? n.get<std::string>() : n.dump());
            out << "    features: " << names << "\n";
        }
    }
    if (p.contains("source") && p["source"].is_object()) {
        const json& s = p["source"];
        if (text(s, "kind") == "file")
            out << "  source: file " << text(s, "name") << "  sha256 " << text(s, "sha256") << "\n";
        else
            out << "  source: " << text(s, "reference") << "\n";
    }
    if (p.contains("cross_validation") && p["cross_validation"].is_object()) {
        const json& c = p["cross_validation"];
        std::string folds;
        if (c.contains("scores") && c["scores"].is_array())
            for (const auto& f : c["scores"]) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.4f", f.is_number() ? f.get<double>() : 0.0);
                folds += (folds.empty() ? "" : " ") + (f.is_number() ? std::string(buf) : f.dump());
            }
        out << "  cross-validation: " << text(c, "k") << "-fold " << text(c, "splitter") << ", " << text(c, "metric")
            << " " << number(c, "mean") << " +/- " << number(c, "std") << " (folds: " << folds << ")\n";
    }
    if (p.contains("training_score") && p["training_score"].is_object()) {
        const json& t = p["training_score"];
        out << "  training score: " << text(t, "metric") << " " << number(t, "value") << "\n";
    }
    static const char* known[] = {"provenance_version", "created_utc", "software",      "training_data",
                                  "source",             "cross_validation", "training_score"};
    for (const auto& [key, value] : p.items()) {
        bool is_known = false;
        for (const char* k : known) is_known = is_known || key == k;
        if (!is_known) out << "  " << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
}

}  // namespace fitstore::cli
