// nu_svc: scikit-learn 1.2's sklearn.svm.NuSVC (nu in (0, 1] bounds the
// fraction of margin errors and support vectors; no C). Shares everything but
// the type with svc.
#pragma once

#include "fitstore/estimators/svm_classifier.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class nu_svc : public svm_estimator<nu_svc, svm_classifier, svm_type::nu_svc> {
public:
    using svm_estimator::svm_estimator;

    std::string type_name() const override { return "nu_svc"; }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::nu_svc, "nu_svc", 1)
