#!/usr/bin/env python3
"""Pipeline benchmark: real `continuum node` processes on a real mosquitto on
loopback (docs/benchmarks.md, section "Pipeline").

  a. latency: 3 edge nodes (irrigation-control.wasm ticking on simulated
     probes, 1,000 readings/s in total) -> fog (soil-filter.wasm) -> cloud
     (ingest into SQLite). End to end = ingest's received_ms - the reading's
     t_ms (the wall clock irrigation-control read when it sampled the probes).
  b. throughput: one fog node, soil-filter as .wasm and as native .so, fed by
     bench_pipeline_loadgen at fixed rates; the largest rate it sustains
     (everything delivered, nothing dropped, caught up within the run).
  c. robot: `continuum sim krc2 --resume-after` + an edge node running
     krc2-decode and collision-guard (.wasm, and .so as baseline) on the pty;
     reaction time = STOP received - last byte of the offending cycle sent
     (the simulator's JSON log).

Baselines in the same run: the bare broker round trip (loadgen rtt, QoS 1)
and the native stage builds. Every scenario checks its outputs before its
figures count (each reading stored exactly once, counts match).

Exit status: 0 every check passed; 1 a check failed or a process failed;
2 bad command line or missing binaries.
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

FAILURES = []


def fail(what):
    FAILURES.append(what)
    print(f"  CHECK FAILED: {what}", flush=True)


def show(cmd):
    print("  $ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, int(p / 100.0 * (len(v) - 1) + 0.5))
    return v[k]


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


class Proc:
    """A child process with its stdout/stderr in files; stopped by SIGTERM."""

    def __init__(self, cmd, log_path, echo=True):
        if echo:
            show(cmd)
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.p = subprocess.Popen([str(c) for c in cmd], stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self, timeout=20):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def text(self):
        with open(self.log_path) as f:
            return f.read()


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.continuum = os.path.join(self.build, "cli", "continuum")
        self.loadgen = os.path.join(self.build, "bench", "pipeline", "bench_pipeline_loadgen")
        self.modules = os.path.join(self.build, "modules")
        self.work = tempfile.mkdtemp(prefix="pipeline-", dir=args.data_root)
        self.broker = None
        self.port = None

    def module(self, name, kind):
        return os.path.join(self.modules, f"{name}.wasm" if kind == "wasm" else f"lib{name}.so")

    # --- machine and broker -------------------------------------------------

    def print_machine(self):
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        load = os.getloadavg()
        print("machine:")
        print(f"  cpu: {cpu}, {os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"  kernel: {platform.release()}; python {platform.python_version()}")
        df = subprocess.run(["df", "-hT", self.work], capture_output=True, text=True).stdout.strip().splitlines()
        print(f"  data dirs: {self.work} on {df[-1] if df else '?'}; [outbox] sync = \"{self.args.outbox_sync}\"")
        mosq = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        ver = subprocess.run([mosq, "-h"], capture_output=True, text=True).stdout.splitlines()
        print(f"  broker: {ver[0] if ver else mosq}")
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        print(f"  commit: {commit.stdout.strip()}{' (+ uncommitted changes in the tree)' if dirty else ''}")
        print(f"  date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", flush=True)

    def start_broker(self):
        self.port = free_port()
        conf = os.path.join(self.work, "mosquitto.conf")
        with open(conf, "w") as f:
            # Large per-client queues: the broker must not be where a
            # throughput run loses messages.
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_queued_messages 1000000\nmax_inflight_messages 0\nset_tcp_nodelay true\n")
        mosq = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.broker = Proc([mosq, "-c", conf], os.path.join(self.work, "mosquitto.log"))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("error: mosquitto did not start:\n" + self.broker.text())

    def wait_online(self, nodes, settle=30):
        cmd = [self.loadgen, "wait-online", "--port", self.port, "--nodes", ",".join(nodes), "--settle", settle]
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"nodes {nodes} not online: {r.stderr.strip()}")
            return False
        return True

    def node(self, name, toml, echo=True):
        path = os.path.join(self.work, f"{name}.toml")
        with open(path, "w") as f:
            f.write(toml)
        return Proc([self.continuum, "node", "--config", path], os.path.join(self.work, f"{name}.log"), echo)

    def mqtt(self):
        # [outbox] sync (docs/node-config.md): every caller appends tables next.
        return f'[mqtt]\nport = {self.port}\n[outbox]\nsync = "{self.args.outbox_sync}"\n'

    # --- baseline: the bare broker ------------------------------------------

    def broker_rtt(self, count, rate):
        cmd = [self.loadgen, "rtt", "--port", self.port, "--rate", rate, "--count", count, "--qos", 1]
        show(cmd)
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"broker round trip: {r.stderr.strip()} {r.stdout.strip()}")
            return None
        return json.loads(r.stdout)

    # --- a. latency through edge -> fog -> cloud ----------------------------

    def latency_run(self, run, seconds, echo):
        d = os.path.join(self.work, f"a{run}")
        os.makedirs(d)
        tick_ms = 9  # 3 probes per tick: 333 readings/s per edge, 1,000 in total (+ 1 pump message per tick)
        cloud = self.node(f"a{run}-cloud", f'[node]\nid = "cloud-1"\ntier = "cloud"\ndata_dir = "{d}/cloud"\n'
                          + self.mqtt() + f'[ingest]\nbackend = "sqlite"\nsqlite_path = "{d}/readings.db"\n', echo)
        fog = self.node(f"a{run}-fog", f'[node]\nid = "fog-1"\ntier = "fog"\ndata_dir = "{d}/fog"\n' + self.mqtt() + f'''
[[stages]]
name = "filter"
module = "{self.module('soil-filter', 'wasm')}"
grants = ["config", "emit:filtered", "emit:aggregate"]
inputs = {{ readings = ["edge-1/control/readings", "edge-2/control/readings", "edge-3/control/readings"] }}
publish = ["filtered", "aggregate"]
queue = 4096
''', echo)
        if not self.wait_online(["cloud-1", "fog-1"]):
            cloud.stop(), fog.stop()
            return None
        edges = []
        for i in (1, 2, 3):
            edges.append(self.node(f"a{run}-edge-{i}", f'[node]\nid = "edge-{i}"\ntier = "edge"\ndata_dir = "{d}/edge-{i}"\n'
                                   + self.mqtt() + f'''
[[devices]]
name = "field"
kind = "simulated"
sensors = {{ soil-1 = 30.0, soil-2 = 32.0, soil-3 = 31.0 }}
actuators = ["pump-1"]
[[stages]]
name = "control"
module = "{self.module('irrigation-control', 'wasm')}"
grants = ["config", "sensor:soil-1", "sensor:soil-2", "sensor:soil-3", "actuator:pump-1", "emit:readings", "emit:pump"]
config = {{ sensors = "soil-1,soil-2,soil-3", low = 25, high = 35 }}
tick = "{tick_ms}ms"
''', echo and i == 1))
        t0 = time.time()
        time.sleep(seconds)
        codes = [e.stop() for e in edges]  # each flushes its outbox before exiting
        edge_s = time.time() - t0
        # Wait until everything the edges sent went through fog and cloud.
        # Edges publish readings and pump messages (one seq for both ports).
        expected_edge = sum(self.seq_count(f"{d}/edge-{i}", "control") for i in (1, 2, 3))
        db = f"{d}/readings.db"
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.count_rows(db, None, "filter") >= expected_edge and \
                    self.count_rows(db, "fog-1") >= self.count_probe_rows(db):
                break
            time.sleep(0.2)
        codes.append(fog.stop())
        codes.append(cloud.stop())
        if any(c != 0 for c in codes):
            fail(f"run {run}: a node exited with {codes}; logs in {self.work}")
        return self.check_latency(run, d, db, edge_s)

    @staticmethod
    def seq_count(data_dir, stage):
        try:
            with open(os.path.join(data_dir, "seq", stage)) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    @staticmethod
    def count_probe_rows(db):
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            n = con.execute("SELECT COUNT(*) FROM readings r JOIN reading_values v ON v.reading_id = r.id "
                            "WHERE r.stage = 'control' AND v.field = 'sensor'").fetchone()[0]
            con.close()
            return n
        except sqlite3.Error:
            return 0

    @staticmethod
    def count_rows(db, node, stage=None):
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            if node:
                n = con.execute("SELECT COUNT(*) FROM readings WHERE node = ?", (node,)).fetchone()[0]
            else:
                n = con.execute("SELECT COUNT(*) FROM readings WHERE stage != ?", (stage,)).fetchone()[0]
            con.close()
            return n
        except sqlite3.Error:
            return 0

    def check_latency(self, run, d, db, edge_s):
        con = sqlite3.connect(db)
        ok = True
        total_edge = 0
        for i in (1, 2, 3):
            emitted = self.seq_count(f"{d}/edge-{i}", "control")
            total_edge += emitted
            seqs = [r[0] for r in con.execute(
                "SELECT seq FROM readings WHERE node = ? AND stage = 'control' ORDER BY seq", (f"edge-{i}",))]
            if seqs != list(range(emitted)):
                ok = False
                fail(f"run {run}: edge-{i}: {len(seqs)} rows stored for {emitted} readings emitted "
                     f"(expected seq 0..{emitted - 1} exactly once)")
        probe_readings = self.count_probe_rows(db)
        fog_emitted = self.seq_count(f"{d}/fog", "filter")
        fog_seqs = [r[0] for r in con.execute("SELECT seq FROM readings WHERE node = 'fog-1' ORDER BY seq")]
        if fog_seqs != list(range(fog_emitted)):
            ok = False
            fail(f"run {run}: fog-1: {len(fog_seqs)} rows stored for {fog_emitted} emitted")
        # A run that crosses a wall-clock multiple of aggregate_s (600 s) also
        # gets one aggregate per sensor: stored too (one seq for both ports),
        # told apart by start_ms.
        aggregates = con.execute(
            "SELECT COUNT(*) FROM readings r JOIN reading_values v ON v.reading_id = r.id "
            "WHERE r.node = 'fog-1' AND v.field = 'start_ms'").fetchone()[0]
        fog_filtered = fog_emitted - aggregates
        if fog_filtered != probe_readings:
            ok = False
            fail(f"run {run}: the fog filtered {fog_filtered} readings of the {probe_readings} probe readings the edges sent")
        # Sensor read -> stored, through the fog: the filtered sample carries
        # the t_ms irrigation-control stamped when it read the probe.
        e2e = [r[0] - r[1] for r in con.execute(
            "SELECT r.received_ms, v.value FROM readings r JOIN reading_values v ON v.reading_id = r.id "
            "WHERE r.node = 'fog-1' AND v.field = 't_ms'")]
        direct = [r[0] - r[1] for r in con.execute(
            "SELECT received_ms, ts_ms FROM readings WHERE stage = 'control'")]
        con.close()
        if len(e2e) != fog_filtered:
            ok = False
            fail(f"run {run}: {len(e2e)} filtered rows carry t_ms, expected {fog_filtered}")
        # The rate from the stored probe readings' own timestamps.
        con = sqlite3.connect(db)
        lo, hi = con.execute("SELECT MIN(ts_ms), MAX(ts_ms) FROM readings WHERE stage = 'control'").fetchone()
        con.close()
        rate = probe_readings / ((hi - lo) / 1000.0) if lo is not None and hi > lo else 0
        total_edge = probe_readings
        res = {"readings": total_edge, "edge_rate": rate, "fog_rows": len(fog_seqs), "ok": ok,
               "e2e": {p: percentile(e2e, p) for p in (50, 95, 99)}, "e2e_max": max(e2e) if e2e else None,
               "direct": {p: percentile(direct, p) for p in (50, 95, 99)}}
        print(f"  run {run}: {total_edge} probe readings ({rate:.0f}/s) -> {len(fog_seqs)} filtered rows; "
              f"sensor->fog->stored p50 {res['e2e'][50]} ms p95 {res['e2e'][95]} ms p99 {res['e2e'][99]} ms "
              f"max {res['e2e_max']} ms; edge->stored p50 {res['direct'][50]} p99 {res['direct'][99]} ms"
              f"{'' if ok else '  (CHECKS FAILED)'}", flush=True)
        return res

    # --- b. fog throughput ----------------------------------------------------

    def throughput(self, kind, rates, seconds, run):
        d = os.path.join(self.work, f"b{run}-{kind}")
        queue = 4096
        fog = self.node(f"b{run}-fog-{kind}", f'[node]\nid = "fog-b"\ntier = "fog"\ndata_dir = "{d}"\nheartbeat = "100ms"\n'
                        + self.mqtt() + f'''
[[stages]]
name = "filter"
module = "{self.module('soil-filter', kind)}"
grants = ["config", "emit:filtered", "emit:aggregate"]
inputs = {{ readings = "gen/src/readings" }}
publish = ["aggregate"]
queue = {queue}
''', run == 0)
        results = []
        if not self.wait_online(["fog-b"]):
            fog.stop()
            return results
        best = 0
        for rate in rates:
            cmd = [self.loadgen, "publish", "--port", self.port, "--topic", "ctm/v1/data/gen/src/readings",
                   "--rate", rate, "--seconds", seconds, "--qos", 1, "--publishers", self.args.publishers,
                   "--batch", self.args.batch,
                   "--watch-node", "fog-b",
                   "--watch-stage", "filter", "--settle", seconds + 10]
            if run == 0:
                show(cmd)
            r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
            try:
                out = json.loads(r.stdout)
            except json.JSONDecodeError:
                fail(f"loadgen at {rate}/s: {r.stderr.strip()}")
                break
            # Sustained: everything offered was delivered, nothing dropped, and
            # the stage caught up within one heartbeat period (+ slack) of the
            # end of publishing; the queue never reached its bound.
            sustained = (out.get("dropped", 1) == 0 and out.get("delivered", 0) == out["offered"]
                         and 0 < out.get("caught_up_s", -1) <= out["publish_s"] + 0.5
                         and out.get("max_queue", queue) < queue
                         and out["offered_per_s"] >= 0.97 * rate)
            out["rate"] = rate
            out["sustained"] = sustained
            results.append(out)
            print(f"  {kind} run {run}: offered {out['offered']} at {out['offered_per_s']:.0f}/s "
                  f"(broker acked {out.get('acked')}): delivered "
                  f"{out.get('delivered')} dropped {out.get('dropped')} max queue {out.get('max_queue')} caught up "
                  f"{out.get('caught_up_s', -1):.2f} s after start (publishing took {out['publish_s']:.2f} s; "
                  f"handled {out.get('delivered_per_s', 0):.0f}/s) -> "
                  f"{'sustained' if sustained else 'NOT sustained'}", flush=True)
            if sustained:
                best = rate
            else:
                break
        code = fog.stop()
        if code != 0:
            fail(f"fog ({kind}) exited with {code}")
        return best

    # --- c. robot stop reaction ----------------------------------------------

    def robot(self, kind, seconds, run):
        d = os.path.join(self.work, f"c{run}-{kind}")
        os.makedirs(d)
        link = os.path.join(d, "krc2")
        log = os.path.join(d, "krc2.jsonl")
        sim_cmd = [self.continuum, "sim", "krc2", "--baud", 115200, "--link", link, "--json-log", log,
                   "--period", 1, "--resume-after", 0.05, "--duration", seconds + 2]
        sim = Proc(sim_cmd, os.path.join(d, "sim.log"), run == 0)
        deadline = time.time() + 10
        while not os.path.exists(link) and time.time() < deadline:
            time.sleep(0.02)
        node = self.node(f"c{run}-robot-{kind}", f'[node]\nid = "edge-robot-1"\ndata_dir = "{d}/node"\n' + f'''
[[devices]]
name = "krc2"
kind = "serial"
path = "{link}"
baud = 115200
[[stages]]
name = "decode"
module = "{self.module('krc2-decode', kind)}"
grants = ["config", "serial:krc2", "emit:cycles", "emit:status"]
tick = "1ms"
[[stages]]
name = "guard"
module = "{self.module('collision-guard', kind)}"
grants = ["config", "serial:krc2", "emit:readings"]
inputs = {{ cycles = "decode.cycles" }}
''', run == 0)
        sim.p.wait(seconds + 30)
        sim.stop()
        code = node.stop()
        if code != 0:
            fail(f"robot node ({kind}) exited with {code}")
        events = []
        with open(log) as f:
            for line in f:
                events.append(json.loads(line))
        unsafe = [e for e in events if e.get("event") == "unsafe"]
        stops = [e for e in events if e.get("event") == "stop"]
        reactions = [e["reaction_ms"] for e in stops if e.get("reaction_ms") is not None]
        # Every crossing of the safety distance must be answered by one stop.
        if not stops or len(reactions) != len(stops) or len(unsafe) - len(stops) > 1:
            fail(f"robot ({kind}) run {run}: {len(unsafe)} unsafe crossings, {len(stops)} stops, "
                 f"{len(reactions)} with a reaction time")
        res = {p: percentile(reactions, p) for p in (50, 95, 99)}
        res["stops"] = len(reactions)
        res["reactions"] = reactions
        res["max"] = max(reactions) if reactions else None
        print(f"  {kind} run {run}: {len(unsafe)} unsafe crossings, {len(reactions)} stops: reaction p50 {res[50]:.3f} "
              f"ms p95 {res[95]:.3f} ms p99 {res[99]:.3f} ms max {res['max']} ms", flush=True)
        return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short runs, one each: a CI check (< 1 min)")
    ap.add_argument("--runs", type=int, help="runs per scenario (default 3; 1 with --quick)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "pipeline"))
    ap.add_argument("--data-root", default=None, help="where the data dirs go (default: the system temp dir)")
    ap.add_argument("--scenarios", default="a,b,c", help="subset of a (latency), b (throughput), c (robot)")
    ap.add_argument("--outbox-sync", choices=["full", "normal"], default="normal",
                    help="[outbox] sync of every node (default normal, the node's default: no fsync per "
                         "commit; full: fsync per commit)")
    ap.add_argument("--publishers", type=int, default=2,
                    help="b: loadgen connections publishing in parallel (default 2)")
    ap.add_argument("--batch", type=int, default=1,
                    help="b: the generator sends the readings due in one burst as batch messages of up to this "
                         "many (docs/protocol.md, \"Batches\"), as an edge node's outbox does under load; "
                         "1 (default): one message per reading")
    ap.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    scenarios = set(args.scenarios.split(","))
    if args.publishers < 1:
        print("error: --publishers: expected at least 1", file=sys.stderr)
        return 2
    if not 1 <= args.batch <= 256:
        print("error: --batch: expected 1..256 readings per message", file=sys.stderr)
        return 2
    if not scenarios <= {"a", "b", "c"}:
        print("error: --scenarios: expected a comma list of a, b, c", file=sys.stderr)
        return 2
    b = Bench(args)
    missing = [p for p in (b.continuum, b.loadgen, b.module("soil-filter", "wasm"), b.module("soil-filter", "so"),
                           b.module("irrigation-control", "wasm"), b.module("krc2-decode", "wasm"),
                           b.module("collision-guard", "wasm"), b.module("krc2-decode", "so"),
                           b.module("collision-guard", "so")) if not os.path.exists(p)]
    if missing:
        print("error: missing " + ", ".join(missing) + "\n(build: bench/pipeline/run.sh builds them, or "
              "cmake --build BUILD --target continuum bench_pipeline_loadgen soil-filter_wasm ...)", file=sys.stderr)
        return 2
    results = {"quick": args.quick, "runs": runs}
    b.print_machine()
    b.start_broker()
    print(f"broker: mosquitto on 127.0.0.1:{b.port}", flush=True)
    try:
        print("\nbaseline: bare broker round trip (QoS 1, one client publishing to itself, 1,000 msg/s)")
        rtts = [b.broker_rtt(500 if args.quick else 3000, 1000) for _ in range(runs)]
        rtts = [r for r in rtts if r]
        if rtts:
            results["broker_rtt_us"] = {p: median([r[f"p{p}_us"] for r in rtts]) for p in (50, 95, 99)}
            print(f"  median of {len(rtts)}: p50 {results['broker_rtt_us'][50]:.0f} us, "
                  f"p95 {results['broker_rtt_us'][95]:.0f} us, p99 {results['broker_rtt_us'][99]:.0f} us", flush=True)
        if "a" in scenarios:
            print("\na. end-to-end latency: 3 edges (irrigation-control.wasm, 9 ms tick, 3 probes) -> fog "
                  "(soil-filter.wasm) -> cloud (SQLite ingest); sensor read (t_ms) -> ingest received_ms")
            seconds = 4 if args.quick else 20
            runs_a = [b.latency_run(i, seconds, i == 0) for i in range(runs)]
            runs_a = [r for r in runs_a if r]
            if runs_a:
                results["latency_ms"] = {p: median([r["e2e"][p] for r in runs_a]) for p in (50, 95, 99)}
                results["latency_direct_ms"] = {p: median([r["direct"][p] for r in runs_a]) for p in (50, 95, 99)}
                results["latency_rate"] = median([r["edge_rate"] for r in runs_a])
                lat = results["latency_ms"]
                print(f"  median of {len(runs_a)} runs at {results['latency_rate']:.0f} readings/s: sensor -> fog -> "
                      f"stored p50 {lat[50]} ms, p95 {lat[95]} ms, p99 {lat[99]} ms (targets p50 < 2, p99 < 10: "
                      f"{'met' if lat[50] < 2 and lat[99] < 10 else 'MISSED'})", flush=True)
        if "b" in scenarios:
            batching = (f"batches of up to {args.batch} readings per message" if args.batch > 1
                        else "one message per reading")
            print(f"\nb. fog throughput: loadgen ({args.publishers} raw MQTT publishers, {batching}) -> fog "
                  "(soil-filter) at fixed rates, QoS 1, queue 4096")
            if args.quick:
                rates, seconds = [2500, 20000], 1.5
            else:
                rates, seconds = [2500, 5000, 7500, 10000, 12500, 15000, 17500, 20000, 25000, 30000], 4
            for kind in ("so", "wasm"):
                bests = [b.throughput(kind, rates, seconds, i) for i in range(runs)]
                results[f"throughput_{kind}"] = median(bests)
                print(f"  {kind}: largest sustained rate, median of {len(bests)}: {median(bests):.0f} readings/s "
                      f"(of {rates})", flush=True)
            if results["throughput_wasm"] < 20000:
                print("  target >= 20,000 readings/s through the wasm stage: MISSED")
            else:
                print("  target >= 20,000 readings/s through the wasm stage: met")
        if "c" in scenarios:
            print("\nc. robot: krc2 simulator (115200 baud, 1 s swing, resume 50 ms after a stop) + edge node "
                  "(krc2-decode tick 1 ms -> collision-guard in-process -> STOP on the pty)")
            seconds = 6 if args.quick else 40
            for kind in ("so", "wasm"):
                rs = [b.robot(kind, seconds, i) for i in range(runs)]
                results[f"robot_{kind}_ms"] = {p: median([r[p] for r in rs]) for p in (50, 95, 99)}
                results[f"robot_{kind}_stops"] = sum(r["stops"] for r in rs)
                pooled = [x for r in rs for x in r["reactions"]]
                results[f"robot_{kind}_pooled_ms"] = {p: percentile(pooled, p) for p in (50, 95, 99)}
                r = results[f"robot_{kind}_ms"]
                q = results[f"robot_{kind}_pooled_ms"]
                print(f"  {kind}: median of {len(rs)} runs: p50 {r[50]:.3f} ms, p95 {r[95]:.3f} ms, p99 {r[99]:.3f} ms; "
                      f"all {len(pooled)} stops pooled: p50 {q[50]:.3f} ms, p95 {q[95]:.3f} ms, p99 {q[99]:.3f} ms",
                      flush=True)
            p99 = results["robot_wasm_pooled_ms"][99]
            print(f"  target p99 < 5 ms (wasm, pooled): {'met' if p99 < 5 else 'MISSED'}")
    finally:
        b.broker.stop()
        if not args.keep and not FAILURES:
            shutil.rmtree(b.work, ignore_errors=True)
        else:
            print(f"data dirs and logs kept in {b.work}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed")
        return 1
    print("\nall output checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
