#!/usr/bin/env bash
# Runs the Cortex-M4 firmware image on QEMU's mps2-an386 board and checks it:
# the firmware reports through semihosting and exits with 0 only when every
# check passed. Usage: run-qemu.sh IMAGE.elf [TIMEOUT_SECONDS]
set -u
image=${1:?usage: run-qemu.sh IMAGE.elf [TIMEOUT_SECONDS]}
timeout_s=${2:-60}
[[ -f "$image" ]] || { echo "run-qemu.sh: no such image: $image" >&2; exit 2; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -kernel loads the ELF; the core starts from the vector table at 0x0.
timeout --foreground "$timeout_s" qemu-system-arm -M mps2-an386 -nographic -monitor none \
  -serial none -semihosting-config enable=on,target=native -kernel "$image" >"$log" 2>&1
status=$?
cat "$log"

if [[ $status -eq 124 ]]; then
  echo "run-qemu.sh: FAIL: the firmware did not finish within ${timeout_s}s" >&2
  exit 1
fi
if [[ $status -ne 0 ]]; then
  echo "run-qemu.sh: FAIL: the firmware exited with status $status" >&2
  exit 1
fi
# Exit status 0 alone could come from a firmware that never ran its checks.
if ! grep -q '^FIRMWARE PASS$' "$log"; then
  echo "run-qemu.sh: FAIL: exit status 0 but no 'FIRMWARE PASS' line" >&2
  exit 1
fi
echo "run-qemu.sh: PASS"
