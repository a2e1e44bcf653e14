#!/usr/bin/python3
"""Same files across languages: stores dumped from Python are read by the C++
command line (`fitstore unpack`, `inspect`, `verify`), zarr-python and h5py;
stores written by C++ (`fitstore pack`, `fitstore fit`) load in Python; the
package installs with cmake and imports from any folder."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import fitstore

CLI = os.environ["FITSTORE_CLI"]


def run(*args, expect=0):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, f"{args}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture
def model():
    rng = np.random.default_rng(3)
    return {
        "support_vectors": rng.standard_normal((300, 8)).round(3),
        "dual_coef": rng.standard_normal((1, 300)),
        "n_support": np.array([140, 160], dtype=np.int32),
        "classes": np.arange(2, dtype=np.int64),
        "params": {"C": 1.0, "kernel": "rbf", "gamma": 0.125},
        "scaler": {"mean": rng.standard_normal(8000), "scale": rng.random(8000).astype(np.float32)},
    }


@pytest.mark.parametrize("layout,codec", [("directory", "zstd:3"), ("hdf5", "none"), ("blob", "lz4")])
def test_python_stores_are_read_by_the_cli(tmp_path, model, layout, codec):
    store = str(tmp_path / "m")
    fitstore.dump(model, store, layout=layout, codec=codec, durable=False)
    run("verify", store)
    info = json.loads(run("inspect", store, "--json").stdout)
    assert info["manifest"]["root"]["type"] == "py_dict"
    out = tmp_path / "unpacked"
    run("unpack", store, str(out))
    for key in ("support_vectors", "dual_coef"):
        a = np.load(out / f"{key}.npy")
        assert a.dtype == model[key].dtype and np.array_equal(a, model[key]), key
    # Arrays under min_array_bytes (1 KiB) are kept in the manifest (FORMAT.md 9.3).
    params = info["manifest"]["root"]["params"]
    assert params["n_support"] == {"_py": "ndarray", "dtype": "int32", "shape": [2], "base64": "jAAAAKAAAAA="}
    assert not (out / "n_support.npy").exists()
    for key in ("mean", "scale"):
        assert np.array_equal(np.load(out / "scaler" / f"{key}.npy"), model["scaler"][key])


def test_python_directory_stores_are_zarr_groups(tmp_path, model):
    import zarr
    store = str(tmp_path / "m")
    fitstore.dump(model, store, codec="zstd:1", shuffle=True, chunk_mb=0.01, durable=False)
    group = zarr.open_group(store, mode="r")
    assert np.array_equal(group["support_vectors"][:], model["support_vectors"])
    assert np.array_equal(group["scaler/mean"][:], model["scaler"]["mean"])
    assert group["scaler/scale"].dtype == np.float32
    assert group["support_vectors"].nchunks > 1


def test_zarr_groups_written_by_zarr_python_load(tmp_path):
    import zarr
    store = str(tmp_path / "z")
    group = zarr.open_group(store, mode="w")
    group.array("w", np.arange(100.0).reshape(10, 10), chunks=(3, 4))
    group.create_group("sub").array("v", np.arange(5, dtype="<i4"))
    value = fitstore.load(store)
    assert isinstance(value, fitstore.StoredObject)
    assert np.array_equal(value["w"], np.arange(100.0).reshape(10, 10))
    assert value["sub"]["v"].dtype == np.int32 and np.array_equal(value["sub"]["v"], np.arange(5))


def test_python_hdf5_stores_are_read_by_h5py(tmp_path, model):
    import h5py
    store = str(tmp_path / "m.h5")
    fitstore.dump(model, store, codec="zlib:3", durable=False)
    with h5py.File(store, "r") as f:
        assert np.array_equal(f["support_vectors"][:], model["support_vectors"])
        assert np.array_equal(f["scaler/mean"][:], model["scaler"]["mean"])
        manifest = json.loads(f.attrs["fitstore_manifest"])
    assert manifest["root"]["params"]["_py_keys"] == list(model)


def test_stores_from_fitstore_pack_load_in_python(tmp_path):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((100, 7))
    b = rng.integers(0, 100, 50).astype(np.uint16)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    for layout in ("directory", "hdf5", "blob"):
        store = str(tmp_path / f"packed-{layout}")
        run("pack", store, "--array", f"a={tmp_path}/a.npy", "--array", f"b={tmp_path}/b.npy", "--attr", "who=cli",
            "--layout", layout, "--no-fsync")
        for mmap_mode in (None, "r"):
            value = fitstore.load(store, mmap_mode=mmap_mode)
            assert isinstance(value, fitstore.StoredObject) and value.type == "array_bundle"
            assert np.array_equal(value["a"], a) and np.array_equal(value["b"], b) and value["b"].dtype == np.uint16
            assert value.params == {"who": "cli"}


def test_models_from_fitstore_fit_load_in_python(tmp_path):
    from sklearn.datasets import load_iris
    iris = load_iris()
    csv = tmp_path / "iris.csv"
    with open(csv, "w") as f:
        f.write("a,b,c,d,label\n")
        for row, label in zip(iris.data, iris.target):
            f.write(",".join(f"{x:g}" for x in row) + f",{label}\n")
    store = str(tmp_path / "svc")
    run("fit", "--data", str(csv), "--scale", "--cv", "0", "-o", store)
    # A `fitstore fit` pipeline is a scikit-learn Pipeline in Python (fitstore.sklearn).
    value = fitstore.load(store, mmap_mode="r")
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC
    assert isinstance(value, Pipeline) and isinstance(value.steps[-1][1], SVC), value
    assert value.steps[-1][1].support_vectors_.shape[1] == 4
    assert np.array_equal(value.classes_, [0, 1, 2])
    assert fitstore.inspect(store)["provenance"]["training_data"]["X"]["shape"] == [150, 4]


def test_golden_python_stores_load_bit_exactly():
    """tests/data/python-1.0 (read from C++ by test_python_value.cpp) loads back to what made it."""
    folder = os.path.join(os.environ["FITSTORE_TEST_DATA"], "python-1.0")
    sys.path.insert(0, folder)
    try:
        import make_python_golden
    finally:
        sys.path.remove(folder)
    from test_module_roundtrip import assert_same, canonical
    want = canonical(make_python_golden.value())
    for name in ("py-directory", "py-blob.fitstore", "py-hdf5.h5"):
        for mmap_mode in (None, "r"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fitstore.MmapWarning)
                assert_same(fitstore.load(os.path.join(folder, name), mmap_mode=mmap_mode), want)
    root = fitstore.load(os.path.join(folder, "py-root-array.fitstore"))
    assert np.array_equal(root, np.arange(300)) and root.dtype == np.int64


def test_cmake_installs_a_package_that_imports_from_any_folder(tmp_path):
    package = os.path.dirname(os.path.abspath(fitstore.__file__))
    build = os.path.dirname(os.path.dirname(package))
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        pytest.skip("fitstore is not imported from a build tree")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--component", "python", "--prefix", str(prefix)], check=True,
                   capture_output=True)
    site = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "dist-packages"
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", "import fitstore, numpy; print(fitstore.__file__, fitstore.__version__);"
                          "print(fitstore.loads(fitstore.dumps({'a': numpy.arange(3)}))['a'].sum())"],
                         cwd="/", env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith(str(site)) and out[1] == fitstore.__version__ and out[2] == "3"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
