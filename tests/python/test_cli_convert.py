"""fitstore convert keeps provenance and unknown manifest keys (README: Command line).

A model fitted by `fitstore fit` (so it carries real provenance) gets unknown
keys added to its manifest the way a newer MINOR version of the format would
write them: at the top level, in the root object and in an array's record. It
is then converted directory -> hdf5 (zstd) -> blob -> directory (lz4), and each
converted manifest is read directly from the file (manifest.json, the HDF5
root attribute with h5py, the blob header), not through fitstore:
- the provenance object is identical;
- the unknown top-level and object keys are carried;
- unknown keys of an array record are not carried: they describe the stored
  encoding of bytes that convert re-encodes (README says so);
- the converted model predicts the same labels.
Exits 1 on any failure.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import h5py
from sklearn import datasets

CLI = os.environ.get("FITSTORE_CLI", "fitstore")
failures = []


def run(*args):
    p = subprocess.run([CLI] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("fitstore %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def read_manifest(path):
    """The manifest JSON as stored, read without fitstore."""
    if os.path.isdir(path):
        with open(os.path.join(path, "manifest.json")) as f:
            return json.load(f)
    if path.endswith(".h5"):
        with h5py.File(path, "r") as f:
            text = f.attrs["fitstore_manifest"]
        return json.loads(text.decode() if isinstance(text, bytes) else text)
    with open(path, "rb") as f:
        magic = f.read(8)
        if magic != b"FITSBLOB":
            sys.exit("%s: not a blob (magic %r)" % (path, magic))
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length).rstrip(b" \0").decode())


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore_convert_")
    iris = datasets.load_iris()
    data = os.path.join(tmp, "iris.csv")
    with open(data, "w") as f:
        f.write(",".join(["f%d" % i for i in range(4)] + ["label"]) + "\n")
        for row, label in zip(iris.data, iris.target):
            f.write(",".join(repr(float(v)) for v in row) + ",%d\n" % label)
    source = os.path.join(tmp, "model")
    run("fit", "--data", data, "--cv", "3", "--source-ref", "git:1a2b3c4", "--data-uri", "file:iris.csv",
        "-o", source)
    labels = run("predict", source, "--data", data).stdout

    manifest = read_manifest(source)
    provenance = manifest["provenance"]
    expect(provenance.get("cross_validation", {}).get("k") == 3 and "training_data" in provenance,
           "the fitted model records provenance (cross-validation, training data)")
    # What a newer 1.x writer might add. The manifest's own checksum is
    # optional: dropped, since these edits are deliberate.
    manifest.pop("manifest_xxh3", None)
    manifest["format_version"] = "1.9"
    manifest["x_future_top"] = {"written_by": "fitstore 1.9", "list": [1, 2.5, "three"]}
    manifest["root"]["x_future_object"] = {"note": "kept with the object"}
    first_key = sorted(manifest["arrays"])[0]
    manifest["arrays"][first_key]["x_future_array"] = "describes the stored bytes"
    with open(os.path.join(source, "manifest.json"), "w") as f:
        json.dump(manifest, f)

    chain = [("model.h5", ["--layout", "hdf5", "--codec", "zstd:3"]),
             ("model.blob", ["--layout", "blob"]),
             ("model-again", ["--layout", "directory", "--codec", "lz4"])]
    previous = source
    for name, flags in chain:
        target = os.path.join(tmp, name)
        run("convert", previous, target, "--no-fsync", *flags)
        converted = read_manifest(target)
        label = "%s -> %s" % (os.path.basename(previous), name)
        expect(converted.get("provenance") == provenance, label + ": provenance identical")
        expect(converted.get("x_future_top") == manifest["x_future_top"], label + ": unknown top-level key kept")
        expect(converted["root"].get("x_future_object") == manifest["root"]["x_future_object"],
               label + ": unknown key of the root object kept")
        expect("x_future_array" not in converted["arrays"][first_key],
               label + ": unknown key of a re-encoded array record not carried")
        expect(run("predict", target, "--data", data).stdout == labels, label + ": predicts the same labels")
        previous = target
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
