// tree_ensemble: scikit-learn's fitted decision trees and forests (random and
// extra-trees alike: they predict the same way) over the version-neutral node
// columns of FORMAT.md §12. decision_tree is an ensemble of one tree,
// random_forest of many; both predict exactly as scikit-learn 1.2 does:
// X is cast to float32 and a sample goes left when X[:, feature] <= threshold;
// a tree's probabilities are its leaf's value row divided by the row sum, a
// forest's the mean of its trees' (summed in tree order); regressors average
// the leaf values. Fitting is scikit-learn's job (the Python bridge stores it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/estimators/class_labels.hpp"
#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

/// The node table of one or more trees, one column per field, trees concatenated
/// (tree t owns rows [offsets[t], offsets[t+1]); child indices are tree-local, -1 at leaves).
struct tree_nodes {
    ndarray<std::int64_t> children_left, children_right, feature, n_node_samples;
    ndarray<double> threshold, impurity, weighted_n_node_samples;
    ndarray<double> value;  ///< [nodes, n_outputs, max_n_classes] (regressors: last dimension 1)
    ndarray<std::int64_t> tree_offsets;  ///< [n_trees + 1]
};

class tree_ensemble : public estimator {
public:
    bool fitted() const override { return m_n_features_in != 0; }
    std::size_t n_features_in() const override { return m_n_features_in; }
    std::vector<std::string> feature_names_in() const override { return m_feature_names; }
    bool is_classifier() const override { return m_task == "classifier"; }
    bool is_regressor() const override { return m_task == "regressor"; }

    std::size_t n_trees() const { return m_nodes.tree_offsets.size() ? m_nodes.tree_offsets.size() - 1 : 0; }
    std::size_t n_nodes() const { return m_nodes.children_left.size(); }
    const tree_nodes& nodes() const noexcept { return m_nodes; }
    /// Sorted training labels (classifiers).
    const targets& class_labels() const noexcept { return m_classes; }
    /// n x n_classes, as scikit-learn's predict_proba; throws usage_error for regressors.
    ndarray<double> predict_proba(const ndarray<double>& X) const;
    /// n x n_trees tree-local leaf indices (scikit-learn's apply; one column for a tree).
    ndarray<std::int64_t> apply(const ndarray<double>& X) const;

    template <class Archive>
    void persist(Archive& ar);

protected:
    /// `single_tree`: a decision_tree, which must hold exactly one tree.
    explicit tree_ensemble(std::string task, bool single_tree) : m_task(std::move(task)), m_single_tree(single_tree) {}
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y, const std::vector<std::string>& feature_names) override;
    void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) override;
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    targets do_predict_targets(const ndarray<double>& X) const override;
    const std::string& task() const noexcept { return m_task; }

private:
    /// Leaf reached by row `x` in tree `t` (global node index).
    std::size_t leaf(std::size_t t, const double* x) const;
    /// Throws format_error naming `file` and the field unless the arrays form valid trees.
    void validate_loaded(const std::string& file) const;

    std::string m_task;  ///< "classifier" or "regressor"
    bool m_single_tree;
    std::size_t m_n_features_in = 0;
    std::vector<std::string> m_feature_names;
    std::uint64_t m_n_outputs = 1;
    std::vector<std::int64_t> m_max_depth;  ///< per tree (scikit-learn's tree_.max_depth), for inspect
    targets m_classes;
    tree_nodes m_nodes;
};

template <class Archive>
void tree_ensemble::persist(Archive& ar) {
    ar.param("task", m_task);
    std::uint64_t n_features = m_n_features_in;
    ar.param("n_features_in", n_features);
    ar.param("feature_names_in", m_feature_names);
    ar.param("n_outputs", m_n_outputs);
    ar.param("max_depth", m_max_depth);
    if (n_features != 0) {
        ar.array("children_left", m_nodes.children_left);
        ar.array("children_right", m_nodes.children_right);
        ar.array("feature", m_nodes.feature);
        ar.array("threshold", m_nodes.threshold);
        ar.array("impurity", m_nodes.impurity);
        ar.array("n_node_samples", m_nodes.n_node_samples);
        ar.array("weighted_n_node_samples", m_nodes.weighted_n_node_samples);
        ar.array("value", m_nodes.value);
        ar.array("tree_offsets", m_nodes.tree_offsets);
        if (m_task == "classifier") persist_class_labels(ar, m_classes);
    }
    if constexpr (Archive::loading()) {
        m_n_features_in = static_cast<std::size_t>(n_features);
        validate_loaded(ar.file());
    }
}

}  // namespace fitstore
