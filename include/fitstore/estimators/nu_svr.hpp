// nu_svr: scikit-learn 1.2's sklearn.svm.NuSVR (nu in (0, 1] replaces epsilon; C).
#pragma once

#include "fitstore/estimators/svm_regressor.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class nu_svr : public svm_estimator<nu_svr, svm_regressor, svm_type::nu_svr> {
public:
    using svm_estimator::svm_estimator;

    std::string type_name() const override { return "nu_svr"; }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::nu_svr, "nu_svr", 1)
