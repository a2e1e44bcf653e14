"""fitstore's svc and nu_svc, trained by `fitstore fit` (Debian's libsvm), side
by side with scikit-learn 1.2's SVC and NuSVC fitted on the same CSV data.

For iris, wine and breast_cancer (digits: test_svm_parity_digits.py, which
runs this script's main on it, keeping each file well under a minute), raw and standardized
(StandardScaler -> estimator), kernels linear, rbf and poly, on the training
data: predictions identical (agreement printed per case), n_support identical,
one-vs-one decision values within 1e-6. Then scikit-learn's default ovr
decision_function and break_ties on iris and wine. Exits 1 on any failure.
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

from svm_schema import finish, rows, run, write_csv

KERNELS = ["linear", "rbf", "poly"]
ESTIMATORS = [("svc", svm.SVC), ("nu_svc", svm.NuSVC)]


def n_support_of(stderr):
    return np.array([int(v) for v in re.search(r"support vectors \(([0-9/]+)\)", stderr).group(1).split("/")])


def main(names=("iris", "wine", "breast_cancer"), defaults=True):
    failures = []
    tmp = tempfile.mkdtemp(prefix="fitstore_svm_cls_")
    start = time.time()
    print("%-14s %-4s %-7s %-7s %9s %11s %10s %11s" % ("data", "std", "type", "kernel", "agree", "n_SV", "n_support",
                                                       "max|ddec|"))
    for name in names:
        X, y = getattr(datasets, "load_" + name)(return_X_y=True)
        data = write_csv(os.path.join(tmp, name + ".csv"), X, y)
        for scaled in [False, True]:
            for tname, cls in ESTIMATORS:
                for kernel in KERNELS:
                    est = cls(kernel=kernel, decision_function_shape="ovo")
                    ref = make_pipeline(StandardScaler(), est) if scaled else est
                    ref.fit(X, y)
                    model = os.path.join(tmp, "%s_%d_%s_%s" % (name, scaled, tname, kernel))
                    fit = run("fit", "--data", data, "--estimator", tname, "--kernel", kernel,
                              "--decision-function-shape", "ovo", "--cv", "0", "-o", model, *(["--scale"] if scaled else []))
                    n_support = n_support_of(fit.stdout)
                    pred = np.array(run("predict", model, "--data", data).stdout.split(), dtype=np.int64)
                    dec = rows(run("predict", model, "--data", data, "--decision").stdout, len(X))
                    agree = float(np.mean(pred == ref.predict(X)))
                    ddec = float(np.max(np.abs(dec - ref.decision_function(X).reshape(len(X), -1))))
                    same_support = np.array_equal(n_support, est.n_support_)
                    print("%-14s %-4s %-7s %-7s %8.2f%% %11s %10s %11.2e" % (
                        name, "yes" if scaled else "no", tname, kernel, 100 * agree,
                        "%d/%d" % (n_support.sum(), est.n_support_.sum()), "same" if same_support else "DIFFERENT", ddec))
                    label = "%s%s %s %s" % (name, " standardized" if scaled else "", tname, kernel)
                    if agree != 1.0:
                        failures.append("%s: predictions differ on %d rows" % (label, int(round((1 - agree) * len(X)))))
                    if not same_support:
                        failures.append("%s: n_support %s vs scikit-learn %s" % (label, n_support, est.n_support_))
                    if ddec > 1e-6:
                        failures.append("%s: decision values max|diff| %.3g > 1e-6" % (label, ddec))
    # scikit-learn's defaults: decision_function_shape="ovr", and break_ties.
    for name in ["iris", "wine"] if defaults else []:
        X, y = getattr(datasets, "load_" + name)(return_X_y=True)
        data = os.path.join(tmp, name + ".csv")
        for tname, cls in ESTIMATORS:
            ref = cls(break_ties=True).fit(X, y)
            model = os.path.join(tmp, name + "_ovr_" + tname)
            run("fit", "--data", data, "--estimator", tname, "--break-ties", "--cv", "0", "-o", model)
            dec = rows(run("predict", model, "--data", data, "--decision").stdout, len(X))
            pred = np.array(run("predict", model, "--data", data).stdout.split(), dtype=np.int64)
            ddec = float(np.max(np.abs(dec - ref.decision_function(X))))
            agree = float(np.mean(pred == ref.predict(X)))
            print("%-14s %-7s ovr + break_ties: agree %.2f%%, decision_function max|diff| %.2e" % (name, tname, 100 * agree, ddec))
            if ddec > 1e-6 or agree != 1.0:
                failures.append("%s %s ovr/break_ties: agree %.4f, max|diff| %.3g" % (name, tname, agree, ddec))
    return finish(failures, tmp, start)


if __name__ == "__main__":
    sys.exit(main())
