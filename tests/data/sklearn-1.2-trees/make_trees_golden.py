#!/usr/bin/python3
"""Writes the golden tree, forest and k-nearest-neighbours stores of
tests/data/sklearn-1.2-trees with Debian's scikit-learn 1.2 through fitstore.dump
(the sklearn bridge, FORMAT.md sections 11-13), and expected.fitstore:
{case: {"X": the queries, "predict", "predict_proba", "apply", "dist", "ind":
what scikit-learn 1.2 computed}} (string labels as lists of str).

Never regenerated: tests/unit/test_trees_golden.cpp loads the stores with the C++
types (decision_tree, random_forest, kneighbors) and
tests/python/test_module_trees_golden.py with the installed scikit-learn; both
demand these outputs, which is how a change of either reader is caught.

Run from the build tree: PYTHONPATH=build/python /usr/bin/python3 make_trees_golden.py
"""
import os
import shutil
import sys
import warnings

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import fitstore

HERE = os.path.dirname(os.path.abspath(__file__))
METHODS = ("predict", "predict_proba", "apply")


def cases():
    iris_X, iris_y = datasets.load_iris(return_X_y=True)
    bc_X, bc_y = datasets.load_breast_cancer(return_X_y=True)
    dia_X, dia_y = datasets.load_diabetes(return_X_y=True)
    dig_X, dig_y = datasets.load_digits(return_X_y=True)
    syn_X, syn_y = datasets.make_classification(n_samples=400, n_features=12, n_informative=6, n_classes=3,
                                                random_state=0)
    reg_X, reg_y = datasets.make_regression(n_samples=300, n_features=8, noise=3.0, random_state=0)
    names = np.array(["alpha", "beta \u00e9", "gamma"])
    # (name, estimator, X, y, file suffix, codec)
    return [
        ("decision_tree_iris", DecisionTreeClassifier(random_state=0), iris_X, iris_y, "", "none"),
        ("random_forest_synthetic_strings", RandomForestClassifier(n_estimators=10, max_depth=8, random_state=0),
         syn_X, names[syn_y], ".fitstore", "none"),
        ("extra_trees_breast_cancer_balanced", ExtraTreesClassifier(n_estimators=6, max_depth=6,
                                                                    class_weight="balanced", random_state=0),
         bc_X, bc_y, ".h5", "zlib:1"),
        ("decision_tree_regressor_diabetes", DecisionTreeRegressor(max_depth=8, random_state=0), dia_X, dia_y, "",
         "zstd:1"),
        ("random_forest_regressor_synthetic", RandomForestRegressor(n_estimators=8, max_depth=10, random_state=0),
         reg_X, reg_y, ".fitstore", "none"),
        ("extra_trees_regressor_diabetes", ExtraTreesRegressor(n_estimators=5, max_depth=8, random_state=0),
         dia_X, dia_y, "", "none"),
        ("kneighbors_digits_distance", KNeighborsClassifier(n_neighbors=5, weights="distance", algorithm="brute"),
         dig_X[:400], dig_y[:400], ".fitstore", "zstd:1"),
        ("kneighbors_regressor_diabetes", KNeighborsRegressor(n_neighbors=7, algorithm="brute"), dia_X, dia_y, "",
         "none"),
    ]


def main():
    if not sklearn.__version__.startswith("1.2."):
        sys.exit(f"make_trees_golden.py: needs scikit-learn 1.2 (found {sklearn.__version__})")
    expected = {"sklearn_version": sklearn.__version__}
    rng = np.random.RandomState(0)
    for name, est, X, y, suffix, codec in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        path = os.path.join(HERE, name + suffix)
        if os.path.isdir(path):
            shutil.rmtree(path)
        fitstore.dump(est, path, codec=codec)
        # Jittered rows (off the training points) and some training rows as they are.
        rows = np.vstack([X[::9] + rng.normal(0, 0.05, X[::9].shape) * X.std(axis=0), X[1:30:3]])
        out = {"X": rows}
        for method in METHODS:
            if hasattr(est, method):
                value = getattr(est, method)(rows)
                out[method] = [str(v) for v in value] if value.dtype.kind in "UO" else value
        if hasattr(est, "kneighbors"):
            out["dist"], out["ind"] = est.kneighbors(rows)
        expected[name] = out
    fitstore.dump(expected, os.path.join(HERE, "expected.fitstore"))


if __name__ == "__main__":
    main()
