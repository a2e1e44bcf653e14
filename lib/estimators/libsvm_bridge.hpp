// Internal: the one conversion between fitstore's SVM family and Debian's
// libsvm, both ways. train_libsvm() hands a problem to svm_train and returns
// libsvm's solution as plain vectors; libsvm_predictor rebuilds a libsvm model
// from any fitted svm_base (dense or CSR support vectors), the reference the
// predict benchmark compares fitstore's own kernel blocks with. libsvm's types
// stay in the .cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "estimators/svm_kernel.hpp"
#include "fitstore/estimators/svm_base.hpp"

namespace fitstore::detail {

struct libsvm_request {
    svm_type type = svm_type::c_svc;
    kernel_spec kernel;
    double C = 1.0, nu = 0.5, epsilon = 0.1, tol = 1e-3, cache_size = 200;
    bool shrinking = true;
    bool probability = false;
    std::uint32_t seed = 0;
    std::vector<double> class_weight;  ///< classification: weight of class 0..k-1
};

struct libsvm_solution {
    std::vector<std::size_t> sv_rows;  ///< each support vector's row of X, in libsvm's order
    std::size_t coef_rows = 0;         ///< k - 1 (classification) or 1
    std::vector<double> sv_coef;       ///< coef_rows x n_SV, libsvm's signs
    std::vector<double> rho;           ///< one per pair (classification) or 1
    std::vector<double> prob_a, prob_b;  ///< per pair, when probability was asked
    std::vector<std::int32_t> n_sv;    ///< per class (classification)
};

/// Trains libsvm on the rows `order` of `X` (presented in that order; `y[i]` is
/// the target of row order[i]: class index 0..k-1 or a regression value).
/// Dense problems of at most exact_kernel_max_rows rows go to libsvm as a
/// precomputed kernel built with the BLAS dot product scikit-learn's dense
/// libsvm uses, so libsvm sees bit-identical kernel values and takes
/// scikit-learn's optimisation path; larger ones and CSR problems use libsvm's
/// own sparse kernels (identical to scikit-learn's sparse libsvm).
/// Throws usage_error for a problem libsvm refuses.
libsvm_solution train_libsvm(const row_matrix& X, const std::vector<std::size_t>& order, const std::vector<double>& y,
                             const libsvm_request& request);

/// Row-count limit of the precomputed-kernel path (its kernel takes 16 * n^2 bytes).
constexpr std::size_t exact_kernel_max_rows = 4096;

class libsvm_predictor {
public:
    /// Copies `model`'s arrays into libsvm's sparse nodes; throws usage_error if unfitted.
    explicit libsvm_predictor(const svm_base& model);
    ~libsvm_predictor();
    libsvm_predictor(const libsvm_predictor&) = delete;
    libsvm_predictor& operator=(const libsvm_predictor&) = delete;

    /// svm_predict on every row of `X`, one sample at a time: class index
    /// (classification), value (regression) or +1/-1 (one-class).
    std::vector<double> predict_values(const row_matrix& X) const;
    /// predict_values as int64 labels: the class (a classifier with int64
    /// labels) or +1/-1 (one-class); throws usage_error for other models.
    ndarray<std::int64_t> predict(const ndarray<double>& X) const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
    ndarray<std::int64_t> m_classes;  ///< int64 class labels, when the model has them
    bool m_labels = false;            ///< predict() can give int64 labels
};

}  // namespace fitstore::detail
