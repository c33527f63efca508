#!/usr/bin/env python3
"""Properties of krc2-decode's replay output, against what gen.py knows it
injected (TRACE.meta.json beside the trace):
  - the delivered cycles are exactly the intact cycles, in order, with every
    value equal to the wire value and out-of-range axes null (never used);
  - "seq" counts the delivered cycles;
  - the last status reports as many bad frames, dropped cycles and range
    errors as were injected; no status at all for a clean stream;
  - the serial line is only read, never written.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from replay_output import Checker, emitted, parse_args, read_lines  # noqa: E402

KEYS = ["a1", "a2", "a3", "a4", "a5", "a6", "e1"]


def main():
    args = parse_args()
    meta_path = args.trace[:-len(".jsonl")] + ".meta.json"
    with open(meta_path) as f:
        meta = json.load(f)
    out = read_lines(args.output)
    check = Checker("krc2-decode")

    cycles = [p for _, p in emitted(out, "cycles")]
    expected = meta["cycles"]
    check.require(len(cycles) == len(expected), "%d cycles delivered, %d intact cycles sent"
                  % (len(cycles), len(expected)))
    for n, (got, want) in enumerate(zip(cycles, expected), start=1):
        check.require(got["seq"] == n, "cycle %d has seq %s" % (n, got["seq"]))
        for axis, key in enumerate(KEYS):
            if axis + 1 in want["errors"]:
                check.require(got[key] is None, "cycle %d: %s out of range but not null" % (n, key))
            else:
                wire = want["values"][axis]
                check.require(got[key] is not None and round(got[key] * 100000) == wire,
                              "cycle %d: %s = %s, sent %d" % (n, key, got[key], wire))
        check.require(got["errors"] == len(want["errors"]), "cycle %d: errors count" % n)

    status = [p for _, p in emitted(out, "status")]
    if meta["bad_frames"] == 0 and meta["range_errors"] == 0:
        check.require(all(s["bad_frames"] == 0 and s["cycles_dropped"] == 0 for s in status),
                      "clean stream reported problems: %s" % status)
    else:
        check.require(len(status) > 0, "no status message")
    if status:
        last = status[-1]
        for key in ("bad_frames", "cycles_dropped", "range_errors"):
            check.require(last[key] == meta[key], "%s: reported %d, injected %d"
                          % (key, last[key], meta[key]))
        check.require(last["cycles_ok"] <= len(expected), "cycles_ok beyond the intact cycles")
    check.require(not any("serial" in e for e in out), "the decoder wrote to the serial line")
    print("krc2-decode: %d cycles, faults injected: %s" % (len(cycles), meta.get("faults")))
    check.finish()


if __name__ == "__main__":
    main()
