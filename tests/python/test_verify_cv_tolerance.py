"""`fitstore verify --data` compares the refitted CV score with the stored one
within max(0.02, 2 x stored std) (README: Provenance and verification).

A model fitted on iris with 5-fold CV refits to exactly its stored mean. The
stored mean and std are then edited (the manifest checksum removed, as after a
deliberate edit) to put the refit just inside and just outside the tolerance,
0.0005 from its edge, for each branch of the max():
- std 0     -> tolerance 0.02 (the floor);
- std 0.009 -> tolerance 0.02 (2 x std = 0.018 is below the floor);
- std 0.05  -> tolerance 0.10 (2 x std above the floor).
Inside: exit 0 and the cross-validation check passes; outside: exit 1 naming
the cross-validation check. Exits 1 on any failure.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from sklearn.datasets import load_iris

CLI = os.environ.get("FITSTORE_CLI", "fitstore")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run([CLI] + list(args), capture_output=True, text=True)


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore_cv_tol_")
    try:
        iris = load_iris()
        csv = os.path.join(tmp, "iris.csv")
        with open(csv, "w") as f:
            f.write("a,b,c,d,species\n")
            for row, label in zip(iris.data, iris.target):
                f.write(",".join(repr(float(v)) for v in row) + ",%d\n" % label)
        model = os.path.join(tmp, "model")
        r = run("fit", "--data", csv, "--cv", "5", "-o", model)
        if r.returncode != 0:
            sys.exit("fit failed: " + r.stderr)
        with open(os.path.join(model, "manifest.json")) as f:
            manifest = json.load(f)
        manifest.pop("manifest_xxh3", None)
        refit = manifest["provenance"]["cross_validation"]["mean"]  # the refit reproduces it exactly
        r = run("verify", model, "--data", csv)
        check(r.returncode == 0, "unedited model passes verify --data (exit %d)" % r.returncode)

        edited = os.path.join(tmp, "edited")
        for std, tolerance in [(0.0, 0.02), (0.009, 0.02), (0.05, 0.10)]:
            for side in (-1, 1):
                for inside in (True, False):
                    offset = tolerance - 0.0005 if inside else tolerance + 0.0005
                    stored_mean = refit + side * offset
                    shutil.rmtree(edited, ignore_errors=True)
                    shutil.copytree(model, edited)
                    manifest["provenance"]["cross_validation"]["mean"] = stored_mean
                    manifest["provenance"]["cross_validation"]["std"] = std
                    with open(os.path.join(edited, "manifest.json"), "w") as f:
                        json.dump(manifest, f)
                    r = run("verify", edited, "--data", csv)
                    line = next((l for l in r.stdout.splitlines() if "cross-validation" in l), "")
                    what = "std %.3f, stored mean = refit %+.4f (tolerance %.2f): %s" % (
                        std, side * offset, tolerance, line.strip())
                    if inside:
                        check(r.returncode == 0 and line.lstrip().startswith("ok") and
                              "allowed difference %.4f" % tolerance in line, "inside, passes: " + what)
                    else:
                        check(r.returncode == 1 and line.lstrip().startswith("FAIL") and
                              "checks failed: cross-validation" in r.stdout, "outside, fails: " + what)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
