"""Trees, forests and k-nearest-neighbours through fitstore.dump / fitstore.load
(the sklearn bridge's adapters, lib/python/fitstore/sklearn/_trees.py, FORMAT.md
sections 12-13): each type
on iris, digits and breast_cancer (diabetes for the regressors) is dumped in
every layout, loaded in a fresh process copied and with mmap_mode="r", and its
predict / predict_proba / apply / kneighbors must be bit-identical to the
original estimator's. Also: the stored form is node columns (no pickle, no
structured array), a forest is one dataset per field, unknown types are refused.
"""
import os
import sys
import tempfile

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import fitstore
from trees_common import fresh_process_check, outputs, stored

LAYOUTS = {"directory": "model", "hdf5": "model.h5", "blob": "model.fitstore"}
CLASSIFIERS = {
    "dt": lambda: DecisionTreeClassifier(random_state=0),
    "rf": lambda: RandomForestClassifier(n_estimators=8, random_state=0),
    "et": lambda: ExtraTreesClassifier(n_estimators=8, random_state=0),
    "knn": lambda: KNeighborsClassifier(n_neighbors=7),
    "knn_dist": lambda: KNeighborsClassifier(n_neighbors=4, weights="distance", algorithm="ball_tree"),
}
REGRESSORS = {
    "dtr": lambda: DecisionTreeRegressor(random_state=0),
    "rfr": lambda: RandomForestRegressor(n_estimators=8, random_state=0),
    "etr": lambda: ExtraTreesRegressor(n_estimators=8, random_state=0),
    "knnr": lambda: KNeighborsRegressor(n_neighbors=6, weights="distance"),
}

def cases():
    for data in ["iris", "digits", "breast_cancer"]:
        for name in CLASSIFIERS:
            yield data, name
    for name in REGRESSORS:
        yield "diabetes", name


def test_every_type_every_layout_bit_identical_in_a_fresh_process():
    tmp = tempfile.mkdtemp(prefix="fitstore_trees_")
    jobs, expected = [], {}
    for data, name in cases():
        X, y = getattr(datasets, "load_" + data)(return_X_y=True)
        est = {**CLASSIFIERS, **REGRESSORS}[name]().fit(X, y)
        Xq = X[::3] + 0.01  # queries off the training points, plus some on them
        Xq = np.vstack([Xq, X[:20]])
        xpath = os.path.join(tmp, f"{data}_{name}_X.npy")
        np.save(xpath, Xq)
        ref = outputs(est, Xq)
        for layout, filename in LAYOUTS.items():
            path = os.path.join(tmp, f"{data}_{name}_{filename}")
            fitstore.dump(est, path, layout=layout)
            for mmap in [None, "r"]:
                out = os.path.join(tmp, f"{data}_{name}_{layout}_{mmap}.npz")
                jobs.append({"path": path, "mmap": mmap, "X": xpath, "out": out})
                expected[out] = ref
    compared = fresh_process_check(jobs, expected, tmp)
    assert compared >= len(list(cases())) * 6 * 2


def test_stored_form_is_node_columns_one_dataset_per_field():
    X, y = datasets.load_iris(return_X_y=True)
    est = RandomForestClassifier(n_estimators=7, random_state=1).fit(X, y)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "forest")
        fitstore.dump(est, path)
        kind, _version, params, arrays, _children = stored(path)
        assert kind == "random_forest"
        assert params["task"] == "classifier"
        assert params["sklearn_class"] == "sklearn.ensemble.RandomForestClassifier"
        for field in ["children_left", "children_right", "feature", "threshold", "impurity", "n_node_samples",
                      "weighted_n_node_samples", "value", "tree_offsets", "classes"]:
            assert field in arrays, field
        offsets = arrays["tree_offsets"]
        counts = [t.tree_.node_count for t in est.estimators_]
        assert offsets.tolist() == [0] + np.cumsum(counts).tolist()
        assert arrays["children_left"].dtype == np.int64
        assert arrays["value"].shape == (sum(counts), 1, 3)
        assert params["max_depth"] == [t.tree_.max_depth for t in est.estimators_]
        # One zarr array per field for the whole forest, not one per tree.
        zarrays = [d for d, _, files in os.walk(path) if ".zarray" in files]
        assert len(zarrays) == len(arrays)
        np.testing.assert_array_equal(arrays["threshold"][offsets[3]:offsets[4]],
                                      est.estimators_[3].tree_.threshold)


def test_string_labels_come_back():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for est in [DecisionTreeClassifier(random_state=0), RandomForestClassifier(n_estimators=5, random_state=0),
                KNeighborsClassifier()]:
        est.fit(X, names)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.fitstore")
            fitstore.dump(est, path)
            assert stored(path)[2]["classes_kind"] == "string"
            back = fitstore.load(path, mmap_mode="r")
            assert list(back.classes_) == ["setosa", "versicolor", "virginica"]
            assert back.classes_.dtype == est.classes_.dtype
            assert (back.predict(X) == est.predict(X)).all()


def test_unknown_types_and_unsupported_settings_are_refused(tmp_path):
    from sklearn.ensemble import GradientBoostingClassifier
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(fitstore.UnsupportedTypeError, match="no scikit-learn adapter for .*GradientBoostingClassifier"):
        fitstore.dump(GradientBoostingClassifier(n_estimators=2).fit(X, y), str(tmp_path / "g"))
    with pytest.raises(fitstore.UnsupportedTypeError, match="metric 'manhattan' is not stored"):
        fitstore.dump(KNeighborsClassifier(metric="manhattan").fit(X, y), str(tmp_path / "k"))
    with pytest.raises(fitstore.UnsupportedTypeError, match="with 2 outputs is not stored"):
        fitstore.dump(DecisionTreeRegressor().fit(X, np.c_[y, y]), str(tmp_path / "d"))
    with pytest.raises(fitstore.UnsupportedTypeError, match=r"KNeighborsClassifier.weights: a builtins.function cannot be stored"):
        fitstore.dump(KNeighborsClassifier(weights=lambda d: d).fit(X, y), str(tmp_path / "w"))
    assert not os.path.exists(tmp_path / "g") and not os.path.exists(tmp_path / "k")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
