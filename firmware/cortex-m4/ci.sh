#!/usr/bin/env bash
# Cross-builds the engine and the Cortex-M4 firmware (preset cortex-m4),
# prints code and data sizes, and runs the firmware under QEMU.
# Usage: firmware/cortex-m4/ci.sh [BUILD_DIR]   (default: build/cortex-m4)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/cortex-m4}

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$here/toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DCONTINUUM_ENGINE_ONLY=ON >/dev/null
cmake --build "$build" --target continuum_firmware -- -j"${JOBS:-2}"

elf="$build/firmware/cortex-m4/continuum-firmware.elf"
map="$build/firmware/cortex-m4/continuum-firmware.map"
echo "== sizes =="
echo "engine library (all objects, before --gc-sections):"
arm-none-eabi-size -t "$build/engine/libcontinuum_engine.a" | tail -n 1
echo "firmware image:"
arm-none-eabi-size "$elf"
"$here/engine-size.sh" "$map"

echo "== qemu mps2-an386 =="
"$here/run-qemu.sh" "$elf" "${QEMU_TIMEOUT:-120}"
