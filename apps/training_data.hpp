// Shared by fit and verify: a CSV read as training data (features, targets of
// any kind) and the training score fit records and verify recomputes.
#pragma once

#include <string>
#include <vector>

#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore::cli {

struct training_data {
    ndarray<double> X;
    targets y;  ///< empty when there is no target column
    std::vector<std::string> feature_names;
    std::string target_name;  ///< "" when there is no target column
};

/// The CSV at `path`: `target` names the target column ("" with `has_target`: the
/// last column; without `has_target`: none, every column is a feature).
/// Throws as datasets::read_csv_table, numeric_columns and target_column do.
training_data read_training_csv(const std::string& path, const std::string& target, bool has_target);

struct training_score {
    std::string metric;  ///< "accuracy" (classifiers), "r2" (regressors), "inlier_fraction" (outlier detectors)
    double value = 0;
};

/// The score of `predicted` against `y` by the metric that suits `model`.
training_score score_predictions(const estimator& model, const targets& y, const targets& predicted);

}  // namespace fitstore::cli
