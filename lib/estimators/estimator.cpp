#include "fitstore/estimators/estimator.hpp"

#include <cmath>

#include "fitstore/estimators/decision_tree.hpp"
#include "fitstore/estimators/kneighbors.hpp"
#include "fitstore/estimators/nu_svc.hpp"
#include "fitstore/estimators/nu_svr.hpp"
#include "fitstore/estimators/one_class_svm.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/random_forest.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"

// Registered here, next to estimator's key function, so that any program using
// estimators links this object file and can load every built-in estimator
// through std::shared_ptr<estimator> (a registration alone in svc.cpp could be
// dropped by the static linker when nothing else references it).
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::svc)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::nu_svc)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::svr)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::nu_svr)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::one_class_svm)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::standard_scaler)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::pipeline)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::decision_tree)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::random_forest)
FITSTORE_REGISTER_POLYMORPHIC(fitstore::estimator, fitstore::kneighbors)

namespace fitstore {

estimator::~estimator() = default;

void check_feature_matrix(const ndarray<double>& X, const std::string& what) {
    if (X.rank() != 2)
        throw usage_error("", what, "expected a 2-D array (n_samples x n_features), found shape " + shape_to_string(X.shape()));
    if (X.shape(1) == 0) throw usage_error("", what, "expected at least one feature, found shape " + shape_to_string(X.shape()));
    const double* p = X.data();
    for (std::size_t i = 0; i < X.size(); ++i)
        if (!std::isfinite(p[i]))
            throw usage_error("", what,
                              "expected finite values, found " + std::to_string(p[i]) + " at row " +
                                  std::to_string(i / X.shape(1)) + ", column " + std::to_string(i % X.shape(1)));
}

void estimator::check_fit_input(const ndarray<double>& X, std::size_t n_targets,
                                const std::vector<std::string>& feature_names) const {
    check_feature_matrix(X);
    if (X.shape(0) == 0) throw usage_error("", "X", "cannot fit on 0 samples");
    if (n_targets != X.shape(0) && !(n_targets == 0 && (is_outlier_detector() || is_transformer())))
        throw usage_error("", "y", "expected " + std::to_string(X.shape(0)) + " labels (one per row of X), found " +
                                       std::to_string(n_targets));
    if (!feature_names.empty() && feature_names.size() != X.shape(1))
        throw usage_error("", "feature_names", "expected " + std::to_string(X.shape(1)) + " names, found " +
                                                   std::to_string(feature_names.size()));
}

void estimator::fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                    const std::vector<std::string>& feature_names) {
    if (y.rank() != 1)
        throw usage_error("", "y", "expected a 1-D array of labels, found shape " + shape_to_string(y.shape()));
    check_fit_input(X, y.size(), feature_names);
    do_fit(X, y, feature_names);
}

void estimator::fit(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) {
    check_fit_input(X, y.size(), feature_names);
    do_fit_targets(X, y, feature_names);
}

void estimator::do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) {
    if (y.kind() != target_kind::int64)
        throw usage_error("", "y", type_name() + " takes int64 labels only, found " + target_kind_name(y.kind()) + " labels");
    do_fit(X, y.int64s(), feature_names);
}

targets estimator::do_predict_targets(const ndarray<double>& X) const { return targets::of_int64(do_predict(X)); }

void estimator::check_predict_input(const ndarray<double>& X, const char* what) const {
    if (!fitted()) throw usage_error("", type_name(), std::string("not fitted yet; call fit() before ") + what + "()");
    check_feature_matrix(X);
    if (X.shape(1) != n_features_in())
        throw usage_error("", "X", "expected " + std::to_string(n_features_in()) + " features (as at fit time), found " +
                                       std::to_string(X.shape(1)));
}

ndarray<double> estimator::transform(const ndarray<double>& X) const {
    if (!is_transformer()) throw usage_error("", type_name(), "is not a transformer (no transform())");
    check_predict_input(X, "transform");
    return do_transform(X);
}

ndarray<std::int64_t> estimator::predict(const ndarray<double>& X) const {
    if (is_regressor())
        throw usage_error("", type_name(), "is a regressor: its predictions are float64 values (use predict_targets())");
    if (!is_classifier() && !is_outlier_detector()) throw usage_error("", type_name(), "is not a classifier (no predict())");
    check_predict_input(X, "predict");
    return do_predict(X);
}

targets estimator::predict_targets(const ndarray<double>& X) const {
    if (!is_classifier() && !is_regressor() && !is_outlier_detector())
        throw usage_error("", type_name(), "does not predict (not a classifier, regressor or outlier detector)");
    check_predict_input(X, "predict");
    return do_predict_targets(X);
}

ndarray<double> estimator::decision_function(const ndarray<double>& X) const {
    if (!is_classifier() && !is_outlier_detector()) throw usage_error("", type_name(), "is not a classifier (no decision_function())");
    check_predict_input(X, "decision_function");
    return do_decision_function(X);
}

ndarray<double> estimator::do_transform(const ndarray<double>&) const {
    throw usage_error("", type_name(), "does not implement transform()");
}
ndarray<std::int64_t> estimator::do_predict(const ndarray<double>&) const {
    throw usage_error("", type_name(), "does not implement predict()");
}
ndarray<double> estimator::do_decision_function(const ndarray<double>&) const {
    throw usage_error("", type_name(), "does not implement decision_function()");
}

}  // namespace fitstore
