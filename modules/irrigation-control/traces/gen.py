#!/usr/bin/env python3
"""Generates the irrigation-control replay traces: one reading per sensor and
a tick every minute, from a simulated field (moisture falls by evaporation,
rises while the field's pump runs), plus injected sensor faults. The pump of
the recording was switched by the readings with the same thresholds, run
limit and rest as the module's configuration, so the recorded moisture
responds to what the module decides.

  normal: two healthy sensors over 12 hours, several irrigation cycles.
  faults: soil-2 has no reading at first, then a broken wire (0 %) for 10
          minutes; soil-1 reads 150 % twice; both read 0 % for 5 minutes; and
          from hour 5 the water soaks away so slowly that a run hits max_run.
  host-limits: like normal, replayed with a host pump limit (host-limits.limits:
          at least 4.5 hours off between runs) stricter than the stage's own
          config, so the host refuses some switch-ons.

Deterministic. Usage: gen.py [OUT_DIR]   (default: this folder)
"""
import json
import os
import random
import sys

CONFIG = {"sensors": "soil-1,soil-2", "pump": "pump-1", "field": "north", "low": 25, "high": 35,
          "max_run_s": 900, "rest_s": 1800, "dry_floor": 2, "dry_ticks": 3}
MINUTE_MS = 60000


def simulate(minutes, seed, faults):
    rng = random.Random(seed)
    moisture, pump, on_since, rest_until, lines = 31.0, False, 0, -1, []
    for minute in range(minutes):
        t = (minute + 1) * MINUTE_MS
        slow = faults and minute >= 300
        moisture += (0.25 if slow else 1.4) if pump else -0.045  # %/min
        values = {"soil-1": moisture + rng.gauss(0, 0.25),
                  "soil-2": moisture + 0.8 + rng.gauss(0, 0.25)}
        if faults:
            if minute < 3:
                del values["soil-2"]  # not connected yet: the host has no reading
            if 60 <= minute < 70:
                values["soil-2"] = 0.0  # broken wire
            if minute in (90, 91):
                values["soil-1"] = 150.0  # garbage from the ADC
            if 200 <= minute < 205:
                values["soil-1"] = values["soil-2"] = 0.0
        for name, value in values.items():
            lines.append({"t": t, "sensor": name, "value": round(value, 2)})
        lines.append({"t": t, "tick": True})
        # The recorded installation's controller, minute by minute.
        usable = [v for v in values.values() if CONFIG["dry_floor"] < v <= 100]
        level = sum(usable) / len(usable) if usable else None
        if pump and (level is None or level > CONFIG["high"]):
            pump = False
        elif pump and minute - on_since >= CONFIG["max_run_s"] // 60:
            pump, rest_until = False, minute + CONFIG["rest_s"] // 60
        elif not pump and level is not None and level < CONFIG["low"] and minute >= rest_until:
            pump, on_since = True, minute
    return lines


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, minutes, seed, faults in (("normal", 720, 1, False), ("faults", 480, 2, True),
                                        ("host-limits", 720, 3, False)):
        with open(os.path.join(out_dir, name + ".jsonl"), "w") as out:
            for line in simulate(minutes, seed, faults):
                out.write(json.dumps(line, separators=(",", ":")) + "\n")
        with open(os.path.join(out_dir, name + ".config.json"), "w") as out:
            json.dump(CONFIG, out, indent=1)
            out.write("\n")
    with open(os.path.join(out_dir, "host-limits.limits"), "w") as out:
        out.write("pump:pump-1:max_on=3600000,window=3600000,min_off=16200000\n")


if __name__ == "__main__":
    main()
