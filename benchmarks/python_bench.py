#!/usr/bin/python3
"""fitstore from Python against Python's own ways to persist the same arrays.

The SVC-shaped arrays of `fitstore bench` / peers.py (realistic data: values
with 3 decimals) go through
  fitstore.dump/load       codecs none, lz4, zstd:1, zstd:3, alp, alp-zstd
                           (directory layout, no fsync like the peers; none also
                           as blob) + mmap "r"
  joblib.dump/load         compress 0, 3 (zlib), "lz4"; mmap_mode "r" for 0
  pickle                   protocol 5 to a file
  np.save / np.load        one .npy per array; mmap_mode "r"
Each repetition of each case runs in a fresh Python process that makes the
arrays, touches and frees 2x the payload (as peers.py and fitstore bench do:
this VM returns freed memory to the host and first touch of it is slow), times
the dump, then the copying load and the mapped load (warm page cache: the files
were just written). --data random swaps the 3-decimal values for uniform
random doubles (incompressible: what alp must not expand). It prints a table per size and the issue's targets, each
as a ratio measured in the same run, met or missed.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_bench.py --sizes 256M,1G --json python-bench.json
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (the workload, pre-touch and RSS helpers shared with peers.py)


def _fitstore(codec, layout="directory"):
    import fitstore
    name = "model.fitstore" if layout == "blob" else "model"

    def dump(arrays, folder):
        fitstore.dump(arrays, os.path.join(folder, name), codec=codec, layout=layout, durable=False)
        return os.path.join(folder, name)

    def load(path):
        return fitstore.load(path)

    def mmap_load(path):
        return fitstore.load(path, mmap_mode="r")

    return dump, load, (mmap_load if codec == "none" else None)


def _joblib(compress):
    import joblib

    def dump(arrays, folder):
        path = os.path.join(folder, "model.joblib")
        joblib.dump(arrays, path, compress=compress)
        return path

    return dump, joblib.load, ((lambda p: joblib.load(p, mmap_mode="r")) if compress == 0 else None)


def _pickle():
    import pickle

    def dump(arrays, folder):
        path = os.path.join(folder, "model.pkl")
        with open(path, "wb") as f:
            pickle.dump(arrays, f, protocol=5)
        return path

    def load(path):
        with open(path, "rb") as f:
            return pickle.load(f)

    return dump, load, None


def _numpy():
    def dump(arrays, folder):
        path = os.path.join(folder, "model-npy")
        peers._npy_dump(arrays, path)
        return path

    return dump, peers._npy_load, (lambda p: peers._npy_load(p, mmap_mode="r"))


# id -> (label, family, factory)
CASES = {
    "fitstore_none": ("fitstore none (directory)", "none", lambda: _fitstore("none")),
    "fitstore_none_blob": ("fitstore none (blob)", "none", lambda: _fitstore("none", "blob")),
    "fitstore_lz4": ("fitstore lz4", "lz4", lambda: _fitstore("lz4")),
    "fitstore_zstd1": ("fitstore zstd:1", "zstd", lambda: _fitstore("zstd:1")),
    "fitstore_zstd3": ("fitstore zstd:3", "zstd", lambda: _fitstore("zstd:3")),
    "fitstore_alp": ("fitstore alp", "alp", lambda: _fitstore("alp")),
    "fitstore_alp_zstd": ("fitstore alp-zstd", "alp", lambda: _fitstore("alp-zstd")),
    "joblib0": ("joblib compress=0", "none", lambda: _joblib(0)),
    "joblib3": ("joblib compress=3 (zlib)", "zlib", lambda: _joblib(3)),
    "joblib_lz4": ("joblib compress='lz4'", "lz4", lambda: _joblib("lz4")),
    "pickle": ("pickle p5 file", "none", _pickle),
    "numpy": ("np.save/np.load per array", "none", _numpy),
}
PEERS_UNCOMPRESSED = ["joblib0", "pickle", "numpy"]


def fingerprint(arrays):
    sv = arrays["support_vectors"]
    return [float(sv[:: max(1, sv.shape[0] // 64)].sum()), float(arrays["dual_coef"].sum()),
            int(arrays["support"][-1])]


def run_case(spec):
    arrays = peers.make_arrays(spec["size"], spec.get("data", "realistic"), page_aligned=spec["page_aligned"])
    payload = sum(a.nbytes for a in arrays.values())
    expected = fingerprint(arrays)
    dump, load, mmap_load = CASES[spec["case"]][2]()
    folder = spec["dir"]
    r = {"model_bytes": payload}
    d = peers.Measured(2 * payload, lambda: dump(arrays, folder))
    path = d.result
    r["dump_s"] = d.seconds
    r["bytes_on_disk"] = peers.bytes_on_disk(path)
    del arrays, d
    m = peers.Measured(2 * payload, lambda: load(path))
    r["load_s"] = m.seconds
    r["correct"] = fingerprint(m.result) == expected
    del m
    if mmap_load:
        m = peers.Measured(2 * payload, lambda: mmap_load(path))
        r["mmap_load_s"] = m.seconds
        r["correct"] = r["correct"] and fingerprint(m.result) == expected
        del m
    return r


def child(spec_text):
    spec = json.loads(spec_text)
    os.makedirs(spec["dir"], exist_ok=True)
    try:
        r = run_case(spec)
    finally:
        shutil.rmtree(spec["dir"], ignore_errors=True)
    print(json.dumps(r), flush=True)


def run_child(spec):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def targets(rows, data="realistic"):
    """The issue's targets as (name, ratio, goal, met); ratios > 1 are better for fitstore."""
    def m(case, key):
        return rows[case][key] if case in rows and rows[case].get(key) else None

    out = []

    def add(name, ratio, goal, detail):
        if ratio is not None:
            out.append({"target": name, "ratio": ratio, "goal": goal, "met": ratio >= goal, "detail": detail})

    fastest_dump = min(PEERS_UNCOMPRESSED, key=lambda c: m(c, "dump_s") or float("inf"))
    fastest_load = min(PEERS_UNCOMPRESSED, key=lambda c: m(c, "load_s") or float("inf"))
    if m(fastest_dump, "dump_s") and m("fitstore_none", "dump_s"):
        blob = m("fitstore_none_blob", "dump_s")
        add("uncompressed dump >= 1.0x the fastest peer", m(fastest_dump, "dump_s") / m("fitstore_none", "dump_s"),
            1.0, f"fitstore none (directory) vs {CASES[fastest_dump][0]}"
                 + (f"; blob {m(fastest_dump, 'dump_s') / blob:.2f}x" if blob else ""))
    if m(fastest_load, "load_s") and m("fitstore_none", "load_s"):
        add("copying load >= 1.0x the fastest peer", m(fastest_load, "load_s") / m("fitstore_none", "load_s"), 1.0,
            f"fitstore none (directory) vs {CASES[fastest_load][0]}")
    if m("joblib0", "mmap_load_s") and m("fitstore_none", "mmap_load_s"):
        add("mmap load <= joblib's", m("joblib0", "mmap_load_s") / m("fitstore_none", "mmap_load_s"), 1.0,
            f"{1e3 * m('fitstore_none', 'mmap_load_s'):.2f} ms vs {1e3 * m('joblib0', 'mmap_load_s'):.2f} ms")
    if m("joblib3", "dump_s") and m("fitstore_zstd1", "dump_s"):
        add("zstd:1 dump >= 5x joblib compress=3", m("joblib3", "dump_s") / m("fitstore_zstd1", "dump_s"), 5.0, "")
        size = m("fitstore_zstd1", "bytes_on_disk") / m("joblib3", "bytes_on_disk")
        out.append({"target": "zstd:1 size <= 1.10x joblib compress=3's", "ratio": size, "goal": 1.10,
                    "met": size <= 1.10, "detail": "size ratio (lower is better)"})
    if m("joblib_lz4", "dump_s") and m("fitstore_lz4", "dump_s"):
        add("lz4 dump >= 2x joblib's lz4", m("joblib_lz4", "dump_s") / m("fitstore_lz4", "dump_s"), 2.0, "")
        add("lz4 load >= 2x joblib's lz4", m("joblib_lz4", "load_s") / m("fitstore_lz4", "load_s"), 2.0, "")
    # The alp issue's store targets, on the same run's rows.
    if m("fitstore_alp", "dump_s"):
        alp_ratio = m("fitstore_alp", "model_bytes") / m("fitstore_alp", "bytes_on_disk")
        goal = 4.5 if data == "realistic" else 1.0  # random doubles: alp must only never expand
        out.append({"target": f"alp ratio >= {goal} on {data} data", "ratio": alp_ratio, "goal": goal,
                    "met": alp_ratio >= goal, "detail": "model bytes / bytes on disk"})
        if m("fitstore_none", "dump_s"):
            add("alp dump >= 0.8x the uncompressed dump", m("fitstore_none", "dump_s") / m("fitstore_alp", "dump_s"),
                0.8, "both fitstore, directory layout")
        if m("joblib3", "dump_s"):
            smaller = m("fitstore_alp", "bytes_on_disk") < m("joblib3", "bytes_on_disk")
            add("alp dump >= 30x joblib compress=3 at a smaller file",
                m("joblib3", "dump_s") / m("fitstore_alp", "dump_s"), 30.0,
                f"file {m('fitstore_alp', 'bytes_on_disk') / m('joblib3', 'bytes_on_disk'):.2f}x joblib's"
                f" ({'smaller' if smaller else 'NOT smaller'})")
    return out


def print_size(size, rows, goals):
    nbytes = next(iter(rows.values()))["model_bytes"]

    def gb(t):
        return "-" if not t else f"{nbytes / t / 1e9:.2f}"

    print(f"\n== {size} ({nbytes / 1048576:.1f} MiB payload; GB/s = 1e9 bytes of payload per second; median) ==")
    print(f"{'method':<30}{'dump GB/s':>11}{'load GB/s':>11}{'mmap ms':>9}{'disk MiB':>10}{'ratio':>7}  ok")
    for case, r in rows.items():
        mm = "-" if not r.get("mmap_load_s") else f"{1e3 * r['mmap_load_s']:.2f}"
        print(f"{CASES[case][0]:<30}{gb(r['dump_s']):>11}{gb(r['load_s']):>11}{mm:>9}"
              f"{r['bytes_on_disk'] / 1048576:>10.1f}{nbytes / r['bytes_on_disk']:>7.2f}  {r['correct']}")
    print("targets (ratios of the same run):")
    for g in goals:
        cmp = "<=" if "size" in g["target"] else ">="
        print(f"  {'MET   ' if g['met'] else 'MISSED'} {g['target']}: {g['ratio']:.2f}x ({cmp} {g['goal']}) "
              f"{g['detail']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="256M,1G")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ",".join(CASES))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--data", choices=["realistic", "random"], default="realistic",
                    help="values with 3 decimals (measured data) or uniform random doubles (incompressible)")
    ap.add_argument("--json", help="write the results as JSON")
    ap.add_argument("--dir", default="/tmp", help="folder for the files being written")
    ap.add_argument("--page-aligned", action="store_true",
                    help="arrays in page-aligned huge-page memory (as fitstore bench's C++ children) instead of "
                         "numpy's own allocation (large arrays at page offset 16, what a Python user has)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child)
    import fitstore
    cases = args.cases.split(",")
    for c in cases:
        if c not in CASES:
            raise SystemExit(f"python_bench.py: unknown case {c!r}; expected some of {','.join(CASES)}")
    work = os.path.join(args.dir, f"fitstore-python-bench-{os.getpid()}")
    import joblib
    report = {"tool": "python_bench.py", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": dict(peers.machine(), fitstore=fitstore.__version__, joblib=joblib.__version__,
                              loadavg_start=os.getloadavg()),
              "repeats": args.repeats, "page_aligned": args.page_aligned, "data": args.data, "sizes": {}}
    started = time.perf_counter()
    for size in args.sizes.split(","):
        rows = {}
        for case in cases:
            runs = []
            for k in range(args.repeats):
                print(f"{size} {CASES[case][0]} run {k + 1}", file=sys.stderr, flush=True)
                runs.append(run_child({"size": peers.parse_size(size), "case": case, "dir": work,
                                       "page_aligned": args.page_aligned, "data": args.data}))
            rows[case] = {key: median(runs, key) for key in ("model_bytes", "dump_s", "load_s", "mmap_load_s",
                                                             "bytes_on_disk")}
            rows[case]["correct"] = all(r["correct"] for r in runs)
            rows[case]["runs"] = runs
        goals = targets(rows, args.data)
        report["sizes"][size] = {"rows": rows, "targets": goals}
    report["elapsed_s"] = time.perf_counter() - started
    report["machine"]["loadavg_end"] = os.getloadavg()
    m = report["machine"]
    print(f"python_bench.py: {m.get('cpu')}, {m['cores']} cores, {m['kernel']}, Python {platform.python_version()}, "
          f"fitstore {m['fitstore']}, numpy {np.__version__}, joblib {m['joblib']}; {args.repeats} runs per case; "
          f"arrays {'page-aligned' if args.page_aligned else 'from numpy'}, {args.data} data; "
          f"load average {m['loadavg_start'][0]:.1f} at start, {m['loadavg_end'][0]:.1f} at end")
    for size, s in report["sizes"].items():
        print_size(size, s["rows"], s["targets"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
