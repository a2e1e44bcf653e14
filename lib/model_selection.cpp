#include "fitstore/model_selection.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace fitstore {

std::vector<std::size_t> stratified_kfold(const ndarray<std::int64_t>& y, std::size_t k) {
    if (k < 2) throw usage_error("", "k", "expected at least 2 folds, found " + std::to_string(k));
    const std::size_t n = y.size();
    // Classes numbered by first appearance, as StratifiedKFold encodes them.
    std::map<std::int64_t, std::size_t> code;
    std::vector<std::size_t> encoded(n);
    for (std::size_t i = 0; i < n; ++i) encoded[i] = code.emplace(y[i], code.size()).first->second;
    const std::size_t n_classes = code.size();
    std::vector<std::size_t> counts(n_classes, 0);
    for (std::size_t c : encoded) ++counts[c];
    if (*std::max_element(counts.begin(), counts.end()) < k)
        throw usage_error("", "k", std::to_string(k) + " folds cannot be greater than the number of members in each class");
    // allocation[f][c]: class c's share of test fold f, dealt round robin over the sorted labels.
    std::vector<std::size_t> sorted(encoded);
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::vector<std::size_t>> allocation(k, std::vector<std::size_t>(n_classes, 0));
    for (std::size_t i = 0; i < n; ++i) ++allocation[i % k][sorted[i]];
    // Each class's samples go to folds in blocks, keeping their order.
    std::vector<std::size_t> folds(n);
    std::vector<std::size_t> fold_of_class(n_classes, 0), used(n_classes, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = encoded[i];
        while (used[c] == allocation[fold_of_class[c]][c]) {
            ++fold_of_class[c];
            used[c] = 0;
        }
        folds[i] = fold_of_class[c];
        ++used[c];
    }
    return folds;
}

double accuracy(const ndarray<std::int64_t>& truth, const ndarray<std::int64_t>& predicted) {
    if (truth.size() != predicted.size() || truth.size() == 0)
        throw usage_error("", "accuracy", "expected two non-empty label arrays of equal size, found " +
                                              std::to_string(truth.size()) + " and " + std::to_string(predicted.size()));
    std::size_t equal = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) equal += truth[i] == predicted[i];
    return double(equal) / double(truth.size());
}

template <class T>
ndarray<T> take_rows(const ndarray<T>& X, const std::vector<std::size_t>& index) {
    const std::size_t width = X.rank() == 0 || X.shape(0) == 0 ? 0 : X.size() / X.shape(0);
    shape_t shape = X.shape();
    shape.at(0) = index.size();
    ndarray<T> out(shape);
    for (std::size_t r = 0; r < index.size(); ++r) {
        if (index[r] >= X.shape(0)) throw usage_error("", "index", "row " + std::to_string(index[r]) + " out of range");
        std::copy(X.data() + index[r] * width, X.data() + (index[r] + 1) * width, out.mutable_data() + r * width);
    }
    return out;
}
template ndarray<double> take_rows(const ndarray<double>&, const std::vector<std::size_t>&);
template ndarray<std::int64_t> take_rows(const ndarray<std::int64_t>&, const std::vector<std::size_t>&);

std::vector<double> cross_val_score(const estimator& model, const ndarray<double>& X, const ndarray<std::int64_t>& y,
                                    std::size_t k) {
    check_feature_matrix(X);
    if (y.rank() != 1 || y.size() != X.shape(0))
        throw usage_error("", "y", "expected one label per row of X, found shape " + shape_to_string(y.shape()));
    const std::vector<std::size_t> folds = stratified_kfold(y, k);
    std::vector<double> scores;
    for (std::size_t f = 0; f < k; ++f) {
        std::vector<std::size_t> train, test;
        for (std::size_t i = 0; i < folds.size(); ++i) (folds[i] == f ? test : train).push_back(i);
        auto fold_model = model.clone_unfitted();
        fold_model->fit(take_rows(X, train), take_rows(y, train), model.feature_names_in());
        scores.push_back(accuracy(take_rows(y, test), fold_model->predict(take_rows(X, test))));
    }
    return scores;
}

double mean(const std::vector<double>& scores) {
    if (scores.empty()) return 0.0;
    double s = 0.0;
    for (double v : scores) s += v;
    return s / double(scores.size());
}

double stddev(const std::vector<double>& scores) {
    if (scores.empty()) return 0.0;
    const double m = mean(scores);
    double s = 0.0;
    for (double v : scores) s += (v - m) * (v - m);
    return std::sqrt(s / double(scores.size()));
}

}  // namespace fitstore
