"""Test helper: the scikit-learn models the bridge tests fit (every supported type on
scikit-learn's own data sets), the data they predict on, and the methods compared.

Used by test_module_sklearn_roundtrip.py (the parent fits, dumps and records the
reference outputs) and by sklearn_roundtrip_child.py (a fresh process loads and
predicts). Deterministic: the same case name gives the same data in both.
"""
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import datasets, decomposition, linear_model, pipeline, preprocessing, svm

METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba", "transform", "score_samples",
           "inverse_transform")
_DATA = {}


class Frame:
    """The least of a pandas DataFrame scikit-learn needs to record feature_names_in_
    (pandas is not installed): `columns` and the array protocol."""

    def __init__(self, values, columns):
        self.values = np.asarray(values)
        self.columns = np.asarray(columns, dtype=object)
        self.shape = self.values.shape

    def __array__(self, dtype=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self):
        return len(self.values)


def data(name, sparse=False, frame=False):
    """(X, y) of a scikit-learn data set; classifier data other than iris standardised
    (libsvm converges in seconds then); `sparse`: CSR with small values zeroed."""
    key = (name, sparse, frame)
    if key not in _DATA:
        X, y = getattr(datasets, "load_" + name)(return_X_y=True)
        if name not in ("iris", "diabetes"):
            X = preprocessing.StandardScaler().fit_transform(X)
        if sparse:
            X = sp.csr_matrix(np.where(np.abs(X) > (3.0 if name == "iris" else 0.5), X, 0.0))
        if frame:
            X = Frame(X, [f"feature {i} \u00b5m" for i in range(X.shape[1])])
        _DATA[key] = (X, y)
    return _DATA[key]


def _labels(y, kind):
    if kind == "str":
        return np.array(["setosa \u2740", "versicolor", "virginica", "d", "e", "f", "g", "h", "i", "j"])[y]
    if kind == "binary":
        return y == y.max()
    return y


def _cases():
    cases = []  # (name, factory, data set, sparse, labels kind, frame)
    add = lambda name, make, ds, sparse=False, labels="", frame=False: cases.append(
        (name, make, ds, sparse, labels, frame))
    for ds in ("iris", "wine", "breast_cancer", "digits"):
        for kernel in ("linear", "rbf", "poly"):
            add(f"svc_{ds}_{kernel}_proba", lambda k=kernel: svm.SVC(kernel=k, probability=True, random_state=0), ds)
            add(f"nu_svc_{ds}_{kernel}_proba",
                lambda k=kernel: svm.NuSVC(kernel=k, nu=0.1, probability=True, random_state=0), ds)
        add(f"svc_{ds}_rbf", lambda: svm.SVC(), ds)
        add(f"svc_{ds}_ovo", lambda: svm.SVC(decision_function_shape="ovo"), ds)
        add(f"nu_svc_{ds}_rbf", lambda: svm.NuSVC(nu=0.1), ds)
        add(f"one_class_svm_{ds}_rbf", lambda: svm.OneClassSVM(nu=0.2), ds)
        add(f"linear_svc_{ds}", lambda: svm.LinearSVC(max_iter=20000, random_state=0), ds)
        add(f"logistic_regression_{ds}", lambda: linear_model.LogisticRegression(max_iter=5000), ds)
        add(f"standard_scaler_{ds}", lambda: preprocessing.StandardScaler(), ds)
        add(f"min_max_scaler_{ds}", lambda: preprocessing.MinMaxScaler(feature_range=(-1, 2)), ds)
        add(f"pca_{ds}", lambda: decomposition.PCA(n_components=3, random_state=0), ds)
    for kernel in ("linear", "rbf", "poly"):
        add(f"svr_diabetes_{kernel}", lambda k=kernel: svm.SVR(kernel=k, C=100.0, epsilon=5.0), "diabetes")
        add(f"nu_svr_diabetes_{kernel}", lambda k=kernel: svm.NuSVR(kernel=k, C=100.0), "diabetes")
        add(f"one_class_svm_iris_{kernel}", lambda k=kernel: svm.OneClassSVM(kernel=k, nu=0.3), "iris")
    add("linear_regression_diabetes", lambda: linear_model.LinearRegression(), "diabetes")
    add("ridge_diabetes", lambda: linear_model.Ridge(alpha=0.5), "diabetes")
    add("ridge_diabetes_two_targets", lambda: linear_model.Ridge(), "diabetes", labels="two_targets")
    add("standard_scaler_diabetes_no_mean", lambda: preprocessing.StandardScaler(with_mean=False), "diabetes")
    add("pca_diabetes_whiten", lambda: decomposition.PCA(whiten=True), "diabetes")
    # Sparse (CSR) fits: support vectors kept as CSR.
    for ds in ("iris", "wine"):
        add(f"svc_{ds}_rbf_proba_sparse", lambda: svm.SVC(probability=True, random_state=0), ds, sparse=True)
        add(f"svc_{ds}_linear_sparse", lambda: svm.SVC(kernel="linear"), ds, sparse=True)
        add(f"nu_svc_{ds}_poly_proba_sparse",
            lambda: svm.NuSVC(kernel="poly", nu=0.1, probability=True, random_state=0), ds, sparse=True)
        add(f"one_class_svm_{ds}_sparse", lambda: svm.OneClassSVM(nu=0.2), ds, sparse=True)
    add("svr_diabetes_rbf_sparse", lambda: svm.SVR(C=100.0, epsilon=5.0), "diabetes", sparse=True)
    add("nu_svr_diabetes_rbf_sparse", lambda: svm.NuSVR(C=100.0), "diabetes", sparse=True)
    add("linear_svc_digits_sparse", lambda: svm.LinearSVC(max_iter=20000, random_state=0), "digits", sparse=True)
    # Labels of other kinds, feature names, class weights.
    add("svc_iris_string_labels_proba", lambda: svm.SVC(probability=True, random_state=0), "iris", labels="str")
    add("svc_breast_cancer_binary_bool", lambda: svm.SVC(class_weight="balanced"), "breast_cancer", labels="binary")
    add("svc_wine_class_weight_dict", lambda: svm.SVC(class_weight={0: 2.0, 2: 0.5}, gamma=0.05), "wine")
    add("svc_digits_break_ties", lambda: svm.SVC(break_ties=True), "digits")
    add("svc_wine_feature_names", lambda: svm.SVC(probability=True, random_state=1), "wine", frame=True)
    add("logistic_regression_iris_string_labels", lambda: linear_model.LogisticRegression(max_iter=5000), "iris",
        labels="str")
    add("logistic_regression_breast_cancer_bool", lambda: linear_model.LogisticRegression(max_iter=5000),
        "breast_cancer", labels="binary")
    add("linear_svc_iris_string_labels", lambda: svm.LinearSVC(max_iter=20000, random_state=0), "iris", labels="str")
    add("min_max_scaler_diabetes_feature_names", lambda: preprocessing.MinMaxScaler(clip=True), "diabetes",
        frame=True)
    # Pipelines of supported steps.
    add("pipeline_scaler_svc_wine", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(), svm.SVC(probability=True, random_state=0)), "wine")
    add("pipeline_scaler_pca_logistic_digits", lambda: pipeline.Pipeline([
        ("scale", preprocessing.StandardScaler()), ("pca", decomposition.PCA(n_components=20, random_state=0)),
        ("clf", linear_model.LogisticRegression(max_iter=5000))]), "digits")
    add("pipeline_minmax_linear_svc_breast_cancer", lambda: pipeline.make_pipeline(
        preprocessing.MinMaxScaler(), svm.LinearSVC(max_iter=20000, random_state=0)), "breast_cancer")
    add("pipeline_scaler_svr_diabetes", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(), svm.SVR(C=100.0)), "diabetes")
    add("pipeline_scaler_ridge_diabetes", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(), linear_model.Ridge()), "diabetes")
    return cases


CASES = _cases()
NAMES = [c[0] for c in CASES]
_BY_NAME = {c[0]: c for c in CASES}


def xy(name):
    """(X, y) for case `name` (y is None for unsupervised models)."""
    _, make, ds, sparse, labels, frame = _BY_NAME[name]
    X, y = data(ds, sparse, frame)
    if labels == "two_targets":
        y = np.c_[y, np.sqrt(y)]
    else:
        y = _labels(y, labels)
    return X, y


def fit(name):
    """The fitted model of case `name`, or None when scikit-learn refuses the data (nu infeasible)."""
    make = _BY_NAME[name][1]
    X, y = xy(name)
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a capped solver is not our subject
        try:
            return est.fit(X, y)
        except ValueError as e:
            if "infeasible" in str(e):
                return None
            raise


def rows(X, n=200):
    """At most about `n` rows of X, spread over all of it (every class is present)."""
    step = max(1, X.shape[0] // n)
    if isinstance(X, Frame):
        return Frame(X.values[::step], X.columns)
    return X[::step]


def outputs(est, X):
    """{method: result} for every prediction method `est` offers on rows(X)."""
    X = rows(X)
    out = {}
    for method in METHODS:
        if not hasattr(est, method):
            continue
        if method == "inverse_transform":
            if "transform" not in out:
                continue
            arg = out["transform"]
        else:
            arg = X
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[method] = getattr(est, method)(arg)
    if sp.issparse(out.get("transform")):
        out["transform"] = out["transform"].toarray()
    return out
