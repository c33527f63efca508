"""What `continuum bench strategies` measures from outside the nodes while a
deployment runs: each `continuum node` process's CPU time and memory from
/proc, and the bytes its MQTT connection sent (the kernel's tcp_info through
`ss`), sampled; afterwards the cloud's SQLite store (latency distribution,
message counts between tiers).
"""
import os
import re
import sqlite3
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def node_pids(run_dir):
    """{node id: pid} of the `continuum node --config <run_dir>/nodes/<id>.toml` processes."""
    marker = os.path.join(run_dir, "nodes") + "/"
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        for arg in argv:
            a = arg.decode(errors="replace")
            if a.startswith(marker) and a.endswith(".toml") and b"node" in argv:
                found[os.path.basename(a)[:-5]] = int(entry)
    return found


def proc_sample(pid):
    """(cpu seconds utime+stime, {tid: run time ns}, rss kB, peak rss kB) of a
    process, or None once it is gone. utime+stime count 10 ms ticks; each
    thread's /proc/PID/task/TID/schedstat run time is exact to the ns, but a
    thread's figure is gone once it exits, so the sampler keeps the last one
    seen per thread (NodeSampler)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        with open(f"/proc/{pid}/status") as f:
            status = f.read()
        threads = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    threads[tid] = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    # Fields after the command name (which may hold spaces): utime is field 14, stime 15.
    fields = stat[stat.rindex(")") + 2:].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = re.search(r"VmRSS:\s+(\d+)", status)
    hwm = re.search(r"VmHWM:\s+(\d+)", status)
    return cpu, threads, int(rss.group(1)) if rss else 0, int(hwm.group(1)) if hwm else 0


SS_PEER = re.compile(r"\s(\S+):(\d+)\s+users:\(\(\"[^\"]*\",pid=(\d+),")


def tcp_sent(pids, broker_port):
    """{pid: (bytes_acked, data segments)} over each process's TCP connections to the broker port."""
    out = subprocess.run(["ss", "-tinpH", "dport", "=", f":{broker_port}"], capture_output=True, text=True).stdout
    sent = {}
    owner = None
    for line in out.splitlines():
        m = SS_PEER.search(line)
        if m and not line.startswith(("\t", " ")):
            owner = int(m.group(3))
            continue
        if owner in pids:
            acked = re.search(r"bytes_acked:(\d+)", line)
            segs = re.search(r"data_segs_out:(\d+)", line)
            b, s = sent.get(owner, (0, 0))
            sent[owner] = (b + (int(acked.group(1)) if acked else 0), s + (int(segs.group(1)) if segs else 0))
        owner = None
    return sent


class NodeSampler:
    """Samples every node process of one `continuum up` run in a thread.

    Per node: the CPU time (utime+stime, and the sum of the last run time
    seen of each of its threads) and peak RSS at the last sample before it exited
    (samples every `period` s; the last one is at most that old), every RSS
    sample (steady memory = median of the second half), and the bytes and
    segments its connection to the broker had sent and had acknowledged."""

    def __init__(self, run_dir, period=0.25):
        self.run_dir = run_dir
        self.period = period
        self.nodes = {}  # id -> {"pid", "cpu_s", "rss_kb": [], "peak_kb", "tx_bytes", "tx_segments"}
        self.broker_port = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _port(self):
        # Every generated node config names the broker `up` started.
        path = os.path.join(self.run_dir, "nodes", "cloud-1.toml")
        try:
            with open(path) as f:
                m = re.search(r"^\s*port\s*=\s*(\d+)", f.read().split("[mqtt]", 1)[1], re.M)
                return int(m.group(1)) if m else None
        except (OSError, IndexError):
            return None

    def _loop(self):
        last_ss = 0.0
        while not self._stop.is_set():
            if os.path.isdir(os.path.join(self.run_dir, "nodes")):
                for node, pid in node_pids(self.run_dir).items():
                    if node not in self.nodes or self.nodes[node]["pid"] != pid:
                        self.nodes.setdefault(node, {"rss_kb": [], "tx_bytes": 0, "tx_segments": 0, "cpu_s": 0.0,
                                                     "cpu_ticks_s": 0.0, "peak_kb": 0, "threads": {}})["pid"] = pid
                if self.broker_port is None:
                    self.broker_port = self._port()
                for n in self.nodes.values():
                    s = proc_sample(n["pid"])
                    if s:
                        n["cpu_ticks_s"], rss, n["peak_kb"] = s[0], s[2], max(n["peak_kb"], s[3])
                        n["threads"].update(s[1])
                        n["cpu_s"] = sum(n["threads"].values()) / 1e9
                        n["rss_kb"].append(rss)
                if self.broker_port and time.time() - last_ss >= 1.0:
                    last_ss = time.time()
                    pids = {n["pid"]: n for n in self.nodes.values()}
                    for pid, (b, segs) in tcp_sent(pids, self.broker_port).items():
                        pids[pid]["tx_bytes"], pids[pid]["tx_segments"] = b, segs
            self._stop.wait(self.period)

    def steady_rss_kb(self, node):
        samples = self.nodes[node]["rss_kb"]
        half = samples[len(samples) // 2:]
        return sorted(half)[len(half) // 2] if half else 0


def store_latencies(db):
    """received_ms - ts_ms of every stored reading (the summary's end to end)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT received_ms - ts_ms FROM readings")]
    finally:
        con.close()


def _values(con, stage, fields, without=None):
    """[{field: value}] of the stage's stored readings that have every field
    (and not the field `without`)."""
    rows = {}
    marks = ",".join("?" * len(fields))
    for rid, field, value in con.execute(
            f"SELECT r.id, v.field, v.value FROM readings r JOIN reading_values v ON v.reading_id = r.id "
            f"WHERE r.stage = ? AND v.field IN ({marks}{', ?' if without else ''})",
            (stage, *fields) + ((without,) if without else ())):
        rows.setdefault(rid, {})[field] = value
    return [r for r in rows.values() if all(f in r for f in fields) and (without is None or without not in r)]


def _tail(sent, handled, key, order):
    """What the next tier did not handle of what was sent: (tail, problem).
    Stopping a node ends its inputs: what the broker had not delivered to it
    yet stays queued for its session. So the unhandled part must be a tail:
    per `key`, everything sent after the last handled item, nothing before it,
    and nothing handled that was not sent."""
    sent_keys = {(key(r), order(r)) for r in sent}
    handled_keys = {(key(r), order(r)) for r in handled}
    if handled_keys - sent_keys:
        return None, f"{len(handled_keys - sent_keys)} handled that were never sent"
    last = {}
    for k, o in handled_keys:
        last[k] = max(last.get(k, o), o)
    missing = sent_keys - handled_keys
    holes = [(k, o) for k, o in missing if k in last and o <= last[k]]
    if holes:
        return len(missing), f"{len(holes)} not handled although later ones were (a gap, not a tail)"
    return len(missing), None


def store_counts(db):
    """Message counts between tiers, from the store after the ordered shutdown:
    probe readings the soil edges sent, filtered readings the fog produced from
    them, robot cycles the edge published, guard readings produced from them,
    and the in-flight tail of each (what the fog had not received when it was
    stopped, _tail), with what is wrong with it if anything."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        soil_sent = _values(con, "control", ("field", "sensor", "t_ms"))
        soil_done = _values(con, "filter", ("field", "sensor", "t_ms"), without="start_ms")
        cycles = _values(con, "decode", ("seq", "a1"))
        guarded = _values(con, "guard", ("seq",))
        soil_tail, soil_problem = _tail(soil_sent, soil_done, lambda r: (r["field"], r["sensor"]), lambda r: r["t_ms"])
        robot_tail, robot_problem = _tail(cycles, guarded, lambda r: "robot", lambda r: r["seq"])
        return {
            "soil_readings_sent": len(soil_sent), "soil_readings_filtered": len(soil_done),
            "soil_tail": soil_tail, "soil_problem": soil_problem,
            "robot_cycles_sent": len(cycles), "robot_guard_readings": len(guarded),
            "robot_tail": robot_tail, "robot_problem": robot_problem,
            "rows": con.execute("SELECT COUNT(*) FROM readings").fetchone()[0],
        }
    finally:
        con.close()
