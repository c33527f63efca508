#!/usr/bin/env bash
# Builds the libFuzzer target and fuzzes the engine for a while.
# Usage: fuzz/run.sh [SECONDS]            (default 60, what CI runs)
# Environment: BUILD_DIR (default build/fuzz), SPEC_TESTSUITE (a directory of
# .wast files to take seeds from; default /work/shared/wasm-testsuite).
# Exits non-zero when the fuzzer finds a crash, a leak, undefined behaviour or
# a broken engine invariant; the reproducer is in $BUILD_DIR/crashes/.
set -euo pipefail
seconds=${1:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build/fuzz}
testsuite=${SPEC_TESTSUITE:-/work/shared/wasm-testsuite}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCONTINUUM_FUZZ=ON -DCONTINUUM_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_engine -- -j"${JOBS:-2}"

# Seeds: the committed test and example modules (.wasm, and .wat compiled
# here), the firmware's guest module, and the modules of a few spec test
# scripts (valid and invalid ones alike).
seeds="$build/seeds"
corpus="$build/corpus"   # kept between runs: coverage found once stays found
mkdir -p "$seeds" "$corpus" "$build/crashes"
while IFS= read -r -d '' f; do
  name=$(echo "${f#"$root"/}" | tr '/' '_')
  case "$f" in
    *.wasm) cp "$f" "$seeds/$name" ;;
    *.wat) wat2wasm "$f" -o "$seeds/${name%.wat}.wasm" 2>/dev/null || true ;;  # some are meant to fail
  esac
done < <(find "$root/tests" "$root/examples" "$root/firmware" \( -name '*.wasm' -o -name '*.wat' \) -print0 2>/dev/null)
if [[ -d "$testsuite" ]]; then
  for name in address binary block br br_table call call_indirect fac global if imports loop \
              memory memory_copy memory_fill memory_grow return select unreachable \
              table_copy bulk elem data start i64 f64 conversions; do
    [[ -f "$testsuite/$name.wast" ]] || continue
    work=$(mktemp -d)
    if wast2json "$testsuite/$name.wast" -o "$work/$name.json" >/dev/null 2>&1; then
      for f in "$work"/*.wasm; do cp "$f" "$seeds/$name-$(basename "$f")"; done
    fi
    rm -rf "$work"
  done
fi
echo "fuzz/run.sh: $(ls "$seeds" | wc -l) seed modules, ${seconds}s"

"$build/fuzz/fuzz_engine" "$corpus" "$seeds" \
  -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/crashes/" -print_final_stats=1
