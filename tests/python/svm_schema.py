"""Test helper: scikit-learn SVM estimators as fitstore object trees, written
exactly by FORMAT.md section 10 (names, dtypes, shapes) from their public
fitted attributes, plus the CSV/CLI plumbing the SVM parity tests share.

A tree is what fitstore._core.write_store takes:
(type, version, params JSON text, [(name, ndarray)], [(name, node)]).
"""
import csv
import json
import os
import subprocess

import numpy as np
import scipy.sparse as sp
from sklearn import svm

CLI = os.environ.get("FITSTORE_CLI", "fitstore")

TYPES = {svm.SVC: ("svc", 2), svm.NuSVC: ("nu_svc", 1), svm.SVR: ("svr", 1), svm.NuSVR: ("nu_svr", 1),
         svm.OneClassSVM: ("one_class_svm", 1)}


def sklearn_tree(est, feature_names=None):
    """The FORMAT.md section 10 object of a fitted scikit-learn SVM; `feature_names`
    stand in for feature_names_in_ when the estimator was fitted on a plain array."""
    name, version = TYPES[type(est)]
    classifier = name in ("svc", "nu_svc")
    params = {
        "kernel": est.kernel, "gamma": est.gamma if isinstance(est.gamma, str) else repr(float(est.gamma)),
        "fitted_gamma": float(est._gamma), "degree": int(est.degree), "coef0": float(est.coef0),
        "tol": float(est.tol), "shrinking": bool(est.shrinking), "cache_size": float(est.cache_size),
        "max_iter": int(est.max_iter), "n_features_in": int(est.n_features_in_),
        "feature_names_in": [str(f) for f in getattr(est, "feature_names_in_", feature_names or [])],
        "sparse": bool(est._sparse),
    }
    if name in ("svc", "svr", "nu_svr"):
        params["C"] = float(est.C)
    if name in ("nu_svc", "nu_svr", "one_class_svm"):
        params["nu"] = float(est.nu)
    if name == "svr":
        params["epsilon"] = float(est.epsilon)
    arrays = []
    sv = est.support_vectors_
    if est._sparse:
        sv = sp.csr_matrix(sv)
        sv.sort_indices()
        params["support_vectors_rows"] = int(sv.shape[0])
        arrays += [("support_vectors_data", np.ascontiguousarray(sv.data, dtype="<f8")),
                   ("support_vectors_indices", np.ascontiguousarray(sv.indices, dtype="<i4")),
                   ("support_vectors_indptr", np.ascontiguousarray(sv.indptr, dtype="<i4"))]
    else:
        arrays.append(("support_vectors", np.ascontiguousarray(sv, dtype="<f8")))
    dual = est.dual_coef_.toarray() if sp.issparse(est.dual_coef_) else est.dual_coef_
    arrays += [("dual_coef", np.ascontiguousarray(dual, dtype="<f8")),
               ("intercept", np.ascontiguousarray(est.intercept_, dtype="<f8")),
               ("n_support", np.ascontiguousarray(est.n_support_, dtype="<i4")),
               ("support", np.ascontiguousarray(est.support_, dtype="<i4"))]
    if classifier:
        params.update({"class_weight": "", "class_weight_labels": [], "class_weight_values": [],
                       "decision_function_shape": est.decision_function_shape, "break_ties": bool(est.break_ties),
                       "probability": bool(est.probability),
                       "random_state": int(est.random_state) if est.random_state is not None else 0})
        classes = est.classes_
        if classes.dtype.kind in "iu":
            params["classes_kind"] = "int64"
            arrays.append(("classes", classes.astype("<i8")))
        elif classes.dtype.kind == "f":
            params["classes_kind"] = "float64"
            arrays.append(("classes", classes.astype("<f8")))
        else:
            params["classes_kind"] = "string"
            encoded = [str(c).encode("utf-8") for c in classes]
            width = max([1] + [len(e) for e in encoded])
            matrix = np.zeros((len(encoded), width), dtype=np.uint8)
            for i, e in enumerate(encoded):
                matrix[i, :len(e)] = np.frombuffer(e, dtype=np.uint8)
            arrays += [("classes", matrix), ("classes_lengths", np.array([len(e) for e in encoded], dtype="<u4"))]
        arrays += [("class_weight", est.class_weight_.astype("<f8")),
                   ("probA", np.ascontiguousarray(est.probA_, dtype="<f8")),
                   ("probB", np.ascontiguousarray(est.probB_, dtype="<f8"))]
    if name == "one_class_svm":
        arrays.append(("offset", np.ascontiguousarray(est.offset_, dtype="<f8")))
    return (name, version, json.dumps(params), arrays, [])


def write_csv(path, X, y=None, names=None, target="target"):
    names = names or ["f%d" % i for i in range(X.shape[1])]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(names) + ([] if y is None else [target]))
        for i, row in enumerate(X):
            w.writerow([repr(float(v)) for v in row] + ([] if y is None else [y[i]]))
    return path


def run(*args, expect=0):
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        raise RuntimeError("fitstore %s: exit %d (expected %d): %s" % (" ".join(map(str, args)), p.returncode, expect, p.stderr))
    return p


def rows(text, n):
    """CLI numeric output (one row per line, comma separated) as an n x m array."""
    return np.loadtxt(text.splitlines(), delimiter=",", ndmin=2).reshape(n, -1)


def california_like(n=1000, seed=0):
    """A generated stand-in for scikit-learn's California housing set (which needs a
    download): its 8 features with their scales and a smooth target in [0.15, 5],
    except Population, in thousands here: with raw head counts a linear-kernel SVR
    needs about 4 minutes in libsvm (scikit-learn's and Debian's alike)."""
    rng = np.random.RandomState(seed)
    income = np.clip(rng.lognormal(1.3, 0.45, n), 0.5, 15.0)
    age = rng.randint(1, 53, n).astype(float)
    rooms = np.clip(rng.normal(5.4, 1.2, n), 1.0, 10.0)
    bedrooms = np.clip(rng.normal(1.1, 0.1, n), 0.5, 2.0)
    population = np.clip(rng.lognormal(7.0, 0.7, n), 3.0, 35000.0) / 1000.0
    occupancy = np.clip(rng.normal(3.0, 0.6, n), 1.0, 6.0)
    latitude = rng.uniform(32.5, 42.0, n)
    longitude = -124.3 + (42.0 - latitude) * 0.9 + rng.uniform(0, 2.0, n)
    X = np.column_stack([income, age, rooms, bedrooms, population, occupancy, latitude, longitude])
    y = 0.45 * income + 0.01 * age - 0.15 * occupancy - 0.08 * (latitude - 35) + 0.1 * np.sin(longitude)
    y = np.clip(y + rng.normal(0, 0.25, n), 0.15, 5.0)
    names = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]
    return X, y, names


def finish(failures, tmp, start):
    """Prints the run time and every failure, removes `tmp`; the exit status."""
    import shutil
    import time
    print("total %.1f s" % (time.time() - start))
    shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0
