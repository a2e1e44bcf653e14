#!/usr/bin/python3
"""Writes the format-1.0 golden stores in this folder: one array bundle per
layout x codec, made by the fitstore CLI of a format-1.0 build (`fitstore pack`).

Every array is computed from a formula that tests/unit/test_golden.cpp repeats
exactly (all values are exact in binary), so the test checks the stored bytes
bit for bit forever, whatever later versions of fitstore change. The chunk size
is tiny so every compressed array spans several chunks, including a short edge
chunk.

Never regenerate these files for a newer format: add a folder for the new
version instead (tests/data/format-MAJOR.MINOR) and keep the old ones loading.

Run: /usr/bin/python3 tests/data/format-1.0/make_golden.py build/apps/fitstore
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

LAYOUTS = ["directory", "hdf5", "blob"]
# (name, --codec, --shuffle)
CODECS = [
    ("none", "none", False),
    ("zlib", "zlib:6", False),
    ("zstd", "zstd:3", False),
    ("zstd-shuffle", "zstd:3", True),
    ("lz4", "lz4", False),
    ("blosc-lz4", "blosc-lz4:5", False),
    ("blosc-zstd", "blosc-zstd:5", False),
]
SUFFIX = {"directory": "", "hdf5": ".h5", "blob": ".blob"}


def golden_arrays():
    """The arrays; test_golden.cpp repeats these formulas (keep them in step)."""
    i = np.arange(60)
    return {
        "f64": ((np.arange(40 * 3) * 37 % 101) * 0.125 - 6.0).reshape(40, 3).astype("<f8"),
        "f32": (i[:25] * 0.5 - 6.0).astype("<f4"),
        "i64": (np.arange(30 * 2) ** 2 - 500).reshape(30, 2).astype("<i8"),
        "i32": (i * 1000003 % 65537 - 30000).astype("<i4"),
        "i16": (i * 517 % 2001 - 1000).astype("<i2"),
        "i8": (i % 256 - 128).astype("i1"),
        "u8": (i * 7 % 256).astype("u1"),
        "u16": (i * 1031 % 65536).astype("<u2"),
        "u32": (i * 2654435761 % 4294967296).astype("<u4"),
        "u64": (i.astype(np.uint64) * np.uint64(11400714819323198485)).astype("<u8"),
        "flags": (i % 3 == 0),
        "scalar": np.array(2.5, dtype="<f8"),
        "empty": np.zeros((0, 3), dtype="<f8"),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cli = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for name, a in golden_arrays().items():
            path = os.path.join(tmp, name + ".npy")
            np.save(path, a)
            args += ["--array", f"{name}={path}"]
        for layout in LAYOUTS:
            for name, codec, shuffle in CODECS:
                out = os.path.join(here, f"{layout}-{name}{SUFFIX[layout]}")
                if os.path.isdir(out):
                    shutil.rmtree(out)
                elif os.path.exists(out):
                    os.remove(out)
                cmd = [cli, "pack", out, *args, "--attr", "made_by=make_golden.py",
                       "--layout", layout, "--codec", codec, "--chunk-mb", "0.0002"]
                if shuffle:
                    cmd.append("--shuffle")
                subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
