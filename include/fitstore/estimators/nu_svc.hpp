// nu_svc: scikit-learn 1.2's sklearn.svm.NuSVC (nu in (0, 1] bounds the
// fraction of margin errors and support vectors; no C). Shares everything but
// the type with svc.
#pragma once

#include <memory>

#include "fitstore/estimators/svm_classifier.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class nu_svc : public svm_classifier {
public:
    nu_svc() : svm_classifier(svm_params{}, svm_type::nu_svc) {}
    explicit nu_svc(svm_params params) : svm_classifier(std::move(params), svm_type::nu_svc) {}

    std::string type_name() const override { return "nu_svc"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<nu_svc>(params()); }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::nu_svc, "nu_svc", 1)
