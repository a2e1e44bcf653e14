#include "fitstore/estimators/svm_regressor.hpp"

namespace fitstore {

ndarray<double> svm_regressor::predict_values(const ndarray<double>& X) const { return single_column(libsvm_decision(X)); }
ndarray<double> svm_regressor::predict_values(const csr_matrix& X) const { return single_column(libsvm_decision(X)); }

targets svm_regressor::targets_from_decision(const ndarray<double>& dec) const { return targets::of_float64(single_column(dec)); }

}  // namespace fitstore
