#!/usr/bin/env python3
"""Properties of collision-guard's replay output, checked against the trace
with an independent kinematics implementation (kinematics.py):
  - tip and every distance equal the model's within the 0.1 mm rounding;
  - min/nearest are the smallest distance and its index;
  - a stop (flag and exactly one "STOP\\r\\n" serial write, same time) happens
    exactly when the distance falls below safety_mm: below now, not below at
    the previous usable cycle;
  - unsafe is set below safety_mm and clears only above safety_mm + hysteresis_mm;
  - cycles with an error value (null axis) produce no reading and are counted;
  - the trace exercises all of this (stops, a re-entry while unsafe is held,
    clears, skipped cycles), so the checks cannot pass vacuously.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import kinematics  # noqa: E402
from replay_output import Checker, body, load_config, parse_args, payload, read_lines  # noqa: E402

TOLERANCE = 0.05 + 1e-6  # printed to 0.1 mm


def main():
    args = parse_args()
    config = load_config(args.config)
    points = [[float(v) for v in p.split(",")] for p in
              config.get("points", "1680,2000,1499").split(";")]
    safety = float(config.get("safety_mm", 1500))
    hysteresis = float(config.get("hysteresis_mm", 100))
    trace = read_lines(args.trace)
    out = read_lines(args.output)
    check = Checker("collision-guard")

    readings = {payload(e)["seq"]: (e["t"], payload(e)) for e in out if e.get("emit") == "readings"}
    serial = [e for e in out if "serial" in e]
    check.require(all(e["hex"] == b"STOP\r\n".hex() for e in serial), "serial writes are STOP\\r\\n")

    skipped = 0
    below = False
    unsafe = False
    stops = reentries = clears = 0
    for line in trace:
        if line.get("port") != "cycles":
            continue
        cycle = body(payload(line))
        seq = cycle["seq"]
        angles = [cycle["a%d" % i] for i in range(1, 7)]
        if any(a is None for a in angles):
            skipped += 1
            check.require(seq not in readings, "cycle %d has an error value but a reading" % seq)
            continue
        if not check.require(seq in readings, "no reading for cycle %d" % seq):
            continue
        t, r = readings[seq]
        tip = kinematics.tip(angles[:5])
        dist = [kinematics.distance(tip, p) for p in points]
        for axis in range(3):
            check.require(abs(r["tip"][axis] - tip[axis]) <= TOLERANCE,
                          "cycle %d: tip %s, model %s" % (seq, r["tip"], tip))
        for i, d in enumerate(dist):
            check.require(abs(r["d"][i] - d) <= TOLERANCE, "cycle %d: d[%d] %s, model %.3f"
                          % (seq, i, r["d"][i], d))
        d = min(dist)
        check.require(abs(r["min"] - d) <= TOLERANCE and r["nearest"] == dist.index(d),
                      "cycle %d: min/nearest" % seq)
        check.require(r["skipped"] == skipped, "cycle %d: skipped %d, expected %d"
                      % (seq, r["skipped"], skipped))
        now_below = d < safety
        should_stop = now_below and not below
        check.require(r["stop"] == should_stop, "cycle %d: stop %s at %.1f mm (previous below: %s)"
                      % (seq, r["stop"], d, below))
        stop_writes = [e for e in serial if e["t"] == t]
        check.require(len(stop_writes) == (1 if should_stop else 0),
                      "cycle %d: %d stop writes" % (seq, len(stop_writes)))
        if should_stop:
            stops += 1
            reentries += unsafe  # fell below again while the flag was still held
        was_unsafe = unsafe
        unsafe = now_below or (unsafe and d <= safety + hysteresis)
        clears += was_unsafe and not unsafe
        check.require(r["unsafe"] == unsafe, "cycle %d: unsafe %s at %.1f mm" % (seq, r["unsafe"], d))
        below = now_below
    check.require(len(serial) == stops, "%d serial writes for %d stops" % (len(serial), stops))
    check.require(stops >= 2 and clears >= 1 and skipped >= 1 and
                  (reentries >= 1 or "enveloped" in args.trace),
                  "trace coverage: %d stops, %d re-entries, %d clears, %d skipped"
                  % (stops, reentries, clears, skipped))
    print("collision-guard: %d stops, %d re-entries while unsafe, %d clears, %d skipped cycles"
          % (stops, reentries, clears, skipped))
    check.finish()


if __name__ == "__main__":
    main()
