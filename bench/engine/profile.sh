#!/usr/bin/env bash
# Where does the interpreter spend its time on one benchmark program?
#
#   bench/engine/profile.sh PROGRAM [ARG]      e.g. profile.sh sha256 4
#
# Builds `continuum` in Release with debug info (build/bench-engine/profile, or
# $PROFILE_BUILD_DIR),
# runs the program's wasm (built by run.sh) under `perf record`, and prints the
# hottest source lines of the dispatch loop. Handlers are generated from
# opcodes.def, so a line of opcodes.def names the wasm instruction whose
# handler it is; interpreter.cc lines are the hand-written internal handlers
# (calls, branches, copies, constants, fuel).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
program=${1:?usage: profile.sh PROGRAM [ARG]}
arg=${2:-}
bdir=${PROFILE_BUILD_DIR:-"$root/build/bench-engine/profile"}
wasm="$root/build/bench-engine/wasm/$program.wasm"
[ -f "$wasm" ] || { echo "no $wasm: run bench/engine/run.sh --quick first" >&2; exit 2; }
command -v perf > /dev/null || { echo "perf not found (Debian: linux-perf)" >&2; exit 2; }

cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-g \
  -DCONTINUUM_TESTS=OFF > /dev/null
ninja -C "$bdir" -j2 continuum > /dev/null

data="$bdir/perf-$program.data"
perf record -q -o "$data" -- "$bdir/cli/continuum" run "$wasm" $arg > /dev/null

echo "Functions:"
perf report -i "$data" --no-children --stdio 2> /dev/null | grep -E '^ +[0-9.]+%' | head -8
echo
echo "Hottest lines of the dispatch loop (percent of its samples):"
perf annotate -i "$data" --stdio -l \
  -s 'continuum::engine::interp::(anonymous namespace)::run_loop' 2> /dev/null |
  awk '/^ +[0-9.]+ [A-Za-z_./]+:[0-9]+$/ { print } /^ Percent/ { exit }' | head -25 |
  while read -r pct loc; do
    file=${loc%%:*}
    line=${loc##*:}
    case $file in
      opcodes.def) src="$root/engine/include/continuum/engine/opcodes.def" ;;
      *.h | *.cc) src=$(find "$root/engine" -name "$file" | head -1) ;;
      *) src= ;;
    esac
    text=
    [ -n "$src" ] && text=$(sed -n "${line}p" "$src" | sed 's/^ *//' | cut -c1-70)
    printf '%6s  %-26s %s\n' "$pct" "$loc" "$text"
  done
