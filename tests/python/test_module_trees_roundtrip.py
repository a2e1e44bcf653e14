"""Trees, forests and k-nearest-neighbours through fitstore's sklearn adapters
(lib/python/fitstore/_sklearn_trees.py, FORMAT.md sections 12-13): each type
on iris, digits and breast_cancer (diabetes for the regressors) is dumped in
every layout, loaded in a fresh process copied and with mmap_mode="r", and its
predict / predict_proba / apply / kneighbors must be bit-identical to the
original estimator's. Also: the stored form is node columns (no pickle, no
structured array), a forest is one dataset per field, unknown types are refused.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import fitstore
from fitstore import _sklearn_trees as trees

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

# Run in a fresh interpreter: loads every stored variant and saves its outputs.
CHILD = r"""
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from fitstore import _sklearn_trees as trees
from test_module_trees_roundtrip import outputs
for job in json.load(open(sys.argv[1])):
    est = trees.load_estimator(job["path"], mmap_mode=job["mmap"])
    np.savez(job["out"], **outputs(est, np.load(job["X"])))
"""


def outputs(est, X):
    out = {"predict": est.predict(X)}
    if hasattr(est, "predict_proba"):
        out["predict_proba"] = est.predict_proba(X)
    if hasattr(est, "apply"):
        out["apply"] = est.apply(X)
    if hasattr(est, "kneighbors"):
        out["dist"], out["ind"] = est.kneighbors(X)
    return out


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
            path = trees.dump_estimator(est, os.path.join(tmp, f"{data}_{name}_{filename}"), layout=layout)
            for mmap in [None, "r"]:
                out = os.path.join(tmp, f"{data}_{name}_{layout}_{mmap}.npz")
                jobs.append({"path": path, "mmap": mmap, "X": xpath, "out": out})
                expected[out] = ref
    with open(os.path.join(tmp, "jobs.json"), "w") as f:
        json.dump(jobs, f)
    subprocess.run([sys.executable, "-c", CHILD, os.path.join(tmp, "jobs.json"), os.path.dirname(os.path.abspath(__file__))],
                   check=True)
    compared = 0
    for out, ref in expected.items():
        got = np.load(out, allow_pickle=False)
        assert sorted(got.files) == sorted(ref), out
        for key, want in ref.items():
            assert got[key].dtype == want.dtype, (out, key)
            # Bit-identical: same bytes, not just close values.
            assert got[key].tobytes() == np.ascontiguousarray(want).tobytes(), (out, key)
            compared += 1
    assert compared >= len(list(cases())) * 6 * 2


def test_stored_form_is_node_columns_one_dataset_per_field():
    X, y = datasets.load_iris(return_X_y=True)
    est = RandomForestClassifier(n_estimators=7, random_state=1).fit(X, y)
    with tempfile.TemporaryDirectory() as tmp:
        path = trees.dump_estimator(est, os.path.join(tmp, "forest"))
        stored = fitstore.load(path)
        assert stored.type == "random_forest"
        assert stored.params["task"] == "classifier"
        for field in ["children_left", "children_right", "feature", "threshold", "impurity", "n_node_samples",
                      "weighted_n_node_samples", "value", "tree_offsets", "classes"]:
            assert field in stored.arrays, field
        offsets = stored.arrays["tree_offsets"]
        counts = [t.tree_.node_count for t in est.estimators_]
        assert offsets.tolist() == [0] + np.cumsum(counts).tolist()
        assert stored.arrays["children_left"].dtype == np.int64
        assert stored.arrays["value"].shape == (sum(counts), 1, 3)
        assert stored.params["max_depth"] == [t.tree_.max_depth for t in est.estimators_]
        # One zarr array per field for the whole forest, not one per tree.
        zarrays = [d for d, _, files in os.walk(path) if ".zarray" in files]
        assert len(zarrays) == len(stored.arrays)
        np.testing.assert_array_equal(stored.arrays["threshold"][offsets[3]:offsets[4]],
                                      est.estimators_[3].tree_.threshold)


def test_string_labels_come_back():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for est in [DecisionTreeClassifier(random_state=0), RandomForestClassifier(n_estimators=5, random_state=0),
                KNeighborsClassifier()]:
        est.fit(X, names)
        with tempfile.TemporaryDirectory() as tmp:
            path = trees.dump_estimator(est, os.path.join(tmp, "m.fitstore"), layout="blob")
            assert fitstore.load(path).params["classes_kind"] == "string"
            back = trees.load_estimator(path, mmap_mode="r")
            assert list(back.classes_) == ["setosa", "versicolor", "virginica"]
            assert (back.predict(X) == est.predict(X)).all()


def test_unknown_types_and_unsupported_settings_are_refused():
    from sklearn.ensemble import GradientBoostingClassifier
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(fitstore.UnsupportedTypeError, match="GradientBoostingClassifier is not a supported"):
        trees.to_tree(GradientBoostingClassifier(n_estimators=2).fit(X, y))
    with pytest.raises(fitstore.UnsupportedTypeError, match="metric 'manhattan': only euclidean"):
        trees.to_tree(KNeighborsClassifier(metric="manhattan").fit(X, y))
    with pytest.raises(fitstore.UnsupportedTypeError, match="2 outputs"):
        trees.to_tree(DecisionTreeRegressor().fit(X, np.c_[y, y]))


def test_a_store_naming_an_unsupported_class_is_refused():
    X, y = datasets.load_iris(return_X_y=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = trees.dump_estimator(DecisionTreeClassifier().fit(X, y), os.path.join(tmp, "m"))
        stored = fitstore.load(path)
        stored.params["sklearn_class"] = "RandomForestClassifier"
        with pytest.raises(fitstore.FormatError, match="'RandomForestClassifier' is not a supported class for type 'decision_tree'"):
            trees.from_stored(stored)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
