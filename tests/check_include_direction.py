#!/usr/bin/env python3
"""Dependencies point down only (DESIGN.md, "Seams"): this check fails when

  * a file under lib/io or lib/codecs includes a layout or store header
    (lib/layouts/..., lib/store/..., fitstore/store.hpp), or
  * a public header (include/fitstore/...) includes a header of lib/.

Usage: check_include_direction.py SOURCE_DIR      check the tree, exit 1 on a violation
       check_include_direction.py --self-test     plant violations in a scratch tree and
                                                  require that each one is reported
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
SOURCE_SUFFIXES = (".hpp", ".cpp", ".h", ".hpp.in")
# What lib/io and lib/codecs sit below: the back ends and the engine.
UPWARD = re.compile(r"^(layouts/|store/|fitstore/store\.hpp$|store_checks\.hpp$)")


def sources(folder):
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.join(dirpath, name)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def violations(root):
    found = []
    lib = os.path.join(root, "lib")
    for sub in ("io", "codecs"):
        for path in sources(os.path.join(lib, sub)):
            for inc in includes(path):
                if UPWARD.match(inc):
                    found.append(f"{os.path.relpath(path, root)}: includes \"{inc}\" "
                                 f"(lib/{sub} must not depend on layouts or the store)")
    include_dir = os.path.join(root, "include")
    for path in sources(include_dir):
        here = os.path.dirname(path)
        for inc in includes(path):
            public = os.path.exists(os.path.join(include_dir, inc)) or os.path.exists(os.path.join(here, inc))
            in_lib = os.path.exists(os.path.join(lib, inc)) or "lib/" in inc.replace("\\", "/")
            if in_lib and not public:
                found.append(f"{os.path.relpath(path, root)}: includes \"{inc}\", a header of lib/ "
                             "(public headers include public headers only)")
    return found


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def self_test():
    with tempfile.TemporaryDirectory() as root:
        write(f"{root}/lib/layouts/layout.hpp", "#pragma once\n")
        write(f"{root}/lib/io/posix_file.hpp", "#pragma once\n")
        write(f"{root}/include/fitstore/errors.hpp", "#pragma once\n")
        write(f"{root}/lib/io/clean.cpp", '#include "io/posix_file.hpp"\n#include "fitstore/errors.hpp"\n')
        write(f"{root}/include/fitstore/clean.hpp", '#include "fitstore/errors.hpp"\n#include <vector>\n')
        if violations(root):
            print("self-test: a clean tree was reported:", violations(root))
            return 1
        planted = {
            "lib/io/bad_io.cpp": '#include "layouts/layout.hpp"\n',
            "lib/codecs/bad_codec.cpp": '#include "fitstore/store.hpp"\n',
            "lib/codecs/bad_engine.hpp": '#include "store/engine.hpp"\n',
            "include/fitstore/bad_public.hpp": '#include "io/posix_file.hpp"\n',
        }
        for name, text in planted.items():
            write(f"{root}/{name}", text)
        reported = violations(root)
        missed = [name for name in planted if not any(r.startswith(name + ":") for r in reported)]
        if missed or len(reported) != len(planted):
            print("self-test: planted violations missed:", missed, "reported:", reported)
            return 1
        print(f"self-test: all {len(planted)} planted violations reported")
        return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    found = violations(argv[1])
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) point the wrong way")
        return 1
    print("include direction: lib/io and lib/codecs include no layout or store header; "
          "public headers include no lib/ header")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
