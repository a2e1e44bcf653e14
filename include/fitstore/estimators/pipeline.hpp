// pipeline: ordered, named steps (transformers, then a final estimator)
// persisted as one object whose steps are nested children, so
// `standard_scaler -> svc` is dumped, loaded and mapped as a unit.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/estimators/estimator.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class pipeline : public estimator {
public:
    using step = std::pair<std::string, std::shared_ptr<estimator>>;

    pipeline() = default;
    /// Throws usage_error for no steps, empty pointers, repeated or invalid
    /// names, or a non-transformer before the last step.
    explicit pipeline(std::vector<step> steps);

    const std::vector<step>& steps() const noexcept { return m_steps; }
    /// The step called `name`; throws usage_error if there is none.
    const std::shared_ptr<estimator>& named_step(const std::string& name) const;

    bool fitted() const override;
    std::size_t n_features_in() const override;
    std::vector<std::string> feature_names_in() const override;
    std::string type_name() const override { return "pipeline"; }
    std::shared_ptr<estimator> clone_unfitted() const override;
    bool is_classifier() const override;
    bool is_regressor() const override;
    bool is_outlier_detector() const override;
    bool is_transformer() const override;

    template <class Archive>
    void persist(Archive& ar) {
        std::vector<std::string> names;
        if constexpr (Archive::saving())
            for (const auto& s : m_steps) names.push_back(s.first);
        ar.param("steps", names);
        if constexpr (Archive::loading()) {
            m_steps.clear();
            for (const auto& name : names) {
                std::shared_ptr<estimator> value;
                ar.child(name, value);
                m_steps.emplace_back(name, std::move(value));
            }
            validate_loaded(ar.file());
        } else {
            for (const auto& s : m_steps) ar.child(s.first, s.second);
        }
    }

protected:
    void do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                const std::vector<std::string>& feature_names) override;
    ndarray<double> do_transform(const ndarray<double>& X) const override;
    ndarray<std::int64_t> do_predict(const ndarray<double>& X) const override;
    ndarray<double> do_decision_function(const ndarray<double>& X) const override;
    void do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) override;
    targets do_predict_targets(const ndarray<double>& X) const override;

private:
    /// X passed through every step but the last.
    ndarray<double> transform_head(const ndarray<double>& X) const;
    void validate_loaded(const std::string& file) const;
    static void check_steps(const std::vector<step>& steps);

    std::vector<step> m_steps;
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::pipeline, "pipeline", 1)
