// csr_matrix: a compressed-sparse-row matrix with scipy.sparse.csr_matrix's
// three arrays (data, indices, indptr) and its shape. The SVM family fits on it,
// predicts from it, and keeps the support vectors of a sparse fit in it (three
// stored arrays, each mappable).
#pragma once

#include <cstdint>
#include <string>

#include "fitstore/ndarray.hpp"

namespace fitstore {

struct csr_matrix {
    std::size_t n_rows = 0, n_cols = 0;
    ndarray<double> data;            ///< nnz values, row by row
    ndarray<std::int32_t> indices;   ///< nnz column indices, strictly increasing within a row
    ndarray<std::int32_t> indptr;    ///< n_rows + 1 offsets into data/indices, indptr[0] == 0

    /// The non-zero entries of a 2-D dense matrix, row by row; throws usage_error
    /// for another rank or more than 2^31 - 1 non-zeros or columns.
    static csr_matrix from_dense(const ndarray<double>& X);
    /// The same matrix with its zeros written out.
    ndarray<double> to_dense() const;
    std::size_t nnz() const noexcept { return data.size(); }
    shape_t shape() const { return {n_rows, n_cols}; }
};

/// Checks that `m` is a well-formed canonical CSR matrix (array shapes, indptr
/// 0..nnz and non-decreasing, indices in range and increasing within each row,
/// finite data). Returns "" or a message; `field` says which array is wrong.
std::string csr_problem(const csr_matrix& m, std::string& field);

}  // namespace fitstore
