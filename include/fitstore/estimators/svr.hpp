// svr: scikit-learn 1.2's sklearn.svm.SVR (epsilon-insensitive regression: C, epsilon).
#pragma once

#include "fitstore/estimators/svm_regressor.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class svr : public svm_estimator<svr, svm_regressor, svm_type::epsilon_svr> {
public:
    using svm_estimator::svm_estimator;

    std::string type_name() const override { return "svr"; }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::svr, "svr", 1)
