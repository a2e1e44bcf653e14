// Training data: the iris table embedded in the library, and a small CSV
// reader (header row, numeric columns, an integer class label column).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore::datasets {

/// Features, integer labels and the names that go with them.
struct dataset {
    ndarray<double> X;                       ///< n_samples x n_features
    ndarray<std::int64_t> y;                 ///< n_samples class labels
    std::vector<std::string> feature_names;  ///< one per column of X
    std::string target_name;
    std::vector<std::string> target_names;   ///< class names when known (iris), else empty
};

/// Fisher's iris: 150 x 4 measurements (cm), labels 0 setosa, 1 versicolor,
/// 2 virginica; the same numbers as sklearn.datasets.load_iris(). Never throws
/// (except std::bad_alloc).
dataset load_iris();

/// A CSV file as text: header names and rows of cells (blank lines skipped).
struct csv_table {
    std::string path;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::size_t> line_numbers;  ///< 1-based file line of each row
};

/// Reads `path`: a header row, then rows with as many cells as the header;
/// double-quoted cells may contain commas ("" is a quote). Throws io_error if
/// unreadable, format_error naming file and line for an empty file, a blank or
/// repeated column name, ragged rows or an unterminated quote.
csv_table read_csv_table(const std::string& path);

/// The columns called `names`, in that order, as an n_rows x names.size()
/// float64 matrix. Throws usage_error naming the file for a missing column,
/// format_error naming file, line and column for a non-numeric or non-finite cell.
ndarray<double> numeric_columns(const csv_table& table, const std::vector<std::string>& names);

/// Loads a classification data set: `target` names the label column (empty:
/// the last column), every other column is a feature. Throws as read_csv_table
/// and numeric_columns do, usage_error for an unknown target column, format_error
/// for a non-integer label and usage_error when the labels hold one class only.
dataset load_csv(const std::string& path, const std::string& target = "");

/// The column called `name` as targets of one kind: int64 when every cell is an
/// integer literal, float64 when every cell is a number, strings when no cell is
/// a number. Throws usage_error for an unknown column and format_error naming
/// file, line and column when numbers and strings are mixed (no single kind fits).
targets target_column(const csv_table& table, const std::string& name);

/// Writes `data` as CSV (feature columns, then the target column) with
/// round-trip precision. Throws io_error.
void write_csv(const dataset& data, const std::string& path);

}  // namespace fitstore::datasets
