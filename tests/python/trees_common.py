"""Shared by the trees/forests/KNN CLI tests (test_module_trees_cli*.py)."""
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
