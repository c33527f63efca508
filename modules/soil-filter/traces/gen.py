#!/usr/bin/env python3
"""Generates the soil-filter replay trace: irrigation-control "readings"
messages (one per sensor per minute, two sensors, four hours) with noise, a
slow drying trend, injected spikes (single bad samples) and a watering step
that lasts (a level shift, not an outlier). spikes.meta.json lists the spikes.

Deterministic. Usage: gen.py [OUT_DIR]   (default: this folder)
"""
import json
import os
import random
import sys

CONFIG = {"ema_alpha": 0.2, "window": 12, "min_history": 5, "z_limit": 3, "mad_limit": 3.5,
          "min_spread": 0.5, "shift_after": 3, "aggregate_s": 600}
SPIKES = {("soil-1", 30): 14.0, ("soil-1", 75): -12.0, ("soil-2", 50): 9.0, ("soil-2", 51): 9.5,
          ("soil-1", 170): 20.0, ("soil-2", 200): -18.0}
WATERING_MINUTE = 120  # both sensors jump by about 8 % and stay there
MISSING = {("soil-2", 90)}  # the sensor had no value: irrigation-control sends null


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(7)
    lines = []
    for minute in range(240):
        t = (minute + 1) * 60000
        level = 30.0 - 0.01 * minute + (8.0 if minute >= WATERING_MINUTE else 0.0)
        for sensor, offset in (("soil-1", 0.0), ("soil-2", 0.7)):
            value = round(level + offset + rng.gauss(0, 0.2) + SPIKES.get((sensor, minute), 0.0), 2)
            text = "null" if (sensor, minute) in MISSING else repr(value)
            payload = ('{"t_ms":%d,"field":"north","sensor":"%s","value":%s,"status":"%s"}'
                       % (t, sensor, text, "missing" if text == "null" else "ok"))
            lines.append(json.dumps({"t": t, "port": "readings", "payload": payload},
                                    separators=(",", ":")))
    with open(os.path.join(out_dir, "spikes.jsonl"), "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(out_dir, "spikes.config.json"), "w") as out:
        json.dump(CONFIG, out, indent=1)
        out.write("\n")
    meta = {"spikes": [{"sensor": s, "t_ms": (m + 1) * 60000} for (s, m) in sorted(SPIKES)],
            "level_shift_t_ms": (WATERING_MINUTE + 1) * 60000}
    with open(os.path.join(out_dir, "spikes.meta.json"), "w") as out:
        json.dump(meta, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
