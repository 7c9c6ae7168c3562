#!/usr/bin/env bash
# corpus/measure-reference.sh - the live reference the corpus tests compare bpfcarve with: every
# compiling file of the corpus record compiled with clang-19 under its flags and loaded whole by
# `bpftool prog loadall` in a private bpffs, on the kernel running now. Written as JSON
# (docs/corpus-manifest.md, "Live reference"); the ctest fixture `corpus_reference` runs it once
# per test run, and a corpus test run alone runs it for its own file.
#
# Usage: corpus/measure-reference.sh --out FILE [--file PATH]... [--manifest FILE] [--dest DIR] [-j N] [--keep DIR]
#   --out FILE        the reference written (atomically)
#   --file PATH       only this file of the manifest (its path there); repeatable
#   --manifest FILE   the record whose files and flags are used (default: the running kernel's
#                     record, records/<release>.json, or the nearest one)
#   --dest DIR        corpus dir given to fetch.sh (default as in fetch.sh)
#   -j N              parallel compiles (default: number of CPUs)
#   --keep DIR        keep objects and logs in DIR instead of a removed temp dir
#
# Needs root (bpftool loads; the private bpffs lives in an own mount namespace, so nothing is
# ever pinned in the host's /sys/fs/bpf). Exit codes: 0 written; 3 the environment cannot do it
# (no corpus, not root, no unshare); 2 bad usage; 1 other failure. Progress on stderr.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly HERE

usage() { sed -n '9,15s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
. "$HERE/lib.sh"

manifest=
only=()
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift 2 ;;
    --file) [ $# -ge 2 ] || usage; only+=("$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
corpus_options --out "" "${args[@]}"
out=$file_arg
[ -n "$out" ] || usage
bpfcarve=   # bpftool is the reference: no bpfcarve binary is needed
corpus_require "bpftool loads programs and mounts a private bpffs" \
  clang-19 bpftool python3 unshare mount timeout xargs
unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace (unshare -m)"
[ -n "$manifest" ] || manifest=$(corpus_record .json)
[ -f "$manifest" ] || die "no corpus record to read files and flags from (run corpus/make-manifest.sh)"

T0=$SECONDS
corpus_fetch
corpus_scratch reference obj log
LAYOUT=$(cd "$dest" && pwd -P)/layout.json

# NAME<TAB>manifest path<TAB>source, and flags/NAME (one flag a line), for the compiling files
# asked for.
mkdir -p "$SCRATCH/flags"
python3 - "$LAYOUT" "$manifest" "$SCRATCH" "${only[@]}" >"$SCRATCH/files.tsv" <<'PY' || die "reading $manifest failed"
import json, os, sys
lay, man, scratch, only = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4:]


def subst(flag):
    for k, v in lay["vars"].items():
        flag = flag.replace("${%s}" % k, v)
    return flag


paths = [f["path"] for f in man["files"]]
for p in only:
    if p not in paths:
        sys.exit("corpus: error: %s is not a file of %s" % (p, sys.argv[2]))
for f in man["files"]:
    if f["compile"] != "ok" or (only and f["path"] not in only):
        continue
    name = os.path.basename(f["path"])[:-2]
    with open(os.path.join(scratch, "flags", name), "w") as out:
        out.write("\n".join(subst(x) for x in man["common_flags"] + f["flags"]) + "\n")
    print("%s\t%s\t%s/%s" % (name, f["path"], lay["source_root"], f["path"]))
PY
cut -f1 "$SCRATCH/files.tsv" >"$SCRATCH/names.txt"

reference_compile() { # NAME SOURCE: the object exists only on success
  local flags
  mapfile -t flags <"$SCRATCH/flags/$1"
  if clang-19 "${flags[@]}" -c "$2" -o "$SCRATCH/obj/$1.o.part" 2>"$SCRATCH/log/$1.cc"; then
    mv -f -- "$SCRATCH/obj/$1.o.part" "$SCRATCH/obj/$1.o"
  else
    rm -f -- "$SCRATCH/obj/$1.o.part"
  fi
}
export -f reference_compile
export SCRATCH
t=$SECONDS
# shellcheck disable=SC2016  # $1 and $2 belong to the child shell
cut -f1,3 "$SCRATCH/files.tsv" | tr '\t' '\n' | xargs -d '\n' -n 2 -P "$jobs" bash -c 'reference_compile "$1" "$2"' _
say "reference: compiled $(find "$SCRATCH/obj" -name '*.o' | wc -l) of $(wc -l <"$SCRATCH/names.txt") files in $((SECONDS - t)) s"

t=$SECONDS
# shellcheck disable=SC2016  # $1 and $2 belong to the child shell
unshare -m --propagation private bash -c \
  'mount -t bpf bpf /sys/fs/bpf && load_all "$1" "$2"' _ "$SCRATCH/names.txt" "$SCRATCH/load.tsv" ||
  die "loading in the private mount namespace failed"
say "reference: bpftool loads $(awk -F'\t' '$2 == "ok"' "$SCRATCH/load.tsv" | wc -l) objects whole in $((SECONDS - t)) s"

BPFTOOL=$(bpftool version | sed -n 1p)   # sed reads it all: no SIGPIPE under pipefail
export BPFTOOL
tmp_out=$(mktemp "$(dirname "$out")/.reference.XXXXXX")
python3 - "$SCRATCH" "$manifest" >"$tmp_out" <<'PY' || die "writing the reference failed"
import json, os, platform, sys
scratch, manifest = sys.argv[1], sys.argv[2]
load = {}
for line in open(os.path.join(scratch, "load.tsv")):
    name, st, cause, prog, errno = line.rstrip("\n").split("\t")
    load[name] = {"load_bpftool": st}
    if st == "fail":
        load[name]["load_bpftool_cause"] = cause
    if prog:
        load[name]["failed_program"] = prog
        load[name]["errno"] = int(errno)
files = {}
for line in open(os.path.join(scratch, "files.tsv")):
    name, path, _ = line.rstrip("\n").split("\t")
    if name in load:
        files[path] = load[name]
    else:
        err = [l.strip() for l in open(os.path.join(scratch, "log", name + ".cc")) if "error:" in l]
        files[path] = {"compile": "fail", "compile_error": err[0] if err else "clang-19 failed"}
json.dump({"kernel": platform.release(), "bpftool": os.environ["BPFTOOL"],
           "record": os.path.basename(manifest), "files": files}, sys.stdout, indent=1, sort_keys=True)
print()
PY
chmod 0644 "$tmp_out"
mv -f -- "$tmp_out" "$out"
tmp_out=
say "reference: wrote $out in $((SECONDS - T0)) s"
