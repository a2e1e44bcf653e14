"""fitstore: persist models whose state is mostly numpy arrays, joblib's way,
on fitstore's C++ engine (threads, codecs, checksums, atomic writes, and a load
that never runs code). Migrating from joblib is a rename:

    import fitstore
    fitstore.dump(model_state, "model", compress=3)        # was joblib.dump(...)
    state = fitstore.load("model", mmap_mode="r")          # was joblib.load(...)

Values: nested dict (str keys), list, tuple, str, bytes, int (64-bit), float,
bool, None, numpy scalars and numpy arrays (bool, int8-64, uint8-64, float32,
float64; any memory order: written C-contiguous, little-endian). Anything else
is an UnsupportedTypeError (a TypeError) naming where it is inside the value:
fitstore never pickles. The mapping to the stored objects is FORMAT.md
section 9, so C++ (`fitstore inspect`, `unpack`), zarr-python and h5py read the
arrays too.
"""
import os as _os
import warnings as _warnings

from . import _core, _errors, _mapping
from ._errors import (ChecksumError, Error, FileError, FormatError, NotFoundError, UnsupportedTypeError,
                      UsageError, VersionError)
from ._mapping import StoredObject

__version__ = _core.__version__
__all__ = [
    "dump", "load", "dumps", "loads", "inspect", "verify", "verify_report",
    "Error", "FormatError", "ChecksumError", "VersionError", "FileError", "NotFoundError",
    "UnsupportedTypeError", "UsageError", "MmapWarning", "StoredObject",
]

#: Arrays (and bytes/str) of at least this many bytes become datasets of their
#: own (mappable, chunked, compressed); smaller ones are kept in the manifest.
MIN_ARRAY_BYTES = 1024

_EXTENSIONS = {".h5": "hdf5", ".hdf5": "hdf5", ".fitstore": "blob"}
_MMAP_MODES = {None: "none", "r": "r", "c": "c", "r+": "r+"}


class MmapWarning(UserWarning):
    """A load asked for a memory map, but some arrays had to be read into memory."""


def _call(fn, *args):
    try:
        return fn(*args)
    except _core.EngineError as e:
        raise _errors.from_engine(e) from None


def _path(filename, what):
    if isinstance(filename, (str, _os.PathLike)):
        path = _os.fspath(filename)
        if isinstance(path, str):
            return path
    raise UnsupportedTypeError(
        f"fitstore: {what}: expected a path (str or os.PathLike), found {type(filename).__name__}; "
        f"file objects are not supported (use dumps()/loads() for bytes)", field=what)


def _codec(codec, compress):
    """The engine's codec string for `codec=` or joblib's `compress=` (an alias)."""
    if compress is None:
        return codec
    if codec != "none":
        raise UsageError("fitstore: compress: give codec= or joblib's compress=, not both", field="compress")
    if compress is False or compress == 0:
        return "none"
    if compress is True:
        return "zlib:3"
    if isinstance(compress, int) and not isinstance(compress, bool):
        if not 0 <= compress <= 9:
            raise UsageError(f"fitstore: compress: level {compress} is outside 0-9", field="compress")
        return f"zlib:{compress}"
    if isinstance(compress, str):
        compress = (compress, None)
    if isinstance(compress, tuple) and len(compress) == 2:
        method, level = compress
        names = {"zlib": "zlib", "gzip": "zlib", "zstd": "zstd", "lz4": "lz4"}
        if method not in names:
            raise UsageError(
                f"fitstore: compress: method {method!r} is not available (zlib, gzip, zstd, lz4)", field="compress")
        if method == "lz4" or level is None:
            # joblib's lz4 levels select LZ4-HC; fitstore's lz4 is the fast
            # block codec zarr reads (its level is the acceleration).
            return names[method]
        return f"{names[method]}:{int(level)}"
    raise UsageError(f"fitstore: compress: {compress!r} is not an int, bool, str or (method, level)",
                     field="compress")


def _layout(path, layout):
    if layout is not None:
        return layout
    return _EXTENSIONS.get(_os.path.splitext(path.rstrip("/"))[1].lower(), "directory")


def _remote(path):
    """http(s):// and s3:// locations are read (and s3:// written) by the engine itself."""
    return path.startswith(("http://", "https://", "s3://"))


def _check_exists(path):
    if not _remote(path) and not _os.path.lexists(path):
        raise _errors.not_found(path)


def _files(path):
    if _remote(path) or not _os.path.isdir(path):
        return [path]
    out = []
    for folder, _dirs, files in _os.walk(path):
        out.extend(_os.path.join(folder, f) for f in files)
    return sorted(out)


def dump(value, filename, *, layout=None, codec="none", shuffle=False, chunk_mb=4, threads=0, durable=True,
         compress=None, min_array_bytes=MIN_ARRAY_BYTES):
    """Writes `value` to `filename` atomically and returns the list of files written.

    layout: "directory" (a zarr v2 group), "hdf5" or "blob"; by default from the
    name (.h5/.hdf5: hdf5, .fitstore: blob, else directory). codec: "none",
    "zlib:N", "zstd:N", "lz4", "blosc-lz4:N", "blosc-zstd:N" (shuffle: byte
    shuffle first). compress: joblib's argument (3 -> zlib:3, ("zstd", 3),
    ("lz4", 1)). chunk_mb: chunk size along axis 0. threads: 0 = all cores.
    durable: fsync before publishing. The GIL is released while writing.
    """
    path = _path(filename, "filename")
    tree, keep = _mapping.to_tree(value, min_array_bytes)
    _call(_core.write_store, tree, path, _layout(path, layout), _codec(codec, compress), bool(shuffle),
          int(chunk_mb * (1 << 20)), int(threads), bool(durable))
    del keep
    return _files(path)


def _report_unmapped(path, mmap_mode, report):
    # An empty array has no bytes to map: nothing was copied, so nothing to warn about.
    unmapped = [a for a in report if not a["mapped"] and a["raw_bytes"] > 0]
    if mmap_mode is not None and unmapped:
        detail = "; ".join(f"{a['key']}: {a['reason'] or 'not mappable'}" for a in unmapped[:5])
        more = f" (and {len(unmapped) - 5} more)" if len(unmapped) > 5 else ""
        _warnings.warn(
            f"fitstore.load({path!r}, mmap_mode={mmap_mode!r}): {len(unmapped)} of {len(report)} arrays "
            f"were read into memory instead of mapped: {detail}{more}", MmapWarning, stacklevel=3)


def load(filename, *, mmap_mode=None, verify=False, threads=0, return_report=False):
    """Loads a store written by fitstore (Python or C++), never running code.

    filename may be an http(s):// or s3:// location (directory and blob layouts;
    mapped loads go through the local cache, FITSTORE_CACHE; S3 settings from
    the AWS_* variables).

    mmap_mode: None copies; "r" maps uncompressed arrays read-only, "c"
    copy-on-write, "r+" writes through to the file. Mapped arrays stay valid as
    long as they are referenced. Compressed arrays are decompressed (an
    MmapWarning says which). verify: also check the checksums of mapped arrays
    (copying loads always do). return_report: return (value, per-array report).
    """
    path = _path(filename, "filename")
    if mmap_mode not in _MMAP_MODES:
        raise UsageError(f"fitstore: mmap_mode: {mmap_mode!r} is not None, 'r', 'c' or 'r+'", field="mmap_mode")
    _check_exists(path)
    tree, report, _manifest = _call(_core.read_store, path, _MMAP_MODES[mmap_mode], bool(verify), int(threads))
    try:
        value = _mapping.from_tree(tree, read_only=(mmap_mode == "r"))
    except Error as e:
        raise _errors.with_path(e, path) from None
    _report_unmapped(path, mmap_mode, report)
    return (value, report) if return_report else value


def dumps(value, *, codec="none", shuffle=False, chunk_mb=4, threads=0, compress=None,
          min_array_bytes=MIN_ARRAY_BYTES):
    """`value` as the bytes of a blob store (what dump(..., layout="blob") writes)."""
    tree, keep = _mapping.to_tree(value, min_array_bytes)
    data = _call(_core.write_bytes, tree, _codec(codec, compress), bool(shuffle), int(chunk_mb * (1 << 20)),
                 int(threads))
    del keep
    return data


def loads(data, *, threads=0):
    """The value of a blob made by dumps(); `data` is any contiguous buffer
    (bytes, bytearray, memoryview...), read in place without a copy."""
    try:
        contiguous = memoryview(data).c_contiguous
    except TypeError:
        raise UnsupportedTypeError(
            f"fitstore: loads: expected bytes, bytearray or another buffer, found {type(data).__name__}",
            field="data") from None
    if not contiguous:
        raise UnsupportedTypeError("fitstore: loads: the buffer is not contiguous (a strided view); "
                                   "pass bytes(data) or a contiguous slice", field="data")
    tree, _report, _manifest = _call(_core.read_bytes, data, int(threads))
    return _mapping.from_tree(tree)


def inspect(filename):
    """The store's manifest as a dict (objects, arrays, chunks, codecs, provenance); reads no array data."""
    import json
    path = _path(filename, "filename")
    _check_exists(path)
    return json.loads(_call(_core.read_manifest, path))


def verify_report(filename, *, deep=False, threads=0):
    """Every check `fitstore verify` makes: {"passed", "layout", "checks": [{"name", "passed", "detail"}]}."""
    path = _path(filename, "filename")
    _check_exists(path)
    return _call(_core.verify_store, path, bool(deep), int(threads))


def verify(filename, *, deep=False, threads=0):
    """True when every chunk matches its checksum and the container matches the
    manifest (verify_report() says which check failed). Raises for an unreadable store."""
    return bool(verify_report(filename, deep=deep, threads=threads)["passed"])
