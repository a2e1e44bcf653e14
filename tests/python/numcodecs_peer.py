#!/usr/bin/python3
"""Peer side of the codec interop test (tests/unit/test_codecs.cpp, "[codec][interop]").

Usage: numcodecs_peer.py DIR

DIR/cases.json lists chunks fitstore encoded: {"name", "itemsize", "compressor",
"filters"} (the zarr .zarray fields fitstore writes). For each case this script
1. decodes DIR/<name>.fitstore with numcodecs as zarr 2.13 would (compressor,
   then the filters in reverse) and compares it with DIR/<name>.raw;
2. encodes DIR/<name>.raw with numcodecs as zarr would (filters, then the
   compressor, on an array of the item size) into DIR/<name>.numcodecs,
   for fitstore to decode;
3. records in DIR/results.json whether numcodecs' bytes equal fitstore's.
Exits 1 if numcodecs could not decode a fitstore chunk to the same bytes.
"""
import json
import os
import sys

import numcodecs
import numcodecs.blosc
import numpy as np


def main(folder):
    # blosc1 places blocks in the order its threads finish them: with one
    # thread its output is deterministic, as fitstore's (one blosc thread per chunk).
    numcodecs.blosc.set_nthreads(1)
    with open(os.path.join(folder, "cases.json")) as f:
        cases = json.load(f)
    results = {}
    failures = []
    for case in cases:
        name = case["name"]
        with open(os.path.join(folder, name + ".raw"), "rb") as f:
            raw = f.read()
        with open(os.path.join(folder, name + ".fitstore"), "rb") as f:
            ours = f.read()
        compressor = numcodecs.get_codec(case["compressor"])
        filters = [numcodecs.get_codec(c) for c in (case["filters"] or [])]

        try:
            chunk = compressor.decode(ours)
            for flt in reversed(filters):
                chunk = flt.decode(np.frombuffer(chunk, dtype="u1"))
            decoded = np.frombuffer(chunk, dtype="u1").tobytes()
            if decoded != raw:
                failures.append("%s: numcodecs decoded %d bytes that differ from the %d raw bytes"
                                % (name, len(decoded), len(raw)))
        except Exception as exc:  # report every case, not just the first
            failures.append("%s: numcodecs cannot decode fitstore's chunk: %r" % (name, exc))

        chunk = np.frombuffer(raw, dtype="<u%d" % case["itemsize"])
        for flt in filters:
            chunk = flt.encode(chunk)
        theirs = bytes(compressor.encode(chunk))
        with open(os.path.join(folder, name + ".numcodecs"), "wb") as f:
            f.write(theirs)
        results[name] = {"identical": theirs == ours, "numcodecs_bytes": len(theirs), "fitstore_bytes": len(ours)}

    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    for line in failures:
        print("FAIL", line)
    print("numcodecs %s: %d cases, %d failures" % (numcodecs.__version__, len(cases), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
