#include "fitstore/datasets.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "iris_data.hpp"

namespace fitstore::datasets {

namespace {

std::string location(std::size_t line, std::size_t column, const std::string& name) {
    return "line " + std::to_string(line) + ", column " + std::to_string(column + 1) + " (\"" + name + "\")";
}

/// Splits one CSV line into cells; false on an unterminated quote.
bool split_line(const std::string& line, std::vector<std::string>& cells) {
    cells.clear();
    std::string cell;
    bool quoted = false, in_quotes = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (in_quotes) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                in_quotes = false;
            } else {
                cell += c;
            }
        } else if (c == '"' && !quoted && cell.find_first_not_of(" \t") == std::string::npos) {
            cell.clear();
            quoted = in_quotes = true;
        } else if (c == ',') {
            cells.push_back(std::move(cell));
            cell.clear();
            quoted = false;
        } else {
            cell += c;
        }
    }
    if (in_quotes) return false;
    cells.push_back(std::move(cell));
    return true;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::size_t column_index(const csv_table& table, const std::string& name) {
    for (std::size_t c = 0; c < table.header.size(); ++c)
        if (table.header[c] == name) return c;
    std::string known;
    for (const auto& h : table.header) known += (known.empty() ? "" : ", ") + h;
    throw usage_error(table.path, "columns", "no column named \"" + name + "\"; the header has: " + known);
}

/// Parses a whole cell as a finite double; false otherwise.
bool parse_double(const std::string& text, double& out) {
    const std::string t = trim(text);
    if (t.empty()) return false;
    char* end = nullptr;
    errno = 0;
    out = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size() && std::isfinite(out);
}

}  // namespace

dataset load_iris() {
    dataset d;
    d.X = ndarray<double>(shape_t{150, 4});
    d.y = ndarray<std::int64_t>(shape_t{150});
    double* x = d.X.mutable_data();
    std::int64_t* y = d.y.mutable_data();
    for (std::size_t i = 0; i < 150; ++i) {
        for (std::size_t f = 0; f < 4; ++f) x[i * 4 + f] = detail::iris_features[i][f];
        y[i] = detail::iris_target[i];
    }
    d.feature_names = {"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"};
    d.target_name = "target";
    d.target_names = {"setosa", "versicolor", "virginica"};
    return d;
}

csv_table read_csv_table(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "", std::string("cannot open for reading: ") + std::strerror(errno));
    csv_table table;
    table.path = path;
    std::string line;
    std::vector<std::string> cells;
    std::size_t line_number = 0;
    bool have_header = false;
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        if (!split_line(line, cells))
            throw format_error(path, "line " + std::to_string(line_number), "unterminated double quote");
        if (!have_header) {
            std::set<std::string> seen;
            for (std::size_t c = 0; c < cells.size(); ++c) {
                cells[c] = trim(cells[c]);
                if (cells[c].empty())
                    throw format_error(path, "line " + std::to_string(line_number),
                                       "header column " + std::to_string(c + 1) + " has no name");
                if (!seen.insert(cells[c]).second)
                    throw format_error(path, "line " + std::to_string(line_number),
                                       "column name \"" + cells[c] + "\" appears twice in the header");
            }
            table.header = cells;
            have_header = true;
            continue;
        }
        if (cells.size() != table.header.size())
            throw format_error(path, "line " + std::to_string(line_number),
                               "expected " + std::to_string(table.header.size()) + " cells (as in the header), found " +
                                   std::to_string(cells.size()));
        table.rows.push_back(cells);
        table.line_numbers.push_back(line_number);
    }
    if (in.bad()) throw io_error(path, "", "read failed");
    if (!have_header) throw format_error(path, "", "empty file: expected a header row and data rows");
    if (table.rows.empty()) throw format_error(path, "", "no data rows after the header");
    return table;
}

ndarray<double> numeric_columns(const csv_table& table, const std::vector<std::string>& names) {
    std::vector<std::size_t> index;
    for (const auto& name : names) index.push_back(column_index(table, name));
    const std::size_t n = table.rows.size(), d = names.size();
    ndarray<double> X(shape_t{n, d});
    double* x = X.mutable_data();
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t f = 0; f < d; ++f) {
            const std::string& cell = table.rows[r][index[f]];
            if (!parse_double(cell, x[r * d + f]))
                throw format_error(table.path, location(table.line_numbers[r], index[f], names[f]),
                                   "expected a finite number, found \"" + cell.substr(0, 64) + "\"");
        }
    return X;
}

namespace {
/// An optional sign and decimal digits only ("12", "-3"; not "1.0" or "1e3").
bool integer_literal(const std::string& s) {
    std::size_t i = (s.size() > 1 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}
}  // namespace

targets target_column(const csv_table& table, const std::string& name) {
    const std::size_t c = column_index(table, name);
    const std::size_t n = table.rows.size();
    std::vector<double> numbers(n);
    std::size_t first_number = n, first_string = n;
    bool all_integers = true;
    for (std::size_t r = 0; r < n; ++r) {
        const std::string& cell = table.rows[r][c];
        if (parse_double(cell, numbers[r])) {
            if (first_number == n) first_number = r;
            all_integers = all_integers && integer_literal(trim(cell)) && std::abs(numbers[r]) <= 9007199254740992.0;
        } else if (first_string == n) {
            first_string = r;
        }
    }
    if (first_number < n && first_string < n)
        throw format_error(table.path, location(table.line_numbers[first_string], c, name),
                           "the label column mixes numbers (\"" + table.rows[first_number][c].substr(0, 64) + "\" at line " +
                               std::to_string(table.line_numbers[first_number]) + ") and strings (\"" +
                               table.rows[first_string][c].substr(0, 64) +
                               "\"): labels must be all integers, all numbers or all strings");
    if (first_string < n || n == 0) {
        std::vector<std::string> labels;
        for (const auto& row : table.rows) labels.push_back(row[c]);
        return targets::of_strings(std::move(labels));
    }
    if (all_integers) {
        ndarray<std::int64_t> y(shape_t{n});
        for (std::size_t r = 0; r < n; ++r) y.mutable_data()[r] = static_cast<std::int64_t>(numbers[r]);
        return targets::of_int64(y);
    }
    ndarray<double> y(shape_t{n});
    for (std::size_t r = 0; r < n; ++r) {
        if (!std::isfinite(numbers[r]))
            throw format_error(table.path, location(table.line_numbers[r], c, name), "expected a finite target");
        y.mutable_data()[r] = numbers[r];
    }
    return targets::of_float64(y);
}

dataset load_csv(const std::string& path, const std::string& target) {
    const csv_table table = read_csv_table(path);
    if (table.header.size() < 2)
        throw format_error(path, "line " + std::to_string(table.line_numbers.front() - 1),
                           "expected at least one feature column and a target column, found " +
                               std::to_string(table.header.size()) + " column");
    const std::string target_name = target.empty() ? table.header.back() : target;
    const std::size_t target_index = column_index(table, target_name);
    dataset d;
    for (std::size_t c = 0; c < table.header.size(); ++c)
        if (c != target_index) d.feature_names.push_back(table.header[c]);
    d.X = numeric_columns(table, d.feature_names);
    d.target_name = target_name;
    const std::size_t n = table.rows.size();
    d.y = ndarray<std::int64_t>(shape_t{n});
    std::int64_t* y = d.y.mutable_data();
    std::set<std::int64_t> classes;
    for (std::size_t r = 0; r < n; ++r) {
        const std::string& cell = table.rows[r][target_index];
        double v = 0;
        if (!parse_double(cell, v) || v != std::floor(v) || std::abs(v) > 9007199254740992.0)
            throw format_error(path, location(table.line_numbers[r], target_index, target_name),
                               "expected an integer class label, found \"" + cell.substr(0, 64) + "\"");
        y[r] = static_cast<std::int64_t>(v);
        classes.insert(y[r]);
    }
    if (classes.size() < 2)
        throw usage_error(path, "column \"" + target_name + "\"",
                          "expected at least two classes, found only class " + std::to_string(*classes.begin()));
    return d;
}

void write_csv(const dataset& data, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw io_error(path, "", std::string("cannot open for writing: ") + std::strerror(errno));
    auto quote = [](const std::string& s) {
        if (s.find_first_of(",\"") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    const std::size_t n = data.X.shape(0), d = data.X.shape(1);
    for (std::size_t f = 0; f < d; ++f)
        out << quote(f < data.feature_names.size() ? data.feature_names[f] : "x" + std::to_string(f)) << ",";
    out << quote(data.target_name.empty() ? "target" : data.target_name) << "\n";
    out.precision(17);
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t f = 0; f < d; ++f) out << data.X[r * d + f] << ",";
        out << data.y[r] << "\n";
    }
    out.flush();
    if (!out) throw io_error(path, "", "write failed");
}

}  // namespace fitstore::datasets
