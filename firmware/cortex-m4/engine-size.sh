#!/usr/bin/env bash
# The engine's share of a linked firmware image: sums, from the GNU ld map
# file, the input sections that came from libcontinuum_engine.a and survived
# --gc-sections, by kind (code, read-only data, data, zero-initialised data).
# Usage: engine-size.sh FIRMWARE.map
set -euo pipefail
map=${1:?usage: engine-size.sh FIRMWARE.map}
awk '
  function hex(s,   i, v) {
    v = 0
    for (i = 3; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
    return v
  }
  function kind(section) {
    if (section ~ /^\.text/) return "code"
    if (section ~ /^\.rodata/) return "rodata"
    if (section ~ /^\.data/) return "data"
    if (section ~ /^\.bss/ || section == "COMMON") return "bss"
    return "other"
  }
  /^Linker script and memory map/ { in_map = 1; next }
  !in_map { next }
  # An input section: " .text.foo 0xADDR 0xSIZE file", or its name alone on
  # one line when it is long, with address, size and file on the next.
  /^ (\.[^ ]+|COMMON)$/ { pending = $1; next }
  /^ (\.[^ ]+|COMMON) +0x/ { if ($4 ~ /libcontinuum_engine\.a/) bytes[kind($1)] += hex($3); pending = ""; next }
  /^  +0x[0-9a-f]+ +0x[0-9a-f]+ / {
    if (pending != "" && $3 ~ /libcontinuum_engine\.a/) bytes[kind(pending)] += hex($2)
    pending = ""
    next
  }
  { pending = "" }
  END {
    printf "engine as linked into the firmware: code %d + read-only data %d = %d bytes of flash;",
           bytes["code"], bytes["rodata"], bytes["code"] + bytes["rodata"]
    printf " data %d, bss %d bytes (bss includes the port heap arena)\n", bytes["data"], bytes["bss"]
  }
' "$map"
