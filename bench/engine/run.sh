#!/usr/bin/env bash
# Engine benchmarks: native vs Node (V8) vs `continuum run`. See run.py --help
# and docs/benchmarks.md.  ./bench/engine/run.sh [--quick] [--runs N] ...
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
