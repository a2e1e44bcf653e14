"""Shared by the trees/forests/KNN tests (test_module_trees_*.py)."""
import shutil
import tempfile

import numpy as np
import pytest


@pytest.fixture(scope="module")
def tmp():
    path = tempfile.mkdtemp(prefix="fitstore_trees_cli_")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def queries(X):
    """Every other row jittered by 5% of each feature's spread, plus some training rows as they are."""
    rng = np.random.RandomState(0)
    return np.vstack([X[::2] + rng.normal(0, 0.05, X[::2].shape) * X.std(axis=0), X[1::7]])


def stored(path):
    """(type, version, params, {name: array}, children) of the root object as stored: no adapter runs."""
    import json
    from fitstore import _core
    (kind, version, params, arrays, children), _report, _manifest = _core.read_store(path, "none", False, 0)
    return kind, version, json.loads(params), dict(arrays), children


def rewrite(path, out, mutate_params=None, mutate_arrays=None, layout="directory"):
    """Writes the root object of `path` to `out` after mutate_params(params) / mutate_arrays(arrays)
    (the engine checks only the container, so the damage reaches the adapters and C++ readers)."""
    import json
    from fitstore import _core
    kind, version, params, arrays, children = stored(path)
    arrays = {k: v.copy() for k, v in arrays.items()}
    if mutate_params:
        mutate_params(params)
    if mutate_arrays:
        mutate_arrays(arrays)
    _core.write_store((kind, version, json.dumps(params), list(arrays.items()), children), out, layout, "none", False,
                      4 << 20, 0, False)
    return out


def outputs(est, X):
    """Every prediction method the estimator has, on X."""
    out = {"predict": est.predict(X)}
    if hasattr(est, "predict_proba"):
        out["predict_proba"] = est.predict_proba(X)
    if hasattr(est, "apply"):
        out["apply"] = est.apply(X)
    if hasattr(est, "kneighbors"):
        out["dist"], out["ind"] = est.kneighbors(X)
    return out


# Run in a fresh interpreter: loads every stored variant and saves its outputs.
_CHILD = r"""
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import fitstore
from trees_common import outputs
for job in json.load(open(sys.argv[1])):
    est = fitstore.load(job["path"], mmap_mode=job["mmap"])
    np.savez(job["out"], **outputs(est, np.load(job["X"])))
"""


def fresh_process_check(jobs, expected, folder):
    """Runs `jobs` ({path, mmap, X, out}) in a fresh interpreter and asserts that each output
    is bit-identical (dtype and bytes) to expected[out]; returns how many arrays it compared."""
    import json
    import os
    import subprocess
    import sys
    with open(os.path.join(folder, "jobs.json"), "w") as f:
        json.dump(jobs, f)
    subprocess.run([sys.executable, "-W", "ignore::UserWarning", "-c", _CHILD, os.path.join(folder, "jobs.json"),
                    os.path.dirname(os.path.abspath(__file__))], check=True)
    compared = 0
    for out, ref in expected.items():
        got = np.load(out, allow_pickle=False)
        assert sorted(got.files) == sorted(ref), out
        for key, want in ref.items():
            assert got[key].dtype == want.dtype, (out, key)
            # Bit-identical: same bytes, not just close values.
            assert got[key].tobytes() == np.ascontiguousarray(want).tobytes(), (out, key)
            compared += 1
    return compared
