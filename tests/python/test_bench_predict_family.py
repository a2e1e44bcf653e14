"""`fitstore bench-predict` on a small model: the svc table and the svr and
sparse-svc rows against libsvm's svm_predict are printed, every path agrees
with libsvm on every sample (100.00%), and the command exits 0. (Speed is
reported, never asserted.)
"""
import re
import sys

from svm_schema import run


def main():
    p = run("bench-predict", "--support-vectors", "600", "--samples", "40", "--repeats", "1")
    print(p.stdout)
    failures = []
    for path in ["fitstore dense, mmap r", "libsvm svm_predict", "svr, dense", "svc, CSR support vectors, dense X",
                 "svc, CSR support vectors, CSR X"]:
        m = re.search(re.escape(path) + r"\s.*?([0-9.]+)%\s*$", p.stdout, re.M)
        if not m:
            failures.append("no row %r" % path)
        elif m.group(1) != "100.00":
            failures.append("row %r agrees on %s%% only" % (path, m.group(1)))
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
