#!/usr/bin/python3
"""HDF5 chunks whose optional filters were skipped load with the right values.

h5py marks the filters it sets by number optional. When one fails, HDF5
stores the chunk without it and records that in the chunk's filter mask:
hdf5-blosc fails on data it cannot shrink, so incompressible blosc chunks
are stored raw (tests/data/h5py_golden.h5 has two). fitstore moves chunks as
stored (H5Dread_chunk), and the hdf5 back end hands such a chunk to the
engine as raw bytes. Here h5py replaces the datasets of a fitstore blosc
store with incompressible ones (a one-chunk and a several-chunk array, so
both of the engine's read paths run), and fitstore must load exactly them."""
import json
import subprocess
import sys

import numpy as np
import pytest

import fitstore

CHUNK = 2048  # float64 values per chunk: 16 KiB


# Run in a child without fitstore: fitstore registers its own blosc filter in
# the process's libhdf5, and it never fails, so h5py would not skip it here.
H5PY_CHILD = r"""
import json, sys
import h5py, numpy as np
path, names, keep_checksums = sys.argv[1], sys.argv[2].split(","), sys.argv[3] == "1"
with h5py.File(path, "r+") as f:
    manifest = json.loads(f.attrs["fitstore_manifest"])
    manifest.pop("manifest_xxh3", None)  # no xxh3 in Python here: the manifest allows its absence
    masks = {}
    for name in names:
        record = manifest["arrays"][name]
        chunks = tuple(record["chunk_shape"])
        del f[name]
        # hdf5-blosc cd_values: revision, version, typesize, chunk bytes, level, shuffle, compressor (1 lz4).
        dset = f.create_dataset(name, data=np.load(path + "." + name + ".npy"), chunks=chunks, compression=32001,
                                compression_opts=(2, 2, 8, chunks[0] * 8, 5, 0, 1))
        infos = sorted((dset.id.get_chunk_info(k) for k in range(dset.id.get_num_chunks())),
                       key=lambda info: info.chunk_offset)
        for chunk, info in zip(record["chunks"], infos):
            chunk["stored_bytes"] = int(info.size)
            if not keep_checksums:
                chunk.pop("xxh3", None)
        record["stored_bytes"] = sum(c["stored_bytes"] for c in record["chunks"])
        masks[name] = [info.filter_mask for info in infos]
    f.attrs["fitstore_manifest"] = json.dumps(manifest)
print(json.dumps(masks))
"""


def replace_with_h5py(path, arrays, keep_checksums=False):
    """Rewrites `arrays` as h5py writes them (blosc-lz4, an optional filter) and the manifest's
    sizes; returns each array's chunk filter masks."""
    for name, values in arrays.items():
        np.save(path + "." + name + ".npy", values)
    proc = subprocess.run([sys.executable, "-c", H5PY_CHILD, path, ",".join(arrays), "1" if keep_checksums else "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_chunks_whose_blosc_filter_was_skipped_load_as_stored(tmp_path):
    rng = np.random.default_rng(12)
    first = {"one": rng.standard_normal(1500), "many": rng.standard_normal(5000)}
    path = str(tmp_path / "m.h5")
    fitstore.dump(first, path, codec="blosc-lz4:5", chunk_mb=CHUNK * 8 / (1 << 20), durable=False)
    # Full-range random integers as float64 bit patterns: nothing blosc can shrink.
    noise = {name: rng.integers(0, 2**63, size=v.shape, dtype=np.uint64).view(np.float64)
             for name, v in first.items()}
    masks = replace_with_h5py(path, noise)
    # Blosc was skipped for every full chunk; the last chunk of "many" is padded
    # with zeros, which blosc shrinks, so it is stored compressed: a mix.
    assert masks == {"one": [1], "many": [1, 1, 0]}, masks
    for mmap_mode in (None, "r"):
        value = fitstore.load(path, mmap_mode=mmap_mode)
        for name, expected in noise.items():
            assert value[name].tobytes() == expected.tobytes(), (name, mmap_mode)


def test_a_skipped_chunk_is_checked_against_its_checksum(tmp_path):
    # The raw hand-over is verified like any chunk: data that is not what the
    # manifest's checksum describes is refused, naming the chunk.
    rng = np.random.default_rng(13)
    path = str(tmp_path / "m.h5")
    fitstore.dump({"w": rng.standard_normal(5000)}, path, codec="blosc-lz4:5", chunk_mb=CHUNK * 8 / (1 << 20),
                  durable=False)
    other = rng.integers(0, 2**63, size=5000, dtype=np.uint64).view(np.float64)
    assert replace_with_h5py(path, {"w": other}, keep_checksums=True) == {"w": [1, 1, 0]}
    with pytest.raises(fitstore.Error, match=r"arrays\.w\.chunks\[0\]\.xxh3.*checksum mismatch"):
        fitstore.load(path)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
