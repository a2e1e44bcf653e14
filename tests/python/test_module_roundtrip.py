#!/usr/bin/python3
"""The Python package round-trips a value matrix bit-exactly through every
layout x codec x mmap mode (and dumps/loads), as FORMAT.md section 9 maps it.

Run by CTest with PYTHONPATH=<build>/python (tests/CMakeLists.txt), or by hand:
PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python/test_module_roundtrip.py
"""
import math
import struct
import sys

import numpy as np
import pytest

import fitstore

LAYOUTS = ["directory", "hdf5", "blob"]
CODECS = [("none", False), ("zlib:1", False), ("zstd:1", True), ("lz4", False), ("blosc-lz4:5", True),
          ("blosc-zstd:1", False)]
MMAP_MODES = [None, "r", "c", "r+"]
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]


def sample(dtype, shape, rng):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        a = rng.integers(0, 2, n).astype(bool)
    elif dt.kind == "f":
        a = rng.standard_normal(n).astype(dt)
        special = np.array([np.nan, np.inf, -np.inf, -0.0], dtype=dt)
        a[: min(n, 4)] = special[: min(n, 4)]
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    return a.reshape(shape)


def array_zoo(rng):
    """Every dtype in 0-d, empty, 1-d, Fortran-ordered, strided and big-endian form."""
    zoo = {}
    for name in DTYPES:
        zoo[f"{name}_0d"] = sample(name, (), rng)
        zoo[f"{name}_empty"] = sample(name, (0, 3), rng)
        zoo[f"{name}_1d"] = sample(name, (7,), rng)
        zoo[f"{name}_fortran"] = np.asfortranarray(sample(name, (5, 4), rng))
        zoo[f"{name}_strided"] = sample(name, (6, 9), rng)[::2, ::3]
        if np.dtype(name).itemsize > 1:
            zoo[f"{name}_big_endian"] = sample(name, (3, 2), rng).astype(np.dtype(name).newbyteorder(">"))
    # Several chunks along axis 0 (chunk_mb below is 1/16 MiB).
    zoo["chunked"] = rng.standard_normal((300, 64)).round(3)
    return zoo


def value_matrix(rng):
    return {
        "arrays": array_zoo(rng),
        "scalars": [None, True, False, 0, -1, 2**63 - 1, -(2**63), 1.5, -0.0, float("nan"), float("inf"),
                    float("-inf"), "", "text \u00e9\u4e2d\U0001f600", b"", b"\x00\xffbytes"],
        "numpy_scalars": tuple(sample(d, (), rng)[()] for d in DTYPES),
        "keys": {"": 1, "a/b": 2, "..": 3, ".hidden": 4, "_py0": 5, "_py_keys": 6, "x" * 300: 7, "\u00e9": 8,
                 "ok_name-1.2": 9},
        "nested": {"list": [[], (), {}, [1, [2, (3, {"deep": np.arange(3)})]]], "tuple": (1, "two", None)},
        "large_bytes": bytes(range(256)) * 64,
        "large_str": "fitstore \u00e9" * 2000,
    }


def canonical(v):
    """What a load returns for `v`: arrays C-contiguous little-endian."""
    if isinstance(v, np.ndarray):
        a = v.astype(v.dtype.newbyteorder("<")) if v.dtype.byteorder == ">" else v
        return np.ascontiguousarray(a) if a.ndim else a.copy()
    if type(v) is dict:
        return {k: canonical(x) for k, x in v.items()}
    if type(v) in (list, tuple):
        return type(v)(canonical(x) for x in v)
    return v


def assert_same(got, want, where="value"):
    assert type(got) is type(want), f"{where}: type {type(got)} != {type(want)}"
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
        assert got.tobytes() == want.tobytes(), f"{where}: bytes differ"
    elif isinstance(want, np.generic):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), f"{where}: {got!r} != {want!r}"
    elif type(want) is float:
        assert struct.pack("<d", got) == struct.pack("<d", want) or (math.isnan(got) and math.isnan(want)), where
    elif type(want) is dict:
        assert list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif type(want) in (list, tuple):
        assert len(got) == len(want), f"{where}: length"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.fixture(scope="module")
def matrix():
    value = value_matrix(np.random.default_rng(14))
    return value, canonical(value)


def all_mappable(path):
    """True when every non-empty array of the store can be mapped in place (what r+ needs)."""
    arrays = fitstore.inspect(path)["arrays"].values()
    return all(a["raw_bytes"] == 0 or (a["codec"]["id"] == "none" and a["dtype"] != "bool" and len(a["chunks"]) == 1)
               for a in arrays)


def store_path(tmp_path, layout):
    return str(tmp_path / {"directory": "m", "hdf5": "m.h5", "blob": "m.fitstore"}[layout])


# Compressed arrays under mmap warn (checked in test_module_mmap.py).
@pytest.mark.filterwarnings("ignore::fitstore.MmapWarning")
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("codec,shuffle", CODECS)
def test_round_trip_every_layout_codec_and_mmap_mode(tmp_path, matrix, layout, codec, shuffle):
    value, want = matrix
    for min_array_bytes in (0, fitstore.MIN_ARRAY_BYTES):  # every array a dataset / small ones inline
        path = store_path(tmp_path, layout)
        files = fitstore.dump(value, path, codec=codec, shuffle=shuffle, chunk_mb=1 / 16, durable=False,
                              min_array_bytes=min_array_bytes)
        assert files and all(f.startswith(path) for f in files)
        assert fitstore.inspect(path)["layout"] == layout  # picked from the name
        for mmap_mode in MMAP_MODES:
            if mmap_mode == "r+" and not all_mappable(path):
                # Writes to a compressed (or bool) array could never reach the file: refused, not copied.
                with pytest.raises(fitstore.UsageError, match=r"cannot be memory-mapped r\+"):
                    fitstore.load(path, mmap_mode=mmap_mode)
                continue
            got = fitstore.load(path, mmap_mode=mmap_mode, verify=(mmap_mode == "c"))
            assert_same(got, want)
        assert fitstore.verify(path)


@pytest.mark.parametrize("codec,shuffle", CODECS)
def test_dumps_loads_round_trip_from_bytes_bytearray_and_memoryview(matrix, codec, shuffle):
    value, want = matrix
    data = fitstore.dumps(value, codec=codec, shuffle=shuffle, chunk_mb=1 / 16)
    assert type(data) is bytes and data[:8] == b"FITSBLOB"
    for buffer in (data, bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
        assert_same(fitstore.loads(buffer), want)


def test_root_may_be_any_value(tmp_path):
    for i, value in enumerate([np.arange(5000.0), 3, "x", [1, 2], (np.float32(2.5),), None]):
        got = fitstore.loads(fitstore.dumps(value))
        assert_same(got, canonical(value))
        path = str(tmp_path / f"v{i}")
        fitstore.dump(value, path, durable=False)
        assert_same(fitstore.load(path), canonical(value))


def test_joblib_compress_alias_picks_the_codec(tmp_path):
    value = {"w": np.arange(10000.0)}
    for compress, codec in [(0, "none"), (False, "none"), (3, "zlib"), (True, "zlib"), (("zlib", 5), "zlib"),
                            (("gzip", 2), "zlib"), (("lz4", 1), "lz4"), (("zstd", 3), "zstd"), ("zstd", "zstd")]:
        path = str(tmp_path / "c")
        fitstore.dump(value, path, compress=compress, durable=False)
        record = fitstore.inspect(path)["arrays"]["w"]["codec"]
        assert record["id"] == codec, (compress, record)
        if isinstance(compress, tuple) and compress[0] != "lz4":
            assert record["level"] == compress[1]
        assert_same(fitstore.load(path), value)


def test_version_is_the_cpp_library_version(tmp_path):
    path = str(tmp_path / "v")
    fitstore.dump({"a": 1}, path, durable=False)
    software = fitstore.inspect(path)["provenance"]["software"]
    # The C++ library records its own version in every store it writes.
    assert software["fitstore"] == fitstore.__version__
    assert fitstore.__version__.count(".") == 2


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
