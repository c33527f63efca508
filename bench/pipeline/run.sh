#!/usr/bin/env bash
# Pipeline benchmark: real `continuum node` processes on a real mosquitto on
# loopback. Builds what it needs in build/pipeline (or BUILD_DIR) through the
# machine-wide build lock, then runs run.py (see run.py --help and
# docs/benchmarks.md, "Pipeline").
#   bench/pipeline/run.sh [--quick] [--runs N] [--scenarios a,b,c] [--keep]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$root/build/pipeline}"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
fi
targets=(continuum bench_pipeline_loadgen soil-filter_wasm soil-filter_native irrigation-control_wasm
         krc2-decode_wasm krc2-decode_native collision-guard_wasm collision-guard_native)
echo "build: cmake --build $build --target ${targets[*]}"
flock /tmp/ctm-build.lock cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
exec python3 "$root/bench/pipeline/run.py" --build-dir "$build" "$@"
