"""Smoke test of `fitstore bench --quick` at a tiny size: the JSON report parses,
holds every case with its figures, every load gave back the data that was
dumped, the chart is well-formed SVG, and benchmarks/peers.py builds the very
same workload (same decision value). No timing is asserted."""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "benchmarks"))
import peers  # noqa: E402

CLI = os.environ["FITSTORE_CLI"]
LAYOUTS = ["directory", "hdf5", "blob", "memory"]
CODECS = ["none", "lz4", "zstd:1", "zstd:3", "zlib:3", "blosc-lz4+shuffle", "blosc-zstd+shuffle"]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "bench.json")
        chart_path = os.path.join(tmp, "bench.svg")
        out = subprocess.run([CLI, "bench", "--quick", "--sizes", "256K", "--repeats", "1", "--dir", tmp,
                              "--json", report_path, "--chart", chart_path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert "limits: memcpy" in out.stdout and "Targets (issue 7)" in out.stdout, out.stdout
        with open(report_path) as f:
            report = json.load(f)
        root = ET.parse(chart_path).getroot()
        assert root.tag.endswith("svg"), root.tag
        assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) > 20
        # only the work folder of this run was used, and it is gone
        assert not [n for n in os.listdir(tmp) if n.startswith("fitstore-bench-")]

    limits = report["limits"]["256K"]
    for key in ("memcpy_s", "write_s", "write_fsync_s", "read_s", "predict_heap_s"):
        assert limits[key]["median"] > 0, key
    rows = {r["method"]: r for r in report["results"] if r["size"] == "256K"}
    expected = set()
    for layout in LAYOUTS:
        for codec in CODECS:
            for threads in ("1", "all(%d)" % os.cpu_count()):
                name = "blob-in-memory" if layout == "memory" else layout
                expected.add(f"fitstore {name} {codec} t={threads}")
    expected.add("cereal binary")
    assert expected <= set(rows), sorted(expected - set(rows))

    decision = peers.first_prediction(peers.make_arrays(256 * 1024, "realistic"))
    payload = limits["model_bytes"]["median"]
    for name in expected:
        m = rows[name]["metrics"]
        assert m["prediction_matches"] is True, name
        assert abs(m["decision"]["median"] - decision) <= 1e-9 * max(1.0, abs(decision)), (name, decision)
        assert m["model_bytes"]["median"] == payload
        for key in ("dump_s", "load_s", "bytes_on_disk", "dump_peak_rss"):
            assert m[key]["median"] > 0 and m[key]["min"] <= m[key]["median"] <= m[key]["max"], (name, key)
        assert "dump" in rows[name]["ratios"] and "load" in rows[name]["ratios"], name
        file_layout = rows[name]["layout"] in ("directory", "hdf5", "blob")
        assert ("mmap_load_s" in m) == file_layout, name
        assert ("first_predict_s" in m) == file_layout, name
        if file_layout:
            # uncompressed stores are mapped; compressed ones are decoded into memory
            assert m["mapped"] is (rows[name]["codec"] == "none"), name
            assert ("dump_nofsync_s" in m) == (rows[name]["codec"] == "none"), name
        if rows[name]["codec"] in ("lz4", "zstd:1", "zstd:3", "zlib:3"):
            assert m["bytes_on_disk"]["median"] < payload, name  # the realistic data compresses
    assert report["targets"], "no targets were judged"
    print("bench smoke: %d cases checked" % len(expected))


if __name__ == "__main__":
    main()
