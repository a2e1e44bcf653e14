// svc: a C-support-vector classifier with libsvm's semantics, as scikit-learn
// 1.2's sklearn.svm.SVC exposes them (same parameters, defaults, fitted
// attribute names and sign conventions).
//
// Training calls Debian's libsvm (the solver scikit-learn wraps); its model is
// converted into dense arrays. predict() and decision_function() are fitstore's
// own: kernel blocks K = k(X_block, SV) computed with BLAS GEMM over the stored
// arrays, so a model whose arrays are memory-mapped read-only predicts straight
// from the page cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

/// Hyper-parameters, with scikit-learn's names and defaults.
struct svc_params {
    std::string kernel = "rbf";    ///< "linear" | "poly" | "rbf" | "sigmoid"
    double C = 1.0;                ///< > 0
    std::string gamma = "scale";   ///< "scale" (1 / (n_features * X.var())), "auto" (1 / n_features) or a number >= 0
    int degree = 3;                ///< poly only, >= 0
    double coef0 = 0.0;            ///< poly and sigmoid
    double tol = 1e-3;             ///< libsvm's eps (stopping tolerance), > 0
    bool shrinking = true;
    double cache_size = 200;       ///< kernel cache, MB, > 0
    int max_iter = -1;             ///< only -1 (no limit): Debian's libsvm has no iteration cap parameter
    /// "" (all weights 1), "balanced" (n_samples / (n_classes * count)) or "custom"
    /// (class_weight_labels[i] gets class_weight_values[i], others 1).
    std::string class_weight;
    std::vector<std::int64_t> class_weight_labels;
    std::vector<double> class_weight_values;
    std::string decision_function_shape = "ovr";  ///< "ovr" | "ovo"
};

class svc : public estimator {
public:
    svc() = default;
    explicit svc(svc_params params) : m_params(std::move(params)) {}

    const svc_params& params() const noexcept { return m_params; }
    /// Changing params does not refit; call fit() again.
    svc_params& params() noexcept { return m_params; }

    // Fitted state (scikit-learn names without the trailing underscore).
    /// n_SV x n_features, grouped by class in class order.
    const ndarray<double>& support_vectors() const noexcept { return m_support_vectors; }
    /// (n_classes - 1) x n_SV, libsvm's one-vs-one layout; signs as scikit-learn (flipped for binary).
    const ndarray<double>& dual_coef() const noexcept { return m_dual_coef; }
    /// n_classes * (n_classes - 1) / 2 pair intercepts, scikit-learn's signs.
    const ndarray<double>& intercept() const noexcept { return m_intercept; }
    /// Support vectors per class.
    const ndarray<std::int32_t>& n_support() const noexcept { return m_n_support; }
    /// Index of each support vector in the training set.
    const ndarray<std::int32_t>& support() const noexcept { return m_support; }
    /// Sorted distinct training labels.
    const ndarray<std::int64_t>& classes() const noexcept { return m_classes; }
    /// Weight per class used in training (scikit-learn's class_weight_).
    const ndarray<double>& class_weight() const noexcept { return m_class_weight; }
    /// The gamma used (gamma="scale"/"auto" resolved at fit time).
    double fitted_gamma() const noexcept { return m_gamma; }
    std::size_t n_classes() const { return m_classes.size(); }

    /// Decision values in libsvm's one-vs-one pair order (0,1),(0,2),...,(1,2),...
    /// with libsvm's signs (positive votes for the first class of a pair):
    /// n_samples x n_pairs. Throws usage_error as predict() does.
    ndarray<double> pairwise_decision(const ndarray<double>& X) const;

    bool fitted() const override { return m_n_features_in != 0; }
    std::size_t n_features_in() const override { return m_n_features_in; }
    std::vector<std::string> feature_names_in() const override { return m_feature_names; }
    std::string type_name() const override { return "svc"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<svc>(m_params); }
    bool is_classifier() const override { return true; }

    template <class Archive>
    void persist(Archive& ar) {
        ar.param("kernel", m_params.kernel);
        ar.param("C", m_params.C);
        ar.param("gamma", m_params.gamma);
        ar.param("degree", m_params.degree);
        ar.param("coef0", m_params.coef0);
        ar.param("tol", m_params.tol);
        ar.param("shrinking", m_params.shrinking);
        ar.param("cache_size", m_params.cache_size);
        ar.param("max_iter", m_params.max_iter);
        ar.param("class_weight", m_params.class_weight);
        ar.param("class_weight_labels", m_params.class_weight_labels);
        ar.param("class_weight_values", m_params.class_weight_values);
        ar.param("decision_function_shape", m_params.decision_function_shape);
        std::uint64_t n_features = m_n_features_in;
        ar.param("n_features_in", n_features);
        ar.param("fitted_gamma", m_gamma);
        ar.param("feature_names_in", m_feature_names);
        ar.array("support_vectors", m_support_vectors);
        ar.array("dual_coef", m_dual_coef);
        ar.array("intercept", m_intercept);
        ar.array("n_support", m_n_support);
        ar.array("support", m_support);
        ar.array("classes", m_classes);
        ar.array("class_weight", m_class_weight);
        if constexpr (Archive::loading()) {
            m_n_features_in = static_cast<std::size_t>(n_features);
            validate_loaded(ar.file());
        }
    }

protected:
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                const std::vector<std::string>& feature_names) override;
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    ndarray<double> do_decision_function(const ndarray<double>& X) const override;

private:
    /// Checks a loaded model's params and array shapes agree; throws format_error naming `file`.
    void validate_loaded(const std::string& file) const;

    svc_params m_params;
    std::size_t m_n_features_in = 0;
    double m_gamma = 0.0;
    std::vector<std::string> m_feature_names;
    ndarray<double> m_support_vectors;
    ndarray<double> m_dual_coef;
    ndarray<double> m_intercept;
    ndarray<std::int32_t> m_n_support;
    ndarray<std::int32_t> m_support;
    ndarray<std::int64_t> m_classes;
    ndarray<double> m_class_weight;
};

/// Throws usage_error naming the bad field unless `params` are valid for fitting.
void validate_svc_params(const svc_params& params);

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::svc, "svc", 1)
