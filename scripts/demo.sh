#!/usr/bin/env bash
# The demo: installs what is missing, builds `continuum` (release), compiles
# the sample C program examples/hello/hello.c to WebAssembly with clang-19 and
# runs it on our engine. Usage: scripts/demo.sh [A1 A2 A3 A4 A5 A6]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup.sh"

echo "== building continuum (release)"
cmake --preset release >/dev/null
cmake --build --preset release --target continuum -j "${JOBS:-$(nproc)}"
continuum="$root/build/release/cli/continuum"

echo "== compiling examples/hello/hello.c -> wasm32-wasi"
out="$root/build/examples"
mkdir -p "$out"
clang-19 --target=wasm32-wasi -O2 -Wall -Wl,--strip-all \
  "$root/examples/hello/hello.c" -lm -o "$out/hello.wasm"
"$continuum" validate "$out/hello.wasm"
echo "   $(stat -c %s "$out/hello.wasm") bytes"

echo "== continuum run build/examples/hello.wasm $*"
"$continuum" run "$out/hello.wasm" "$@"
