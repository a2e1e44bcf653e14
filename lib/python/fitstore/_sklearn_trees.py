"""scikit-learn trees, forests and k-nearest-neighbours <-> fitstore objects
(FORMAT.md sections 12 and 13), never pickling.

Stored form: the node table as one column array per field, a forest's trees
concatenated (one dataset per field for the whole forest, `tree_offsets` giving
each tree's rows), so C++ (`fitstore predict`) serves the same store. Loading
rebuilds the estimators for the installed scikit-learn: each tree_ is a new
sklearn.tree._tree.Tree filled from the columns (node fields a newer version
adds, such as missing_go_to_left, get their documented defaults, FORMAT.md 12.3).
KNN stores its training matrix and labels and rebuilds its KD/ball tree by fit().

to_tree(estimator) -> engine tree node; from_stored(StoredObject) -> estimator.
ADAPTERS maps each supported class name to its stored type, for the sklearn bridge.
"""
import json

import numpy as np

from ._errors import FormatError, UnsupportedTypeError

# sklearn class name -> (stored type, task)
ADAPTERS = {
    "DecisionTreeClassifier": ("decision_tree", "classifier"),
    "DecisionTreeRegressor": ("decision_tree", "regressor"),
    "RandomForestClassifier": ("random_forest", "classifier"),
    "RandomForestRegressor": ("random_forest", "regressor"),
    "ExtraTreesClassifier": ("random_forest", "classifier"),
    "ExtraTreesRegressor": ("random_forest", "regressor"),
    "KNeighborsClassifier": ("kneighbors", "classifier"),
    "KNeighborsRegressor": ("kneighbors", "regressor"),
}
_NODE_FIELDS = (("children_left", "left_child", np.int64), ("children_right", "right_child", np.int64),
                ("feature", "feature", np.int64), ("threshold", "threshold", np.float64),
                ("impurity", "impurity", np.float64), ("n_node_samples", "n_node_samples", np.int64),
                ("weighted_n_node_samples", "weighted_n_node_samples", np.float64))
# Node fields of later scikit-learn versions that 1.2 trees do not have, with
# the value that reproduces 1.2's routing (FORMAT.md 12.3).
_NODE_DEFAULTS = {"missing_go_to_left": 0}


def _json_param(value):
    """Hyper-parameters as JSON (numpy scalars as Python numbers); refuses others."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_param(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_param(v) for k, v in value.items()}
    raise UnsupportedTypeError(f"fitstore: hyper-parameter value {value!r} is not stored (not JSON)")


def _classes(est, params, arrays):
    classes = np.asarray(est.classes_)
    if classes.dtype.kind in "iu":
        params["classes_kind"] = "int64"
        arrays.append(("classes", classes.astype(np.int64)))
    elif classes.dtype.kind == "f":
        params["classes_kind"] = "float64"
        arrays.append(("classes", classes.astype(np.float64)))
    else:
        names = [str(c).encode("utf-8") for c in classes]
        width = max([1] + [len(n) for n in names])
        matrix = np.zeros((len(names), width), dtype=np.uint8)
        for i, n in enumerate(names):
            matrix[i, :len(n)] = np.frombuffer(n, dtype=np.uint8)
        params["classes_kind"] = "string"
        arrays.append(("classes", matrix))
        arrays.append(("classes_lengths", np.array([len(n) for n in names], dtype=np.uint32)))


def _classes_back(obj):
    kind = obj.params.get("classes_kind", "int64")
    c = np.asarray(obj.arrays["classes"])
    if kind == "int64":
        return c.astype(np.int64)
    if kind == "float64":
        return c.astype(np.float64)
    if kind == "string":
        lengths = obj.arrays["classes_lengths"]
        return np.array([bytes(r[:n]).decode("utf-8") for r, n in zip(c, lengths)], dtype=object)
    raise FormatError(f"fitstore: params.classes_kind: expected int64, float64 or string, found {kind!r}",
                      field="params.classes_kind")


def _common(est, task):
    params = {"task": task, "n_features_in": int(est.n_features_in_),
              "feature_names_in": [str(n) for n in getattr(est, "feature_names_in_", [])],
              "sklearn_class": type(est).__name__,
              "sklearn_params": json.dumps(_json_param(est.get_params(deep=False)))}
    return params


def to_tree(est):
    """The engine tree node (type, version, params JSON, arrays, children) of a fitted estimator."""
    name = type(est).__name__
    if name not in ADAPTERS:
        raise UnsupportedTypeError(f"fitstore: {name} is not a supported tree, forest or neighbours estimator")
    kind, task = ADAPTERS[name]
    params = _common(est, task)
    arrays = []
    if kind == "kneighbors":
        if est.effective_metric_ != "euclidean":
            raise UnsupportedTypeError(f"fitstore: {name} with metric {est.effective_metric_!r}: only euclidean is stored")
        if getattr(est, "outputs_2d_", False):
            raise UnsupportedTypeError(f"fitstore: {name} with 2-d targets is not stored")
        params.update(n_neighbors=int(est.n_neighbors), weights=str(est.weights), metric="euclidean",
                      algorithm=str(est.algorithm), leaf_size=int(est.leaf_size))
        arrays.append(("fit_X", np.ascontiguousarray(est._fit_X, dtype=np.float64)))
        if task == "classifier":
            arrays.append(("y", np.asarray(est._y, dtype=np.int64)))
            _classes(est, params, arrays)
        else:
            arrays.append(("y", np.asarray(est._y, dtype=np.float64)))
        return kind, 1, json.dumps(params), arrays, []
    trees = [est] if kind == "decision_tree" else list(est.estimators_)
    if est.n_outputs_ != 1:
        raise UnsupportedTypeError(f"fitstore: {name} with {est.n_outputs_} outputs is not stored (one output only)")
    params["n_outputs"] = 1
    params["max_depth"] = [int(t.tree_.max_depth) for t in trees]
    params["tree_random_state"] = [int(t.random_state) if t.random_state is not None else -1 for t in trees]
    counts = [t.tree_.node_count for t in trees]
    offsets = np.zeros(len(trees) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    for stored, attr, dt in _NODE_FIELDS:
        arrays.append((stored, np.concatenate([np.asarray(getattr(t.tree_, stored), dtype=dt) for t in trees])))
    arrays.append(("value", np.concatenate([np.asarray(t.tree_.value, dtype=np.float64) for t in trees])))
    arrays.append(("tree_offsets", offsets))
    if task == "classifier":
        _classes(est, params, arrays)
    return kind, 1, json.dumps(params), arrays, []


def _estimator_class(obj):
    name = obj.params.get("sklearn_class")
    if name not in ADAPTERS or ADAPTERS[name][0] != obj.type:
        raise FormatError(f"fitstore: params.sklearn_class: {name!r} is not a supported class for type {obj.type!r}",
                          field="params.sklearn_class")
    import sklearn.ensemble
    import sklearn.neighbors
    import sklearn.tree
    for module in (sklearn.tree, sklearn.ensemble, sklearn.neighbors):
        if hasattr(module, name):
            return getattr(module, name)
    raise FormatError(f"fitstore: params.sklearn_class: {name!r} is not in the installed scikit-learn",
                      field="params.sklearn_class")


def _tree_from_columns(arrays, lo, hi, n_features, n_classes, max_depth):
    """The installed version's Tree built from rows [lo, hi) of the columns."""
    from sklearn.tree._tree import NODE_DTYPE, Tree
    nodes = np.zeros(hi - lo, dtype=NODE_DTYPE)
    stored = {attr: name for name, attr, _ in _NODE_FIELDS}
    for field in NODE_DTYPE.names:
        if field in stored:
            nodes[field] = arrays[stored[field]][lo:hi]
        elif field in _NODE_DEFAULTS:
            nodes[field] = _NODE_DEFAULTS[field]
        else:
            raise FormatError(f"fitstore: the installed scikit-learn's tree node field {field!r} has no documented "
                              f"default (FORMAT.md 12.3)", field="arrays")
    tree = Tree(n_features, np.array([n_classes], dtype=np.intp), 1)
    tree.__setstate__({"max_depth": int(max_depth), "node_count": hi - lo, "nodes": nodes,
                       "values": np.ascontiguousarray(arrays["value"][lo:hi], dtype=np.float64)})
    return tree


def from_stored(obj):
    """A fitted scikit-learn estimator rebuilt from a StoredObject written by to_tree()."""
    cls = _estimator_class(obj)
    p = obj.params
    est = cls(**json.loads(p["sklearn_params"]))
    classifier = p["task"] == "classifier"
    n_features = int(p["n_features_in"])
    if p["feature_names_in"]:
        feature_names = np.array(p["feature_names_in"], dtype=object)
    if obj.type == "kneighbors":
        y = np.asarray(obj.arrays["y"])
        X = np.asarray(obj.arrays["fit_X"])
        if classifier:
            y = _classes_back(obj)[y]
        # fit() rebuilds the KD/ball tree exactly as the original fit built it.
        est.fit(X, y)
        if p["feature_names_in"]:
            est.feature_names_in_ = feature_names
        return est
    classes = _classes_back(obj) if classifier else None
    n_classes = len(classes) if classifier else 1
    offsets = np.asarray(obj.arrays["tree_offsets"])
    arrays = obj.arrays
    depths = p["max_depth"]
    states = p["tree_random_state"]
    trees = []
    for t in range(len(offsets) - 1):
        tree_cls = cls if obj.type == "decision_tree" else None
        if tree_cls is None:
            est._validate_estimator()
            tree_est = est.estimator_.__class__(**{k: getattr(est, k) for k in est.estimator_params})
            tree_est.set_params(random_state=None if states[t] < 0 else states[t])
        else:
            tree_est = est
        tree_est.n_features_in_ = n_features
        tree_est.n_outputs_ = 1
        if classifier:
            # A forest fits its trees on class indices, so their classes_ are 0.0, 1.0, ...
            tree_est.classes_ = classes if obj.type == "decision_tree" else np.arange(n_classes, dtype=np.float64)
            tree_est.n_classes_ = n_classes
        else:
            tree_est.n_classes_ = np.array([1], dtype=np.intp)
        tree_est.max_features_ = _max_features(tree_est, n_features)
        tree_est.tree_ = _tree_from_columns(arrays, int(offsets[t]), int(offsets[t + 1]), n_features, n_classes, depths[t])
        trees.append(tree_est)
    if obj.type == "random_forest":
        est.estimators_ = trees
        est.n_features_in_ = n_features
        est.n_outputs_ = 1
        if classifier:
            est.classes_ = classes
            est.n_classes_ = n_classes
    if p["feature_names_in"]:
        est.feature_names_in_ = feature_names
    return est


def _max_features(est, n_features):
    """max_features_ as BaseDecisionTree.fit computes it (only read when refitting)."""
    m = est.max_features
    if m is None:
        return n_features
    if m in ("sqrt", "auto"):
        return max(1, int(np.sqrt(n_features)))
    if m == "log2":
        return max(1, int(np.log2(n_features)))
    if isinstance(m, int):
        return m
    return max(1, int(m * n_features))


def dump_estimator(est, filename, *, layout="directory", codec="none", threads=0, durable=True):
    """Writes a supported fitted estimator to `filename` (layouts and codecs as fitstore.dump)."""
    from . import _call, _core, _path
    path = _path(filename, "filename")
    node = to_tree(est)
    _call(_core.write_store, node, path, layout, codec, False, 4 << 20, int(threads), bool(durable))
    return path


def load_estimator(filename, *, mmap_mode=None):
    """The estimator stored at `filename`, rebuilt for the installed scikit-learn."""
    from . import load
    return from_stored(load(filename, mmap_mode=mmap_mode))
