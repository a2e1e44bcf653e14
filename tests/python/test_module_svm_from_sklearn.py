"""scikit-learn's own fitted SVMs, written as fitstore stores by FORMAT.md
section 10 (tests/python/svm_schema.py: the schema the scikit-learn bridge
writes), loaded and run by fitstore's C++ code through `fitstore predict`.

For svc and nu_svc fitted with probability=True on iris, wine, breast_cancer
and digits (dense) and on a CSR matrix, the probabilities fitstore computes
from scikit-learn's probA_/probB_ and support vectors must be within 1e-9 of
scikit-learn's predict_proba; labels identical; decision values within 1e-9.
svr, nu_svr and one_class_svm: predictions and decision values within 1e-9.
String and float labels come back as scikit-learn's. Prints every figure.
"""
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp
from sklearn import datasets, svm
from sklearn.preprocessing import StandardScaler

import fitstore._core as core
from svm_schema import rows, run, sklearn_tree, write_csv

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def store(est, path, layout="directory"):
    names = ["f%d" % i for i in range(est.n_features_in_)]
    core.write_store(sklearn_tree(est, names), path, layout, "none", False, 4 << 20, 0, False)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore_svm_sklearn_")
    start = time.time()
    cases = []
    for name in ["iris", "wine", "breast_cancer", "digits"]:
        X, y = getattr(datasets, "load_" + name)(return_X_y=True)
        if name != "iris":
            X = StandardScaler().fit_transform(X)
        cases.append((name, X, y))
    print("%-16s %-7s %-7s %8s %14s %14s" % ("data", "type", "kernel", "labels", "max|dproba|", "max|ddec|"))
    for name, X, y in cases:
        csv = write_csv(os.path.join(tmp, name + ".csv"), X, y)
        for cls, tname in [(svm.SVC, "svc"), (svm.NuSVC, "nu_svc")]:
            for kernel in ["rbf", "linear", "poly"]:
                try:
                    ref = cls(kernel=kernel, probability=True, random_state=0, decision_function_shape="ovo").fit(X, y)
                except ValueError as e:  # nu infeasible for this data
                    print("%-16s %-7s %-7s skipped by scikit-learn: %s" % (name, tname, kernel, e))
                    continue
                model = store(ref, os.path.join(tmp, "%s_%s_%s" % (name, tname, kernel)))
                pred = np.array(run("predict", model, "--data", csv).stdout.split(), dtype=np.int64)
                proba = rows(run("predict", model, "--data", csv, "--proba").stdout, len(X))
                dec = rows(run("predict", model, "--data", csv, "--decision").stdout, len(X))
                dp = float(np.max(np.abs(proba - ref.predict_proba(X))))
                dd = float(np.max(np.abs(dec - ref.decision_function(X).reshape(len(X), -1))))
                same = float(np.mean(pred == ref.predict(X)))
                print("%-16s %-7s %-7s %7.2f%% %14.2e %14.2e" % (name, tname, kernel, 100 * same, dp, dd))
                label = "%s %s %s" % (name, tname, kernel)
                check(same == 1.0 and dp <= 1e-9 and dd <= 1e-9,
                      label + ": labels identical, predict_proba and decision within 1e-9 of scikit-learn's")

    # Sparse support vectors (scikit-learn fitted on CSR) and string / float labels.
    X, y = datasets.load_iris(return_X_y=True)
    Xs = sp.csr_matrix(np.where(X > 3.0, X, 0.0))
    csv = write_csv(os.path.join(tmp, "iris_sparse.csv"), Xs.toarray(), y)
    ref = svm.SVC(probability=True, random_state=0).fit(Xs, y)
    for layout in ["directory", "blob", "hdf5"]:
        model = store(ref, os.path.join(tmp, "sparse_svc." + layout), layout)
        for mmap in ["none", "r"]:
            proba = rows(run("predict", model, "--data", csv, "--proba", "--mmap", mmap).stdout, len(X))
            dp = float(np.max(np.abs(proba - ref.predict_proba(Xs))))
            check(dp <= 1e-9, "CSR support vectors (%s, mmap %s): predict_proba max|diff| %.2e <= 1e-9" % (layout, mmap, dp))
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    csv_str = write_csv(os.path.join(tmp, "iris_str.csv"), X, names)
    ref = svm.SVC().fit(X, names)
    got = run("predict", store(ref, os.path.join(tmp, "str_svc")), "--data", csv_str).stdout.split()
    check(got == list(ref.predict(X)), "string labels: fitstore predicts scikit-learn's strings")
    fy = np.array([-1.0, 2.0, 40.0])[y]  # scikit-learn takes integral floats only
    csv_f = write_csv(os.path.join(tmp, "iris_float.csv"), X, fy)
    ref = svm.NuSVC().fit(X, fy)
    got = np.array(run("predict", store(ref, os.path.join(tmp, "float_nusvc")), "--data", csv_f).stdout.split(), dtype=float)
    check(np.array_equal(got, ref.predict(X)), "float labels: fitstore predicts scikit-learn's floats")

    # Regressors and one-class.
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    csv_d = write_csv(os.path.join(tmp, "diabetes.csv"), Xd, yd)
    for cls, tname in [(svm.SVR, "svr"), (svm.NuSVR, "nu_svr")]:
        for kernel in ["rbf", "linear", "poly"]:
            ref = cls(kernel=kernel, C=10.0).fit(Xd, yd)
            got = rows(run("predict", store(ref, os.path.join(tmp, tname + kernel)), "--data", csv_d).stdout, len(Xd))[:, 0]
            rel = float(np.max(np.abs(got - ref.predict(Xd)) / np.maximum(np.abs(ref.predict(Xd)), 1e-300)))
            check(rel <= 1e-9, "diabetes %s %s: predictions max relative diff %.2e <= 1e-9" % (tname, kernel, rel))
    Xc, yc = datasets.load_breast_cancer(return_X_y=True)
    Xc = StandardScaler().fit_transform(Xc)
    csv_c = write_csv(os.path.join(tmp, "cancer.csv"), Xc)
    for kernel in ["rbf", "linear", "poly"]:
        ref = svm.OneClassSVM(kernel=kernel, nu=0.2).fit(Xc[yc == 1])
        model = store(ref, os.path.join(tmp, "oc" + kernel))
        pred = np.array(run("predict", model, "--data", csv_c).stdout.split(), dtype=np.int64)
        dec = rows(run("predict", model, "--data", csv_c, "--decision").stdout, len(Xc))[:, 0]
        dd = float(np.max(np.abs(dec - ref.decision_function(Xc))))
        check(np.array_equal(pred, ref.predict(Xc)) and dd <= 1e-9,
              "one_class_svm %s: predictions identical, decision max|diff| %.2e <= 1e-9" % (kernel, dd))
    print("total %.1f s" % (time.time() - start))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
