#!/usr/bin/env bash
# corpus/measure-retarget.sh - measure `bpfcarve retarget` XDP -> tc and tc -> XDP on every XDP and
# TC program of the corpus objects bpftool loads whole, and record the outcome in the manifest
# (docs/corpus-manifest.md, "Retarget").
#
# Usage: corpus/measure-retarget.sh [--dest DIR] [--manifest FILE] [-j N] [--keep DIR] [--bpfcarve PATH]
#   --dest DIR        corpus dir given to fetch.sh (default as in fetch.sh)
#   --manifest FILE   manifest to read and update in place (default: the running kernel's record,
#                     records/<release>.json); make-manifest.sh runs this script on the one it writes
#   -j N              programs measured in parallel (default: number of CPUs)
#   --keep DIR        keep objects, outputs, reports and logs in DIR instead of a removed temp dir
#   --bpfcarve PATH   the bpfcarve binary measured (default: build/release/bin/bpfcarve)
#
# For each program P of each file with "load_bpftool": "ok" whose section is XDP (xdp, xdp/*,
# xdp.*: target tc) or TC (tc, classifier, tc/*, classifier/*: target xdp), with the file's flags
# (common_flags resolved by layout.json, then the file's own flags):
#   bpfcarve retarget SRC --program P --to HOOK -o OUT.c --report R.json -- FLAGS
#   bpfcarve verify OUT.c --program P --format json -- FLAGS            (when retarget succeeds)
#   bpfcarve diff-run SRC OUT.c --program P --packets gen:all --format json -- FLAGS
#                                                                       (when OUT.c passes verify)
#   bpfcarve verify OBJ --program P --format json                      (OBJ: clang-19 FLAGS -c SRC)
# and writes per program retarget, retarget_to, retarget_refusal, retarget_error,
# retarget_verify(_class), retarget_diff, retarget_xlated and retarget_exception, plus the summary
# counts. The cause of each outcome that is neither a clean pass nor a refusal comes from
# corpus/retarget-causes.tsv (found by investigation); one without a cause is recorded as
# "unexplained: ..." and reported, a cause without such an outcome is reported as stale.
#
# Needs root (verify and diff-run load programs; with pinning off, on the host). Exit codes: 0
# written; 3 the environment cannot do it (fetch.sh skipped, not root, no bpfcarve binary); 2 bad
# usage; 1 other failure. Progress on stderr.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly HERE

usage() { sed -n '6,13s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
. "$HERE/lib.sh"

release=$(python3 -c 'import platform; print(platform.release())')
corpus_options --manifest "$HERE/records/$release.json" "$@"
manifest=$file_arg
[ -f "$manifest" ] || die "no manifest $manifest (corpus/make-manifest.sh writes it)"
corpus_require "bpfcarve verify and diff-run load programs into the kernel" clang-19 python3 timeout xargs
MANIFEST=$(cd "$(dirname "$manifest")" && pwd -P)/$(basename "$manifest")

T0=$SECONDS
corpus_fetch
corpus_scratch retarget flags source obj retarget out

# ---------------------------------------------------------------- what to measure
# flags/NAME: the file's resolved flags, one per line; source/NAME: its path; files.txt: NAME of
# each file with a measured program; programs.txt: NAME PROGRAM HOOK. NAME is the file name
# without .c (unique in progs/); program names are C identifiers.
LAYOUT=$(cd "$dest" && pwd -P)/layout.json
python3 - "$LAYOUT" "$MANIFEST" "$SCRATCH" <<'PY' || die "reading $MANIFEST failed"
import json, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["HERE"])
from manifest_json import retarget_target  # noqa: E402
lay, man, scratch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]

def resolve(flag):
    for k, v in lay["vars"].items():
        flag = flag.replace("${%s}" % k, v)
    return flag

with open(os.path.join(scratch, "files.txt"), "w") as files, \
     open(os.path.join(scratch, "programs.txt"), "w") as progs:
    for e in man["files"]:
        if e.get("load_bpftool") != "ok":
            continue
        todo = [(p["name"], retarget_target(p["section"])) for p in e["programs"]]
        todo = [t for t in todo if t[1]]
        if not todo:
            continue
        name = os.path.basename(e["path"])[:-2]
        with open(os.path.join(scratch, "flags", name), "w") as f:
            f.write("".join(resolve(x) + "\n" for x in man["common_flags"] + e["flags"]))
        with open(os.path.join(scratch, "source", name), "w") as f:
            f.write(os.path.join(lay["source_root"], e["path"]))
        files.write(name + "\n")
        for prog, hook in todo:
            progs.write("%s %s %s\n" % (name, prog, hook))
PY
say "measuring retarget on $(wc -l <"$SCRATCH/programs.txt") programs of $(wc -l <"$SCRATCH/files.txt") objects, $jobs in parallel"

# ---------------------------------------------------------------- originals
compile_one() { # NAME
  local flags src
  mapfile -t flags <"$SCRATCH/flags/$1"
  src=$(cat "$SCRATCH/source/$1")
  clang-19 "${flags[@]}" -c "$src" -o "$SCRATCH/obj/$1.o" 2>"$SCRATCH/out/$1.cc" ||
    { echo "corpus: error: clang-19 fails on $src (it compiled for the manifest)" >&2; return 255; }
}
# ---------------------------------------------------------------- retarget, verify, diff-run
# out/NAME.P.retarget: retarget's exit code, then its stderr (first line: the refusal or error;
# then every refusal); out/NAME.P.rt.json and out/NAME.P.orig.json: verify's reports of the
# retargeted program and of the original; out/NAME.P.diff: diff-run's exit code, then its first
# stderr line; out/NAME.P.diff.json: its report. verify exits 0/1/3 with a report, diff-run 0/1
# with one (3: this kernel cannot test-run the type, recorded); anything else stops the run (255
# makes xargs stop at once).
verify_to() { # OUT ARGS...: verify with a report, or stop the run
  local out=$1 rc=0
  shift
  timeout --foreground "$TIMEOUT" "$BPFCARVE" verify --format json "$@" >"$out.part" 2>"$out.err" || rc=$?
  case $rc in
    0|1|3) mv -f -- "$out.part" "$out" ;;
    *) echo "corpus: error: bpfcarve verify $* exited $rc: $(head -n1 "$out.err")" >&2; return 255 ;;
  esac
}
measure_one() { # NAME PROGRAM HOOK
  local name=$1 prog=$2 hook=$3 flags src rc=0 base=$SCRATCH/out/$1.$2
  local out=$SCRATCH/retarget/$1.$2.c
  mapfile -t flags <"$SCRATCH/flags/$name"
  src=$(cat "$SCRATCH/source/$name")
  timeout --foreground "$TIMEOUT" "$BPFCARVE" retarget "$src" --program "$prog" --to "$hook" \
    -o "$out" --report "$base.report.json" -- "${flags[@]}" 2>"$base.retarget.err" || rc=$?
  case $rc in
    0|1|2|4) ;;   # 1: refused, 2: bad input, 4: internal error; all are outcomes to record
    *) echo "corpus: error: bpfcarve retarget $name.c --program $prog --to $hook exited $rc: $(head -n1 "$base.retarget.err")" >&2
       return 255 ;;
  esac
  { echo "$rc"; cat "$base.retarget.err"; } >"$base.retarget"
  verify_to "$base.orig.json" "$SCRATCH/obj/$name.o" --program "$prog" || return 255
  [ "$rc" -eq 0 ] || return 0
  verify_to "$base.rt.json" "$out" --program "$prog" -- "${flags[@]}" || return 255
  python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["programs"][0]["verdict"] != "pass")' \
    "$base.rt.json" || return 0
  rc=0
  timeout --foreground "$TIMEOUT" "$BPFCARVE" diff-run "$src" "$out" --program "$prog" \
    --packets gen:all --format json -- "${flags[@]}" >"$base.diff.json" 2>"$base.diff.err" || rc=$?
  case $rc in
    0|1|3) ;;   # 0 same behaviour, 1 a packet or a map differs, 3 no test-run for the type
    *) echo "corpus: error: bpfcarve diff-run $name.c $out --program $prog exited $rc: $(head -n1 "$base.diff.err")" >&2
       return 255 ;;
  esac
  printf '%s\n%s\n' "$rc" "$(head -n1 "$base.diff.err")" >"$base.diff"
}
export -f compile_one verify_to measure_one
export SCRATCH BPFCARVE TIMEOUT
t=$SECONDS
# shellcheck disable=SC2016  # $1.. belong to the child shell
xargs -a "$SCRATCH/files.txt" -P "$jobs" -n 1 bash -c 'compile_one "$1"' _ ||
  die "compiling the originals failed (see above)"
# shellcheck disable=SC2016
xargs -a "$SCRATCH/programs.txt" -P "$jobs" -n 3 bash -c 'measure_one "$1" "$2" "$3"' _ ||
  die "measuring retarget failed (see above)"
say "measured in $((SECONDS - t)) s"

# ---------------------------------------------------------------- manifest
tmp_out=$(mktemp "$(dirname "$MANIFEST")/.manifest.XXXXXX")
python3 - "$LAYOUT" "$MANIFEST" "$SCRATCH" "$HERE/retarget-causes.tsv" >"$tmp_out" <<'PY' ||
import json, os, re, sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.environ["HERE"])
from manifest_json import (dumps, refusal_reason, retarget_target,  # noqa: E402
                           retarget_within_budget, short_message)

lay, man = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
scratch, causes_file = sys.argv[3], sys.argv[4]
out = os.path.join(scratch, "out")

def short(msg, limit=160):
    return short_message(msg, lay, os.path.join(scratch, "retarget"), limit)

def report(path, prog):
    rep = json.load(open(path))
    got = [p for p in rep["programs"] if p["name"] == prog]
    if len(got) != 1:
        sys.exit("corpus: error: %s: no single report for %s" % (path, prog))
    return got[0]

# corpus/retarget-causes.tsv: FILE<TAB>PROGRAM or *<TAB>cause; # comments, blank lines.
causes = {}
for n, line in enumerate(open(causes_file), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    cols = line.split("\t")
    if len(cols) != 3 or not all(cols):
        sys.exit("corpus: error: %s:%d: want FILE<TAB>PROGRAM<TAB>cause" % (causes_file, n))
    causes[(cols[0], cols[1])] = cols[2]
used = set()

REFUSAL = re.compile(r"error: cannot retarget '[^']*' to \S+: (.*)$")
DIRS = {"tc": "xdp", "xdp": "tc"}   # target hook -> summary key of the source hook
counts = {d: {"programs": 0, "pass": 0, "refused": 0, "other": 0, "refusals": {}}
          for d in ("xdp", "tc")}
ratios, within = [], 0
unexplained = []
for e in man["files"]:
    fname = os.path.basename(e["path"])
    name = fname[:-2]
    for p in e["programs"]:
        for k in [k for k in p if k.startswith("retarget")]:
            del p[k]   # a new measurement replaces the old one
        hook = retarget_target(p["section"])
        if e.get("load_bpftool") != "ok" or not hook:
            continue
        c = counts[DIRS[hook]]
        c["programs"] += 1
        base = os.path.join(out, "%s.%s" % (name, p["name"]))
        orig = report(base + ".orig.json", p["name"])
        if orig["verdict"] != "pass":
            sys.exit("corpus: error: %s %s: the original does not pass verify (%s)"
                     % (fname, p["name"], orig.get("error")))
        text = open(base + ".retarget").read().split("\n")
        rc, first = text[0], text[1] if len(text) > 1 else ""
        p["retarget"] = {"0": "ok", "1": "refused"}.get(rc, "error")
        p["retarget_to"] = hook
        fact = None   # what went wrong, for an outcome that is neither a pass nor a refusal
        if rc == "1":
            m = REFUSAL.search(first)
            if not m:
                sys.exit("corpus: error: %s %s: retarget exited 1 without a refusal: %s"
                         % (fname, p["name"], first))
            p["retarget_refusal"] = short(m.group(1), 500)
            c["refused"] += 1
            reason = refusal_reason(p["retarget_refusal"])
            c["refusals"][reason] = c["refusals"].get(reason, 0) + 1
            continue
        if rc != "0":
            p["retarget_error"] = short(first) or "retarget exited %s without a message" % rc
            fact = "retarget exits %s: %s" % (rc, p["retarget_error"])
        else:
            got = report(base + ".rt.json", p["name"])
            p["retarget_verify"] = got["verdict"]
            if got["verdict"] != "pass":
                p["retarget_verify_class"] = got["error"]["class"]
                fact = "the retargeted program fails verify (%s): %s" % (
                    got["error"]["class"], short(got["error"]["message"]))
            else:
                o, r = orig["xlated_insns"], got["xlated_insns"]
                ok = retarget_within_budget(o, r)
                p["retarget_xlated"] = {"original": o, "retargeted": r, "within_budget": ok}
                ratios.append(r / o if o else float("inf"))
                within += ok
                drc, derr = open(base + ".diff").read().split("\n")[:2]
                if drc == "3":
                    p["retarget_diff"] = "skipped: " + short(derr)
                    fact = "diff-run cannot test-run it: " + short(derr)
                else:
                    d = json.load(open(base + ".diff.json"))
                    p["retarget_diff"] = {"compared": d["compared"], "divergent": d["divergent"],
                                          "maps_equal": d["maps_equal"]}
                    if d["compared"] == 0:
                        fact = "diff-run compares no packet (%s)" % "; ".join(
                            sorted(d["not_comparable_reasons"]))
                    elif d["divergent"]:
                        fd = d["first_divergence"]
                        fact = "diff-run: %d of %d packets diverge, first %s: %s" % (
                            d["divergent"], d["compared"], fd["packet"],
                            fd["detail"] or "%s vs %s" % (fd["verdict_a"], fd["verdict_b"]))
                    elif d["maps_equal"] is not True:
                        fact = "diff-run: maps %s" % ("differ" if d["maps_equal"] is False else
                                                      "not compared (%s)" % ", ".join(
                                                          d["nondeterministic_helpers"]))
        if fact is None:
            c["pass"] += 1
            continue
        c["other"] += 1
        key = next((k for k in ((fname, p["name"]), (fname, "*")) if k in causes), None)
        if key:
            used.add(key)
            p["retarget_exception"] = causes[key]
        else:
            p["retarget_exception"] = "unexplained: " + short(fact, 400)
            unexplained.append("%s %s: %s" % (fname, p["name"], fact))

for u in unexplained:
    print("corpus: warning: outcome without a cause in retarget-causes.tsv: " + u, file=sys.stderr)
for k in sorted(set(causes) - used):
    print("corpus: warning: stale line in retarget-causes.tsv (no such outcome now): %s %s"
          % k, file=sys.stderr)

s = {k: v for k, v in man["summary"].items() if not k.startswith("retarget_")}
for d in ("xdp", "tc"):
    c = counts[d]
    s["retarget_%s_programs" % d] = c["programs"]
    s["retarget_%s_pass" % d] = c["pass"]
    s["retarget_%s_refused" % d] = c["refused"]
    s["retarget_%s_other" % d] = c["other"]
    s["retarget_%s_refusals" % d] = dict(sorted(c["refusals"].items(), key=lambda kv: (-kv[1], kv[0])))
s["retarget_xlated_measured"] = len(ratios)
s["retarget_xlated_within_budget"] = within
s["retarget_xlated_max_ratio"] = round(max(ratios), 3) if ratios else 0
man["summary"] = s
sys.stdout.write(dumps(man))
PY
  die "writing the manifest failed"
chmod 0644 "$tmp_out"
mv -f -- "$tmp_out" "$MANIFEST"
tmp_out=
python3 - "$MANIFEST" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
for d, to in (("xdp", "tc"), ("tc", "xdp")):
    print("corpus: retarget %s -> %s: %d programs: pass %d, refused %d, other %d" % (
        d, to, s["retarget_%s_programs" % d], s["retarget_%s_pass" % d],
        s["retarget_%s_refused" % d], s["retarget_%s_other" % d]))
print("corpus: retarget xlated: %(retarget_xlated_within_budget)d of %(retarget_xlated_measured)d "
      "within budget, max ratio %(retarget_xlated_max_ratio)s" % s)
PY
say "updated $MANIFEST in $((SECONDS - T0)) s"
