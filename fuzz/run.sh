#!/usr/bin/env bash
# Builds the libFuzzer targets and fuzzes the engine for a while: half the
# time fuzz_engine (whole modules), half fuzz_interp (function bodies).
# Usage: fuzz/run.sh [SECONDS]            (default 60 in all, what CI runs)
# Environment: BUILD_DIR (default build/fuzz), SPEC_TESTSUITE (a directory of
# .wast files to take seeds from; default /work/shared/wasm-testsuite).
# Exits non-zero when the fuzzer finds a crash, a leak, undefined behaviour or
# a broken engine invariant; the reproducer is in $BUILD_DIR/crashes/<target>/.
# Reproduce with: $BUILD_DIR/fuzz/<target> <reproducer file>
set -euo pipefail
seconds=${1:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build/fuzz}
testsuite=${SPEC_TESTSUITE:-/work/shared/wasm-testsuite}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCONTINUUM_FUZZ=ON -DCONTINUUM_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_engine fuzz_interp -- -j"${JOBS:-2}"

# Seeds: the committed test and example modules (.wasm, and .wat compiled
# here), the firmware's guest module, and the modules of a few spec test
# scripts (valid and invalid ones alike).
seeds="$build/seeds"
corpus="$build/corpus"   # kept between runs: coverage found once stays found
mkdir -p "$seeds" "$corpus" "$build/crashes/fuzz_engine"
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
echo "fuzz/run.sh: fuzz_engine: $(ls "$seeds" | wc -l) seed modules, $((seconds / 2))s"
"$build/fuzz/fuzz_engine" "$corpus" "$seeds" \
  -max_total_time=$((seconds / 2)) -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/crashes/fuzz_engine/" -print_final_stats=1

# Seeds for fuzz_interp: function bodies of type (i32 i64 f32 f64) -> i32
# in the fixed module of fuzz_interp.cc, one instruction family each.
interp_seeds="$build/interp-seeds"
interp_corpus="$build/interp-corpus"
mkdir -p "$interp_seeds" "$interp_corpus" "$build/crashes/fuzz_interp"
seed() { printf "$2" >"$interp_seeds/$1"; }
seed const '\x41\x00'                                                  # i32.const 0
seed loop '\x03\x40\x20\x00\x41\x01\x6a\x22\x00\x41\xe4\x00\x48\x0d\x00\x0b\x20\x00'
seed call-import '\x20\x00\x10\x00'                                    # env.f(local 0)
seed recurse '\x20\x00\x20\x01\x20\x02\x20\x03\x10\x01'                  # call stack exhausted
seed call-indirect '\x41\x07\x41\x00\x11\x01\x00'
seed memory '\x41\x00\x41\x2a\x36\x02\x00\x41\x00\x28\x02\x00'
seed memory-grow '\x41\x01\x40\x00'
seed global '\x41\x05\x24\x00\x23\x00'
seed i64 '\x20\x01\x42\x03\x7e\xa7'                                   # i64.mul, i32.wrap_i64
seed f64 '\x20\x03\x44\x00\x00\x00\x00\x00\x00\xf8\x3f\xa2\xaa'           # f64.mul, i32.trunc_f64_s
seed br-table '\x02\x40\x02\x40\x20\x00\x0e\x01\x00\x01\x0b\x0b\x41\x01'
seed memory-init '\x41\x00\x41\x00\x41\x05\xfc\x08\x00\x00\xfc\x09\x00\x41\x00\x2d\x00\x00'
seed div-zero '\x41\x01\x41\x00\x6d'
echo "fuzz/run.sh: fuzz_interp: $(ls "$interp_seeds" | wc -l) seed bodies, $((seconds - seconds / 2))s"
"$build/fuzz/fuzz_interp" "$interp_corpus" "$interp_seeds" \
  -max_total_time=$((seconds - seconds / 2)) -timeout=20 -rss_limit_mb=2048 -max_len=4096 \
  -artifact_prefix="$build/crashes/fuzz_interp/" -print_final_stats=1
