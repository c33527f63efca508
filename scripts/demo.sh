#!/usr/bin/env bash
# The demo: installs what is missing, builds `continuum` and the reference
# stage modules (release), and runs both applications -- irrigation and the
# robot -- as one local deployment: `continuum up deploy/both.toml` (broker,
# cloud, fog, three edge nodes, the soil and KR C2 simulators). Runs until
# Ctrl-C; DEMO_FOR=60s bounds it. docs/deployment.md says what you see.
#
# Usage: scripts/demo.sh                      # both applications, until Ctrl-C
#        DEMO_FOR=60s scripts/demo.sh         # ... for 60 s, then a summary
#        scripts/demo.sh hello [A1 .. A6]     # the single-guest demo: KR C2 frames ->
#                                             # tool position -> safety distance
# JOBS=N sets the build's parallelism (default: nproc). BUILD_LOCK=FILE runs
# only the build under `flock FILE` (machines where builds take turns), not
# the demo itself.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup.sh"

out="$root/build/examples"
mkdir -p "$out"
modules=(irrigation-control_wasm soil-filter_wasm irrigation-analytics_wasm krc2-decode_wasm collision-guard_wasm)
lock=()
[ -n "${BUILD_LOCK:-}" ] && lock=(flock "$BUILD_LOCK")
echo "== building continuum and the stage modules (release; log in build/examples/build.log)"
# A first build takes minutes: the full log goes to the file, and every 25th
# step (and the last) is shown so the terminal does not look stuck.
if ! { cmake --preset release && "${lock[@]}" cmake --build --preset release --target continuum "${modules[@]}" \
       -j "${JOBS:-$(nproc)}"; } 2>&1 | tee "$out/build.log" |
     awk -F'[][/]' '/^\[[0-9]+\/[0-9]+\]/ { if ($2 > 0 && ($2 % 25 == 0 || $2 == $3)) { print "   step " $2 "/" $3; fflush() } }'; then
  tail -n 40 "$out/build.log"
  echo "demo: build failed (full log: $out/build.log)" >&2
  exit 1
fi
continuum="$root/build/release/cli/continuum"

if [ "${1:-}" = "hello" ]; then
  shift
  echo "== compiling examples/hello/hello.c -> wasm32-wasi"
  clang-19 --target=wasm32-wasi -O2 -Wall -Wl,--strip-all \
    "$root/examples/hello/hello.c" -lm -o "$out/hello.wasm"
  "$continuum" validate "$out/hello.wasm"
  echo "   $(stat -c %s "$out/hello.wasm") bytes"
  echo "== continuum run build/examples/hello.wasm $*"
  exec "$continuum" run "$out/hello.wasm" "$@"
fi

args=(up "$root/deploy/both.toml" --modules "$root/build/release/modules")
[ -n "${DEMO_FOR:-}" ] && args+=(--for "$DEMO_FOR" --summary-json "$out/summary.json")
echo "== continuum ${args[*]}"
exec "$continuum" "${args[@]}"
