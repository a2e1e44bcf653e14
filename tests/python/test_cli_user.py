"""The command line as a user meets it (issue 11, section 6 and the CLI half of
section 4): --version; summaries on stdout and diagnostics on stderr; inspect's
columns aligned whatever the key length; unpack writes params beside the .npy
files and refuses a non-empty folder without --force; fit takes the same write
flags as pack/convert; the layout follows the output's extension."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

CLI = os.environ.get("FITSTORE_CLI", "fitstore")


def run(*args, code=0):
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True)
    assert p.returncode == code, f"{args}: exit {p.returncode}, expected {code}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


def npy(tmp, name, array):
    path = tmp / (name + ".npy")
    np.save(path, array)
    return path


def csv(tmp, rows=200):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(rows, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    path = tmp / "train.csv"
    with open(path, "w") as f:
        f.write("f0,f1,f2,f3,label\n")
        for r, label in zip(X, y):
            f.write(",".join(f"{v:.6f}" for v in r) + f",{label}\n")
    return path


def test_version_prints_the_library_version(tmp):
    p = run("--version")
    assert p.stdout.startswith("fitstore 1.") and "(format 1." in p.stdout
    assert p.stderr == ""


def test_summaries_go_to_stdout_and_diagnostics_to_stderr(tmp):
    a = npy(tmp, "a", np.arange(12, dtype=np.float64).reshape(3, 4))
    store = tmp / "s"
    p = run("pack", store, "--array", f"a={a}")
    assert p.stdout.startswith("packed 1 arrays into ") and p.stderr == ""
    p = run("convert", store, tmp / "s2")
    assert p.stdout.startswith("converted ") and p.stderr == ""
    p = run("verify", store)
    assert "verify: all " in p.stdout and "checks passed" in p.stdout and p.stderr == ""
    p = run("unpack", store, tmp / "out")
    assert p.stdout.startswith("unpacked 1 arrays") and p.stderr == ""
    # A failure is a diagnostic: stderr only, nothing on stdout.
    p = run("inspect", tmp / "missing", code=2)
    assert p.stdout == "" and "no such file or folder" in p.stderr


def test_inspect_columns_are_separated_and_aligned(tmp):
    long_name = "a_rather_long_array_name_well_past_thirty_two_characters"
    a = npy(tmp, "a", np.zeros((1000, 3), dtype=np.float32))
    b = npy(tmp, "b", np.arange(5, dtype=np.int64))
    store = tmp / "s"
    run("pack", store, "--array", f"{long_name}={a}", "--array", f"b={b}", "--codec", "zstd:3")
    lines = run("inspect", store).stdout.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("array "))
    header = lines[header_at]
    rows = lines[header_at + 1: header_at + 4]  # two arrays and the total
    assert [r.split()[0] for r in rows] == [long_name, "b", "total"]
    starts = {name: header.index(name) for name in ("dtype", "shape", "chunks", "codec", "mmap")}
    for row in rows[:2]:
        for name, at in starts.items():
            assert row[at - 2:at] == "  ", f"{name} column not separated by two spaces in {row!r}"
            assert row[at] != " ", f"{name} column does not start at {at} in {row!r}"
    # Right-aligned numbers end where their header ends.
    for name in ("raw", "stored", "ratio"):
        end = header.index(name) + len(name)
        for row in rows:
            assert row[end - 1] != " " and row[end:end + 2] == "  ", f"{name} column not right-aligned in {row!r}"


def test_unpack_writes_params_and_refuses_a_non_empty_folder(tmp):
    a = npy(tmp, "a", np.arange(6, dtype=np.int32))
    store = tmp / "s"
    run("pack", store, "--array", f"a={a}", "--attr", "note=hello", "--attr", "unit=cm")
    out = tmp / "out"
    run("unpack", store, out)
    meta = json.loads((out / "object.json").read_text())
    assert meta["type"] == "array_bundle"
    assert meta["params"] == {"note": "hello", "unit": "cm"}
    assert meta["arrays"] == ["a.npy"]
    assert "fitstore" in json.dumps(meta["provenance"])
    assert np.array_equal(np.load(out / "a.npy"), np.arange(6, dtype=np.int32))

    # Not empty now: refused without --force, and nothing is touched.
    (out / "mine.txt").write_text("keep me")
    before = (out / "a.npy").stat().st_mtime_ns
    p = run("unpack", store, out, code=2)
    assert "not empty" in p.stderr and "--force" in p.stderr and str(out) in p.stderr
    assert (out / "a.npy").stat().st_mtime_ns == before
    run("unpack", store, out, "--force")
    assert (out / "mine.txt").read_text() == "keep me"


def test_unpack_writes_nested_params(tmp):
    model = tmp / "model"
    run("fit", "--data", csv(tmp), "--scale", "--kernel", "linear", "-o", model)
    out = tmp / "out"
    run("unpack", model, out)
    root = json.loads((out / "object.json").read_text())
    assert root["type"] == "pipeline" and root["children"]
    for child in root["children"]:
        meta = json.loads((out / child / "object.json").read_text())
        assert meta["type"] and isinstance(meta["params"], dict)
    assert any(json.loads((out / c / "object.json").read_text())["type"] == "standard_scaler" for c in root["children"])


def test_fit_takes_the_write_flags(tmp):
    model = tmp / "model"
    run("fit", "--data", csv(tmp), "-o", model, "--codec", "zstd:3", "--shuffle", "--chunk-mb", "0.0005",
        "--threads", "1", "--no-fsync")
    arrays = json.loads(run("inspect", model, "--json").stdout)["arrays"]
    assert arrays and all("shuffle" in a["codec"] and a["codec"].startswith("zstd") for a in arrays if a["raw_bytes"])
    assert max(a["chunks"] for a in arrays) > 1, "--chunk-mb was not applied"
    run("verify", model)


@pytest.mark.parametrize("name,layout", [("m.h5", "hdf5"), ("m.HDF5", "hdf5"), ("m.fitstore", "blob"),
                                         ("m", "directory"), ("m.zarr", "directory")])
def test_the_layout_follows_the_output_name(tmp, name, layout):
    a = npy(tmp, "a", np.arange(4, dtype=np.float64))
    out = tmp / name
    p = run("pack", out, "--array", f"a={a}")
    assert f"({layout}," in p.stdout
    assert json.loads(run("inspect", out, "--json").stdout)["layout"] == layout
    assert os.path.isdir(out) == (layout == "directory")
    conv = tmp / ("c-" + name)
    run("convert", out, conv)
    assert json.loads(run("inspect", conv, "--json").stdout)["layout"] == layout
    # --layout still wins over the name.
    run("pack", tmp / "forced.h5", "--array", f"a={a}", "--layout", "blob")
    assert json.loads(run("inspect", tmp / "forced.h5", "--json").stdout)["layout"] == "blob"


def test_reseal_accepts_writes_through_r_plus(tmp):
    w = np.arange(1000, dtype=np.float64)
    store = tmp / "s"
    run("pack", store, "--array", f"w={npy(tmp, 'w', w)}")
    # What an r+ mapping does: write the chunk file's bytes in place.
    mm = np.memmap(store / "w" / "0", dtype="<f8", mode="r+", shape=w.shape)
    mm[3] = -7.0
    mm.flush()
    del mm
    p = run("verify", store, code=1)
    assert "checksum mismatch" in p.stdout and "fitstore reseal" in p.stdout
    p = run("reseal", store)
    assert p.stdout.startswith("reseal: ") and "refreshed the checksums of 1 of 1 arrays (w)" in p.stdout
    run("verify", store)
    out = tmp / "out"
    run("unpack", store, out)
    assert np.load(out / "w.npy")[3] == -7.0
    assert "already match" in run("reseal", store).stdout


def test_mmap_help_states_the_promise():
    text = run("predict", "--help").stdout
    assert "checks the manifest and every" in text and "--verify" in text


def test_convert_help_says_what_it_keeps():
    text = run("convert", "--help").stdout
    for needle in ("layout follows DST's name", "keeps its codec", "provenance"):
        assert needle in text


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
