#include "fitstore/estimators/tree_ensemble.hpp"

#include <algorithm>

#include "fitstore/errors.hpp"

namespace fitstore {

namespace {
/// Loaded models with more classes are refused (a hostile count must not size huge rows).
constexpr std::size_t max_classes = 1u << 20;
}  // namespace

void tree_ensemble::do_fit(const ndarray<double>&, const ndarray<std::int64_t>&, const std::vector<std::string>&) {
    throw usage_error("", type_name(),
                      "cannot be fitted in C++; fit it in scikit-learn and store it with fitstore.dump (the sklearn bridge)");
}

void tree_ensemble::do_fit_targets(const ndarray<double>& X, const targets&, const std::vector<std::string>& names) {
    do_fit(X, ndarray<std::int64_t>(), names);
}

std::size_t tree_ensemble::leaf(std::size_t t, const double* x) const {
    const std::size_t base = static_cast<std::size_t>(m_nodes.tree_offsets[t]);
    const std::int64_t* left = m_nodes.children_left.data() + base;
    const std::int64_t* right = m_nodes.children_right.data() + base;
    const std::int64_t* feature = m_nodes.feature.data() + base;
    const double* threshold = m_nodes.threshold.data() + base;
    std::size_t node = 0;
    // scikit-learn casts X to float32 before descending; the float32 value is
    // compared with the float64 threshold. validate_loaded() guarantees every
    // child index is larger than its parent's, so this loop ends.
    while (left[node] != -1) {
        const float v = static_cast<float>(x[feature[node]]);
        node = static_cast<std::size_t>(static_cast<double>(v) <= threshold[node] ? left[node] : right[node]);
    }
    return base + node;
}

ndarray<std::int64_t> tree_ensemble::apply(const ndarray<double>& X) const {
    check_predict_input(X, "apply");
    const std::size_t n = X.shape(0), d = X.shape(1), T = n_trees();
    auto out = ndarray<std::int64_t>::empty({n, T});
    std::int64_t* o = out.mutable_data();
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t t = 0; t < T; ++t)
            o[r * T + t] = static_cast<std::int64_t>(leaf(t, X.data() + r * d)) - m_nodes.tree_offsets[t];
    return out;
}

ndarray<double> tree_ensemble::predict_proba(const ndarray<double>& X) const {
    if (!is_classifier()) throw usage_error("", type_name(), "is a regressor: it has no predict_proba()");
    check_predict_input(X, "predict_proba");
    const std::size_t n = X.shape(0), d = X.shape(1), T = n_trees(), k = m_classes.size();
    const std::size_t stride = m_nodes.value.shape(2);
    auto out = ndarray<double>::zeros({n, k});
    double* o = out.mutable_data();
    std::vector<double> row(k);
    for (std::size_t r = 0; r < n; ++r) {
        double* acc = o + r * k;
        for (std::size_t t = 0; t < T; ++t) {
            const double* v = m_nodes.value.data() + leaf(t, X.data() + r * d) * stride;
            // DecisionTreeClassifier.predict_proba: the value row over its sum (0 sums divide by 1).
            double normalizer = 0.0;
            for (std::size_t c = 0; c < k; ++c) normalizer += v[c];
            if (normalizer == 0.0) normalizer = 1.0;
            for (std::size_t c = 0; c < k; ++c) acc[c] += v[c] / normalizer;
        }
        // The forest's mean; a single tree divides by 1, which is exact.
        for (std::size_t c = 0; c < k; ++c) acc[c] /= static_cast<double>(T);
    }
    return out;
}

targets tree_ensemble::do_predict_targets(const ndarray<double>& X) const {
    const std::size_t n = X.shape(0), d = X.shape(1), T = n_trees();
    if (is_regressor()) {
        auto out = ndarray<double>::zeros({n});
        double* o = out.mutable_data();
        for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t t = 0; t < T; ++t) o[r] += m_nodes.value[leaf(t, X.data() + r * d)];
            o[r] /= static_cast<double>(T);
        }
        return targets::of_float64(out);
    }
    std::vector<std::size_t> best(n);
    const std::size_t k = m_classes.size();
    if (m_single_tree) {
        // DecisionTreeClassifier.predict: argmax of the raw leaf values (first maximum).
        const std::size_t stride = m_nodes.value.shape(2);
        for (std::size_t r = 0; r < n; ++r) {
            const double* v = m_nodes.value.data() + leaf(0, X.data() + r * d) * stride;
            best[r] = static_cast<std::size_t>(std::max_element(v, v + k) - v);
        }
    } else {
        // Forests: argmax of the mean probabilities.
        const auto proba = predict_proba(X);
        for (std::size_t r = 0; r < n; ++r) {
            const double* p = proba.data() + r * k;
            best[r] = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        }
    }
    return m_classes.take(best);
}

ndarray<std::int64_t> tree_ensemble::do_predict(const ndarray<double>& X) const {
    targets t = do_predict_targets(X);
    if (t.kind() != target_kind::int64)
        throw usage_error("", type_name(),
                          std::string("holds ") + target_kind_name(t.kind()) + " labels; use predict_targets()");
    return t.int64s();
}

void tree_ensemble::validate_loaded(const std::string& file) const {
    auto fail = [&](const std::string& field, const std::string& message) { throw format_error(file, field, message); };
    if (m_task != "classifier" && m_task != "regressor")
        fail("params.task", "expected \"classifier\" or \"regressor\", found \"" + m_task + "\"");
    if (m_n_features_in == 0) return;
    if (!m_feature_names.empty() && m_feature_names.size() != m_n_features_in)
        fail("params.feature_names_in", "expected " + std::to_string(m_n_features_in) + " names, found " +
                                            std::to_string(m_feature_names.size()));
    if (m_n_outputs != 1)
        fail("params.n_outputs", "expected 1 (multi-output trees are not supported by the C++ reader), found " +
                                     std::to_string(m_n_outputs));
    const auto& offsets = m_nodes.tree_offsets;
    if (offsets.rank() != 1 || offsets.size() < 2)
        fail("arrays.tree_offsets", "expected shape [n_trees + 1] with at least one tree, found " + shape_to_string(offsets.shape()));
    const std::size_t T = offsets.size() - 1;
    if (m_single_tree && T != 1) fail("arrays.tree_offsets", "a decision_tree holds exactly one tree, found " + std::to_string(T));
    if (m_max_depth.size() != T)
        fail("params.max_depth", "expected one depth per tree (" + std::to_string(T) + "), found " + std::to_string(m_max_depth.size()));
    const std::size_t N = m_nodes.children_left.size();
    auto expect_nodes = [&](const char* name, const shape_t& s) {
        if (s != shape_t{N}) fail(std::string("arrays.") + name, "expected shape [" + std::to_string(N) + "], found " + shape_to_string(s));
    };
    expect_nodes("children_left", m_nodes.children_left.shape());
    expect_nodes("children_right", m_nodes.children_right.shape());
    expect_nodes("feature", m_nodes.feature.shape());
    expect_nodes("threshold", m_nodes.threshold.shape());
    expect_nodes("impurity", m_nodes.impurity.shape());
    expect_nodes("n_node_samples", m_nodes.n_node_samples.shape());
    expect_nodes("weighted_n_node_samples", m_nodes.weighted_n_node_samples.shape());
    std::size_t k = 1;
    if (is_classifier()) {
        k = m_classes.size();
        if (k < 1 || k > max_classes) fail("arrays.classes", "expected 1 to " + std::to_string(max_classes) + " classes, found " + std::to_string(k));
        bool increasing = false;
        try {
            increasing = m_classes.unique() == m_classes;
        } catch (const usage_error&) {  // NaN labels
        }
        if (!increasing) fail("arrays.classes", "expected strictly increasing labels");
    }
    const auto& vs = m_nodes.value.shape();
    if (vs.size() != 3 || vs[0] != N || vs[1] != 1 || (is_classifier() ? vs[2] < k : vs[2] != 1))
        fail("arrays.value", "expected shape [" + std::to_string(N) + ", 1, " + (is_classifier() ? ">= " : "") + std::to_string(k) +
                                 "], found " + shape_to_string(vs));
    if (offsets[0] != 0 || offsets[T] != static_cast<std::int64_t>(N))
        fail("arrays.tree_offsets", "expected to start at 0 and end at the node count " + std::to_string(N));
    const std::int64_t d = static_cast<std::int64_t>(m_n_features_in);
    for (std::size_t t = 0; t < T; ++t) {
        const std::int64_t lo = offsets[t], hi = offsets[t + 1];
        if (hi <= lo) fail("arrays.tree_offsets", "tree " + std::to_string(t) + " has no nodes (offsets must increase)");
        const std::int64_t size = hi - lo;
        for (std::int64_t i = 0; i < size; ++i) {
            const std::size_t g = static_cast<std::size_t>(lo + i);
            const std::int64_t l = m_nodes.children_left[g], r = m_nodes.children_right[g];
            const std::string at = " at node " + std::to_string(i) + " of tree " + std::to_string(t);
            if (l == -1 && r == -1) continue;
            // Depth-first numbering puts children after their parent; requiring it
            // rules out cycles, so prediction always reaches a leaf.
            if (l <= i || l >= size) fail("arrays.children_left", "child index " + std::to_string(l) + " out of (node, tree size)" + at);
            if (r <= i || r >= size) fail("arrays.children_right", "child index " + std::to_string(r) + " out of (node, tree size)" + at);
            const std::int64_t f = m_nodes.feature[g];
            if (f < 0 || f >= d) fail("arrays.feature", "feature " + std::to_string(f) + " out of [0, " + std::to_string(d) + ")" + at);
        }
    }
}

}  // namespace fitstore
