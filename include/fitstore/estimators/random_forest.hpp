// random_forest: scikit-learn's RandomForest* and ExtraTrees* classifiers and
// regressors (param `task`; extra-trees differ only in how they were grown),
// a tree_ensemble of any number of trees stored as one column per field.
#pragma once

#include <memory>

#include "fitstore/estimators/tree_ensemble.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class random_forest : public tree_ensemble {
public:
    explicit random_forest(std::string task = "classifier") : tree_ensemble(std::move(task), false) {}
    std::string type_name() const override { return "random_forest"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<random_forest>(task()); }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::random_forest, "random_forest", 1)
