#!/usr/bin/env python3
"""Edge -> fog -> cloud: runs irrigation-control on a sensor trace, feeds what
it emits to soil-filter, and what both emit to irrigation-analytics, each stage
a separate `continuum replay` of its .wasm build (the ports wired as a
deployment would wire them). Then checks that nothing is lost or invented on
the way:
  - every reading with a value is judged by soil-filter, and none other;
  - the aggregates account for every judged sample of the windows they close;
  - the analytics' hourly pump time equals irrigation-control's pump runs,
    hour by hour, and its water is that time at the configured flow rate.

  pipeline.py --continuum BIN --modules BUILD/modules --trace SENSORS.jsonl
              --config CONTROL.config.json
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_output import Checker, emitted  # noqa: E402

HOUR = 3600000
FLOW_LPM = 12.0


def replay(args, module, trace_lines, config):
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.jsonl")
        with open(trace, "w") as f:
            f.write("\n".join(json.dumps(l, separators=(",", ":")) for l in trace_lines) + "\n")
        conf = os.path.join(tmp, "config.json")
        with open(conf, "w") as f:
            json.dump(config, f)
        done = subprocess.run([args.continuum, "replay", os.path.join(args.modules, module),
                               "--trace", trace, "--config", conf],
                              capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("FAIL: replay of %s: %s" % (module, done.stderr))
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def forward(events, port, to_port):
    """Emitted messages of one stage as input lines of the next (same times)."""
    return [{"t": e["t"], "port": to_port, "payload": json.dumps(e["payload"], separators=(",", ":"))}
            for e in events if e.get("emit") == port]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--continuum", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("--trace", required=True)
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.trace) as f:
        sensors = [json.loads(line) for line in f if line.strip()]
    with open(args.config) as f:
        control_config = json.load(f)
    check = Checker("pipeline")

    control = replay(args, "irrigation-control.wasm", sensors, control_config)
    readings = forward(control, "readings", "readings")
    filtered_out = replay(args, "soil-filter.wasm", readings, {"aggregate_s": 600})
    cloud_in = sorted(forward(filtered_out, "aggregate", "aggregate") +
                      forward(control, "pump", "pump"), key=lambda l: l["t"])
    analytics = replay(args, "irrigation-analytics.wasm", cloud_in, {"flow_lpm": FLOW_LPM})

    with_value = [p for _, p in emitted(control, "readings") if p["value"] is not None]
    judged = [p for _, p in emitted(filtered_out, "filtered")]
    check.require(len(judged) == len(with_value), "%d readings with a value, %d judged"
                  % (len(with_value), len(judged)))
    aggregates = [p for _, p in emitted(filtered_out, "aggregate")]
    for a in aggregates:
        inside = [s for s in judged if s["sensor"] == a["sensor"] and
                  a["start_ms"] <= s["t_ms"] < a["end_ms"]]
        check.require(a["count"] + a["outliers"] == len(inside), "aggregate %s %d: %d + %d of %d"
                      % (a["sensor"], a["start_ms"], a["count"], a["outliers"], len(inside)))

    runs, since = [], None
    for _, p in emitted(control, "pump"):
        if p["on"] and since is None:
            since = p["t_ms"]
        elif not p["on"] and since is not None:
            runs.append((since, p["t_ms"]))
            since = None
    hourly = [p for _, p in emitted(analytics, "hourly")]
    for h in hourly:
        on_ms = sum(max(0, min(b, h["end_ms"]) - max(a, h["start_ms"])) for a, b in runs)
        check.require(h["pump_s"] * 1000 == on_ms, "hour %d: pump_s %s, control ran %d ms"
                      % (h["start_ms"], h["pump_s"], on_ms))
        check.require(abs(h["water_l"] - on_ms / 60000 * FLOW_LPM) < 1e-9, "hour %d: water"
                      % h["start_ms"])
    closed_end = max((h["end_ms"] for h in hourly), default=0)
    total_runs = sum(min(b, closed_end) - a for a, b in runs if a < closed_end)
    check.require(len(runs) >= 2 and len(hourly) >= 6 and
                  sum(h["pump_s"] for h in hourly) * 1000 == total_runs,
                  "%d runs, %d hours" % (len(runs), len(hourly)))
    print("pipeline: %d readings -> %d judged -> %d aggregates; %d pump runs -> %d hourly, "
          "%.0f l of water" % (len(with_value), len(judged), len(aggregates), len(runs),
                               len(hourly), sum(h["water_l"] for h in hourly)))
    check.finish()


if __name__ == "__main__":
    main()
