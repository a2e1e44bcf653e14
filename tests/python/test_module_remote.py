#!/usr/bin/python3
"""fitstore.load and fitstore.inspect on http:// locations (nginx on 127.0.0.1,
started and stopped here): copied and mapped through the cache (FITSTORE_CACHE)."""
import os
import sys

import numpy as np
import pytest

import fitstore

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "remote"))
from nginx_server import start_nginx  # noqa: E402


@pytest.fixture()
def served(tmp_path):
    root = tmp_path / "www"
    work = tmp_path / "nginx"
    root.mkdir()
    work.mkdir()
    proc, port = start_nginx(str(root), str(work))
    yield root, f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_load_over_http_copied_and_mapped(served, tmp_path, monkeypatch):
    root, base = served
    rng = np.random.default_rng(3)
    value = {"w": rng.normal(size=(5000, 8)), "labels": np.arange(100), "name": "remote"}
    fitstore.dump(value, str(root / "model"))
    fitstore.dump(value, str(root / "model.fitstore"), codec="zstd:3")
    monkeypatch.setenv("FITSTORE_CACHE", str(tmp_path / "cache"))
    for name in ("model", "model.fitstore"):
        url = f"{base}/{name}"
        back = fitstore.load(url)
        assert back["name"] == "remote"
        np.testing.assert_array_equal(back["w"], value["w"])
        mapped, report = fitstore.load(url, mmap_mode="r", return_report=True) if name == "model" else (None, None)
        if mapped is not None:
            np.testing.assert_array_equal(mapped["w"], value["w"])
            assert any(a["mapped"] for a in report)
    assert fitstore.inspect(f"{base}/model")["layout"] == "directory"
    assert len([n for n in os.listdir(tmp_path / "cache") if n != "locations"]) == 1


def test_missing_remote_store_is_a_clear_error(served):
    _root, base = served
    with pytest.raises(fitstore.FormatError, match="no store at this location"):
        fitstore.load(f"{base}/nothing-here")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
