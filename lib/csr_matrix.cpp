#include "fitstore/csr_matrix.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "fitstore/errors.hpp"

namespace fitstore {

csr_matrix csr_matrix::from_dense(const ndarray<double>& X) {
    if (X.rank() != 2) throw usage_error("", "X", "expected a 2-D array, found shape " + shape_to_string(X.shape()));
    const std::size_t n = X.shape(0), d = X.shape(1);
    constexpr std::size_t limit = std::size_t(std::numeric_limits<std::int32_t>::max());
    if (d > limit) throw usage_error("", "X", "CSR indices are int32; too many columns: " + std::to_string(d));
    std::size_t nnz = 0;
    for (double v : X) nnz += v != 0.0;
    if (nnz > limit) throw usage_error("", "X", "CSR offsets are int32; too many non-zeros: " + std::to_string(nnz));
    csr_matrix m;
    m.n_rows = n;
    m.n_cols = d;
    m.data = ndarray<double>(shape_t{nnz});
    m.indices = ndarray<std::int32_t>(shape_t{nnz});
    m.indptr = ndarray<std::int32_t>(shape_t{n + 1});
    std::size_t k = 0;
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t f = 0; f < d; ++f)
            if (X[r * d + f] != 0.0) {
                m.data.mutable_data()[k] = X[r * d + f];
                m.indices.mutable_data()[k] = std::int32_t(f);
                ++k;
            }
        m.indptr.mutable_data()[r + 1] = std::int32_t(k);
    }
    return m;
}

ndarray<double> csr_matrix::to_dense() const {
    ndarray<double> out(shape_t{n_rows, n_cols});
    for (std::size_t r = 0; r < n_rows; ++r)
        for (auto k = indptr[r]; k < indptr[r + 1]; ++k) out.mutable_data()[r * n_cols + std::size_t(indices[k])] = data[k];
    return out;
}

std::string csr_problem(const csr_matrix& m, std::string& field) {
    auto problem = [&](const char* array, std::string message) {
        field = array;
        return message;
    };
    if (m.indptr.shape() != shape_t{m.n_rows + 1})
        return problem("indptr", "expected shape " + shape_to_string(shape_t{m.n_rows + 1}) + ", found " +
                                     shape_to_string(m.indptr.shape()));
    const std::size_t nnz = m.data.size();
    if (m.data.rank() != 1) return problem("data", "expected a 1-D array, found shape " + shape_to_string(m.data.shape()));
    if (m.indices.shape() != shape_t{nnz})
        return problem("indices", "expected shape " + shape_to_string(shape_t{nnz}) + " (as data), found " +
                                      shape_to_string(m.indices.shape()));
    if (m.indptr[0] != 0) return problem("indptr", "expected indptr[0] == 0, found " + std::to_string(m.indptr[0]));
    if (std::size_t(m.indptr[m.n_rows]) != nnz)
        return problem("indptr", "expected the last offset to be nnz = " + std::to_string(nnz) + ", found " +
                                     std::to_string(m.indptr[m.n_rows]));
    // Every offset is checked before any is used, so that none points past nnz.
    for (std::size_t r = 0; r < m.n_rows; ++r)
        if (m.indptr[r + 1] < m.indptr[r]) return problem("indptr", "offsets decrease at row " + std::to_string(r));
    for (std::size_t r = 0; r < m.n_rows; ++r) {
        for (auto k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
            const auto c = m.indices[std::size_t(k)];
            if (c < 0 || std::size_t(c) >= m.n_cols)
                return problem("indices", "column " + std::to_string(c) + " out of range [0, " + std::to_string(m.n_cols) +
                                              ") in row " + std::to_string(r));
            if (k > m.indptr[r] && m.indices[std::size_t(k - 1)] >= c)
                return problem("indices", "columns not strictly increasing in row " + std::to_string(r));
            if (!std::isfinite(m.data[std::size_t(k)]))
                return problem("data", "expected finite values, found " + std::to_string(m.data[std::size_t(k)]) +
                                           " in row " + std::to_string(r));
        }
    }
    field.clear();
    return {};
}

}  // namespace fitstore
