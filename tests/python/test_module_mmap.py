#!/usr/bin/python3
"""Memory-mapped loads from Python: zero copy (the array's memory is the file's
mapping), lifetime through numpy's `base`, r/c/r+ semantics, the warning for
arrays that cannot be mapped, and the GIL released while the engine works."""
import gc
import json
import os
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import fitstore

LAYOUT_NAMES = {"directory": "m", "hdf5": "m.h5", "blob": "m.fitstore"}


def mapping_of(address):
    """(path, start, end) of the /proc/self/maps entry holding `address`, or None."""
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if start <= address < end:
                return (fields[5] if len(fields) > 5 else "", start, end)
    return None


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def data_file(path, layout, key, ndim=2):
    """The file that holds array `key`'s bytes, and their offset in it."""
    if layout == "directory":
        return os.path.join(path, key, ".".join(["0"] * ndim)), 0
    if layout == "blob":
        return path, fitstore.inspect(path)["arrays"][key]["chunks"][0]["offset"]
    import h5py
    with h5py.File(path, "r") as f:
        return path, f[key].id.get_offset()


@pytest.fixture
def weights():
    return np.random.default_rng(1).standard_normal((512, 64)).round(3)  # 256 KiB


@pytest.mark.parametrize("layout", ["directory", "hdf5", "blob"])
def test_mapped_arrays_are_the_file_mapping_and_outlive_the_loader(tmp_path, weights, layout):
    path = str(tmp_path / LAYOUT_NAMES[layout])
    fitstore.dump({"w": weights, "meta": {"C": 1.0}}, path, durable=False)
    value, report = fitstore.load(path, mmap_mode="r", return_report=True)
    assert [r["mapped"] for r in report] == [True]
    w = value["w"]
    file, offset = data_file(path, layout, "w")
    mapped = mapping_of(w.ctypes.data)
    assert mapped is not None and os.path.realpath(mapped[0]) == os.path.realpath(file), mapped
    assert not w.flags.owndata and not w.flags.writeable
    # The base chain ends in the capsule that owns the mapping.
    base = w
    while isinstance(base, np.ndarray):
        base = base.base
    assert type(base).__name__ == "PyCapsule"
    # Same bytes as an independent mapping of the file.
    assert np.array_equal(w, np.memmap(file, dtype="<f8", mode="r", offset=offset, shape=weights.shape))

    # The dict, the loader's report and the store's files go away: the array stays valid.
    address = w.ctypes.data
    del value, report, base
    gc.collect()
    if layout == "directory":
        import shutil
        shutil.rmtree(path)
    else:
        os.unlink(path)
    assert np.array_equal(w, weights)
    assert mapping_of(address) is not None
    # ... and the mapping is released with the last array.
    del w
    gc.collect()
    assert mapping_of(address) is None or mapping_of(address)[0] != mapped[0]


def test_a_256_mib_mapped_load_does_not_copy(tmp_path):
    big = np.ones((32768, 1024), dtype=np.float64)  # 256 MiB
    path = str(tmp_path / "big")
    fitstore.dump({"big": big}, path, durable=False)
    del big
    gc.collect()
    before = rss_bytes()
    value = fitstore.load(path, mmap_mode="r")
    grown = rss_bytes() - before
    assert grown < 32 << 20, f"RSS grew by {grown >> 20} MiB for a mapped 256 MiB load"
    assert value["big"].shape == (32768, 1024) and value["big"][-1, -1] == 1.0


@pytest.mark.parametrize("layout", ["directory", "hdf5", "blob"])
def test_r_plus_writes_reach_the_file_and_c_writes_do_not(tmp_path, weights, layout):
    path = str(tmp_path / LAYOUT_NAMES[layout])
    fitstore.dump({"w": weights}, path, durable=False)
    file, offset = data_file(path, layout, "w")

    c = fitstore.load(path, mmap_mode="c")["w"]
    assert c.flags.writeable
    c[0, 0] = 1234.5
    del c
    assert np.memmap(file, dtype="<f8", mode="r", offset=offset, shape=weights.shape)[0, 0] == weights[0, 0]

    rp = fitstore.load(path, mmap_mode="r+")["w"]
    rp[0, 0] = 1234.5
    del rp
    gc.collect()
    assert np.memmap(file, dtype="<f8", mode="r", offset=offset, shape=weights.shape)[0, 0] == 1234.5
    assert fitstore.load(path, mmap_mode="r")["w"][0, 0] == 1234.5
    # The chunk's checksum still describes the old bytes: a copying load refuses them.
    with pytest.raises(fitstore.ChecksumError, match="w"):
        fitstore.load(path)


def test_read_only_mapping_refuses_writes(tmp_path, weights):
    path = str(tmp_path / "m")
    fitstore.dump({"w": weights, "small": np.arange(3)}, path, durable=False)
    value = fitstore.load(path, mmap_mode="r")
    with pytest.raises(ValueError, match="read-only"):
        value["w"][0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        value["small"][0] = 1  # kept in the manifest, but read-only like the rest


def test_compressed_arrays_are_decompressed_with_a_warning_and_a_report(tmp_path, weights):
    path = str(tmp_path / "z")
    fitstore.dump({"w": weights, "flags": weights > 0}, path, codec="zstd:1", durable=False)
    with pytest.warns(fitstore.MmapWarning, match=r"2 of 2 arrays were read into memory.*w: .*compress"):
        value, report = fitstore.load(path, mmap_mode="r", return_report=True)
    assert np.array_equal(value["w"], weights)
    assert {r["key"]: r["mapped"] for r in report} == {"w": False, "flags": False}
    assert all(r["reason"] for r in report)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitstore.load(path)  # no mapping asked: no warning


def test_the_gil_is_released_while_the_engine_works(tmp_path):
    """A second Python thread keeps running during a dump, a compressed load and a dumps()."""
    big = np.random.default_rng(2).standard_normal(16 << 20).round(3)  # 128 MiB
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.monotonic())
            for _ in range(2000):
                pass

    def ticks_inside(t0, t1):
        # Only the middle half of the call: the Python wrapper runs before and after.
        a, b = t0 + (t1 - t0) / 4, t1 - (t1 - t0) / 4
        return sum(1 for t in list(ticks) if a < t < b)

    sys.setswitchinterval(0.001)
    thread = threading.Thread(target=spin)
    thread.start()
    try:
        path = str(tmp_path / "gil")
        for name, call in [
            ("dump", lambda: fitstore.dump({"big": big}, path, codec="zstd:1", durable=False)),
            ("load", lambda: fitstore.load(path)),
            ("dumps", lambda: fitstore.dumps({"big": big}, codec="lz4")),
        ]:
            t0 = time.monotonic()
            call()
            t1 = time.monotonic()
            assert ticks_inside(t0, t1) >= 3, f"{name}: the other thread did not run during the call"
    finally:
        stop.set()
        thread.join()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
