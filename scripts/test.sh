#!/usr/bin/env bash
# The README's second command, and what .ci/run runs.
#
#   scripts/test.sh             release: set up, build, fetch the third-party corpus (a ctest
#                               fixture; skipped with a printed reason when it cannot be
#                               downloaded) and run every test; then the asan-ubsan preset: build
#                               it and run every test again under ASan + UBSan (the corpus
#                               suites on every 4th case: tests/corpus/CorpusSupport.h; the corpus
#                               download is cached by then).
#   scripts/test.sh release     only the first part.
#   scripts/test.sh PRESET      build PRESET (e.g. asan-ubsan, debug) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-}

# The corpus tests compare bpfcarve with the kernel they run on: exactly with that kernel's own
# record (corpus/records/<release>.json), else with the live reference, printing what changed
# from the nearest record (docs/corpus-manifest.md, "Records keyed by kernel").
release=$(uname -r)
if [ -f "corpus/records/$release.json" ]; then
  echo "== kernel $release: corpus record corpus/records/$release.json =="
else
  echo "== kernel $release: no corpus record; kernel-dependent outcomes are checked against the live reference (add one: sudo corpus/make-manifest.sh --kernel-record) =="
fi

run_preset() { # PRESET
  bash scripts/build.sh "$1"
  ctest --preset "$1" -j"$(nproc)"
}

if [ -n "$preset" ]; then
  run_preset "$preset"
  exit
fi
run_preset release
echo "== every test again under AddressSanitizer + UndefinedBehaviorSanitizer =="
start=$(date +%s)
run_preset asan-ubsan
echo "== sanitizer build and tests: $(( $(date +%s) - start )) s =="
