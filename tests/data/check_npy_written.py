#!/usr/bin/python3
"""Checks .npy files written by fitstore with numpy itself.

Usage: check_npy_written.py DIR. DIR/manifest.txt lists one file a line as
"NAME TYPESTR D0 D1 ..."; each file must load with np.load (no pickle) to
exactly expected_values(TYPESTR, shape), with that dtype, C order, a version
1.0 header and its data starting at a multiple of 64 bytes. Exit 0 if all pass.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_npy_golden import expected_values  # noqa: E402


def check(path, typestr, shape):
    a = np.load(path, allow_pickle=False)
    want = expected_values(typestr, shape)
    problems = []
    if a.dtype.str != np.dtype(typestr).str:
        problems.append("dtype %s, expected %s" % (a.dtype.str, typestr))
    if a.shape != shape:
        problems.append("shape %s, expected %s" % (a.shape, shape))
    elif not np.array_equal(a, want):
        problems.append("values differ: %r vs %r" % (a.ravel()[:8], want.ravel()[:8]))
    if not a.flags.c_contiguous:
        problems.append("not C order")
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version != (1, 0):
            problems.append("version %s, expected (1, 0)" % (version,))
        else:
            np.lib.format.read_array_header_1_0(f)
            if f.tell() % 64:
                problems.append("data starts at %d, not a multiple of 64" % f.tell())
    return problems


def main(folder):
    failures = 0
    count = 0
    with open(os.path.join(folder, "manifest.txt")) as manifest:
        for line in manifest:
            parts = line.split()
            if not parts:
                continue
            name, typestr, dims = parts[0], parts[1], tuple(int(d) for d in parts[2:])
            count += 1
            for problem in check(os.path.join(folder, name), typestr, dims):
                print("%s: %s" % (name, problem))
                failures += 1
    print("checked %d files, %d problems" % (count, failures))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
