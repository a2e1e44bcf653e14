// svm_base: the state and behaviour the libsvm family (svc, nu_svc, svr,
// nu_svr, one_class_svm) shares, with scikit-learn 1.2's parameters, defaults,
// fitted attribute names (without the trailing underscore) and sign conventions.
//
// Training calls Debian's libsvm through one bridge (lib/estimators/
// libsvm_bridge.*); prediction is fitstore's own, through one kernel-block
// implementation over the stored arrays (dense: BLAS GEMM; CSR support
// vectors: sparse dot products), so a memory-mapped model predicts straight
// from the page cache. FORMAT.md lists each type's stored names, shapes and
// dtypes: that schema is the contract with scikit-learn's attributes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/csr_matrix.hpp"
#include "fitstore/estimators/class_labels.hpp"
#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

/// Hyper-parameters of the whole family, with scikit-learn's names and defaults;
/// each estimator uses (and stores) the ones its scikit-learn class has.
struct svm_params {
    std::string kernel = "rbf";    ///< "linear" | "poly" | "rbf" | "sigmoid"
    double C = 1.0;                ///< > 0 (svc, svr, nu_svr)
    double nu = 0.5;               ///< in (0, 1] (nu_svc, nu_svr, one_class_svm)
    double epsilon = 0.1;          ///< >= 0 (svr)
    std::string gamma = "scale";   ///< "scale" (1 / (n_features * X.var())), "auto" (1 / n_features) or a number >= 0
    int degree = 3;                ///< poly only, >= 0
    double coef0 = 0.0;            ///< poly and sigmoid
    double tol = 1e-3;             ///< libsvm's eps (stopping tolerance), > 0
    bool shrinking = true;
    double cache_size = 200;       ///< kernel cache, MB, > 0
    int max_iter = -1;             ///< only -1 (no limit): Debian's libsvm has no iteration cap parameter
    /// "" (all weights 1), "balanced" (n_samples / (n_classes * count)) or "custom"
    /// (class_weight_labels[i] gets class_weight_values[i], others 1). Classifiers with int64 labels.
    std::string class_weight;
    std::vector<std::int64_t> class_weight_labels;
    std::vector<double> class_weight_values;
    std::string decision_function_shape = "ovr";  ///< "ovr" | "ovo" (classifiers)
    bool break_ties = false;       ///< ovr only: predict = argmax of decision_function (classifiers)
    bool probability = false;      ///< fit probA/probB by libsvm's internal 5-fold CV (classifiers)
    std::uint32_t random_state = 0;  ///< seed of that CV's shuffling (scikit-learn's random_state role)
};
/// The name svc has always used for its parameters.
using svc_params = svm_params;

/// libsvm's problem types, numbered as libsvm and scikit-learn's LIBSVM_IMPL.
enum class svm_type : int { c_svc = 0, nu_svc = 1, one_class = 2, epsilon_svr = 3, nu_svr = 4 };

/// Throws usage_error naming the bad field unless `params` are valid for `type`.
void validate_svm_params(const svm_params& params, svm_type type);
/// validate_svm_params for svc.
void validate_svc_params(const svm_params& params);

class svm_base : public estimator {
public:
    const svm_params& params() const noexcept { return m_params; }
    /// Changing params does not refit; call fit() again.
    svm_params& params() noexcept { return m_params; }
    svm_type type() const noexcept { return m_type; }

    using estimator::fit;
    /// Fits on a CSR matrix; the support vectors are then kept as CSR (as scikit-learn
    /// does). Throws usage_error as the dense fit does, or for a malformed matrix.
    void fit(const csr_matrix& X, const targets& y, const std::vector<std::string>& feature_names = {});
    using estimator::predict_targets;
    targets predict_targets(const csr_matrix& X) const;

    // Fitted state (scikit-learn names without the trailing underscore).
    /// True when the support vectors are CSR (the model was fitted on CSR input).
    bool sparse() const noexcept { return m_sparse; }
    /// n_SV x n_features, grouped by class in class order (empty when sparse()).
    const ndarray<double>& support_vectors() const noexcept { return m_support_vectors; }
    /// The support vectors when sparse() (n_SV x n_features CSR).
    const csr_matrix& sparse_support_vectors() const noexcept { return m_sparse_support_vectors; }
    std::size_t n_support_vectors() const;
    /// (n_classes - 1) x n_SV for classifiers (libsvm's one-vs-one layout, binary signs flipped
    /// as scikit-learn does), 1 x n_SV otherwise.
    const ndarray<double>& dual_coef() const noexcept { return m_dual_coef; }
    /// n_classes * (n_classes - 1) / 2 pair intercepts (classifiers) or 1 value; scikit-learn's signs.
    const ndarray<double>& intercept() const noexcept { return m_intercept; }
    /// Support vectors per class (classifiers) or [n_SV] (regressors, one-class).
    const ndarray<std::int32_t>& n_support() const noexcept { return m_n_support; }
    /// Index of each support vector in the training set.
    const ndarray<std::int32_t>& support() const noexcept { return m_support; }
    /// The gamma used (gamma="scale"/"auto" resolved at fit time).
    double fitted_gamma() const noexcept { return m_gamma; }

    bool fitted() const override { return m_n_features_in != 0; }
    std::size_t n_features_in() const override { return m_n_features_in; }
    std::vector<std::string> feature_names_in() const override { return m_feature_names; }

    /// Decision values with libsvm's signs: n x n_pairs for classifiers (positive
    /// votes for the first class of a pair, pairs (0,1),(0,2),...,(1,2),...), n x 1
    /// otherwise (sum coef * K - rho). Throws usage_error if unfitted or X is wrong.
    ndarray<double> libsvm_decision(const ndarray<double>& X) const;
    ndarray<double> libsvm_decision(const csr_matrix& X) const;

    /// One persist for the whole family (each registered type inherits it): the
    /// params its scikit-learn class has, then the fitted arrays (FORMAT.md).
    template <class Archive>
    void persist(Archive& ar) {
        persist_params(ar);
        persist_fitted(ar);
    }

protected:
    svm_base(svm_params params, svm_type type) : m_params(std::move(params)), m_type(type) {}

    bool is_classifier_type() const noexcept { return m_type == svm_type::c_svc || m_type == svm_type::nu_svc; }
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                const std::vector<std::string>& feature_names) override;
    void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) override;
    /// Predictions from libsvm-signed decision values (n x n_pairs or n x 1).
    virtual targets targets_from_decision(const ndarray<double>& dec) const = 0;
    targets do_predict_targets(const ndarray<double>& X) const override;
    /// The n x 1 decision values of a regressor or one-class model as n values.
    static ndarray<double> single_column(const ndarray<double>& dec);

    /// Reads or writes the params every type stores (kernel, gamma, ...), then
    /// `C`/`nu`/`epsilon` as `type` uses them.
    template <class Archive>
    void persist_params(Archive& ar);
    /// Reads or writes the fitted arrays; checks them when loading (format_error naming the file).
    template <class Archive>
    void persist_fitted(Archive& ar);

    /// Fitted class labels (classifiers), probA / probB and offset live in the base so
    /// one fit and one validation serve every type; the derived types expose them.
    targets m_classes;
    ndarray<std::int64_t> m_classes_int64;  ///< m_classes' values when they are int64 (else empty)
    ndarray<double> m_class_weight;
    ndarray<double> m_prob_a, m_prob_b;
    ndarray<double> m_offset;

private:
    struct input;
    void fit_input(const input& X, const targets& y, const std::vector<std::string>& feature_names);
    ndarray<double> decision_of(const input& X) const;
    void check_input(const input& X) const;
    void validate_loaded(const std::string& file) const;
    void set_classes(targets classes);

    svm_params m_params;
    svm_type m_type;
    std::size_t m_n_features_in = 0;
    double m_gamma = 0.0;
    bool m_sparse = false;
    std::vector<std::string> m_feature_names;
    ndarray<double> m_support_vectors;
    csr_matrix m_sparse_support_vectors;
    ndarray<double> m_dual_coef;
    ndarray<double> m_intercept;
    ndarray<std::int32_t> m_n_support;
    ndarray<std::int32_t> m_support;
};

template <class Archive>
void svm_base::persist_params(Archive& ar) {
    ar.param("kernel", m_params.kernel);
    if (m_type == svm_type::c_svc || m_type == svm_type::epsilon_svr || m_type == svm_type::nu_svr)
        ar.param("C", m_params.C);
    if (m_type == svm_type::nu_svc || m_type == svm_type::nu_svr || m_type == svm_type::one_class)
        ar.param("nu", m_params.nu);
    if (m_type == svm_type::epsilon_svr) ar.param("epsilon", m_params.epsilon);
    ar.param("gamma", m_params.gamma);
    ar.param("degree", m_params.degree);
    ar.param("coef0", m_params.coef0);
    ar.param("tol", m_params.tol);
    ar.param("shrinking", m_params.shrinking);
    ar.param("cache_size", m_params.cache_size);
    ar.param("max_iter", m_params.max_iter);
    if (is_classifier_type()) {
        ar.param("class_weight", m_params.class_weight);
        ar.param("class_weight_labels", m_params.class_weight_labels);
        ar.param("class_weight_values", m_params.class_weight_values);
        ar.param("decision_function_shape", m_params.decision_function_shape);
        // Version-1 svc files predate these: they keep their defaults.
        if (!Archive::loading() || ar.has_param("probability")) {
            ar.param("break_ties", m_params.break_ties);
            ar.param("probability", m_params.probability);
            ar.param("random_state", m_params.random_state);
        }
    }
}

template <class Archive>
void svm_base::persist_fitted(Archive& ar) {
    std::uint64_t n_features = m_n_features_in;
    ar.param("n_features_in", n_features);
    ar.param("fitted_gamma", m_gamma);
    ar.param("feature_names_in", m_feature_names);
    if (!Archive::loading() || ar.has_param("sparse")) ar.param("sparse", m_sparse);
    if (m_sparse) {
        std::uint64_t n_rows = m_sparse_support_vectors.n_rows;
        ar.param("support_vectors_rows", n_rows);
        ar.array("support_vectors_data", m_sparse_support_vectors.data);
        ar.array("support_vectors_indices", m_sparse_support_vectors.indices);
        ar.array("support_vectors_indptr", m_sparse_support_vectors.indptr);
        if constexpr (Archive::loading()) {
            m_sparse_support_vectors.n_rows = std::size_t(n_rows);
            m_sparse_support_vectors.n_cols = std::size_t(n_features);
        }
    } else {
        ar.array("support_vectors", m_support_vectors);
    }
    ar.array("dual_coef", m_dual_coef);
    ar.array("intercept", m_intercept);
    ar.array("n_support", m_n_support);
    ar.array("support", m_support);
    if (is_classifier_type()) {
        targets classes = m_classes;
        persist_class_labels(ar, classes);
        if constexpr (Archive::loading()) set_classes(std::move(classes));
        ar.array("class_weight", m_class_weight);
        if (!Archive::loading() || ar.has_array("probA")) {
            ar.array("probA", m_prob_a);
            ar.array("probB", m_prob_b);
        }
    }
    if (m_type == svm_type::one_class) ar.array("offset", m_offset);
    if constexpr (Archive::loading()) {
        m_n_features_in = static_cast<std::size_t>(n_features);
        validate_loaded(ar.file());
    }
}

}  // namespace fitstore
