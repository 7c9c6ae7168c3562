#!/usr/bin/env bash
# verify --kernel against a bare loader in the same guest (bench/kernels.py), on demand: build,
# make sure the corpus is there, measure, write bench/KERNELS.md. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
bash corpus/fetch.sh >&2
exec /usr/bin/python3 bench/kernels.py "$@"
