#!/usr/bin/env bash
# Installs everything Continuum needs to build, test, benchmark and demo on
# Debian 12 (run as root, or with sudo available). Idempotent: when every
# package is already present it does not touch apt at all.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ make git python3
  # wasm toolchain: C -> wasm32-wasi, and the wabt tools (wat2wasm, wast2json, ...)
  clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 wabt
  # libraries: tests, benchmarks, CLI
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  # reference runtime for the C-program and benchmark comparisons
  nodejs npm
  # Cortex-M4 firmware: cross compiler, C library, emulator
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  pkg-config mosquitto libmosquitto-dev libsqlite3-dev influxdb libcpp-httplib-dev libtomlplusplus-dev  # node adapters + their tests
  libmodbus-dev libssl-dev  # devices (Modbus TCP), TLS
  gnuplot-nox iproute2  # continuum bench strategies: plots, bytes sent per node (ss)
  # Rust build of a reference module (rustc straight to wasm32, no cargo)
  rustc libstd-rust-dev-wasm32
  # web dashboard end-to-end tests: headless Chromium driven by playwright-core (web/)
  chromium fonts-dejavu-core
)

# A package counts as present when dpkg has it installed, or, for the Node
# packages, when the command exists (Node often comes from nodesource, whose
# nodejs bundles npm).
present() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
    npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${packages[@]}"; do
  present "$p" || missing+=("$p")
done

# JavaScript dependencies pinned by a package-lock.json in the tree (the
# AssemblyScript compiler for a reference module): `npm ci` where missing.
install_npm_locks() {
  local root lock dir
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    if [ ! -d "$dir/node_modules" ]; then
      echo "setup: npm ci in ${dir#"$root"/}"
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
  done < <(find "$root" -name package-lock.json -not -path "*/node_modules/*" -not -path "$root/build/*")
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  install_npm_locks
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "setup: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
install_npm_locks
