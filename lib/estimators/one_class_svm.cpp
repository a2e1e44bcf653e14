#include "fitstore/estimators/one_class_svm.hpp"

namespace fitstore {

targets one_class_svm::targets_from_decision(const ndarray<double>& dec) const {
    // libsvm: +1 only for a decision value > 0 (0 is an outlier).
    ndarray<std::int64_t> out(shape_t{dec.shape(0)});
    for (std::size_t r = 0; r < dec.shape(0); ++r) out.mutable_data()[r] = dec[r] > 0 ? 1 : -1;
    return targets::of_int64(out);
}

ndarray<std::int64_t> one_class_svm::do_predict(const ndarray<double>& X) const {
    return targets_from_decision(libsvm_decision(X)).int64s();
}

ndarray<double> one_class_svm::do_decision_function(const ndarray<double>& X) const { return single_column(libsvm_decision(X)); }

ndarray<double> one_class_svm::decision_function(const csr_matrix& X) const { return single_column(libsvm_decision(X)); }

ndarray<double> one_class_svm::score_samples(const ndarray<double>& X) const {
    ndarray<double> dec = decision_function(X);
    for (std::size_t r = 0; r < dec.size(); ++r) dec.mutable_data()[r] += m_offset[0];
    return dec;
}

}  // namespace fitstore
