"""zarr interop both ways, against Debian's zarr-python 2.13 and numpy.

1. zarr-python reads every array fitstore writes, with every codec.
2. fitstore reads zarr groups written by zarr-python (no fitstore manifest),
   including N-d chunk grids, big-endian dtypes and missing chunks.
3. convert between layouts is bit-exact.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import zarr
import numcodecs

CLI = os.environ["FITSTORE_CLI"]


def run(*args, expect=0):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True)
    if proc.returncode != expect:
        sys.exit(f"fitstore {' '.join(args)} exited {proc.returncode}, expected {expect}\n{proc.stderr}")
    return proc


def sample_arrays(rng):
    return {
        "f64": rng.normal(size=(1000, 7)),
        "f32": rng.normal(size=(333,)).astype(np.float32),
        "i64": rng.integers(-5, 5, size=(10, 4, 3)),
        "u8": rng.integers(0, 255, size=(257,), dtype=np.uint8),
        "i16": rng.integers(-300, 300, size=(50, 2), dtype=np.int16),
        "u32": rng.integers(0, 2**31, size=(64,), dtype=np.uint32),
        "b": rng.integers(0, 2, size=(99,)).astype(bool),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3)),
        "one": np.array([42], dtype=np.int8),
    }


def check_equal(name, expected, actual, context):
    if expected.dtype != actual.dtype or expected.shape != actual.shape or not np.array_equal(expected, actual):
        sys.exit(f"{context}: array {name} differs: {expected.dtype}{expected.shape} vs {actual.dtype}{actual.shape}")


def zarr_reads_fitstore(tmp, rng):
    arrays = sample_arrays(rng)
    args = []
    for name, a in arrays.items():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, a)
        args += ["--array", f"{name}={path}"]
    count = 0
    for codec in ["none", "zlib:5", "zstd:3", "zstd:1", "lz4", "blosc-lz4:5", "blosc-zstd:3"]:
        for shuffle in ([False, True] if codec != "none" else [False]):
            store = os.path.join(tmp, f"store-{codec.replace(':', '_')}-{int(shuffle)}")
            run("pack", store, *args, "--codec", codec, "--chunk-mb", "0.01", *(["--shuffle"] if shuffle else []))
            group = zarr.open_group(store, mode="r")
            for name, expected in arrays.items():
                check_equal(name, expected, group[name][...], f"zarr reading fitstore {codec} shuffle={shuffle}")
                count += 1
    print(f"zarr-python read {count} arrays written by fitstore (7 codecs, with and without shuffle): all equal")


def fitstore_reads_zarr(tmp, rng):
    store = os.path.join(tmp, "from_zarr")
    root = zarr.open_group(store, mode="w")
    expected = {}
    compressors = {
        "default_blosc": zarr.storage.default_compressor,
        "zstd": numcodecs.Zstd(level=3),
        "zlib": numcodecs.Zlib(level=6),
        "lz4": numcodecs.LZ4(),
        "blosc_lz4_shuffle": numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
        "blosc_zstd_noshuffle": numcodecs.Blosc(cname="zstd", clevel=5, shuffle=numcodecs.Blosc.NOSHUFFLE),
        "raw": None,
    }
    for name, compressor in compressors.items():
        data = rng.normal(size=(120, 9))
        # zarr-python chunks along every axis: an N-d chunk grid with edge chunks.
        root.create_dataset(name, data=data, chunks=(25, 4), compressor=compressor)
        expected[name] = data
    shuffled = rng.integers(0, 1000, size=(500,)).astype(np.int32)
    root.create_dataset("shuffle_filter", data=shuffled, chunks=(128,), compressor=numcodecs.Zstd(level=1),
                        filters=[numcodecs.Shuffle(elementsize=4)])
    expected["shuffle_filter"] = shuffled
    big = np.arange(40, dtype=">f8").reshape(8, 5)
    root.create_dataset("big_endian", data=big, chunks=(3, 5))
    expected["big_endian"] = big.astype("<f8")
    sparse = root.zeros("sparse", shape=(100,), chunks=(10,), dtype="i4")
    sparse[20:30] = 7  # only chunk 2 is written; the others are missing and read as the fill value
    expected["sparse"] = sparse[...]
    sub = root.create_group("nested")
    sub.create_dataset("inner", data=np.arange(12, dtype=np.uint16).reshape(3, 4))
    run("inspect", store)
    out = os.path.join(tmp, "unpacked")
    run("unpack", store, out)
    for name, data in expected.items():
        check_equal(name, data, np.load(os.path.join(out, name + ".npy")), "fitstore reading zarr")
    check_equal("nested/inner", np.arange(12, dtype=np.uint16).reshape(3, 4),
                np.load(os.path.join(out, "nested", "inner.npy")), "fitstore reading zarr")
    print(f"fitstore read {len(expected) + 1} arrays written by zarr-python (7 compressors, shuffle filter, "
          f"big-endian, missing chunks, nested group, 2-d chunk grids): all equal")
    return store


def convert_is_bit_exact(tmp, store):
    reference = os.path.join(tmp, "ref")
    run("unpack", store, reference)
    chain = [("blob", "zstd:5"), ("directory", "lz4"), ("blob", "none"), ("directory", None)]
    src = store
    for i, (layout, codec) in enumerate(chain):
        dst = os.path.join(tmp, f"conv{i}" + (".blob" if layout == "blob" else ""))
        run("convert", src, dst, "--layout", layout, *(["--codec", codec] if codec else []))
        out = os.path.join(tmp, f"conv{i}-npy")
        run("unpack", dst, out)
        for dirpath, _, files in os.walk(reference):
            for f in files:
                if not f.endswith(".npy"):
                    continue  # object.json: params, compared by the C++ round-trip tests
                rel = os.path.relpath(os.path.join(dirpath, f), reference)
                a, b = np.load(os.path.join(reference, rel)), np.load(os.path.join(out, rel))
                if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                    sys.exit(f"convert to {layout}/{codec}: {rel} is not bit-exact")
        src = dst
    print(f"convert chain directory -> {' -> '.join(l + '/' + str(c) for l, c in chain)}: bit-exact")


def main():
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        zarr_reads_fitstore(tmp, rng)
        store = fitstore_reads_zarr(tmp, rng)
        convert_is_bit_exact(tmp, store)


if __name__ == "__main__":
    main()
