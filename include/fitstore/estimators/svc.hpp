// svc: a C-support-vector classifier with libsvm's semantics, as scikit-learn
// 1.2's sklearn.svm.SVC exposes them (same parameters, defaults, fitted
// attribute names and sign conventions). Everything but the type is shared
// with nu_svc in svm_classifier / svm_base.
#pragma once

#include "fitstore/estimators/svm_classifier.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class svc : public svm_estimator<svc, svm_classifier, svm_type::c_svc> {
public:
    using svm_estimator::svm_estimator;

    std::string type_name() const override { return "svc"; }
};

}  // namespace fitstore

// Version 2: break_ties, probability, random_state, probA, probB, classes_kind,
// sparse support vectors (version-1 files load with their defaults).
FITSTORE_REGISTER_TYPE(fitstore::svc, "svc", 2)
