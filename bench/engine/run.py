#!/usr/bin/env python3
"""Engine benchmarks: the same C programs natively, under Node (V8) and under
`continuum run`, with outputs checked against the native build.

Builds every program in bench/engine/programs twice (gcc -O2 native, clang-19
-O2 wasm32-wasi), builds `continuum` in Release unless one is given, prints the
machine and the exact commands, then runs each program RUNS times per runtime,
interleaved (native, node, continuum, native, ...) so that a noisy neighbour
hurts every runtime alike. A run whose output differs from the native output,
or whose exit status is not 0, is a failure and its time is not counted.

Exit status: 0 all outputs matched; 1 an output mismatched or a run failed;
2 a requested runtime could not be built or found.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS_DIR = os.path.join(HERE, "programs")

# Program -> (full-size argument, quick argument). Full sizes make the native
# build take about 0.2-0.5 s on a current x86-64 core.
PROGRAMS = {
    "kinematics": ("1000000", "20000"),
    "stream_filter": ("16000000", "200000"),
    "sha256": ("80", "2"),
    "intmix": ("10", "1"),
    "coremark_mix": ("8000", "100"),
}
RUNTIMES = ("native", "node", "continuum")


def sh(cmd, **kw):
    """Runs a command, echoing it exactly as a shell line."""
    print("  $ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine_info(args):
    rev = first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    info = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "kernel": platform.system() + " " + platform.release(),
        "gcc": first_line([args.cc, "--version"]),
        "clang": first_line([args.wasm_cc, "--version"]),
        "node": first_line(["node", "--version"]),
        "git": rev,
    }
    print("Machine")
    for k, v in info.items():
        print(f"  {k:9} {v}")
    return info


def wasm_sysroot_flags():
    # Upstream wasi-sdk layout first; Debian's wasi-libc installs into the
    # multiarch directories clang-19 already searches for wasm32-wasi.
    for d in ("/usr/share/wasi-sysroot", "/opt/wasi-sdk/share/wasi-sysroot"):
        if os.path.isdir(d):
            return ["--sysroot=" + d]
    return []


def build_programs(args, names):
    native_dir = os.path.join(args.build_dir, "native")
    wasm_dir = os.path.join(args.build_dir, "wasm")
    os.makedirs(native_dir, exist_ok=True)
    os.makedirs(wasm_dir, exist_ok=True)
    print("\nBuilding programs")
    for name in names:
        src = os.path.join(PROGRAMS_DIR, name + ".c")
        sh([args.cc, "-O2", "-Wall", src, "-o", os.path.join(native_dir, name), "-lm"])
        sh([args.wasm_cc, "--target=wasm32-wasi", *wasm_sysroot_flags(), "-O2", "-Wall", src,
            "-o", os.path.join(wasm_dir, name + ".wasm"), "-lm", "-Wl,--strip-all"])
    return native_dir, wasm_dir


def build_continuum(args):
    """Returns the path to `continuum`, building it in Release if needed."""
    if args.continuum:
        return args.continuum if os.access(args.continuum, os.X_OK) else None
    bdir = os.path.join(args.build_dir, "release")
    print("\nBuilding continuum (Release)")
    try:
        sh(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DCONTINUUM_TESTS=OFF"], stdout=subprocess.DEVNULL)
        sh(["ninja", "-C", bdir, f"-j{args.jobs}", "continuum"])
    except subprocess.CalledProcessError as e:
        print(f"  continuum build failed ({e})")
        return None
    path = os.path.join(bdir, "cli", "continuum")
    return path if os.access(path, os.X_OK) else None


def command_for(runtime, name, arg, native_dir, wasm_dir, continuum):
    wasm = os.path.join(wasm_dir, name + ".wasm")
    if runtime == "native":
        return [os.path.join(native_dir, name), arg]
    if runtime == "node":
        return ["node", "--no-warnings", os.path.join(HERE, "node_wasi_run.js"), wasm, arg]
    return [continuum, "run", wasm, arg]


def timed_run(cmd, timeout):
    """Runs cmd; returns (status, stdout, stderr, {"wall": s, "cpu": s}).

    CPU time is the child's user + system time (all its threads, so Node's
    background compiler threads count too). On a machine shared with other
    work it is the steadier of the two clocks."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out", None
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, p.stdout, p.stderr, {"wall": wall, "cpu": cpu}


def check_sha256(native_dir, arg):
    """The digest the program prints must equal sha256sum of the bytes it hashes."""
    exe = os.path.join(native_dir, "sha256")
    print("\nChecking sha256 against sha256sum")
    emit = subprocess.run([exe, arg, "emit"], capture_output=True, check=True).stdout
    # sha256sum when present; Python's hashlib is an equally independent reference.
    want = hashlib.sha256(emit).hexdigest()
    if shutil.which("sha256sum"):
        want = subprocess.run(["sha256sum"], input=emit, capture_output=True,
                              check=True).stdout.split()[0].decode()
    got = subprocess.run([exe, arg], capture_output=True, check=True, text=True).stdout
    ok = want in got
    print(f"  sha256sum of {len(emit)} bytes: {want} -> {'match' if ok else 'MISMATCH'}")
    return ok


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(x, spec):
    """Formats a number, or right-aligns "-" to the same width when absent."""
    return format(x, spec) if x is not None else "-".rjust(int(spec.split(".")[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small iteration counts (CI)")
    ap.add_argument("--runs", type=int, help="runs per program and runtime (default 5, quick 3)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "bench-engine"))
    ap.add_argument("--continuum", help="use this continuum binary instead of building one")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES), help="comma list of " + ",".join(RUNTIMES))
    ap.add_argument("--programs", default=",".join(PROGRAMS), help="comma list of programs")
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--wasm-cc", default="clang-19")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    runs = args.runs or (3 if args.quick else 5)
    names = [n for n in args.programs.split(",") if n]
    runtimes = [r for r in args.runtimes.split(",") if r]
    for n in names:
        if n not in PROGRAMS:
            ap.error(f"unknown program {n}")
    for r in runtimes:
        if r not in RUNTIMES:
            ap.error(f"unknown runtime {r}")
    if "native" not in runtimes:
        runtimes.insert(0, "native")  # the reference for outputs and ratios

    info = machine_info(args)
    native_dir, wasm_dir = build_programs(args, names)
    status = 0
    continuum = None
    if "continuum" in runtimes:
        continuum = build_continuum(args)
        if continuum is None:
            print("  continuum is not available: its column is left out")
            runtimes.remove("continuum")
            status = 2
    if "node" in runtimes and shutil.which("node") is None:
        print("  node not found: its column is left out")
        runtimes.remove("node")
        status = 2

    size_of = {n: PROGRAMS[n][1 if args.quick else 0] for n in names}
    if "sha256" in names and not check_sha256(native_dir, size_of["sha256"]):
        status = 1

    # Reference outputs from one untimed native run (also warms the caches).
    reference = {}
    print("\nCommands (argument = iteration count)")
    for n in names:
        for r in runtimes:
            print("  " + " ".join(shlex.quote(c) for c in
                                  command_for(r, n, size_of[n], native_dir, wasm_dir, continuum)))
        rc, out, err, _ = timed_run(command_for("native", n, size_of[n], native_dir, wasm_dir, None),
                                    args.timeout)
        if rc != 0:
            print(f"native {n} failed (status {rc}): {err.decode(errors='replace')}")
            return 1
        reference[n] = out

    clocks = ("wall", "cpu")
    times = {c: {n: {r: [] for r in runtimes} for n in names} for c in clocks}
    ratios = {c: {n: {r: [] for r in runtimes} for n in names} for c in clocks}
    failures = []
    print(f"\nRunning: {runs} runs per program and runtime, interleaved")
    for i in range(runs):
        for n in names:
            native_t = None
            for r in runtimes:
                rc, out, err, t = timed_run(command_for(r, n, size_of[n], native_dir, wasm_dir, continuum),
                                            args.timeout)
                if rc != 0 or out != reference[n]:
                    why = f"status {rc}" if rc != 0 else "output differs from native"
                    failures.append((n, r, why, out, err))
                    print(f"  run {i + 1} {n:13} {r:9} FAILED: {why}", flush=True)
                    continue
                for c in clocks:
                    times[c][n][r].append(t[c])
                if r == "native":
                    native_t = t
                elif native_t:
                    for c in clocks:
                        if native_t[c] > 0:
                            ratios[c][n][r].append(t[c] / native_t[c])
                print(f"  run {i + 1} {n:13} {r:9} {t['wall']:8.3f} s wall {t['cpu']:8.3f} s cpu", flush=True)

    for n, r, why, out, err in failures[:5]:
        print(f"\n{n} under {r}: {why}")
        print("  expected: " + reference[n].decode(errors="replace").replace("\n", "\n            "))
        print("  got:      " + out.decode(errors="replace").replace("\n", "\n            "))
        if err:
            print("  stderr:   " + err.decode(errors="replace")[:2000])
    if failures:
        status = 1

    # The tables: median seconds, and the median of the per-round ratios to
    # the native run of the same round; one table per clock.
    others = [r for r in runtimes if r != "native"]
    summary = {"machine": info, "quick": args.quick, "runs": runs, "args": size_of,
               "failures": [(n, r, why) for n, r, why, _, _ in failures]}
    for c in clocks:
        title = "wall-clock" if c == "wall" else "CPU time (user + system)"
        header = f"{'program':14} {'native s':>9}"
        for r in others:
            header += f" {r + ' s':>12} {'x native':>9}"
        print(f"\nResults, {title}: median of {runs} runs{', quick sizes' if args.quick else ''}")
        print(header)
        print("-" * len(header))
        summary[c] = {"programs": {}, "geomean": {}}
        for n in names:
            med = {r: statistics.median(times[c][n][r]) if times[c][n][r] else None for r in runtimes}
            rat = {r: statistics.median(ratios[c][n][r]) if ratios[c][n][r] else None for r in others}
            line = f"{n:14} {fmt(med['native'], '9.3f')}"
            for r in others:
                line += f" {fmt(med[r], '12.3f')} {fmt(rat[r], '9.2f')}"
            print(line)
            summary[c]["programs"][n] = {"median_s": med, "ratio": rat, "times": times[c][n]}
        line = f"{'geomean':14} {'':9}"
        for r in others:
            g = geomean([summary[c]["programs"][n]["ratio"][r] for n in names])
            summary[c]["geomean"][r] = g
            line += f" {'':12} {fmt(g, '9.2f')}"
        print(line)
    summary["status"] = status
    out_json = args.json or os.path.join(args.build_dir, "results.json")
    with open(out_json, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"\nResults written to {out_json}")
    if status == 1:
        print("FAILED: some outputs did not match the native build")
    elif status == 2:
        print("INCOMPLETE: a requested runtime was not available")
    return status


if __name__ == "__main__":
    sys.exit(main())
