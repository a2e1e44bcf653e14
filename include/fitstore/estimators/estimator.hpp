// estimator: the small polymorphic base shared by svc, standard_scaler and
// pipeline, so a pipeline can hold its steps as std::shared_ptr<estimator>
// (persisted with ar.child(name, ptr) and FITSTORE_REGISTER_POLYMORPHIC) and
// cross_val_score can refit any of them.
//
// The public functions check their inputs once (non-virtual interface); the
// do_* hooks do the work. Features are float64; labels int64 through
// fit/predict, or int64, float64 or strings (and regression values) through
// the targets overloads, as scikit-learn accepts them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/ndarray.hpp"
#include "fitstore/targets.hpp"

namespace fitstore {

class estimator {
public:
    virtual ~estimator();

    /// Fits on `X` (n_samples x n_features) and `y` (n_samples labels; ignored
    /// by transformers). `feature_names`, if given, must have n_features entries
    /// and are kept for predict-time column matching. Throws usage_error for
    /// inconsistent shapes or non-finite values.
    void fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
             const std::vector<std::string>& feature_names = {});
    /// fit() with labels of any kind (classifiers), regression values (regressors; int64
    /// values are taken as float64) or no targets at all (outlier detectors, size 0).
    /// Throws usage_error as fit() does, or when the estimator cannot take `y`'s kind.
    void fit(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names = {});
    /// Transformed copy of `X`; throws usage_error if unfitted, not a transformer
    /// or if X's feature count differs from the fitted one.
    ndarray<double> transform(const ndarray<double>& X) const;
    /// One predicted int64 label per row of `X`; throws usage_error as transform does,
    /// or when the estimator's labels are not int64 (use predict_targets).
    ndarray<std::int64_t> predict(const ndarray<double>& X) const;
    /// One prediction per row of `X`, of the kind the estimator was fitted on
    /// (labels of any kind, regression values, +1/-1 for outlier detectors).
    targets predict_targets(const ndarray<double>& X) const;
    /// Decision values per row of `X` (shape depends on the estimator); throws usage_error.
    ndarray<double> decision_function(const ndarray<double>& X) const;

    /// True once fit() succeeded (or a fitted model was loaded).
    virtual bool fitted() const = 0;
    /// Features seen at fit time (0 when unfitted).
    virtual std::size_t n_features_in() const = 0;
    /// Feature names given at fit time (empty if none were given).
    virtual std::vector<std::string> feature_names_in() const = 0;
    /// The registered type name ("svc", "standard_scaler", "pipeline").
    virtual std::string type_name() const = 0;
    /// An unfitted copy with the same hyper-parameters (for cross-validation).
    virtual std::shared_ptr<estimator> clone_unfitted() const = 0;
    virtual bool is_classifier() const { return false; }
    virtual bool is_regressor() const { return false; }
    /// One-class detectors: predict gives +1 (inlier) or -1 (outlier).
    virtual bool is_outlier_detector() const { return false; }
    virtual bool is_transformer() const { return false; }

protected:
    virtual void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                        const std::vector<std::string>& feature_names) = 0;
    virtual ndarray<double> do_transform(const ndarray<double>& X) const;
    virtual ndarray<std::int64_t> do_predict(const ndarray<double>& X) const;
    virtual ndarray<double> do_decision_function(const ndarray<double>& X) const;
    /// Default: int64 targets go to do_fit, other kinds are refused.
    virtual void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names);
    /// Default: do_predict's labels.
    virtual targets do_predict_targets(const ndarray<double>& X) const;

    void check_predict_input(const ndarray<double>& X, const char* what) const;
    void check_fit_input(const ndarray<double>& X, std::size_t n_targets, const std::vector<std::string>& feature_names) const;
};

/// Throws usage_error unless `X` is 2-D with at least one column and only finite values.
void check_feature_matrix(const ndarray<double>& X, const std::string& what = "X");

}  // namespace fitstore
