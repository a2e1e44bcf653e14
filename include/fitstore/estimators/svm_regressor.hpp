// svm_regressor: what svr and nu_svr share on top of svm_base: float64
// predictions sum(dual_coef * K) + intercept.
#pragma once

#include "fitstore/csr_matrix.hpp"
#include "fitstore/estimators/svm_base.hpp"

namespace fitstore {

class svm_regressor : public svm_base {
public:
    /// One predicted value per row of `X`; throws usage_error if unfitted or X is wrong.
    ndarray<double> predict_values(const ndarray<double>& X) const;
    ndarray<double> predict_values(const csr_matrix& X) const;

    bool is_regressor() const override { return true; }

protected:
    using svm_base::svm_base;
    targets targets_from_decision(const ndarray<double>& dec) const override;
};

}  // namespace fitstore
