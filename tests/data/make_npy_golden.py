#!/usr/bin/python3
"""Writes the numpy-made .npy golden files under tests/data/npy/.

Run with Debian's numpy:  /usr/bin/python3 tests/data/make_npy_golden.py
Every numeric file holds expected_values(typestr, shape) (see below), which
tests/unit/test_npy.cpp mirrors in C++, so a reader bug shows as a value
mismatch rather than a crash. check_npy_written.py reuses expected_values to
check the files fitstore writes.
"""
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")

# Every dtype fitstore stores, as numpy's little-endian typestr.
TYPESTRS = ["|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f4", "<f8"]


def expected_values(typestr, shape):
    """Element i (flat, C order) is: bool i%3==0, signed i-3, unsigned i, float i*0.5-2."""
    dt = np.dtype(typestr)
    i = np.arange(int(np.prod(shape, dtype=np.int64)))
    if dt.kind == "b":
        v = i % 3 == 0
    elif dt.kind == "i":
        v = i - 3
    elif dt.kind == "u":
        v = i
    else:
        v = i.astype(dt) * dt.type(0.5) - dt.type(2)
    return v.astype(dt).reshape(shape)


def save(name, array, version=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=True)
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    for t in TYPESTRS:
        tag = np.dtype(t).name
        save("le_%s.npy" % tag, expected_values(t, (2, 3)))
        if np.dtype(t).itemsize > 1:
            save("be_%s.npy" % tag, expected_values(t, (3, 4)).astype(np.dtype(t).newbyteorder(">")))
    save("fortran_f8_3d.npy", np.asfortranarray(expected_values("<f8", (2, 3, 4))))
    save("fortran_i2_2d.npy", np.asfortranarray(expected_values("<i2", (3, 5))))
    save("fortran_be_f4_3d.npy", np.asfortranarray(expected_values(">f4", (4, 2, 3))))
    save("v2_i8.npy", expected_values("<i8", (5, 2)), version=(2, 0))
    save("v3_f4.npy", expected_values("<f4", (7,)), version=(3, 0))
    save("scalar_f8.npy", expected_values("<f8", ()))
    save("empty_0x3_f4.npy", expected_values("<f4", (0, 3)))
    save("bool_3d.npy", expected_values("|b1", (2, 2, 5)))
    long_shape = (2,) + (1,) * 22 + (3,)
    path = save("long_shape_f8.npy", expected_values("<f8", long_shape))
    with open(path, "rb") as f:
        head = f.read(10)
    # The point of this file: a u16 header length whose low byte is >= 128.
    assert head[8] >= 128, head
    # Dtypes fitstore refuses; the reader must say so, naming 'descr'.
    save("object.npy", np.array([1, "a", None], dtype=object))
    save("unicode.npy", np.array(["ab", "c"]))
    save("complex.npy", np.array([1 + 2j, 3j]))
    save("structured.npy", np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %d bytes, with numpy %s" % (len(os.listdir(OUT)), total, np.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
