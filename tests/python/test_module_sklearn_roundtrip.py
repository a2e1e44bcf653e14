#!/usr/bin/python3
"""fitstore.sklearn round trips: every supported scikit-learn type fitted on
scikit-learn's data sets (iris, wine, breast_cancer, digits; diabetes for the
regressors), SVM kernels linear/rbf/poly, dense and CSR, with and without
probability, string/bool labels, feature names, pipelines (sklearn_cases.py).

The parent fits, records every prediction method's output and dumps each model in
every layout; one fresh process per layout (sklearn_roundtrip_child.py) loads
each store copied and with mmap_mode="r" and computes the same outputs, which must
be BIT-IDENTICAL (same dtype, shape and bytes). The loaded objects are the real
scikit-learn classes, pass check_is_fitted, map their arrays, and can be re-fit."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import fitstore
import sklearn_cases

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUTS = {"directory": "", "hdf5": ".h5", "blob": ".fitstore"}
# One case per adapter type is re-fitted after loading (fits are deterministic here).
REFIT = ["svc_iris_rbf_proba", "nu_svc_wine_rbf", "svr_diabetes_rbf", "nu_svr_diabetes_linear",
         "one_class_svm_iris_rbf", "svc_iris_rbf_proba_sparse", "linear_svc_iris", "logistic_regression_wine",
         "linear_regression_diabetes", "ridge_diabetes", "standard_scaler_wine", "min_max_scaler_iris", "pca_digits",
         "pipeline_scaler_svc_wine", "logistic_regression_iris_string_labels", "svc_wine_feature_names"]
SUPPORTED = {"sklearn.svm._classes.SVC", "sklearn.svm._classes.NuSVC", "sklearn.svm._classes.SVR",
             "sklearn.svm._classes.NuSVR", "sklearn.svm._classes.OneClassSVM", "sklearn.svm._classes.LinearSVC",
             "sklearn.linear_model._logistic.LogisticRegression", "sklearn.linear_model._base.LinearRegression",
             "sklearn.linear_model._ridge.Ridge", "sklearn.preprocessing._data.StandardScaler",
             "sklearn.preprocessing._data.MinMaxScaler", "sklearn.decomposition._pca.PCA",
             "sklearn.pipeline.Pipeline"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sklearn_roundtrip")
    start = time.time()
    models, reference, skipped = {}, {}, []
    for case in sklearn_cases.NAMES:
        est = sklearn_cases.fit(case)
        if est is None:
            skipped.append(case)
            continue
        models[case] = est
        reference[case] = sklearn_cases.outputs(est, sklearn_cases.xy(case)[0])
    fitted = time.time()
    reports, children = {}, {}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))
    for layout, ext in LAYOUTS.items():
        stores = {}
        for case, est in models.items():
            stores[case] = str(tmp / f"{case}{ext}")
            fitstore.dump(est, stores[case], durable=False)
        job = tmp / f"{layout}.job.json"
        job.write_text(json.dumps({"layout": layout, "stores": stores, "out": str(tmp),
                                   "refit": REFIT if layout == "directory" else []}))
        # One fresh process per layout, running side by side.
        children[layout] = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "sklearn_roundtrip_child.py"), str(job)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for layout, p in children.items():
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        reports[layout] = json.loads((tmp / f"{layout}.json").read_text())
    print(f"\n{len(models)} models ({len(skipped)} skipped by scikit-learn: {skipped}); fit {fitted - start:.1f} s, "
          f"dump + 3 fresh-process loads {time.time() - fitted:.1f} s")
    return {"tmp": tmp, "models": models, "reference": reference, "reports": reports}


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_cases_cover_every_supported_type():
    classes = set()
    for case in sklearn_cases.NAMES:
        make = [c for c in sklearn_cases.CASES if c[0] == case][0][1]
        est = make()
        for obj in [est] + [s for _, s in getattr(est, "steps", [])]:
            classes.add(f"{type(obj).__module__}.{type(obj).__qualname__}")
    assert classes == SUPPORTED
    # Trees, forests and neighbours (one stored type per family) are covered by test_module_trees_*.py.
    trees = {"sklearn.tree.DecisionTreeClassifier", "sklearn.tree.DecisionTreeRegressor",
             "sklearn.ensemble.RandomForestClassifier", "sklearn.ensemble.RandomForestRegressor",
             "sklearn.ensemble.ExtraTreesClassifier", "sklearn.ensemble.ExtraTreesRegressor",
             "sklearn.neighbors.KNeighborsClassifier", "sklearn.neighbors.KNeighborsRegressor"}
    registered = set()
    for classes in fitstore.sklearn.registered_types().values():
        registered |= {classes} if isinstance(classes, str) else set(classes)
    assert registered == trees | {"sklearn.svm.SVC", "sklearn.svm.NuSVC", "sklearn.svm.SVR", "sklearn.svm.NuSVR",
                                  "sklearn.svm.OneClassSVM", "sklearn.svm.LinearSVC",
                                  "sklearn.linear_model.LogisticRegression", "sklearn.linear_model.LinearRegression",
                                  "sklearn.linear_model.Ridge", "sklearn.preprocessing.StandardScaler",
                                  "sklearn.preprocessing.MinMaxScaler", "sklearn.decomposition.PCA",
                                  "sklearn.pipeline.Pipeline"}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("mode", [None, "r"])
def test_fresh_process_outputs_are_bit_identical(run, layout, mode):
    failures, compared = [], 0
    for case, ref in run["reference"].items():
        entry = run["reports"][layout][case][str(mode)]
        if entry["error"]:
            failures.append(f"{case}: {entry['error']}")
            continue
        with np.load(run["tmp"] / f"{case}.{layout}.{mode}.npz", allow_pickle=False) as got:
            if set(got.files) != set(ref):
                failures.append(f"{case}: methods {sorted(got.files)} != {sorted(ref)}")
            for method, want in ref.items():
                compared += 1
                if method in got.files and not same_bits(want, got[method]):
                    failures.append(f"{case}.{method}: not bit-identical")
    print(f"{layout} mmap_mode={mode}: {compared} outputs of {len(run['reference'])} models compared")
    assert compared > 250 and not failures, "\n".join(failures)


def test_loaded_objects_are_the_scikit_learn_classes_and_fitted(run):
    named = 0
    for layout, report in run["reports"].items():
        for case, est in run["models"].items():
            for mode in ("None", "r"):
                entry = report[case][mode]
                assert entry["class"] == f"{type(est).__module__}.{type(est).__qualname__}", (layout, case)
                assert entry["fitted"] is True
                names = getattr(est, "feature_names_in_", None)
                assert entry["feature_names"] == (None if names is None else list(names)), (layout, case)
                if names is not None:
                    assert entry["names_dtype"] == "object"
                    named += 1
    assert named == 2 * 3 * 2  # the two cases fitted on a frame with named columns, 3 layouts, 2 modes


def test_mmap_loads_map_the_arrays(run):
    """mmap_mode="r": the estimator's arrays are read-only views of the file (all but the few
    derived ones, e.g. a binary SVC's sign-flipped _dual_coef_); copied loads map nothing."""
    for layout, report in run["reports"].items():
        mapped = sum(report[c]["r"]["mapped_bytes"] for c in run["models"])
        copied = sum(report[c]["r"]["unmapped_bytes"] for c in run["models"])
        assert sum(report[c]["None"]["mapped_bytes"] for c in run["models"]) == 0
        print(f"{layout}: mmap_mode='r' mapped {mapped} bytes, {copied} bytes derived or copied")
        assert mapped > 4 * copied, (layout, mapped, copied)
        for case in ("svc_digits_rbf_proba", "nu_svc_digits_rbf_proba", "svr_diabetes_rbf"):
            assert report[case]["r"]["mapped_bytes"] > 0, (layout, case)


def test_loaded_estimators_can_be_refit(run):
    refit = run["reports"]["directory"]["refit"]
    assert sorted(refit) == sorted(REFIT)
    for case in REFIT:
        assert refit[case] == "", f"{case}: {refit[case]}"
        with np.load(run["tmp"] / f"{case}.refit.npz", allow_pickle=False) as got:
            for method, want in run["reference"][case].items():
                assert same_bits(want, got[method]), f"{case}.{method}: refit differs from the original fit"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
