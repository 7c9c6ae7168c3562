#!/usr/bin/env bash
# tests/corpus/wrong-verdict.sh VERIFY_TESTS BPFCARVE REFERENCE - shows that the corpus verify
# tests fail when bpfcarve's verdict disagrees with the kernel: they run against a wrapper of
# BPFCARVE whose `verify --format json` report has one verdict turned around, (1) a program of an
# object bpftool loads whole reported as failing, (2) the program bpftool's whole-object load
# stops at reported as passing; each on the kernel's own record and as a kernel without a record
# (BPFCARVE_KERNEL_RELEASE). The same tests pass with the real binary first.
# Exit: 0 shown; 1 a wrong verdict went unnoticed (or the real binary failed); 3 not root.
set -uo pipefail
tests=$1 real=$2 reference=$3
[ "$(id -u)" -eq 0 ] || { echo "wrong-verdict: skipped: verify loads programs: needs root"; exit 3; }
[ -f "$reference" ] || { echo "wrong-verdict: error: no live reference at $reference"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The two files: the first that bpftool loads whole, the first where it stops at a program that
# verify reports too (not the EPERM tracing types, which verify reports as skipped).
read -r whole stopped prog < <(python3 - "$reference" <<'PY'
import json, os, sys
files = json.load(open(sys.argv[1]))["files"]
whole = next(p for p, f in sorted(files.items()) if f.get("load_bpftool") == "ok")
p, f = next((p, f) for p, f in sorted(files.items()) if f.get("failed_program") and f["load_bpftool_cause"] == "verifier-reject")
stem = lambda p: "".join(c if c.isalnum() else "_" for c in os.path.basename(p)[:-2])
print(stem(whole), stem(p), f["failed_program"])
PY
)
echo "wrong-verdict: $whole (bpftool loads it whole), $stopped (bpftool stops at $prog)"

# wrapper MODE: a bpfcarve whose verify report has one verdict turned around.
wrapper() {
  cat >"$dir/bpfcarve-$1" <<EOS
#!/usr/bin/env bash
out=\$("$real" "\$@"); rc=\$?
[ "\$1" = verify ] || { printf '%s' "\$out"; exit \$rc; }
python3 -c '
import json, sys
mode, prog = sys.argv[1], sys.argv[2]
r = json.loads(sys.stdin.read())
for p in r["programs"]:
    if mode == "fail" and p["verdict"] == "pass":
        p["verdict"] = "fail"
        p["error"] = {"class": "verifier_other", "message": "injected", "file": "", "line": 0}
        break
    if mode == "pass" and p["name"] == prog:
        p["verdict"] = "pass"
        p["error"] = None
v = [p["verdict"] for p in r["programs"]]
print(json.dumps(r))
sys.exit(1 if "fail" in v else 3 if "skipped" in v else 0)' $1 $prog <<<"\$out"
EOS
  chmod +x "$dir/bpfcarve-$1"
}
wrapper fail
wrapper pass

status=0
run() { # WHAT EXPECT(pass|fail) BIN TEST [env...]
  local what=$1 expect=$2 bin=$3 test=$4 rc=0
  shift 4
  env "$@" BPFCARVE_ALL_CASES=1 BPFCARVE_TEST_BIN="$bin" "$tests" --gtest_filter="Selftests/CorpusVerify.*/$test" >"$dir/log" 2>&1 || rc=$?
  if { [ "$expect" = pass ] && [ "$rc" -eq 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -ne 0 ]; }; then
    echo "wrong-verdict: ok: $what: the test $( [ "$expect" = pass ] && echo passes || echo fails)$( [ "$expect" = fail ] && printf ': %s' "$(grep -m1 -A1 'Failure' "$dir/log" | tail -n1 | cut -c1-160)")"
  else
    echo "wrong-verdict: error: $what: the test should ${expect} (exit $rc)"
    tail -n 30 "$dir/log"
    status=1
  fi
}
for mode in "" BPFCARVE_KERNEL_RELEASE=0.0.0-bpfcarve-no-record; do
  label=${mode:+ (no record)}
  run "real bpfcarve on $whole$label" pass "$real" "$whole" $mode
  run "real bpfcarve on $stopped$label" pass "$real" "$stopped" $mode
  run "a passing program of $whole reported failing$label" fail "$dir/bpfcarve-fail" "$whole" $mode
  run "$prog of $stopped reported passing$label" fail "$dir/bpfcarve-pass" "$stopped" $mode
done
exit "$status"
