#!/usr/bin/python3
"""Makes the stores in this folder with the Python package (FORMAT.md section 9,
format 1.0): tests/unit/test_python_value.cpp reads them from C++ without Python
and checks every value against what this script wrote. Never regenerated: a
new mapping version adds a new folder.

    PYTHONPATH=build/python /usr/bin/python3 tests/data/python-1.0/make_python_golden.py tests/data/python-1.0
"""
import os
import sys

import numpy as np

import fitstore


def value():
    return {
        "weights": np.arange(256, dtype=np.float64).reshape(32, 8) / 8,         # a dataset (2 KiB)
        "labels": np.asfortranarray(np.arange(300, dtype=np.int32).reshape(30, 10)),  # written C-ordered
        "params": {"C": 1.5, "kernel": "rbf", "nan": float("nan"), "inf": float("-inf"), "big": 2**62,
                   "neg": -7, "flag": True, "none": None},
        "small": np.array([1, 2, 3], dtype=np.uint16),                          # kept in the manifest
        "mask": np.array([True, False, True]),
        "scalar32": np.float32(0.25),
        "u64": np.uint64(2**64 - 1),
        "i8": np.int8(-128),
        "bytes": b"\x00\x01\xff",
        "text": "caf\u00e9",
        "weird key/": [1, (2, "x"), []],
        "blob": bytes(range(256)) * 8,                                          # bytes as a uint8 dataset
        "long_text": "abc" * 500,                                               # str as a uint8 dataset
    }


def main(folder):
    v = value()
    fitstore.dump(v, os.path.join(folder, "py-directory"), codec="zstd:3", durable=False)
    fitstore.dump(v, os.path.join(folder, "py-blob.fitstore"), durable=False)
    fitstore.dump(v, os.path.join(folder, "py-hdf5.h5"), codec="zlib:1", durable=False)
    fitstore.dump(np.arange(300, dtype=np.int64), os.path.join(folder, "py-root-array.fitstore"), durable=False)


if __name__ == "__main__":
    main(sys.argv[1])
