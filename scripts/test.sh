#!/usr/bin/env bash
# The full check, as CI runs it: install what is missing, then for the
# `release` and `asan` presets configure, build and run every ctest test
# (unit tests, the spec suite, CLI behaviour, WASI and C-program tests), then
# the Cortex-M4 firmware build and its QEMU run. Prints one summary at the end
# and exits non-zero if any stage failed.
#
# Environment:
#   JOBS=N                 parallel build/test jobs (default: nproc)
#   PRESETS="release asan" which host presets to build and test
#   CTEST_ARGS="-L spec"   extra ctest arguments, e.g. a label (spec, cli, ...)
#   SKIP_FIRMWARE=1        skip the Cortex-M4 stage
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}
presets=${PRESETS:-release asan}

# UBSan findings are fatal (-fno-sanitize-recover in the preset); say where.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

summary=()
failed=0
stage() {  # stage NAME COMMAND...: runs one step, records its result and time
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "=== $name"
  if "$@"; then
    summary+=("ok    $(printf '%4ds' $((SECONDS - start)))  $name")
  else
    summary+=("FAIL  $(printf '%4ds' $((SECONDS - start)))  $name")
    failed=1
    return 1
  fi
}

stage "setup (packages)" "$root/scripts/setup.sh" || { printf '%s\n' "${summary[@]}"; exit 1; }

for preset in $presets; do
  stage "$preset: configure" cmake --preset "$preset" || continue
  # A failed build still goes on to ctest: the tests whose programs did build
  # run, and the summary shows both failures.
  stage "$preset: build" cmake --build --preset "$preset" -j "$jobs" -- -k 0
  # shellcheck disable=SC2086  # CTEST_ARGS is a list of arguments
  stage "$preset: ctest" ctest --preset "$preset" -j "$jobs" ${CTEST_ARGS:-}
done

# Engine benchmark smoke run: every program's output under the engine, Node and
# wasm-interp, and every reference module build's output per message, must equal
# native output (a mismatch fails); the quick sizes take seconds and
# their times are not the published figures (docs/benchmarks.md has those).
if [ -x "$root/build/release/cli/continuum" ]; then
  stage "bench: engine --quick (outputs checked)" \
    "$root/build/release/cli/continuum" bench engine --quick
fi

# Pipeline benchmark smoke run: real nodes on a real mosquitto (edge -> fog ->
# cloud, fog throughput, robot stop); fails only when an output check fails
# (a reading lost or stored twice, a stop missing), not on a time.
if [ -x "$root/build/release/cli/continuum" ]; then
  stage "bench: pipeline --quick (outputs checked)" \
    python3 "$root/bench/pipeline/run.py" --quick --build-dir "$root/build/release"
fi

# Deployment-strategy smoke run: both applications under the five strategies
# for 5 s each with `continuum up` (real broker, simulators, node processes),
# a fog load step, the sandbox overhead per stage; then checks the report (all
# rows and plots, no negative or missing value, message counts equal between
# edge, fog and store). About 45 s; written to a temporary directory.
if [ -x "$root/build/release/cli/continuum" ]; then
  strategies_out=$(mktemp -d)
  stage "bench: strategies --quick (report checked)" \
    "$root/build/release/cli/continuum" bench strategies --quick --out "$strategies_out" &&
    rm -rf "$strategies_out"
fi

# Hook for the firmware: cross build, size report and QEMU run.
if [ "${SKIP_FIRMWARE:-0}" != 1 ] && [ -x "$root/firmware/cortex-m4/ci.sh" ]; then
  stage "cortex-m4: build + qemu" "$root/firmware/cortex-m4/ci.sh" "$root/build/cortex-m4"
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: all stages passed"
