"""The fitstore command line: help on every command, exit codes, messages
naming the file and the problem, inspect --json, pack/unpack with numpy."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = os.environ["FITSTORE_CLI"]
COMMANDS = ["pack", "unpack", "inspect", "convert", "fit", "predict", "demo", "verify", "bench"]


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)


def expect(proc, code, *needles):
    if proc.returncode != code:
        sys.exit(f"{proc.args}: exit {proc.returncode}, expected {code}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    for needle in needles:
        if needle not in proc.stderr + proc.stdout:
            sys.exit(f"{proc.args}: output lacks {needle!r}\nstderr: {proc.stderr}")


def main():
    for command in COMMANDS:
        expect(run(command, "--help"), 0, command)
    expect(run(), 2)
    expect(run("no-such-command"), 2)
    with tempfile.TemporaryDirectory() as tmp:
        a = np.arange(24, dtype=np.float32).reshape(4, 6)
        np.save(os.path.join(tmp, "a.npy"), a)
        store = os.path.join(tmp, "store")
        expect(run("pack", store, "--array", f"a={tmp}/a.npy", "--codec", "zstd:3", "--attr", "who=test"), 0)
        info = json.loads(run("inspect", store, "--json").stdout)
        (entry,) = info["arrays"]
        assert entry["key"] == "a" and entry["dtype"] == "float32" and entry["shape"] == [4, 6], entry
        assert entry["codec"] == "zstd:3" and entry["checksummed"] and not entry["mappable"], entry
        table = run("inspect", store)
        expect(table, 0, "array_bundle", "zstd:3", "float32")
        expect(run("unpack", store, os.path.join(tmp, "out")), 0)
        assert np.array_equal(np.load(os.path.join(tmp, "out", "a.npy")), a)

        # Bad input: exit 2, a message naming the file and the problem, never a signal.
        expect(run("inspect", os.path.join(tmp, "missing")), 2, "missing", "no such file")
        expect(run("pack", os.path.join(tmp, "x"), "--array", f"a={tmp}/none.npy"), 2, "none.npy")
        expect(run("pack", os.path.join(tmp, "x"), "--array", f"a={tmp}/a.npy", "--codec", "zstd:99"), 2, "zstd")
        expect(run("pack", os.path.join(tmp, "x"), "--array", "no-equals-sign"), 2, "NAME=VALUE")
        with open(os.path.join(tmp, "bogus.npy"), "wb") as f:
            f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}")
        expect(run("pack", os.path.join(tmp, "x"), "--array", f"a={tmp}/bogus.npy"), 2, "bogus.npy")
        chunk = os.path.join(store, "a", "0.0")
        with open(chunk, "r+b") as f:
            f.truncate(5)
        expect(run("unpack", store, os.path.join(tmp, "out2")), 2, "a/0.0")
        with open(os.path.join(store, "manifest.json"), "w") as f:
            f.write("{not json")
        expect(run("inspect", store), 2, "manifest.json", "invalid JSON")
        # Nothing is replaced that is not a store.
        precious = os.path.join(tmp, "precious.txt")
        with open(precious, "w") as f:
            f.write("keep me")
        expect(run("pack", precious, "--array", f"a={tmp}/a.npy"), 2, "refusing to replace")
        assert open(precious).read() == "keep me"
    print("cli: help on every command, exit codes and messages checked")


if __name__ == "__main__":
    main()
