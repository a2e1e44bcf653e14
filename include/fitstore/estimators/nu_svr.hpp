// nu_svr: scikit-learn 1.2's sklearn.svm.NuSVR (nu in (0, 1] replaces epsilon; C).
#pragma once

#include <memory>

#include "fitstore/estimators/svm_regressor.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class nu_svr : public svm_regressor {
public:
    nu_svr() : svm_regressor(svm_params{}, svm_type::nu_svr) {}
    explicit nu_svr(svm_params params) : svm_regressor(std::move(params), svm_type::nu_svr) {}

    std::string type_name() const override { return "nu_svr"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<nu_svr>(params()); }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::nu_svr, "nu_svr", 1)
