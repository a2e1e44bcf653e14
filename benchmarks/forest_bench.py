"""Forest benchmark (issue 16): a RandomForestClassifier fully grown on a
synthetic set, persisted by fitstore (codec none; zstd:1; loaded copied and
mmap_mode="r"), joblib (compress 0 and 3; mmap_mode="r") and pickle.

Per method, each in a fresh process: dump time, size on disk, load time, peak
RSS of the loading process above its pre-load RSS, and time to the first
predict of 1 000 rows. Each Python loader first touches and frees private memory
of twice the model's size (PITFALLS.md: memory returned to the host is slow to
touch again), then resets its peak RSS; the file's pages are dropped from the
page cache before each load (cold loads). fitstore is measured twice: through the Python adapter
(which rebuilds scikit-learn Trees, copying the node arrays into them as
scikit-learn requires) and through C++ `fitstore predict --mmap r`, which
serves the mapped columns directly. Then four processes loading the same
model at once: summed RSS, summed PSS and the machine's used memory
(MemTotal - MemAvailable) increase.

Usage: /usr/bin/python3 benchmarks/forest_bench.py --cli build/apps/fitstore
       [--samples 200000] [--trees 300] [--features 10] [--classes 2] [--flip-y 0.08]
       [--cache DIR [--fit-only]] [--out benchmarks/results/forest_bench.json]
PYTHONPATH must hold the build tree's fitstore package (build/python).

The defaults are the issue's full-size case: 300 fully grown trees on 200 000
samples, over 500 MiB on disk (the label noise flip_y sets the tree size: 0.08
gives about 0.7 GiB; 0.3 with 10 classes gave 15.6 MiB per tree). --cache DIR
keeps the fitted forest (as a fitstore store) and its fit time, so a later run
with the same settings skips the fit (10+ minutes on 2 cores) and measures
dumps and loads only (--fit-only: fit into the cache and stop, so the timed
run can wait for a quieter machine). The summary compares the figures with the
issue's targets.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time

import numpy as np

CHILD = r"""
import os, sys, time, json
def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
def rss():
    return status("VmRSS")
method, path, xpath = sys.argv[1:4]
import numpy as np, joblib, pickle
import fitstore
X = np.load(xpath)
import sklearn.ensemble
# Pre-touch (and free) private memory of twice the model's size: memory freed back
# to the host is slow to touch again (PITFALLS.md), which would time the host, not the
# loader. Then reset the peak RSS (clear_refs 5) so VmHWM measures the load alone.
import mmap
size = os.path.getsize(path) if os.path.isfile(path) else sum(
    os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
room = mmap.mmap(-1, 2 * size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for i in range(0, 2 * size, 4096):
    room[i] = 1
room.close()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = rss()
t0 = time.perf_counter()
if method.startswith("fitstore"):
    est = fitstore.load(path, mmap_mode="r" if method.endswith("mmap") else None)
elif method.startswith("joblib"):
    est = joblib.load(path, mmap_mode="r" if method.endswith("mmap") else None)
else:
    with open(path, "rb") as f:
        est = pickle.load(f)
t1 = time.perf_counter()
y = est.predict(X)
t2 = time.perf_counter()
# VmHWM, not ru_maxrss: ru_maxrss survives execve, so it would report the
# benchmark parent's peak (the fitted forest) instead of this loader's.
peak = status("VmHWM")
print(json.dumps({"load_s": t1 - t0, "first_predict_s": t2 - t1, "peak_rss_above_start": peak - before,
                  "rss_after": rss(), "checksum": int(np.asarray(y == y[0]).sum())}))
sys.stdout.flush()
if len(sys.argv) > 4:
    open(sys.argv[4], "w").close()  # tell the parent this loader is done
    time.sleep(float(sys.argv[5]))
"""


def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def mem_used():
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            info[k] = int(v.split()[0]) * 1024
    return info["MemTotal"] - info["MemAvailable"]


def rollup(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                out[parts[0][:-1].lower()] = int(parts[1]) * 1024
    return out


def blocked_on_fifo(pid):
    with open(f"/proc/{pid}/wchan") as f:
        return f.read().strip() in ("wait_for_partner", "fifo_open")


def files_of(path):
    return [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]


def fsync_files(path):
    for p in files_of(path):
        fd = os.open(p, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def drop_file_cache(path):
    """Evicts `path`'s pages so every load starts cold: fsync first (DONTNEED keeps
    dirty pages, so a file never synced would stay cached and load warm), then
    posix_fadvise DONTNEED."""
    fsync_files(path)
    for p in files_of(path):
        fd = os.open(p, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)


def fitted_forest(a, X, y, fitstore):
    """(forest, fit seconds): fitted here, or loaded from --cache when an earlier run fitted it."""
    from sklearn.ensemble import RandomForestClassifier
    key = f"forest_{a.samples}x{a.features}_c{a.classes}_flip{a.flip_y}_t{a.trees}"
    cached = os.path.join(a.cache, key) if a.cache else None
    if cached and os.path.exists(os.path.join(cached, "fit.json")):
        with open(os.path.join(cached, "fit.json")) as f:
            fit_s = json.load(f)["fit_s"]
        est = fitstore.load(os.path.join(cached, "model"))
        print(f"fit: cached in {cached} (fitted in {fit_s:.1f} s)", flush=True)
        return est, fit_s
    t0 = time.perf_counter()
    est = RandomForestClassifier(n_estimators=a.trees, n_jobs=a.jobs, random_state=0).fit(X, y)
    fit_s = time.perf_counter() - t0
    if cached:
        os.makedirs(cached, exist_ok=True)
        fitstore.dump(est, os.path.join(cached, "model"))
        with open(os.path.join(cached, "fit.json"), "w") as f:
            json.dump({"fit_s": fit_s}, f)
    return est, fit_s


def fit_and_dump(a, fitstore, joblib):
    """Fits the forest (or takes it from --cache), stores it every way; (tmp, paths, results, xpath, want)."""
    from sklearn.datasets import make_classification
    tmp = tempfile.mkdtemp(prefix="forest_bench_", dir=a.tmp)
    X, y = make_classification(n_samples=a.samples, n_features=a.features, n_informative=a.features // 2,
                               n_classes=a.classes, flip_y=a.flip_y, random_state=0)
    est, fit_s = fitted_forest(a, X, y, fitstore)
    est.n_jobs = None  # predict in one thread, as the loaders do
    nodes = sum(t.tree_.node_count for t in est.estimators_)
    print(f"fit: {a.trees} trees on {a.samples} x {a.features} in {fit_s:.1f} s, {nodes} nodes", flush=True)
    Xq = X[:1000].copy()
    xpath = os.path.join(tmp, "X.npy")
    np.save(xpath, Xq)
    with open(os.path.join(tmp, "X.csv"), "w") as f:
        f.write(",".join(f"f{i}" for i in range(a.features)) + "\n")
        for row in Xq:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    want = est.predict(Xq)

    def pickle_dump(p):
        with open(p, "wb") as f:
            pickle.dump(est, f, protocol=pickle.HIGHEST_PROTOCOL)

    # Every dump is timed until its bytes are on disk: fitstore.dump fsyncs (durable=True,
    # its default), so joblib's and pickle's files are fsynced inside the timing too.
    dumps = {
        "fitstore none": lambda p: fitstore.dump(est, p, codec="none"),
        "fitstore zstd:1": lambda p: fitstore.dump(est, p, codec="zstd:1"),
        "joblib 0": lambda p: (joblib.dump(est, p, compress=0), fsync_files(p)),
        "joblib 3": lambda p: (joblib.dump(est, p, compress=3), fsync_files(p)),
        "pickle": lambda p: (pickle_dump(p), fsync_files(p)),
    }
    paths, results = {}, {"conditions": {
        "samples": a.samples, "features": a.features, "classes": a.classes, "flip_y": a.flip_y, "trees": a.trees,
        "nodes": nodes, "fit_s": fit_s,
        "load_average": os.getloadavg(), "cpus": os.cpu_count(),
        "note": "shared 2-core machine, other builds running; single runs, not medians"}, "methods": {}}
    for name, fn in dumps.items():
        p = os.path.join(tmp, name.replace(" ", "_").replace(":", ""))
        t0 = time.perf_counter()
        fn(p)
        dt = time.perf_counter() - t0
        paths[name] = p
        results["methods"][name] = {"dump_s": dt, "bytes": du(p)}
        print(f"dump {name:16s} {dt:8.2f} s {du(p) / 2**20:10.1f} MiB", flush=True)
    return tmp, paths, results, xpath, want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--samples", type=int, default=200000)
    ap.add_argument("--trees", type=int, default=300)
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--flip-y", type=float, default=0.08, help="label noise of make_classification (sets the tree size)")
    ap.add_argument("--cache", default=None, help="folder keeping the fitted forest between runs")
    ap.add_argument("--fit-only", action="store_true", help="fit the forest into --cache and stop (measure later)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None)
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--reuse", default=None, help="a folder kept from an earlier run (X.npy, X.csv and the stores): "
                                                  "measure the loads only")
    a = ap.parse_args()
    import joblib
    import fitstore

    if a.fit_only:
        if not a.cache:
            ap.error("--fit-only needs --cache")
        from sklearn.datasets import make_classification
        X, y = make_classification(n_samples=a.samples, n_features=a.features, n_informative=a.features // 2,
                                   n_classes=a.classes, flip_y=a.flip_y, random_state=0)
        est, fit_s = fitted_forest(a, X, y, fitstore)
        print(f"fit: {a.trees} trees in {fit_s:.1f} s, {sum(t.tree_.node_count for t in est.estimators_)} nodes, "
              f"cached in {a.cache}", flush=True)
        return
    names = ["fitstore none", "fitstore zstd:1", "joblib 0", "joblib 3", "pickle"]
    if a.reuse:
        tmp = a.reuse
        xpath = os.path.join(tmp, "X.npy")
        paths = {n: os.path.join(tmp, n.replace(" ", "_").replace(":", "")) for n in names}
        Xq = np.load(xpath)
        want = fitstore.load(paths["fitstore none"], mmap_mode="r").predict(Xq)
        results = {"conditions": {"reused": tmp, "load_average": os.getloadavg(), "cpus": os.cpu_count(),
                                  "note": "shared 2-core machine, other builds running; single runs, not medians"},
                   "methods": {n: {"bytes": du(p)} for n, p in paths.items()}}
    else:
        tmp, paths, results, xpath, want = fit_and_dump(a, fitstore, joblib)
    loads = [("fitstore none", "fitstore none"), ("fitstore none mmap", "fitstore none"),
             ("fitstore zstd:1", "fitstore zstd:1"), ("joblib 0", "joblib 0"), ("joblib 0 mmap", "joblib 0"),
             ("joblib 3", "joblib 3"), ("pickle", "pickle")]
    for method, stored in loads:
        drop_file_cache(paths[stored])
        r = json.loads(subprocess.run([sys.executable, "-c", CHILD, method, paths[stored], xpath],
                                      capture_output=True, text=True, check=True).stdout)
        results["methods"].setdefault(method, {}).update(r)
        print(f"load {method:20s} load {r['load_s']:7.2f} s  first predict {r['first_predict_s']:6.3f} s  "
              f"peak RSS +{r['peak_rss_above_start'] / 2**20:8.1f} MiB", flush=True)

    # C++: fitstore predict --mmap r (load, validate, predict 1000 rows, print).
    for mode in ["none", "r"]:
        drop_file_cache(paths["fitstore none"])
        t0 = time.perf_counter()
        p = subprocess.Popen([a.cli, "predict", paths["fitstore none"], "--data", os.path.join(tmp, "X.csv"),
                              "--mmap", mode], stdout=subprocess.PIPE, text=True)
        out, _ = p.communicate()
        dt = time.perf_counter() - t0
        labels = np.array([int(v) for v in out.split()])
        key = f"C++ predict --mmap {mode}"
        equal = bool(p.returncode == 0 and np.array_equal(labels, want))
        results["methods"][key] = {"load_plus_first_predict_s": dt, "labels_equal": equal}
        print(f"{key}: load + predict 1000 rows {dt:.3f} s, labels equal: {equal}", flush=True)

    # Four loaders at once.
    for method, stored in [("fitstore none mmap", "fitstore none"), ("joblib 0", "joblib 0"), ("joblib 0 mmap", "joblib 0"),
                           ("C++ mmap r", "fitstore none")]:
        drop_file_cache(paths[stored])
        base = mem_used()
        procs, flags = [], []
        for i in range(4):
            flag = os.path.join(tmp, f"done_{i}")
            if os.path.exists(flag):
                os.remove(flag)
            if method.startswith("C++"):
                fifo = os.path.join(tmp, f"fifo_{i}")
                if not os.path.exists(fifo):
                    os.mkfifo(fifo)
                # The CLI loads (and validates) the model, then blocks opening the FIFO.
                procs.append(subprocess.Popen([a.cli, "predict", paths[stored], "--data", fifo, "--mmap", "r"],
                                              stdout=subprocess.DEVNULL))
                flags.append(fifo)
            else:
                procs.append(subprocess.Popen([sys.executable, "-c", CHILD, method, paths[stored], xpath, flag, "8"],
                                              stdout=subprocess.PIPE, text=True))
                flags.append(flag)
        if method.startswith("C++"):
            # Loaded and validated once each CLI blocks opening its FIFO.
            while not all(blocked_on_fifo(p.pid) for p in procs):
                time.sleep(0.1)
        else:
            while not all(os.path.exists(f) for f in flags):
                time.sleep(0.1)
        stats = [rollup(p.pid) for p in procs]
        used = mem_used() - base
        if method.startswith("C++"):
            csv_text = open(os.path.join(tmp, "X.csv")).read()
            for fifo in flags:
                with open(fifo, "w") as f:
                    f.write(csv_text)
        for p in procs:
            p.wait()
        rss_sum = sum(s["rss"] for s in stats)
        pss_sum = sum(s["pss"] for s in stats)
        results.setdefault("four_loaders", {})[method] = {"rss_each": [s["rss"] for s in stats], "rss_sum": rss_sum,
                                                          "pss_sum": pss_sum, "used_memory_increase": used}
        print(f"4 x {method:20s} RSS sum {rss_sum / 2**20:8.1f} MiB  PSS sum {pss_sum / 2**20:8.1f} MiB  "
              f"used memory +{used / 2**20:8.1f} MiB  (RSS each {[round(s['rss'] / 2**20) for s in stats]})", flush=True)

    results["targets"] = targets(results)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=1)
    if not a.reuse:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def targets(results):
    """The issue's three targets from the measured figures, printed and returned."""
    m, four = results["methods"], results.get("four_loaders", {})
    out = {}

    def total(name):
        return m[name]["load_s"] + m[name]["first_predict_s"]
    if "fitstore none mmap" in m and "joblib 0" in m:
        out["python mmap load + first predict speedup vs joblib 0 (target >= 10)"] = total("joblib 0") / total("fitstore none mmap")
    if "C++ predict --mmap r" in m and "joblib 0" in m:
        out["C++ predict --mmap r (whole process) speedup vs joblib 0 load + predict (target >= 10)"] = \
            total("joblib 0") / m["C++ predict --mmap r"]["load_plus_first_predict_s"]
    for method in ("fitstore none mmap", "C++ mmap r"):
        if method in four:
            f = four[method]
            one = f["rss_each"][0]
            out[f"4 x {method}: PSS sum / one loader's RSS (target < 1.3)"] = f["pss_sum"] / one
            out[f"4 x {method}: used memory increase / one loader's RSS (target < 1.3)"] = f["used_memory_increase"] / one
    if "fitstore zstd:1" in m and "joblib 3" in m and "dump_s" in m.get("joblib 3", {}):
        out["zstd:1 dump speedup vs joblib compress=3 (target >= 5)"] = m["joblib 3"]["dump_s"] / m["fitstore zstd:1"]["dump_s"]
        out["zstd:1 size / joblib compress=3 size (target <= 1.10)"] = m["fitstore zstd:1"]["bytes"] / m["joblib 3"]["bytes"]
    for k, v in out.items():
        print(f"target: {k}: {v:.2f}", flush=True)
    return out


if __name__ == "__main__":
    main()
