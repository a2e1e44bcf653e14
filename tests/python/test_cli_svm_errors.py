"""Bad input to `fitstore fit` / `fitstore predict` for the SVM family: exit
status 2, nothing on stdout, and a message naming the problem (and the file
when a file is at fault). Prints one line per case; exits 1 on any failure.
"""
import os
import sys
import tempfile
import time

from svm_schema import finish, run

failures = []


def expect(p, message, *also):
    ok = p.returncode == 2 and p.stdout == "" and message in p.stderr and all(a in p.stderr for a in also)
    print("%s exit %d: %s" % ("ok  " if ok else "FAIL", p.returncode, p.stderr.strip()[:160]))
    if not ok:
        failures.append("expected exit 2 and %r in stderr, got %d: %r" % (message, p.returncode, p.stderr))


def main():
    tmp = tempfile.mkdtemp(prefix="fitstore_cli_svm_")
    start = time.time()
    data = os.path.join(tmp, "data.csv")
    with open(data, "w") as f:
        f.write("a,b,y\n" + "".join("%d,%d,%d\n" % (i, (i * 7) % 5, i % 2) for i in range(20)))
    out = os.path.join(tmp, "model")
    expect(run("fit", "--data", data, "--estimator", "nu_svc", "--nu", "0", "-o", out, expect=None),
           "--nu", "expected a number in (0, 1], found 0")
    expect(run("fit", "--data", data, "--estimator", "one_class_svm", "--nu", "1.5", "-o", out, expect=None),
           "--nu", "found 1.5")
    expect(run("fit", "--data", data, "--estimator", "svr", "--epsilon", "-0.5", "-o", out, expect=None),
           "--epsilon", "expected a finite number >= 0")
    expect(run("fit", "--data", data, "--estimator", "random_forest", "-o", out, expect=None),
           "--estimator", "expected svc, nu_svc, svr, nu_svr or one_class_svm", "random_forest")
    expect(run("fit", "--data", data, "--estimator", "svr", "--probability", "-o", out, expect=None),
           "--probability", "svc and nu_svc only")
    mixed = os.path.join(tmp, "mixed.csv")
    with open(mixed, "w") as f:
        f.write("a,b,y\n1,2,3\n2,3,cat\n3,4,4\n")
    expect(run("fit", "--data", mixed, "-o", out, expect=None), mixed, "mixes numbers", "\"cat\"", "line 3")
    if os.path.exists(out):
        failures.append("a model was written after bad input")
    run("fit", "--data", data, "--cv", "0", "-o", out)
    expect(run("predict", out, "--data", data, "--proba", expect=None), out, "--proba", "fitted without probability")
    reg = os.path.join(tmp, "reg")
    run("fit", "--data", data, "--estimator", "svr", "-o", reg)
    expect(run("predict", reg, "--data", data, "--proba", expect=None), "--proba", "probabilities need a classifier", "\"svr\" (a regressor)")
    expect(run("predict", reg, "--data", data, "--decision", expect=None), "--decision", "regressor")
    return finish(failures, tmp, start)


if __name__ == "__main__":
    sys.exit(main())
