#!/usr/bin/env python3
"""Properties of irrigation-control's replay output, recomputed from the trace
and the configuration (not from the recorded output):
  - each sensor's status: missing before its first reading, range outside
    0..100 %, suspect at or below dry_floor, faulted from the dry_ticks-th such
    reading in a row, else ok; the control value is the mean of the ok ones;
  - the pump is never on while the control value is above `high`, nor without
    a valid sensor; it switches on only below `low` and never while resting;
    it does switch on whenever it should (off, not resting, below `low`);
  - no run reaches max_run_s; after a max_run stop it stays off for rest_s;
  - the actuator is set exactly at the switches (and to 0 once at start); a
    switch-on the host refused (its safety limits, TRACE.limits) leaves the
    pump off, reported as "refused", and is tried again next tick;
  - the trace covers the rules (runs; for the faults trace: missing, range,
    faulted, max_run, no_valid_sensor), so the checks cannot pass vacuously.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from replay_output import Checker, emitted, load_config, parse_args, read_lines  # noqa: E402


def main():
    args = parse_args()
    c = load_config(args.config)
    sensors = c["sensors"].split(",")
    low, high = float(c["low"]), float(c["high"])
    max_run_ms, rest_ms = int(c["max_run_s"]) * 1000, int(c["rest_s"]) * 1000
    dry_floor, dry_ticks = float(c["dry_floor"]), int(c["dry_ticks"])
    trace = read_lines(args.trace)
    out = read_lines(args.output)
    check = Checker("irrigation-control")

    readings = {}
    for t, p in emitted(out, "readings"):
        readings[(t, p["sensor"])] = p
    pumps = dict(emitted(out, "pump"))
    # Actuator changes, and switch-ons the host refused (same time, value 1).
    actuator = [(e["t"], e["value"]) for e in out if "actuator" in e]
    actuator += [(e["t"], 1) for e in out if e.get("refused") == "actuator_set"]
    actuator.sort()

    latest, dry_run, seen = {}, {s: 0 for s in sensors}, set()
    pump_on, on_since, rest_until = False, None, -1
    expected_actuator = [(trace[0]["t"], 0)]
    longest_ms, runs, refused = 0, 0, 0
    for line in trace:
        if "sensor" in line:
            latest[line["sensor"]] = line["value"]
            continue
        if not line.get("tick"):
            continue
        t = line["t"]
        ok_values = []
        for s in sensors:
            r = readings.get((t, s))
            if not check.require(r is not None, "t=%d: no reading for %s" % (t, s)):
                continue
            if s not in latest:
                status = "missing"
            elif not 0 <= latest[s] <= 100:
                status = "range"
            elif latest[s] <= dry_floor:
                dry_run[s] += 1
                status = "faulted" if dry_run[s] >= dry_ticks else "suspect"
            else:
                dry_run[s] = 0
                status = "ok"
                ok_values.append(latest[s])
            seen.add(status)
            check.require(r["status"] == status, "t=%d %s: status %s, expected %s"
                          % (t, s, r["status"], status))
        p = pumps.get(t)
        if not check.require(p is not None, "t=%d: no pump message" % t):
            continue
        control = sum(ok_values) / len(ok_values) if ok_values else None
        check.require(p["valid_sensors"] == len(ok_values), "t=%d: valid_sensors" % t)
        check.require((control is None and p["control"] is None) or
                      (control is not None and abs(p["control"] - control) < 1e-9),
                      "t=%d: control %s, expected %s" % (t, p["control"], control))
        seen.add(p["reason"])
        on = p["on"]
        if on:
            check.require(control is not None and control <= high,
                          "t=%d: pump on at control %s (high %s)" % (t, control, high))
        if p["reason"] == "refused":
            check.require(not on and not pump_on and control < low and t >= rest_until,
                          "t=%d: refused without a switch-on due" % t)
            expected_actuator.append((t, 1))  # asked for; the host said no
            refused += 1
        if on and not pump_on:
            runs += 1
            on_since = t
            check.require(control < low and t >= rest_until,
                          "t=%d: switched on at %s, resting until %d" % (t, control, rest_until))
            expected_actuator.append((t, 1))
        if pump_on and not on:
            expected_actuator.append((t, 0))
            if p["reason"] == "max_run":
                check.require(t - on_since >= max_run_ms, "t=%d: max_run too early" % t)
                rest_until = t + rest_ms
        if (not pump_on and not on and control is not None and control < low and t >= rest_until
                and p["reason"] != "refused"):
            check.require(False, "t=%d: should have switched on (control %s)" % (t, control))
        if on:
            longest_ms = max(longest_ms, t - on_since)
            check.require(p["on_for_s"] * 1000 == t - on_since, "t=%d: on_for_s" % t)
        pump_on = on
    check.require(longest_ms < max_run_ms, "a run lasted %d ms" % longest_ms)
    check.require(actuator == sorted(expected_actuator), "actuator changes %s, expected %s"
                  % (actuator, expected_actuator))
    needed = {"below_low", "above_high", "watering"}
    if "host-limits" in os.path.basename(args.trace):
        needed.add("refused")
    if "faults" in os.path.basename(args.trace):
        needed |= {"missing", "range", "faulted", "suspect", "max_run", "resting", "no_valid_sensor"}
    check.require(runs >= 2 and needed <= seen, "coverage: %d runs, missing %s"
                  % (runs, needed - seen))
    print("irrigation-control: %d runs, longest %d s, statuses and reasons seen: %s"
          % (runs, longest_ms // 1000, ", ".join(sorted(seen))))
    check.finish()


if __name__ == "__main__":
    main()
