#!/usr/bin/python3
"""Every exception class of the Python package for its case, with messages that
name the file, the field and the problem; damaged and hostile stores (the C++
suite's cases and its fuzz corpora) raise fitstore.Error and never crash the
interpreter or return other numbers than were written."""
import errno
import glob
import json
import os
import socket
import sys

import numpy as np
import pytest

import fitstore

DATA = os.environ.get("FITSTORE_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")


def sample():
    rng = np.random.default_rng(11)
    return {"weights": rng.standard_normal((200, 3)), "labels": rng.integers(0, 9, 200), "C": 1.0}


def make_store(tmp_path, codec="none", name="m"):
    path = str(tmp_path / name)
    fitstore.dump(sample(), path, codec=codec, chunk_mb=1024 / (1 << 20), durable=False)
    return path


def edit_manifest(store, edit):
    """Edits manifest.json and drops its checksum (readers accept its absence), as
    tests/unit's edit_manifest does: the other checks then have to catch the edit."""
    path = os.path.join(store, "manifest.json")
    with open(path) as f:
        manifest = json.load(f)
    edit(manifest)
    manifest.pop("manifest_xxh3", None)
    with open(path, "w") as f:
        json.dump(manifest, f)


def flip(path, offset, mask=0x01):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ mask]))


# --- I/O errors: OSError subclasses with errno -------------------------------------------------

def test_missing_store_is_file_not_found_with_errno(tmp_path):
    missing = str(tmp_path / "missing")
    for call in (fitstore.load, fitstore.inspect, fitstore.verify):
        with pytest.raises(FileNotFoundError) as info:
            call(missing)
        e = info.value
        assert isinstance(e, fitstore.NotFoundError) and isinstance(e, fitstore.Error)
        assert e.errno == errno.ENOENT and e.filename == missing
        assert missing in str(e)


def test_dump_where_no_folder_can_be_is_an_os_error_with_errno(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError) as info:
        fitstore.dump(sample(), str(blocker / "sub" / "m"), durable=False)
    e = info.value
    assert isinstance(e, fitstore.FileError)
    assert e.errno in (errno.ENOTDIR, errno.ENOENT), e.errno
    assert "sub" in str(e)


def test_a_path_that_is_no_store_is_refused_and_never_replaced(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("precious")
    with pytest.raises(fitstore.FormatError, match="not a fitstore store"):
        fitstore.load(str(notes))
    with pytest.raises(fitstore.Error, match="refusing to replace"):
        fitstore.dump(sample(), str(notes), durable=False)
    assert notes.read_text() == "precious"


# --- damaged stores: FormatError / ChecksumError (ValueError) ---------------------------------

def test_flipped_byte_in_a_raw_chunk_is_a_checksum_error(tmp_path):
    store = make_store(tmp_path)
    flip(os.path.join(store, "weights", "0.0"), 100)
    with pytest.raises(fitstore.ChecksumError, match=r"arrays\.weights\.chunks\[0\]\.xxh3.*checksum mismatch") as info:
        fitstore.load(store)
    assert isinstance(info.value, ValueError) and isinstance(info.value, fitstore.FormatError)
    fitstore.load(store, mmap_mode="r")  # a mapped load hashes only when asked
    with pytest.raises(fitstore.ChecksumError):
        fitstore.load(store, mmap_mode="r", verify=True)
    assert fitstore.verify(store) is False
    report = fitstore.verify_report(store)
    failed = [c for c in report["checks"] if not c["passed"]]
    assert failed and "weights" in failed[0]["name"]


@pytest.mark.parametrize("codec", ["zlib", "zstd", "lz4", "blosc-lz4", "blosc-zstd"])
def test_flipped_bytes_in_compressed_chunks_never_yield_wrong_numbers(tmp_path, codec):
    store = make_store(tmp_path, codec)
    want = sample()
    chunk = os.path.join(store, "weights", "0.0")
    with open(chunk, "rb") as f:
        original = f.read()
    for pos in range(0, len(original), max(1, len(original) // 25)):
        with open(chunk, "wb") as f:
            f.write(original[:pos] + bytes([original[pos] ^ 0x40]) + original[pos + 1:])
        with pytest.raises(fitstore.Error):
            got = fitstore.load(store)
            assert np.array_equal(got["weights"], want["weights"])  # only if the flip was harmless


def test_truncated_chunk_names_the_file(tmp_path):
    store = make_store(tmp_path, "zstd")
    chunk = os.path.join(store, "weights", "0.0")
    with open(chunk, "rb") as f:
        data = f.read()
    with open(chunk, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(fitstore.FormatError, match=r"weights/0\.0.*expected a chunk file of"):
        fitstore.load(store)


def test_invalid_manifest_json(tmp_path):
    store = make_store(tmp_path)
    with open(os.path.join(store, "manifest.json"), "w") as f:
        f.write('{"format": ')
    with pytest.raises(fitstore.FormatError, match=r"manifest\.json.*invalid JSON"):
        fitstore.load(store)
    with pytest.raises(fitstore.FormatError):
        fitstore.inspect(store)


@pytest.mark.parametrize("edit,message", [
    (lambda j: j["root"]["arrays"][0].__setitem__("name", ".."), r"root\.arrays\[0\]\.name.*expected a name"),
    (lambda j: j["arrays"]["weights"].__setitem__("shape", [1 << 40, 1 << 40]), r"arrays\.weights\.shape.*overflows"),
    (lambda j: j["arrays"]["labels"].__setitem__("shape", [1] * 33), "rank 33 exceeds the limit"),
])
def test_hostile_manifests_are_refused(tmp_path, edit, message):
    store = make_store(tmp_path, "zstd")
    edit_manifest(store, edit)
    with pytest.raises(fitstore.FormatError, match=message):
        fitstore.load(store)


def test_damaged_parameter_fails_the_manifest_checksum(tmp_path):
    store = make_store(tmp_path)
    path = os.path.join(store, "manifest.json")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace('"C":1.0', '"C":2.0').replace('"C": 1.0', '"C": 2.0'))
    with pytest.raises(fitstore.ChecksumError, match="manifest"):
        fitstore.load(store)


def test_newer_format_and_type_versions_are_version_errors(tmp_path):
    store = make_store(tmp_path)
    edit_manifest(store, lambda j: j.__setitem__("format_version", "2.0"))
    with pytest.raises(fitstore.VersionError, match=r"2\.0.*1\.0|1\.0.*2\.0"):
        fitstore.load(store)
    store = make_store(tmp_path, name="t")
    edit_manifest(store, lambda j: j["root"].__setitem__("version", 9))
    with pytest.raises(fitstore.VersionError, match="version 9"):
        fitstore.load(store)


@pytest.mark.parametrize("params,message", [
    ({"_py_keys": 5}, r"_py_keys.*expected a list of strings"),
    ({"_py_keys": ["weights", "labels", "C", "gone"]}, "member 'gone' is missing"),
    ({"C": {"_py": "ndarray", "dtype": "float64", "shape": [1 << 40], "base64": ""}}, "invalid tagged value"),
    ({"C": {"_py": "ndarray", "dtype": "bool", "shape": [1], "base64": "Ag=="}}, "bool elements must be 0 or 1"),
    ({"C": {"_py": "bytes", "base64": "not base64!"}}, "invalid tagged value"),
    ({"C": {"_py": "pickle", "data": "gASV"}}, "unknown value tag 'pickle'"),
    ({"_py_as": {"weights": "str"}}, "a stored str must be a 1-d uint8 array"),
    ({"C": {"_py": "numpy", "dtype": "int8", "value": 300}}, r"expected an integer in -128\.\.127"),
    ({"C": {"_py": "numpy", "dtype": "float32", "value": "1e400"}}, "expected \"nan\""),
    ({"C": {"_py": "float", "value": "1.5"}}, "expected \"nan\""),
    ({"C": {"_py": "numpy", "dtype": "float16", "value": 1.0}}, "invalid tagged value"),
])
def test_hostile_python_mappings_are_format_errors(tmp_path, params, message):
    store = make_store(tmp_path)
    edit_manifest(store, lambda j: j["root"]["params"].update(params))
    with pytest.raises(fitstore.FormatError, match=message):
        fitstore.load(store)


def test_symlinks_fifos_and_sockets_in_a_store_are_refused_without_blocking(tmp_path):
    store = make_store(tmp_path, "zstd")
    chunk = os.path.join(store, "labels", "0")
    secret = str(tmp_path / "secret")
    with open(chunk, "rb") as f, open(secret, "wb") as g:
        g.write(f.read())
    os.unlink(chunk)
    os.symlink(secret, chunk)
    with pytest.raises(fitstore.Error, match=r"labels/0.*symbolic link"):
        fitstore.load(store)
    with pytest.raises(fitstore.Error, match=r"labels/0.*symbolic link"):
        fitstore.load(store, mmap_mode="r")
    os.unlink(chunk)
    os.mkfifo(chunk)
    with pytest.raises(fitstore.Error, match=r"labels/0.*FIFO"):
        fitstore.load(store)
    os.unlink(chunk)
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(chunk)
        with pytest.raises(fitstore.Error, match="labels/0"):
            fitstore.load(store)
    finally:
        s.close()


def test_blob_header_and_tiling_are_checked(tmp_path):
    path = str(tmp_path / "m.fitstore")
    fitstore.dump(sample(), path, codec="lz4", durable=False)
    with open(path, "rb") as f:
        original = f.read()
    cases = [
        (original[:8] + (len(original) + 48).to_bytes(8, "little") + original[16:], "is larger than the file"),
        (original[:-10], "ends past the end"),
        (original + b"junk", "trailing data"),
        (b"X" + original[1:], "not a fitstore store"),
    ]
    for data, message in cases:
        with open(path, "wb") as f:
            f.write(data)
        with pytest.raises(fitstore.FormatError, match=message):
            fitstore.load(path)
        with pytest.raises(fitstore.FormatError):
            fitstore.loads(data)


def test_every_byte_of_a_blob_header_and_sampled_data_bytes(tmp_path):
    """Damage anywhere: an error, or (padding) exactly the values written."""
    want = sample()
    data = fitstore.dumps(want)
    header = 16 + int.from_bytes(data[8:16], "little")
    positions = list(range(header)) + list(range(header, len(data), 97))
    for pos in positions:
        damaged = bytearray(data)
        damaged[pos] ^= 0x20
        try:
            got = fitstore.loads(damaged)
        except fitstore.Error:
            continue
        assert np.array_equal(got["weights"], want["weights"]) and got["C"] == want["C"], pos


def corpus_files(name):
    return sorted(glob.glob(os.path.join(CORPUS, name, "*")))


@pytest.mark.filterwarnings("ignore::fitstore.MmapWarning")
def test_fuzz_corpus_blobs_load_or_raise_fitstore_errors(tmp_path):
    files = corpus_files("blob")
    assert files
    for file in files:
        with open(file, "rb") as f:
            data = f.read()
        for call in (lambda: fitstore.loads(data), lambda: fitstore.load(file, mmap_mode="r")):
            try:
                call()
            except fitstore.Error:
                pass


@pytest.mark.filterwarnings("ignore::fitstore.MmapWarning")
def test_fuzz_corpus_directories_load_or_raise_fitstore_errors(tmp_path):
    """The directory fuzzer's inputs: "@@relative/path\\ncontent" entries (tests/fuzz/fuzz_directory.cpp)."""
    files = corpus_files("directory")
    assert files
    for i, file in enumerate(files):
        with open(file, "rb") as f:
            data = f.read()
        store = tmp_path / f"s{i}"
        store.mkdir()
        for entry in data.split(b"\n@@"):
            entry = entry[2:] if entry.startswith(b"@@") else entry
            name, _, content = entry.partition(b"\n")
            parts = name.decode("latin-1").split("/")
            if not name or any(p in ("", ".", "..") or not all(c.isalnum() or c in "_.-" for c in p) for p in parts):
                continue
            target = store.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except OSError:
                continue
        for mmap_mode in (None, "r"):
            try:
                fitstore.load(str(store), mmap_mode=mmap_mode)
            except fitstore.Error:
                pass


def test_golden_stores_load_in_python():
    stores = sorted(glob.glob(os.path.join(DATA, "format-1.0", "*")))
    stores = [s for s in stores if s.endswith(".blob") or os.path.isdir(s) or s.endswith(".h5")]
    assert stores
    for store in stores:
        value = fitstore.load(store)
        assert isinstance(value, fitstore.StoredObject)
        assert value.arrays and all(isinstance(a, np.ndarray) for a in value.arrays.values())


# --- values fitstore does not store: TypeError naming the place ---------------------------------

class Estimator:
    pass


@pytest.mark.parametrize("value,where,message", [
    ({"steps": [1, 2, Estimator()]}, r"value\['steps'\]\[2\]", "cannot store a .*Estimator.*never pickles"),
    ({"a": np.array([None, 1], dtype=object)}, r"value\['a'\]", "object arrays are not stored"),
    ({"a": {"b": np.zeros(3, dtype=np.float16)}}, r"value\['a'\]\['b'\]", "dtype float16 is not stored"),
    ({"c": np.zeros(3, dtype=np.complex128)}, r"value\['c'\]", "dtype complex128 is not stored"),
    ({"n": 2**64}, r"value\['n'\]", "does not fit in 64 bits"),
    ({1: "x"}, r"value:", "dict key 1 is a int"),
    ([{3.5}], r"value\[0\]", "cannot store a builtins.set"),
    ({"m": np.ma.masked_array([1.0])}, r"value\['m'\]", "ndarray subclass"),
    ({"s": np.str_("x")}, r"value\['s'\]", "is not stored"),
])
def test_unsupported_values_are_type_errors_naming_the_path(tmp_path, value, where, message):
    for call in (lambda: fitstore.dumps(value), lambda: fitstore.dump(value, str(tmp_path / "x"))):
        with pytest.raises(TypeError, match=where + ".*" + message) as info:
            call()
        assert isinstance(info.value, fitstore.UnsupportedTypeError)
    assert not (tmp_path / "x").exists()


def test_reference_cycles_are_refused():
    cycle = []
    cycle.append(cycle)
    with pytest.raises(TypeError, match="nesting deeper than 64"):
        fitstore.dumps(cycle)


def test_bad_options_are_usage_errors(tmp_path):
    path = str(tmp_path / "m")
    cases = [
        (lambda: fitstore.dump(1, path, codec="zstd:99"), "zstd"),
        (lambda: fitstore.dump(1, path, codec="rar"), "rar"),
        (lambda: fitstore.dump(1, path, layout="zip"), "zip"),
        (lambda: fitstore.dump(1, path, compress=("bz2", 3)), "'bz2' is not available"),
        (lambda: fitstore.dump(1, path, compress=3, codec="lz4"), "not both"),
        (lambda: fitstore.load(path, mmap_mode="w+"), "mmap_mode"),
    ]
    for call, message in cases:
        with pytest.raises(fitstore.UsageError, match=message) as info:
            call()
        assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError, match="expected a path"):
        fitstore.dump(1, open(os.devnull, "wb"))
    with pytest.raises(TypeError, match="expected bytes"):
        fitstore.loads("a str is not a blob")
    with pytest.raises(TypeError, match="not contiguous"):
        fitstore.loads(memoryview(fitstore.dumps([1]))[::2])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
