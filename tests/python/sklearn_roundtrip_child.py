"""Run by test_module_sklearn_roundtrip.py in a fresh process (nothing of the
dumping process survives): loads every store of one layout, copied and with
mmap_mode="r", and writes what the loaded estimators compute.

argv: job.json = {"layout", "stores": {case: path}, "out": folder, "refit": [cases]}
Writes out/<case>.<layout>.<mode>.npz (the outputs) and out/<layout>.json:
{case: {mode: {"class", "fitted", "mapped_bytes", "unmapped_bytes", "error"}}, "refit": {case: error or ""}}.
"""
import json
import os
import sys
import traceback

import numpy as np
import scipy.sparse as sp


def array_attributes(est):
    """Every ndarray held by the estimator (and its pipeline steps), CSR parts included."""
    found = []
    objects = [est] + [step for _, step in getattr(est, "steps", [])]
    for obj in objects:
        for value in vars(obj).values():
            if isinstance(value, np.ndarray) and value.dtype != object:
                found.append(value)
            elif sp.issparse(value):
                found += [value.data, value.indices, value.indptr]
    return found


def main():
    job = json.load(open(sys.argv[1]))
    import fitstore
    from sklearn.utils.validation import check_is_fitted
    import sklearn_cases
    report = {}
    for case, path in job["stores"].items():
        X, _ = sklearn_cases.xy(case)
        report[case] = {}
        for mode in (None, "r"):
            entry = {"error": ""}
            try:
                est = fitstore.load(path, mmap_mode=mode)
                entry["class"] = f"{type(est).__module__}.{type(est).__qualname__}"
                check_is_fitted(est)
                entry["fitted"] = True
                names = getattr(est, "feature_names_in_", None)
                entry["feature_names"] = None if names is None else [str(n) for n in names]
                entry["names_dtype"] = None if names is None else str(names.dtype)
                arrays = array_attributes(est)
                # Read-only arrays that do not own their memory are views of the file mapping.
                entry["mapped_bytes"] = int(sum(a.nbytes for a in arrays if not a.flags.writeable and a.base is not None))
                entry["unmapped_bytes"] = int(sum(a.nbytes for a in arrays) - entry["mapped_bytes"])
                out = sklearn_cases.outputs(est, X)
                np.savez(os.path.join(job["out"], f"{case}.{job['layout']}.{mode}.npz"), **out)
            except Exception:
                entry["error"] = traceback.format_exc(limit=3)
            report[case][str(mode)] = entry
    refit = {}
    for case in job["refit"]:
        try:
            est = fitstore.load(job["stores"][case], mmap_mode="r")
            X, y = sklearn_cases.xy(case)
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X, y)
            np.savez(os.path.join(job["out"], f"{case}.refit.npz"), **sklearn_cases.outputs(est, X))
            refit[case] = ""
        except Exception:
            refit[case] = traceback.format_exc(limit=3)
    report["refit"] = refit
    with open(os.path.join(job["out"], job["layout"] + ".json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
