// Internal: the one kernel-block implementation of the SVM family (svc,
// nu_svc, svr, nu_svr, one_class_svm). K = k(X_block, SV) is computed in
// bounded blocks of rows, with BLAS GEMM when both sides are dense and a
// sparse dot product when the support vectors are CSR, so any model predicts
// straight from its (possibly memory-mapped) stored arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "fitstore/csr_matrix.hpp"
#include "fitstore/ndarray.hpp"

namespace fitstore::detail {

enum class kernel_kind { linear, poly, rbf, sigmoid };

/// "linear" | "poly" | "rbf" | "sigmoid"; false for anything else.
bool parse_kernel(const std::string& name, kernel_kind& out);

struct kernel_spec {
    kernel_kind kind = kernel_kind::rbf;
    double gamma = 0.0;
    double coef0 = 0.0;
    int degree = 3;
};

/// libsvm's integer power by squaring (its poly kernel), so fitstore rounds as libsvm does.
double powi(double base, int times);

/// A non-owning view of a row-major matrix, dense or CSR.
struct row_matrix {
    std::size_t rows = 0, cols = 0;
    const double* dense = nullptr;  ///< rows x cols, when not sparse
    const double* data = nullptr;   ///< CSR arrays, when sparse
    const std::int32_t* indices = nullptr;
    const std::int32_t* indptr = nullptr;
    bool is_csr = false;

    bool sparse() const noexcept { return is_csr; }
    static row_matrix of(const ndarray<double>& X);
    static row_matrix of(const csr_matrix& X);
    /// Squared Euclidean norm of row r.
    double squared_norm(std::size_t r) const;
};

/// Calls `consume(first_row, rows, K)` for consecutive blocks of X's rows, K
/// being rows x sv.rows, row-major, holding k(x, sv) for `spec`. Blocks are
/// bounded to about 16 MiB. X and sv must have the same number of columns.
void for_each_kernel_block(const row_matrix& X, const row_matrix& sv, const kernel_spec& spec,
                           const std::function<void(std::size_t, std::size_t, const double*)>& consume);

}  // namespace fitstore::detail
