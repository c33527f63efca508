#!/usr/bin/env python3
"""Generates the collision-guard replay traces: krc2-decode "cycles" messages
for a robot motion that approaches the configured points, crosses the safety
distance several times, lingers inside the hysteresis band and dips below
again, plus cycles with error values (null axes) that must be skipped; and
the first 150 of them again wrapped in payload envelopes (enveloped.jsonl),
every tenth with an A2 given to ten decimals (the builds must round alike).

Deterministic. Usage: gen.py [OUT_DIR]   (default: this folder)
"""
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kinematics  # noqa: E402

UNITS = 100000
KEYS = ["a1", "a2", "a3", "a4", "a5", "a6", "e1"]
CONFIG = {"points": "1680,2000,1499;-1400,1200,900", "safety_mm": "1500", "hysteresis_mm": "100",
          "serial": "krc2"}


def degrees_text(units):
    """The decimal krc2-decode writes for a wire value (at most five decimals)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), UNITS)
    text = sign + str(whole)
    if frac:
        text += "." + ("%05d" % frac).rstrip("0")
    return text


def pose(i):
    """Degrees A1..E1 for cycle i: A1 swings between the two points while the
    arm reaches in and out; then the arm hovers at the safety distance (A1 near
    0.5 degree puts the tip about 1520 mm from the first point, 34 mm per
    degree), dipping below it and back into the hysteresis band several times,
    and finally moves away."""
    if 400 <= i < 480:
        return [0.5 + 2.0 * math.sin(0.4 * (i - 400)), -75, 80, 0, 0, 0, 0.0]
    if i >= 480:
        return [0.5 - 0.5 * (i - 480), -75, 80, 0, 0, 0, 0.0]
    s = i / 20.0
    return [70 * math.sin(0.5 * s) + 25, -75 + 25 * math.sin(1.1 * s), 80 + 20 * math.sin(0.8 * s),
            15 * math.sin(0.3 * s), 40 * math.sin(0.6 * s), 90 * math.sin(0.2 * s), 0.0]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    points = [[float(v) for v in p.split(",")] for p in CONFIG["points"].split(";")]
    lines, below_count, stats = [], 0, []
    t_ms = 0
    for i in range(520):
        t_ms += 66  # one cycle per 66 ms: 63 bytes at 9600 baud
        units = [round(d * UNITS) for d in pose(i)]
        payload = "{\"seq\":%d" % (i + 1)
        errors = 0
        for k, key in enumerate(KEYS):
            if i % 97 == 50 and k == 2:  # an error value from the decoder
                payload += ",\"%s\":null" % key
                errors += 1
            else:
                payload += ",\"%s\":%s" % (key, degrees_text(units[k]))
        payload += ",\"errors\":%d}" % errors
        # The payload as a JSON string: replay hands its content over byte for byte
        # (an object payload would be re-serialised, numbers included).
        lines.append(json.dumps({"t": t_ms, "port": "cycles", "payload": payload},
                                separators=(",", ":")))
        d = min(kinematics.distance(kinematics.tip([u / UNITS for u in units[:5]]), p) for p in points)
        stats.append(d)
    with open(os.path.join(out_dir, "approach.jsonl"), "w") as out:
        out.write("\n".join(lines) + "\n")
    # The same cycles as they arrive from another node: wrapped in the payload
    # envelope, whose own "seq" (the node's) must not be taken for the cycle's.
    with open(os.path.join(out_dir, "enveloped.jsonl"), "w") as out:
        for n, text in enumerate(lines[:150]):
            line = json.loads(text)
            if n % 10 == 3:  # more decimals than the wire has (another producer): rounded
                a2 = json.loads(line["payload"])["a2"] + 0.0000012
                line["payload"] = re.sub(r'"a2":[^,]*', '"a2":%.10f' % a2, line["payload"])
            line["payload"] = ('{"node":"edge-1","stage":"krc2-decode","seq":%d,"ts":%d,"values":%s}'
                               % (5000 + n, 1795132800000 + line["t"], line["payload"]))
            out.write(json.dumps(line, separators=(",", ":")) + "\n")
    for name in ("approach", "enveloped"):
        with open(os.path.join(out_dir, name + ".config.json"), "w") as out:
            json.dump(CONFIG, out, indent=1)
            out.write("\n")
    falls = sum(1 for a, b in zip(stats, stats[1:]) if a >= 1500 and b < 1500)
    band = sum(1 for d in stats if 1500 <= d <= 1600)
    print("min %.0f max %.0f mm, falls below 1500: %d, cycles in the band: %d"
          % (min(stats), max(stats), falls, band), file=sys.stderr)


if __name__ == "__main__":
    main()
