"""Sandbox overhead per stage: the same stage module as .wasm (our engine)
and as the native .so, on the same input, through the same host
(`continuum replay MODULE --trace T`, host/replay.*).

Each stage's reviewed trace (modules/<module>/traces/) is written out once
(1 pass) and `passes` times back to back (the clock moved on by the trace's
span each time), and both are replayed with each build. The child's CPU time
(user + system, from wait4) of the long replay minus the short one, over the
extra passes, is the time per pass without process start, module load and
instantiation; divided by the module calls in a pass (port messages and
ticks) it is the time per call. Both builds must print the same output (the
modules' tests hold both to the reviewed expected file), else the stage is
reported as a mismatch and the run fails.
"""
import hashlib
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES_SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "modules")

# module -> (its directory under modules/, trace name)
TRACES = {
    "irrigation-control": ("irrigation-control", "normal"),
    "krc2-decode": ("krc2-decode", "clean"),
    "collision-guard": ("collision-guard", "approach"),
    "soil-filter": ("soil-filter", "spikes"),
    "irrigation-analytics": ("irrigation-analytics", "two-fields"),
}


def _lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def repeated_trace(module, passes, out_dir):
    """Writes the module's trace repeated `passes` times; returns (path, calls per pass)."""
    directory, trace = TRACES[module]
    events = [json.loads(line) for line in _lines(os.path.join(MODULES_SRC, directory, "traces", trace + ".jsonl"))]
    times = [e.get("t", 0) for e in events]
    span = max(times) - min(times) + 1000
    path = os.path.join(out_dir, f"{module}.x{passes}.jsonl")
    with open(path, "w") as f:
        for k in range(passes):
            for e in events:
                e2 = dict(e)
                e2["t"] = e.get("t", 0) + k * span
                f.write(json.dumps(e2, separators=(",", ":")) + "\n")
    calls = sum(1 for e in events if "port" in e or e.get("tick"))
    return path, calls


def replay_args(module):
    directory, trace = TRACES[module]
    base = os.path.join(MODULES_SRC, directory)
    args = []
    config = os.path.join(base, "traces", trace + ".config.json")
    if os.path.exists(config):
        args += ["--config", config]
    limits = os.path.join(base, "traces", trace + ".limits")
    if os.path.exists(limits):
        for spec in _lines(limits):
            args += ["--limit", spec]
    grants = os.path.join(base, "grants.txt")
    if os.path.exists(grants):
        for g in _lines(grants):
            args += ["--grant", g]
    return args


def timed_replay(continuum, module_file, trace, extra, out_path):
    """(cpu seconds of the child, sha256 of its stdout); raises on a failed replay."""
    with open(out_path, "wb") as out:
        p = subprocess.Popen([continuum, "replay", module_file, "--trace", trace] + extra,
                             stdout=out, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"continuum replay {module_file} --trace {trace} exited {p.returncode}: "
                           f"{err.decode(errors='replace').strip()[:300]}")
    with open(out_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return usage.ru_utime + usage.ru_stime, digest


def measure_stage(continuum, modules_dir, module, passes, work):
    """{runtime: us per call} for one stage, plus the calls per pass; raises
    when the two builds' outputs differ."""
    short, calls = repeated_trace(module, 1, work)
    long_, _ = repeated_trace(module, passes, work)
    extra = replay_args(module)
    result = {"calls_per_pass": calls}
    digests = {}
    for runtime, file in (("native", f"lib{module}.so"), ("wasm", f"{module}.wasm")):
        path = os.path.join(modules_dir, file)
        t1, _ = timed_replay(continuum, path, short, extra, os.path.join(work, f"{module}.{runtime}.1.out"))
        tn, digests[runtime] = timed_replay(continuum, path, long_, extra,
                                            os.path.join(work, f"{module}.{runtime}.n.out"))
        per_pass = max(tn - t1, 0.0) / (passes - 1)
        result[runtime] = per_pass / calls * 1e6
    if digests["native"] != digests["wasm"]:
        raise RuntimeError(f"{module}: the .wasm and the native .so printed different outputs on the same trace")
    return result
