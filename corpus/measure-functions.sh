#!/usr/bin/env bash
# corpus/measure-functions.sh - measure `bpfcarve extract --function F --harness HOOK` then
# `bpfcarve verify` on every function defined in the extraction targets of corpus.md §2 that the
# corpus holds, and write the running kernel's harness table, corpus/records/<release>.harness.tsv
# (docs/extract.md, "Measured on the public corpus").
#
# Usage: corpus/measure-functions.sh [--dest DIR] [--out FILE] [--manifest FILE] [-j N] [--keep DIR] [--bpfcarve PATH]
#   --dest DIR        corpus dir given to fetch.sh (default as in fetch.sh)
#   --out FILE        the table written (default: records/<release>.harness.tsv beside this script)
#   --manifest FILE   the record whose flags are used (default: the running kernel's, or the nearest)
#   -j N              functions measured in parallel (default: number of CPUs)
#   --keep DIR        keep slices, reports and logs in DIR instead of a removed temp dir
#   --bpfcarve PATH   the bpfcarve binary measured (default: build/release/bin/bpfcarve)
#
# The targets are the files of corpus.md §2 present in the corpus (selftests; the samples are not
# fetched), with test_xdp.c standing for samples' xdp_tx_iptunnel_kern.c (corpus.md: "prefer that
# copy"). Functions: every function `bpfcarve inspect` lists as defined in the file itself.
# HOOK: the program type of the programs that reach the function (functions_reached), when they
# agree; otherwise (shared by programs of two types, or reached by none) the file's main type
# below. For each function F, with the file's flags from the manifest:
#   bpfcarve extract SRC --function F --harness HOOK -o SLICE.c -- FLAGS
#   bpfcarve verify SLICE.c --type HOOK --format json -- FLAGS      (when extract succeeds)
# An entry program F needs no harness: extract without --harness, its own program is verified
# (the table's hook column says entry:HOOK). --type is given for xdp and tc, whose corpus files
# use sections libbpf does not know (test_tc_tunnel's "encap_gre_none"); other hooks go by SEC().
# Outcomes: pass; refused (extract exits 2: the harness cannot synthesise a parameter or the
# hook has no harness), detail = the first error line; extract_fail (any other exit), detail =
# the first line; compile_fail (verify exits 2: clang rejects the slice), detail = its first
# line without paths and LLVM's node addresses; verify_fail, detail = verify's class. The cause of each non-pass comes from
# corpus/harness-causes.tsv (FILE<TAB>FUNCTION-or-*<TAB>cause, found by investigation); one
# without a cause is written "unexplained" and reported, a cause without a non-pass as stale.
#
# Needs root (verify loads programs). Exit codes: 0 written; 3 the environment cannot do it
# (fetch.sh skipped, not root, no bpfcarve binary); 2 bad usage; 1 other failure.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly HERE

# file (basename in selftests/bpf/progs) and its main hook
readonly TARGETS="test_l4lb.c tc
test_l4lb_noinline.c tc
test_xdp_noinline.c xdp
xdp_synproxy_kern.c xdp
test_cls_redirect.c tc
test_tc_tunnel.c tc
test_tunnel_kern.c tc
xdpwall.c xdp
test_tcp_hdr_options.c sockops
xdping_kern.c xdp
test_xdp_vlan.c xdp
test_xdp.c xdp"

usage() { sed -n '7,13s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
. "$HERE/lib.sh"

manifest=
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --manifest ]; then [ $# -ge 2 ] || usage; manifest=$2; shift 2; else args+=("$1"); shift; fi
done
release=$(python3 -c 'import platform; print(platform.release())')
corpus_options --out "$HERE/records/$release.harness.tsv" "${args[@]}"
out=$file_arg
[ -n "$manifest" ] || manifest=$(corpus_record .json)
[ -f "$manifest" ] || die "no corpus record to read the flags from (run corpus/make-manifest.sh)"
corpus_require "bpfcarve verify loads programs into the kernel" python3 timeout xargs

T0=$SECONDS
corpus_fetch
corpus_scratch functions flags source inspect slice out

# ---------------------------------------------------------------- files, flags, inspect
LAYOUT=$(cd "$dest" && pwd -P)/layout.json
printf '%s\n' "$TARGETS" >"$SCRATCH/targets.txt"
python3 - "$LAYOUT" "$manifest" "$SCRATCH" <<'PY' || die "reading the manifest failed"
import json, os, sys
lay, man, scratch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def resolve(flag):
    for k, v in lay["vars"].items():
        flag = flag.replace("${%s}" % k, v)
    return flag
byname = {os.path.basename(e["path"]): e for e in man["files"]}
for line in open(os.path.join(scratch, "targets.txt")):
    fname = line.split()[0]
    e = byname.get(fname)
    if e is None or e.get("compile") != "ok":
        sys.exit("corpus: error: target %s is not a compiling file of the manifest" % fname)
    with open(os.path.join(scratch, "flags", fname), "w") as f:
        f.write("".join(resolve(x) + "\n" for x in man["common_flags"] + e["flags"]))
    with open(os.path.join(scratch, "source", fname), "w") as f:
        f.write(os.path.join(lay["source_root"], e["path"]))
PY
while read -r fname _; do
  mapfile -t flags <"$SCRATCH/flags/$fname"
  "$BPFCARVE" inspect "$(cat "$SCRATCH/source/$fname")" --format json -- "${flags[@]}" \
    >"$SCRATCH/inspect/$fname.json" 2>"$SCRATCH/inspect/$fname.err" ||
    die "bpfcarve inspect $fname failed: $(head -n1 "$SCRATCH/inspect/$fname.err")"
done <"$SCRATCH/targets.txt"

# functions.txt: FILE FUNCTION HOOK
python3 - "$SCRATCH" <<'PY' || die "listing functions failed"
import json, os, sys
scratch = sys.argv[1]
# libbpf program type -> harness hook name
HOOK = {"xdp": "xdp", "sched_cls": "tc", "sched_act": "tc", "sock_ops": "sockops",
        "socket_filter": "socket"}
with open(os.path.join(scratch, "functions.txt"), "w") as out:
    for line in open(os.path.join(scratch, "targets.txt")):
        fname, main = line.split()
        d = json.load(open(os.path.join(scratch, "inspect", fname + ".json")))
        hooks, entries = {}, set()
        for p in d["programs"]:
            hook = HOOK.get(p["type"])
            if hook is None:   # a section libbpf does not know (test_xdp_vlan's "tc_vlan_push")
                sec = p["section"]
                hook = "xdp" if sec.startswith("xdp") else \
                       "tc" if sec.startswith(("tc", "classifier")) else main
            entries.add(p["function"])
            for f in p["functions_reached"]:
                hooks.setdefault(f, set()).add(hook)
        for f in d["functions"]:
            if f["origin"] != "main" or not f["definition"]:
                continue
            h = hooks.get(f["id"], set())
            out.write("%s %s %s %s\n" % (fname, f["name"], h.pop() if len(h) == 1 else main,
                                          "entry" if f["id"] in entries else "function"))
PY
say "measuring $(wc -l <"$SCRATCH/functions.txt") functions of $(wc -l <"$SCRATCH/targets.txt") files, $jobs in parallel"

# ---------------------------------------------------------------- extract, verify
# out/FILE.F: line 1 extract's exit code, line 2 its first stderr line; out/FILE.F.json: verify's
# report (exit 0/1/3); anything else stops the run.
measure_one() { # FILE FUNCTION HOOK entry|function
  local fname=$1 fn=$2 hook=$3 flags src rc=0 base=$SCRATCH/out/$1.$2 harness=() type=()
  mapfile -t flags <"$SCRATCH/flags/$fname"
  src=$(cat "$SCRATCH/source/$fname")
  # An entry program needs no harness; --type only where SEC() may be unknown to libbpf.
  [ "$4" = entry ] || harness=(--harness "$hook")
  case $hook in xdp|tc) type=(--type "$hook") ;; esac
  timeout --foreground "$TIMEOUT" "$BPFCARVE" extract "$src" --function "$fn" "${harness[@]}" \
    -o "$SCRATCH/slice/$fname.$fn.c" -- "${flags[@]}" 2>"$base.err" || rc=$?
  case $rc in
    0|2|4) ;;
    *) echo "corpus: error: bpfcarve extract $fname --function $fn exited $rc: $(head -n1 "$base.err")" >&2
       return 255 ;;
  esac
  printf '%s\n%s\n' "$rc" "$(grep -v ': warning: ' "$base.err" | head -n1)" >"$base"
  [ "$rc" -eq 0 ] || return 0
  rc=0
  timeout --foreground "$TIMEOUT" "$BPFCARVE" verify "$SCRATCH/slice/$fname.$fn.c" "${type[@]}" \
    --format json -- "${flags[@]}" >"$base.json" 2>"$base.verr" || rc=$?
  case $rc in
    0|1|3) ;;
    2) printf '%s\n' "$(head -n1 "$base.verr")" >"$base.cc" ;;   # the slice does not compile
    *) echo "corpus: error: bpfcarve verify $fname.$fn.c exited $rc: $(head -n1 "$base.verr")" >&2
       return 255 ;;
  esac
}
export -f measure_one
export SCRATCH BPFCARVE TIMEOUT
t=$SECONDS
# shellcheck disable=SC2016
xargs -a "$SCRATCH/functions.txt" -P "$jobs" -n 4 bash -c 'measure_one "$1" "$2" "$3" "$4"' _ ||
  die "measuring failed (see above)"
say "measured in $((SECONDS - t)) s"

# ---------------------------------------------------------------- the table
tmp_out=$(mktemp "$(dirname "$out")/.harness-functions.XXXXXX")
python3 - "$LAYOUT" "$SCRATCH" "$HERE/harness-causes.tsv" >"$tmp_out" <<'PY' || die "writing the table failed"
import json, os, re, sys
lay, scratch, causes_file = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.environ["HERE"])
from manifest_json import short_message  # noqa: E402

def short(msg):
    return short_message(msg, lay, limit=200)

causes = {}
for n, line in enumerate(open(causes_file), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    cols = line.split("\t")
    if len(cols) != 3 or not all(cols):
        sys.exit("corpus: error: %s:%d: want FILE<TAB>FUNCTION<TAB>cause" % (causes_file, n))
    causes[(cols[0], cols[1])] = cols[2]
used = set()
import platform  # noqa: E402
print("# corpus/records/%s.harness.tsv - written by corpus/measure-functions.sh on that kernel, do not edit:" % platform.release())
print("# extract --function F --harness HOOK, then verify, on every function of the corpus.md")
print("# targets. Causes come from corpus/harness-causes.tsv.")
print("# file\tfunction\thook\toutcome\tdetail\tcause")
counts = {}
for line in open(os.path.join(scratch, "functions.txt")):
    fname, fn, hook, role = line.split()
    hook = hook if role == "function" else "entry:" + hook
    base = os.path.join(scratch, "out", "%s.%s" % (fname, fn))
    rc, first = open(base).read().split("\n")[:2]
    if rc == "2":
        outcome, detail = "refused", short(first)
    elif rc != "0":
        outcome, detail = "extract_fail", short(first)
    elif os.path.exists(base + ".cc"):
        # verify's first line: SLICE:L:C: error: MESSAGE; LLVM prints node addresses in it
        msg = open(base + ".cc").read().strip()
        msg = re.sub(r"^\S*/slice/", "", msg)
        msg = re.sub(r"0x[0-9a-f]+", "0x", msg)
        msg = re.sub(r"\S*/slice/", "", msg)
        outcome, detail = "compile_fail", short(msg)
    else:
        rep = json.load(open(base + ".json"))["programs"]
        bad = [p for p in rep if p["verdict"] != "pass"]
        if not rep:
            outcome, detail = "verify_fail", "no program"
        elif bad:
            outcome, detail = "verify_fail", bad[0]["error"]["class"] if bad[0].get("error") else bad[0]["verdict"]
        else:
            outcome, detail = "pass", "-"
    counts[outcome] = counts.get(outcome, 0) + 1
    cause = "-"
    if outcome != "pass":
        key = next((k for k in ((fname, fn), (fname, "*")) if k in causes), None)
        if key:
            used.add(key)
            cause = causes[key]
        else:
            cause = "unexplained"
            print("corpus: warning: %s %s %s (%s) has no cause in harness-causes.tsv"
                  % (fname, fn, outcome, detail), file=sys.stderr)
    print("\t".join([fname, fn, hook, outcome, detail, cause]))
for k in sorted(set(causes) - used):
    print("corpus: warning: stale line in harness-causes.tsv: %s %s" % k, file=sys.stderr)
total = sum(counts.values())
print("corpus: functions: %d, %s" % (total, ", ".join("%s %d" % kv for kv in sorted(counts.items()))),
      file=sys.stderr)
PY
chmod 0644 "$tmp_out"
mv -f -- "$tmp_out" "$out"
tmp_out=
say "wrote $out in $((SECONDS - T0)) s"
