// one_class_svm: scikit-learn 1.2's sklearn.svm.OneClassSVM (nu; unsupervised
// novelty detection). predict gives +1 (inlier) or -1 (outlier), as libsvm
// does: +1 only for a decision value > 0.
#pragma once

#include "fitstore/csr_matrix.hpp"
#include "fitstore/estimators/svm_base.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class one_class_svm : public svm_estimator<one_class_svm, svm_base, svm_type::one_class> {
public:
    using svm_estimator::svm_estimator;

    /// scikit-learn's offset_ (shape [1]): decision_function = score_samples - offset.
    const ndarray<double>& offset() const noexcept { return m_offset; }
    /// The unshifted scoring function (decision_function + offset).
    ndarray<double> score_samples(const ndarray<double>& X) const;
    using svm_base::decision_function;
    ndarray<double> decision_function(const csr_matrix& X) const;

    std::string type_name() const override { return "one_class_svm"; }
    bool is_outlier_detector() const override { return true; }

protected:
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    ndarray<double> do_decision_function(const ndarray<double>& X) const override;
    targets targets_from_decision(const ndarray<double>& dec) const override;
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::one_class_svm, "one_class_svm", 1)
