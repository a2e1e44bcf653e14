#!/usr/bin/python3
"""An HDF5 store whose file starts with a user block (h5py's userblock_size;
h5jam does the same) is found and read: detection looks for the HDF5
superblock at 0, 512, 1024, ... as HDF5 itself does, so a file whose first
bytes are the user's own text is still an HDF5 store. Its arrays load equal to
what was packed, verify --deep passes (uncompressed datasets are read through
HDF5, not mapped at an offset the user block would shift), and a plain file
with the same leading text is still refused.

Env: FITSTORE_CLI (the fitstore binary), FITSTORE_HDF5_PLUGIN_DIR (zstd plugin).
"""
import os
import subprocess
import sys
import tempfile

DEBIAN_PLUGINS = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins"
os.environ["HDF5_PLUGIN_PATH"] = os.environ.get("FITSTORE_HDF5_PLUGIN_DIR", "") + ":" + DEBIAN_PLUGINS
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

CLI = os.environ["FITSTORE_CLI"]
USER_TEXT = b"my own header, not HDF5 and not FITSBLOB\n"


def run(*args, expect=0):
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"FAIL: fitstore {' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                 f"{p.stdout}{p.stderr}")
    return p


def with_user_block(src, dst):
    """Copies every object and root attribute of `src` into a new file with a 512-byte user block."""
    with h5py.File(src, "r") as s, h5py.File(dst, "w", userblock_size=512) as d:
        for name in s:
            s.copy(s[name], d, name=name)
        for key, value in s.attrs.items():
            d.attrs[key] = value
    with open(dst, "r+b") as f:
        f.write(USER_TEXT)


def main():
    rng = np.random.default_rng(7)
    arrays = {"weights": rng.normal(size=(300, 5)), "labels": rng.integers(0, 9, size=(300,), dtype=np.int32)}
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for codec in ["none", "zstd:3"]:
            plain = os.path.join(tmp, f"plain-{codec}.h5")
            cmd = ["pack", plain, "--layout", "hdf5", "--codec", codec, "--no-fsync"]
            for name, a in arrays.items():
                np.save(os.path.join(tmp, name + ".npy"), a)
                cmd += ["--array", f"{name}={os.path.join(tmp, name + '.npy')}"]
            run(*cmd)
            jammed = os.path.join(tmp, f"jammed-{codec}.h5")
            with_user_block(plain, jammed)
            with open(jammed, "rb") as f:
                assert f.read(len(USER_TEXT)) == USER_TEXT, "the user block holds the user's text"

            out = os.path.join(tmp, f"out-{codec}")
            run("unpack", jammed, out)
            for name, a in arrays.items():
                got = np.load(os.path.join(out, name + ".npy"))
                if got.dtype != a.dtype or not np.array_equal(got, a):
                    sys.exit(f"FAIL: {codec}: {name} from the user-block file differs from what was packed")
                checked += 1
            v = run("verify", "--deep", jammed)
            if "hdf5" not in v.stdout:
                sys.exit(f"FAIL: {codec}: verify does not report the hdf5 layout:\n{v.stdout}")
            checked += 1

        # The control: the same leading text without an HDF5 superblock behind it.
        junk = os.path.join(tmp, "junk.h5")
        with open(junk, "wb") as f:
            f.write(USER_TEXT + b"\0" * 4096)
        p = run("unpack", junk, os.path.join(tmp, "junk-out"), expect=2)
        if "not a fitstore store" not in p.stderr:
            sys.exit(f"FAIL: a file without a superblock is refused with another message:\n{p.stderr}")
        checked += 1
    print(f"hdf5 user block: {checked} checks passed")


if __name__ == "__main__":
    main()
