#!/usr/bin/env bash
# The README's second command, and what .ci/run runs: set up, build, fetch the third-party corpus
# (a ctest fixture; skipped with a printed reason when it cannot be downloaded) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
bash scripts/build.sh "$preset"
ctest --preset "$preset" -j"$(nproc)"
