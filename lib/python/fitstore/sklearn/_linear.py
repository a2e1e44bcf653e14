"""Adapters for linear models that predict from their public attributes alone:
LinearSVC, LogisticRegression (decision_function = X @ coef_.T + intercept_,
then classes_), LinearRegression and Ridge (X @ coef_.T + intercept_).
Checked against scikit-learn 1.2 (no private state is involved there)."""
import numpy as np

from ._base import AttributeAdapter, bad, expect


def _check_classifier(r, v, params):
    d = v["n_features_in_"]
    if "classes_" not in v:
        raise bad(f"{r.where}.arrays.classes", "required array is missing")
    k = len(v["classes_"])
    if k < 2:
        raise bad(f"{r.where}.arrays.classes", f"expected at least 2 classes, found {k}")
    coef = v.get("coef_")
    rows = coef.shape[0] if isinstance(coef, np.ndarray) and coef.ndim == 2 else -1
    if rows not in ((1, k) if k == 2 else (k,)):
        rows = 1 if k == 2 else k
    expect(r, v, "coef_", (rows, d))
    intercept = v.get("intercept_")
    if isinstance(intercept, np.ndarray):
        expect(r, v, "intercept_", (rows,))
    elif not isinstance(intercept, (float, np.floating)):
        raise bad(f"{r.where}.params.intercept", f"expected an array or a number, found {type(intercept).__name__}")


def _check_regressor(r, v, params):
    d = v["n_features_in_"]
    coef = v.get("coef_")
    if not isinstance(coef, np.ndarray) or coef.ndim not in (1, 2):
        raise bad(f"{r.where}.arrays.coef", "expected a [d] or [n_targets, d] array")
    if coef.ndim == 1:
        expect(r, v, "coef_", (d,))
        if not isinstance(v.get("intercept_"), (float, np.floating)):
            raise bad(f"{r.where}.params.intercept", "expected a number (one target)")
    else:
        expect(r, v, "coef_", (coef.shape[0], d))
        expect(r, v, "intercept_", (coef.shape[0],))


ADAPTERS = [
    AttributeAdapter("sklearn.svm.LinearSVC", "sklearn.svm.LinearSVC", "sklearn.svm", "LinearSVC",
                     [("classes_", "labels", None), ("coef_", "array", "<f8"), ("intercept_", "any", "<f8"),
                      ("n_iter_", "value", None)], _check_classifier),
    AttributeAdapter("sklearn.linear_model.LogisticRegression", "sklearn.linear_model.LogisticRegression",
                     "sklearn.linear_model", "LogisticRegression",
                     [("classes_", "labels", None), ("coef_", "array", "<f8"), ("intercept_", "any", "<f8"),
                      ("n_iter_", "any", "<i4")], _check_classifier),
    AttributeAdapter("sklearn.linear_model.LinearRegression", "sklearn.linear_model.LinearRegression",
                     "sklearn.linear_model", "LinearRegression",
                     [("coef_", "array", "<f8"), ("intercept_", "any", "<f8"), ("rank_", "value", None),
                      ("singular_", "array", "<f8")], _check_regressor),
    AttributeAdapter("sklearn.linear_model.Ridge", "sklearn.linear_model.Ridge", "sklearn.linear_model", "Ridge",
                     [("coef_", "array", "<f8"), ("intercept_", "any", "<f8"), ("n_iter_", "any", "<i4")],
                     _check_regressor),
]
