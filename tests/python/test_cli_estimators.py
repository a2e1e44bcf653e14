"""The fit / predict commands: bad CSV input exits 2 with a clear message,
predict matches feature columns by name, and a model reloaded from every
layout, copied or memory-mapped, predicts the same labels."""
import os
import shutil
import subprocess
import sys
import tempfile

CLI = os.environ.get("FITSTORE_CLI", "fitstore")
failures = []


def run(*args):
    return subprocess.run([CLI] + list(args), capture_output=True, text=True)


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


tmp = tempfile.mkdtemp(prefix="fitstore_cli_est_")
good = write(os.path.join(tmp, "good.csv"),
             "a,b,label\n" + "".join("%d,%d,%d\n" % (i, (i * 7) % 5, i % 2) for i in range(40)))

bad_inputs = {
    "ragged rows": ("a,b,y\n1,2,0\n3,4\n", [], "line 3: expected 3 cells"),
    "non-numeric cell": ("a,b,y\n1,2,0\n3,x,1\n", [], "line 3, column 2 (\"b\")"),
    "empty file": ("", [], "empty file"),
    "unknown target": ("a,b,y\n1,2,0\n3,4,1\n", ["--target", "species"], "no column named \"species\""),
    "one class only": ("a,b,y\n1,2,1\n3,4,1\n", [], "only class 1"),
}
for name, (text, extra, message) in bad_inputs.items():
    path = write(os.path.join(tmp, name.replace(" ", "_") + ".csv"), text)
    p = run("fit", "--data", path, "-o", os.path.join(tmp, "never"), *extra)
    expect(p.returncode == 2 and message in p.stderr and path in p.stderr and p.stdout == "",
           "fit on %s: exit %d, stderr %r" % (name, p.returncode, p.stderr.strip()))
expect(not os.path.exists(os.path.join(tmp, "never")), "no model written after bad input")

model = os.path.join(tmp, "model")
p = run("fit", "--data", good, "--target", "label", "--kernel", "linear", "-o", model)
expect(p.returncode == 0 and "support vectors" in p.stdout and "support vectors" not in p.stderr, "fit: exit 0, summary on stdout")
reference = run("predict", model, "--data", good).stdout.split()
expect(len(reference) == 40, "predict prints one label per row")

# Columns are matched by name: reordered columns and extra text columns are fine.
reordered = write(os.path.join(tmp, "reordered.csv"),
                  "note,b,a\n" + "".join("row %d,%d,%d\n" % (i, (i * 7) % 5, i) for i in range(40)))
p = run("predict", model, "--data", reordered)
expect(p.returncode == 0 and p.stdout.split() == reference, "predict matches columns by name, ignores extras")
missing = write(os.path.join(tmp, "missing.csv"), "a,c\n1,2\n")
p = run("predict", model, "--data", missing)
expect(p.returncode == 2 and "no column named \"b\"" in p.stderr and p.stdout == "",
       "predict with a missing feature column: exit %d, %r" % (p.returncode, p.stderr.strip()))

for layout, suffix in [("directory", ""), ("hdf5", ".h5"), ("blob", ".fitstore")]:
    for codec in ["none", "zstd"]:
        path = os.path.join(tmp, "m_%s_%s%s" % (layout, codec, suffix))
        p = run("fit", "--data", good, "--target", "label", "--kernel", "linear", "--scale", "--layout", layout,
                "--codec", codec, "-o", path)
        expect(p.returncode == 0, "fit --scale --layout %s --codec %s" % (layout, codec))
        outs = [run("predict", path, "--data", good, "--mmap", m, "--decision").stdout for m in ["none", "r", "c"]]
        expect(outs[0] != "" and outs[0] == outs[1] == outs[2],
               "%s/%s: decision values identical copied, mmap r and mmap c" % (layout, codec))

shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
