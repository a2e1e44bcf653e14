#!/usr/bin/python3
"""benchmarks/python_bench.py runs end to end on a small model (each case in its
own process) and reports every target; peers.py's quick mode still runs."""
import json
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks")


def test_python_bench_reports_every_case_and_target(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, os.path.join(BENCH, "python_bench.py"), "--sizes", "1M", "--repeats", "1",
                           "--json", str(out), "--dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    rows = report["sizes"]["1M"]["rows"]
    assert set(rows) >= {"fitstore_none", "fitstore_lz4", "fitstore_zstd1", "fitstore_zstd3", "joblib0",
                         "joblib3", "joblib_lz4", "pickle", "numpy", "fitstore_alp", "fitstore_alp_zstd"}
    assert all(r["correct"] for r in rows.values())
    assert rows["fitstore_none"]["mmap_load_s"] > 0 and rows["joblib0"]["mmap_load_s"] > 0
    assert rows["fitstore_zstd1"]["bytes_on_disk"] < rows["fitstore_none"]["bytes_on_disk"]
    # alp's 3-decimal data compresses (FORMAT.md 4.1); the alp targets are judged too.
    assert rows["fitstore_alp"]["bytes_on_disk"] * 4 < rows["fitstore_none"]["bytes_on_disk"]
    names = [t["target"] for t in report["sizes"]["1M"]["targets"]]
    assert len(names) == 10, names
    assert any(n.startswith("alp ratio >= 4.5") for n in names), names
    assert "MET" in proc.stdout or "MISSED" in proc.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
