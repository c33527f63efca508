#!/usr/bin/env bash
# Converts every spec .wast to JSON + .wasm and runs them all through
# `continuum spectest`. Usage: run_spec_suite.sh CONTINUUM WAST2JSON SPEC_DIR OUT_DIR
set -euo pipefail
continuum=$1 wast2json=$2 spec_dir=$3 out_dir=$4

shopt -s nullglob
wasts=("$spec_dir"/*.wast)
if [ ${#wasts[@]} -eq 0 ]; then
  echo "no .wast files in $spec_dir (set -DCONTINUUM_SPEC_DIR=...)" >&2
  exit 1
fi

rm -rf "$out_dir"
mkdir -p "$out_dir"
scripts=()
for wast in "${wasts[@]}"; do
  name=$(basename "$wast" .wast)
  "$wast2json" "$wast" -o "$out_dir/$name.json"
  scripts+=("$out_dir/$name.json")
done
exec "$continuum" spectest "${scripts[@]}"
