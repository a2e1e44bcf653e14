// provenance: what a stored model needs to be trusted and rebuilt later — the
// software that wrote it, a fingerprint of its training data, a reference to
// the training code and its cross-validation score. It is stored verbatim as
// the manifest's "provenance" object (FORMAT.md §6) and never affects loading.
//
//   dump_options options;
//   options.provenance = fitstore::provenance()
//                            .training_data(X.as_any(), y.as_any(), feature_names, "s3://bucket/iris.csv")
//                            .source_file("train.cpp")
//                            .cross_validation(5, "accuracy", scores)
//                            .training_score("accuracy", 0.987)
//                            .to_json();
//   fitstore::dump(model, "model", options);
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/ndarray.hpp"

namespace fitstore {

/// Name of the canonical byte scheme the data fingerprint hashes (FORMAT.md §6).
inline constexpr const char* fingerprint_scheme = "fitstore-fingerprint-1";
/// Version of the provenance object's own layout.
inline constexpr int provenance_version = 1;

/// Lowercase hex SHA-256 of the canonical bytes of `arrays`, in order (FORMAT.md §6):
/// "fitstore-fingerprint-1\n", then per array "<name> <numpy typestr> <d0>,<d1>,...\n"
/// followed by its elements in C order, little-endian. Throws usage_error for an
/// invalid name (see is_valid_name).
std::string data_fingerprint(const std::vector<std::pair<std::string, any_array>>& arrays);

/// Lowercase hex SHA-256 of the regular file at `path`; throws error (format_error if it is
/// missing or not a regular file, io_error if reading fails).
std::string file_sha256(const std::string& path);

/// The software that is running: fitstore version (+ git describe), format
/// version, library versions, compiler, flags and OS, as a JSON object. Never throws.
nlohmann::json software_provenance();

/// The current UTC time as "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_timestamp();

/// Builds the manifest's "provenance" object; every setter returns *this.
class provenance {
public:
    /// Starts with the software description and the current UTC time.
    provenance();

    /// Records the training data: fingerprint of X and y (named "X" and "y"),
    /// each one's dtype, shape and own fingerprint, the feature names (if any,
    /// one per column of X), an optional user URI and the label column's name.
    /// Throws usage_error if the feature names do not match X's columns.
    provenance& training_data(const any_array& X, const any_array& y,
                              const std::vector<std::string>& feature_names = {}, const std::string& uri = {},
                              const std::string& target = {});
    /// Records the training code as a user string (a commit id, a URL...).
    provenance& source(const std::string& reference);
    /// Records the training code as a file: its name and SHA-256. Throws as file_sha256.
    provenance& source_file(const std::string& path);
    /// Records a cross-validation run: k folds, the metric, per-fold scores and
    /// their mean and population std. `splitter` names the fold assignment.
    /// Throws usage_error if scores.size() != k.
    provenance& cross_validation(std::size_t k, const std::string& metric, const std::vector<double>& scores,
                                 const std::string& splitter = "stratified_kfold");
    /// Records the fitted model's score on its own training data.
    provenance& training_score(const std::string& metric, double value);
    /// Sets any other member (user metadata); throws usage_error for the reserved keys above.
    provenance& set(const std::string& key, nlohmann::json value);

    const nlohmann::json& to_json() const noexcept { return m_json; }

private:
    nlohmann::json m_json;
};

}  // namespace fitstore
