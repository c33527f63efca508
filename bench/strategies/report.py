"""Writes what `continuum bench strategies` measured: raw CSV files (one row
per run x node, stage, hop, stop ...), report.md (medians over the runs with
their spread, the machine, the power model) and PNG plots (gnuplot), and with
--quick checks that all of it is there and consistent (check()).
"""
import csv
import os
import statistics
import subprocess

import energy
import overhead
import strategies

PLOTS = ["latency_cdf.png", "memory.png", "cpu_per_message.png", "overhead.png"]
CSVS = ["runs.csv", "latency.csv", "stages.csv", "nodes.csv", "counts.csv", "robot.csv", "throughput.csv",
        "overhead.csv", "energy.csv"]
NODES = ["edge-soil-1", "edge-soil-2", "edge-robot-1", "fog-1", "cloud-1"]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, int) or float(v).is_integer() and abs(v) >= 100:
        return f"{int(round(v)):,}"
    return f"{v:,.{digits}f}"


def spread(values, digits=1):
    """'median (min-max)' over the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return fmt(values[0], digits)
    return f"{fmt(med(values), digits)} ({fmt(min(values), digits)}-{fmt(max(values), digits)})"


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100.0 * (len(v) - 1) + 0.5))]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def gnuplot(out, name, script):
    path = os.path.join(out, name.replace(".png", ".gp"))
    with open(path, "w") as f:
        f.write(f"set terminal pngcairo size 900,520 font 'sans,10'\nset output '{name}'\n" + script)
    r = subprocess.run(["gnuplot", os.path.basename(path)], cwd=out, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"gnuplot {path}: {r.stderr.strip()}")


def write(out, info, records, loads, overheads):
    ok = [r for r in records if "error" not in r]
    chosen = info["strategies"]
    by = {s: [r for r in ok if r["strategy"] == s] for s in chosen}

    # --- raw CSV ---------------------------------------------------------------
    lat_rows, stage_rows, node_rows, count_rows, robot_rows, energy_rows = [], [], [], [], [], []
    for r in ok:
        s, k, sm = r["strategy"], r["run"] + 1, r["summary"]
        e = sm["latency_ms"]["end_to_end"]
        lat_rows.append([s, k, "end_to_end", e["count"], e["p50_ms"], e["p95_ms"], e["p99_ms"], e["max_ms"]])
        for leg, h in sorted(sm["latency_ms"]["hops"].items()):
            lat_rows.append([s, k, leg, h["count"], h["p50_ms"], h["p95_ms"], h["p99_ms"], h["max_ms"]])
        for key, st in sorted(sm["stages"].items()):
            stage_rows.append([s, k, key, st.get("in"), st.get("out"), st.get("emitted_seq"), st.get("rows_stored"),
                               st.get("lost"), st.get("stored_twice"), st.get("dropped")])
        for node, n in sorted(r["nodes"].items()):
            per = n["cpu_s"] / n["messages"] * 1e6 if n["messages"] else None
            node_rows.append([s, k, node, f"{n['cpu_s']:.4f}", f"{n['cpu_ticks_s']:.2f}", n["messages"], f"{per:.1f}" if per is not None else "",
                              n["peak_kb"], n["steady_kb"], n["tx_bytes"], n["tx_segments"]])
            if "energy" in n:
                en = n["energy"]
                sent = sum((st.get("out") or 0) for key, st in sm["stages"].items() if key.startswith(node + "/"))
                energy_rows.append([s, k, node, f"{n['cpu_s']:.2f}", f"{en['esp32_cpu_s']:.2f}", n["tx_bytes"],
                                    n["tx_segments"], f"{en['airtime_s'] * 1e3:.3f}", f"{en['cpu_mj']:.1f}",
                                    f"{en['radio_mj']:.3f}", f"{en['total_mj']:.1f}", sent,
                                    f"{en['total_mj'] * 1e3 / sent:.1f}" if sent else ""])
        c = r["counts"]
        fog_in = (sm["stages"].get("fog-1/filter") or {}).get("in")
        count_rows.append([s, k, c["soil_readings_sent"], c["soil_readings_filtered"], c["soil_tail"], fog_in,
                           c["robot_cycles_sent"], c["robot_guard_readings"], c["robot_tail"], c["rows"],
                           sm["rows_stored"], sm["readings_lost"], sm["readings_stored_twice"],
                           "; ".join(p for p in (c["soil_problem"], c["robot_problem"]) if p)])
        for i, ms in enumerate(sm.get("reaction_ms") or []):
            robot_rows.append([s, k, i + 1, ms])
    write_csv(os.path.join(out, "runs.csv"), ["strategy", "run", "exit_status", "wall_s", "load_1min_start",
                                              "load_1min_end", "error"],
              [[r["strategy"], r["run"] + 1, r["exit_status"], r.get("wall_s"), r["load"][0], r["load"][1],
                r.get("error", "")] for r in records])
    write_csv(os.path.join(out, "latency.csv"),
              ["strategy", "run", "leg", "count", "p50_ms", "p95_ms", "p99_ms", "max_ms"], lat_rows)
    write_csv(os.path.join(out, "stages.csv"), ["strategy", "run", "stage", "in_heartbeat", "out_heartbeat",
                                                "emitted_seq", "rows_stored", "lost", "stored_twice", "dropped"],
              stage_rows)
    write_csv(os.path.join(out, "nodes.csv"), ["strategy", "run", "node", "cpu_s", "cpu_utime_stime_s", "messages", "cpu_us_per_message",
                                               "peak_rss_kb", "steady_rss_kb", "tx_bytes", "tx_segments"], node_rows)
    write_csv(os.path.join(out, "counts.csv"), [
        "strategy", "run", "soil_readings_sent", "soil_readings_filtered", "soil_tail", "fog_filter_in_last_heartbeat",
        "robot_cycles_sent", "robot_guard_readings", "robot_tail", "rows_in_store", "rows_stored_summary", "lost",
        "stored_twice", "tail_problem"], count_rows)
    write_csv(os.path.join(out, "robot.csv"), ["strategy", "run", "stop", "reaction_ms"], robot_rows)
    write_csv(os.path.join(out, "throughput.csv"), ["strategy", "run", "fog_filter_runtime", "sustained_per_s",
                                                    "ladder_top_per_s"],
              [[x["strategy"], x["run"] + 1, strategies.runtime_of(x["strategy"], "filter"), x["sustained_per_s"],
                x["ladder_top"]] for x in loads])
    write_csv(os.path.join(out, "overhead.csv"), ["module", "run", "passes", "calls_per_pass", "wasm_us_per_call",
                                                  "native_us_per_call"],
              [[o["module"], o["run"] + 1, o["passes"], o["calls_per_pass"], f"{o['wasm']:.2f}",
                f"{o['native']:.2f}"] for o in overheads])
    write_csv(os.path.join(out, "energy.csv"), ["strategy", "run", "node", "cpu_s_x86", "esp32_cpu_s", "tx_bytes",
                                                "tx_segments", "airtime_ms", "cpu_mj", "radio_mj", "total_mj",
                                                "messages_sent", "uj_per_message"], energy_rows)

    # --- aggregates --------------------------------------------------------------
    agg = {"strategies": {}}
    ov = {m: {"wasm": med([o["wasm"] for o in overheads if o["module"] == m]),
              "native": med([o["native"] for o in overheads if o["module"] == m])} for m in overhead.TRACES}
    agg["overhead"] = ov
    for s in chosen:
        rs = by[s]
        a = {"runs": len(rs)}
        for p in ("p50_ms", "p95_ms", "p99_ms"):
            a[p] = [r["summary"]["latency_ms"]["end_to_end"][p] for r in rs]
        legs = sorted({leg for r in rs for leg in r["summary"]["latency_ms"]["hops"]})
        a["hops"] = {leg: {p: [r["summary"]["latency_ms"]["hops"][leg][p] for r in rs
                               if leg in r["summary"]["latency_ms"]["hops"]] for p in ("p50_ms", "p99_ms")}
                     for leg in legs}
        a["pooled_latency"] = [x for r in rs for x in r["latencies"]]
        reactions = [x for r in rs for x in (r["summary"].get("reaction_ms") or [])]
        a["reactions"] = reactions
        a["stops"] = [r["summary"]["robot_stops"] for r in rs]
        a["throughput"] = [x["sustained_per_s"] for x in loads if x["strategy"] == s]
        a["nodes"] = {}
        for node in NODES:
            ns = [r["nodes"][node] for r in rs if node in r["nodes"]]
            a["nodes"][node] = {
                "peak_kb": [n["peak_kb"] for n in ns], "steady_kb": [n["steady_kb"] for n in ns],
                "cpu_us_per_msg": [n["cpu_s"] / n["messages"] * 1e6 for n in ns if n["messages"]],
                "cpu_s": [n["cpu_s"] for n in ns], "tx_bytes": [n["tx_bytes"] for n in ns],
                "energy_mj": [n["energy"]["total_mj"] for n in ns if "energy" in n],
                "esp32_busy_pct": [n["energy"]["esp32_cpu_s"] / info["duration_s"] * 100 for n in ns if "energy" in n],
                "radio_mj": [n["energy"]["radio_mj"] for n in ns if "energy" in n]}
        a["wasm_overhead_us"] = {}
        for key, (module, _, _) in strategies.STAGES.items():
            if strategies.runtime_of(s, key) == "wasm" and ov[module]["wasm"] is not None:
                a["wasm_overhead_us"][key] = ov[module]["wasm"] - ov[module]["native"]
        agg["strategies"][s] = a

    plots(out, chosen, agg)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(markdown(info, chosen, agg, records))
    return agg


def plots(out, chosen, agg):
    titles = {s: strategies.STRATEGIES[s][0].split(":")[0].replace("_", " ") for s in chosen}
    # Latency distribution: the pooled end-to-end latencies as a CDF per strategy.
    pcts = [i * 0.5 for i in range(0, 200)] + [99.5, 99.9, 100]
    with open(os.path.join(out, "latency_cdf.dat"), "w") as f:
        f.write("# fraction " + " ".join(chosen) + "  (end-to-end ms at that fraction, all runs pooled)\n")
        for p in pcts:
            # Latencies are whole ms; 0 is drawn at 0.5 so that the log axis can show it.
            f.write(f"{p / 100:.4f} " + " ".join(str(max(percentile(agg["strategies"][s]["pooled_latency"], p) or 0, 0.5))
                                                  for s in chosen) + "\n")
    xmax = max([percentile(agg["strategies"][s]["pooled_latency"], 100) or 1 for s in chosen] + [10]) * 1.2
    lines = ", ".join(f"'latency_cdf.dat' using {i + 2}:1 with steps lw 2 title '{titles[s]}'"
                      for i, s in enumerate(chosen))
    gnuplot(out, "latency_cdf.png", f"set title 'End-to-end latency (sensor reading to stored row), all runs pooled'\n"
                                    f"set xlabel 'ms (log scale; whole ms, 0 drawn at 0.5)'\nset logscale x\n"
                                    f"set ylabel 'fraction of readings'\nset key bottom right\n"
                                    f"set grid xtics mxtics ytics\nset xrange [0.5:{xmax:.0f}]\nset yrange [0:1]\n"
                                    f"plot {lines}\n")

    def bars(name, dat, header, rows, title, ylabel):
        with open(os.path.join(out, dat), "w") as f:
            f.write("# " + " ".join(header) + "\n")
            for row in rows:
                f.write(" ".join(str(c) for c in row) + "\n")
        cols = len(header) - 1
        plot = ", ".join(f"'{dat}' using {i + 2}:xtic(1) title '{header[i + 1]}'" for i in range(cols))
        gnuplot(out, name, f"set title '{title}'\nset ylabel '{ylabel}'\nset style data histograms\n"
                           "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
                           "set boxwidth 0.9\nset key outside right top\nset grid ytics\nset yrange [0:*]\n"
                           f"plot {plot}\n")

    def node_rows(metric, scale):
        return [[node] + [(med(agg["strategies"][s]["nodes"][node][metric]) or 0) * scale for s in chosen]
                for node in NODES]

    bars("memory.png", "memory.dat", ["node"] + chosen, node_rows("peak_kb", 1 / 1024),
         "Peak RSS per node (median over runs)", "MiB")
    bars("cpu_per_message.png", "cpu_per_message.dat", ["node"] + chosen, node_rows("cpu_us_per_msg", 1),
         "CPU time per message handled, per node (median over runs)", "us per message")
    bars("overhead.png", "overhead.dat", ["stage", "wasm", "native"],
         [[m, agg["overhead"][m]["wasm"] or 0, agg["overhead"][m]["native"] or 0] for m in overhead.TRACES],
         "Stage execution per call: our engine (.wasm) vs native (.so), same trace", "us per call (CPU)")


def markdown(info, chosen, agg, records):
    S = agg["strategies"]
    md = ["# Deployment strategies: `continuum bench strategies`\n",
          f"{info['date']}, commit {info['commit']}; `continuum bench strategies {info['command']}`: "
          f"{info['runs']} run(s) per strategy x {info['duration_s']:g} s, seed {info['seed']}, runs interleaved "
          f"(strategy 1..5, then again). Figures are medians over the runs with the spread (min-max) in "
          f"brackets.\n",
          f"**Machine:** {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB RAM, Linux "
          f"{info['kernel']}; load average at start {info['load_at_start']}, 1-minute load during the runs "
          f"{min(x for r in records for x in r['load']):.1f}-{max(x for r in records for x in r['load']):.1f} "
          f"(runs.csv; the machine is shared with other builds and tests: absolute times, and above all the "
          f"tails, move with its load; compare strategies within one report).\n"]
    failed = [r for r in records if "error" in r]
    if failed:
        md.append("**Failed runs:** " + "; ".join(f"{r['strategy']} run {r['run'] + 1}: {r['error']}" for r in failed)
                  + "\n")
    md.append("## Strategies: which stage runs where, in which runtime\n")
    header = ["stage (module)"] + [strategies.STRATEGIES[s][0] for s in chosen]
    rows = []
    for key, (module, _, stage) in strategies.STAGES.items():
        row = [f"{stage} ({module})"]
        for s in chosen:
            node = next(n for n, st, _, _ in strategies.placement(s) if st == stage)
            node = "edge-soil-1/2" if key == "control" else node
            row.append(f"{node}, {strategies.runtime_of(s, key)}")
        rows.append(row)
    md.append(table(header, rows))
    md.append("\nStrategy 4 has the runtimes of strategy 1 but a different fog: the robot edge only decodes and "
              "publishes its cycles, the fog runs the safety check (collision-guard, native) and writes STOP on "
              "the controller's line; everywhere else the guard runs on the robot's edge beside the decoder. "
              "Workload (bench/strategies/template.toml): 2 soil fields x 2 probes read every 100 ms by two edges, "
              "the fog filters every reading, the cloud stores everything and runs analytics; the KR C2 at "
              "115200 baud (about 190 cycles/s), approaching the point every 2 s, resuming 0.5 s after each "
              "stop.\n")

    md.append("## End-to-end latency (sensor reading or robot cycle to stored row)\n")
    md.append(table(["strategy", "readings/run", "p50 ms", "p95 ms", "p99 ms"],
                    [[strategies.STRATEGIES[s][0], fmt(len(S[s]["pooled_latency"]) / max(S[s]["runs"], 1), 0),
                      spread(S[s]["p50_ms"]), spread(S[s]["p95_ms"]), spread(S[s]["p99_ms"])] for s in chosen]))
    md.append("\nPer hop (p50 / p99 ms, median over runs; `origin` is the sensor's or cycle's time, `ingest` the "
              "store; docs/protocol.md \"Latency\"):\n\n")
    legs = sorted({leg for s in chosen for leg in S[s]["hops"]})
    md.append(table(["hop"] + chosen, [[f"`{leg}`"] + [
        f"{fmt(med(S[s]['hops'][leg]['p50_ms']), 0)} / {fmt(med(S[s]['hops'][leg]['p99_ms']), 0)}"
        if leg in S[s]["hops"] else "-" for s in chosen] for leg in legs]))

    md.append("\n## Robot: frame to stop\n\nFrom the last byte of the first cycle under the safety distance to "
              "STOP arriving at the simulated controller (all stops of all runs pooled).\n\n")
    md.append(table(["strategy", "stops per run", "p50 ms", "p95 ms", "max ms"],
                    [[strategies.STRATEGIES[s][0], spread(S[s]["stops"], 0), fmt(percentile(S[s]["reactions"], 50), 2),
                      fmt(percentile(S[s]["reactions"], 95), 2), fmt(max(S[s]["reactions"]) if S[s]["reactions"] else None, 2)]
                     for s in chosen]))

    md.append("\n## Throughput at saturation (the strategy's fog)\n\nThe fog's soil-filter stage (the strategy's "
              "runtime) fed by `bench_pipeline_loadgen` at fixed rates, QoS 1 (bench/pipeline scenario b): the "
              "largest rate it sustained (everything delivered, nothing dropped, caught up within 0.5 s, queue "
              "below its bound, the generator offered at least 97 % of the rate; 2 s per step, 2 publishers).\n\n")
    md.append(table(["strategy", "fog filter", "sustained readings/s"],
                    [[strategies.STRATEGIES[s][0], strategies.runtime_of(s, "filter"), spread(S[s]["throughput"], 0)]
                     for s in chosen]))

    md.append("\n## Memory per node (RSS from /proc, MiB)\n\nPeak = VmHWM; steady = median RSS over the second "
              "half of the node's life (sampled every 0.25 s).\n\n")
    md.append(table(["node"] + [f"{s} peak" for s in chosen] + [f"{s} steady" for s in chosen],
                    [[node] + [fmt((med(S[s]["nodes"][node]["peak_kb"]) or 0) / 1024) for s in chosen]
                     + [fmt((med(S[s]["nodes"][node]["steady_kb"]) or 0) / 1024) for s in chosen] for node in NODES]))

    md.append("\n## CPU time per message, per node (us)\n\nThe node process's CPU time, start-up included (the sum "
              "of its threads' run time in /proc/PID/task/*/schedstat, ns; utime + stime of /proc/PID/stat, in 10 ms "
              "ticks, is beside it in nodes.csv), over the messages it handled: what its stages received and "
              "emitted (last heartbeat, 1 s period) plus, on cloud-1, the readings it stored.\n\n")
    md.append(table(["node"] + chosen, [[node] + [spread(S[s]["nodes"][node]["cpu_us_per_msg"], 0) for s in chosen]
                                        for node in NODES]))
    md.append(f"\nThe same CPU time per node over a whole run (s, for {info['duration_s']:g} s of running plus start "
              "and ordered stop). A node that polls pays for it without messages: krc2-decode ticks every 1 ms, so "
              "the robot edge of strategy 4, which emits only the cycles, shows a higher figure per message.\n\n")
    md.append(table(["node"] + chosen, [[node] + [spread(S[s]["nodes"][node]["cpu_s"], 2) for s in chosen]
                                        for node in NODES]))

    md.append("\n## Sandbox overhead per stage\n\n`continuum replay` of each stage's reviewed trace with the "
              ".wasm and the native .so (same host, same input, outputs compared equal); CPU time per module call "
              "(port message or tick) without start-up: (T(N passes) - T(1 pass)) / (N - 1) / calls.\n\n")
    ov = agg["overhead"]
    md.append(table(["stage module", "wasm us/call", "native us/call", "x native", "overhead us/call"],
                    [[m, fmt(ov[m]["wasm"], 2), fmt(ov[m]["native"], 2),
                      fmt(ov[m]["wasm"] / ov[m]["native"], 1) if ov[m]["native"] else "-",
                      fmt(ov[m]["wasm"] - ov[m]["native"], 2) if ov[m]["wasm"] is not None else "-"]
                     for m in overhead.TRACES]))
    md.append("\nWhat each strategy pays for the sandbox, per call of each stage it runs as .wasm (us):\n\n")
    md.append(table(["strategy", "stages as .wasm", "soil reading path (control + filter)",
                     "robot cycle path (decode + guard)"],
                    [[strategies.STRATEGIES[s][0], ", ".join(S[s]["wasm_overhead_us"]) or "none",
                      fmt(sum(v for k, v in S[s]["wasm_overhead_us"].items() if k in ("control", "filter")), 1),
                      fmt(sum(v for k, v in S[s]["wasm_overhead_us"].items() if k in ("decode", "guard")), 1)]
                     for s in chosen]))

    md.append("\n## Edge energy estimate (ESP32-class)\n\n" + energy.model_text() + "\n\n")
    rows = []
    for s in chosen:
        for node in ("edge-soil-1", "edge-soil-2", "edge-robot-1"):
            n = S[s]["nodes"][node]
            total = med(n["energy_mj"])
            rows.append([strategies.STRATEGIES[s][0], node, spread(n["cpu_s"], 2), spread(n["tx_bytes"], 0),
                         fmt(med(n["radio_mj"]), 3), spread(n["energy_mj"], 0),
                         fmt(total / info["duration_s"], 0) if total is not None else "-",
                         fmt(med(n["esp32_busy_pct"]), 0)])
    md.append(table(["strategy", "edge node", "x86 CPU s", "bytes sent", "radio mJ", "total mJ per run",
                     "mean mW", "ESP32 CPU busy %"], rows))
    md.append("\nThe CPU share is the whole node process (agent, MQTT client, SQLite outbox, JSON) scaled as if "
              "an ESP32 ran it; a busy share above 100 % means one ESP32 could not carry this node's work at "
              "this rate, and the mean power is then only a way to compare strategies.\n")
    md.append("\n## Message counts between tiers\n\nRead from the store after `continuum up`'s ordered shutdown: "
              "the edges stop first and flush their outboxes to the broker, then the fog gets SIGTERM, drains its "
              "queue and outbox, and up waits until the store holds everything. What the broker had not yet "
              "delivered to the fog when it stopped is the in-flight tail (it stays queued for the fog's session): "
              "sent = handled + tail, where the tail must be the newest messages only (per probe by its time, per "
              "robot cycle by its number: nothing missing before the last one handled, nothing handled that was not "
              "sent) and at most 2 s of sending. The fog's heartbeat count (`in`, at most 1 s old) may trail by "
              "the last seconds' readings.\n\n")
    rows = []
    for r in records:
        if "error" in r:
            continue
        c, sm = r["counts"], r["summary"]
        fog_in = (sm["stages"].get("fog-1/filter") or {}).get("in")
        rows.append([r["strategy"], r["run"] + 1, c["soil_readings_sent"], c["soil_readings_filtered"],
                     c["soil_tail"], fog_in, c["robot_cycles_sent"], c["robot_guard_readings"], c["robot_tail"],
                     sm["readings_lost"], sm["readings_stored_twice"]])
    md.append(table(["strategy", "run", "soil readings sent (edges)", "filtered (fog)", "tail", "fog in (heartbeat)",
                     "robot cycles sent (edge)", "guard readings", "tail", "lost", "stored twice"], rows))
    md.append("\n## Plots\n\n" + "\n".join(f"![{p}]({p})" for p in PLOTS) + "\n\nRaw figures: "
              + ", ".join(f"`{c}`" for c in CSVS) + " (one row per run and node, stage, hop, stop or module).\n")
    return "\n".join(md)


def check(out, info, agg):
    """The --quick checks: every file, row and plot present, no negative or
    missing values, message counts matching between tiers."""
    problems = []
    for f in CSVS + ["report.md"]:
        if not os.path.exists(os.path.join(out, f)) or os.path.getsize(os.path.join(out, f)) == 0:
            problems.append(f"{f} missing or empty")
    for p in PLOTS:
        path = os.path.join(out, p)
        if not os.path.exists(path):
            problems.append(f"plot {p} missing")
            continue
        with open(path, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n" or os.path.getsize(path) < 2000:
                problems.append(f"plot {p} is not a PNG with content")
    with open(os.path.join(out, "report.md")) as f:
        text = f.read()
    for s in info["strategies"]:
        title = strategies.STRATEGIES[s][0]
        if text.count(title) < 7:
            problems.append(f"report.md: {title} is missing from some table ({text.count(title)} of 7 rows)")
        a = agg["strategies"][s]
        if a["runs"] != info["runs"]:
            problems.append(f"{s}: {a['runs']} of {info['runs']} runs completed")
            continue
        for p in ("p50_ms", "p95_ms", "p99_ms"):
            if any(v is None or v < 0 for v in a[p]):
                problems.append(f"{s}: end-to-end {p} missing or negative: {a[p]}")
        if not a["pooled_latency"] or min(a["pooled_latency"]) < 0:
            problems.append(f"{s}: latency distribution empty or negative")
        if not a["hops"]:
            problems.append(f"{s}: no per-hop latency")
        if not a["reactions"] or len(a["reactions"]) < sum(a["stops"]) or min(a["reactions"]) < 0:
            problems.append(f"{s}: robot stops {a['stops']} with reaction times {a['reactions']}")
        if not a["throughput"] or min(a["throughput"]) <= 0:
            problems.append(f"{s}: fog throughput {a['throughput']} (expected > 0)")
        for node in NODES:
            n = a["nodes"][node]
            for metric in ("peak_kb", "steady_kb", "cpu_us_per_msg", "cpu_s"):
                if len(n[metric]) != info["runs"] or any(v is None or v < 0 for v in n[metric]):
                    problems.append(f"{s}: {node} {metric} missing or negative: {n[metric]}")
            if any(v <= 0 for v in n["peak_kb"] + n["steady_kb"]):
                problems.append(f"{s}: {node} memory not sampled: {n['peak_kb']} {n['steady_kb']}")
            if node.startswith("edge-") and (len(n["energy_mj"]) != info["runs"] or any(v <= 0 for v in n["energy_mj"])
                                             or any(v <= 0 for v in n["tx_bytes"])):
                problems.append(f"{s}: {node} energy {n['energy_mj']} or bytes sent {n['tx_bytes']} missing")
    with open(os.path.join(out, "counts.csv")) as f:
        for row in csv.DictReader(f):
            where = f"{row['strategy']} run {row['run']}"
            sent, filtered = int(row["soil_readings_sent"]), int(row["soil_readings_filtered"])
            cycles, guarded = int(row["robot_cycles_sent"]), int(row["robot_guard_readings"])
            soil_tail, robot_tail = int(row["soil_tail"] or -1), int(row["robot_tail"] or -1)
            if row["tail_problem"]:
                problems.append(f"{where}: {row['tail_problem']}")
            # At most 2 s of sending was still on its way when the fog stopped.
            if sent <= 0 or sent != filtered + soil_tail or not 0 <= soil_tail <= 2 * sent / info["duration_s"] + 5:
                problems.append(f"{where}: the edges sent {sent} soil readings, the fog filtered {filtered}, "
                                f"tail {soil_tail}")
            if cycles <= 0 or cycles != guarded + robot_tail or not 0 <= robot_tail <= 2 * cycles / info["duration_s"] + 5:
                problems.append(f"{where}: the robot edge sent {cycles} cycles, the guard produced {guarded} readings, "
                                f"tail {robot_tail}")
            fog_in = int(row["fog_filter_in_last_heartbeat"] or -1)
            # The last heartbeat is at most 1 s old: 40 readings/s, plus slack for a late one.
            if not 0 <= sent - fog_in <= 200:
                problems.append(f"{where}: fog heartbeat counted {fog_in} readings in, {sent} were sent "
                                "(more than the last seconds' tail apart)")
            if int(row["lost"]) != 0 or int(row["stored_twice"]) != 0:
                problems.append(f"{where}: {row['lost']} readings lost, {row['stored_twice']} stored twice")
            if int(row["rows_in_store"]) != int(row["rows_stored_summary"]):
                problems.append(f"{where}: the store holds {row['rows_in_store']} rows, up's summary says "
                                f"{row['rows_stored_summary']}")
    for m, v in agg["overhead"].items():
        if v["wasm"] is None or v["native"] is None or v["wasm"] <= 0 or v["native"] <= 0:
            problems.append(f"sandbox overhead of {m}: wasm {v['wasm']} native {v['native']} us (expected > 0)")
    return problems
