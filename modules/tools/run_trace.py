#!/usr/bin/env python3
"""Replays one recorded trace through one or more builds of a stage module
(`continuum replay`) and requires each output to equal the reviewed expected
output byte for byte; then runs the module's property checker on the output,
which asserts behaviour independently of the recorded file.

  run_trace.py --continuum BIN --trace T.jsonl --expected T.expected.jsonl
               [--config T.config.json] [--grants grants.txt] [--limits T.limits]
               [--check check.py]
               [--update] MODULE...

--grants gives the stage only the grants listed in the file (one per line, as
`continuum replay --grant`); a call outside them shows up as a "refused" line
and so fails the comparison.

--update rewrites the expected file from the first module's output (review it
before committing). Exit status 0 only if every comparison and check passed.
"""
import argparse
import difflib
import os
import subprocess
import sys


def replay(continuum, module, trace, config, grants, limits):
    cmd = [continuum, "replay", module, "--trace", trace]
    for limit in limits:
        cmd += ["--limit", limit]
    if config:
        cmd += ["--config", config]
    for grant in grants:
        cmd += ["--grant", grant]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s" % (" ".join(cmd), done.returncode, done.stderr))
    return done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--continuum", required=True)
    parser.add_argument("--trace", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--config")
    parser.add_argument("--check")
    parser.add_argument("--grants")
    parser.add_argument("--limits", help="host safety limits, one --limit SPEC per line")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("modules", nargs="+")
    args = parser.parse_args()

    grants = []
    if args.grants:
        with open(args.grants) as f:
            grants = [g.strip() for g in f if g.strip() and not g.startswith("#")]
    limits = []
    if args.limits:
        with open(args.limits) as f:
            limits = [g.strip() for g in f if g.strip() and not g.startswith("#")]
    failed = False
    outputs = []
    for module in args.modules:
        outputs.append(replay(args.continuum, module, args.trace, args.config, grants, limits))
    if args.update:
        with open(args.expected, "w") as f:
            f.write(outputs[0])
        print("wrote %s (%d lines): review it" % (args.expected, outputs[0].count("\n")))
    with open(args.expected) as f:
        expected = f.read()
    for module, output in zip(args.modules, outputs):
        name = os.path.basename(module)
        if output == expected:
            print("ok: %s matches %s (%d lines)" % (name, os.path.basename(args.expected),
                                                      output.count("\n")))
            continue
        failed = True
        print("FAIL: %s differs from %s:" % (name, args.expected))
        diff = difflib.unified_diff(expected.splitlines(), output.splitlines(), "expected", name,
                                    lineterm="", n=1)
        for i, line in enumerate(diff):
            if i == 40:
                print("... (diff cut)")
                break
            print(line)
    if args.check:
        cmd = [sys.executable, args.check, "--trace", args.trace, "--output", "-"]
        if args.config:
            cmd += ["--config", args.config]
        done = subprocess.run(cmd, input=outputs[0], text=True)
        failed = failed or done.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
