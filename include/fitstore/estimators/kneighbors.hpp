// kneighbors: scikit-learn's KNeighborsClassifier / KNeighborsRegressor (param
// `task`) over the stored training matrix (FORMAT.md §13), by brute force:
// squared euclidean distances as ||x||² − 2 x·y + ||y||² with BLAS (as
// scikit-learn's brute ArgKmin computes them), the k nearest with ties to the
// lower training index, then scikit-learn's uniform or distance weighting
// (a query at distance 0 from some training rows weighs exactly those).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/estimators/class_labels.hpp"
#include "fitstore/estimators/estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/registry.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

class kneighbors : public estimator {
public:
    explicit kneighbors(std::string task = "classifier") : m_task(std::move(task)) {}

    bool fitted() const override { return m_n_features_in != 0; }
    std::size_t n_features_in() const override { return m_n_features_in; }
    std::vector<std::string> feature_names_in() const override { return m_feature_names; }
    std::string type_name() const override { return "kneighbors"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<kneighbors>(m_task); }
    bool is_classifier() const override { return m_task == "classifier"; }
    bool is_regressor() const override { return m_task == "regressor"; }

    std::size_t n_neighbors() const noexcept { return static_cast<std::size_t>(m_n_neighbors); }
    const std::string& weights() const noexcept { return m_weights; }
    const targets& class_labels() const noexcept { return m_classes; }
    /// The k nearest training rows of each query row, nearest first: distances
    /// and indices (both n x k), as scikit-learn's kneighbors().
    void kneighbors_of(const ndarray<double>& X, ndarray<double>& distances, ndarray<std::int64_t>& indices) const;
    /// n x n_classes, as scikit-learn's predict_proba; throws usage_error for regressors.
    ndarray<double> predict_proba(const ndarray<double>& X) const;

    template <class Archive>
    void persist(Archive& ar);

protected:
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y, const std::vector<std::string>& feature_names) override;
    void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) override;
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    targets do_predict_targets(const ndarray<double>& X) const override;

private:
    /// Per query row: weights of its k neighbours (all 1 for uniform).
    ndarray<double> neighbour_weights(const ndarray<double>& distances) const;
    void validate_loaded(const std::string& file) const;

    std::string m_task;  ///< "classifier" or "regressor"
    std::int64_t m_n_neighbors = 5;
    std::string m_weights = "uniform";
    std::string m_metric = "euclidean";  ///< the effective metric (effective_metric_)
    std::string m_algorithm = "auto";
    std::int64_t m_leaf_size = 30;
    std::size_t m_n_features_in = 0;
    std::vector<std::string> m_feature_names;
    ndarray<double> m_fit_X;         ///< [n_samples, d] (_fit_X)
    ndarray<std::int64_t> m_y_index; ///< classifiers: [n_samples] index into classes (_y)
    ndarray<double> m_y_values;      ///< regressors: [n_samples] (_y)
    targets m_classes;
};

template <class Archive>
void kneighbors::persist(Archive& ar) {
    ar.param("task", m_task);
    ar.param("n_neighbors", m_n_neighbors);
    ar.param("weights", m_weights);
    ar.param("metric", m_metric);
    ar.param("algorithm", m_algorithm);
    ar.param("leaf_size", m_leaf_size);
    std::uint64_t n_features = m_n_features_in;
    ar.param("n_features_in", n_features);
    ar.param("feature_names_in", m_feature_names);
    if (n_features != 0) {
        ar.array("fit_X", m_fit_X);
        if (m_task == "classifier") {
            ar.array("y", m_y_index);
            persist_class_labels(ar, m_classes);
        } else {
            ar.array("y", m_y_values);
        }
    }
    if constexpr (Archive::loading()) {
        m_n_features_in = static_cast<std::size_t>(n_features);
        validate_loaded(ar.file());
    }
}

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::kneighbors, "kneighbors", 1)
