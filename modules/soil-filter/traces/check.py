#!/usr/bin/env python3
"""Properties of soil-filter's replay output, against an independent Python
implementation of the filter described in soil_filter.h and the injected
faults in TRACE.meta.json:
  - every judged sample: z and robust z (mean/sd and median/1.4826 MAD of the
    last `window` accepted samples, spreads floored at min_spread), the outlier
    decision, the EMA and the moving average agree with the reference;
  - outliers leave the EMA and moving average exactly unchanged;
  - every injected spike is flagged; the watering step is taken as one level
    shift per sensor (after shift_after samples), not as a run of outliers;
  - each aggregate holds the min, max, mean and count of the accepted samples
    of its window and the count of outliers (a level shift turns the outliers
    of the open window into data; earlier windows keep theirs); windows are
    aligned and ordered;
  - null readings are skipped.
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from replay_output import Checker, emitted, load_config, parse_args, payload, read_lines  # noqa: E402

CLOSE = 1e-9


def close(a, b):
    return abs(a - b) <= CLOSE * max(1.0, abs(a), abs(b))


class Reference:
    def __init__(self, c):
        self.c = c
        self.history, self.run, self.ema = [], [], None
        self.window = None  # [start, accepted values, outliers]

    def accept(self, x, t):
        self.history = (self.history + [x])[-int(self.c["window"]):]
        a = float(self.c["ema_alpha"])
        self.ema = x if self.ema is None else a * x + (1 - a) * self.ema
        if t >= self.window[0]:  # an earlier window reported it as an outlier already
            self.window[1].append(x)
            return True
        return False

    def add(self, t, x):
        c = self.c
        z = robust = 0.0
        outlier = False
        if len(self.history) >= int(c["min_history"]):
            floor = float(c["min_spread"])
            mean = sum(self.history) / len(self.history)
            sd = (sum((h - mean) ** 2 for h in self.history) / len(self.history)) ** 0.5
            median = statistics.median(self.history)
            mad = 1.4826 * statistics.median(abs(h - median) for h in self.history)
            z = abs(x - mean) / max(sd, floor)
            robust = abs(x - median) / max(mad, floor)
            outlier = z > float(c["z_limit"]) or robust > float(c["mad_limit"])
        shift = False
        if not outlier:
            self.run = []
            self.accept(x, t)
        elif len(self.run) + 1 >= int(c["shift_after"]):
            self.history, self.ema = [], None
            for v, when in self.run:
                self.window[2] -= self.accept(v, when)
            self.accept(x, t)
            self.run, shift = [], True
        else:
            self.run.append((x, t))
            self.window[2] += 1
        ma = sum(self.history) / len(self.history)
        return {"z": z, "robust_z": robust, "outlier": outlier and not shift, "level_shift": shift,
                "ema": self.ema, "ma": ma}


def main():
    args = parse_args()
    c = load_config(args.config)
    with open(args.trace[:-len(".jsonl")] + ".meta.json") as f:
        meta = json.load(f)
    agg_ms = int(c["aggregate_s"]) * 1000
    out = read_lines(args.output)
    check = Checker("soil-filter")
    filtered = {(p["sensor"], p["t_ms"]): p for _, p in emitted(out, "filtered")}
    aggregates = [p for _, p in emitted(out, "aggregate")]

    refs, expected_aggregates, outliers, shifts = {}, [], set(), []
    for line in read_lines(args.trace):
        m = payload(line)
        s, t, x = m["sensor"], m["t_ms"], m["value"]
        if x is None:
            check.require((s, t) not in filtered, "%s t=%d: null reading was judged" % (s, t))
            continue
        ref = refs.setdefault(s, Reference(c))
        if ref.window is not None and t >= ref.window[0] + agg_ms:
            start, values, n_out = ref.window
            if values or n_out:
                expected_aggregates.append((s, start, values, n_out))
            ref.window = None
        if ref.window is None:
            ref.window = [t - t % agg_ms, [], 0]
        want = ref.add(t, x)
        got = filtered.get((s, t))
        if not check.require(got is not None, "%s t=%d: not judged" % (s, t)):
            continue
        for key in ("z", "robust_z", "ema", "ma"):
            check.require(close(got[key], want[key]), "%s t=%d: %s %s, reference %s"
                          % (s, t, key, got[key], want[key]))
        for key in ("outlier", "level_shift"):
            check.require(got[key] == want[key], "%s t=%d: %s %s" % (s, t, key, got[key]))
        if got["outlier"]:
            outliers.add((s, t))
        if got["level_shift"]:
            shifts.append((s, t))
    for spike in meta["spikes"]:
        check.require((spike["sensor"], spike["t_ms"]) in outliers, "spike not flagged: %s" % spike)
    check.require(len(shifts) == 2 and all(t > meta["level_shift_t_ms"] for _, t in shifts),
                  "level shifts: %s" % shifts)

    check.require(len(aggregates) == len(expected_aggregates), "%d aggregates, expected %d"
                  % (len(aggregates), len(expected_aggregates)))
    for got, (s, start, values, n_out) in zip(aggregates, expected_aggregates):
        where = "aggregate %s %d" % (s, start)
        check.require(got["sensor"] == s and got["start_ms"] == start and
                      got["end_ms"] == start + agg_ms, where + ": window")
        check.require(got["count"] == len(values) and got["outliers"] == n_out,
                      where + ": count %d/%d outliers %d/%d" % (got["count"], len(values),
                                                                got["outliers"], n_out))
        if values:
            check.require(got["min"] == min(values) and got["max"] == max(values) and
                          close(got["mean"], sum(values) / len(values)), where + ": min/max/mean")
    print("soil-filter: %d samples judged, %d outliers, %d level shifts, %d aggregates"
          % (len(filtered), len(outliers), len(shifts), len(aggregates)))
    check.finish()


if __name__ == "__main__":
    main()
