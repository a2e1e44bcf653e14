"""Classifiers: C++ `fitstore predict` on trees, forests and k-nearest-neighbours that
scikit-learn fitted and fitstore.dump saved through the sklearn bridge
(FORMAT.md sections 12-13), on iris, digits and breast_cancer: labels identical to scikit-learn's,
probabilities within 1e-12, in every layout, copied and mapped.
"""
import os
import sys

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

import fitstore
from svm_schema import rows, run, write_csv
from trees_common import queries, tmp  # noqa: F401 (tmp is a fixture)

CLASSIFIERS = [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: RandomForestClassifier(n_estimators=25, random_state=0),
    lambda: ExtraTreesClassifier(n_estimators=25, random_state=0),
    lambda: KNeighborsClassifier(n_neighbors=5, algorithm="brute"),
    lambda: KNeighborsClassifier(n_neighbors=8, weights="distance", algorithm="brute"),
]


@pytest.mark.parametrize("data", ["iris", "digits", "breast_cancer"])
def test_classifiers_match_sklearn(tmp, data):
    X, y = getattr(datasets, "load_" + data)(return_X_y=True)
    Xq = queries(X)
    csv = write_csv(os.path.join(tmp, data + ".csv"), Xq)
    for i, make in enumerate(CLASSIFIERS):
        est = make().fit(X, y)
        want_labels, want_proba = est.predict(Xq), est.predict_proba(Xq)
        # Every layout; copied once, mapped in each (the regressor file covers blob copied).
        for layout, name, mmap in [("directory", "m", "none"), ("directory", "m", "r"), ("hdf5", "m.h5", "r"),
                                   ("blob", "m.fitstore", "r")]:
            path = os.path.join(tmp, f"{data}_{i}_{name}")
            fitstore.dump(est, path, layout=layout)
            what = f"{data} {type(est).__name__} #{i} {layout} mmap={mmap}"
            labels = run("predict", path, "--data", csv, "--mmap", mmap).stdout.split()
            assert labels == [str(v) for v in want_labels], what
            proba = rows(run("predict", path, "--data", csv, "--mmap", mmap, "--proba").stdout, len(Xq))
            assert proba.shape == want_proba.shape, what
            assert np.abs(proba - want_proba).max() <= 1e-12, what


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
