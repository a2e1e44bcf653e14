"""Python values <-> fitstore object trees (FORMAT.md section 9). Never pickles.

A tree node, as fitstore._core takes and returns it:
    (type, version, params JSON text, [(name, ndarray)], [(name, node)])
"""
import base64
import json
import math
import re

import numpy as np

from ._errors import FormatError, UnsupportedTypeError
from .sklearn import _registry as _estimators

DICT, LIST, TUPLE, VALUE = "py_dict", "py_list", "py_tuple", "py_value"
VERSION = 1
# Object nesting limit of FORMAT.md section 7 (the root is level 1).
MAX_DEPTH = 64
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,255}\Z")
_INT64 = (-(2**63), 2**63 - 1)

# dtype.str (little-endian or byte-sized) -> manifest dtype name, and back.
_DTYPES = {
    "|b1": "bool", "|i1": "int8", "<i2": "int16", "<i4": "int32", "<i8": "int64",
    "|u1": "uint8", "<u2": "uint16", "<u4": "uint32", "<u8": "uint64",
    "<f4": "float32", "<f8": "float64",
}
_NUMPY = {name: np.dtype(s) for s, name in _DTYPES.items()}
SUPPORTED = "bool, int8-int64, uint8-uint64, float32, float64"


def member_name(key, index):
    """The member name of dict entry `index` with str key `key` (FORMAT.md 9.2)."""
    if _NAME.match(key) and not key.startswith(".") and not key.startswith("_py"):
        return key
    return f"_py{index}"


def _where(path):
    return "value" + "".join(f"[{p!r}]" for p in path)


def _little(a):
    """`a` as a C-contiguous little-endian array (copied only when it is not one)."""
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    if not a.flags.c_contiguous:
        a = a.copy(order="C")
    return a


def _dtype_name(dt, path, what):
    name = _DTYPES.get(dt.newbyteorder("<").str if dt.byteorder == ">" else dt.str)
    if name is None:
        if dt.hasobject:
            detail = "object arrays are not stored: fitstore never pickles"
        else:
            detail = f"dtype {dt} is not stored (fitstore stores {SUPPORTED})"
        raise UnsupportedTypeError(f"fitstore: {_where(path)}: {what} of {detail}", field=_where(path))
    return name


def _float_json(x):
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


class _Writer:
    def __init__(self, min_array_bytes):
        self.min_array_bytes = min_array_bytes
        # Every array handed to the engine stays referenced here for the call.
        self.keep = []

    def node(self, value, path):
        if len(path) >= MAX_DEPTH:
            raise UnsupportedTypeError(
                f"fitstore: {_where(path)}: nesting deeper than {MAX_DEPTH} levels (or a reference cycle)",
                field=_where(path))
        if _estimators.is_estimator(value):  # scikit-learn: fitstore.sklearn's adapters (FORMAT.md 11)
            return _estimators.save_node(value, _where(path))
        t = type(value)
        if t is dict:
            entries = []
            for i, (k, v) in enumerate(value.items()):
                if type(k) is not str:
                    raise UnsupportedTypeError(
                        f"fitstore: {_where(path)}: dict key {k!r} is a {type(k).__name__}; only str keys are stored",
                        field=_where(path))
                entries.append((member_name(k, i), path + [k], v))
            params = {"_py_keys": list(value.keys())}
            kind = DICT
        elif t is list or t is tuple:
            entries = [(str(i), path + [i], v) for i, v in enumerate(value)]
            params = {"_py_len": len(value)}
            kind = LIST if t is list else TUPLE
        else:
            entries = [("value", path, value)]
            params = {}
            kind = VALUE
        arrays, children, stored_as = [], [], {}
        for name, p, v in entries:
            tv = type(v)
            if tv is dict or tv is list or tv is tuple or _estimators.is_estimator(v):
                children.append((name, self.node(v, p)))
                continue
            big = self._large(v, p)
            if big is not None:
                array, as_kind = big
                self.keep.append(array)
                arrays.append((name, array))
                if as_kind:
                    stored_as[name] = as_kind
                continue
            params[name] = self.scalar(v, p)
        if stored_as:
            params["_py_as"] = stored_as
        return (kind, VERSION, json.dumps(params, allow_nan=False), arrays, children)

    def _large(self, v, path):
        """(array, kind) when `v` becomes a dataset: arrays, bytes and str of min_array_bytes or more."""
        if isinstance(v, np.ndarray):
            self._check_array(v, path)
            if v.nbytes >= self.min_array_bytes:
                return _little(np.asarray(v)), None
        elif type(v) is bytes and len(v) >= self.min_array_bytes and len(v) > 0:
            return np.frombuffer(v, dtype=np.uint8), "bytes"
        elif type(v) is str and len(v) >= self.min_array_bytes and len(v) > 0:
            return np.frombuffer(v.encode("utf-8"), dtype=np.uint8), "str"
        return None

    @staticmethod
    def _check_array(v, path):
        if type(v) is not np.ndarray and type(v) is not np.memmap:
            raise UnsupportedTypeError(
                f"fitstore: {_where(path)}: {type(v).__module__}.{type(v).__name__} (an ndarray subclass) "
                f"is not stored; pass np.asarray(x)", field=_where(path))
        _dtype_name(v.dtype, path, "array")

    def scalar(self, v, path):
        t = type(v)
        if v is None or t is bool or t is str:
            return v
        if t is int:
            if not _INT64[0] <= v <= _INT64[1]:
                raise UnsupportedTypeError(
                    f"fitstore: {_where(path)}: int {v} does not fit in 64 bits (int64)", field=_where(path))
            return v
        if t is float:
            return v if math.isfinite(v) else {"_py": "float", "value": _float_json(v)}
        if t is bytes:
            return {"_py": "bytes", "base64": base64.b64encode(v).decode("ascii")}
        if isinstance(v, np.ndarray):  # below min_array_bytes: kept in the manifest
            name = _dtype_name(v.dtype, path, "array")
            a = _little(np.asarray(v))
            return {"_py": "ndarray", "dtype": name, "shape": list(a.shape),
                    "base64": base64.b64encode(a.tobytes()).decode("ascii")}
        if isinstance(v, np.generic):
            name = _dtype_name(v.dtype, path, "numpy scalar")
            if name == "bool":
                value = bool(v)
            elif name.startswith("float"):
                value = _float_json(float(v))
            else:
                value = int(v)
            return {"_py": "numpy", "dtype": name, "value": value}
        raise UnsupportedTypeError(
            f"fitstore: {_where(path)}: cannot store a {t.__module__}.{t.__qualname__}: fitstore stores dict "
            f"(str keys), list, tuple, str, bytes, int, float, bool, None, numpy scalars and arrays, "
            f"and never pickles", field=_where(path))


def to_tree(value, min_array_bytes):
    """(tree, keep): the tree for `value`; `keep` must stay referenced while the engine reads it."""
    writer = _Writer(min_array_bytes)
    return writer.node(value, []), writer.keep


class StoredObject:
    """An object stored by another program (C++ `fitstore fit`/`pack`, a zarr group...):
    its type name and version, params (dict), arrays (dict of ndarray) and children."""

    def __init__(self, type, version, params, arrays, children):
        self.type = type
        self.version = version
        self.params = params
        self.arrays = arrays
        self.children = children

    def __getitem__(self, name):
        for members in (self.arrays, self.children, self.params):
            if name in members:
                return members[name]
        raise KeyError(name)

    def __repr__(self):
        return (f"StoredObject(type={self.type!r}, version={self.version}, params={sorted(self.params)}, "
                f"arrays={sorted(self.arrays)}, children={sorted(self.children)})")


def _bad(where, message):
    return FormatError(f"fitstore: {where}: {message}", field=where)


def _nonfinite(text):
    if text not in ("nan", "inf", "-inf"):
        raise ValueError(f"expected \"nan\", \"inf\" or \"-inf\", found {text!r}")
    return float(text)


def _number(x):
    if type(x) not in (int, float):
        raise ValueError(f"expected a number, found {x!r}")
    return float(x)


def _scalar_back(v, where, read_only):
    if isinstance(v, dict):
        tag = v.get("_py")
        try:
            if tag == "float":
                return _nonfinite(v["value"])
            if tag == "bytes":
                return base64.b64decode(v["base64"], validate=True)
            if tag == "numpy":
                dt = _NUMPY[v["dtype"]]
                x = v["value"]
                if dt.kind == "f":
                    return dt.type(_nonfinite(x) if isinstance(x, str) else _number(x))
                if dt.kind == "b":
                    if type(x) is not bool:
                        raise ValueError(f"expected true or false, found {x!r}")
                    return dt.type(x)
                info = np.iinfo(dt)
                if type(x) is not int or not info.min <= x <= info.max:
                    raise ValueError(f"expected an integer in {info.min}..{info.max}, found {x!r}")
                return dt.type(x)
            if tag == "ndarray":
                dt = _NUMPY[v["dtype"]]
                shape = tuple(int(d) for d in v["shape"])
                raw = base64.b64decode(v["base64"], validate=True)
                a = np.frombuffer(raw, dtype=dt).reshape(shape).copy()
                if dt == np.bool_ and a.view(np.uint8).max(initial=0) > 1:
                    raise ValueError("bool elements must be 0 or 1")
                if read_only:
                    a.setflags(write=False)
                return a
        except (KeyError, TypeError, ValueError, OverflowError) as e:
            raise _bad(where, f"invalid tagged value {tag!r}: {e}") from None
        if tag is not None:
            raise _bad(where, f"unknown value tag {tag!r}")
        return {k: _scalar_back(x, f"{where}.{k}", read_only) for k, x in v.items()}
    if isinstance(v, list):
        return [_scalar_back(x, f"{where}[{i}]", read_only) for i, x in enumerate(v)]
    return v


def from_tree(node, read_only=False, where="root"):
    """The Python value of a tree returned by the engine."""
    kind, version, params_text, arrays, children = node
    if where == "root":  # every type name is checked before anything is constructed
        _estimators.check_tree(node)
    if _estimators.is_sklearn_type(kind):
        return _estimators.load_node(node, where, read_only)
    params = json.loads(params_text)
    arrays = dict(arrays)
    children = dict(children)
    if kind not in (DICT, LIST, TUPLE, VALUE):
        return StoredObject(
            kind, version,
            {k: _scalar_back(v, f"{where}.params.{k}", read_only) for k, v in params.items()},
            arrays,
            {k: from_tree(c, read_only, f"{where}.{k}") for k, c in children.items()})
    if version > VERSION:
        from ._errors import VersionError
        raise VersionError(f"fitstore: {where}.version: type {kind} version {version} is newer than the "
                           f"supported version {VERSION}", field=f"{where}.version")
    stored_as = params.get("_py_as", {})
    if not isinstance(stored_as, dict):
        raise _bad(f"{where}.params._py_as", "expected an object")

    def member(name):
        if name in children:
            return from_tree(children.pop(name), read_only, f"{where}.{name}")
        if name in arrays:
            a = arrays.pop(name)
            as_kind = stored_as.get(name)
            if as_kind is None:
                return a
            if a.dtype != np.uint8 or a.ndim != 1:
                raise _bad(f"{where}.{name}", f"a stored {as_kind} must be a 1-d uint8 array")
            if as_kind == "bytes":
                return a.tobytes()
            if as_kind == "str":
                try:
                    return a.tobytes().decode("utf-8")
                except UnicodeDecodeError as e:
                    raise _bad(f"{where}.{name}", f"stored str is not UTF-8: {e}") from None
            raise _bad(f"{where}.params._py_as.{name}", f"unknown kind {as_kind!r}")
        if name in params:
            return _scalar_back(params.pop(name), f"{where}.params.{name}", read_only)
        raise _bad(f"{where}", f"member {name!r} is missing")

    if kind == VALUE:
        return member("value")
    if kind == DICT:
        keys = params.pop("_py_keys", None)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _bad(f"{where}.params._py_keys", "expected a list of strings")
        return {k: member(member_name(k, i)) for i, k in enumerate(keys)}
    n = params.pop("_py_len", None)
    if type(n) is not int or n < 0:
        raise _bad(f"{where}.params._py_len", "expected a count")
    items = [member(str(i)) for i in range(n)]
    return items if kind == LIST else tuple(items)
