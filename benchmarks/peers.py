#!/usr/bin/python3
"""The same SVC-shaped arrays as `fitstore bench`, through Python's peers.

numpy save / load (and load with mmap), pickle protocol 5 in memory and to a
file, joblib compress 0, 3 (zlib) and lz4, h5py contiguous and gzip, zarr with
blosc. Each repetition of each peer runs in a fresh child process, under the
same conditions as fitstore bench's C++ children: the arrays sit in
page-aligned, huge-page-advised private memory (as fitstore's allocate_buffer
gives them), 2x the payload is touched and freed before each timed call with a
private anonymous mapping (exactly bench_child.cpp's pretouch), the page cache
is warm, and peak RSS comes from VmHWM reset through /proc/self/clear_refs.
Prints the same table and writes the same JSON, so `fitstore bench
--peers-json FILE` shows both side by side.

Until 2026-11-29 the pre-touch here used Python's default mmap.mmap(-1, n),
which is MAP_SHARED: shared anonymous memory is shmem, 4 KiB pages that THP
(madvise mode, shmem "never") does not back with huge pages, and touching and
freeing 2x the payload of it left the next huge-page allocations slower than
no pre-touch at all (measured on a 256 MiB model: a.copy() 0.18 GB/s after it,
1.33 without, 3.03 after a private pre-touch; np.save 0.15 / 0.53 / 1.87).
That is why this script measured np.save at 0.3-0.8 GB/s and its own memcpy
"limit" at 0.3-0.9 GB/s while the C++ children measured 3-4 GB/s.

    /usr/bin/python3 benchmarks/peers.py --sizes 16M,256M,1G --json peers.json

Debian's numpy, zarr, h5py, joblib and lz4 belong to /usr/bin/python3.
"""
import argparse
import json
import mmap
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_stats import PAGE, bytes_on_disk, peak_rss, pretouch, reset_peak, rss  # noqa: E402,F401

FEATURES = 128  # bench_workload.hpp k_features
SEED = 0x5EED5EED00000000
BLOCK = 1 << 20  # elements generated per numpy block (bounded temporaries)


# ---- the workload (identical bytes to benchmarks/bench_workload.cpp) ---------------

def _mix(key, idx):
    """splitmix64 of counter idx (uint64 array) in stream key, as mix() in C++."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (idx + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _key(array_id):
    return (SEED + array_id * 0x100000001) & 0xFFFFFFFFFFFFFFFF


def _fill(out, array_id, kind):
    flat = out.reshape(-1)
    key = _key(array_id)
    for start in range(0, flat.size, BLOCK):
        stop = min(flat.size, start + BLOCK)
        h = _mix(key, np.arange(start, stop, dtype=np.uint64))
        if kind == "realistic":
            a = ((h & np.uint64(0xFFFF)) % np.uint64(4001)).astype(np.int64)
            b = (((h >> np.uint64(16)) & np.uint64(0xFFFF)) % np.uint64(4001)).astype(np.int64)
            flat[start:stop] = (a + b - 4000).astype(np.float64) / 1000.0
        else:
            flat[start:stop] = (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def support_vectors_for(model_bytes):
    return model_bytes // (FEATURES * 8 + 8 + 4)


def page_aligned_empty(shape, dtype):
    """An uninitialised array in its own private anonymous mapping: page-aligned
    (2 MiB-aligned when large) and advised for huge pages, like the buffers
    fitstore's allocate_buffer gives the C++ benchmark children. numpy's own
    allocator returns large arrays at a page offset of 16 (glibc's chunk
    header), which the kernel copies 3-4x slower to page-aligned file offsets."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    m = mmap.mmap(-1, max(nbytes, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE") and nbytes >= 8 << 20:
        m.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(m, dtype=dtype, count=int(np.prod(shape))).reshape(shape)  # keeps `m` alive


def make_arrays(model_bytes, kind, page_aligned=True):
    """The workload. page_aligned=False: numpy's own allocation, as a Python user has it."""
    empty = page_aligned_empty if page_aligned else np.empty
    n_sv = support_vectors_for(model_bytes)
    sv = empty((n_sv, FEATURES), np.float64)
    _fill(sv, 1, kind)
    dual = empty((1, n_sv), np.float64)
    _fill(dual, 2, kind)
    support = empty(n_sv, np.int32)
    key = _key(3)
    for start in range(0, n_sv, BLOCK):
        stop = min(n_sv, start + BLOCK)
        idx = np.arange(start, stop, dtype=np.uint64)
        support[start:stop] = (2 * idx + (_mix(key, idx) & np.uint64(1))).astype(np.int32)
    return {
        "support_vectors": sv,
        "dual_coef": dual,
        "intercept": np.array([0.25]),
        "n_support": np.array([n_sv // 2, n_sv - n_sv // 2], dtype=np.int32),
        "support": support,
    }


def first_prediction(arrays):
    """Dense RBF decision value of one sample against every support vector."""
    sv = arrays["support_vectors"]
    x = 0.001 * (np.arange(sv.shape[1]) % 7)
    d2 = np.einsum("ij,ij->i", sv, sv) - 2.0 * (sv @ x) + x @ x
    return float(arrays["dual_coef"][0] @ np.exp(-d2 / sv.shape[1]) + arrays["intercept"][0])


# ---- measurement helpers ---------------------------------------------------------------

class Measured:
    """Seconds of one call, RSS before it and peak RSS during it."""

    def __init__(self, touch, fn):
        pretouch(touch)
        self.rss_before = rss()
        if not reset_peak():  # after the pre-touch, which would otherwise be the peak
            raise OSError("/proc/self/clear_refs is not writable: the peak RSS would include earlier peaks")
        t0 = time.perf_counter()
        self.result = fn()
        self.seconds = time.perf_counter() - t0
        self.peak = peak_rss()


def timed(touch, fn):
    m = Measured(touch, fn)
    return m.seconds, m.result


# ---- the peers ------------------------------------------------------------------------------

def _npy_dump(arrays, path):
    os.makedirs(path)
    for name, a in arrays.items():
        np.save(os.path.join(path, name + ".npy"), a)


def _npy_load(path, mmap_mode=None):
    return {f[:-4]: np.load(os.path.join(path, f), mmap_mode=mmap_mode) for f in sorted(os.listdir(path))}


def _pickle_dump(arrays, path):
    with open(path, "wb") as f:
        pickle.dump(arrays, f, protocol=5)


def _pickle_load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def _joblib(compress):
    import joblib

    return (lambda arrays, path: joblib.dump(arrays, path, compress=compress),
            lambda path: joblib.load(path),
            (lambda path: joblib.load(path, mmap_mode="r")) if compress == 0 else None)


def _h5_dump(arrays, path, **kw):
    import h5py

    with h5py.File(path, "w") as f:
        for name, a in arrays.items():
            f.create_dataset(name, data=a, **(kw if a.size > 1024 else {}))


def _h5_load_direct(path):
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        for name, ds in f.items():
            a = np.empty(ds.shape, dtype=ds.dtype)
            if a.size:
                ds.read_direct(a)
            out[name] = a
    return out


def _h5_load(path):
    import h5py

    with h5py.File(path, "r") as f:
        return {name: ds[()] for name, ds in f.items()}


def _zarr_dump(arrays, path):
    import zarr
    from numcodecs import Blosc

    g = zarr.open_group(path, mode="w")
    for name, a in arrays.items():
        g.array(name, a, compressor=Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE))


def _zarr_load(path):
    import zarr

    g = zarr.open_group(path, mode="r")
    return {name: g[name][...] for name in g.array_keys()}


# id -> (method, family, in_memory, dump(arrays, path), load(path), mmap_load(path) or None)
PEERS = {
    "numpy": ("numpy save/load per array", "none", False, _npy_dump, _npy_load,
              lambda p: _npy_load(p, mmap_mode="r")),
    "pickle_memory": ("pickle p5 in memory", "none", True, None, None, None),
    "pickle_file": ("pickle p5 file", "none", False, _pickle_dump, _pickle_load, None),
    "joblib0": ("joblib compress=0",) + ("none", False) + _joblib(0),
    "joblib3": ("joblib compress=3 (zlib)",) + ("zlib", False) + _joblib(3),
    "joblib_lz4": ("joblib lz4",) + ("lz4", False) + _joblib("lz4"),
    "h5py": ("h5py contiguous (read_direct)", "none", False, _h5_dump, _h5_load_direct, None),
    "h5py_gzip": ("h5py gzip:4", "zlib", False, lambda a, p: _h5_dump(a, p, compression="gzip"), _h5_load, None),
    "zarr_blosc": ("zarr blosc-lz4:5+shuffle", "lz4", False, _zarr_dump, _zarr_load, None),
}


def run_peer(spec):
    base = rss()
    arrays = make_arrays(spec["size"], spec["data"])
    payload = sum(a.nbytes for a in arrays.values())
    expected = first_prediction(arrays)
    method, family, in_memory, dump, load, mmap_load = PEERS[spec["peer"]]
    path = os.path.join(spec["dir"], "model")
    r = {"model_bytes": payload, "fsync": False, "decision": expected}
    if in_memory:
        d = Measured(2 * payload, lambda: pickle.dumps(arrays, protocol=5))
        blob = d.result
        r["bytes_on_disk"] = len(blob)
    else:
        d = Measured(2 * payload, lambda: dump(arrays, path))
        r["bytes_on_disk"] = bytes_on_disk(path)
    r["dump_s"], r["dump_peak_rss"] = d.seconds, d.peak - base
    del arrays, d
    if in_memory:
        m = Measured(2 * payload, lambda: pickle.loads(blob))
    else:
        m = Measured(2 * payload, lambda: load(path))
    r["load_s"], loaded, r["load_peak_rss"] = m.seconds, m.result, max(0, m.peak - m.rss_before)
    del m
    r["prediction_matches"] = abs(first_prediction(loaded) - expected) <= 1e-9 * max(1.0, abs(expected))
    del loaded
    if mmap_load:
        r["mmap_load_s"], mapped = timed(2 * payload, lambda: mmap_load(path))
        r["mapped"] = True
        t0 = time.perf_counter()
        got = first_prediction(mapped)
        r["first_predict_s"] = time.perf_counter() - t0
        r["prediction_matches"] = r["prediction_matches"] and abs(got - expected) <= 1e-9 * max(1.0, abs(expected))
    return r


def run_limits(spec):
    """memcpy, write(), write()+fsync and page-aligned read() of the same bytes."""
    arrays = make_arrays(spec["size"], spec["data"])
    payload = sum(a.nbytes for a in arrays.values())
    r = {"model_bytes": payload}
    best = float("inf")
    for _ in range(3):  # the floor: best of three passes over resident data
        t0 = time.perf_counter()
        first_prediction(arrays)
        best = min(best, time.perf_counter() - t0)
    r["predict_heap_s"] = best
    def copy_all():  # into fresh page-aligned buffers, as the C++ limit does
        out = []
        for a in arrays.values():
            out.append(page_aligned_empty(a.shape, a.dtype))
            np.copyto(out[-1], a)
        return out

    r["memcpy_s"], copies = timed(2 * payload, copy_all)
    del copies
    path = os.path.join(spec["dir"], "limits.raw")
    offsets = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    pretouch(2 * payload)
    t0 = time.perf_counter()
    offset = 0
    for a in arrays.values():
        offsets.append(offset)
        view = memoryview(a).cast("B")
        done = 0
        while done < len(view):
            done += os.pwrite(fd, view[done:done + (1 << 30)], offset + done)
        offset = (offset + a.nbytes + PAGE - 1) // PAGE * PAGE
    t1 = time.perf_counter()
    os.fsync(fd)
    t2 = time.perf_counter()
    os.close(fd)
    r["write_s"], r["write_fsync_s"] = t1 - t0, t2 - t0
    fd = os.open(path, os.O_RDONLY)

    def read_all():
        bufs = []
        for a, off in zip(arrays.values(), offsets):
            # Private and page-aligned, as the C++ limit's allocate_buffer (not MAP_SHARED shmem).
            m = mmap.mmap(-1, max(a.nbytes, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            if hasattr(mmap, "MADV_HUGEPAGE"):
                m.madvise(mmap.MADV_HUGEPAGE)
            done = 0
            while done < a.nbytes:
                done += os.preadv(fd, [memoryview(m)[done:min(a.nbytes, done + (1 << 30))]], off + done)
            bufs.append(m)
        return bufs

    r["read_s"], bufs = timed(2 * payload, read_all)
    for m in bufs:
        m.close()
    os.close(fd)
    r["bytes_on_disk"] = os.path.getsize(path)
    return r


def child(spec_text):
    spec = json.loads(spec_text)
    os.makedirs(spec["dir"], exist_ok=True)
    try:
        r = run_limits(spec) if spec["mode"] == "limits" else run_peer(spec)
    finally:
        shutil.rmtree(spec["dir"], ignore_errors=True)
    print(json.dumps(r), flush=True)


# ---- the parent: plan, run, aggregate, print ----------------------------------------------------

def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1)
    digits = text[:-1] if mult > 1 else text
    if not digits.isdigit() or int(digits) == 0:
        raise SystemExit(f"peers.py: expected a size like 16M, 1G or 65536, found {text!r}")
    return int(digits) * mult


def run_child(spec):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def aggregate(runs):
    out = {}
    for key in sorted({k for r in runs for k in r}):
        vals = [r[key] for r in runs if key in r]
        if all(isinstance(v, bool) for v in vals):
            out[key] = all(vals)
        else:
            vals = sorted(float(v) for v in vals)
            out[key] = {"median": statistics.median(vals), "min": vals[0], "max": vals[-1], "n": len(vals)}
    return out


def _med(m, key):
    v = m.get(key)
    return v["median"] if isinstance(v, dict) else float("nan")


def limit_ratios(row, limits):
    m, out = row["metrics"], {}
    mem = row.get("in_memory", False)
    for name, metric, limit in (("dump", "dump_s", "memcpy_s" if mem else "write_s"),
                                ("load", "load_s", "memcpy_s" if mem else "read_s"),
                                ("first_predict", "first_predict_s", "predict_heap_s")):
        t, lim = _med(m, metric), _med(limits, limit)
        if t == t and lim == lim and t > 0:
            out[name] = lim / t
    return out


def print_table(size, limits, rows):
    nbytes = limits["model_bytes"]["median"]

    def gb(t):
        return "-" if t != t else f"{nbytes / t / 1e9:.2f}"

    print(f"\n== model {size} ({nbytes / 1048576:.1f} MiB payload; GB/s = 1e9 bytes of payload per second; "
          f"median of runs, [min-max]) ==")
    print(f"limits: memcpy {gb(_med(limits, 'memcpy_s'))} GB/s | write() {gb(_med(limits, 'write_s'))} | "
          f"write()+fsync {gb(_med(limits, 'write_fsync_s'))} | page-aligned read() {gb(_med(limits, 'read_s'))} | "
          f"predict on heap {1e3 * _med(limits, 'predict_heap_s'):.1f} ms")
    print(f"{'method':<50}{'dump GB/s [range] xlim':>28}{'no-fsync xlim':>16}{'load GB/s [range] xlim':>28}"
          f"{'mmap ms':>11}{'1st pred ms':>12}{'disk MiB':>10}{'ratio':>7}{'dump+MiB':>9}{'load xmodel':>12}")
    for r in rows:
        m, q = r["metrics"], r["ratios"]

        def rng(key, ratio):
            if key not in m:
                return "-"
            s = f"{gb(m[key]['median'])} [{gb(m[key]['max'])}-{gb(m[key]['min'])}]"
            return s + (f" x{q[ratio]:.2f}" if ratio in q else "")

        pred = "-" if "first_predict_s" not in m else f"{1e3 * _med(m, 'first_predict_s'):.1f}" + (
            f" x{q['first_predict']:.2f}" if "first_predict" in q else "")
        mm = "-" if "mmap_load_s" not in m else f"{1e3 * _med(m, 'mmap_load_s'):.3f}"
        disk = _med(m, "bytes_on_disk")
        print(f"{r['method']:<50}{rng('dump_s', 'dump'):>28}{'-':>16}{rng('load_s', 'load'):>28}{mm:>11}{pred:>12}"
              f"{disk / 1048576:>10.1f}{nbytes / disk:>7.2f}{(_med(m, 'dump_peak_rss') - nbytes) / 1048576:>9.1f}"
              f"{_med(m, 'load_peak_rss') / nbytes:>12.3f}")


def machine():
    info = {"cores": os.cpu_count(), "kernel": "Linux " + platform.release(), "python": platform.python_version()}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        info["memory_kib"] = int(f.readline().split()[1])
    import h5py
    import joblib
    import zarr
    info["versions"] = {"numpy": np.__version__, "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
                        "joblib": joblib.__version__, "zarr": zarr.__version__}
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="16M,256M,1G")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated: " + ",".join(PEERS))
    ap.add_argument("--data", default="realistic", choices=["realistic", "random"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes 1M,16M and 2 runs per peer")
    ap.add_argument("--json", help="write the results as JSON (fitstore bench --peers-json reads it)")
    ap.add_argument("--dir", default="/tmp", help="folder for the files being written")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child)
    if args.quick:
        if "--sizes" not in sys.argv:
            args.sizes = "1M,16M"
        if "--repeats" not in sys.argv:
            args.repeats = 2
    peers = args.peers.split(",")
    for p in peers:
        if p not in PEERS:
            raise SystemExit(f"peers.py: unknown peer {p!r}; expected some of {','.join(PEERS)}")
    work = os.path.join(args.dir, f"fitstore-peers-{os.getpid()}", "case")
    report = {"tool": "peers.py", "data": args.data, "repeats": args.repeats, "machine": machine(),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "features": FEATURES,
              "notes": ["Each repetition of each peer runs in a fresh python process; loads are warm-cache; "
                        "2x the payload is touched and freed (private mapping) before each timed call; arrays "
                        "in page-aligned huge-page-advised memory as in the C++ children; no peer fsyncs."],
              "limits": {}, "results": []}
    sizes = args.sizes.split(",")
    total, done = len(sizes) * (len(peers) + 1) * args.repeats, 0
    started = time.perf_counter()
    for size in sizes:
        spec = {"size": parse_size(size), "data": args.data, "dir": work}
        runs = []
        for _ in range(args.repeats):
            done += 1
            print(f"[{done}/{total}] {size} limits", file=sys.stderr, flush=True)
            runs.append(run_child(dict(spec, mode="limits")))
        limits = report["limits"][size] = aggregate(runs)
        for p in peers:
            method, family, in_memory = PEERS[p][:3]
            runs = []
            for _ in range(args.repeats):
                done += 1
                print(f"[{done}/{total}] {size} {method}", file=sys.stderr, flush=True)
                runs.append(run_child(dict(spec, mode="peer", peer=p)))
            row = {"source": "peers.py", "size": size, "method": "py " + method, "peer_id": p, "layout": p,
                   "codec": family, "family": family, "threads": "1", "in_memory": in_memory,
                   "metrics": aggregate(runs)}
            row["ratios"] = limit_ratios(row, limits)
            report["results"].append(row)
    shutil.rmtree(os.path.dirname(work), ignore_errors=True)
    report["elapsed_s"] = time.perf_counter() - started
    m = report["machine"]
    print(f"peers.py: {m.get('cpu')}, {m['cores']} cores, {m['memory_kib'] >> 20} GiB, {m['kernel']}; "
          f"data {args.data}, {args.repeats} runs per case; {m['versions']}")
    for size in sizes:
        print_table(size, report["limits"][size], [r for r in report["results"] if r["size"] == size])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
