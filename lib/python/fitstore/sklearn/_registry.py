"""Which stored types and which scikit-learn classes have an adapter.

Loading consults only this table: a stored type name is looked up here, never
imported. The check of a whole tree (check_tree) runs before any adapter
constructs anything, so a store naming one unknown type anywhere constructs
nothing at all.
"""
import sys

from .._errors import UnsupportedTypeError

_BY_TYPE = {}      # stored type name -> adapter
_BUILTINS_LOADED = False

# Stored type names the fitstore package itself reads (FORMAT.md section 9).
_PY_TYPES = ("py_dict", "py_list", "py_tuple", "py_value")
# C++-only types without a Python class (fitstore pack / array bundles): they
# load as fitstore.StoredObject, as before this bridge existed.
_HOW_TO = ("only types with an adapter are loaded (fitstore.sklearn.registered_types() lists them); "
           "for your own estimator, subclass fitstore.sklearn.Adapter and call "
           "fitstore.sklearn.register_adapter(adapter) before loading")


def _load_builtins():
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from . import _linear, _pipeline, _preprocessing, _svm, _trees
    for module in (_svm, _linear, _preprocessing, _pipeline, _trees):
        for adapter in module.ADAPTERS:
            register_adapter(adapter)


def register_adapter(adapter, replace=False):
    """Registers `adapter` (an Adapter instance) for its type_name."""
    from ._base import Adapter
    if not isinstance(adapter, Adapter):
        raise TypeError(f"fitstore.sklearn.register_adapter: expected an Adapter instance, found "
                        f"{type(adapter).__name__}")
    for a in (adapter,) + tuple(adapter.variants()):
        for attr in ("type_name", "sklearn_class"):
            if not isinstance(getattr(a, attr), str) or not getattr(a, attr):
                raise ValueError(f"fitstore.sklearn.register_adapter: adapter.{attr} must be a non-empty str")
        if a.type_name != adapter.type_name:
            raise ValueError(f"fitstore.sklearn.register_adapter: variant {a.sklearn_class} has type "
                             f"{a.type_name!r}, not {adapter.type_name!r}")
    if adapter.type_name in _BY_TYPE and not replace and _BY_TYPE[adapter.type_name] is not adapter:
        raise ValueError(f"fitstore.sklearn.register_adapter: type {adapter.type_name!r} already has an adapter "
                         f"(pass replace=True to replace it)")
    _BY_TYPE[adapter.type_name] = adapter


def registered_types():
    """{stored type name: scikit-learn public class name} of every adapter; a type
    several classes share (FamilyAdapter: trees, forests, neighbours) maps to the
    tuple of its classes."""
    _load_builtins()
    out = {}
    for t, a in sorted(_BY_TYPE.items()):
        members = tuple(a.variants())
        out[t] = a.sklearn_class if members == (a,) else tuple(m.sklearn_class for m in members)
    return out


def adapter_for_type(type_name):
    _load_builtins()
    return _BY_TYPE.get(type_name)


def is_estimator(value):
    """True for scikit-learn estimator instances (without importing scikit-learn)."""
    base = sys.modules.get("sklearn.base")
    return base is not None and isinstance(value, base.BaseEstimator)


def adapter_for_estimator(est, where):
    _load_builtins()
    cls = type(est)
    for adapter in [v for a in _BY_TYPE.values() for v in a.variants()]:
        if adapter.sklearn_class.rsplit(".", 1)[-1] != cls.__name__:
            continue  # no import of other adapters' modules
        try:
            if adapter.estimator_class() is cls:
                return adapter
        except ImportError:
            continue
    raise UnsupportedTypeError(
        f"fitstore: {where}: no scikit-learn adapter for {cls.__module__}.{cls.__qualname__}; "
        f"fitstore stores {', '.join(sorted(set(v.sklearn_class for a in _BY_TYPE.values() for v in a.variants())))} "
        f"(never by pickle); for your own estimator subclass fitstore.sklearn.Adapter and call "
        f"fitstore.sklearn.register_adapter(adapter)", field=where)


def save_node(est, where):
    from sklearn.utils.validation import check_is_fitted
    from sklearn.exceptions import NotFittedError
    adapter = adapter_for_estimator(est, where)
    try:
        check_is_fitted(est)
    except NotFittedError:
        raise UnsupportedTypeError(
            f"fitstore: {where}: this {adapter.sklearn_class} is not fitted; fitstore.dump stores fitted "
            f"estimators (call fit first)", field=where) from None
    return adapter.save(est, where)


def is_sklearn_type(type_name):
    """True when `type_name` is loaded by an adapter."""
    return adapter_for_type(type_name) is not None


def check_tree(node, where="root"):
    """Refuses the tree if any object names a type that is neither fitstore's own
    (py_*), nor an adapter's, nor a plain C++ type name; runs before anything is built."""
    kind = node[0]
    if kind not in _PY_TYPES and adapter_for_type(kind) is None and ("." in kind or ":" in kind):
        raise UnsupportedTypeError(
            f"fitstore: {where}.type: no adapter for type {kind!r}: nothing was constructed; {_HOW_TO}",
            field=f"{where}.type")
    for name, child in node[4]:
        check_tree(child, f"{where}.children.{name}")


def load_node(node, where, read_only):
    from ._base import NodeReader
    adapter = adapter_for_type(node[0])
    if adapter is None:
        raise UnsupportedTypeError(
            f"fitstore: {where}.type: no adapter for type {node[0]!r}: nothing was constructed; {_HOW_TO}",
            field=f"{where}.type")
    return adapter.load(NodeReader(node, where, read_only))
