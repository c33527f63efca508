#!/usr/bin/env bash
# Runs one WASI program under `continuum run` and under Node's WASI, and
# checks they agree: same stdout, same exit status and, when the program was
# given a directory, the same directory contents afterwards.
#
#   run_program.sh --continuum BIN --node NODE --runner node_wasi_run.js --wasm FILE
#                  [--stdin FILE] [--sandbox SEED_DIR] [--env K=V]...
#                  [--expect-exit N] [--expect-trap] [-- GUEST_ARGS...]
#
# --sandbox copies SEED_DIR into a fresh directory per runtime and grants it
# as /sandbox (a sibling file outside.txt must stay unreachable).
# --expect-trap: both runs must fail; continuum must report one `trap:` line
# on stderr and exit with a status (not die by a signal). Stdout must still
# agree up to the trap.
set -u

continuum= node=node runner= wasm= stdin_file=/dev/null seed= expect_exit= expect_trap=0
env_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --continuum) continuum=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --runner) runner=$2; shift 2 ;;
    --wasm) wasm=$2; shift 2 ;;
    --stdin) stdin_file=$2; shift 2 ;;
    --sandbox) seed=$2; shift 2 ;;
    --env) env_args+=(--env "$2"); shift 2 ;;
    --expect-exit) expect_exit=$2; shift 2 ;;
    --expect-trap) expect_trap=1; shift ;;
    --) shift; break ;;
    *) echo "run_program.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
guest_args=("$@")
[[ -n "$continuum" && -n "$runner" && -n "$wasm" ]] || { echo "run_program.sh: missing --continuum, --runner or --wasm" >&2; exit 2; }

# A missing module would make both runs fail alike and "agree".
[[ -r "$wasm" ]] || { echo "FAIL: $wasm does not exist (build the test_programs target)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/continuum-program-XXXXXX")
trap 'rm -rf "$work"' EXIT

dir_args_for() {  # $1 = continuum | node
  if [[ -n "$seed" ]]; then
    mkdir -p "$work/$1"
    cp -R "$seed/." "$work/$1/sandbox"
    echo "must not be readable" > "$work/$1/outside.txt"
    printf '%s\n' --dir "$work/$1/sandbox::/sandbox"
  fi
}

mapfile -t continuum_dirs < <(dir_args_for continuum)
mapfile -t node_dirs < <(dir_args_for node)

"$continuum" run "${continuum_dirs[@]}" "${env_args[@]}" "$wasm" "${guest_args[@]}" \
  < "$stdin_file" > "$work/continuum.out" 2> "$work/continuum.err"
continuum_status=$?
"$node" --no-warnings "$runner" "${node_dirs[@]}" "${env_args[@]}" "$wasm" "${guest_args[@]}" \
  < "$stdin_file" > "$work/node.out" 2> "$work/node.err"
node_status=$?

failed=0
fail() { echo "FAIL: $*"; failed=1; }

# Every program prints something; silence means it did not run at all.
[[ -s "$work/node.out" ]] || fail "node produced no stdout"
if ! diff -u "$work/node.out" "$work/continuum.out" > "$work/stdout.diff"; then
  fail "stdout differs (--- node, +++ continuum):"
  cat "$work/stdout.diff"
fi

if [[ $expect_trap -eq 1 ]]; then
  [[ $node_status -ne 0 ]] || fail "node exited 0, expected a trap"
  [[ $continuum_status -ne 0 ]] || fail "continuum exited 0, expected a trap"
  trap_lines=$(grep -c '^trap: ' "$work/continuum.err")
  [[ $trap_lines -eq 1 ]] || fail "continuum printed $trap_lines 'trap:' lines on stderr, expected 1"
  # A death by signal prints nothing of ours and shows up as 128+N.
  if [[ $continuum_status -gt 128 && $trap_lines -eq 0 ]]; then
    fail "continuum seems to have died by signal $((continuum_status - 128))"
  fi
else
  [[ $continuum_status -eq $node_status ]] ||
    fail "exit status: continuum $continuum_status, node $node_status"
fi
if [[ -n "$expect_exit" && $continuum_status -ne $expect_exit ]]; then
  fail "continuum exited $continuum_status, expected $expect_exit"
fi

if [[ -n "$seed" ]] && ! diff -r "$work/node" "$work/continuum" > "$work/tree.diff"; then
  fail "the granted directories differ afterwards:"
  cat "$work/tree.diff"
fi

if [[ $failed -ne 0 ]]; then
  echo "--- continuum stderr:"; cat "$work/continuum.err"
  echo "--- node stderr:"; cat "$work/node.err"
  exit 1
fi
echo "ok: $(basename "$wasm") (status $continuum_status, $(wc -l < "$work/continuum.out") lines of stdout agree)"
