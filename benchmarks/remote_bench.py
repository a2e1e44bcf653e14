#!/usr/bin/python3
"""Remote-load benchmark: a model served by Debian's nginx on 127.0.0.1.

Compares, on the same bytes:
  fitstore remote load (copy into memory, every checksum verified) with 1, 4 and 16 connections,
  curl downloading the same objects to disk (one connection, then --parallel 16),
  zarr-python reading the array over HTTP (fsspec + aiohttp),
for two stores of one float64 array of BENCH_MB MiB (default 256):
  "none"  uncompressed, one chunk object (fitstore splits it into 8 MiB ranges),
  "lz4"   lz4 in 4 MiB chunks (one object per chunk),
on plain loopback and with 20 ms of round-trip latency, made by a delaying TCP
proxy (remote_bench proxy: 10 ms each way, at most 4 MiB in flight per
direction and connection, like a TCP window) between client and nginx; the
report says whether tc netem exists (probed in a throw-away network namespace;
this machine's kernel has no sch_netem).
Each figure is the median of REPEAT (default 3) runs; files go to a tmpfs-free
temporary folder, and the page cache is warm (the server's files were just written).

Usage: benchmarks/remote_bench.py BUILD_DIR [--mb 256] [--repeat 3] [--json OUT]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "remote"))
from nginx_server import free_port, start_nginx  # noqa: E402


def timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def zarr_read(url):
    code = ("import sys, time, zarr; t = time.perf_counter(); a = zarr.open_group(sys.argv[1], mode='r')['x'][...]; "
            "print(time.perf_counter() - t, a.nbytes)")
    out = subprocess.run(["/usr/bin/python3", "-c", code, url], check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def chunk_files(root, store):
    folder = os.path.join(root, store, "x")
    return sorted(n for n in os.listdir(folder) if not n.startswith("."))


def measure(args, root, base_url, store, tmp):
    """Median seconds of each contender for `store` served at base_url."""
    url = f"{base_url}/{store}"
    results = {}
    for connections in (1, 4, 16):
        out = subprocess.run([os.path.join(args.build, "benchmarks", "remote_bench"), "load", url, str(connections),
                              str(args.repeat)], check=True, capture_output=True, text=True).stdout
        results[f"fitstore {connections} conn"] = statistics.median(json.loads(line)["seconds"] for line in out.splitlines())
    files = chunk_files(root, store)
    target = os.path.join(tmp, "curl-out")
    os.makedirs(target, exist_ok=True)
    cmd = ["curl", "-s", "--fail"]
    for n in files:
        cmd += ["-o", os.path.join(target, n), f"{url}/x/{n}"]
    results["curl 1 conn (to disk)"] = statistics.median(timed(cmd) for _ in range(args.repeat))
    if len(files) > 1:
        results["curl --parallel 16 (to disk)"] = statistics.median(
            timed(cmd[:3] + ["--parallel", "--parallel-max", "16"] + cmd[3:]) for _ in range(args.repeat))
    shutil.rmtree(target)
    results["zarr-python (fsspec http)"] = statistics.median(zarr_read(url) for _ in range(args.repeat))
    return results


def netem_available():
    name = "fsbench-probe"
    ok = subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode == 0
    if not ok:
        return False
    try:
        return subprocess.run(["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "lo", "root", "netem",
                               "delay", "10ms"], capture_output=True).returncode == 0
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--mb", type=int, default=int(os.environ.get("BENCH_MB", "256")))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    cli = os.path.join(args.build, "apps", "fitstore")
    report = {"mb": args.mb, "repeat": args.repeat, "cases": {}}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP", "/var/tmp")) as tmp:
        root = os.path.join(tmp, "www")
        work = os.path.join(tmp, "nginx")
        os.makedirs(root)
        os.makedirs(work)
        x = np.random.default_rng(1).normal(size=(args.mb * 1024 * 1024 // 8 // 64, 64))
        np.save(os.path.join(tmp, "x.npy"), x)
        for store, codec in (("none", "none"), ("lz4", "lz4")):
            subprocess.run([cli, "pack", os.path.join(root, store), "--array", f"x={tmp}/x.npy", "--codec", codec,
                            "--chunk-mb", "4", "--no-fsync"], check=True, stderr=subprocess.DEVNULL)
        os.unlink(os.path.join(tmp, "x.npy"))
        nginx, port = start_nginx(root, work, access_log=False)
        proxy = None
        try:
            for store in ("none", "lz4"):
                report["cases"][f"loopback {store}"] = measure(args, root, f"http://127.0.0.1:{port}", store, tmp)
            netem = "tc netem available" if netem_available() else "tc netem unavailable on this kernel"
            proxy_port = free_port()
            proxy = subprocess.Popen([os.path.join(args.build, "benchmarks", "remote_bench"), "proxy", str(proxy_port),
                                      str(port), "10", str(4 << 20)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            proxy.stdout.readline()
            report["latency_method"] = (f"delaying proxy: 10 ms each way (20 ms round trip), 4 MiB window per "
                                        f"direction ({netem})")
            for store in ("none", "lz4"):
                report["cases"][f"20 ms RTT {store}"] = measure(args, root, f"http://127.0.0.1:{proxy_port}", store, tmp)
        finally:
            if proxy:
                proxy.stdin.close()
                proxy.wait(timeout=10)
            nginx.terminate()
            nginx.wait(timeout=10)
    mib = args.mb
    lines = [f"remote load of a {mib} MiB float64 array from nginx on 127.0.0.1 (median of {args.repeat})",
             f"latency: {report.get('latency_method', '')}", ""]
    for case, results in report["cases"].items():
        curl = results["curl 1 conn (to disk)"]
        one = results["fitstore 1 conn"]
        lines.append(f"{case}:")
        for name, seconds in results.items():
            lines.append(f"  {name:30s} {seconds:8.3f} s  {mib / seconds:8.1f} MiB/s  "
                         f"{curl / seconds:5.2f}x curl  {one / seconds:5.2f}x fitstore-1")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        with open(os.path.splitext(args.json)[0] + ".txt", "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
