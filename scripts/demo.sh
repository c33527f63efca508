#!/usr/bin/env bash
# The demo: installs what is missing, builds `continuum` (release), compiles
# the sample C program examples/hello/hello.c to WebAssembly with clang-19 and
# runs it on our engine. Usage: scripts/demo.sh [A1 A2 A3 A4 A5 A6]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup.sh"

out="$root/build/examples"
mkdir -p "$out"
echo "== building continuum (release; log in build/examples/build.log)"
if ! { cmake --preset release && cmake --build --preset release --target continuum \
       -j "${JOBS:-$(nproc)}"; } >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log"
  echo "demo: build failed (full log: $out/build.log)" >&2
  exit 1
fi
continuum="$root/build/release/cli/continuum"

echo "== compiling examples/hello/hello.c -> wasm32-wasi"
clang-19 --target=wasm32-wasi -O2 -Wall -Wl,--strip-all \
  "$root/examples/hello/hello.c" -lm -o "$out/hello.wasm"
"$continuum" validate "$out/hello.wasm"
echo "   $(stat -c %s "$out/hello.wasm") bytes"

echo "== continuum run build/examples/hello.wasm $*"
"$continuum" run "$out/hello.wasm" "$@"
