"""SVC hyper-parameters against Debian's scikit-learn 1.2, one by one.

The README promises scikit-learn's SVC semantics for gamma scale/auto/number,
tol, shrinking, cache_size and class_weight balanced. For each, on data sets
shipped with scikit-learn (wine raw and standardized, breast_cancer
standardized, whose classes are unequal: 59/71/48 and 212/357; and an iris
subset of 50/30/12 rows), this
fits sklearn.svm.SVC with the parameter and `fitstore fit` with the matching
flag on the same CSV, and compares:
- predictions, n_support and support (the support-vector indices): identical;
- decision values (one-vs-one): within 1.4e-7, the README's bound;
- the stored arrays read back with `fitstore unpack`: dual_coef and intercept
  within 1e-9, class_weight exactly, and the fitted gamma exactly for
  auto/number, within 1e-14 relative for scale (X.var() summed in another
  order than numpy's pairwise sum);
- the parameter as stored in the model's manifest.
A parameter fitstore ignored could still pass if it did not change the model,
so each case also requires scikit-learn's own model with the parameter to
differ from its default model (except cache_size, which only sets libsvm's
kernel cache and must not change the model: the same check must then find no
difference). Prints every figure; exits 1 on any failure.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from sklearn import datasets
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

CLI = os.environ.get("FITSTORE_CLI", "fitstore")
MAX_DECISION_DIFF = 1.4e-7
MAX_COEF_DIFF = 1e-9
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args):
    p = subprocess.run([CLI] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("fitstore %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def write_csv(path, X, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["f%d" % i for i in range(X.shape[1])] + ["target"])
        for row, label in zip(X, y):
            w.writerow([repr(float(v)) for v in row] + [int(label)])


def data_sets():
    out = {"wine raw": datasets.load_wine(return_X_y=True)}
    for name in ["wine", "breast_cancer"]:
        X, y = getattr(datasets, "load_" + name)(return_X_y=True)
        # Standardized in Python, so both sides fit the very same numbers.
        out[name] = (StandardScaler().fit_transform(X), y)
    X, y = datasets.load_iris(return_X_y=True)
    rows = np.r_[0:50, 50:80, 100:112]
    out["iris 50/30/12"] = (X[rows], y[rows])
    return out


# (label, scikit-learn keyword arguments, fitstore fit flags, manifest params expected, data sets)
# On standardized data gamma auto equals scale (variance 1): auto is checked on
# raw data. Shrinking changes the solution only where libsvm converges slowly
# (the linear kernel on raw wine: dual coefficients move by 1.4e-6).
CASES = [
    ("gamma=auto", {"gamma": "auto"}, ["--gamma", "auto"], {"gamma": "auto"}, ["wine raw", "iris 50/30/12"]),
    ("gamma=0.05", {"gamma": 0.05}, ["--gamma", "0.05"], {"gamma": "0.05"}, ["wine", "breast_cancer"]),
    ("shrinking=False linear", {"shrinking": False, "kernel": "linear"},
     ["--shrinking", "false", "--kernel", "linear"], {"shrinking": False}, ["wine raw"]),
    ("tol=0.1", {"tol": 0.1}, ["--tol", "0.1"], {"tol": 0.1}, ["wine", "breast_cancer"]),
    ("cache_size=1", {"cache_size": 1}, ["--cache-size", "1"], {"cache_size": 1.0}, ["wine", "breast_cancer"]),
    ("class_weight=balanced", {"class_weight": "balanced"}, ["--class-weight", "balanced"],
     {"class_weight": "balanced"}, ["wine", "breast_cancer", "iris 50/30/12"]),
]


def differs(a, b):
    """True if two fitted scikit-learn SVCs are not the same model."""
    if not np.array_equal(a.n_support_, b.n_support_) or not np.array_equal(a.support_, b.support_):
        return True
    return not (np.array_equal(a.dual_coef_, b.dual_coef_) and np.array_equal(a.intercept_, b.intercept_))


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore_svc_params_")
    sets = data_sets()
    csvs = {}
    for name, (X, y) in sets.items():
        csvs[name] = os.path.join(tmp, name.replace(" ", "_").replace("/", "-") + ".csv")
        write_csv(csvs[name], X, y)
    for label, kwargs, flags, stored, names in CASES:
        for name in names:
            X, y = sets[name]
            case = "%s on %s" % (label, name)
            ref = SVC(decision_function_shape="ovo", **kwargs).fit(X, y)
            default = SVC(decision_function_shape="ovo", kernel=kwargs.get("kernel", "rbf")).fit(X, y)
            if "cache_size" in kwargs:
                expect(not differs(ref, default), case + ": scikit-learn's model equals its default one")
            else:
                expect(differs(ref, default), case + ": scikit-learn's model differs from its default one")

            model = os.path.join(tmp, "model")
            shutil.rmtree(model, ignore_errors=True)
            run(["fit", "--data", csvs[name], "--decision-function-shape", "ovo", "--cv", "0", "-o", model] + flags)
            pred = np.array(run(["predict", model, "--data", csvs[name]]).stdout.split(), dtype=np.int64)
            dec = np.loadtxt(run(["predict", model, "--data", csvs[name], "--decision"]).stdout.splitlines(),
                             delimiter=",", ndmin=2).reshape(len(X), -1)
            unpacked = os.path.join(tmp, "unpacked")
            shutil.rmtree(unpacked, ignore_errors=True)
            run(["unpack", model, unpacked])
            arr = {k: np.load(os.path.join(unpacked, k + ".npy"))
                   for k in ["n_support", "support", "dual_coef", "intercept", "class_weight"]}
            params = json.loads(run(["inspect", model, "--json"]).stdout)["manifest"]["root"]["params"]

            ref_dec = ref.decision_function(X).reshape(len(X), -1)
            def max_diff(a, b):  # inf when the shapes differ (e.g. another number of support vectors)
                return float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")

            ddec = max_diff(dec, ref_dec)
            dcoef = max_diff(arr["dual_coef"], ref.dual_coef_)
            dint = max_diff(arr["intercept"], ref.intercept_)
            print("     %-40s n_SV %d, max|ddec| %.2e, max|ddual_coef| %.2e, max|dintercept| %.2e" % (
                case, arr["support"].size, ddec, dcoef, dint))
            expect(np.array_equal(pred, ref.predict(X)), case + ": identical predictions")
            expect(np.array_equal(arr["n_support"], ref.n_support_), case + ": identical n_support")
            expect(np.array_equal(arr["support"], ref.support_), case + ": identical support indices")
            expect(ddec <= MAX_DECISION_DIFF, case + ": decision values within %g" % MAX_DECISION_DIFF)
            expect(dcoef <= MAX_COEF_DIFF and dint <= MAX_COEF_DIFF,
                   case + ": dual_coef and intercept within %g" % MAX_COEF_DIFF)
            expect(np.array_equal(arr["class_weight"], ref.class_weight_),
                   case + ": class_weight %s equals scikit-learn's class_weight_ %s" % (
                       arr["class_weight"], ref.class_weight_))
            if kwargs.get("gamma", "scale") == "scale":
                expect(abs(params["fitted_gamma"] - ref._gamma) <= 1e-14 * ref._gamma,
                       case + ": fitted gamma %r within 1e-14 of scikit-learn's %r" % (params["fitted_gamma"],
                                                                                        ref._gamma))
            else:
                expect(params["fitted_gamma"] == ref._gamma,
                       case + ": fitted gamma %r equals scikit-learn's %r" % (params["fitted_gamma"], ref._gamma))
            for key, value in stored.items():
                expect(params.get(key) == value, case + ": stored param %s = %r" % (key, params.get(key)))
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
