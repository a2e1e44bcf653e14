#!/usr/bin/python3
"""Writes the golden scikit-learn stores of tests/data/sklearn-1.2 with Debian's
scikit-learn 1.2 (python3-sklearn) through fitstore.sklearn, and expected.fitstore:
{case: {"X": the input, method: the output scikit-learn 1.2 computed}} (string
outputs as lists of str). Never regenerated: tests/python/test_module_sklearn_golden.py
loads them with whatever scikit-learn is installed and demands the same outputs,
which is how a scikit-learn upgrade that breaks an adapter is caught.

Run from the build tree: PYTHONPATH=build/python /usr/bin/python3 make_sklearn_golden.py
"""
import os
import shutil
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import datasets, decomposition, linear_model, pipeline, preprocessing, svm

import fitstore

HERE = os.path.dirname(os.path.abspath(__file__))
METHODS = ("predict", "decision_function", "predict_proba", "transform", "score_samples")


def cases():
    iris_X, iris_y = datasets.load_iris(return_X_y=True)
    wine_X, wine_y = datasets.load_wine(return_X_y=True)
    dia_X, dia_y = datasets.load_diabetes(return_X_y=True)
    wine_Xs = preprocessing.StandardScaler().fit_transform(wine_X)
    names = np.array(["setosa", "versicolor \u2740", "virginica"])
    sparse = sp.csr_matrix(np.where(iris_X > 3.0, iris_X, 0.0))
    return [
        ("svc_iris_rbf_proba", svm.SVC(probability=True, random_state=0), iris_X, iris_y, "directory"),
        ("svc_wine_poly_string_labels", svm.SVC(kernel="poly", probability=True, random_state=0), wine_Xs,
         names[wine_y], "blob"),
        ("svc_iris_linear_sparse", svm.SVC(kernel="linear", probability=True, random_state=0), sparse, iris_y, "hdf5"),
        ("nu_svc_iris_rbf", svm.NuSVC(nu=0.1), iris_X, iris_y, "directory"),
        ("svr_diabetes_rbf", svm.SVR(C=100.0, epsilon=5.0), dia_X, dia_y, "directory"),
        ("nu_svr_diabetes_linear", svm.NuSVR(kernel="linear", C=100.0), dia_X, dia_y, "blob"),
        ("one_class_svm_iris", svm.OneClassSVM(nu=0.2), iris_X, None, "directory"),
        ("linear_svc_wine", svm.LinearSVC(max_iter=20000, random_state=0), wine_Xs, wine_y, "directory"),
        ("logistic_regression_iris_string_labels", linear_model.LogisticRegression(max_iter=5000), iris_X,
         names[iris_y], "directory"),
        ("linear_regression_diabetes", linear_model.LinearRegression(), dia_X, dia_y, "directory"),
        ("ridge_diabetes", linear_model.Ridge(alpha=0.5), dia_X, dia_y, "hdf5"),
        ("standard_scaler_wine", preprocessing.StandardScaler(), wine_X, None, "directory"),
        ("min_max_scaler_wine", preprocessing.MinMaxScaler(feature_range=(-1, 1)), wine_X, None, "directory"),
        ("pca_wine", decomposition.PCA(n_components=4, random_state=0), wine_Xs, None, "directory"),
        ("pipeline_scaler_svc_wine", pipeline.make_pipeline(
            preprocessing.StandardScaler(), svm.SVC(probability=True, random_state=0)), wine_X, wine_y, "directory"),
    ]


def main():
    if not sklearn.__version__.startswith("1.2."):
        sys.exit(f"make_sklearn_golden.py: needs scikit-learn 1.2 (found {sklearn.__version__})")
    expected = {"sklearn_version": sklearn.__version__}
    for name, est, X, y, layout in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        path = os.path.join(HERE, name + {"directory": "", "blob": ".fitstore", "hdf5": ".h5"}[layout])
        if os.path.isdir(path):
            shutil.rmtree(path)
        fitstore.dump(est, path)
        rows = X[::5]
        out = {"X": rows.toarray() if sp.issparse(rows) else rows, "sparse": sp.issparse(rows)}
        for method in METHODS:
            if hasattr(est, method):
                value = getattr(est, method)(rows)
                out[method] = [str(v) for v in value] if value.dtype.kind in "UO" else value
        expected[name] = out
    fitstore.dump(expected, os.path.join(HERE, "expected.fitstore"))


if __name__ == "__main__":
    main()
