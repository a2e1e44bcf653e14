#include "provenance_text.hpp"

#include <cstdio>
#include <string>

namespace fitstore::cli {
namespace {

using nlohmann::json;

/// A JSON value as text: strings unquoted, anything else as compact JSON.
std::string plain(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// `j[key]` as text (plain), "" when absent.
std::string text(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return "";
    return plain(j[key]);
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

/// `p[key]` when it is an object; null otherwise (a section that is absent or mistyped is skipped).
const json* section(const json& p, const char* key) {
    return p.contains(key) && p[key].is_object() ? &p[key] : nullptr;
}

/// ", "-separated plain texts of the elements of an array.
std::string joined(const json& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + plain(v);
    return out;
}

void print_software(std::ostream& out, const json& s) {
    out << "  software: fitstore " << text(s, "fitstore");
    if (s.contains("git_describe")) out << " (git " << text(s, "git_describe") << ")";
    out << ", format " << text(s, "format_version") << "\n";
    out << "  compiler: " << text(s, "compiler") << " [" << text(s, "build_type") << ": " << text(s, "cxx_flags") << "]\n";
    if (const json* os = section(s, "os"))
        out << "  os: " << text(*os, "sysname") << " " << text(*os, "release") << " " << text(*os, "machine") << "\n";
    if (const json* libraries = section(s, "libraries")) {
        std::string libs;
        for (const auto& [name, version] : libraries->items()) libs += (libs.empty() ? "" : ", ") + name + " " + plain(version);
        out << "  libraries: " << libs << "\n";
    }
}

void print_training_data(std::ostream& out, const json& t) {
    out << "  training data: sha256 " << text(t, "sha256") << " (" << text(t, "fingerprint_scheme") << ")\n";
    if (t.contains("uri")) out << "    uri: " << text(t, "uri") << "\n";
    print_array(out, "X", t.value("X", json()));
    print_array(out, "y", t.value("y", json()));
    if (t.contains("target")) out << "    target column: " << text(t, "target") << "\n";
    if (t.contains("feature_names") && t["feature_names"].is_array() && !t["feature_names"].empty())
        out << "    features: " << joined(t["feature_names"]) << "\n";
}

void print_source(std::ostream& out, const json& s) {
    if (text(s, "kind") == "file")
        out << "  source: file " << text(s, "name") << "  sha256 " << text(s, "sha256") << "\n";
    else
        out << "  source: " << text(s, "reference") << "\n";
}

void print_cross_validation(std::ostream& out, const json& c) {
    std::string folds;
    if (c.contains("scores") && c["scores"].is_array())
        for (const auto& f : c["scores"]) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.4f", f.is_number() ? f.get<double>() : 0.0);
            folds += (folds.empty() ? "" : " ") + (f.is_number() ? std::string(buf) : f.dump());
        }
    out << "  cross-validation: " << text(c, "k") << "-fold " << text(c, "splitter") << ", " << text(c, "metric") << " "
        << number(c, "mean") << " +/- " << number(c, "std") << " (folds: " << folds << ")\n";
}

/// Members this printer does not know, shown as they are (newer writers may add some).
void print_unknown(std::ostream& out, const json& p) {
    static const char* known[] = {"provenance_version", "created_utc", "software",      "training_data",
                                  "source",             "cross_validation", "training_score"};
    for (const auto& [key, value] : p.items()) {
        bool is_known = false;
        for (const char* k : known) is_known = is_known || key == k;
        if (!is_known) out << "  " << key << ": " << plain(value) << "\n";
    }
}

}  // namespace

void print_provenance(std::ostream& out, const json& p) {
    if (!p.is_object() || p.empty()) return;
    out << "\nprovenance";
    if (p.contains("created_utc")) out << " (written " << text(p, "created_utc") << ")";
    out << ":\n";
    if (const json* s = section(p, "software")) print_software(out, *s);
    if (const json* t = section(p, "training_data")) print_training_data(out, *t);
    if (const json* s = section(p, "source")) print_source(out, *s);
    if (const json* c = section(p, "cross_validation")) print_cross_validation(out, *c);
    if (const json* t = section(p, "training_score"))
        out << "  training score: " << text(*t, "metric") << " " << number(*t, "value") << "\n";
    print_unknown(out, p);
}

}  // namespace fitstore::cli
