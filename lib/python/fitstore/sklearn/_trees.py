"""Adapters for scikit-learn's trees, forests and k-nearest neighbours (FORMAT.md
sections 12 and 13): DecisionTree*, RandomForest*, ExtraTrees* and KNeighbors*,
classifiers and regressors.

Three stored types serve eight classes: `decision_tree`, `random_forest` (random
and extra-trees predict alike) and `kneighbors`, each with the param `task`, so
the C++ types of the same names serve every store. One FamilyAdapter per stored
type is registered; it holds one member adapter per scikit-learn class and picks
the member from the stored `sklearn_class` (a fixed table, never an import).

Trees are stored as the node table, one column per field, a forest's trees
concatenated (one dataset per field for the whole forest, `tree_offsets` giving
each tree's rows). Loading checks every node (children after their parent and
inside the tree, features in range, shapes, finiteness) before anything is
built: scikit-learn's tree code does not check node indices and would read
out of bounds. Each tree_ is then a new sklearn.tree._tree.Tree filled through
Tree.__setstate__ with a state this module builds from the checked columns: in
scikit-learn 1.2 that is the only way to give a Tree its nodes (no pickle data
is read; node fields a later version adds get FORMAT.md 12.3's defaults).

KNN stores its training matrix and labels; loading refits on them (KD/ball tree
construction is deterministic, so queries are bit-identical).
"""
import json

import numpy as np

from .._errors import UnsupportedTypeError, VersionError
from ._base import Adapter, FamilyAdapter, bad, decode_value

_TREE = "decision_tree"
_FOREST = "random_forest"
_KNN = "kneighbors"
# public class -> (stored type, task, module, class name): constants, never file content.
_CLASSES = {
    "sklearn.tree.DecisionTreeClassifier": (_TREE, "classifier", "sklearn.tree", "DecisionTreeClassifier"),
    "sklearn.tree.DecisionTreeRegressor": (_TREE, "regressor", "sklearn.tree", "DecisionTreeRegressor"),
    "sklearn.ensemble.RandomForestClassifier": (_FOREST, "classifier", "sklearn.ensemble", "RandomForestClassifier"),
    "sklearn.ensemble.RandomForestRegressor": (_FOREST, "regressor", "sklearn.ensemble", "RandomForestRegressor"),
    "sklearn.ensemble.ExtraTreesClassifier": (_FOREST, "classifier", "sklearn.ensemble", "ExtraTreesClassifier"),
    "sklearn.ensemble.ExtraTreesRegressor": (_FOREST, "regressor", "sklearn.ensemble", "ExtraTreesRegressor"),
    "sklearn.neighbors.KNeighborsClassifier": (_KNN, "classifier", "sklearn.neighbors", "KNeighborsClassifier"),
    "sklearn.neighbors.KNeighborsRegressor": (_KNN, "regressor", "sklearn.neighbors", "KNeighborsRegressor"),
}
# The class a store without `sklearn_class` (written by C++) loads as, per (type, task).
_DEFAULT_CLASS = {(_TREE, "classifier"): "sklearn.tree.DecisionTreeClassifier",
                  (_TREE, "regressor"): "sklearn.tree.DecisionTreeRegressor",
                  (_FOREST, "classifier"): "sklearn.ensemble.RandomForestClassifier",
                  (_FOREST, "regressor"): "sklearn.ensemble.RandomForestRegressor",
                  (_KNN, "classifier"): "sklearn.neighbors.KNeighborsClassifier",
                  (_KNN, "regressor"): "sklearn.neighbors.KNeighborsRegressor"}
# (stored column, Tree node field, dtype)
_NODE_FIELDS = (("children_left", "left_child", "<i8"), ("children_right", "right_child", "<i8"),
                ("feature", "feature", "<i8"), ("threshold", "threshold", "<f8"),
                ("impurity", "impurity", "<f8"), ("n_node_samples", "n_node_samples", "<i8"),
                ("weighted_n_node_samples", "weighted_n_node_samples", "<f8"))
# Node fields of later scikit-learn versions that 1.2 trees do not have, with the
# value that reproduces 1.2's routing (FORMAT.md 12.3).
_NODE_DEFAULTS = {"missing_go_to_left": 0}
# C++ schema params that restate a KNN hyper-parameter: they must agree with sklearn_params.
_KNN_SHARED = ("n_neighbors", "weights", "algorithm", "leaf_size")


class _Member(Adapter):
    """The adapter of one scikit-learn class of a family (a stored type shared by
    several classes; the class is the param sklearn_class, the task the param task)."""

    def __init__(self, sklearn_class):
        self.sklearn_class = sklearn_class
        self.type_name, self.task, self._module, self._name = _CLASSES[sklearn_class]

    def estimator_class(self):
        import importlib
        # `_module`/`_name` come from _CLASSES, this module's constant table.
        return getattr(importlib.import_module(self._module), self._name)

    def check_class(self, r):
        # The family picked this member by the stored sklearn_class (stores written before
        # these adapters joined fitstore.sklearn name it without its module); only the version is left.
        if r.version > self.version or r.version < 1:
            raise VersionError(
                f"fitstore: {r.where}.version: type {self.type_name!r} version {r.version} is not supported "
                f"(versions 1 to {self.version})", field=f"{r.where}.version")

    def stored_params(self, r):
        raw = r.params.get("sklearn_params")
        if isinstance(raw, str):  # the older form: get_params() as JSON text (plain JSON values)
            try:
                raw = json.loads(raw)
            except ValueError as e:
                raise bad(f"{r.where}.params.sklearn_params", f"not JSON: {e}") from None
            if not isinstance(raw, dict):
                raise bad(f"{r.where}.params.sklearn_params", "expected an object")
            return raw  # JSON values as they are (class_weight: an object with str keys); construct() checks them
        if "sklearn_params" not in r.params:  # written by C++
            return self.params_from_schema(r)
        raw = r.param("sklearn_params", dict)
        return {k: decode_value(v, f"{r.where}.params.sklearn_params.{k}") for k, v in raw.items()}

    def params_from_schema(self, r):
        return {}

    def save_params(self, est, w):
        w.param("task", self.task)

    def common_fitted(self, est, w):
        w.param("n_features_in", int(est.n_features_in_))
        names = getattr(est, "feature_names_in_", None)
        w.param("feature_names_in", [str(n) for n in names] if names is not None else [])

    def check_common(self, r):
        task = r.param("task", str)
        if task != self.task:
            raise bad(f"{r.where}.params.task", f"a {self.sklearn_class} is a {self.task}, found {task!r}")
        d = r.param("n_features_in", int)
        if d < 1:
            raise bad(f"{r.where}.params.n_features_in", f"expected an integer >= 1, found {d}")
        return d


# ----------------------------------------------------------------------- trees
class TreeMember(_Member):
    """DecisionTree* and the forests: the node columns of FORMAT.md 12.2."""

    def save_fitted(self, est, w):
        name = self.sklearn_class
        if est.n_outputs_ != 1:
            raise UnsupportedTypeError(
                f"fitstore: {w.where}: a {name} with {est.n_outputs_} outputs is not stored (FORMAT.md 12: "
                f"one output only)", field="n_outputs")
        self.common_fitted(est, w)
        trees = [est] if self.type_name == _TREE else list(est.estimators_)
        w.param("n_outputs", 1)
        w.param("max_depth", [int(t.tree_.max_depth) for t in trees])
        w.param("tree_random_state", [int(t.random_state) if isinstance(t.random_state, (int, np.integer)) else -1
                                      for t in trees])
        offsets = np.zeros(len(trees) + 1, dtype="<i8")
        offsets[1:] = np.cumsum([t.tree_.node_count for t in trees])
        for column, _field, dtype in _NODE_FIELDS:
            w.array(column, np.concatenate([np.asarray(getattr(t.tree_, column), dtype=dtype) for t in trees]))
        w.array("value", np.concatenate([np.asarray(t.tree_.value, dtype="<f8") for t in trees]))
        w.array("tree_offsets", offsets)
        if self.task == "classifier":
            w.labels("classes", est.classes_)

    def check_before_construct(self, r, params):
        d = self.check_common(r)
        if r.param("n_outputs", int) != 1:
            raise bad(f"{r.where}.params.n_outputs", f"expected 1 (one output only), found {r.params['n_outputs']}")
        cols = {}
        for column, _field, dtype in _NODE_FIELDS:
            cols[column] = r.array(column, dtype, 1)
        N = len(cols["children_left"])
        for column, _field, _dtype in _NODE_FIELDS:
            if len(cols[column]) != N:
                raise bad(f"{r.where}.arrays.{column}", f"expected shape [{N}] (as children_left), "
                                                        f"found {list(cols[column].shape)}")
        classes = r.labels("classes") if self.task == "classifier" else None
        k = len(classes) if classes is not None else 1
        if k < 1:
            raise bad(f"{r.where}.arrays.classes", "expected at least one class")
        value = r.array("value", "<f8", shape=(N, 1, k))
        offsets = r.array("tree_offsets", "<i8", 1)
        T = len(offsets) - 1
        if T < 1 or offsets[0] != 0 or offsets[-1] != N or (np.diff(offsets) < 1).any():
            raise bad(f"{r.where}.arrays.tree_offsets", f"expected offsets increasing from 0 to {N} "
                                                        f"(every tree at least one node), found {len(offsets)} values")
        if self.type_name == _TREE and T != 1:
            raise bad(f"{r.where}.arrays.tree_offsets", f"a decision_tree holds exactly one tree, found {T}")
        depths = r.param("max_depth", list)
        states = r.param("tree_random_state", list, [-1] * T)
        for name, values in (("max_depth", depths), ("tree_random_state", states)):
            if len(values) != T or not all(type(v) is int for v in values):
                raise bad(f"{r.where}.params.{name}", f"expected {T} integers (one per tree), found {json.dumps(values)[:64]}")
        if any(v < 0 for v in depths):
            raise bad(f"{r.where}.params.max_depth", "expected depths >= 0")
        self._check_nodes(r, cols, value, offsets, d)
        r.state = {"d": d, "cols": cols, "value": value, "offsets": offsets, "classes": classes,
                   "depths": depths, "states": states, "names": r.feature_names(d)}

    @staticmethod
    def _check_nodes(r, cols, value, offsets, d):
        """FORMAT.md 12.2: children follow their parent inside the tree (no cycles, no
        index outside the tree), both -1 at leaves; features of internal nodes in [0, d)."""
        sizes = np.diff(offsets)
        local = np.arange(len(cols["children_left"]), dtype=np.int64) - np.repeat(offsets[:-1], sizes)
        size = np.repeat(sizes, sizes)
        left, right, feature = cols["children_left"], cols["children_right"], cols["feature"]
        leaf = left == -1

        def first_bad(mask, column, what):
            if mask.any():
                i = int(np.argmax(mask))
                t = int(np.searchsorted(offsets, i, side="right") - 1)
                raise bad(f"{r.where}.arrays.{column}", f"row {i} (tree {t}, node {int(local[i])}): {what}, "
                                                        f"found {int(cols[column][i])}")

        for column, child in (("children_left", left), ("children_right", right)):
            first_bad(~leaf & ((child <= local) | (child >= size)), column,
                      "an internal node's children must follow it inside its tree (no cycles)")
        first_bad(leaf & (right != -1), "children_right", "a leaf (children_left -1) must have children_right -1")
        first_bad(~leaf & ((feature < 0) | (feature >= d)), "feature", f"expected a feature in [0, {d})")
        for column in ("threshold", "impurity", "weighted_n_node_samples"):
            if not np.isfinite(cols[column]).all():
                raise bad(f"{r.where}.arrays.{column}", "expected finite values")
        if not np.isfinite(value).all():
            raise bad(f"{r.where}.arrays.value", "expected finite values")

    def load_fitted(self, r, est):
        s = r.state
        d, classes, offsets = s["d"], s["classes"], s["offsets"]
        classifier = classes is not None
        n_classes = len(classes) if classifier else 1
        if self.type_name == _FOREST:
            est._validate_estimator()  # the forest's own way to make its trees (estimator_, estimator_params)
        trees = []
        for t in range(len(offsets) - 1):
            if self.type_name == _TREE:
                tree_est = est
            else:
                tree_est = est._make_estimator(append=False)
                tree_est.set_params(random_state=None if s["states"][t] < 0 else s["states"][t])
            tree_est.n_features_in_ = d
            tree_est.n_outputs_ = 1
            if classifier:
                # A forest fits its trees on class indices, so their classes_ are 0.0, 1.0, ...
                tree_est.classes_ = classes if self.type_name == _TREE else np.arange(n_classes, dtype=np.float64)
                tree_est.n_classes_ = np.int64(n_classes)
            else:
                tree_est.n_classes_ = np.array([1], dtype=np.intp)
            tree_est.max_features_ = _max_features(tree_est, d)
            tree_est.tree_ = _tree(s, int(offsets[t]), int(offsets[t + 1]), n_classes, s["depths"][t])
            trees.append(tree_est)
        if self.type_name == _FOREST:
            est.estimators_ = trees
            est.n_features_in_ = d
            est.n_outputs_ = 1
            if classifier:
                est.classes_ = classes
                est.n_classes_ = n_classes
        if s["names"] is not None:
            est.feature_names_in_ = s["names"]


def _tree(s, lo, hi, n_classes, max_depth):
    """The installed version's Tree holding rows [lo, hi) of the checked columns."""
    from sklearn.tree._tree import NODE_DTYPE, Tree
    nodes = np.zeros(hi - lo, dtype=NODE_DTYPE)
    stored = {field: column for column, field, _ in _NODE_FIELDS}
    for field in NODE_DTYPE.names:
        if field in stored:
            nodes[field] = s["cols"][stored[field]][lo:hi]
        elif field in _NODE_DEFAULTS:
            nodes[field] = _NODE_DEFAULTS[field]
        else:
            raise bad("arrays", f"the installed scikit-learn's tree node field {field!r} has no documented "
                                f"default (FORMAT.md 12.3)")
    tree = Tree(s["d"], np.array([n_classes], dtype=np.intp), 1)
    state = {"max_depth": int(max_depth), "node_count": hi - lo, "nodes": nodes,
             "values": np.ascontiguousarray(s["value"][lo:hi])}
    tree.__setstate__(state)  # the Tree's node setter (see the module docstring); no pickle involved
    return tree


def _max_features(est, n_features):
    """max_features_ as BaseDecisionTree.fit computes it (only read when refitting)."""
    m = est.max_features
    if m is None:
        return n_features
    if m in ("sqrt", "auto"):
        return max(1, int(np.sqrt(n_features)))
    if m == "log2":
        return max(1, int(np.log2(n_features)))
    if isinstance(m, (int, np.integer)):
        return int(m)
    return max(1, int(m * n_features))


# ------------------------------------------------------------------------- KNN
class KNeighborsMember(_Member):
    """KNeighbors*: the training matrix and labels of FORMAT.md 13."""

    def save_params(self, est, w):
        super().save_params(est, w)  # a callable `weights` was refused with sklearn_params
        w.param("n_neighbors", int(est.n_neighbors))
        w.param("weights", est.weights)
        w.param("algorithm", str(est.algorithm))
        w.param("leaf_size", int(est.leaf_size))

    def save_fitted(self, est, w):
        import scipy.sparse as sp
        where = f"fitstore: {w.where}: a {self.sklearn_class}"
        if est.effective_metric_ != "euclidean":
            raise UnsupportedTypeError(f"{where} with metric {est.effective_metric_!r} is not stored "
                                       f"(FORMAT.md 13: euclidean only)", field="metric")
        if getattr(est, "outputs_2d_", False):
            raise UnsupportedTypeError(f"{where} with 2-d targets is not stored (one output only)", field="y")
        if sp.issparse(est._fit_X):
            raise UnsupportedTypeError(f"{where} fitted on a sparse matrix is not stored (dense only)", field="fit_X")
        w.param("metric", "euclidean")
        self.common_fitted(est, w)
        w.array("fit_X", np.ascontiguousarray(est._fit_X, dtype="<f8"))
        if self.task == "classifier":
            w.array("y", est._y, "<i8")
            w.labels("classes", est.classes_)
        else:
            w.array("y", est._y, "<f8")

    def params_from_schema(self, r):
        return {"n_neighbors": r.param("n_neighbors", int), "weights": r.param("weights", str),
                "algorithm": r.param("algorithm", str, "auto"), "leaf_size": r.param("leaf_size", int, 30)}

    def check_params(self, r, params):
        for name in _KNN_SHARED:
            if r.has_param(name) and name in params and r.params[name] != params[name]:
                raise bad(f"{r.where}.params.{name}",
                          f"{r.params[name]!r} disagrees with sklearn_params.{name} = {params[name]!r}")

    def check_before_construct(self, r, params):
        d = self.check_common(r)
        metric = r.param("metric", str)
        if metric != "euclidean":
            raise bad(f"{r.where}.params.metric", f"expected \"euclidean\" (FORMAT.md 13), found {metric!r}")
        if params.get("metric", "minkowski") not in ("minkowski", "euclidean", "l2") or \
                (params.get("metric", "minkowski") == "minkowski" and params.get("p", 2) != 2):
            raise bad(f"{r.where}.params.sklearn_params.metric", "the stored training set is for euclidean distances")
        X = r.finite("fit_X", r.array("fit_X", "<f8", 2))
        n = X.shape[0]
        if X.shape[1] != d:
            raise bad(f"{r.where}.arrays.fit_X", f"expected shape [n_samples, {d}], found {list(X.shape)}")
        k = r.param("n_neighbors", int)
        if not 1 <= k <= n:
            raise bad(f"{r.where}.params.n_neighbors", f"expected an integer in [1, {n}] (the training rows), found {k}")
        weights = r.param("weights", str)
        if weights not in ("uniform", "distance"):
            raise bad(f"{r.where}.params.weights", f"expected \"uniform\" or \"distance\", found {weights!r}")
        classes = None
        if self.task == "classifier":
            classes = r.labels("classes")
            y = r.array("y", "<i8", shape=(n,))
            if n and (y.min() < 0 or y.max() >= len(classes)):
                raise bad(f"{r.where}.arrays.y", f"expected class indices in [0, {len(classes)})")
        else:
            y = r.finite("y", r.array("y", "<f8", shape=(n,)))
        r.state = {"X": X, "y": y, "classes": classes, "names": r.feature_names(d)}

    def load_fitted(self, r, est):
        s = r.state
        y = s["y"]
        if s["classes"] is not None:
            y = s["classes"][y]
        est.fit(s["X"], y)  # rebuilds the KD/ball tree exactly as the original fit did
        if s["classes"] is not None:
            if not np.array_equal(est._y, s["y"]) or len(est.classes_) != len(s["classes"]):
                raise bad(f"{r.where}.arrays.classes", "expected the sorted distinct labels of y "
                                                       "(each class used by some training row)")
            est.classes_ = s["classes"]  # the stored dtype (fit on labels gives object for strings)
        if s["names"] is not None:
            est.feature_names_in_ = s["names"]


class _Family(FamilyAdapter):
    def member_for(self, r):
        stored = r.param("sklearn_class", str, None)
        if stored is None:
            task = r.param("task", str)
            stored = _DEFAULT_CLASS.get((self.type_name, task))
            if stored is None:
                raise bad(f"{r.where}.params.task", f"expected \"classifier\" or \"regressor\", found {task!r}")
        member = self.members.get(stored)
        if member is None:  # stores written before the bridge named classes without their module
            member = {m.sklearn_class.rsplit(".", 1)[-1]: m for m in self.members.values()}.get(stored)
        if member is None:
            raise UnsupportedTypeError(
                f"fitstore: {r.where}.params.sklearn_class: an object of type {self.type_name!r} is one of "
                f"{', '.join(self.members)}, found {stored!r}; nothing was constructed",
                field=f"{r.where}.params.sklearn_class")
        return member


def _family(type_name, member):
    return _Family(type_name, 1, [member(c) for c, v in _CLASSES.items() if v[0] == type_name])


ADAPTERS = [_family(_TREE, TreeMember), _family(_FOREST, TreeMember), _family(_KNN, KNeighborsMember)]
