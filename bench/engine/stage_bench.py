"""The reference modules' hot paths per message, for run.py: each build of a
stage module gets the same messages through the same host ABI, one delivery
at a time, and only the deliveries are timed.

  collision-guard: one robot cycle from krc2-decode (traces/approach.jsonl):
      parse the cycle's JSON, kinematics + distances + stop decision
      (guard.c / the Rust and AssemblyScript ports), write and emit the
      reading's JSON (and the stop command on the serial line when due).
  soil-filter: one soil-moisture reading (traces/spikes.jsonl): parse, filter,
      write and emit the filtered reading (and an aggregate when a window closes).

Runtimes: native (the C sources built as a shared library, through the same
StageRuntime), continuum (the .wasm through our engine, fuel metered as on a
node), node (the .wasm under V8 with the host functions in JS,
node_stage_run.js). The outputs (FNV digest of everything emitted, in order)
must be equal for every build and runtime of a module, and the native build's
replay of the trace must equal the reviewed expected output, before any time
is reported.
"""
import os
import re
import shlex
import shutil
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULES = os.path.join(ROOT, "modules")

# (module, language, native library or None, wasm file) in build/<tree>/modules.
BUILDS = [
    ("collision-guard", "C", "libcollision-guard.so", "collision-guard.wasm"),
    ("collision-guard", "Rust", None, "collision-guard-rust.wasm"),
    ("collision-guard", "AssemblyScript", None, "collision-guard-as.wasm"),
    ("soil-filter", "C", "libsoil-filter.so", "soil-filter.wasm"),
]
TRACES = {
    "collision-guard": ("collision-guard/traces/approach", "collision-guard/grants.txt"),
    "soil-filter": ("soil-filter/traces/spikes", "soil-filter/grants.txt"),
}
# Deliveries per run (the trace round and round): full, quick.
MESSAGES = {"collision-guard": (50000, 2000), "soil-filter": (50000, 2000)}
# The published prototype's distance calculation per cycle (krc2.md).
PROTOTYPE_MS = [("laptop, Node.js", 0.23), ("Raspberry Pi 4, Node.js", 1.06), ("ESP32, wasm3", 3.0)]
TIMING = re.compile(r"timing load_ms=(\S+) init_ms=(\S+) first_us=(\S+) mean_us=(\S+) median_us=(\S+)(?: instructions_per_message=(\S+))?")


def trace_files(module):
    base, grants = TRACES[module]
    base = os.path.join(MODULES, base)
    return base + ".jsonl", base + ".config.json", base + ".expected.jsonl", os.path.join(MODULES, grants)


def check_expected(continuum, module, library):
    """`continuum replay` of the native build must give the reviewed output."""
    trace, config, expected, grants_file = trace_files(module)
    with open(grants_file) as f:
        grants = [g.strip() for g in f if g.strip() and not g.startswith("#")]
    cmd = [continuum, "replay", library, "--trace", trace, "--config", config]
    for g in grants:
        cmd += ["--grant", g]
    out = subprocess.run(cmd, capture_output=True)
    with open(expected, "rb") as f:
        ok = out.returncode == 0 and out.stdout == f.read()
    print(f"  {module}: replay of the native build vs {os.path.relpath(expected, ROOT)}: "
          f"{'match' if ok else 'MISMATCH'}")
    return ok


def command(runtime, driver, path, module, messages):
    trace, config, _, _ = trace_files(module)
    args = ["--trace", trace, "--config", config, "--messages", str(messages)]
    if runtime == "node":
        return ["node", "--no-warnings", os.path.join(HERE, "node_stage_run.js"), path, *args]
    return [driver, path, *args]


def run(args, tree, continuum, runtimes, runs, timed_run):
    """Returns (status, summary dict). TREE is a built CMake tree with
    bench/bench_stage_cycle and the modules."""
    driver = os.path.join(tree, "bench", "bench_stage_cycle")
    mod_dir = os.path.join(tree, "modules")
    print("\nModule hot paths (per message, through the host ABI)")
    if not os.access(driver, os.X_OK):
        print(f"  {driver} not found: build the target bench_stage_cycle; the module table is left out")
        return 2, None
    runtimes = [r for r in ("native", "continuum", "node") if r in runtimes]
    if "node" in runtimes and shutil.which("node") is None:
        runtimes.remove("node")
    status = 0
    cases = []  # (label, module, runtime, path)
    for module, lang, lib, wasm in BUILDS:
        lib_path = os.path.join(mod_dir, lib) if lib else None
        wasm_path = os.path.join(mod_dir, wasm)
        if lib_path and "native" in runtimes:
            if os.path.exists(lib_path):
                cases.append((f"{module} {lang}", module, "native", lib_path))
            else:
                print(f"  {lib_path} missing: native {module} left out")
                status = 2
        if not os.path.exists(wasm_path):
            # The Rust and AssemblyScript builds are optional (modules/CMakeLists.txt).
            print(f"  {wasm_path} missing" + (" (its toolchain is optional): left out" if lang != "C" else ""))
            if lang == "C":
                status = 2
            continue
        for r in ("continuum", "node"):
            if r in runtimes:
                cases.append((f"{module} {lang}", module, r, wasm_path))

    # The reference output per module: the native C build, checked against
    # the reviewed replay output first.
    reference = {}
    for module in TRACES:
        lib = os.path.join(mod_dir, f"lib{module}.so")
        if os.path.exists(lib) and not check_expected(continuum, module, lib):
            status = 1
    messages = {m: MESSAGES[m][1 if args.quick else 0] for m in TRACES}
    print("  Commands (only the deliveries are timed; the driver prints the time per delivery)")
    for label, module, r, path in cases:
        print("    " + " ".join(shlex.quote(c) for c in command(r, driver, path, module, messages[module])))

    per_msg = {(label, r): [] for label, _, r, _ in cases}
    first = {(label, r): [] for label, _, r, _ in cases}
    instructions = {}
    ratio = {(label, r): [] for label, _, r, _ in cases}
    failures = []
    for i in range(runs):
        native_us = {}
        for label, module, r, path in cases:
            rc, out, err, _ = timed_run(command(r, driver, path, module, messages[module]), args.timeout)
            m = TIMING.search(err.decode(errors="replace")) if rc == 0 else None
            if module not in reference and rc == 0 and r == "native":
                reference[module] = out
            ref = reference.get(module)
            if rc != 0 or m is None or (ref is not None and out != ref):
                why = f"status {rc}: {err.decode(errors='replace').strip()[:300]}" if rc != 0 or m is None \
                    else f"output {out.decode().strip()} differs from native {ref.decode().strip()}"
                failures.append((label, r, why))
                print(f"  run {i + 1} {label:30} {r:9} FAILED: {why}", flush=True)
                continue
            if ref is None:
                reference[module] = out  # no native build: the first wasm run is the reference
            mean_us, first_us = float(m.group(4)), float(m.group(3))
            per_msg[(label, r)].append(mean_us)
            if m.group(6) and float(m.group(6)) > 0:
                instructions[(label, r)] = float(m.group(6))
            first[(label, r)].append(first_us)
            if r == "native":
                native_us[module] = mean_us
            elif module in native_us:
                ratio[(label, r)].append(mean_us / native_us[module])
            print(f"  run {i + 1} {label:30} {r:9} {mean_us:9.3f} us/message (first {first_us:8.1f} us)",
                  flush=True)
    if failures:
        status = 1

    print(f"\nModule hot paths: mean time per message in microseconds (median of {runs} runs, "
          f"{messages['collision-guard']} collision-guard cycles and {messages['soil-filter']} soil "
          f"readings per run); x native = ratio to the native C build in the same round;\n"
          "first us = the first delivery; instr/msg = wasm instructions our engine ran per message (fuel)")
    header = f"{'module build':30} {'runtime':9} {'us/msg':>9} {'x native':>9} {'first us':>9} {'instr/msg':>9}"
    print(header)
    print("-" * len(header))
    summary = {"messages": messages, "rows": [], "failures": failures}
    for label, module, r, path in cases:
        t = statistics.median(per_msg[(label, r)]) if per_msg[(label, r)] else None
        q = statistics.median(ratio[(label, r)]) if ratio[(label, r)] else None
        f0 = statistics.median(first[(label, r)]) if first[(label, r)] else None
        cell = lambda x, spec: format(x, spec) if x is not None else "-".rjust(int(spec.split(".")[0]))
        n = instructions.get((label, r))
        print(f"{label:30} {r:9} {cell(t, '9.3f')} {cell(q, '9.2f')} {cell(f0, '9.1f')} {cell(n, '9.0f')}")
        summary["rows"].append({"build": label, "runtime": r, "us_per_message": t, "ratio": q,
                                "first_us": f0, "instructions_per_message": n, "runs_us": per_msg[(label, r)]})

    print("\nDistance calculation per robot cycle (collision-guard, whole delivery) beside the prototype")
    for label, r in (("collision-guard C", "native"), ("collision-guard C", "continuum"),
                     ("collision-guard Rust", "continuum"), ("collision-guard AssemblyScript", "continuum"),
                     ("collision-guard AssemblyScript", "node")):
        v = per_msg.get((label, r))
        if v:
            print(f"  this machine, {label} under {r}: {statistics.median(v) / 1000:.4f} ms")
    for where, ms in PROTOTYPE_MS:
        print(f"  prototype, {where}: {ms} ms")
    summary["status"] = status
    return status, summary
