#!/usr/bin/python3
"""Golden scikit-learn stores (tests/data/sklearn-1.2, written by Debian's
scikit-learn 1.2 with make_sklearn_golden.py; never regenerated) load, forever, as
the scikit-learn classes that wrote them, predicting exactly what scikit-learn 1.2
computed (expected.fitstore): bit-identical under 1.2, and a later scikit-learn
that breaks an adapter fails here. The SVM, scaler and pipeline stores are the C++
schema too: `fitstore predict` (C++) gives the same labels and values within 1e-9."""
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import fitstore
import golden_common

FOLDER = golden_common.folder("sklearn-1.2")
EXPECTED = fitstore.load(os.path.join(FOLDER, "expected.fitstore"))
CASES = sorted(k for k in EXPECTED if k != "sklearn_version")
CLASSES = {"svc": "SVC", "nu_svc": "NuSVC", "svr": "SVR", "nu_svr": "NuSVR", "one_class_svm": "OneClassSVM",
           "linear_svc": "LinearSVC", "logistic_regression": "LogisticRegression",
           "linear_regression": "LinearRegression", "ridge": "Ridge", "standard_scaler": "StandardScaler",
           "min_max_scaler": "MinMaxScaler", "pca": "PCA", "pipeline": "Pipeline"}


def store(case):
    return golden_common.store(FOLDER, case)


def test_golden_stores_cover_every_adapter():
    assert EXPECTED["sklearn_version"].startswith("1.2.")
    kinds = {type(fitstore.load(store(c))).__name__ for c in CASES}
    assert kinds == set(CLASSES.values())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_golden_store_predicts_what_scikit_learn_1_2_computed(case, mmap_mode):
    want = EXPECTED[case]
    est = golden_common.load(FOLDER, case, mmap_mode)
    golden_common.assert_class(est, case, CLASSES)
    X = sp.csr_matrix(want["X"]) if want["sparse"] else want["X"]
    compared = 0
    for method, value in want.items():
        if method in ("X", "sparse"):
            continue
        golden_common.assert_same(getattr(est, method)(X), value, (case, method))
        compared += 1
    assert compared >= 1


CPP = [c for c in CASES if c.split("_")[0] in ("svc", "nu", "svr", "one", "pipeline")]


@pytest.mark.parametrize("case", CPP)
def test_golden_svm_stores_predict_in_cpp(tmp_path, case):
    want = EXPECTED[case]
    X = want["X"]
    csv = tmp_path / "x.csv"
    with open(csv, "w") as f:
        f.write(",".join(f"f{i}" for i in range(X.shape[1])) + "\n")
        for row in X:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    cli = os.environ.get("FITSTORE_CLI", "fitstore")
    run = lambda *a: subprocess.run([cli, "predict", store(case), "--data", str(csv), *a], capture_output=True,
                                    text=True, check=True).stdout.splitlines()[:X.shape[0]]
    pred = want["predict"]
    if isinstance(pred, list) or pred.dtype.kind in "iu":
        assert run() == [str(v) for v in pred]
    else:
        assert np.max(np.abs(np.array(run(), dtype=float) - pred)) <= 1e-9 * max(1.0, np.abs(pred).max())
    if "decision_function" in want:
        got = np.loadtxt(run("--decision"), delimiter=",", ndmin=2)
        assert np.max(np.abs(got - want["decision_function"].reshape(len(X), -1))) <= 1e-9
    if "predict_proba" in want:
        got = np.loadtxt(run("--proba"), delimiter=",", ndmin=2)
        assert np.max(np.abs(got - want["predict_proba"])) <= 1e-9


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
