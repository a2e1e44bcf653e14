"""`fitstore verify MODEL --data CSV` on models of the whole family made by
`fitstore fit`: string-labelled svc (accuracy), svr (R^2) and one_class_svm
(inlier fraction, no target column): the training data fingerprint matches and
the recorded training score is reproduced exactly (exit 0); a changed label
is reported (exit 1).
"""
import os
import sys
import tempfile
import time

import numpy as np
from sklearn import datasets

from svm_schema import finish, run, write_csv


def main():
    failures = []
    tmp = tempfile.mkdtemp(prefix="fitstore_svm_verify_")
    start = time.time()
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    cases = [("svc", write_csv(os.path.join(tmp, "s.csv"), X, names), [], "accuracy"),
             ("svr", write_csv(os.path.join(tmp, "d.csv"), Xd, ["%r" % v for v in yd]), ["--estimator", "svr"], "r2"),
             ("one_class_svm", write_csv(os.path.join(tmp, "x.csv"), X), ["--estimator", "one_class_svm"], "inlier_fraction")]
    for name, csv, extra, metric in cases:
        model = os.path.join(tmp, name)
        run("fit", "--data", csv, "-o", model, *extra)
        p = run("verify", model, "--data", csv, expect=None)
        ok = p.returncode == 0 and "reproduced exactly: " + metric in p.stdout and "training data fingerprint" in p.stdout
        print("%s %s: verify exit %d, %s" % ("ok  " if ok else "FAIL", name, p.returncode,
                                             [l.strip() for l in p.stdout.splitlines() if "training score" in l]))
        if not ok:
            failures.append("%s: %s" % (name, p.stdout + p.stderr))
    changed = write_csv(os.path.join(tmp, "s2.csv"), X, np.where(np.arange(len(y)) == 3, "virginica", names))
    p = run("verify", os.path.join(tmp, "svc"), "--data", changed, expect=None)
    ok = p.returncode == 1 and "y differs" in p.stdout
    print("%s changed label: verify exit %d" % ("ok  " if ok else "FAIL", p.returncode))
    if not ok:
        failures.append("changed label not reported: %s" % p.stdout)
    return finish(failures, tmp, start)


if __name__ == "__main__":
    sys.exit(main())
