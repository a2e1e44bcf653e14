"""The adapter machinery of fitstore.sklearn (FORMAT.md section 11).

An adapter turns one scikit-learn class into one stored object and back:

- saving: the estimator's hyper-parameters (get_params(deep=False), nested
  estimators as children) and its fitted state by the public attribute names
  (trailing underscore dropped, as in FORMAT.md section 10), each array its own
  dataset, plus the derived values prediction needs;
- loading: the class is imported by the adapter's own code (never from a name
  in the file), its parameters are checked against scikit-learn's declared
  constraints BEFORE it is constructed, and the fitted state is set the way the
  installed scikit-learn keeps it (private attributes included).

Nothing here pickles, calls __getstate__/__setstate__ or imports a module named
by a store.
"""
import json
import re
import warnings

import numpy as np

from .. import _mapping
from .._errors import FormatError, UnsupportedTypeError, VersionError

#: scikit-learn releases (major.minor) every built-in adapter was checked against.
CHECKED_VERSIONS = ("1.2",)
_MISSING = object()


class SklearnVersionWarning(UserWarning):
    """The installed scikit-learn is outside the versions an adapter was checked against."""


def bad(where, message):
    return FormatError(f"fitstore: {where}: {message}", field=where)


def class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


# ---------------------------------------------------------------- param values
# sklearn_params holds get_params(deep=False) minus nested estimators. Values use
# FORMAT.md 9.2's JSON encoding, plus two tags for what get_params returns and 9.2
# has no param form for: {"_py": "tuple", "items": [...]} and
# {"_py": "dict", "keys": [...], "values": [...]} (keys of any scalar kind, as in
# class_weight={0: 1.0, 1: 5.0}).

def encode_value(v, where):
    t = type(v)
    if t is list:
        return [encode_value(x, f"{where}[{i}]") for i, x in enumerate(v)]
    if t is tuple:
        return {"_py": "tuple", "items": [encode_value(x, f"{where}[{i}]") for i, x in enumerate(v)]}
    if t is dict:
        keys = list(v.keys())
        return {"_py": "dict", "keys": [encode_value(k, f"{where}.keys[{i}]") for i, k in enumerate(keys)],
                "values": [encode_value(v[k], f"{where}[{k!r}]") for k in keys]}
    if v is None or t in (bool, str, int, float, bytes) or isinstance(v, (np.ndarray, np.generic)):
        try:
            return _mapping._Writer(0).scalar(v, [])
        except UnsupportedTypeError as e:
            raise UnsupportedTypeError(f"fitstore: {where}: {e}", field=where) from None
    raise UnsupportedTypeError(
        f"fitstore: {where}: a {t.__module__}.{t.__qualname__} cannot be stored as a scikit-learn "
        f"parameter (fitstore stores None, bool, int, float, str, bytes, numpy scalars and small arrays, "
        f"lists, tuples and dicts of them, and estimators with an adapter; it never pickles)", field=where)


def decode_value(v, where):
    if isinstance(v, list):
        return [decode_value(x, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, dict):
        tag = v.get("_py")
        if tag == "tuple":
            items = v.get("items")
            if not isinstance(items, list) or len(v) != 2:
                raise bad(where, "a tuple value is {\"_py\": \"tuple\", \"items\": [...]}")
            return tuple(decode_value(x, f"{where}[{i}]") for i, x in enumerate(items))
        if tag == "dict":
            keys, values = v.get("keys"), v.get("values")
            if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values) or len(v) != 3:
                raise bad(where, "a dict value is {\"_py\": \"dict\", \"keys\": [...], \"values\": [...]} "
                                 "with as many keys as values")
            out = {}
            for i, (k, x) in enumerate(zip(keys, values)):
                key = decode_value(k, f"{where}.keys[{i}]")
                if isinstance(key, (list, tuple, dict, np.ndarray)):
                    raise bad(f"{where}.keys[{i}]", f"a dict key must be a scalar, found {type(key).__name__}")
                out[key] = decode_value(x, f"{where}[{key!r}]")
            return out
        if tag is None:
            raise bad(where, "a JSON object here must be a tagged value ({\"_py\": ...})")
        return _mapping._scalar_back(v, where, False)
    return v


# ------------------------------------------------------------------- strings
def encode_strings(values):
    """(uint8 [n, w] matrix, uint32 [n] lengths): FORMAT.md 10.2's string rows."""
    encoded = [str(s).encode("utf-8") for s in values]
    width = max([1] + [len(e) for e in encoded])
    matrix = np.zeros((len(encoded), width), dtype=np.uint8)
    for i, e in enumerate(encoded):
        matrix[i, :len(e)] = np.frombuffer(e, dtype=np.uint8)
    return matrix, np.array([len(e) for e in encoded], dtype="<u4")


def decode_strings(matrix, lengths, where):
    if matrix.dtype != np.uint8 or matrix.ndim != 2:
        raise bad(where, f"expected a uint8 [n, w] array, found {matrix.dtype} {list(matrix.shape)}")
    if lengths.dtype != np.uint32 or lengths.shape != (matrix.shape[0],):
        raise bad(where + "_lengths", f"expected uint32 [{matrix.shape[0]}], found {lengths.dtype} {list(lengths.shape)}")
    out = []
    for i, (row, n) in enumerate(zip(matrix, lengths)):
        if n > matrix.shape[1]:
            raise bad(where + "_lengths", f"length {int(n)} of row {i} exceeds the width {matrix.shape[1]}")
        try:
            out.append(bytes(row[:n]).decode("utf-8"))
        except UnicodeDecodeError as e:
            raise bad(where, f"row {i} is not UTF-8: {e}") from None
    return out


# Label dtypes a store may ask for (sklearn_dtype of classes): never an arbitrary dtype string.
_LABEL_DTYPE = re.compile(r"(\|b1|[<|][iu][1248]|<f[48]|<U[0-9]{1,6}|object)\Z")


# -------------------------------------------------------------------- writer
class NodeWriter:
    """What an adapter fills when saving: params (JSON values), arrays, children."""

    def __init__(self, adapter, where):
        self.adapter = adapter
        self.where = where
        self.params = {}
        self.arrays = []
        self.children = []

    def param(self, name, value):
        if name in self.params:
            raise UnsupportedTypeError(f"fitstore: {self.where}.params.{name}: stored twice", field=name)
        self.params[name] = value

    def array(self, name, a, dtype=None):
        a = np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype)
        _mapping._dtype_name(a.dtype, [self.where, name], "array")
        self.arrays.append((name, _mapping._little(a)))

    def child(self, name, estimator):
        from . import _registry
        self.children.append((name, _registry.save_node(estimator, f"{self.where}.children.{name}")))

    def labels(self, name, values):
        """classes_-like labels: int64/float64 arrays, or string rows (FORMAT.md 10.2)
        with `<name>_lengths`; the param `<name>_kind` says which, `sklearn_<name>_dtype`
        the numpy dtype to give back."""
        values = np.asarray(values)
        kind = values.dtype.kind
        if kind in "iub":
            self.param(f"{name}_kind", "int64")
            self.array(name, values.astype("<i8"))
        elif kind == "f":
            self.param(f"{name}_kind", "float64")
            self.array(name, values.astype("<f8"))
        elif kind in "UO" and all(type(v) in (str, np.str_) for v in values.ravel()):
            self.param(f"{name}_kind", "string")
            matrix, lengths = encode_strings(values.ravel())
            self.array(name, matrix)
            self.array(f"{name}_lengths", lengths)
        else:
            raise UnsupportedTypeError(
                f"fitstore: {self.where}.{name}: labels of dtype {values.dtype} are not stored "
                f"(integers, floats, bools and str are)", field=name)
        dt = "object" if kind == "O" else values.dtype.str
        self.param(f"sklearn_{name}_dtype", dt)

    def node(self):
        return (self.adapter.type_name, self.adapter.version, json.dumps(self.params, allow_nan=False),
                self.arrays, self.children)


# -------------------------------------------------------------------- reader
class NodeReader:
    """A stored object as an adapter reads it: every accessor checks kind, dtype and
    shape and raises FormatError naming the field."""

    def __init__(self, node, where, read_only):
        kind, version, params_text, arrays, children = node
        self.type, self.version = kind, version
        self.params = json.loads(params_text)
        if not isinstance(self.params, dict):
            raise bad(f"{where}.params", "expected an object")
        self.arrays = dict(arrays)
        self.children = dict(children)
        self.where = where
        self.read_only = read_only

    def has_param(self, name):
        return name in self.params

    def has_array(self, name):
        return name in self.arrays

    def param(self, name, kinds, default=_MISSING):
        """The param `name` as JSON, which must be one of `kinds` (bool, int, float, str,
        list, dict, None); float accepts ints and the non-finite strings."""
        field = f"{self.where}.params.{name}"
        if name not in self.params:
            if default is _MISSING:
                raise bad(field, "required param is missing")
            return default
        v = self.params[name]
        if isinstance(kinds, type) or kinds is None:
            kinds = (kinds,)
        for k in kinds:
            if k is None and v is None:
                return v
            if k is bool and type(v) is bool:
                return v
            if k is int and type(v) is int:
                return v
            if k is float and type(v) in (int, float):
                return float(v)
            if k is float and v in ("nan", "inf", "-inf"):
                return float(v)
            if k in (str, list, dict) and type(v) is k:
                return v
        names = " or ".join("null" if k is None else {bool: "a boolean", int: "an integer", float: "a number",
                                                      str: "a string", list: "a list", dict: "an object"}[k]
                            for k in kinds)
        raise bad(field, f"expected {names}, found {json.dumps(v)[:64]}")

    def value(self, name, default=_MISSING):
        """A fitted scalar stored with FORMAT.md 9.2's encoding (numpy scalars keep their dtype)."""
        if name not in self.params:
            if default is _MISSING:
                raise bad(f"{self.where}.params.{name}", "required param is missing")
            return default
        return decode_value(self.params[name], f"{self.where}.params.{name}")

    def array(self, name, dtype=None, ndim=None, shape=None, default=_MISSING):
        field = f"{self.where}.arrays.{name}"
        if name not in self.arrays:
            if default is _MISSING:
                raise bad(field, "required array is missing")
            return default
        a = self.arrays[name]
        if dtype is not None and a.dtype != np.dtype(dtype):
            raise bad(field, f"expected dtype {np.dtype(dtype)}, found {a.dtype}")
        if ndim is not None and a.ndim != ndim:
            raise bad(field, f"expected {ndim} dimensions, found shape {list(a.shape)}")
        if shape is not None and tuple(a.shape) != tuple(shape):
            raise bad(field, f"expected shape {list(shape)}, found {list(a.shape)}")
        return a

    def finite(self, name, a):
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise bad(f"{self.where}.arrays.{name}", "expected finite values")
        return a

    def labels(self, name, count=None):
        """Labels written by NodeWriter.labels (or by C++: int64/float64/string)."""
        kind = self.param(f"{name}_kind", str, "int64")
        if kind == "int64":
            values = self.array(name, "<i8", 1)
        elif kind == "float64":
            values = self.array(name, "<f8", 1)
        elif kind == "string":
            matrix = self.array(name, np.uint8, 2)
            lengths = self.array(f"{name}_lengths", np.uint32, 1)
            values = decode_strings(matrix, lengths, f"{self.where}.arrays.{name}")
        else:
            raise bad(f"{self.where}.params.{name}_kind", f"expected int64, float64 or string, found {kind!r}")
        if count is not None and len(values) != count:
            raise bad(f"{self.where}.arrays.{name}", f"expected {count} labels, found {len(values)}")
        dt = self.param(f"sklearn_{name}_dtype", str, None)
        if dt is None:
            dt = {"int64": "<i8", "float64": "<f8", "string": "object"}[kind]
        if not _LABEL_DTYPE.match(dt) or (kind == "string") != (dt == "object" or dt.startswith("<U")):
            raise bad(f"{self.where}.params.sklearn_{name}_dtype", f"{dt!r} is not a label dtype for {kind} labels")
        if dt == "object":
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
        out = np.array(values, dtype=dt)
        if kind != "string" and not np.array_equal(out, values):
            raise bad(f"{self.where}.params.sklearn_{name}_dtype", f"labels do not fit in {dt}")
        return out

    def feature_names(self, n_features):
        names = self.param("feature_names_in", list, [])
        if not all(type(n) is str for n in names):
            raise bad(f"{self.where}.params.feature_names_in", "expected a list of strings")
        if names and len(names) != n_features:
            raise bad(f"{self.where}.params.feature_names_in",
                      f"expected {n_features} names, found {len(names)}")
        if not names:
            return None
        out = np.empty(len(names), dtype=object)
        out[:] = names
        return out

    def child(self, name):
        from . import _registry
        if name not in self.children:
            raise bad(f"{self.where}.children.{name}", "required child object is missing")
        return _registry.load_node(self.children[name], f"{self.where}.children.{name}", self.read_only)


# ------------------------------------------------------------------- adapter
class Adapter:
    """One scikit-learn class <-> one stored object type.

    Subclasses set `type_name` (the stored type: a C++ type name where the schema is
    shared, else the public class name), `version`, `sklearn_class` (the public name,
    e.g. "sklearn.svm.SVC") and `checked_versions`, and implement estimator_class()
    (a fixed import), save_fitted() and load_fitted()."""

    type_name = None
    version = 1
    sklearn_class = None
    checked_versions = CHECKED_VERSIONS

    def estimator_class(self):
        raise NotImplementedError

    # -- saving
    def save(self, est, where):
        w = NodeWriter(self, where)
        w.param("sklearn_class", self.sklearn_class)
        import sklearn
        w.param("sklearn_version", sklearn.__version__)
        params = {}
        for name, value in est.get_params(deep=False).items():
            if name in self.child_params():
                continue
            params[name] = encode_value(value, f"{where}.{self.sklearn_class}.{name}")
        w.param("sklearn_params", params)
        self.save_params(est, w)
        self.save_fitted(est, w)
        return w.node()

    def child_params(self):
        """get_params names stored as children (Pipeline's steps)."""
        return ()

    def save_params(self, est, w):
        """Hyper-parameters in a shared (C++) schema, besides sklearn_params."""

    def save_fitted(self, est, w):
        raise NotImplementedError

    # -- loading
    def check_class(self, r):
        stored = r.param("sklearn_class", str, self.sklearn_class)
        if stored != self.sklearn_class:
            raise UnsupportedTypeError(
                f"fitstore: {r.where}.params.sklearn_class: an object of type {self.type_name!r} is a "
                f"{self.sklearn_class}, found {stored!r}; nothing was constructed", field=f"{r.where}.params.sklearn_class")
        if r.version > self.version or r.version < 1:
            raise VersionError(
                f"fitstore: {r.where}.version: type {self.type_name!r} version {r.version} is newer than the "
                f"supported version {self.version}", field=f"{r.where}.version")

    def stored_params(self, r):
        """The constructor's parameters: sklearn_params, or the shared schema's params
        (a store written by C++) through params_from_schema()."""
        if r.has_param("sklearn_params"):
            raw = r.param("sklearn_params", dict)
            return {k: decode_value(v, f"{r.where}.params.sklearn_params.{k}") for k, v in raw.items()}
        return self.params_from_schema(r)

    def params_from_schema(self, r):
        raise bad(f"{r.where}.params.sklearn_params", "required param is missing")

    def construct(self, r, params):
        """Checks `params` against the installed class, then constructs it (the only call
        that runs scikit-learn code with values from the file)."""
        cls = self.estimator_class()
        check_version(self)
        names = set(cls._get_param_names())
        unknown = sorted(set(params) - names)
        if unknown:
            if in_checked_range(self):
                raise bad(f"{r.where}.params.sklearn_params.{unknown[0]}",
                          f"{self.sklearn_class} has no parameter {unknown[0]!r}")
            warnings.warn(f"fitstore: {r.where}: dropping parameters {unknown} that this scikit-learn's "
                          f"{self.sklearn_class} does not have", SklearnVersionWarning, stacklevel=4)
            params = {k: v for k, v in params.items() if k in names}
        constraints = getattr(cls, "_parameter_constraints", None)
        if constraints:
            try:
                from sklearn.utils._param_validation import validate_parameter_constraints
            except ImportError:  # another scikit-learn: its own fit/predict checks stay
                validate_parameter_constraints = None
            if validate_parameter_constraints is not None:
                for name, value in params.items():
                    try:
                        validate_parameter_constraints({name: constraints[name]} if name in constraints else {},
                                                       {name: value}, caller_name=cls.__name__)
                    except Exception as e:  # InvalidParameterError (a ValueError and TypeError)
                        raise bad(f"{r.where}.params.sklearn_params.{name}", str(e)) from None
        self.check_params(r, params)
        return cls(**params)

    def check_params(self, r, params):
        """Extra checks of constructor parameters (those scikit-learn does not declare)."""

    def load(self, r):
        self.check_class(r)
        params = self.stored_params(r)
        self.check_before_construct(r, params)
        est = self.construct(r, params)
        self.load_fitted(r, est)
        return est

    def check_before_construct(self, r, params):
        """Validates the fitted state (shapes, kinds) before anything is constructed."""

    def load_fitted(self, r, est):
        """Sets the fitted attributes check_before_construct left in r.state
        ({attribute: value}; a None feature_names_in_ is not set)."""
        for attr, value in r.state.items():
            if attr == "feature_names_in_" and value is None:
                continue
            setattr(est, attr, value)

    def variants(self):
        """The adapters that save estimators of this stored type: this one (a
        FamilyAdapter has one per scikit-learn class)."""
        return (self,)


class FamilyAdapter(Adapter):
    """One stored type shared by several scikit-learn classes (trees, forests and
    neighbours, FORMAT.md 12-13: the class is the param `sklearn_class`, the task the
    param `task`, so one C++ type reads them all). It holds one member Adapter per
    class, all with this type_name; saving finds the member by the estimator's class,
    loading by member_for(reader), which subclasses implement from the stored params
    (a fixed table: never an import of a stored name)."""

    def __init__(self, type_name, version, members):
        self.type_name = type_name
        self.version = version
        self.members = {m.sklearn_class: m for m in members}
        if not self.members or any(m.type_name != type_name for m in members):
            raise ValueError(f"fitstore.sklearn.FamilyAdapter {type_name!r}: members must share its type_name")
        self.sklearn_class = ", ".join(self.members)

    def variants(self):
        return tuple(self.members.values())

    def member_for(self, r):
        raise NotImplementedError

    def save(self, est, where):
        raise TypeError("a FamilyAdapter saves through its members (variants())")

    def load(self, r):
        return self.member_for(r).load(r)


def installed_version():
    import sklearn
    return sklearn.__version__


def in_checked_range(adapter):
    v = installed_version()
    return any(v == c or v.startswith(c + ".") for c in adapter.checked_versions)


def check_version(adapter):
    if not in_checked_range(adapter):
        warnings.warn(
            f"fitstore: the {adapter.sklearn_class} adapter was checked against scikit-learn "
            f"{', '.join(adapter.checked_versions)}; the installed scikit-learn is {installed_version()}: "
            f"check its predictions", SklearnVersionWarning, stacklevel=5)


# ------------------------------------------------------- public-attribute adapter
class AttributeAdapter(Adapter):
    """An adapter that stores a declared list of public fitted attributes, for classes
    that predict from their public attributes alone (linear models, scalers, PCA).

    `attributes`: (attribute, kind, dtype) with kind
        "array"   an ndarray, its own dataset
        "labels"  classes_-like labels (FORMAT.md 10.2's encoding for strings)
        "value"   a scalar param (FORMAT.md 9.2 encoding: numpy scalars keep their dtype)
        "any"     an ndarray (dataset) or a scalar / None (param), as the fit left it
    Stored names drop the trailing underscore. n_features_in_ and feature_names_in_
    are always stored (params n_features_in, feature_names_in). check_fitted(r, v)
    checks shapes before construction; v maps attribute names to loaded values."""

    attributes = ()

    def __init__(self, type_name, sklearn_class, module, name, attributes, check_fitted=None):
        self.type_name = type_name
        self.sklearn_class = sklearn_class
        self._module, self._name = module, name
        self.attributes = attributes
        self._check_fitted = check_fitted

    def estimator_class(self):
        import importlib
        # `_module`/`_name` are constants of this package's adapter table, never file content.
        return getattr(importlib.import_module(self._module), self._name)

    def save_fitted(self, est, w):
        w.param("n_features_in", int(est.n_features_in_))
        names = getattr(est, "feature_names_in_", None)
        w.param("feature_names_in", [str(n) for n in names] if names is not None else [])
        for attr, kind, dtype in self.attributes:
            name = attr.rstrip("_")
            if not hasattr(est, attr):
                continue
            v = getattr(est, attr)
            if kind == "labels":
                w.labels(name, v)
            elif isinstance(v, np.ndarray) and kind in ("array", "any"):
                w.array(name, v, dtype)
            elif kind in ("value", "any"):
                w.param(name, encode_value(v, f"{w.where}.{attr}"))
            else:
                raise UnsupportedTypeError(
                    f"fitstore: {w.where}.{attr}: expected an ndarray, found {type(v).__name__}", field=attr)

    def check_before_construct(self, r, params):
        d = r.param("n_features_in", int)
        if d < 1:
            raise bad(f"{r.where}.params.n_features_in", f"expected an integer >= 1, found {d}")
        v = {"n_features_in_": d, "feature_names_in_": r.feature_names(d)}
        for attr, kind, dtype in self.attributes:
            name = attr.rstrip("_")
            if kind == "labels":
                if r.has_array(name):
                    v[attr] = r.labels(name)
            elif r.has_array(name) and kind in ("array", "any"):
                v[attr] = r.array(name, dtype)
            elif r.has_param(name) and kind in ("value", "any"):
                v[attr] = r.value(name)
        if self._check_fitted is not None:
            self._check_fitted(r, v, params)
        r.state = v


def expect(r, v, attr, shape, required=True, finite=True):
    """Checks v[attr]'s shape (an ndarray) and finiteness; FormatError naming the field."""
    name = attr.rstrip("_")
    if attr not in v:
        if required:
            raise bad(f"{r.where}.arrays.{name}", "required array is missing")
        return
    a = v[attr]
    if not isinstance(a, np.ndarray) or tuple(a.shape) != tuple(shape):
        found = list(a.shape) if isinstance(a, np.ndarray) else type(a).__name__
        raise bad(f"{r.where}.arrays.{name}", f"expected shape {list(shape)}, found {found}")
    if finite and a.dtype.kind == "f" and not np.isfinite(a).all():
        raise bad(f"{r.where}.arrays.{name}", "expected finite values")
