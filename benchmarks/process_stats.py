"""Timing and memory helpers shared by the Python benchmarks (peers.py,
python_bench.py, sklearn_bench.py, forest_bench.py): RSS and peak RSS from
/proc/self/status, peak reset, the private pre-touch, bytes on disk, and
loading a stored model the way a benchmark method names it."""
import mmap
import os
import pickle

import numpy as np

PAGE = 4096


def pretouch(nbytes):
    """Touch and free nbytes so the host has backed the next allocation's pages.
    Private, as bench_child.cpp's: Python's default mmap.mmap(-1, n) is MAP_SHARED
    (shmem, no huge pages), which made the next allocations slower, not faster."""
    if nbytes <= 0:
        return
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        m.madvise(mmap.MADV_HUGEPAGE)
    buf = np.frombuffer(m, dtype=np.uint8)
    buf[::PAGE] = 1
    del buf
    m.close()


def status(field):
    """A /proc/self/status memory field (VmRSS, VmHWM, ...) in bytes; 0 if absent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss():
    return status("VmRSS")


def peak_rss():
    """VmHWM, not ru_maxrss: ru_maxrss survives execve, so a child would report its parent's peak."""
    return status("VmHWM")


def reset_peak():
    """Resets VmHWM to the current RSS; False where /proc/self/clear_refs is not writable."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def bytes_on_disk(path):
    """Size of a file, or the summed sizes of the files under a folder."""
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return os.path.getsize(path)


def load_by_method(method, path, fitstore_load):
    """Loads `path` as benchmark `method` names it: "fitstore..." through
    fitstore_load(path, mmap_mode=...), "joblib..." through joblib.load, else
    pickle; a method ending in "mmap" maps (mmap_mode="r")."""
    mmap_mode = "r" if method.endswith("mmap") else None
    if method.startswith("fitstore"):
        return fitstore_load(path, mmap_mode=mmap_mode)
    if method.startswith("joblib"):
        import joblib
        return joblib.load(path, mmap_mode=mmap_mode)
    with open(path, "rb") as f:
        return pickle.load(f)
