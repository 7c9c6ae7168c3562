#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS-per-target, default 600] [TARGET...]
# Builds the `fuzz` preset (libFuzzer + ASan + UBSan, build/fuzz), assembles the seed corpora,
# then runs each fuzz target (default: frontend retarget verifier_log packets clang_diagnostics) for SECONDS, one
# after another, one process each, under nice. The growing corpus is kept in
# build/fuzz/corpus/<target>, crash/timeout/OOM inputs in build/fuzz/artifacts/<target>/, each
# run's log in build/fuzz/logs/<target>.log. Prints executions and wall time per target; exits 1
# when a target stopped on a finding. docs/fuzzing.md explains the targets and options.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frontend retarget verifier_log packets clang_diagnostics)

# FUZZ_NO_BUILD=1 runs what build/fuzz already holds (e.g. while another build is running).
[ "${FUZZ_NO_BUILD:-0}" = 1 ] || nice bash scripts/build.sh fuzz
out=build/fuzz
mkdir -p "$out/tmp" "$out/logs"
# Scratch files of the targets (the packets target's capture file, kept self-check outputs).
export TMPDIR=$PWD/$out/tmp
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
nice "$out/bin/bpfcarve_fuzz_seeds" "$out/seeds" >/dev/null

# Per target: input size limit, per-input timeout (s), RSS limit (MB), extra libFuzzer options.
options() {
  case $1 in
    # Whole C files through clang: the samples are up to ~40 KB; a parse with vmlinux.h takes ~1 s.
    frontend|retarget) echo "-max_len=65536 -timeout=60 -rss_limit_mb=3072" ;;
    verifier_log) echo "-max_len=65536 -timeout=10 -rss_limit_mb=2048 -dict=tests/fuzz/verifier_log.dict" ;;
    packets) echo "-max_len=65536 -timeout=10 -rss_limit_mb=2048" ;;
    clang_diagnostics) echo "-max_len=131072 -timeout=10 -rss_limit_mb=2048" ;;
    *) echo "scripts/fuzz.sh: unknown target $1" >&2; exit 2 ;;
  esac
}

summary=()
status=0
for t in "${targets[@]}"; do
  opts=$(options "$t")
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  seeds=()
  [ -d "$out/seeds/$t" ] && seeds+=("$out/seeds/$t")
  [ -d "tests/fuzz/seeds/$t" ] && seeds+=("tests/fuzz/seeds/$t")
  [ -d "tests/fuzz/regressions/$t" ] && seeds+=("tests/fuzz/regressions/$t")
  log=$out/logs/$t.log
  echo "== fuzz_$t for ${secs}s ($opts)"
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086
  nice -n 10 "$out/bin/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t/" $opts "$out/corpus/$t" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  wall=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    # libFuzzer prints no final stats when it stops on a crash: take the last status line.
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FINDING (exit $rc): $(ls -t "$out/artifacts/$t" | head -1)"
    status=1
  fi
  summary+=("$(printf '%-13s %12s execs %6ss wall  %s' "$t" "${execs:-?}" "$wall" "$result")")
  echo "${summary[-1]}"
done
echo "== summary (logs in $out/logs, artefacts in $out/artifacts)"
printf '%s\n' "${summary[@]}"
exit $status
