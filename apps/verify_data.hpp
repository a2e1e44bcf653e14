// verify --data: the checks that need the training data and the estimators.
#pragma once

#include <string>
#include <vector>

#include "fitstore/verify.hpp"

namespace fitstore::cli {

/// Checks the model at `model_path` against the CSV `data_path`: the data
/// fingerprint, the training score reproduced exactly and, if `refit` is true,
/// the cross-validation score of a refit within max(0.02, 2 x stored std) of
/// the stored mean. Throws error if either file cannot be read.
std::vector<verify_check> verify_training_data(const std::string& model_path, const std::string& data_path, bool refit);

}  // namespace fitstore::cli
