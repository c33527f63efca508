#!/usr/bin/env python3
"""Engine benchmarks: the same C programs natively, under Node (V8), under
`continuum run` and under wabt's wasm-interp, with outputs checked against the
native build; then the reference modules' hot paths per message
(stage_bench.py: collision-guard per robot cycle in its C, Rust and
AssemblyScript builds, soil-filter per reading).

Builds every program in bench/engine/programs twice (gcc -O2 native, clang-19
-O2 wasm32-wasi), builds `continuum` in Release unless one is given, prints the
machine and the exact commands, then runs each program RUNS times per runtime,
interleaved (native, node, continuum, native, ...) so that a noisy neighbour
hurts every runtime alike. A run whose output differs from the native output,
or whose exit status is not 0, is a failure and its time is not counted.

wasm-interp: Debian's wabt 1.0.32 is built without WASI ("wasi support not
compiled in"), so it runs only programs that need no WASI: guard_cycle and
soil_reading, built a third time with -DBENCH_FREESTANDING (no main, no stdio:
the module imports nothing and exports bench(), whose result wasm-interp
prints and which must equal the native build's digest). The other programs
print through WASI fd_write and read argv: skipped there. wasm-interp is slow,
so it runs 1/INTERP_DIVISOR of the iterations and its time is scaled up (x N).

Exit status: 0 all outputs matched; 1 an output mismatched or a run failed;
2 a requested runtime could not be built or found.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import stage_bench

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
    # The reference modules' own code (guard.c, soil_filter.c), no JSON.
    "guard_cycle": ("1000000", "20000"),
    "soil_reading": ("2000000", "40000"),
}
RUNTIMES = ("native", "node", "continuum", "wasm-interp")
# wasm-interp runs this fraction of the iterations (its time is scaled back up).
INTERP_DIVISOR = 20


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
        "wasm-interp": first_line(["wasm-interp", "--version"]),
        "load": first_line(["cat", "/proc/loadavg"]),
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
        # No fused multiply-add anywhere: the outputs must be bit-identical.
        sh([args.cc, "-O2", "-Wall", "-ffp-contract=off", src, "-o", os.path.join(native_dir, name), "-lm"])
        sh([args.wasm_cc, "--target=wasm32-wasi", *wasm_sysroot_flags(), "-O2", "-Wall", "-ffp-contract=off",
            src, "-o", os.path.join(wasm_dir, name + ".wasm"), "-lm", "-Wl,--strip-all"])
    return native_dir, wasm_dir


def interp_size(size):
    return str(max(1, int(size) // INTERP_DIVISOR))


def build_freestanding(args, names, size_of):
    """The wasm-interp builds: programs that can run without WASI, with their
    iteration count compiled in. Returns {name: wasm path}; says why the others
    are skipped."""
    wasm_dir = os.path.join(args.build_dir, "wasm")
    built = {}
    print("\nBuilding the no-WASI programs for wasm-interp")
    for name in names:
        src = os.path.join(PROGRAMS_DIR, name + ".c")
        with open(src) as f:
            if "BENCH_FREESTANDING" not in f.read():
                print(f"  {name}: skipped (prints through WASI fd_write and reads argv; "
                      "Debian's wasm-interp has no WASI)")
                continue
        out = os.path.join(wasm_dir, name + ".interp.wasm")
        sh([args.wasm_cc, "--target=wasm32-wasi", *wasm_sysroot_flags(), "-O2", "-Wall", "-ffp-contract=off",
            "-mexec-model=reactor", "-DBENCH_FREESTANDING", f"-DBENCH_ARG={interp_size(size_of[name])}",
            src, "-o", out, "-Wl,--strip-all"])
        imports = subprocess.run(["wasm-objdump", "-x", "-j", "Import", out], capture_output=True, text=True)
        if "<- " in imports.stdout:
            print(f"  {name}: skipped (the build still imports: {imports.stdout.strip()[:200]})")
            continue
        built[name] = out
    return built


def interp_digest(out):
    """wasm-interp prints `bench() => i64:N`; the native build `digest=N`."""
    m = re.search(rb"bench\(\) => i64:(-?\d+)", out) or re.search(rb"^digest=(-?\d+)$", out, re.M)
    # wasm-interp prints the i64 unsigned, printf signed: compare modulo 2^64.
    return str(int(m.group(1)) % 2**64).encode() if m else None


def build_continuum(args):
    """Returns the path to `continuum`, building it in Release if needed (with
    the module hot-path driver and the reference modules beside it)."""
    if args.continuum:
        return args.continuum if os.access(args.continuum, os.X_OK) else None
    bdir = os.path.join(args.build_dir, "release")
    print("\nBuilding continuum (Release)")
    targets = ["continuum"]
    if not args.skip_modules:
        targets += ["bench_stage_cycle", "collision-guard_native", "collision-guard_wasm", "soil-filter_native",
                    "soil-filter_wasm", "collision-guard-rust_wasm", "collision-guard-as_wasm"]
    try:
        sh(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DCONTINUUM_TESTS=OFF"], stdout=subprocess.DEVNULL)
        listed = subprocess.run(["ninja", "-C", bdir, "-t", "targets", "all"], capture_output=True,
                                text=True).stdout
        # The Rust and AssemblyScript builds exist only where their toolchains do.
        targets = [t for t in targets if t == "continuum" or f"\n{t}:" in "\n" + listed]
        sh(["ninja", "-C", bdir, f"-j{args.jobs}", *targets])
    except subprocess.CalledProcessError as e:
        print(f"  continuum build failed ({e})")
        return None
    path = os.path.join(bdir, "cli", "continuum")
    return path if os.access(path, os.X_OK) else None


def command_for(runtime, name, arg, native_dir, wasm_dir, continuum):
    wasm = os.path.join(wasm_dir, name + ".wasm")
    if runtime == "wasm-interp":
        return ["wasm-interp", os.path.join(wasm_dir, name + ".interp.wasm"), "--run-all-exports"]
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
    ap.add_argument("--build-tree", help="built CMake tree with bench_stage_cycle and the modules "
                    "(default: the tree of --continuum, or the one built here)")
    ap.add_argument("--skip-modules", action="store_true", help="leave out the module hot paths")
    ap.add_argument("--modules-only", action="store_true", help="only the module hot paths")
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

    if args.modules_only:
        names = []
    info = machine_info(args)
    native_dir, wasm_dir = build_programs(args, names) if names else (None, None)
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
    if "wasm-interp" in runtimes and (shutil.which("wasm-interp") is None or shutil.which("wasm-objdump") is None):
        print("  wasm-interp not found (apt-get install wabt): its column is left out")
        runtimes.remove("wasm-interp")
        status = 2
    if not args.skip_modules and continuum is None:
        print("  no continuum: the module hot paths are left out")
        status = 2

    tree = args.build_tree or (os.path.dirname(os.path.dirname(os.path.abspath(continuum))) if continuum else None)
    module_summary = None
    if not args.skip_modules and tree:
        module_status, module_summary = stage_bench.run(args, tree, continuum, runtimes, runs, timed_run)
        status = 1 if 1 in (status, module_status) else max(status, module_status)
    if not names:
        return finish(args, {"machine": info, "quick": args.quick, "runs": runs, "modules": module_summary,
                             "status": status}, status)

    size_of = {n: PROGRAMS[n][1 if args.quick else 0] for n in names}
    interp = build_freestanding(args, names, size_of) if "wasm-interp" in runtimes else {}
    runs_on = {n: [r for r in runtimes if r != "wasm-interp" or n in interp] for n in names}
    if "sha256" in names and not check_sha256(native_dir, size_of["sha256"]):
        status = 1

    # Reference outputs from one untimed native run (also warms the caches).
    reference = {}
    print("\nCommands (argument = iteration count)")
    interp_reference = {}
    for n in names:
        for r in runs_on[n]:
            print("  " + " ".join(shlex.quote(c) for c in
                                  command_for(r, n, size_of[n], native_dir, wasm_dir, continuum)))
        rc, out, err, _ = timed_run(command_for("native", n, size_of[n], native_dir, wasm_dir, None),
                                    args.timeout)
        if rc != 0:
            print(f"native {n} failed (status {rc}): {err.decode(errors='replace')}")
            return 1
        reference[n] = out
        if n in interp:
            # wasm-interp runs 1/INTERP_DIVISOR of the iterations: its digest is
            # checked against the native build run at that size.
            rc, out, _, _ = timed_run(command_for("native", n, interp_size(size_of[n]), native_dir, wasm_dir,
                                                  None), args.timeout)
            interp_reference[n] = interp_digest(out)
            print(f"    (wasm-interp: {interp_size(size_of[n])} iterations, time x {INTERP_DIVISOR}; "
                  f"native digest at that size {interp_reference[n].decode()})")

    clocks = ("wall", "cpu")
    times = {c: {n: {r: [] for r in runtimes} for n in names} for c in clocks}
    ratios = {c: {n: {r: [] for r in runtimes} for n in names} for c in clocks}
    failures = []
    print(f"\nRunning: {runs} runs per program and runtime, interleaved")
    for i in range(runs):
        for n in names:
            native_t = None
            for r in runs_on[n]:
                rc, out, err, t = timed_run(command_for(r, n, size_of[n], native_dir, wasm_dir, continuum),
                                            args.timeout)
                if r == "wasm-interp" and rc == 0 and interp_digest(out) == interp_reference[n]:
                    out = reference[n]  # same digest as native at its size: the output matched
                    t = {c: v * INTERP_DIVISOR for c, v in t.items()}
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
               "failures": [(n, r, why) for n, r, why, _, _ in failures], "modules": module_summary,
               "wasm_interp": {"programs": sorted(interp), "divisor": INTERP_DIVISOR}}
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
    if interp:
        print(f"wasm-interp: {', '.join(sorted(interp))} only (the others need WASI); "
              f"{INTERP_DIVISOR}x fewer iterations, time scaled x {INTERP_DIVISOR}")
    summary["status"] = status
    return finish(args, summary, status)


def finish(args, summary, status):
    os.makedirs(args.build_dir, exist_ok=True)
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
