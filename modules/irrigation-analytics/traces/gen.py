#!/usr/bin/env python3
"""Generates the irrigation-analytics replay trace: soil-filter "aggregate"
messages (every 10 minutes per sensor, two sensors per field) and
irrigation-control "pump" switches for two fields over 50 hours, crossing
two UTC midnights.

  north: dries at 0.5 %/h (slower than the 1 %/h the config expects at most);
         watered for 30 minutes whenever it falls below 26 %.
  south: dries at 1.6 %/h (too fast: alert); watered like north; from hour 30
         to hour 40 its second sensor reads 10 % high (sensors disagree).

Deterministic. Usage: gen.py [OUT_DIR]   (default: this folder)
"""
import calendar
import json
import os
import random
import sys

START_MS = calendar.timegm((2026, 11, 19, 22, 0, 0)) * 1000
CONFIG = {"low": 25, "flow_lpm": 12, "south.flow_lpm": 20, "max_dry_rate": 1.0, "disagree": 8,
          "min_trend_points": 6}
FIELDS = {"north": (0.5, ("soil-1", "soil-2")), "south": (1.6, ("soil-3", "soil-4"))}
WINDOW_MIN = 10


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(11)
    events = []  # (t_ms, order, line)
    for field, (dry_rate, sensors) in FIELDS.items():
        moisture, pump_left = 33.0, 0
        for minute in range(50 * 60):
            t = START_MS + (minute + 1) * 60000
            if pump_left > 0:
                moisture += 0.3
                pump_left -= 1
                if pump_left == 0:
                    events.append((t, 0, {"port": "pump", "payload": {
                        "t_ms": t, "field": field, "pump": field + "-pump", "on": False}}))
            else:
                moisture -= dry_rate / 60.0
                if moisture < 26.0:
                    pump_left = 30
                    events.append((t, 0, {"port": "pump", "payload": {
                        "t_ms": t, "field": field, "pump": field + "-pump", "on": True}}))
            if (minute + 1) % WINDOW_MIN:
                continue
            for n, sensor in enumerate(sensors):
                offset = 10.0 if (sensor == "soil-4" and 30 * 60 <= minute < 40 * 60) else 0.3 * n
                mean = round(moisture + offset + rng.gauss(0, 0.15), 3)
                spread = round(abs(rng.gauss(0, 0.2)) + 0.05, 3)
                events.append((t, 1, {"port": "aggregate", "payload": {
                    "field": field, "sensor": sensor, "start_ms": t - WINDOW_MIN * 60000,
                    "end_ms": t, "count": 10, "outliers": 0, "min": round(mean - spread, 3),
                    "max": round(mean + spread, 3), "mean": mean}}))
    events.sort(key=lambda e: (e[0], e[1]))
    with open(os.path.join(out_dir, "two-fields.jsonl"), "w") as out:
        for t, _, line in events:
            # Payloads as JSON strings: replay passes their text unchanged.
            line["payload"] = json.dumps(line["payload"], separators=(",", ":"))
            out.write(json.dumps({"t": t - START_MS, **line}, separators=(",", ":")) + "\n")
    with open(os.path.join(out_dir, "two-fields.config.json"), "w") as out:
        json.dump(CONFIG, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
