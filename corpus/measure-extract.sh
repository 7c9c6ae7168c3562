#!/usr/bin/env bash
# corpus/measure-extract.sh - measure `bpfcarve extract --program` on every program of the corpus
# objects bpftool loads whole, and record the outcome in the manifest (docs/corpus-manifest.md,
# "Extract").
#
# Usage: corpus/measure-extract.sh [--dest DIR] [--manifest FILE] [-j N] [--keep DIR] [--bpfcarve PATH]
#   --dest DIR        corpus dir given to fetch.sh (default as in fetch.sh)
#   --manifest FILE   manifest to read and update in place (default: the running kernel's record,
#                     records/<release>.json); make-manifest.sh runs this script on the one it writes
#   -j N              programs measured in parallel (default: number of CPUs)
#   --keep DIR        keep objects, slices, reports and logs in DIR instead of a removed temp dir
#   --bpfcarve PATH   the bpfcarve binary measured (default: build/release/bin/bpfcarve)
#
# For each program P of each file with "load_bpftool": "ok", with the file's flags (common_flags
# resolved by layout.json, then the file's own flags, e.g. -fno-inline):
#   bpfcarve extract SRC --program P -o SLICE.c -- FLAGS
#   bpfcarve verify SLICE.c --program P --format json -- FLAGS
#   bpfcarve verify OBJ --program P --format json        (OBJ: clang-19 FLAGS -c SRC)
# and writes per program extract, extract_error, extract_verify(_class), extract_xlated(_original,
# _slice) and extract_exception, plus the summary counts. The cause of each exception comes from
# corpus/extract-causes.tsv (found by investigation, one line per file or program); an exception
# without a cause is recorded as "unexplained: ..." and reported, a cause without an exception is
# reported as stale.
#
# Needs root (verify loads programs; with pinning off, on the host). Exit codes: 0 written; 3 the
# environment cannot do it (fetch.sh skipped, not root, no bpfcarve binary); 2 bad usage; 1 other
# failure. Progress on stderr.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly HERE

usage() { sed -n '5,12s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
. "$HERE/lib.sh"

release=$(python3 -c 'import platform; print(platform.release())')
corpus_options --manifest "$HERE/records/$release.json" "$@"
manifest=$file_arg
[ -f "$manifest" ] || die "no manifest $manifest (corpus/make-manifest.sh writes it)"
corpus_require "bpfcarve verify loads programs into the kernel" clang-19 python3 timeout xargs
MANIFEST=$(cd "$(dirname "$manifest")" && pwd -P)/$(basename "$manifest")

T0=$SECONDS
corpus_fetch
corpus_scratch extract flags source obj slice out

# ---------------------------------------------------------------- what to measure
# flags/NAME: the file's resolved flags, one per line; source/NAME: its path; files.txt: NAME;
# programs.txt: NAME PROGRAM. NAME is the file name without .c (unique in progs/); program names
# are C identifiers.
LAYOUT=$(cd "$dest" && pwd -P)/layout.json
python3 - "$LAYOUT" "$MANIFEST" "$SCRATCH" <<'PY' || die "reading $MANIFEST failed"
import json, os, sys
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
        name = os.path.basename(e["path"])[:-2]
        with open(os.path.join(scratch, "flags", name), "w") as f:
            f.write("".join(resolve(x) + "\n" for x in man["common_flags"] + e["flags"]))
        with open(os.path.join(scratch, "source", name), "w") as f:
            f.write(os.path.join(lay["source_root"], e["path"]))
        files.write(name + "\n")
        for p in e["programs"]:
            progs.write("%s %s\n" % (name, p["name"]))
PY
say "measuring extract on $(wc -l <"$SCRATCH/programs.txt") programs of $(wc -l <"$SCRATCH/files.txt") objects, $jobs in parallel"

# ---------------------------------------------------------------- originals
compile_one() { # NAME
  local flags src
  mapfile -t flags <"$SCRATCH/flags/$1"
  src=$(cat "$SCRATCH/source/$1")
  clang-19 "${flags[@]}" -c "$src" -o "$SCRATCH/obj/$1.o" 2>"$SCRATCH/out/$1.cc" ||
    { echo "corpus: error: clang-19 fails on $src (it compiled for the manifest)" >&2; return 255; }
}
# ---------------------------------------------------------------- extract, verify both
# out/NAME.P.extract: extract's exit code, then its first stderr line; out/NAME.P.slice.json and
# out/NAME.P.orig.json: verify's reports. verify exits 0/1/3 with a report; anything else stops
# the run (255 makes xargs stop at once).
verify_to() { # OUT ARGS...: verify with a report, or stop the run
  local out=$1 rc=0
  shift
  timeout --foreground "$TIMEOUT" "$BPFCARVE" verify --format json "$@" >"$out.part" 2>"$out.err" || rc=$?
  case $rc in
    0|1|3) mv -f -- "$out.part" "$out" ;;
    *) echo "corpus: error: bpfcarve verify $* exited $rc: $(head -n1 "$out.err")" >&2; return 255 ;;
  esac
}
measure_one() { # NAME PROGRAM
  local name=$1 prog=$2 flags src rc=0 base=$SCRATCH/out/$1.$2
  mapfile -t flags <"$SCRATCH/flags/$name"
  src=$(cat "$SCRATCH/source/$name")
  timeout --foreground "$TIMEOUT" "$BPFCARVE" extract "$src" --program "$prog" \
    -o "$SCRATCH/slice/$name.$prog.c" -- "${flags[@]}" 2>"$base.extract.err" || rc=$?
  case $rc in
    0|2|4) ;;   # 2: refused (bad input), 4: self-check failed; both are outcomes to record
    *) echo "corpus: error: bpfcarve extract $name.c --program $prog exited $rc: $(head -n1 "$base.extract.err")" >&2
       return 255 ;;
  esac
  printf '%s\n%s\n' "$rc" "$(head -n1 "$base.extract.err")" >"$base.extract"
  if [ "$rc" -eq 0 ]; then
    verify_to "$base.slice.json" "$SCRATCH/slice/$name.$prog.c" --program "$prog" -- "${flags[@]}" ||
      return 255
  fi
  verify_to "$base.orig.json" "$SCRATCH/obj/$name.o" --program "$prog" || return 255
}
export -f compile_one verify_to measure_one
export SCRATCH BPFCARVE TIMEOUT
t=$SECONDS
# shellcheck disable=SC2016  # $1 and $2 belong to the child shell
xargs -a "$SCRATCH/files.txt" -P "$jobs" -n 1 bash -c 'compile_one "$1"' _ ||
  die "compiling the originals failed (see above)"
# shellcheck disable=SC2016
xargs -a "$SCRATCH/programs.txt" -P "$jobs" -n 2 bash -c 'measure_one "$1" "$2"' _ ||
  die "measuring extract failed (see above)"
say "measured in $((SECONDS - t)) s"

# ---------------------------------------------------------------- manifest
tmp_out=$(mktemp "$(dirname "$MANIFEST")/.manifest.XXXXXX")
python3 - "$LAYOUT" "$MANIFEST" "$SCRATCH" "$HERE/extract-causes.tsv" >"$tmp_out" <<'PY' ||
import json, os, re, sys

lay, man = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
scratch, causes_file = sys.argv[3], sys.argv[4]
out = os.path.join(scratch, "out")
sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.environ["HERE"])
from manifest_json import short_message  # noqa: E402

def short(msg):
    return short_message(msg, lay, os.path.join(scratch, "slice"))

def report(path, prog):
    rep = json.load(open(path))
    got = [p for p in rep["programs"] if p["name"] == prog]
    if len(got) != 1:
        sys.exit("corpus: error: %s: no single report for %s" % (path, prog))
    return got[0]

# corpus/extract-causes.tsv: FILE<TAB>PROGRAM or *<TAB>cause; # comments, blank lines.
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

counts = {"extract_programs": 0, "extract_ok": 0, "extract_verify_pass": 0,
          "extract_xlated_equal": 0, "extract_exceptions": 0}
unexplained = []
for e in man["files"]:
    if e.get("load_bpftool") != "ok":
        continue
    fname = os.path.basename(e["path"])
    name = fname[:-2]
    for p in e["programs"]:
        for k in [k for k in p if k.startswith("extract")]:
            del p[k]   # a new measurement replaces the old one
        base = os.path.join(out, "%s.%s" % (name, p["name"]))
        counts["extract_programs"] += 1
        orig = report(base + ".orig.json", p["name"])
        if orig["verdict"] != "pass":
            sys.exit("corpus: error: %s %s: the original does not pass verify (%s): nothing to "
                     "compare the slice with" % (fname, p["name"], orig.get("error")))
        rc, first = open(base + ".extract").read().split("\n")[:2]
        fact = None   # what went wrong, for an exception without a cause
        if rc != "0":
            p["extract"] = "fail"
            p["extract_error"] = short(first) or "extract exited %s without a message" % rc
            fact = "extract fails: " + p["extract_error"]
        else:
            p["extract"] = "ok"
            counts["extract_ok"] += 1
            got = report(base + ".slice.json", p["name"])
            p["extract_verify"] = got["verdict"]
            if got["verdict"] != "pass":
                p["extract_verify_class"] = got["error"]["class"]
                fact = "slice fails verify (%s): %s" % (got["error"]["class"],
                                                        short(got["error"]["message"]))
            else:
                counts["extract_verify_pass"] += 1
                if got["xlated_insns"] == orig["xlated_insns"]:
                    p["extract_xlated"] = "equal"
                    counts["extract_xlated_equal"] += 1
                else:
                    p["extract_xlated"] = "differs"
                    p["extract_xlated_original"] = orig["xlated_insns"]
                    p["extract_xlated_slice"] = got["xlated_insns"]
                    fact = "xlated %d instructions, the original %d" % (
                        got["xlated_insns"], orig["xlated_insns"])
        if fact is None:
            continue
        counts["extract_exceptions"] += 1
        key = next((k for k in ((fname, p["name"]), (fname, "*")) if k in causes), None)
        if key:
            used.add(key)
            p["extract_exception"] = causes[key]
        else:
            p["extract_exception"] = "unexplained: " + fact
            unexplained.append("%s %s: %s" % (fname, p["name"], fact))

for u in unexplained:
    print("corpus: warning: exception without a cause in extract-causes.tsv: " + u, file=sys.stderr)
for k in sorted(set(causes) - used):
    print("corpus: warning: stale line in extract-causes.tsv (no such exception now): %s %s"
          % k, file=sys.stderr)

s = {k: v for k, v in man["summary"].items() if not k.startswith("extract_")}
s.update(counts)
man["summary"] = s
sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.environ["HERE"])
from manifest_json import dumps  # noqa: E402
sys.stdout.write(dumps(man))
PY
  die "writing the manifest failed"
chmod 0644 "$tmp_out"
mv -f -- "$tmp_out" "$MANIFEST"
tmp_out=
python3 - "$MANIFEST" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print("corpus: extract: %(extract_programs)d programs: extract ok %(extract_ok)d, slice passes "
      "verify %(extract_verify_pass)d, xlated equal %(extract_xlated_equal)d, exceptions "
      "%(extract_exceptions)d" % s)
PY
say "updated $MANIFEST in $((SECONDS - T0)) s"
