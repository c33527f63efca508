#!/usr/bin/env python3
"""Properties of irrigation-analytics' replay output, recomputed from the
trace's aggregates and pump switches:
  - every closed hour and UTC day of each field is reported once, and only
    those: samples, min, max, mean of the aggregates ending inside it, pump
    on-time clipped to the period, water = minutes x the field's flow rate;
  - each trend equals a least-squares line through the field's window means
    (mean of its sensors per window) since the pump last stopped (at least
    min_trend_points over min_trend_span_h hours), and the dry-out forecast is
    where that line reaches `low`;
  - a drying_fast alert starts only when the slope is steeper than
    -max_dry_rate; sensors_disagree starts only when the sensors of one window
    are more than `disagree` apart; the slowly drying field raises nothing;
  - coverage: periods with pump time across an hour boundary, both alerts.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from replay_output import Checker, emitted, load_config, parse_args, payload, read_lines  # noqa: E402

HOUR, DAY = 3600000, 86400000


def close(a, b, eps=1e-9):
    return a is not None and b is not None and abs(a - b) <= eps * max(1.0, abs(a), abs(b))


def setting(config, field, key):
    return float(config.get(field + "." + key, config[key]))


def main():
    args = parse_args()
    config = load_config(args.config)
    out = read_lines(args.output)
    check = Checker("irrigation-analytics")

    samples, switches, last_t = {}, {}, {}
    for line in read_lines(args.trace):
        m = payload(line)
        f = m["field"]
        if line["port"] == "aggregate":
            samples.setdefault(f, []).append(m)
            last_t[f] = max(last_t.get(f, 0), m["end_ms"])
        else:
            switches.setdefault(f, []).append((m["t_ms"], m["on"]))
            last_t[f] = max(last_t.get(f, 0), m["t_ms"])

    def pump_ms(f, start, end):
        total, on_since = 0, None
        for t, on in switches.get(f, []) + [(end, False)]:
            if on and on_since is None:
                on_since = t
            elif not on and on_since is not None:
                total += max(0, min(t, end) - max(on_since, start))
                on_since = None
        return total

    spanning = 0
    for port, length in (("hourly", HOUR), ("daily", DAY)):
        got = {(p["field"], p["start_ms"]): p for _, p in emitted(out, port)}
        check.require(len(got) == len(emitted(out, port)), port + ": a period reported twice")
        expected = set()
        for f, agg in samples.items():
            first = min(a["end_ms"] for a in agg)
            start = first - first % length
            while start + length <= last_t[f]:
                inside = [a for a in agg if start <= a["end_ms"] < start + length]
                pump = pump_ms(f, start, start + length)
                if inside or pump:
                    expected.add((f, start))
                    p = got.get((f, start))
                    where = "%s %s %d" % (port, f, start)
                    if check.require(p is not None, where + ": not reported"):
                        check.require(p["samples"] == len(inside), where + ": samples")
                        if inside:
                            check.require(p["min"] == min(a["min"] for a in inside) and
                                          p["max"] == max(a["max"] for a in inside) and
                                          close(p["mean"], sum(a["mean"] for a in inside) /
                                                len(inside)), where + ": min/max/mean")
                        check.require(p["pump_s"] * 1000 == pump, where + ": pump_s %s, expected %s"
                                      % (p["pump_s"], pump / 1000))
                        check.require(close(p["water_l"], pump / 60000 *
                                            setting(config, f, "flow_lpm")), where + ": water_l")
                        spanning += port == "hourly" and 0 < pump < 1800000
                start += length
        check.require(set(got) == expected, "%s: unexpected periods %s" % (port, set(got) - expected))

    trends = emitted(out, "trend")
    for _, p in trends:
        f, t = p["field"], p["t_ms"]
        stop = max([s for s, on in switches.get(f, []) if not on and s <= t], default=None)
        windows = {}
        for a in samples[f]:
            if a["end_ms"] <= t and (stop is None or a["end_ms"] >= stop):
                windows.setdefault(a["end_ms"], []).append(a["mean"])
        points = sorted((w, sum(v) / len(v)) for w, v in windows.items())[-64:]
        ts = [(w - points[0][0]) / HOUR for w, _ in points]
        vs = [v for _, v in points]
        n = len(points)
        where = "trend %s %d" % (f, t)
        if not check.require(n >= config["min_trend_points"] and ts[-1] >= 1.0, where + ": too few points"):
            continue
        mt, mv = sum(ts) / n, sum(vs) / n
        slope = sum((a - mt) * (b - mv) for a, b in zip(ts, vs)) / sum((a - mt) ** 2 for a in ts)
        fitted = mv + slope * (ts[-1] - mt)
        check.require(close(p["slope_pct_h"], slope, 1e-6), where + ": slope %s, expected %s"
                      % (p["slope_pct_h"], slope))
        check.require(close(p["moisture"], fitted, 1e-6), where + ": fitted moisture")
        low = setting(config, f, "low")
        if slope < 0:
            check.require(close(p["dry_out_h"], max(0.0, (low - fitted) / slope), 1e-6),
                          where + ": dry_out_h")
        else:
            check.require(p["dry_out_h"] is None, where + ": dry-out forecast while not drying")
    slope_at = {(p["field"], p["t_ms"]): p["slope_pct_h"] for _, p in trends}

    alerts = [p for _, p in emitted(out, "alerts")]
    for a in alerts:
        f, t = a["field"], a["t_ms"]
        if a["alert"] == "drying_fast" and a["active"]:
            check.require(slope_at.get((f, t), 0) < -setting(config, f, "max_dry_rate"),
                          "drying_fast at %s %d without a steep trend" % (f, t))
        if a["alert"] == "sensors_disagree" and a["active"]:
            means = [s["mean"] for s in samples[f] if s["end_ms"] == t]
            check.require(max(means) - min(means) > setting(config, f, "disagree"),
                          "sensors_disagree at %s %d: %s" % (f, t, means))
    kinds = {(a["field"], a["alert"]) for a in alerts if a["active"]}
    check.require(kinds == {("south", "drying_fast"), ("south", "sensors_disagree")},
                  "alerts raised: %s" % sorted(kinds))
    check.require(spanning >= 1, "no pump run across an hour boundary")
    print("irrigation-analytics: %d hourly, %d daily, %d trends, %d alerts"
          % (len(emitted(out, "hourly")), len(emitted(out, "daily")), len(trends), len(alerts)))
    check.finish()


if __name__ == "__main__":
    main()
