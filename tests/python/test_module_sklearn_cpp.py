#!/usr/bin/python3
"""One schema with C++ (FORMAT.md sections 10 and 11):

- scikit-learn-fitted SVC / NuSVC / SVR / NuSVR / OneClassSVM (dense and CSR, with
  probability), StandardScaler and Pipeline saved by fitstore.dump are served by
  the C++ CLI (`fitstore predict`): labels identical, decision values and
  probabilities within 1e-9 of scikit-learn's;
- models fitted by `fitstore fit` (C++) load with fitstore.load as real
  scikit-learn estimators whose predict gives C++'s labels (identical) and whose
  decision_function / predict_proba / regression values are within 1e-9 of C++'s.
"""
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import pipeline, preprocessing, svm

import fitstore
from sklearn_cases import Frame, data
from svm_schema import rows, run, write_csv

LAYOUTS = [("directory", ""), ("hdf5", ".h5"), ("blob", ".fitstore")]

PY_CASES = [
    ("svc_iris_rbf_proba", lambda: svm.SVC(probability=True, random_state=0), "iris", False, ""),
    ("svc_wine_linear_proba", lambda: svm.SVC(kernel="linear", probability=True, random_state=0), "wine", False, ""),
    ("svc_breast_cancer_poly", lambda: svm.SVC(kernel="poly"), "breast_cancer", False, ""),
    ("svc_digits_rbf_ovo", lambda: svm.SVC(decision_function_shape="ovo"), "digits", False, ""),
    ("nu_svc_iris_rbf_proba", lambda: svm.NuSVC(nu=0.1, probability=True, random_state=0), "iris", False, ""),
    ("nu_svc_wine_poly", lambda: svm.NuSVC(kernel="poly", nu=0.1), "wine", False, ""),
    ("svr_diabetes_rbf", lambda: svm.SVR(C=100.0, epsilon=5.0), "diabetes", False, ""),
    ("svr_diabetes_linear", lambda: svm.SVR(kernel="linear", C=100.0), "diabetes", False, ""),
    ("nu_svr_diabetes_poly", lambda: svm.NuSVR(kernel="poly", C=100.0), "diabetes", False, ""),
    ("one_class_svm_iris_rbf", lambda: svm.OneClassSVM(nu=0.2), "iris", False, ""),
    ("one_class_svm_wine_linear", lambda: svm.OneClassSVM(kernel="linear", nu=0.3), "wine", False, ""),
    ("svc_iris_rbf_proba_sparse", lambda: svm.SVC(probability=True, random_state=0), "iris", True, ""),
    ("nu_svc_wine_poly_proba_sparse", lambda: svm.NuSVC(kernel="poly", nu=0.1, probability=True, random_state=0),
     "wine", True, ""),
    ("svr_diabetes_rbf_sparse", lambda: svm.SVR(C=100.0), "diabetes", True, ""),
    ("nu_svr_diabetes_rbf_sparse", lambda: svm.NuSVR(C=100.0), "diabetes", True, ""),
    ("one_class_svm_iris_sparse", lambda: svm.OneClassSVM(nu=0.2), "iris", True, ""),
    ("svc_iris_string_labels_proba", lambda: svm.SVC(probability=True, random_state=0), "iris", False, "str"),
    ("pipeline_scaler_svc_wine_raw", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(), svm.SVC(probability=True, random_state=0)), "wine_raw", False, ""),
    ("pipeline_scaler_svr_diabetes", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(), svm.SVR(C=100.0)), "diabetes", False, ""),
    ("pipeline_scaler_no_mean_one_class", lambda: pipeline.make_pipeline(
        preprocessing.StandardScaler(with_mean=False), svm.OneClassSVM(nu=0.2)), "breast_cancer_raw", False, ""),
]


def dataset(name, sparse):
    if name.endswith("_raw"):  # unscaled: the pipeline's own StandardScaler matters
        from sklearn import datasets
        return getattr(datasets, "load_" + name[:-4])(return_X_y=True)
    X, y = data(name, sparse)
    return X, y


def kind(est):
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    if isinstance(last, (svm.SVC, svm.NuSVC)):
        return "classifier"
    return "one_class" if isinstance(last, svm.OneClassSVM) else "regressor"


@pytest.mark.parametrize("index", range(len(PY_CASES)), ids=[c[0] for c in PY_CASES])
def test_scikit_learn_model_saved_from_python_predicts_in_cpp(tmp_path, index):
    name, make, ds, sparse, labels = PY_CASES[index]
    X, y = dataset(ds, sparse)
    if labels == "str":
        y = np.array(["setosa \u2740", "versicolor", "virginica"])[y]
    est = make().fit(X, None if kind(make()) == "one_class" else y)
    dense = X.toarray() if sp.issparse(X) else X
    csv = write_csv(str(tmp_path / "x.csv"), dense)
    layout, ext = LAYOUTS[index % 3]
    model = str(tmp_path / ("model" + ext))
    fitstore.dump(est, model)
    mmap = "r" if index % 2 else "none"
    n = dense.shape[0]
    out = run("predict", model, "--data", csv, "--mmap", mmap).stdout.split("\n")[:n]
    want = est.predict(X)
    if kind(est) == "regressor":
        got = np.array(out, dtype=np.float64)
        assert np.max(np.abs(got - want)) <= 1e-9 * max(1.0, np.max(np.abs(want))), name
    else:
        assert [str(v) for v in want] == out, name
    if kind(est) != "regressor":
        dec = rows(run("predict", model, "--data", csv, "--decision", "--mmap", mmap).stdout, n)
        ref = est.decision_function(X).reshape(n, -1)
        assert dec.shape == ref.shape and np.max(np.abs(dec - ref)) <= 1e-9, name
    if getattr(est, "probability", False) or getattr(est[-1] if hasattr(est, "steps") else est, "probability", False):
        proba = rows(run("predict", model, "--data", csv, "--proba", "--mmap", mmap).stdout, n)
        assert np.max(np.abs(proba - est.predict_proba(X))) <= 1e-9, name


CPP_CASES = [
    ("svc_scaled_proba", ["--estimator", "svc", "--scale", "--probability"], "wine_raw", ""),
    ("svc_poly_ovo", ["--estimator", "svc", "--kernel", "poly", "--decision-function-shape", "ovo"], "iris", ""),
    ("svc_string_labels", ["--estimator", "svc", "--probability", "--random-state", "3"], "iris", "str"),
    ("svc_sparse", ["--estimator", "svc", "--sparse", "--probability"], "iris_sparse", ""),
    ("nu_svc_linear", ["--estimator", "nu_svc", "--nu", "0.1", "--kernel", "linear"], "breast_cancer", ""),
    ("svr_rbf", ["--estimator", "svr", "--C", "100", "--epsilon", "5"], "diabetes", ""),
    ("nu_svr_scaled", ["--estimator", "nu_svr", "--C", "100", "--scale"], "diabetes", ""),
    ("one_class_svm", ["--estimator", "one_class_svm", "--nu", "0.2"], "iris", ""),
]


@pytest.mark.parametrize("index", range(len(CPP_CASES)), ids=[c[0] for c in CPP_CASES])
def test_cpp_fitted_model_loads_as_scikit_learn_estimator(tmp_path, index):
    name, args, ds, labels = CPP_CASES[index]
    sparse = ds.endswith("_sparse")
    X, y = dataset(ds.replace("_sparse", ""), sparse)
    X = X.toarray() if sp.issparse(X) else X
    if labels == "str":
        y = np.array(["setosa \u2740", "versicolor", "virginica"])[y]
    names = [f"f{i}" for i in range(X.shape[1])]
    one_class = "one_class_svm" in args
    csv = write_csv(str(tmp_path / "train.csv"), X, None if one_class else y, names)
    layout, ext = LAYOUTS[index % 3]
    model = str(tmp_path / ("model" + ext))
    run("fit", "--data", csv, "--cv", "0", "--layout", layout, "-o", model, *args)
    est = fitstore.load(model, mmap_mode="r" if index % 2 else None)
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    assert type(last).__module__.startswith("sklearn.svm"), type(last)
    assert list(est.feature_names_in_) == names
    Xf = Frame(X, names)
    n = X.shape[0]
    cpp = run("predict", model, "--data", csv).stdout.split("\n")[:n]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. feature-name mismatches
        pred = est.predict(Xf)
    if "svr" in args[1]:
        got = np.array(cpp, dtype=np.float64)
        assert np.max(np.abs(got - pred)) <= 1e-9 * max(1.0, np.max(np.abs(pred))), name
    else:
        assert [str(v) for v in pred] == cpp, name
        dec = rows(run("predict", model, "--data", csv, "--decision").stdout, n)
        assert np.max(np.abs(dec - est.decision_function(Xf).reshape(n, -1))) <= 1e-9, name
    if "--probability" in args:
        proba = rows(run("predict", model, "--data", csv, "--proba").stdout, n)
        assert np.max(np.abs(proba - est.predict_proba(Xf))) <= 1e-9, name
    if sparse:
        assert sp.issparse(last.support_vectors_)
    # A C++ model re-saved from Python is still the C++ schema: C++ predicts the same labels.
    again = str(tmp_path / "again")
    fitstore.dump(est, again)
    assert run("predict", again, "--data", csv).stdout.split("\n")[:n] == cpp


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
