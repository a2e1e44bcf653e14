#!/usr/bin/python3
"""Provenance and `fitstore verify`, checked from outside with Python's own tools.

- The training-data fingerprint fitstore records equals FORMAT.md §6.1
  recomputed with hashlib + numpy (for X and y together and each alone).
- The source file's SHA-256 equals hashlib's.
- On iris with the default SVC the stored 5-fold CV mean is within 0.02 of
  scikit-learn's cross_val_score(SVC(), X, y, cv=5).
- `fitstore verify --data` passes on fresh models in every layout (exit 0), and
  fails with exit 1 naming the check when one byte of the training data
  changes, when a chunk is corrupted, when the stored CV score is edited (the
  manifest's own checksum catches it; with that checksum removed, the refit
  catches it); an unreadable store exits 2.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

CLI = os.environ["FITSTORE_CLI"]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def fingerprint(*named):
    """FORMAT.md §6.1, verbatim."""
    h = hashlib.sha256(b"fitstore-fingerprint-1\n")
    for name, a in named:
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
        dims = ",".join(str(d) for d in a.shape)
        h.update(f"{name} {a.dtype.str} {dims}\n".encode())
        h.update(a.tobytes(order="C"))
    return h.hexdigest()


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


def manifest_of(store):
    """The manifest as stored (directory layout)."""
    with open(os.path.join(store, "manifest.json")) as f:
        return json.load(f)


def write_iris_csv(path):
    iris = load_iris()
    names = [n.replace(" ", "_").replace("(", "").replace(")", "") for n in iris.feature_names]
    with open(path, "w") as f:
        f.write(",".join(names + ["species"]) + "\n")
        for row, label in zip(iris.data, iris.target):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
    return iris.data.astype("<f8"), iris.target.astype("<i8")


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore-prov-")
    try:
        csv = os.path.join(tmp, "iris.csv")
        X, y = write_iris_csv(csv)
        # The CSV as numpy parses it (not through fitstore) is what we fingerprint.
        table = np.loadtxt(csv, delimiter=",", skiprows=1)
        Xc, yc = np.ascontiguousarray(table[:, :4]), table[:, 4].astype("<i8")
        check(np.array_equal(Xc, X) and np.array_equal(yc, y), "the CSV holds sklearn's iris exactly")

        source = os.path.abspath(__file__)
        stores = {"directory": os.path.join(tmp, "m"), "hdf5": os.path.join(tmp, "m.h5"),
                  "blob": os.path.join(tmp, "m.blob")}
        for layout, store in stores.items():
            r = run("fit", "--data", csv, "-o", store, "--layout", layout, "--source", source,
                    "--data-uri", "sklearn.datasets.load_iris")
            check(r.returncode == 0, f"fit --layout {layout} exits 0 ({r.stderr.strip()[:200]})")

        prov = manifest_of(stores["directory"])["provenance"]
        td = prov["training_data"]
        check(td["sha256"] == fingerprint(("X", Xc), ("y", yc)),
              f"training_data.sha256 equals hashlib+numpy ({td['sha256'][:16]}...)")
        check(td["X"]["sha256"] == fingerprint(("X", Xc)), "X.sha256 equals hashlib+numpy")
        check(td["y"]["sha256"] == fingerprint(("y", yc)), "y.sha256 equals hashlib+numpy")
        check(td["X"]["shape"] == [150, 4] and td["X"]["dtype"] == "float64" and td["y"]["dtype"] == "int64",
              "shapes and dtypes recorded")
        check(td["uri"] == "sklearn.datasets.load_iris" and td["target"] == "species", "uri and target recorded")
        check(len(td["feature_names"]) == 4, "feature names recorded")
        with open(source, "rb") as f:
            source_hash = hashlib.sha256(f.read()).hexdigest()
        check(prov["source"] == {"kind": "file", "name": os.path.basename(source), "sha256": source_hash},
              "source file name and SHA-256 equal hashlib's")
        for lib in ("hdf5", "xtensor", "xtensor-blas", "blas", "zstd", "lz4", "blosc", "zlib", "boost"):
            check(bool(prov["software"]["libraries"].get(lib)), f"software.libraries.{lib} recorded")

        cv = prov["cross_validation"]
        sk = cross_val_score(SVC(), X, y, cv=5)
        check(cv["k"] == 5 and len(cv["scores"]) == 5, "5-fold CV recorded by default")
        check(abs(cv["mean"] - sk.mean()) <= 0.02,
              f"stored CV mean {cv['mean']:.4f} within 0.02 of sklearn's cross_val_score {sk.mean():.4f}")
        check(abs(cv["std"] - sk.std()) <= 0.02, f"stored CV std {cv['std']:.4f} vs sklearn {sk.std():.4f}")
        train = SVC().fit(X, y).score(X, y)
        check(prov["training_score"]["value"] == train,
              f"training score {prov['training_score']['value']} equals sklearn's {train}")

        r = run("inspect", stores["directory"])
        check(r.returncode == 0 and "cross-validation: 5-fold stratified_kfold" in r.stdout
              and "training data: sha256 " + td["sha256"] in r.stdout, "inspect shows the provenance readably")

        for layout, store in stores.items():
            r = run("verify", store, "--data", csv)
            check(r.returncode == 0 and "reproduced exactly" in r.stdout and "refit" in r.stdout,
                  f"verify --data passes on a fresh {layout} model (exit {r.returncode})")
        r = run("verify", stores["hdf5"], "--deep")
        check(r.returncode == 0, f"verify --deep passes on the hdf5 model (exit {r.returncode})")
        r = run("fit", "--data", csv, "-o", os.path.join(tmp, "nocv"), "--cv", "0", "--source-ref", "git:abc123")
        nocv = manifest_of(os.path.join(tmp, "nocv"))["provenance"]
        check(r.returncode == 0 and "cross_validation" not in nocv and nocv["source"]["reference"] == "git:abc123",
              "--cv 0 skips cross-validation; --source-ref records a reference")

        # One byte of the training data changes.
        with open(csv) as f:
            lines = f.read().split("\n")
        first = lines[1]
        lines[1] = first.replace("5.1", "5.2", 1)
        assert lines[1] != first
        changed = os.path.join(tmp, "iris-changed.csv")
        with open(changed, "w") as f:
            f.write("\n".join(lines))
        r = run("verify", stores["directory"], "--data", changed)
        check(r.returncode == 1 and "checks failed: training data fingerprint" in r.stdout,
              f"one changed byte of data: exit {r.returncode}, names the fingerprint ({r.stderr.strip()})")

        # A corrupted chunk.
        damaged = os.path.join(tmp, "damaged")
        shutil.copytree(stores["directory"], damaged)
        chunk = os.path.join(damaged, "support_vectors", "0.0")
        with open(chunk, "r+b") as f:
            f.seek(17)
            b = f.read(1)
            f.seek(17)
            f.write(bytes([b[0] ^ 0x40]))
        r = run("verify", damaged)
        check(r.returncode == 1 and "checksums support_vectors" in r.stdout,
              f"corrupted chunk: exit {r.returncode}, named ({r.stderr.strip()})")

        # The stored CV score is edited.
        edited = os.path.join(tmp, "edited")
        shutil.copytree(stores["directory"], edited)
        m = manifest_of(edited)
        m["provenance"]["cross_validation"]["mean"] = 0.5
        with open(os.path.join(edited, "manifest.json"), "w") as f:
            json.dump(m, f)
        r = run("verify", edited, "--data", csv)
        check(r.returncode == 1 and "checks failed: manifest" in r.stdout,
              f"edited CV score: exit {r.returncode}, the manifest checksum names it ({r.stderr.strip()})")
        m.pop("manifest_xxh3", None)
        with open(os.path.join(edited, "manifest.json"), "w") as f:
            json.dump(m, f)
        r = run("verify", edited, "--data", csv)
        check(r.returncode == 1 and "checks failed: cross-validation" in r.stdout and "stored 0.5000" in r.stdout,
              f"edited CV score without the manifest checksum: exit {r.returncode}, refit names it "
              f"({r.stderr.strip()})")

        # Unreadable or invalid stores.
        r = run("verify", os.path.join(tmp, "no-such-model"))
        check(r.returncode == 2, f"missing store: exit {r.returncode}")
        with open(os.path.join(edited, "manifest.json"), "w") as f:
            f.write("{not json")
        r = run("verify", edited)
        check(r.returncode == 2, f"invalid manifest: exit {r.returncode}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
