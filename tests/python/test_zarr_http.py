"""zarr-python reads fitstore's directory store over HTTP.

The store is served by Debian's nginx on 127.0.0.1 (a free port, started and
stopped here); zarr-python 2.13 opens it through fsspec's HTTP filesystem
(python3-fsspec + python3-aiohttp) and must find every array bit for bit, and
fitstore's own reader (the CLI, unpack URL) the same values.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import zarr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "remote"))
from nginx_server import start_nginx  # noqa: E402

CLI = os.environ["FITSTORE_CLI"]


def run(*args):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"fitstore {' '.join(args)} exited {proc.returncode}\n{proc.stderr}")
    return proc


def main():
    rng = np.random.default_rng(17)
    arrays = {
        "f64": rng.normal(size=(20000, 7)),
        "i32": rng.integers(-9, 9, size=(3000, 5), dtype=np.int32),
        "u8": rng.integers(0, 255, size=(4097,), dtype=np.uint8),
        "b": rng.integers(0, 2, size=(99,)).astype(bool),
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "www")
        work = os.path.join(tmp, "nginx")
        os.makedirs(root)
        os.makedirs(work)
        args = []
        for name, a in arrays.items():
            path = os.path.join(tmp, name + ".npy")
            np.save(path, a)
            args += ["--array", f"{name}={path}"]
        codecs = ["none", "zstd:3", "blosc-lz4:5", "zlib:1"]
        for codec in codecs:
            run("pack", os.path.join(root, codec.replace(":", "_")), *args, "--codec", codec, "--chunk-mb", "0.05")
        nginx, port = start_nginx(root, work)
        try:
            checked = 0
            for codec in codecs:
                url = f"http://127.0.0.1:{port}/{codec.replace(':', '_')}"
                group = zarr.open_group(url, mode="r")
                for name, expected in arrays.items():
                    actual = group[name][...]
                    if actual.dtype != expected.dtype or actual.shape != expected.shape or not np.array_equal(actual, expected):
                        sys.exit(f"zarr over http: {url} array {name} differs")
                    checked += 1
                # fitstore's reader over the same URL gives the same values.
                out = os.path.join(tmp, "unpacked-" + codec.replace(":", "_"))
                run("unpack", url, out, "--no-progress")
                for name, expected in arrays.items():
                    if not np.array_equal(np.load(os.path.join(out, name + ".npy")), expected):
                        sys.exit(f"fitstore unpack {url}: array {name} differs")
            requests = sum(1 for _ in open(f"{work}/access.log"))
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    if checked != len(codecs) * len(arrays) or requests == 0:
        sys.exit(f"checked {checked} arrays with {requests} requests: expected {len(codecs) * len(arrays)}")
    print(f"zarr-python read {checked} arrays over http from nginx ({requests} requests); fitstore read the same")


if __name__ == "__main__":
    main()
