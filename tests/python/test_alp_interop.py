"""alp is fitstore-only, and `fitstore convert --codec zstd:3` makes it interoperable.

1. A store packed with --codec alp round-trips through fitstore bit-exactly
   (unpack), its float arrays are stored with alp and its integer array is not.
2. zarr-python refuses the alp arrays by name (numcodecs has no "fitstore_alp")
   but still reads the other arrays; the hdf5 layout refuses alp with a message.
3. After `fitstore convert SRC DST --codec zstd:3`, zarr-python reads every array
   bit-exactly, and `convert --layout hdf5 --codec zstd:3` gives a file h5py
   reads bit-exactly (zstd needs fitstore's plugin, as for any zstd store).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import zarr

from test_zarr_interop import run  # runs the CLI, exits with its stderr on an unexpected status

PLUGIN_DIR = os.environ.get("FITSTORE_HDF5_PLUGIN_DIR", "")


def arrays(rng):
    decimals = np.round(rng.normal(size=(3000, 7)), 3)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308, 0.1])
    payload = np.array([0x7FF8DEAD0000BEEF, 0xFFF0000000000001], dtype=np.uint64).view(np.float64)
    return {
        "decimals": decimals,
        "precise": rng.normal(size=(2000,)),
        "special": np.concatenate([special, payload, decimals[:100, 0]]),
        "single": np.round(rng.normal(size=(500, 3)), 2).astype(np.float32),
        "labels": rng.integers(0, 3, size=(4000,)).astype(np.int64),
    }


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def main():
    rng = np.random.default_rng(19)
    data = arrays(rng)
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for name, a in data.items():
            path = os.path.join(tmp, name + ".npy")
            np.save(path, a)
            args += ["--array", f"{name}={path}"]
        store = os.path.join(tmp, "alp")
        run("pack", store, *args, "--codec", "alp", "--chunk-mb", "0.05")
        manifest = json.load(open(os.path.join(store, "manifest.json")))
        codecs = {k: v["codec"]["id"] for k, v in manifest["arrays"].items()}
        for name in ("decimals", "precise", "special", "single"):
            assert codecs[name] == "alp", codecs
        assert codecs["labels"] in ("zstd", "none"), codecs
        out = os.path.join(tmp, "unpacked")
        run("unpack", store, out)
        for name, a in data.items():
            assert same_bits(a, np.load(os.path.join(out, name + ".npy"))), name

        group = zarr.open_group(store, mode="r")
        assert same_bits(data["labels"], group["labels"][...])
        try:
            group["decimals"][...]
            sys.exit("zarr-python decoded an alp array: expected it to refuse")
        except (ValueError, KeyError, RuntimeError) as e:
            assert "fitstore_alp" in str(e), f"zarr-python's refusal does not name the codec: {e!r}"

        refused = run("convert", store, os.path.join(tmp, "x.h5"), "--layout", "hdf5", expect=2)
        assert "codec alp is not available in the hdf5 layout" in refused.stderr, refused.stderr
        assert not os.path.exists(os.path.join(tmp, "x.h5"))

        plain = os.path.join(tmp, "zstd")
        run("convert", store, plain, "--codec", "zstd:3")
        group = zarr.open_group(plain, mode="r")
        for name, a in data.items():
            assert same_bits(a, group[name][...]), name

        if PLUGIN_DIR:
            h5 = os.path.join(tmp, "zstd.h5")
            run("convert", store, h5, "--layout", "hdf5", "--codec", "zstd:3")
            env = dict(os.environ, HDF5_PLUGIN_PATH=PLUGIN_DIR + ":/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")
            script = (
                "import h5py, numpy as np, sys\n"
                "f = h5py.File(sys.argv[1], 'r')\n"
                "for name in sys.argv[2:]:\n"
                "    np.save(name + '.h5.npy', f[name][...])\n"
            )
            subprocess.run(["/usr/bin/python3", "-c", script, h5, *data], check=True, env=env, cwd=tmp)
            for name, a in data.items():
                assert same_bits(a, np.load(os.path.join(tmp, name + ".h5.npy"))), name
    print("alp interop: fitstore round trip, zarr-python refusal by name, hdf5 refusal, convert --codec zstd:3 readable")


if __name__ == "__main__":
    main()
