"""fitstore's svr, nu_svr and one_class_svm, trained by `fitstore fit`
(Debian's libsvm), side by side with scikit-learn 1.2's SVR, NuSVR and
OneClassSVM on the same CSV data.

Regressors: diabetes and a generated California-housing-like set, raw and
standardized, kernels linear, rbf and poly: predictions within 1e-6 relative,
n_support identical. One-class: fitted on the inliers (benign rows) of
breast_cancer, raw and standardized, predicting every row: predictions
identical (agreement printed), decision values within 1e-6, n_support
identical. Exits 1 on any failure.
"""
import os
import re
import sys
import tempfile
import time

import numpy as np
from sklearn import datasets, svm
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from svm_schema import finish, california_like, rows, run, write_csv

KERNELS = ["linear", "rbf", "poly"]


def n_support_of(stderr):
    return int(re.search(r"(\d+) support vectors", stderr).group(1))


def main():
    failures = []
    tmp = tempfile.mkdtemp(prefix="fitstore_svm_reg_")
    start = time.time()
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    Xc, yc, names = california_like()
    print("%-16s %-4s %-7s %-7s %9s %14s" % ("data", "std", "type", "kernel", "n_SV", "max rel diff"))
    for name, X, y, cols in [("diabetes", Xd, yd, None), ("california_like", Xc, yc, names)]:
        data = write_csv(os.path.join(tmp, name + ".csv"), X, ["%r" % float(v) for v in y], cols)
        for scaled in [False, True]:
            for tname, cls in [("svr", svm.SVR), ("nu_svr", svm.NuSVR)]:
                for kernel in KERNELS:
                    est = cls(kernel=kernel)
                    ref = (make_pipeline(StandardScaler(), est) if scaled else est).fit(X, y)
                    model = os.path.join(tmp, "%s_%d_%s_%s" % (name, scaled, tname, kernel))
                    fit = run("fit", "--data", data, "--estimator", tname, "--kernel", kernel, "-o", model,
                              *(["--scale"] if scaled else []))
                    got = rows(run("predict", model, "--data", data).stdout, len(X))[:, 0]
                    want = ref.predict(X)
                    rel = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-12)))
                    nsv = n_support_of(fit.stdout)
                    print("%-16s %-4s %-7s %-7s %9s %14.2e" % (name, "yes" if scaled else "no", tname, kernel,
                                                               "%d/%d" % (nsv, est.n_support_[0]), rel))
                    label = "%s%s %s %s" % (name, " standardized" if scaled else "", tname, kernel)
                    if rel > 1e-6:
                        failures.append("%s: predictions max relative diff %.3g > 1e-6" % (label, rel))
                    if nsv != est.n_support_[0]:
                        failures.append("%s: %d support vectors vs scikit-learn %d" % (label, nsv, est.n_support_[0]))

    X, y = datasets.load_breast_cancer(return_X_y=True)
    inliers = write_csv(os.path.join(tmp, "benign.csv"), X[y == 1])
    every = write_csv(os.path.join(tmp, "all.csv"), X)
    print("%-16s %-4s %-7s %9s %9s %14s" % ("one_class_svm", "std", "kernel", "agree", "n_SV", "max|ddec|"))
    for scaled in [False, True]:
        for kernel in KERNELS:
            est = svm.OneClassSVM(kernel=kernel)
            ref = (make_pipeline(StandardScaler(), est) if scaled else est).fit(X[y == 1])
            model = os.path.join(tmp, "oc_%d_%s" % (scaled, kernel))
            fit = run("fit", "--data", inliers, "--estimator", "one_class_svm", "--kernel", kernel, "-o", model,
                      *(["--scale"] if scaled else []))
            pred = np.array(run("predict", model, "--data", every).stdout.split(), dtype=np.int64)
            dec = rows(run("predict", model, "--data", every, "--decision").stdout, len(X))[:, 0]
            agree = float(np.mean(pred == ref.predict(X)))
            ddec = float(np.max(np.abs(dec - ref.decision_function(X))))
            nsv = n_support_of(fit.stdout)
            print("%-16s %-4s %-7s %8.2f%% %9s %14.2e" % ("breast_cancer", "yes" if scaled else "no", kernel, 100 * agree,
                                                         "%d/%d" % (nsv, est.n_support_[0]), ddec))
            label = "one_class_svm%s %s" % (" standardized" if scaled else "", kernel)
            if agree != 1.0:
                failures.append("%s: predictions differ on %d rows" % (label, int(round((1 - agree) * len(X)))))
            if ddec > 1e-6 * max(1.0, float(np.max(np.abs(ref.decision_function(X))))):
                failures.append("%s: decision values max|diff| %.3g > 1e-6 (relative to the largest)" % (label, ddec))
            if nsv != est.n_support_[0]:
                failures.append("%s: %d support vectors vs scikit-learn %d" % (label, nsv, est.n_support_[0]))
    return finish(failures, tmp, start)


if __name__ == "__main__":
    sys.exit(main())
