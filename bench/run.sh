#!/usr/bin/env bash
# Benchmarks on demand (not part of the tests): build, make sure the corpus is there, measure,
# write bench/RESULTS.md. Run as root on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
bash corpus/fetch.sh >&2
exec /usr/bin/python3 bench/bench.py "$@"
