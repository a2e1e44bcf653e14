// decision_tree: scikit-learn's DecisionTreeClassifier / DecisionTreeRegressor
// (param `task`), a tree_ensemble of exactly one tree.
#pragma once

#include <memory>

#include "fitstore/estimators/tree_ensemble.hpp"
#include "fitstore/registry.hpp"

namespace fitstore {

class decision_tree : public tree_ensemble {
public:
    explicit decision_tree(std::string task = "classifier") : tree_ensemble(std::move(task), true) {}
    std::string type_name() const override { return "decision_tree"; }
    std::shared_ptr<estimator> clone_unfitted() const override { return std::make_shared<decision_tree>(task()); }
};

}  // namespace fitstore

FITSTORE_REGISTER_TYPE(fitstore::decision_tree, "decision_tree", 1)
