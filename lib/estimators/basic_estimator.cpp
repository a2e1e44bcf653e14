#include "fitstore/estimators/basic_estimator.hpp"

#include <utility>

#include "fitstore/errors.hpp"

namespace fitstore {

void basic_estimator::set_fitted_inputs(std::size_t n_features, std::vector<std::string> feature_names) {
    m_feature_names = std::move(feature_names);
    m_n_features_in = n_features;
}

void basic_estimator::check_loaded_feature_names(const std::string& file) const {
    if (!m_feature_names.empty() && m_feature_names.size() != m_n_features_in)
        throw format_error(file, "params.feature_names_in",
                           "expected " + std::to_string(m_n_features_in) + " names, found " +
                               std::to_string(m_feature_names.size()));
}

void basic_estimator::refuse_fit() const {
    throw usage_error("", type_name(),
                      "cannot be fitted in C++; fit it in scikit-learn and store it with fitstore.dump (the sklearn bridge)");
}

}  // namespace fitstore
