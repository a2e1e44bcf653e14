// svm_classifier: what svc and nu_svc share on top of svm_base: labels of any
// kind, one-vs-one voting, scikit-learn's ovr decision_function and break_ties,
// and probabilities from stored probA/probB by libsvm's pairwise coupling
// (Wu, Lin and Weng's method 2, as scikit-learn's bundled libsvm computes it),
// so a model holding scikit-learn's probA_/probB_ gives scikit-learn's predict_proba.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/csr_matrix.hpp"
#include "fitstore/estimators/svm_base.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

class svm_classifier : public svm_base {
public:
    /// Sorted distinct training labels when they are int64 (empty for float64 or string labels).
    const ndarray<std::int64_t>& classes() const noexcept { return m_classes_int64; }
    /// Sorted distinct training labels, of whatever kind they were.
    const targets& class_labels() const noexcept { return m_classes; }
    std::size_t n_classes() const { return m_classes.size(); }
    /// Weight per class used in training (scikit-learn's class_weight_).
    const ndarray<double>& class_weight() const noexcept { return m_class_weight; }
    /// Platt scaling parameters per class pair (empty unless fitted with probability).
    const ndarray<double>& probA() const noexcept { return m_prob_a; }
    const ndarray<double>& probB() const noexcept { return m_prob_b; }
    bool has_probability() const noexcept { return m_prob_a.size() != 0; }

    /// libsvm_decision(): n x n_pairs, libsvm's signs (kept under svc's old name).
    ndarray<double> pairwise_decision(const ndarray<double>& X) const { return libsvm_decision(X); }

    using svm_base::decision_function;
    ndarray<double> decision_function(const csr_matrix& X) const;
    /// n x n_classes probabilities, columns in class order; throws usage_error
    /// when the model holds no probA/probB (fitted without probability).
    ndarray<double> predict_proba(const ndarray<double>& X) const;
    ndarray<double> predict_proba(const csr_matrix& X) const;
    /// log(predict_proba(X)).
    ndarray<double> predict_log_proba(const ndarray<double>& X) const;

    bool is_classifier() const override { return true; }

protected:
    using svm_base::svm_base;
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    ndarray<double> do_decision_function(const ndarray<double>& X) const override;
    targets targets_from_decision(const ndarray<double>& dec) const override;

private:
    ndarray<double> shaped_decision(const ndarray<double>& dec) const;
    ndarray<double> proba_from_decision(const ndarray<double>& dec) const;
    /// Throws usage_error unless fitted with probA/probB.
    void check_probability() const;
};

/// libsvm's multi-class probabilities from pairwise ones (r[i][j] + r[j][i] = 1,
/// k x k row-major; the diagonal is ignored), written to p (k values): the
/// fixed-point iteration of scikit-learn's libsvm, bit for bit.
void svm_pairwise_coupling(std::size_t k, const double* r, double* p);

}  // namespace fitstore
