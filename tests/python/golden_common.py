"""Shared by the golden-store tests (test_module_sklearn_golden.py, test_module_trees_golden.py):
stores scikit-learn 1.2 wrote under tests/data/<folder>, with expected.fitstore beside them."""
import os
import warnings

import numpy as np
import sklearn

import fitstore


def folder(name):
    return os.path.join(os.environ.get("FITSTORE_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data")),
                        name)


def store(where, case):
    """The store of `case` in folder `where`, whatever its layout's suffix."""
    for ext in ("", ".fitstore", ".h5"):
        if os.path.exists(os.path.join(where, case + ext)):
            return os.path.join(where, case + ext)
    raise FileNotFoundError(case)


def load(where, case, mmap_mode):
    """The estimator of `case`; under scikit-learn 1.2 any warning fails the load."""
    with warnings.catch_warnings():
        warnings.simplefilter("error" if sklearn.__version__.startswith("1.2.") else "default")
        warnings.filterwarnings("ignore", category=fitstore.MmapWarning)  # compressed stores are decompressed
        return fitstore.load(store(where, case), mmap_mode=mmap_mode)


def assert_same(got, value, what):
    """`got` is what scikit-learn 1.2 computed (`value`): bit-identical under 1.2, within 1e-12 otherwise."""
    if isinstance(value, list):
        assert [str(v) for v in got] == value, what
        return
    assert got.dtype == value.dtype and got.shape == value.shape, what
    if sklearn.__version__.startswith("1.2."):
        assert got.tobytes() == value.tobytes(), what
    else:
        assert np.allclose(got, value, rtol=1e-12, atol=1e-12), what


def assert_class(est, case, classes):
    """The case name starts with the longest matching key of `classes` ({prefix: class name})."""
    prefix = max((k for k in classes if case.startswith(k + "_")), key=len)
    assert type(est).__name__ == classes[prefix], case
