#!/usr/bin/env bash
# The engine's share of a linked firmware image: sums, from the GNU ld map
# file, the input sections that came from libcontinuum_engine.a and survived
# --gc-sections, per output section (.text holds code and read-only data).
# Usage: engine-size.sh FIRMWARE.map
set -euo pipefail
map=${1:?usage: engine-size.sh FIRMWARE.map}
awk '
  function hex(s,   i, v) {
    v = 0
    for (i = 3; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
    return v
  }
  /^Linker script and memory map/ { in_map = 1; next }
  !in_map { next }
  # An output section starts in column 0: ".text   0x... 0x...".
  /^\.[A-Za-z_]/ { out = $1; pending = ""; next }
  # An input section: " .text.foo 0xADDR 0xSIZE file", or its name alone on
  # one line when it is long, with address, size and file on the next.
  /^ \.[^ ]+$/ { pending = $1; next }
  {
    if (pending != "" && $1 ~ /^0x/) { addr = $1; size = $2; file = $3; pending = "" }
    else if ($1 ~ /^\./ && $2 ~ /^0x/) { addr = $2; size = $3; file = $4 }
    else { pending = ""; next }
    if (file ~ /libcontinuum_engine\.a/) bytes[out] += hex(size)
  }
  END {
    printf "engine objects as linked into the firmware: .text %d bytes, .data %d bytes, .bss %d bytes (the port heap arena included)\n",
           bytes[".text"], bytes[".data"], bytes[".bss"]
  }
' "$map"
