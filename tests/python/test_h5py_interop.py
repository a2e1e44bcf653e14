#!/usr/bin/python3
"""h5py (Debian python3-h5py, no fitstore code) reads every array of fitstore
.h5 files written with each codec, equal to the numpy values they were packed
from; uncompressed datasets start on a 4096-byte boundary (get_offset); zstd
decodes through fitstore's own filter plugin (and fails without it, so the
plugin is really what decodes it).

Env: FITSTORE_CLI (the fitstore binary), FITSTORE_HDF5_PLUGIN_DIR (folder of
libfitstore_h5z_zstd.so). HDF5_PLUGIN_PATH replaces HDF5's default plugin
folder, so Debian's (lz4, blosc) is listed after ours.
"""
import json
import os
import subprocess
import sys
import tempfile

DEBIAN_PLUGINS = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins"
PLUGIN_DIR = os.environ.get("FITSTORE_HDF5_PLUGIN_DIR", "")
# HDF5 reads the variable when the library starts: set it before importing h5py.
os.environ["HDF5_PLUGIN_PATH"] = PLUGIN_DIR + ":" + DEBIAN_PLUGINS
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

CLI = os.environ["FITSTORE_CLI"]
CODECS = [
    ("none", []),
    ("zlib:6", []),
    ("zlib:1", ["--shuffle"]),
    ("lz4", []),
    ("lz4", ["--shuffle"]),
    ("blosc-lz4:5", ["--shuffle"]),
    ("blosc-zstd:3", []),
    ("zstd:3", []),
    ("zstd:1", ["--shuffle"]),
]
FAILURES = []
PASSED = 0


def check(condition, what):
    global PASSED
    if condition:
        PASSED += 1
    else:
        FAILURES.append(what)
        print("FAIL:", what)


def make_arrays():
    rng = np.random.default_rng(42)
    return {
        "weights": rng.normal(size=(3001, 7)),
        "scores": rng.normal(size=(500,)).astype(np.float32).round(2),
        "labels": rng.integers(-1000, 1000, size=(2000,), dtype=np.int64),
        "counts": rng.integers(0, 60000, size=(40, 3), dtype=np.uint16),
        "codes": rng.integers(-128, 127, size=(333,), dtype=np.int8),
        "mask": rng.random(size=(257,)) < 0.3,
        "bias": np.array(1.5),
        "nothing": np.zeros((0, 4), dtype=np.float64),
    }


def pack(folder, out, codec, extra, arrays):
    cmd = [CLI, "pack", out, "--layout", "hdf5", "--codec", codec, "--chunk-mb", "0.01", *extra, "--no-fsync"]
    for name in arrays:
        path = os.path.join(folder, name + ".npy")
        np.save(path, arrays[name])
        cmd += ["--array", name + "=" + path]
    subprocess.run(cmd, check=True)


def check_file(path, label, arrays):
    with h5py.File(path, "r") as f:
        check(f.attrs["fitstore_format"].startswith("fitstore "), label + ": fitstore_format attribute")
        manifest = json.loads(f.attrs["fitstore_manifest"])
        check(manifest["layout"] == "hdf5", label + ": manifest layout is hdf5")
        for name, expected in arrays.items():
            what = "%s: /%s" % (label, name)
            d = f[name]
            got = d[()]
            check(d.dtype == expected.dtype, "%s dtype %s == %s" % (what, d.dtype, expected.dtype))
            check(d.shape == expected.shape, "%s shape %s == %s" % (what, d.shape, expected.shape))
            check(np.array_equal(got, expected), what + " values equal")
            check("codec" in d.attrs and "dtype" in d.attrs and "role" in d.attrs, what + " has dtype/codec/role")
            offset = d.id.get_offset()
            if label.startswith("none") and expected.size > 0:
                check(d.chunks is None, what + " is contiguous")
                check(offset is not None and offset % 4096 == 0, "%s offset %s is 4096-aligned" % (what, offset))
            elif expected.ndim > 0 and expected.size > 0 and not label.startswith("none"):
                check(d.chunks is not None and len(d._filters) > 0,
                      what + " is chunked with filters " + str(d._filters))


def zstd_needs_our_plugin(path):
    """Without fitstore's plugin folder h5py cannot decode zstd: our plugin does the work."""
    code = "import h5py; h5py.File(%r, 'r')['weights'][()]" % path
    env = dict(os.environ, HDF5_PLUGIN_PATH=DEBIAN_PLUGINS)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    check(result.returncode != 0 and "not registered" in result.stderr,
          "zstd dataset unreadable without the fitstore plugin (got %d: %s)" % (result.returncode,
                                                                                 result.stderr.strip()[-200:]))


def convert_is_bit_exact(folder, source, arrays):
    """fitstore convert through every ordered pair of layouts keeps every array bit-exact."""
    chain = [("directory", "lz4"), ("hdf5", "zlib:3"), ("blob", "none"), ("hdf5", "none"),
             ("directory", "none"), ("blob", "zstd:5"), ("directory", "blosc-zstd:3"), ("hdf5", "zstd:3")]
    suffix = {"directory": "", "hdf5": ".h5", "blob": ".blob"}
    src = source
    for i, (layout, codec) in enumerate(chain):
        dst = os.path.join(folder, "conv%d%s" % (i, suffix[layout]))
        subprocess.run([CLI, "convert", src, dst, "--layout", layout, "--codec", codec, "--no-fsync"], check=True)
        out = os.path.join(folder, "conv%d-npy" % i)
        subprocess.run([CLI, "unpack", dst, out], check=True)
        for name, expected in arrays.items():
            got = np.load(os.path.join(out, name + ".npy"))
            check(got.dtype == expected.dtype and got.shape == expected.shape and got.tobytes() == expected.tobytes(),
                  "convert to %s/%s: %s bit-exact" % (layout, codec, name))
        if layout == "hdf5":
            check_file(dst, codec + " (converted)", arrays)
        src = dst


def main():
    check(os.path.exists(os.path.join(PLUGIN_DIR, "libfitstore_h5z_zstd.so")),
          "zstd plugin built in FITSTORE_HDF5_PLUGIN_DIR=" + PLUGIN_DIR)
    arrays = make_arrays()
    with tempfile.TemporaryDirectory() as folder:
        for codec, extra in CODECS:
            label = codec + "".join(extra)
            out = os.path.join(folder, label.replace(":", "_").replace("--", "+") + ".h5")
            pack(folder, out, codec, extra, arrays)
            check_file(out, label, arrays)
            if codec.startswith("zstd") and not extra:
                zstd_needs_our_plugin(out)
        convert_is_bit_exact(folder, os.path.join(folder, "blosc-lz4_5+shuffle.h5"), arrays)
    print("%d passed, %d failed" % (PASSED, len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
