// svr: scikit-learn 1.2's sklearn.svm.SVR (epsilon-insensitive regression: C, epsilon).
#pragma once

#include <memory>

#include "fitstore/estimators/svm_regressor.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class svr : public svm_regressor {
public:
    svr() : svm_regressor(svm_params{}, svm_type::epsilon_svr) {}
    explicit svr(svm_params params) : svm_regressor(std::move(params), svm_type::epsilon_svr) {}

    std::string type_name() const override { return "svr"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<svr>(params()); }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::svr, "svr", 1)
