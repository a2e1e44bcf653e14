#!/usr/bin/python3
"""Golden tree, forest and k-nearest-neighbours stores (tests/data/sklearn-1.2-trees,
written by Debian's scikit-learn 1.2 through fitstore.dump with make_trees_golden.py;
never regenerated) load, forever, as the scikit-learn classes that wrote them and
predict exactly what scikit-learn 1.2 computed (expected.fitstore): bit-identical
under 1.2, copied and mapped. tests/unit/test_trees_golden.cpp checks the same
stores with the C++ types."""
import os
import sys

import pytest

import fitstore
import golden_common

FOLDER = golden_common.folder("sklearn-1.2-trees")
EXPECTED = fitstore.load(os.path.join(FOLDER, "expected.fitstore"))
CASES = sorted(k for k in EXPECTED if k != "sklearn_version")
CLASSES = {"decision_tree": "DecisionTreeClassifier", "decision_tree_regressor": "DecisionTreeRegressor",
           "random_forest": "RandomForestClassifier", "random_forest_regressor": "RandomForestRegressor",
           "extra_trees": "ExtraTreesClassifier", "extra_trees_regressor": "ExtraTreesRegressor",
           "kneighbors": "KNeighborsClassifier", "kneighbors_regressor": "KNeighborsRegressor"}


def store(case):
    return golden_common.store(FOLDER, case)


def test_golden_stores_cover_every_class():
    assert EXPECTED["sklearn_version"].startswith("1.2.")
    assert {type(fitstore.load(store(c))).__name__ for c in CASES} == set(CLASSES.values())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_golden_store_predicts_what_scikit_learn_1_2_computed(case, mmap_mode):
    want = EXPECTED[case]
    est = golden_common.load(FOLDER, case, mmap_mode)
    golden_common.assert_class(est, case, CLASSES)
    X = want["X"]
    got = {"predict": est.predict(X)}
    for method in ("predict_proba", "apply"):
        if method in want:
            got[method] = getattr(est, method)(X)
    if "dist" in want:
        got["dist"], got["ind"] = est.kneighbors(X)
    assert sorted(got) == sorted(k for k in want if k != "X"), case
    for method, value in want.items():
        if method != "X":
            golden_common.assert_same(got[method], value, (case, method))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
