#!/usr/bin/python3
"""Saving and loading fitted scikit-learn models: fitstore vs joblib vs pickle.

Models (both really fitted by scikit-learn):
  iris_svc   the seed's model: svm.SVC().fit(iris)                       (tiny)
  svc_110k   svm.SVC(kernel="linear", C=1e-4) fitted on 110 000 points with
             random labels: every point becomes a support vector (>= 100 000)

Methods:
  fitstore-none      fitstore.dump(model, dir) / fitstore.load(dir)          (copying load)
  fitstore-none-mmap fitstore.load(dir, mmap_mode="r")                       (same files)
  fitstore-zstd1     fitstore.dump(model, dir, codec="zstd:1") / load
  joblib-0           joblib.dump(model, f) / joblib.load(f)
  joblib-0-mmap      joblib.load(f, mmap_mode="r")                           (same file)
  joblib-3           joblib.dump(model, f, compress=3) / joblib.load(f)
  pickle             pickle.dump(model, f, protocol=5) / pickle.load(f)

For each: dump time and size (in this process), and in a FRESH process per
measurement: load, and load + first predict (100 rows); wall time and peak RSS
growth (VmHWM after resetting it with /proc/self/clear_refs, minus the RSS
before). Before each timed call the child touches and frees twice the payload
(PITFALLS.md: freed memory returns to the host, first touches are slow).
Files are read warm from the page cache (just written). Best of --repeat runs.
fitstore dumps with durable=False here (no fsync), as joblib and pickle do not
fsync either; fitstore's default (durable=True) adds the fsync of every file.

Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/sklearn_bench.py [--n 110000] [--repeat 3]
         [--cache DIR] [--json out.json]
The fitted 110k model is kept (as a fitstore store) in --cache so that a re-run skips the fit.
"""
import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

METHODS = ["fitstore-none", "fitstore-none-mmap", "fitstore-zstd1", "joblib-0", "joblib-0-mmap", "joblib-3",
           "pickle"]


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def hwm_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def pretouch(nbytes):
    a = np.ones(max(nbytes, 1) // 8 + 1)
    del a


def path_of(folder, method):
    base = method.replace("-mmap", "")
    return os.path.join(folder, base + (".joblib" if base.startswith("joblib") else
                                        ".pkl" if base == "pickle" else ""))


def dump(model, folder, method):
    import fitstore
    import joblib
    path = path_of(folder, method)
    if method == "fitstore-none":
        fitstore.dump(model, path, durable=False)
    elif method == "fitstore-zstd1":
        fitstore.dump(model, path, codec="zstd:1", durable=False)
    elif method == "joblib-0":
        joblib.dump(model, path, compress=0)
    elif method == "joblib-3":
        joblib.dump(model, path, compress=3)
    elif method == "pickle":
        with open(path, "wb") as f:
            pickle.dump(model, f, protocol=5)
    return path


def size_of(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def child(args):
    """One measurement in a fresh process: prints {"seconds", "peak_rss_kib"}."""
    import fitstore  # noqa: F401  (imports are outside the timed region for every method)
    import joblib
    import sklearn.svm  # noqa: F401
    import fitstore.sklearn
    fitstore.sklearn.registered_types()  # the adapter table, as joblib/pickle have sklearn imported too
    method, path, op, payload = args.child
    Xq = np.load(args.query)
    pretouch(2 * int(payload))
    reset_hwm()
    before = rss_kib()
    t0 = time.perf_counter()
    if method.startswith("fitstore"):
        model = fitstore.load(path, mmap_mode="r" if method.endswith("mmap") else None)
    elif method.startswith("joblib"):
        model = joblib.load(path, mmap_mode="r" if method.endswith("mmap") else None)
    else:
        with open(path, "rb") as f:
            model = pickle.load(f)
    if op == "load+predict":
        model.predict(Xq)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_rss_kib": hwm_kib() - before}))


def measure(method, path, op, payload, query, repeat):
    best = None
    for _ in range(repeat):
        p = subprocess.run([sys.executable, __file__, "--child", method, path, op, str(payload), "--query", query],
                           capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        if p.returncode != 0:
            raise RuntimeError(f"{method} {op}: {p.stderr}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
        if best is None or r["seconds"] < best["seconds"]:
            best = r
    return best


def fit_models(n, cache):
    import fitstore
    from sklearn import datasets, svm
    X, y = datasets.load_iris(return_X_y=True)
    models = {"iris_svc": (svm.SVC().fit(X, y), X[:100])}
    rng = np.random.default_rng(0)
    Xb = rng.standard_normal((n, 16))
    yb = rng.integers(0, 2, n)
    cached = os.path.join(cache, f"svc_{n}") if cache else None
    if cached and os.path.exists(cached):
        big = fitstore.load(cached)
        fit_seconds = None
    else:
        t = time.perf_counter()
        big = svm.SVC(kernel="linear", C=1e-4).fit(Xb, yb)
        fit_seconds = time.perf_counter() - t
        if cached:
            fitstore.dump(big, cached)
    models[f"svc_{n // 1000}k"] = (big, Xb[:100])
    return models, fit_seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=110000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--query", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if not reset_hwm():
        print("note: /proc/self/clear_refs not writable: peak RSS includes earlier peaks")
    models, fit_seconds = fit_models(args.n, args.cache)
    tmp = tempfile.mkdtemp(prefix="fitstore_sklearn_bench_")
    results = {"fit_seconds_svc": fit_seconds, "n": args.n, "models": {}}
    try:
        for name, (model, Xq) in models.items():
            folder = os.path.join(tmp, name)
            os.makedirs(folder)
            query = os.path.join(folder, "query.npy")
            np.save(query, Xq)
            sv = model.support_vectors_
            payload = sv.nbytes + model.dual_coef_.nbytes
            rows = {}
            print(f"\n{name}: {sv.shape[0]} support vectors x {sv.shape[1]} features "
                  f"({payload / 1e6:.1f} MB of arrays)")
            print(f"{'method':20} {'size MB':>8} {'dump s':>8} {'dump RSS MB':>11} {'load s':>8} {'load RSS MB':>11} "
                  f"{'load+pred s':>11} {'l+p RSS MB':>10}")
            for method in METHODS:
                row = {}
                if not method.endswith("mmap"):
                    pretouch(2 * payload)
                    reset_hwm()
                    before = rss_kib()
                    t0 = time.perf_counter()
                    path = dump(model, folder, method)
                    row["dump_seconds"] = time.perf_counter() - t0
                    row["dump_peak_rss_kib"] = hwm_kib() - before
                    row["bytes"] = size_of(path)
                else:
                    path = path_of(folder, method)
                    row["bytes"] = size_of(path)
                for op in ("load", "load+predict"):
                    r = measure(method, path, op, payload, query, args.repeat)
                    row[op + "_seconds"] = r["seconds"]
                    row[op + "_peak_rss_kib"] = r["peak_rss_kib"]
                rows[method] = row
                fmt = lambda k, s=1.0: f"{row[k] / s:.4f}" if k in row else "-"
                print(f"{method:20} {row['bytes'] / 1e6:8.2f} {fmt('dump_seconds'):>8} "
                      f"{fmt('dump_peak_rss_kib', 1024):>11} {row['load_seconds']:8.4f} "
                      f"{row['load_peak_rss_kib'] / 1024:11.1f} {row['load+predict_seconds']:11.4f} "
                      f"{row['load+predict_peak_rss_kib'] / 1024:10.1f}")
            base = rows["pickle"]
            print("ratios to pickle (time; lower is faster): " + ", ".join(
                f"{m} load {rows[m]['load_seconds'] / base['load_seconds']:.2f}x, "
                f"load+predict {rows[m]['load+predict_seconds'] / base['load+predict_seconds']:.2f}x"
                for m in METHODS if m != "pickle"))
            results["models"][name] = {"support_vectors": list(sv.shape), "payload_bytes": payload, "rows": rows}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_average"] = os.getloadavg()
    results["ru_maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if fit_seconds is not None:
        print(f"\nfit of the {args.n}-point SVC: {fit_seconds:.0f} s")
    print(f"load average at the end: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
