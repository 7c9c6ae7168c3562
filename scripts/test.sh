#!/usr/bin/env bash
# The README's second command, and what .ci/run runs.
#
#   scripts/test.sh             release: set up, build, fetch the third-party corpus (a ctest
#                               fixture; skipped with a printed reason when it cannot be
#                               downloaded) and run every test; then the asan-ubsan preset:
#                               build it and run every test except the corpus ones (label
#                               `corpus` and the corpus_fetch fixture) under ASan + UBSan.
#   scripts/test.sh release     only the first part.
#   scripts/test.sh asan-ubsan  the whole suite, corpus included, under ASan + UBSan.
#   scripts/test.sh PRESET      any other preset: build it and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-}

run_preset() { # PRESET [ctest arguments...]
  local p=$1
  shift
  bash scripts/build.sh "$p"
  ctest --preset "$p" -j"$(nproc)" "$@"
}

if [ -n "$preset" ]; then
  run_preset "$preset"
  exit
fi
run_preset release
echo "== the same tests under AddressSanitizer + UndefinedBehaviorSanitizer (without the corpus) =="
start=$(date +%s)
run_preset asan-ubsan -LE corpus -E '^corpus_fetch$'
echo "== sanitizer build and tests: $(( $(date +%s) - start )) s =="
