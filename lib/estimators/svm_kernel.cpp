#include "estimators/svm_kernel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <vector>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

namespace fitstore::detail {

namespace {
/// Kernel blocks are bounded to this many bytes, so predicting a million
/// samples against a large model never allocates n_samples x n_SV doubles.
constexpr std::size_t kernel_block_bytes = std::size_t(16) << 20;
}  // namespace

bool parse_kernel(const std::string& name, kernel_kind& out) {
    static const std::map<std::string, kernel_kind> kinds{{"linear", kernel_kind::linear},
                                                           {"poly", kernel_kind::poly},
                                                           {"rbf", kernel_kind::rbf},
                                                           {"sigmoid", kernel_kind::sigmoid}};
    auto it = kinds.find(name);
    if (it == kinds.end()) return false;
    out = it->second;
    return true;
}

double powi(double base, int times) {
    double tmp = base, ret = 1.0;
    for (int t = times; t > 0; t /= 2) {
        if (t % 2 == 1) ret *= tmp;
        tmp = tmp * tmp;
    }
    return ret;
}

row_matrix row_matrix::of(const ndarray<double>& X) {
    row_matrix m;
    m.rows = X.rank() == 2 ? X.shape(0) : 0;
    m.cols = X.rank() == 2 ? X.shape(1) : 0;
    m.dense = X.data();
    return m;
}

row_matrix row_matrix::of(const csr_matrix& X) {
    row_matrix m;
    m.rows = X.n_rows;
    m.cols = X.n_cols;
    m.data = X.data.data();
    m.indices = X.indices.data();
    m.indptr = X.indptr.data();
    m.is_csr = true;
    return m;
}

double row_matrix::squared_norm(std::size_t r) const {
    double s = 0.0;
    if (!sparse()) {
        const double* x = dense + r * cols;
        for (std::size_t f = 0; f < cols; ++f) s += x[f] * x[f];
    } else {
        for (auto k = indptr[r]; k < indptr[r + 1]; ++k) s += data[k] * data[k];
    }
    return s;
}

namespace {

/// Rows [r0, r0 + rows) of `X` as dense row-major values: X's own memory, or
/// (CSR) densified into `scratch`.
const double* dense_block(const row_matrix& X, std::size_t r0, std::size_t rows, std::vector<double>& scratch) {
    const std::size_t d = X.cols;
    if (!X.sparse()) return X.dense + r0 * d;
    scratch.assign(rows * d, 0.0);
    for (std::size_t b = 0; b < rows; ++b)
        for (auto k = X.indptr[r0 + b]; k < X.indptr[r0 + b + 1]; ++k) scratch[b * d + std::size_t(X.indices[k])] = X.data[k];
    return scratch.data();
}

/// kernel = X_block . SV^T (rows x n_SV): GEMM for dense support vectors, sparse dot products for CSR ones.
void dot_block(const double* xb, std::size_t rows, std::size_t d, const row_matrix& sv, xt::xtensor<double, 2>& kernel) {
    const std::size_t nsv = sv.rows;
    kernel.resize({rows, nsv});
    if (nsv == 0) return;
    if (!sv.sparse()) {
        const std::array<std::size_t, 2> xs{rows, d}, ss{nsv, d};
        const auto xa = xt::adapt(xb, rows * d, xt::no_ownership(), xs);
        const auto sa = xt::adapt(sv.dense, nsv * d, xt::no_ownership(), ss);
        xt::blas::gemm(xa, sa, kernel, false, true);
        return;
    }
    for (std::size_t b = 0; b < rows; ++b) {
        const double* x = xb + b * d;
        double* row = kernel.data() + b * nsv;
        for (std::size_t s = 0; s < nsv; ++s) {
            double dot = 0.0;
            for (auto k = sv.indptr[s]; k < sv.indptr[s + 1]; ++k) dot += sv.data[k] * x[sv.indices[k]];
            row[s] = dot;
        }
    }
}

/// Turns the dot products `kv` (rows x n_SV) into kernel values in place.
void apply_kernel(const kernel_spec& spec, const double* xb, std::size_t rows, std::size_t d,
                  const std::vector<double>& sv_norm, double* kv) {
    const std::size_t nsv = sv_norm.size();
    for (std::size_t b = 0; b < rows; ++b) {
        double* row = kv + b * nsv;
        switch (spec.kind) {
            case kernel_kind::linear: break;
            case kernel_kind::poly:
                for (std::size_t s = 0; s < nsv; ++s) row[s] = powi(spec.gamma * row[s] + spec.coef0, spec.degree);
                break;
            case kernel_kind::rbf: {
                double x_norm = 0.0;
                const double* x = xb + b * d;
                for (std::size_t f = 0; f < d; ++f) x_norm += x[f] * x[f];
                for (std::size_t s = 0; s < nsv; ++s)
                    row[s] = std::exp(-spec.gamma * std::max(0.0, x_norm + sv_norm[s] - 2.0 * row[s]));
                break;
            }
            case kernel_kind::sigmoid:
                for (std::size_t s = 0; s < nsv; ++s) row[s] = std::tanh(spec.gamma * row[s] + spec.coef0);
                break;
        }
    }
}

}  // namespace

void for_each_kernel_block(const row_matrix& X, const row_matrix& sv, const kernel_spec& spec,
                           const std::function<void(std::size_t, std::size_t, const double*)>& consume) {
    const std::size_t n = X.rows, d = X.cols, nsv = sv.rows;
    if (n == 0) return;
    std::vector<double> sv_norm(nsv, 0.0);
    if (spec.kind == kernel_kind::rbf)
        for (std::size_t s = 0; s < nsv; ++s) sv_norm[s] = sv.squared_norm(s);
    // A CSR X is densified one block at a time: the block is small, and the
    // dense side then feeds GEMM (dense SVs) or the sparse SV dot products.
    const std::size_t per_row = std::max<std::size_t>(nsv, 1) + (X.sparse() ? d : 0);
    const std::size_t block = std::clamp<std::size_t>(kernel_block_bytes / (per_row * sizeof(double)), 1, n);
    xt::xtensor<double, 2> kernel;
    std::vector<double> x_block;
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
        const std::size_t rows = std::min(block, n - r0);
        const double* xb = dense_block(X, r0, rows, x_block);
        dot_block(xb, rows, d, sv, kernel);
        apply_kernel(spec, xb, rows, d, sv_norm, kernel.data());
        consume(r0, rows, kernel.data());
    }
}

}  // namespace fitstore::detail
