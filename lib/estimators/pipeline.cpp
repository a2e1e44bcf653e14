#include "fitstore/estimators/pipeline.hpp"

#include <set>

namespace fitstore {

void pipeline::check_steps(const std::vector<step>& steps) {
    if (steps.empty()) throw usage_error("", "steps", "a pipeline needs at least one step");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& [name, value] = steps[i];
        detail::check_member_name(name, "pipeline step");
        if (!seen.insert(name).second) throw usage_error("", "steps", "step name \"" + name + "\" is used twice");
        if (!value) throw usage_error("", "steps." + name, "step is an empty pointer");
        if (i + 1 < steps.size() && !value->is_transformer())
            throw usage_error("", "steps." + name,
                              "every step but the last must be a transformer; \"" + value->type_name() + "\" is not");
    }
}

pipeline::pipeline(std::vector<step> steps) : m_steps(std::move(steps)) { check_steps(m_steps); }

const std::shared_ptr<estimator>& pipeline::named_step(const std::string& name) const {
    for (const auto& s : m_steps)
        if (s.first == name) return s.second;
    throw usage_error("", "steps", "no step named \"" + name + "\"");
}

bool pipeline::fitted() const {
    if (m_steps.empty()) return false;
    for (const auto& s : m_steps)
        if (!s.second->fitted()) return false;
    return true;
}

std::size_t pipeline::n_features_in() const { return m_steps.empty() ? 0 : m_steps.front().second->n_features_in(); }

std::vector<std::string> pipeline::feature_names_in() const {
    return m_steps.empty() ? std::vector<std::string>{} : m_steps.front().second->feature_names_in();
}

std::shared_ptr<estimator> pipeline::clone_unfitted() const {
    std::vector<step> steps;
    for (const auto& s : m_steps) steps.emplace_back(s.first, s.second->clone_unfitted());
    return std::make_shared<pipeline>(std::move(steps));
}

bool pipeline::is_classifier() const { return !m_steps.empty() && m_steps.back().second->is_classifier(); }
bool pipeline::is_regressor() const { return !m_steps.empty() && m_steps.back().second->is_regressor(); }
bool pipeline::is_outlier_detector() const { return !m_steps.empty() && m_steps.back().second->is_outlier_detector(); }
bool pipeline::is_transformer() const { return !m_steps.empty() && m_steps.back().second->is_transformer(); }

void pipeline::do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                      const std::vector<std::string>& feature_names) {
    do_fit_targets(X, targets::of_int64(y), feature_names);
}

void pipeline::do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) {
    check_steps(m_steps);
    ndarray<double> current = X;
    for (std::size_t i = 0; i < m_steps.size(); ++i) {
        // Only the first step sees the input columns; later ones see transformed features.
        m_steps[i].second->fit(current, y, i == 0 ? feature_names : std::vector<std::string>{});
        if (i + 1 < m_steps.size()) current = m_steps[i].second->transform(current);
    }
}

ndarray<double> pipeline::transform_head(const ndarray<double>& X) const {
    ndarray<double> current = X;
    for (std::size_t i = 0; i + 1 < m_steps.size(); ++i) current = m_steps[i].second->transform(current);
    return current;
}

ndarray<double> pipeline::do_transform(const ndarray<double>& X) const {
    return m_steps.back().second->transform(transform_head(X));
}
ndarray<std::int64_t> pipeline::do_predict(const ndarray<double>& X) const {
    return m_steps.back().second->predict(transform_head(X));
}
targets pipeline::do_predict_targets(const ndarray<double>& X) const {
    return m_steps.back().second->predict_targets(transform_head(X));
}
ndarray<double> pipeline::do_decision_function(const ndarray<double>& X) const {
    return m_steps.back().second->decision_function(transform_head(X));
}

void pipeline::validate_loaded(const std::string& file) const {
    try {
        check_steps(m_steps);
    } catch (const usage_error& e) {
        throw format_error(file, "params." + e.field(), e.message());
    }
    for (std::size_t i = 1; i < m_steps.size(); ++i) {
        const auto& prev = m_steps[i - 1].second;
        const auto& cur = m_steps[i].second;
        if (prev->fitted() && cur->fitted() && prev->n_features_in() != cur->n_features_in() &&
            prev->type_name() == "standard_scaler")
            throw format_error(file, "children." + m_steps[i].first + ".params.n_features_in",
                               "expected " + std::to_string(prev->n_features_in()) + " (output of step \"" +
                                   m_steps[i - 1].first + "\"), found " + std::to_string(cur->n_features_in()));
    }
}

}  // namespace fitstore
