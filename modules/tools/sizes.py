#!/usr/bin/env python3
"""Prints the sizes of the reference modules' builds as a Markdown table.

  sizes.py BUILD_DIR/modules
"""
import os
import sys

MODULES = ["irrigation-control", "soil-filter", "irrigation-analytics", "krc2-decode",
           "collision-guard"]


def size(path):
    return os.path.getsize(path) if os.path.exists(path) else None


def cell(n):
    return "-" if n is None else "%d B (%.1f KB)" % (n, n / 1024)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/modules"
    print("| module | .wasm (C) | other builds |")
    print("|---|---|---|")
    for m in MODULES:
        others = ""
        if m == "collision-guard":
            others = "Rust %s, AssemblyScript %s" % (cell(size(os.path.join(d, m + "-rust.wasm"))),
                                                     cell(size(os.path.join(d, m + "-as.wasm"))))
        print("| %s | %s | %s |" % (m, cell(size(os.path.join(d, m + ".wasm"))), others))


if __name__ == "__main__":
    main()
