#include "fitstore/estimators/standard_scaler.hpp"

#include <cmath>
#include <limits>

namespace fitstore {

void standard_scaler::do_fit_targets(const ndarray<double>& X, const targets&,
                                     const std::vector<std::string>& feature_names) {
    do_fit(X, ndarray<std::int64_t>(), feature_names);
}

void standard_scaler::do_fit(const ndarray<double>& X, const ndarray<std::int64_t>&,
                             const std::vector<std::string>& feature_names) {
    const std::size_t n = X.shape(0), d = X.shape(1);
    ndarray<double> mean_array(shape_t{d}), var_array(shape_t{d}), scale_array(shape_t{d});
    double* mean = mean_array.mutable_data();
    double* var = var_array.mutable_data();
    double* scale = scale_array.mutable_data();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t f = 0; f < d; ++f) mean[f] += X[i * d + f];
    for (std::size_t f = 0; f < d; ++f) mean[f] /= double(n);
    if (m_with_std) {
        // scikit-learn's _incremental_mean_and_var on one batch: the sum of
        // squared deviations minus the squared sum of deviations / n (a
        // correction for the rounding error of the mean).
        std::vector<double> correction(d, 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t f = 0; f < d; ++f) {
                const double t = X[i * d + f] - mean[f];
                var[f] += t * t;
                correction[f] += t;
            }
        for (std::size_t f = 0; f < d; ++f) {
            var[f] = (var[f] - correction[f] * correction[f] / double(n)) / double(n);
            const double s = std::sqrt(var[f]);
            // Constant features keep their values (sklearn's _handle_zeros_in_scale).
            scale[f] = s < 10 * std::numeric_limits<double>::epsilon() ? 1.0 : s;
        }
    }
    m_mean = (m_with_mean || m_with_std) ? std::move(mean_array) : ndarray<double>();
    m_var = m_with_std ? std::move(var_array) : ndarray<double>();
    m_scale = m_with_std ? std::move(scale_array) : ndarray<double>();
    m_n_samples_seen = n;
    set_fitted_inputs(d, feature_names);
}

ndarray<double> standard_scaler::do_transform(const ndarray<double>& X) const {
    const std::size_t n = X.shape(0), d = X.shape(1);
    ndarray<double> result(shape_t{n, d});
    double* out = result.mutable_data();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t f = 0; f < d; ++f) {
            double v = X[i * d + f];
            if (m_with_mean) v -= m_mean[f];
            if (m_with_std) v /= m_scale[f];
            out[i * d + f] = v;
        }
    return result;
}

void standard_scaler::validate_loaded(const std::string& file) const {
    const std::size_t d = n_features_in();
    if (d == 0) return;
    check_loaded_feature_names(file);
    const shape_t expected{d};
    auto check = [&](const char* name, const ndarray<double>& a, bool needed) {
        if (needed && a.shape() != expected)
            throw format_error(file, std::string("arrays.") + name,
                               "expected shape " + shape_to_string(expected) + ", found " + shape_to_string(a.shape()));
    };
    check("mean", m_mean, m_with_mean);
    check("var", m_var, m_with_std);
    check("scale", m_scale, m_with_std);
    if (m_with_std)
        for (std::size_t f = 0; f < d; ++f)
            if (!(m_scale[f] > 0) || !std::isfinite(m_scale[f]))
                throw format_error(file, "arrays.scale", "expected finite values > 0, found " + std::to_string(m_scale[f]));
}

}  // namespace fitstore
