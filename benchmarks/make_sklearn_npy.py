"""Support vectors of scikit-learn SVCs as .npy files, for `fitstore bench --codec-speed --npy ...`.

Fits SVC(rbf) on digits and breast_cancer, raw and standardized (StandardScaler),
and saves each model's support_vectors_ (float64) plus a float32 copy of the
standardized digits, and the split thresholds of a 200-tree random forest on
breast_cancer (all trees' tree_.threshold, leaves hold -2). Raw digits are small integers (0-16), raw breast_cancer
holds measurements with 1-5 decimals; standardized data is full precision.

    /usr/bin/python3 benchmarks/make_sklearn_npy.py OUTDIR
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, loader in (("digits", load_digits), ("breast_cancer", load_breast_cancer)):
        X, y = loader(return_X_y=True)
        for variant in ("raw", "standardized"):
            data = StandardScaler().fit_transform(X) if variant == "standardized" else X
            sv = np.ascontiguousarray(SVC(kernel="rbf").fit(data, y).support_vectors_, dtype=np.float64)
            path = os.path.join(out, f"{name}_{variant}_sv.npy")
            np.save(path, sv)
            print(path, sv.shape)
            if name == "digits" and variant == "standardized":
                np.save(os.path.join(out, "digits_standardized_sv_f32.npy"), sv.astype(np.float32))
    X, y = load_breast_cancer(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
    thresholds = np.concatenate([t.tree_.threshold for t in forest.estimators_]).astype(np.float64)
    path = os.path.join(out, "forest_thresholds.npy")
    np.save(path, thresholds)
    print(path, thresholds.shape)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
