#!/usr/bin/env bash
# Benchmarks on demand (not part of the tests): build, make sure the corpus is there, measure,
# write bench/RESULTS.md. Run as root on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
# The same sources linked against Debian's shared libLLVM/libclang-cpp: the start-up rows
# compare the two links (cmake/Dependencies.cmake).
bash scripts/build.sh release-shared bpfcarve >&2
bash corpus/fetch.sh >&2
exec /usr/bin/python3 bench/bench.py --shared build/release-shared/bin/bpfcarve "$@"
