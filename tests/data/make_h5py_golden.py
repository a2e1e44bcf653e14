#!/usr/bin/python3
"""Writes tests/data/h5py_golden.h5: a fitstore hdf5 store made by h5py alone.

The file is what a Python user would write by hand following FORMAT.md: one
dataset per array in groups mirroring the object tree, h5py's own chunking and
filters (deflate+shuffle, lz4 32004, blosc 32001, zstd 32015, none), h5py's
own contiguous placement (not page-aligned), and the manifest as the root
attribute `fitstore_manifest`. Checksums are left out (the manifest allows it;
Python has no xxh3 here). test_hdf5.cpp checks that fitstore loads it and gets
the values this script computes.

Run: HDF5_PLUGIN_PATH=<build>/hdf5-plugins:/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins \
     /usr/bin/python3 tests/data/make_h5py_golden.py tests/data/h5py_golden.h5
(the zstd dataset needs fitstore's plugin; lz4 and blosc need Debian's
hdf5-filter-plugin and hdf5-filter-plugin-blosc-serial).
"""
import json
import sys

import h5py
import numpy as np


def golden_arrays():
    """The arrays, from formulas the C++ test repeats exactly (all values exact in binary)."""
    i = np.arange(40 * 5)
    return {
        "coef": ((i * 7919 % 10007) / 64.0 - 70.0).reshape(40, 5).astype("<f8"),
        "intercept": (np.arange(5) * 0.5 - 1.0).astype("<f8"),
        "labels": (np.arange(40) * 31 % 1000 - 500).astype("<i8"),
        "mask": (np.arange(40) % 3 == 0),
        "scaler/mean": (np.arange(6) * 0.25).astype("<f4"),
        "scaler/scale": (np.arange(6) + 1).astype("<u2"),
        "scaler/var": (np.arange(6) * 1.5 + 2.0).astype("<f8"),
    }


# name -> (h5py create_dataset keyword arguments, manifest codec)
STORAGE = {
    "coef": ({}, {"id": "none", "level": 0, "shuffle": False}),
    "intercept": ({}, {"id": "none", "level": 0, "shuffle": False}),
    "labels": ({"chunks": (16,), "compression": "gzip", "compression_opts": 4, "shuffle": True},
               {"id": "zlib", "level": 4, "shuffle": True}),
    "mask": ({"chunks": (16,), "compression": 32004, "compression_opts": (0,)},
             {"id": "lz4", "level": 0, "shuffle": False}),
    # hdf5-blosc cd_values: revision, version, typesize, chunk bytes, level, shuffle, compressor (1 = lz4).
    "scaler/mean": ({"chunks": (4,), "compression": 32001, "compression_opts": (2, 2, 4, 16, 5, 1, 1)},
                    {"id": "blosc-lz4", "level": 5, "shuffle": True}),
    "scaler/scale": ({}, {"id": "none", "level": 0, "shuffle": False}),
    "scaler/var": ({"chunks": (4,), "compression": 32015, "compression_opts": (3,)},
                   {"id": "zstd", "level": 3, "shuffle": False}),
}

DTYPE_NAMES = {"<f8": "float64", "<f4": "float32", "<i8": "int64", "<u2": "uint16", "|b1": "bool"}


def array_record(dset, codec):
    shape = list(dset.shape)
    chunk_shape = list(dset.chunks) if dset.chunks else shape
    chunks = []
    if dset.chunks:
        # Chunks in C order of the chunk grid, as the manifest lists them.
        info = {dset.id.get_chunk_info(k).chunk_offset: dset.id.get_chunk_info(k).size
                for k in range(dset.id.get_num_chunks())}
        grid = [-(-s // c) for s, c in zip(shape, chunk_shape)]
        for flat in range(int(np.prod(grid))):
            index = np.unravel_index(flat, grid)
            offset = tuple(int(ix) * c for ix, c in zip(index, chunk_shape))
            chunks.append({"stored_bytes": int(info[offset])})
    else:
        chunks.append({"stored_bytes": int(dset.id.get_storage_size())})
    return {
        "dtype": DTYPE_NAMES[dset.dtype.str],
        "byte_order": "little",
        "shape": shape,
        "chunk_shape": chunk_shape,
        "codec": codec,
        "raw_bytes": int(dset.size * dset.dtype.itemsize),
        "stored_bytes": sum(c["stored_bytes"] for c in chunks),
        "chunks": chunks,
    }


def main(out):
    arrays = golden_arrays()
    with h5py.File(out, "w") as f:
        for key, data in arrays.items():
            kwargs, _ = STORAGE[key]
            f.create_dataset(key, data=data, **kwargs)
        records = {key: array_record(f[key], STORAGE[key][1]) for key in arrays}
        root_keys = [k for k in arrays if "/" not in k]
        scaler_keys = [k for k in arrays if k.startswith("scaler/")]
        manifest = {
            "format": "fitstore",
            "format_version": "1.0",
            "layout": "hdf5",
            "provenance": {"written_by": "tests/data/make_h5py_golden.py (h5py %s)" % h5py.__version__},
            "root": {
                "type": "array_bundle", "version": 1, "params": {"origin": "h5py"},
                "arrays": [{"name": k, "key": k} for k in root_keys],
                "children": [{"name": "scaler", "object": {
                    "type": "array_bundle", "version": 1, "params": {},
                    "arrays": [{"name": k.split("/")[1], "key": k} for k in scaler_keys],
                    "children": []}}],
            },
            "arrays": records,
        }
        f.attrs["fitstore_format"] = "fitstore 1.0"
        f.attrs["fitstore_manifest"] = json.dumps(manifest, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "h5py_golden.h5")
