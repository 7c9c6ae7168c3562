#!/usr/bin/env bash
# tests/corpus/unknown-kernel.sh VERIFY EXTRACT RETARGET HARNESS - the corpus tests on a kernel
# that has no record: BPFCARVE_KERNEL_RELEASE names a release no record in corpus/records has,
# so each kernel-dependent outcome is checked against the live reference measured in this run
# and what differs from the nearest record is printed ("corpus: kernel change: ..."). The
# release is that of a record of another kernel build than the running one with a suffix, so
# the nearest record is one measured elsewhere: the situation of a machine whose kernel changed.
# Every binary must pass, say that it re-measured, and run its tests (not skip them).
# Exit: 0 pass; 1 a binary failed or did not re-measure; 3 not root (the tests would only skip),
# or the running kernel has no record (the corpus tests ran this way already).
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "unknown-kernel: skipped: the corpus tests load programs: needs root"; exit 3; }
records=$(cd "$(dirname "$0")/../../corpus/records" && pwd)
# On a kernel that has no record the corpus tests of this run are this situation already: they
# re-measured against the live reference (about 4 minutes of CI not spent twice).
if [ ! -f "$records/$(uname -r).json" ]; then
  echo "unknown-kernel: skipped: the running kernel $(uname -r) has no record, so the corpus tests of this run already checked every kernel-dependent outcome against the live reference"
  exit 3
fi
other=$(find "$records" -maxdepth 1 -name '*.json' ! -name "$(uname -r).json" -printf '%f\n' | sort -V | tail -n1)
other=${other%.json}
export BPFCARVE_KERNEL_RELEASE=${other:-0.0.0}-bpfcarve-no-record
echo "unknown-kernel: running the corpus tests as kernel $BPFCARVE_KERNEL_RELEASE (real: $(uname -r))"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for bin in "$@"; do
  rc=0
  "$bin" >"$log" 2>&1 || rc=$?
  passed=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' "$log")
  skipped=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?,.*/\1/p' "$log")
  changes=$(grep -c '^corpus: kernel change: ' "$log")
  echo "unknown-kernel: $(basename "$bin"): exit $rc, ${passed:-0} passed, ${skipped:-0} skipped, $changes changes from the nearest record printed"
  grep '^corpus: kernel change: ' "$log" | sort -u | head -n 40
  if [ "$rc" -ne 0 ]; then
    echo "unknown-kernel: error: $(basename "$bin") failed on a kernel without a record:"
    grep -E '^\[  FAILED  \]|Failure|Expected|Which is|Actual' "$log" | head -n 60
    status=1
  fi
  if ! grep -q "has no record: what depends on the kernel is re-measured" "$log"; then
    echo "unknown-kernel: error: $(basename "$bin") did not say it re-measured"
    status=1
  fi
  if [ "${passed:-0}" -eq 0 ] || [ "${skipped:-0}" -ne 0 ]; then
    echo "unknown-kernel: error: $(basename "$bin") ran ${passed:-0} tests and skipped ${skipped:-0}"
    status=1
  fi
done
exit "$status"
