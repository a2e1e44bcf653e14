// Cross-validation: stratified k-fold splits (scikit-learn's StratifiedKFold
// without shuffling) and cross_val_score with accuracy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"

namespace fitstore {

/// Test fold (0..k-1) of every sample, assigned as scikit-learn's
/// StratifiedKFold(k, shuffle=False) does. Throws usage_error if k < 2 or
/// every class has fewer than k members.
std::vector<std::size_t> stratified_kfold(const ndarray<std::int64_t>& y, std::size_t k);

/// Fraction of equal labels; throws usage_error if the sizes differ or are 0.
double accuracy(const ndarray<std::int64_t>& truth, const ndarray<std::int64_t>& predicted);

/// Rows of `X` (or elements of a 1-D array) at `index`, in that order, as a new heap array.
template <class T>
ndarray<T> take_rows(const ndarray<T>& X, const std::vector<std::size_t>& index);

/// Per-fold accuracy of unfitted clones of `model` fitted on the other folds
/// (stratified, as sklearn.model_selection.cross_val_score(model, X, y, cv=k)).
/// Throws usage_error as stratified_kfold and estimator::fit do.
std::vector<double> cross_val_score(const estimator& model, const ndarray<double>& X,
                                    const ndarray<std::int64_t>& y, std::size_t k = 5);

/// Mean of `scores` (0 for none).
double mean(const std::vector<double>& scores);
/// Population standard deviation of `scores`, as numpy's std() (0 for none).
double stddev(const std::vector<double>& scores);

}  // namespace fitstore
