#!/usr/bin/env python3
"""The deployment-strategy experiment (`continuum bench strategies`,
docs/benchmarks.md "Deployment strategies"): both applications, run under
each of the five strategies of the brief on a real local deployment
(`continuum up`: mosquitto, the soil and KR C2 simulators, one `continuum
node` process per node), same workload, seed and duration, runs interleaved
(1..5, 1..5, ...). Per strategy:

  * end-to-end latency p50/p95/p99 and per hop (the cloud's store, `up
    --summary-json`), and its distribution (every stored reading);
  * robot frame-to-stop latency (the KR C2 simulator's reaction times);
  * per node: CPU time (utime + stime from /proc) per message handled, peak
    and steady RSS, bytes sent to the broker (tcp_info);
  * throughput at saturation of the strategy's fog (a fixed-rate load ladder,
    bench/pipeline's loadgen and fog scenario);
  * an ESP32-class energy estimate of each edge node (energy.py: the model);
and once, per stage: the sandbox overhead, .wasm against the native .so on
the same trace (overhead.py).

Writes to --out (default bench/results/<YYYY-MM-DD>/): CSV files of the raw
figures, report.md, PNG plots (gnuplot). --quick runs every strategy for a few
seconds once. Every run ends by checking the report (report.check).

Exit status: 0 done and every check passed; 1 a run or a check failed; 2 bad
command line or something missing.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "pipeline"))

import energy  # noqa: E402
import measure  # noqa: E402
import overhead  # noqa: E402
import report  # noqa: E402
import strategies  # noqa: E402
import run as pipeline  # noqa: E402  bench/pipeline/run.py: broker, fog node and load ladder

MODULE_NAMES = sorted({m for m, _, _ in strategies.STAGES.values()})


def parse_duration(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix) and text[:-len(suffix)].replace(".", "", 1).isdigit():
            return float(text[:-len(suffix)]) * units[suffix]
    if text.replace(".", "", 1).isdigit():
        return float(text)
    raise ValueError(f"--duration: expected a duration such as 20s, 1m or 45, got '{text}'")


class Progress:
    def __init__(self, total_runs):
        self.t0 = time.time()
        self.total = total_runs
        self.done = 0

    def line(self, text):
        e = int(time.time() - self.t0)
        print(f"[{e // 60:02d}:{e % 60:02d}] {text}", flush=True)


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1048576, 1),
            "kernel": platform.release(), "load_at_start": [round(x, 2) for x in load],
            "commit": commit.stdout.strip() + (" (+ uncommitted changes)" if dirty else ""),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def node_messages(summary, node):
    """Messages a node handled: what its stages received and emitted (last
    heartbeat, 1 s period) and, on the ingest node, the readings it stored."""
    n = 0
    for key, st in summary["stages"].items():
        if key.split("/")[0] == node:
            n += (st.get("in") or 0) + (st.get("out") or 0)
    if node == "cloud-1":
        n += summary.get("rows_stored", 0)
    return n


def run_deployment(args, strategy, run, work, progress):
    """One `continuum up` run of a strategy; returns the run's record."""
    run_dir = os.path.join(work, f"{strategy}-{run}")
    deploy = os.path.join(work, f"{strategy}.toml")
    with open(deploy, "w") as f:
        f.write(strategies.deployment(strategy, args.seed))
    summary_path = run_dir + ".summary.json"
    cmd = [args.continuum, "up", deploy, "--for", f"{args.duration_s:g}s", "--lines", "--run-dir", run_dir,
           "--summary-json", summary_path, "--modules", args.modules]
    sampler = measure.NodeSampler(run_dir)
    sampler.start()
    load_start = os.getloadavg()[0]
    t0 = time.time()
    with open(run_dir + ".up.log", "w") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        next_line = t0 + 5
        while p.poll() is None:
            time.sleep(0.2)
            if time.time() >= next_line:
                next_line += 5
                progress.line(f"  {strategy} run {run + 1}/{args.runs}: {time.time() - t0:.0f} s of "
                              f"{args.duration_s:g} s (+ start and ordered stop)")
    sampler.stop()
    # The machine is shared: the 1-minute load average says how quiet each run was.
    rec = {"strategy": strategy, "run": run, "exit_status": p.returncode, "log": run_dir + ".up.log",
           "load": (round(load_start, 2), round(os.getloadavg()[0], 2)), "wall_s": round(time.time() - t0, 1)}
    if p.returncode != 0 or not os.path.exists(summary_path):
        rec["error"] = f"continuum up exited {p.returncode}; see {run_dir}.up.log"
        return rec
    with open(summary_path) as f:
        summary = json.load(f)
    db = os.path.join(run_dir, "nodes", "cloud-1", "readings.db")
    rec["summary"] = summary
    rec["latencies"] = measure.store_latencies(db)
    rec["counts"] = measure.store_counts(db)
    rec["nodes"] = {}
    for node, s in sampler.nodes.items():
        msgs = node_messages(summary, node)
        rec["nodes"][node] = {"cpu_s": s["cpu_s"], "cpu_ticks_s": s["cpu_ticks_s"], "messages": msgs, "peak_kb": s["peak_kb"],
                              "steady_kb": sampler.steady_rss_kb(node), "tx_bytes": s["tx_bytes"],
                              "tx_segments": s["tx_segments"], "samples": len(s["rss_kb"])}
        if node.startswith("edge-"):
            rec["nodes"][node]["energy"] = energy.estimate(s["cpu_s"], s["tx_bytes"], s["tx_segments"])
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return rec


def run_load_step(args, bench, strategy, run, quick):
    """The strategy's fog filter under a fixed-rate ladder: the largest rate it sustains."""
    kind = "so" if strategies.runtime_of(strategy, "filter") == "native" else "wasm"
    if quick:
        # A check that the step works, not a figure: low enough for a loaded CI machine.
        rates, seconds = [1000], 1.0
    else:
        rates, seconds = [2500, 5000, 7500, 10000, 12500, 15000, 17500, 20000, 25000, 30000], 2.0
    return bench.throughput(kind, rates, seconds, f"{strategy}-{run}"), rates[-1]


class Parser(argparse.ArgumentParser):
    """argparse, with the project's usage-error form: `error: ...`, exit 2."""

    def error(self, message):
        print(f"error: {message}\n(continuum bench strategies --help lists the options)", file=sys.stderr)
        sys.exit(2)


def main():
    ap = Parser(prog="continuum bench strategies", description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="every strategy once for a few seconds, then check the report (a CI check)")
    ap.add_argument("--runs", type=int, help="runs per strategy, interleaved (default 3; 1 with --quick)")
    ap.add_argument("--duration", default=None, help="length of each run (default 20s; 5s with --quick)")
    ap.add_argument("--out", help="result directory (default bench/results/<YYYY-MM-DD>)")
    ap.add_argument("--seed", type=int, default=7, help="the simulators' seed (default 7)")
    ap.add_argument("--strategies", default=",".join(strategies.ORDER), help="subset, e.g. s1,s5")
    ap.add_argument("--continuum", default=os.path.join(ROOT, "build", "release", "cli", "continuum"),
                    help="the continuum binary (its build tree provides the modules and the load generator)")
    ap.add_argument("--keep", action="store_true", help="keep the run directories (node data, logs)")
    args = ap.parse_args()

    def usage(msg):
        print(f"error: {msg}", file=sys.stderr)
        return 2

    try:
        args.duration_s = parse_duration(args.duration or ("5s" if args.quick else "20s"))
    except ValueError as e:
        return usage(str(e))
    if args.duration_s < 2:
        return usage(f"--duration: expected at least 2s, got {args.duration}")
    args.runs = args.runs if args.runs is not None else (1 if args.quick else 3)
    if args.runs < 1:
        return usage(f"--runs: expected 1 or more, got {args.runs}")
    chosen = args.strategies.split(",")
    if not chosen or any(s not in strategies.STRATEGIES for s in chosen):
        return usage(f"--strategies: expected a comma list of {', '.join(strategies.ORDER)}, got '{args.strategies}'")
    args.continuum = os.path.abspath(args.continuum)
    tree = os.path.dirname(os.path.dirname(args.continuum))
    args.modules = os.path.join(tree, "modules")
    loadgen = os.path.join(tree, "bench", "pipeline", "bench_pipeline_loadgen")
    needed = [args.continuum, loadgen] + [os.path.join(args.modules, f) for m in MODULE_NAMES
                                          for f in (f"{m}.wasm", f"lib{m}.so")]
    missing = [p for p in needed if not os.path.exists(p)]
    if missing:
        return usage("missing " + ", ".join(missing) + f"\n(build them in {tree}: cmake --build {tree} --target "
                     "continuum bench_pipeline_loadgen " + " ".join(f"{m}_wasm {m}_native" for m in MODULE_NAMES) + ")")
    for tool in ("gnuplot", "ss"):
        if not shutil.which(tool):
            return usage(f"{tool} not found on PATH (scripts/setup.sh installs it: gnuplot-nox, iproute2)")
    out = os.path.abspath(args.out or os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d", time.gmtime())))
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="strategies-")

    info = machine()
    info.update({"runs": args.runs, "duration_s": args.duration_s, "seed": args.seed, "quick": args.quick,
                 "strategies": chosen, "command": " ".join(sys.argv[1:])})
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, kernel {info['kernel']}, "
          f"load {info['load_at_start']}; commit {info['commit']}")
    print(f"{args.runs} run(s) x {len(chosen)} strategies x {args.duration_s:g} s, seed {args.seed}, "
          f"interleaved; results in {out}; work files in {work}", flush=True)
    for s in chosen:
        print(f"  {s}: {strategies.STRATEGIES[s][0]}: " + ", ".join(
            f"{node}/{stage} {rt}" for node, stage, _, rt in strategies.placement(s)))

    progress = Progress(args.runs * len(chosen))
    records, loads = [], []
    # bench/pipeline/run.py's own defaults for what its fog scenario reads from its arguments.
    bench = pipeline.Bench(argparse.Namespace(build_dir=tree, data_root=work, outbox_sync="full", publishers=2, batch=1))
    bench.start_broker()
    failed = []
    try:
        for run in range(args.runs):
            for i, s in enumerate(chosen):
                progress.line(f"strategy {s} ({i + 1}/{len(chosen)}), run {run + 1}/{args.runs}: "
                              f"continuum up for {args.duration_s:g} s")
                rec = run_deployment(args, s, run, work, progress)
                records.append(rec)
                if "error" in rec:
                    failed.append(f"{s} run {run + 1}: {rec['error']}")
                    progress.line(f"  FAILED: {rec['error']}")
                    continue
                e2e = rec["summary"]["latency_ms"]["end_to_end"]
                progress.line(f"  {s} run {run + 1}: {rec['summary']['rows_stored']} readings stored, e2e p50 "
                              f"{e2e['p50_ms']} p99 {e2e['p99_ms']} ms, {rec['summary']['robot_stops']} robot stops, "
                              f"lost {rec['summary']['readings_lost']}; fog load ladder")
                best, top = run_load_step(args, bench, s, run, args.quick)
                loads.append({"strategy": s, "run": run, "sustained_per_s": best, "ladder_top": top})
                progress.line(f"  {s} run {run + 1}: fog sustained {best}/s")
        progress.line("sandbox overhead per stage: continuum replay of each stage's trace, .wasm and .so")
        overheads = []
        for run in range(args.runs):
            for m in MODULE_NAMES:
                _, per_pass = overhead.repeated_trace(m, 1, work)
                passes = max(3, (2000 if args.quick else 20000) // per_pass)
                try:
                    r = overhead.measure_stage(args.continuum, args.modules, m, passes, work)
                except RuntimeError as e:
                    failed.append(str(e))
                    progress.line(f"  FAILED: {e}")
                    continue
                overheads.append({"module": m, "run": run, "passes": passes, **r})
                progress.line(f"  {m} run {run + 1}: wasm {r['wasm']:.1f} us, native {r['native']:.1f} us per call")
    finally:
        bench.broker.stop()
    failed += [f"load ladder: {f}" for f in pipeline.FAILURES]
    progress.line("writing CSV, report.md and plots")
    result = report.write(out, info, records, loads, overheads)
    # Every run is checked; --quick exists for the check (and CI).
    problems = failed + report.check(out, info, result)
    if not args.keep and not problems:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work files kept in {work}")
    print(f"report: {os.path.join(out, 'report.md')}")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("all runs completed; every check of the report passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
