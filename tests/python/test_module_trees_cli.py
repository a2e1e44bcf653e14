"""C++ `fitstore predict` on trees, forests and k-nearest-neighbours that
scikit-learn fitted and fitstore.dump saved through the sklearn bridge
(FORMAT.md sections 12-13): regressors on diabetes within 1e-12 (a single tree exactly), copied and
mapped; a KD-tree KNN's labels; pipelines of a scaler and a KNN or a forest; the
classifiers are in
test_module_trees_cli_classifiers.py. `fitstore inspect`
summarises a forest; damaged node tables are refused with the field named.
"""
import os
import sys

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

import fitstore
from fitstore import _core as core
from fitstore.sklearn._registry import save_node
from svm_schema import rows, run, write_csv
from trees_common import queries, tmp  # noqa: F401 (tmp is a fixture)

REGRESSORS = [
    lambda: DecisionTreeRegressor(random_state=0),
    lambda: RandomForestRegressor(n_estimators=25, random_state=0),
    lambda: ExtraTreesRegressor(n_estimators=25, random_state=0),
    lambda: KNeighborsRegressor(n_neighbors=5, algorithm="brute"),
    lambda: KNeighborsRegressor(n_neighbors=5, weights="distance", algorithm="brute"),
]


def test_regressors_match_sklearn(tmp):
    X, y = datasets.load_diabetes(return_X_y=True)
    Xq = queries(X)
    csv = write_csv(os.path.join(tmp, "diabetes.csv"), Xq)
    for i, make in enumerate(REGRESSORS):
        est = make().fit(X, y)
        want = est.predict(Xq)
        for layout, name in [("directory", "r"), ("blob", "r.fitstore")]:
            path = os.path.join(tmp, f"diabetes_{i}_{name}")
            fitstore.dump(est, path, layout=layout)
            for mmap in ["none", "r"]:
                got = rows(run("predict", path, "--data", csv, "--mmap", mmap).stdout, len(Xq))[:, 0]
                what = f"{type(est).__name__} #{i} {layout} mmap={mmap}"
                assert np.abs(got - want).max() <= 1e-12 * np.abs(want).max(), what
                if "Tree" in type(est).__name__:
                    assert got.tobytes() == want.tobytes(), what  # a single tree's leaf values, exactly


def test_kd_tree_knn_labels_match(tmp):
    """algorithm='auto' (a KD tree in scikit-learn): C++'s brute force finds the same neighbours."""
    X, y = datasets.load_breast_cancer(return_X_y=True)
    Xq = queries(X)
    csv = write_csv(os.path.join(tmp, "bc_kd.csv"), Xq)
    est = KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree").fit(X, y)
    path = os.path.join(tmp, "kd")
    fitstore.dump(est, path)
    labels = run("predict", path, "--data", csv).stdout.split()
    assert labels == [str(v) for v in est.predict(Xq)]
    proba = rows(run("predict", path, "--data", csv, "--proba").stdout, len(Xq))
    assert np.abs(proba - est.predict_proba(Xq)).max() <= 1e-12


def test_pipelines_of_scalers_and_trees_or_neighbours_predict_in_cpp(tmp):
    """A Pipeline saved from Python is one object tree (pipeline -> scaler, model) that C++ serves."""
    X, y = datasets.load_breast_cancer(return_X_y=True)
    Xq = queries(X)
    csv = write_csv(os.path.join(tmp, "bc_pipe.csv"), Xq)
    for i, est in enumerate([make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=6, weights="distance")),
                             make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=10, random_state=0))]):
        est.fit(X, y)
        path = os.path.join(tmp, f"pipe_{i}")
        fitstore.dump(est, path)
        assert run("predict", path, "--data", csv, "--mmap", "r").stdout.split() == [str(v) for v in est.predict(Xq)]
        proba = rows(run("predict", path, "--data", csv, "--proba").stdout, len(Xq))
        assert np.abs(proba - est.predict_proba(Xq)).max() <= 1e-12


def test_inspect_summarises_a_forest(tmp):
    X, y = datasets.load_iris(return_X_y=True)
    est = RandomForestClassifier(n_estimators=9, random_state=3).fit(X, y)
    path = os.path.join(tmp, "forest_inspect")
    fitstore.dump(est, path)
    text = run("inspect", path).stdout
    nodes = sum(t.tree_.node_count for t in est.estimators_)
    depth = max(t.tree_.max_depth for t in est.estimators_)
    assert "forest: 9 trees, %d nodes, max depth %d" % (nodes, depth) in text, text
    assert "threshold: %d bytes" % (nodes * 8) in text, text
    assert "value: %d bytes" % (nodes * 3 * 8) in text, text


def test_damaged_node_tables_are_refused(tmp):
    X, y = datasets.load_iris(return_X_y=True)
    est = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    csv = write_csv(os.path.join(tmp, "iris_small.csv"), X[:5])
    kind, version, params, arrays, children = save_node(est, "root")

    def store(name, mutate):
        a = {k: v.copy() for k, v in arrays}
        mutate(a)
        path = os.path.join(tmp, name)
        core.write_store((kind, version, params, list(a.items()), children), path, "directory", "none", False,
                         4 << 20, 0, False)
        return run("predict", path, "--data", csv, expect=None)

    def cycle(a):
        a["children_left"][0] = 0  # the root's own child: would loop forever
    p = store("cycle", cycle)
    assert p.returncode != 0 and "arrays.children_left" in p.stderr and "node 0 of tree 0" in p.stderr, p.stderr

    def bad_feature(a):
        a["feature"][0] = 99
    p = store("feature", bad_feature)
    assert p.returncode != 0 and "arrays.feature" in p.stderr and "feature 99 out of [0, 4)" in p.stderr, p.stderr

    def bad_offsets(a):
        a["tree_offsets"][-1] += 1
    p = store("offsets", bad_offsets)
    assert p.returncode != 0 and "arrays.tree_offsets" in p.stderr, p.stderr

    def short_value(a):
        a["value"] = a["value"][:-1]
    p = store("value", short_value)
    assert p.returncode != 0 and "arrays.value" in p.stderr and "expected shape" in p.stderr, p.stderr


def test_knn_damaged_labels_are_refused(tmp):
    X, y = datasets.load_iris(return_X_y=True)
    kind, version, params, arrays, children = save_node(KNeighborsClassifier().fit(X, y), "root")
    a = dict(arrays)
    a["y"] = a["y"].copy()
    a["y"][7] = 3
    path = os.path.join(tmp, "knn_bad")
    core.write_store((kind, version, params, list(a.items()), children), path, "directory", "none", False, 4 << 20, 0, False)
    p = run("predict", path, "--data", write_csv(os.path.join(tmp, "iris5.csv"), X[:5]), expect=None)
    assert p.returncode != 0 and "arrays.y" in p.stderr and "class index 3 at row 7 out of [0, 3)" in p.stderr, p.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
