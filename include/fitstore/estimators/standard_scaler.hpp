// standard_scaler: scikit-learn's StandardScaler (z = (x - mean) / scale).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/estimators/basic_estimator.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class standard_scaler : public basic_estimator {
public:
    standard_scaler() = default;
    standard_scaler(bool with_mean, bool with_std) : m_with_mean(with_mean), m_with_std(with_std) {}

    bool with_mean() const noexcept { return m_with_mean; }
    bool with_std() const noexcept { return m_with_std; }
    /// Per-feature mean (empty when with_mean and with_std are both false).
    const ndarray<double>& mean() const noexcept { return m_mean; }
    /// Per-feature population variance (empty when with_std is false).
    const ndarray<double>& var() const noexcept { return m_var; }
    /// sqrt(var), with near-zero variances replaced by 1 (empty when with_std is false).
    const ndarray<double>& scale() const noexcept { return m_scale; }
    /// Samples seen at fit time.
    std::uint64_t n_samples_seen() const noexcept { return m_n_samples_seen; }

    std::string type_name() const override { return "standard_scaler"; }
    std::shared_ptr<estimator> clone_unfitted() const override {
        return std::make_shared<standard_scaler>(m_with_mean, m_with_std);
    }
    bool is_transformer() const override { return true; }

    template <class Archive>
    void persist(Archive& ar) {
        ar.param("with_mean", m_with_mean);
        ar.param("with_std", m_with_std);
        const std::uint64_t n_features = persist_n_features_in(ar);
        ar.param("n_samples_seen", m_n_samples_seen);
        persist_feature_names_in(ar);
        ar.array("mean", m_mean);
        ar.array("var", m_var);
        ar.array("scale", m_scale);
        end_load(ar, n_features);
    }

protected:
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                const std::vector<std::string>& feature_names) override;
    /// y is ignored, whatever its kind (as scikit-learn's StandardScaler.fit does).
    void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) override;
    ndarray<double> do_transform(const ndarray<double>& X) const override;
    /// Checks a loaded scaler's array shapes; throws format_error naming `file`.
    void validate_loaded(const std::string& file) const override;

private:

    bool m_with_mean = true;
    bool m_with_std = true;
    std::uint64_t m_n_samples_seen = 0;
    ndarray<double> m_mean;
    ndarray<double> m_var;
    ndarray<double> m_scale;
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::standard_scaler, "standard_scaler", 1)
