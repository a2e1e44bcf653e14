// basic_estimator: what every estimator that is not a composite shares (svm
// family, standard_scaler, kneighbors, trees): the feature count and names
// seen at fit time (scikit-learn's n_features_in_ and feature_names_in_),
// their stored params and the load-time tail that checks the loaded object.
// pipeline derives from estimator directly: it asks its steps instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/estimators/estimator.hpp"

namespace fitstore {

class basic_estimator : public estimator {
public:
    bool fitted() const override { return m_n_features_in != 0; }
    std::size_t n_features_in() const override { return m_n_features_in; }
    std::vector<std::string> feature_names_in() const override { return m_feature_names; }

protected:
    /// Records what fit() saw: `n_features` columns, named `feature_names` (empty: unnamed).
    void set_fitted_inputs(std::size_t n_features, std::vector<std::string> feature_names);

    /// Reads or writes the `n_features_in` param and returns its value. A loaded
    /// value takes effect in end_load(), after the arrays that depend on it.
    template <class Archive>
    std::uint64_t persist_n_features_in(Archive& ar) const {
        std::uint64_t n_features = m_n_features_in;
        ar.param("n_features_in", n_features);
        return n_features;
    }
    /// Reads or writes the `feature_names_in` param.
    template <class Archive>
    void persist_feature_names_in(Archive& ar) {
        ar.param("feature_names_in", m_feature_names);
    }
    /// The tail of every persist(): when loading, sets n_features_in to
    /// `n_features` and checks the loaded object (validate_loaded).
    template <class Archive>
    void end_load(Archive& ar, std::uint64_t n_features) {
        if constexpr (Archive::loading()) {
            m_n_features_in = static_cast<std::size_t>(n_features);
            validate_loaded(ar.file());
        }
    }
    /// Checks a loaded object; throws format_error naming `file` and the field.
    virtual void validate_loaded(const std::string& file) const = 0;
    /// Throws format_error unless the loaded feature names are absent or one per feature.
    void check_loaded_feature_names(const std::string& file) const;
    /// For types only scikit-learn fits (trees, neighbours): throws usage_error saying so.
    [[noreturn]] void refuse_fit() const;

private:
    std::size_t m_n_features_in = 0;
    std::vector<std::string> m_feature_names;
};

}  // namespace fitstore
