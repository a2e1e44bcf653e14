"""Trees, forests and neighbours through the sklearn bridge (fitstore.dump /
fitstore.load / fitstore.sklearn, FORMAT.md sections 11-13), beyond the
load_* data sets of test_module_trees_roundtrip.py:

- synthetic sets (make_classification with 4 classes and 20 features,
  make_regression, class weights, string labels), in pipelines, through dumps/
  loads and zstd, in a fresh process copied and mapped: predict / predict_proba /
  apply / kneighbors bit-identical to scikit-learn's;
- mmap_mode="r" maps every array (KNN predicts from the mapped training matrix);
- the older form of these stores (class without its module, get_params as JSON
  text) and stores without scikit-learn params (written by C++) still load;
- damaged and hostile stores are refused naming the file, the field and the problem.
"""
import json
import sys
import warnings

import numpy as np
import pytest
from sklearn import datasets, pipeline, preprocessing
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import fitstore
from trees_common import fresh_process_check, outputs, rewrite, stored

CX, CY = datasets.make_classification(n_samples=600, n_features=20, n_informative=8, n_classes=4, random_state=0)
RX, RY = datasets.make_regression(n_samples=500, n_features=12, noise=5.0, random_state=0)
NAMES = np.array(["north", "south", "east", "west \u00e9"])

CLASSIFIERS = {
    "dt": lambda: DecisionTreeClassifier(min_samples_leaf=2, random_state=0),
    "rf": lambda: RandomForestClassifier(n_estimators=12, class_weight="balanced_subsample", random_state=0),
    "et": lambda: ExtraTreesClassifier(n_estimators=12, max_features=0.5, class_weight={0: 1.0, 1: 2.0, 2: 0.5, 3: 1.0},
                                       random_state=0),
    "knn": lambda: KNeighborsClassifier(n_neighbors=9, weights="distance", algorithm="kd_tree", leaf_size=10),
    "knn_brute": lambda: KNeighborsClassifier(n_neighbors=4, algorithm="brute"),
    "pipe_knn": lambda: pipeline.make_pipeline(preprocessing.StandardScaler(), KNeighborsClassifier(n_neighbors=6)),
    "pipe_rf": lambda: pipeline.make_pipeline(preprocessing.MinMaxScaler(),
                                              RandomForestClassifier(n_estimators=5, random_state=1)),
}
REGRESSORS = {
    "dtr": lambda: DecisionTreeRegressor(max_depth=12, random_state=0),
    "rfr": lambda: RandomForestRegressor(n_estimators=12, max_samples=0.5, random_state=0),
    "etr": lambda: ExtraTreesRegressor(n_estimators=12, random_state=0),
    "knnr": lambda: KNeighborsRegressor(n_neighbors=7, algorithm="ball_tree"),
}

def queries(X):
    rng = np.random.RandomState(1)
    return np.vstack([X[::4] + rng.normal(0, 0.1, X[::4].shape), X[1:40]])


def test_synthetic_sets_bit_identical_in_a_fresh_process(tmp_path):
    jobs, expected = [], {}
    fitted = [(name, make().fit(CX, y), CX) for name, make in CLASSIFIERS.items() for y in (CY, NAMES[CY])
              if not (name == "et" and y is not CY)]  # et's class_weight names integer classes
    fitted += [(name, make().fit(RX, RY), RX) for name, make in REGRESSORS.items()]
    for i, (name, est, X) in enumerate(fitted):
        xpath = str(tmp_path / f"{i}_X.npy")
        np.save(xpath, queries(X))
        ref = outputs(est, queries(X))
        # directory (default), a zstd:1 blob, and hdf5: copied and mapped.
        for suffix, codec in [("", "none"), (".fitstore", "zstd:1"), (".h5", "none")]:
            path = str(tmp_path / f"{i}_{name}{suffix}")
            fitstore.dump(est, path, codec=codec)
            for mmap in [None, "r"]:
                out = str(tmp_path / f"{i}_{name}{suffix}_{mmap}.npz")
                jobs.append({"path": path, "mmap": mmap, "X": xpath, "out": out})
                expected[out] = ref
    compared = fresh_process_check(jobs, expected, str(tmp_path))
    assert compared >= len(fitted) * 6 * 2


def test_dumps_loads_and_check_is_fitted():
    from sklearn.utils.validation import check_is_fitted
    for make in [*CLASSIFIERS.values(), *REGRESSORS.values()]:
        X, y = (CX, CY) if make in CLASSIFIERS.values() else (RX, RY)
        est = make().fit(X, y)
        back = fitstore.loads(fitstore.dumps(est))
        check_is_fitted(back)
        assert type(back) is type(est) and back.get_params(deep=False).keys() == est.get_params(deep=False).keys()
        assert back.predict(X).tobytes() == est.predict(X).tobytes()
        back.fit(X, y)  # a loaded estimator can be refitted
        assert back.predict(X).tobytes() == make().fit(X, y).predict(X).tobytes()


def test_mapped_loads_map_every_array(tmp_path):
    for name, est in [("rf", RandomForestClassifier(n_estimators=4, random_state=0).fit(CX, CY)),
                      ("knn", KNeighborsClassifier(algorithm="brute").fit(CX, NAMES[CY]))]:
        path = str(tmp_path / name)
        fitstore.dump(est, path)
        with warnings.catch_warnings():
            warnings.simplefilter("error", fitstore.MmapWarning)
            back, report = fitstore.load(path, mmap_mode="r", return_report=True)
        assert report and all(a["mapped"] for a in report), report
        assert back.predict(CX).tobytes() == est.predict(CX).tobytes()
    # KNN searches the mapped training matrix itself (read-only, not a copy).
    assert not back._fit_X.flags.writeable and not back._fit_X.flags.owndata
    assert back._fit_X.tobytes() == est._fit_X.tobytes()


def test_older_and_cpp_forms_still_load(tmp_path):
    est = ExtraTreesClassifier(n_estimators=5, random_state=0).fit(CX, CY)
    path = str(tmp_path / "et")
    fitstore.dump(est, path)

    def older(p):  # before the bridge: class without module, get_params as JSON text
        p["sklearn_class"] = "ExtraTreesClassifier"
        p["sklearn_params"] = json.dumps(est.get_params(deep=False))
        del p["sklearn_version"], p["sklearn_classes_dtype"]
    back = fitstore.load(rewrite(path, str(tmp_path / "older"), older))
    assert type(back) is ExtraTreesClassifier and back.get_params() == est.get_params()
    assert back.predict_proba(CX).tobytes() == est.predict_proba(CX).tobytes()

    weighted = RandomForestClassifier(n_estimators=3, class_weight={"north": 2.0, "south": 1.0, "east": 1.0,
                                                                    "west \u00e9": 0.5}, random_state=0)
    weighted.fit(CX, NAMES[CY])
    fitstore.dump(weighted, str(tmp_path / "weighted"))

    def older_weighted(p):
        p["sklearn_class"] = "RandomForestClassifier"
        p["sklearn_params"] = json.dumps(weighted.get_params(deep=False))
    back = fitstore.load(rewrite(str(tmp_path / "weighted"), str(tmp_path / "older_weighted"), older_weighted))
    assert back.class_weight == weighted.class_weight and back.predict(CX).tobytes() == weighted.predict(CX).tobytes()

    def cpp(p):  # what C++'s persist() writes: the schema params only
        for k in ["sklearn_class", "sklearn_params", "sklearn_version", "sklearn_classes_dtype", "tree_random_state"]:
            p.pop(k, None)
    back = fitstore.load(rewrite(path, str(tmp_path / "cpp"), cpp))
    assert type(back) is RandomForestClassifier  # extra-trees predict alike; the class is not in the store
    assert back.predict_proba(CX).tobytes() == est.predict_proba(CX).tobytes()
    knn = KNeighborsRegressor(n_neighbors=3, weights="distance").fit(RX, RY)
    fitstore.dump(knn, str(tmp_path / "knn"))
    back = fitstore.load(rewrite(str(tmp_path / "knn"), str(tmp_path / "knn_cpp"), cpp))
    assert type(back) is KNeighborsRegressor and back.n_neighbors == 3 and back.weights == "distance"
    assert back.predict(RX).tobytes() == knn.predict(RX).tobytes()


# ------------------------------------------------------------------- damage
@pytest.fixture(scope="module")
def forest(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("forest") / "rf")
    fitstore.dump(RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0).fit(CX[:, :5], CY), path)
    return path


def refused(path, error, *parts):
    with pytest.raises(error) as e:
        fitstore.load(path)
    message = str(e.value)
    assert message.startswith(f"fitstore: {path}: root."), message
    for part in parts:
        assert part in message, message
    return message


def offsets_of(path):
    return stored(path)[3]["tree_offsets"]


@pytest.mark.parametrize("case", [
    ("cycle", lambda a, o: a["children_left"].__setitem__(0, 0),
     "root.arrays.children_left: row 0 (tree 0, node 0): an internal node's children must follow it", "found 0"),
    ("back_edge", lambda a, o: a["children_right"].__setitem__(o[1] + 1, 0),
     "root.arrays.children_right", "(tree 1, node 1)", "(no cycles), found 0"),
    ("outside_tree", lambda a, o: a["children_right"].__setitem__(o[1], o[2] - o[1]),
     "root.arrays.children_right", "(tree 1, node 0)", "inside its tree"),
    ("negative_child", lambda a, o: a["children_left"].__setitem__(1, -7),
     "root.arrays.children_left", "row 1", "found -7"),
    ("leaf_with_child", lambda a, o: a["children_right"].__setitem__(
        int(np.flatnonzero(a["children_left"] == -1)[0]), 1),
     "root.arrays.children_right", "a leaf (children_left -1) must have children_right -1"),
    ("feature_out_of_range", lambda a, o: a["feature"].__setitem__(0, 5),
     "root.arrays.feature: row 0 (tree 0, node 0): expected a feature in [0, 5), found 5"),
    ("leaf_feature_at_internal_node", lambda a, o: a["feature"].__setitem__(o[2], -2),
     "root.arrays.feature", "(tree 2, node 0)", "found -2"),
    ("short_column", lambda a, o: a.__setitem__("threshold", a["threshold"][:-1]),
     "root.arrays.threshold: expected shape [", "(as children_left)"),
    ("value_shape", lambda a, o: a.__setitem__("value", a["value"][:, :, :3].copy()),
     "root.arrays.value: expected shape [", ", 1, 4]"),
    ("offsets_past_end", lambda a, o: a["tree_offsets"].__setitem__(-1, o[-1] + 1),
     "root.arrays.tree_offsets: expected offsets increasing from 0 to"),
    ("empty_tree", lambda a, o: a["tree_offsets"].__setitem__(1, 0),
     "root.arrays.tree_offsets", "every tree at least one node"),
    ("float32_threshold", lambda a, o: a.__setitem__("threshold", a["threshold"].astype(np.float32)),
     "root.arrays.threshold: expected dtype float64, found float32"),
    ("nan_threshold", lambda a, o: a["threshold"].__setitem__(0, np.nan),
     "root.arrays.threshold: expected finite values"),
    ("inf_value", lambda a, o: a["value"].__setitem__((2, 0, 1), np.inf), "root.arrays.value: expected finite values"),
    ("missing_column", lambda a, o: a.pop("impurity"), "root.arrays.impurity: required array is missing"),
], ids=lambda c: c[0])
def test_damaged_node_tables_are_refused(forest, tmp_path, case):
    name, damage, *parts = case
    o = offsets_of(forest)
    refused(rewrite(forest, str(tmp_path / name), mutate_arrays=lambda a: damage(a, o)), fitstore.FormatError, *parts)


@pytest.mark.parametrize("case", [
    ("task", lambda p: p.__setitem__("task", "regressor"),
     fitstore.FormatError, "root.params.task: a sklearn.ensemble.RandomForestClassifier is a classifier, found 'regressor'"),
    ("depths", lambda p: p.__setitem__("max_depth", p["max_depth"][:2]),
     fitstore.FormatError, "root.params.max_depth: expected 3 integers (one per tree)"),
    ("outputs", lambda p: p.__setitem__("n_outputs", 2), fitstore.FormatError, "root.params.n_outputs: expected 1"),
    ("features", lambda p: p.__setitem__("n_features_in", 0),
     fitstore.FormatError, "root.params.n_features_in: expected an integer >= 1, found 0"),
    ("hostile_class", lambda p: p.__setitem__("sklearn_class", "os.system"), fitstore.UnsupportedTypeError,
     "root.params.sklearn_class: an object of type 'random_forest' is one of sklearn.ensemble.RandomForestClassifier",
     "found 'os.system'; nothing was constructed"),
    ("other_family", lambda p: p.__setitem__("sklearn_class", "sklearn.svm.SVC"), fitstore.UnsupportedTypeError,
     "found 'sklearn.svm.SVC'; nothing was constructed"),
    ("param_kind", lambda p: p["sklearn_params"].__setitem__("n_estimators", {"_py": "dict", "keys": [], "values": []}),
     fitstore.FormatError, "root.params.sklearn_params.n_estimators", "must be an int"),
    ("unknown_param", lambda p: p["sklearn_params"].__setitem__("eval", "1"),
     fitstore.FormatError, "root.params.sklearn_params.eval", "has no parameter 'eval'"),
    ("label_dtype", lambda p: p.__setitem__("sklearn_classes_dtype", "|O8"),
     fitstore.FormatError, "root.params.sklearn_classes_dtype: '|O8' is not a label dtype"),
], ids=lambda c: c[0])
def test_damaged_params_are_refused(forest, tmp_path, case):
    name, damage, error, *parts = case
    refused(rewrite(forest, str(tmp_path / name), damage), error, *parts)


def test_newer_type_version_is_refused(forest, tmp_path):
    from fitstore import _core
    kind, _version, params, arrays, children = stored(forest)
    path = str(tmp_path / "v2")
    _core.write_store((kind, 2, json.dumps(params), list(arrays.items()), children), path, "directory", "none", False,
                      4 << 20, 0, False)
    refused(path, fitstore.VersionError, "root.version: type 'random_forest' version 2 is not supported")


def test_a_decision_tree_holds_one_tree(forest, tmp_path):
    def as_tree(p):
        p["sklearn_class"] = "sklearn.tree.DecisionTreeClassifier"
        p["sklearn_params"] = {}
    from fitstore import _core
    kind, version, params, arrays, children = stored(forest)
    as_tree(params)
    path = str(tmp_path / "dt3")
    _core.write_store(("decision_tree", version, json.dumps(params), list(arrays.items()), children), path,
                      "directory", "none", False, 4 << 20, 0, False)
    refused(path, fitstore.FormatError, "root.arrays.tree_offsets: a decision_tree holds exactly one tree, found 3")


@pytest.mark.parametrize("case", [
    ("label_index", None, lambda a: a["y"].__setitem__(7, 4), "root.arrays.y: expected class indices in [0, 4)"),
    ("k_zero", lambda p: p.update(n_neighbors=0), None,
     "root.params.n_neighbors: expected an integer in [1, 600] (the training rows), found 0"),
    ("k_too_big", lambda p: p.update(n_neighbors=601), None, "root.params.n_neighbors", "found 601"),
    ("disagreeing_k", lambda p: p.update(n_neighbors=3), None,
     "root.params.n_neighbors: 3 disagrees with sklearn_params.n_neighbors = 5"),
    ("weights", lambda p: (p.update(weights="cubic"), p["sklearn_params"].update(weights="cubic")), None,
     "root.params.weights: expected \"uniform\" or \"distance\", found 'cubic'"),
    ("sklearn_weights", lambda p: p["sklearn_params"].update(weights=2.5), None,
     "root.params.sklearn_params.weights", "must be a str among"),
    ("metric", lambda p: p.update(metric="manhattan"), None,
     "root.params.metric: expected \"euclidean\" (FORMAT.md 13), found 'manhattan'"),
    ("sklearn_metric", lambda p: p["sklearn_params"].update(p=1), None,
     "root.params.sklearn_params.metric: the stored training set is for euclidean distances"),
    ("fit_X_columns", None, lambda a: a.__setitem__("fit_X", a["fit_X"][:, :19].copy()),
     "root.arrays.fit_X: expected shape [n_samples, 20], found [600, 19]"),
    ("fit_X_nan", None, lambda a: a["fit_X"].__setitem__((3, 3), np.nan), "root.arrays.fit_X: expected finite values"),
    ("y_length", None, lambda a: a.__setitem__("y", a["y"][:-1]), "root.arrays.y: expected shape [600], found [599]"),
    ("unsorted_classes", None, lambda a: a.__setitem__("classes", a["classes"][::-1].copy()),
     "root.arrays.classes: expected the sorted distinct labels of y"),
], ids=lambda c: c[0])
def test_damaged_knn_stores_are_refused(tmp_path, case):
    name, params, arrays, *parts = case
    path = str(tmp_path / "knn")
    fitstore.dump(KNeighborsClassifier().fit(CX, CY), path)
    refused(rewrite(path, str(tmp_path / name), params, arrays), fitstore.FormatError, *parts)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
