#!/usr/bin/env bash
# corpus/make-manifest.sh - measure the networking part of the third-party corpus with clang-19
# and the running kernel, and write its record: corpus/records/<release>.json, the manifest of
# this kernel (`uname -r`; format: docs/corpus-manifest.md). The last stages,
# corpus/measure-extract.sh and measure-retarget.sh, add extract's and retarget's outcomes.
#
# Usage: corpus/make-manifest.sh [--kernel-record] [--dest DIR] [--out FILE] [-j N] [--keep DIR] [--bpfcarve PATH]
#   --kernel-record   also measure the harness table (measure-functions.sh) into
#                     records/<release>.harness.tsv: the running kernel's whole record
#   --dest DIR        corpus dir given to fetch.sh (default as in fetch.sh)
#   --out FILE        manifest to write (default: records/<release>.json beside this script)
#   -j N              parallel compiles and verifies (default: number of CPUs)
#   --keep DIR        keep objects, readelf dumps and logs in DIR instead of a removed temp dir
#   --bpfcarve PATH   the bpfcarve binary whose verify, extract and retarget are measured
#                     (default: build/release/bin/bpfcarve of this repository)
#
# Needs root (bpftool loads, and a private bpffs in an own mount namespace so that nothing is
# ever pinned in the host's /sys/fs/bpf; `bpfcarve verify` loads with pinning off, on the host).
# Exit codes: 0 written; 3 environment cannot do it (fetch.sh skipped, not root, no unshare, no
# bpfcarve binary); 2 bad usage; 1 other failure. Progress on stderr.
set -euo pipefail
export LC_ALL=C   # bytewise file order and English compiler messages: a reproducible manifest

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly HERE
readonly PROGS_REL=tools/testing/selftests/bpf/progs

usage() { sed -n '7,15s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
. "$HERE/lib.sh"

kernel_record=
args=()
for a in "$@"; do
  if [ "$a" = --kernel-record ]; then kernel_record=1; else args+=("$a"); fi
done
release=$(python3 -c 'import platform; print(platform.release())')
corpus_options --out "$HERE/records/$release.json" "${args[@]}"
out=$file_arg
corpus_require "bpftool loads programs and mounts a private bpffs" \
  clang-19 llvm-readelf-19 bpftool python3 unshare mount timeout xargs
unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace (unshare -m)"

T0=$SECONDS
corpus_fetch   # 3 (skipped) passes through for the test harness
# Scratch space: objects, ELF dumps and logs (--keep keeps them: debugging, or comparing objects
# with other loaders). tmp_out is the manifest being written, renamed over --out only when
# complete.
corpus_scratch manifest obj elf log verify

# ---------------------------------------------------------------- layout (written by fetch.sh)
# One "KEY<TAB>value" line per item; flags are the resolved default flags, one per line.
layout=$(cd "$dest" && pwd -P)/layout.json
python3 - "$layout" >"$SCRATCH/layout.tsv" <<'PY'
import json, sys
lay = json.load(open(sys.argv[1]))
print("VERSION\t" + lay["version"])
print("PACKAGE\t" + lay["package"])
print("SRC\t" + lay["source_root"])
for f in lay["default_flags"]:
    print("FLAG\t" + f)
PY
lv() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$SCRATCH/layout.tsv"; }
SRC=$(lv SRC)
mapfile -t FLAGS < <(awk -F'\t' '$1 == "FLAG" {print $2}' "$SCRATCH/layout.tsv")
PROGS=$SRC/$PROGS_REL
[ -d "$PROGS" ] || die "no $PROGS (run corpus/fetch.sh again)"

# ---------------------------------------------------------------- selection
# The networking subset of selftests/bpf/progs, same rule as reference/corpus-probe.sh (section
# 5): a file qualifies by its name (an "_"-separated token xdp*, tc*, sk, skb, skc, skmsg or cls,
# or a test_pkt* prefix) or by its content (a SEC("xdp..."), SEC("tc...") or SEC("classifier...")
# whose name ends there or continues with "/", "." or a quote).
name_is_net() {
  local tok toks
  [[ $1 == test_pkt* ]] && return 0
  IFS=_ read -ra toks <<<"$1"
  for tok in "${toks[@]}"; do
    case $tok in xdp*|tc*|sk|skb|skc|skmsg|cls) return 0 ;; esac
  done
  return 1
}
all=("$PROGS"/*.c)   # sorted bytewise: LC_ALL=C above
selected=()
for f in "${all[@]}"; do
  b=$(basename "$f" .c)
  if name_is_net "$b" || grep -qE 'SEC\("(xdp|tc|classifier)[/."]' "$f"; then
    selected+=("$b")
  fi
done
[ ${#selected[@]} -gt 0 ] || die "selection is empty"
say "selected ${#selected[@]} networking files of ${#all[@]} in $PROGS_REL"

# Extra flags per file, as the selftests Makefile has them: the *_noinline tests exist to
# exercise BPF-to-BPF calls, which only stay calls with -fno-inline.
extra_flags() {
  case $1 in
    test_l4lb_noinline|test_xdp_noinline) echo -fno-inline ;;
  esac
}
# The list the later steps read: NAME, then its extra flags (the manifest records them).
for b in "${selected[@]}"; do printf '%s\t%s\n' "$b" "$(extra_flags "$b")"; done >"$SCRATCH/selected.tsv"
cut -f1 "$SCRATCH/selected.tsv" >"$SCRATCH/selected.txt"

# ---------------------------------------------------------------- compile (parallel)
compile_one() { # NAME: compile progs/NAME.c; the object exists only on success
  local name=$1 x
  read -ra x <<<"$(extra_flags "$name")"
  if clang-19 "${FLAGS[@]}" "${x[@]}" -c "$PROGS/$name.c" -o "$SCRATCH/obj/$name.o.part" \
       2>"$SCRATCH/log/$name.cc"; then
    mv -f -- "$SCRATCH/obj/$name.o.part" "$SCRATCH/obj/$name.o"
  else
    rm -f -- "$SCRATCH/obj/$name.o.part"
  fi
}
export -f compile_one extra_flags
export SCRATCH PROGS
# Arrays cannot be exported to the xargs children; the flags go through a file, one per line.
printf '%s\n' "${FLAGS[@]}" >"$SCRATCH/flags.txt"
t=$SECONDS
say "compiling with $(clang-19 --version | head -n1), $jobs in parallel"
# shellcheck disable=SC2016  # $1 and $SCRATCH belong to the child shell
xargs -a "$SCRATCH/selected.txt" -P "$jobs" -I{} \
  bash -c 'mapfile -t FLAGS <"$SCRATCH/flags.txt"; compile_one "$1"' _ {}
n_ok=$(find "$SCRATCH/obj" -name '*.o' | wc -l)
say "compiled $n_ok of ${#selected[@]} in $((SECONDS - t)) s"

# ELF view of each object: sections and symbols, read by the manifest writer below.
for name in "${selected[@]}"; do
  o=$SCRATCH/obj/$name.o
  [ -f "$o" ] || continue
  llvm-readelf-19 --elf-output-style=JSON --sections --symbols "$o" >"$SCRATCH/elf/$name.json"
done

# ---------------------------------------------------------------- load (private bpffs)
host_before=$(ls -A /sys/fs/bpf 2>/dev/null || true)
t=$SECONDS
say "loading each object with bpftool prog loadall in a private bpffs"
# shellcheck disable=SC2016  # $1 and $2 belong to the child shell
unshare -m --propagation private bash -c \
  'mount -t bpf bpf /sys/fs/bpf && load_all "$1" "$2"' _ "$SCRATCH/selected.txt" "$SCRATCH/load.tsv" ||
  die "loading in the private mount namespace failed"
say "loaded: $(awk -F'\t' '$2 == "ok"' "$SCRATCH/load.tsv" | wc -l) of $n_ok objects in $((SECONDS - t)) s"
if [ "$(ls -A /sys/fs/bpf 2>/dev/null || true)" != "$host_before" ]; then
  say "warning: the host's /sys/fs/bpf changed during the run (another loader on this machine?)"
fi

# ---------------------------------------------------------------- verify (each program alone)
# `bpfcarve verify OBJ --format json` loads every program of the object alone (the others with
# autoload off, prog-array slot targets along) with pinning off, so it runs on the host: the
# listing of /sys/fs/bpf is compared before and after. Exit 0/1/3 (all pass / a fail / only
# skips) all come with a report; anything else (bad input, internal error, timeout) stops here.
verify_one() { # NAME
  local name=$1 rc=0
  timeout --foreground "$LOAD_TIMEOUT" "$BPFCARVE" verify "$SCRATCH/obj/$name.o" --format json \
    >"$SCRATCH/verify/$name.json.part" 2>"$SCRATCH/log/$name.verify" || rc=$?
  case $rc in
    0|1|3) mv -f -- "$SCRATCH/verify/$name.json.part" "$SCRATCH/verify/$name.json" ;;
    *) echo "corpus: error: bpfcarve verify $name.o exited $rc: $(head -n1 "$SCRATCH/log/$name.verify")" >&2
       return 255 ;;   # 255 makes xargs stop at once
  esac
}
export -f verify_one
export BPFCARVE
host_before=$(ls -A /sys/fs/bpf 2>/dev/null || true)
t=$SECONDS
say "verifying each program alone with $BPFCARVE verify, $jobs in parallel"
find "$SCRATCH/obj" -name '*.o' -printf '%f\n' | sed 's/\.o$//' | sort >"$SCRATCH/compiled.txt"
# shellcheck disable=SC2016  # $1 belongs to the child shell
xargs -a "$SCRATCH/compiled.txt" -P "$jobs" -I{} bash -c 'verify_one "$1"' _ {} ||
  die "bpfcarve verify failed on an object (see above)"
say "verified $(wc -l <"$SCRATCH/compiled.txt") objects in $((SECONDS - t)) s"
if [ "$(ls -A /sys/fs/bpf 2>/dev/null || true)" != "$host_before" ]; then
  say "warning: the host's /sys/fs/bpf changed during bpfcarve verify (it must pin nothing; another loader?)"
fi

# ---------------------------------------------------------------- manifest
VERSION=$(lv VERSION) PACKAGE=$(lv PACKAGE)
COMPILER=$(clang-19 --version | head -n1 | sed -E 's/.*version //')
BPFTOOL=$(bpftool version | awk 'NR == 1 {sub(/^v/, "", $2); print $2} /^using libbpf/ {sub(/^v/, "", $3); print $3}' | paste -sd ' ')
export SCRATCH SRC VERSION PACKAGE COMPILER BPFTOOL HERE
tmp_out=$(mktemp "$(dirname "$out")/.manifest.XXXXXX")
python3 - "$layout" >"$tmp_out" <<'PY' || die "writing the manifest failed"
import json, os, platform, re, sys

env = os.environ
scratch = env["SCRATCH"]
lay = json.load(open(sys.argv[1]))
# Placeholders instead of this machine's paths: the longest value first so SELFTESTS (inside
# SRC) is not turned into ${SRC}/tools/....
subst = sorted(lay["vars"].items(), key=lambda kv: -len(kv[1]))

def unresolve(s):
    for k, v in subst:
        s = s.replace(v, "${%s}" % k)
    return s

def first_error(path):
    with open(path, errors="replace") as f:
        for line in f:
            if re.search(r"\berror:", line):
                line = line.rstrip("\n").replace(lay["source_root"] + "/", "")
                return unresolve(line)
    return "compiler failed without an error line"

def programs(path):
    """(programs, open_error): the programs libbpf 1.1 makes of the object, read from its ELF
    symbols. A program is a FUNC symbol in an executable (SHF_EXECINSTR) section other than
    .text, named by the symbol, in the order libbpf sorts them (section, then offset). A leading
    '?' of the section name only switches autoload off; libbpf drops it from the name.
    libbpf refuses to open some objects at all; then there are no programs and open_error says
    why: a legacy iproute2 "maps" section, or a static function in a program section."""
    elf = json.load(open(path))[0]
    execsec, legacy_maps = {}, False
    for s in elf["Sections"]:
        s = s["Section"]
        name, flags = s["Name"]["Name"], {f["Name"] for f in s["Flags"]["Flags"]}
        if s["Type"]["Name"] != "SHT_PROGBITS":
            continue
        if name == "maps":
            legacy_maps = True
        elif "SHF_EXECINSTR" in flags and name != ".text":
            execsec[s["Index"]] = name
    progs, static = [], False
    for y in elf.get("Symbols", []):
        y = y["Symbol"]
        idx = y["Section"]["Value"]
        if y["Type"]["Name"] != "Function" or idx not in execsec:
            continue
        static |= y["Binding"]["Name"] == "Local"
        sec = execsec[idx]
        p = {"name": y["Name"]["Name"], "section": sec[1:] if sec.startswith("?") else sec}
        if sec.startswith("?"):
            p["autoload"] = False
        progs.append((idx, y["Value"], p))
    if legacy_maps:
        return [], "legacy-maps-section"
    if static:
        return [], "static-program"
    return [p for _, _, p in sorted(progs, key=lambda t: (t[0], t[1]))], None

def short_message(msg, name):
    """verify's message, one line, without this machine's paths (the object is named by its file
    name, sources by placeholders), at most 120 characters."""
    msg = " ".join(msg.split())
    msg = msg.replace(os.path.join(scratch, "obj", name + ".o"), name + ".o")
    msg = unresolve(msg.replace(lay["source_root"] + "/", ""))
    return msg if len(msg) <= 120 else msg[:117] + "..."

def verify_results(e, name):
    """Adds verify's outcome to the entry: per program verdict (and class, message when not
    pass) in programs[]; for an object libbpf refuses to open, verify_object instead."""
    rep = json.load(open(os.path.join(scratch, "verify", name + ".json")))
    got = rep["programs"]
    if "libbpf_open_error" in e:
        # verify names the ELF's programs, each failing with the same object-level error.
        errs = {(p["error"]["class"], p["error"]["message"]) for p in got if p.get("error")}
        if len(errs) != 1 or any(p["verdict"] != "fail" for p in got):
            sys.exit("corpus: error: %s: expected one object-level verify failure, got %r" % (name, got))
        cls, msg = errs.pop()
        e["verify_object"] = {"class": cls, "message": short_message(msg, name)}
        return
    if [p["name"] for p in got] != [p["name"] for p in e["programs"]]:
        sys.exit("corpus: error: %s: verify reports programs %r, libbpf reads %r" % (
            name, [p["name"] for p in got], [p["name"] for p in e["programs"]]))
    for p, v in zip(e["programs"], got):
        p["verify"] = v["verdict"]
        if v["verdict"] != "pass":
            p["verify_class"] = v["error"]["class"]
            p["verify_message"] = short_message(v["error"]["message"], name)

# What each bpftool cause looks like to verify when every program fails for the same reason.
SAME_CAUSE = {
    "legacy-maps-section": {"open"},
    "unknown-SEC-name": {"open"},
    "malformed-BTF-map": {"open"},
    "needs-bpf_testmod-ksym": {"unresolved_ksym"},
    "unresolved-extern": {"unresolved_ksym"},
    "verifier-1M-insn-limit": {"complexity"},
    "helper-not-allowed-on-this-kernel": {"helper_not_allowed"},
    "needs-attach-target": {"needs_attach_target"},
    "map-needs-userspace-setup": {"map_create"},
    "EPERM-tracing-prog": {"permission"},
    "verifier-reject": {"ctx_access", "packet_bounds", "helper_not_allowed", "return_range",
                        "map_compat", "complexity", "verifier_other"},
}
# Why a whole-object load fails where loading each program alone passes some of them.
WHY_PARTIAL = {
    "bpftool-autoload-off-prog": "bpftool cannot pin the SEC(\"?...\") programs it did not load; verify loads each alone",
    "EPERM-tracing-prog": "fentry/fexit/LSM are not permitted here, the other programs load",
}

def vs_bpftool(e):
    """Why verify's per-program verdicts differ from bpftool's whole-object load, or None when
    they agree (bpftool loads it and every program passes; or bpftool fails and every program
    fails for the same cause). A short stable string chosen by rules, never by hand."""
    if "verify_object" in e:
        verdicts, classes = ["fail"], [e["verify_object"]["class"]]
    else:
        verdicts = [p["verify"] for p in e["programs"]]
        classes = [p["verify_class"] for p in e["programs"] if p["verify"] != "pass"]
    counts = ", ".join("%d %s" % (verdicts.count(v), v)
                       for v in ("pass", "fail", "skipped") if v in verdicts)
    if e["load_bpftool"] == "ok":
        if set(verdicts) <= {"pass"}:
            return None
        return ("bpftool: loads whole; verify: %s (%s) - verify must never fail a program "
                "the kernel accepts" % (counts, ", ".join(sorted(set(classes)))))
    cause = e["load_bpftool_cause"]
    head = "bpftool: %s (whole object); verify: " % cause
    if "pass" in verdicts:
        why = WHY_PARTIAL.get(cause, "a failing program blocks the others in a whole-object load")
        return head + "per program, %s (%s)" % (counts, why)
    if set(verdicts) == {"skipped"}:
        return head + "every program skipped (%s: the kernel forbids the type here)" % (
            ", ".join(sorted(set(classes))))
    if set(verdicts) == {"fail"} and set(classes) <= SAME_CAUSE.get(cause, set()):
        return None
    return head + "per program, %s, classes %s (not the cause bpftool hit)" % (
        counts, ", ".join(sorted(set(classes))))

load = {}
with open(os.path.join(scratch, "load.tsv")) as f:
    for line in f:
        name, st, cause = line.rstrip("\n").split("\t")[:3]
        load[name] = (st, cause)

files = []
for line in open(os.path.join(scratch, "selected.tsv")):
    name, extra = line.rstrip("\n").split("\t")
    e = {"path": "tools/testing/selftests/bpf/progs/%s.c" % name, "flags": extra.split()}
    obj = os.path.join(scratch, "obj", name + ".o")
    if os.path.exists(obj):
        e["compile"] = "ok"
        e["programs"], open_error = programs(os.path.join(scratch, "elf", name + ".json"))
        if open_error:
            e["libbpf_open_error"] = open_error
        verify_results(e, name)
        st, cause = load[name]
        e["load_bpftool"] = st
        if st == "fail":
            e["load_bpftool_cause"] = cause
        why = vs_bpftool(e)
        if why:
            e["verify_vs_bpftool"] = why
    else:
        e["compile"] = "fail"
        e["compile_error"] = first_error(os.path.join(scratch, "log", name + ".cc"))
        e["programs"] = []
    files.append(e)

loading = [e for e in files if e.get("load_bpftool") == "ok"]
progs_loading = [p for e in loading for p in e["programs"]]
all_progs = [p for e in files for p in e["programs"]]

def is_xdp(p):
    return p["section"] == "xdp" or p["section"].startswith(("xdp/", "xdp."))

def verdicts(progs, suffix=""):
    return {"verify_%s%s" % (v, suffix): sum(p.get("verify") == v for p in progs)
            for v in ("pass", "fail", "skipped")}

verify_classes = {}
for p in all_progs:
    if "verify_class" in p:
        verify_classes[p["verify_class"]] = verify_classes.get(p["verify_class"], 0) + 1
bpftool_ver, libbpf_ver = (env["BPFTOOL"].split() + ["?", "?"])[:2]
manifest = {
    "manifest_version": 1,
    "source": {"package": env["PACKAGE"], "version": env["VERSION"]},
    "compiler": "clang-19 " + env["COMPILER"],
    "measured_on": {"kernel": platform.release(), "bpftool": bpftool_ver, "libbpf": libbpf_ver},
    "common_flags": [unresolve(f) for f in lay["default_flags"]],
    "summary": {
        "files": len(files),
        "compile_ok": sum(e["compile"] == "ok" for e in files),
        "load_bpftool_ok": len(loading),
        "programs_in_loading_objects": len(progs_loading),
        "xdp_programs_in_loading_objects": sum(map(is_xdp, progs_loading)),
        "programs": len(all_progs),
        **verdicts(all_progs),
        "verify_object_fail": sum("verify_object" in e for e in files),
        **verdicts(progs_loading, "_in_loading_objects"),
        "xdp_programs": sum(map(is_xdp, all_progs)),
        "xdp_verify_pass": sum(is_xdp(p) and p.get("verify") == "pass" for p in all_progs),
        "verify_differs_from_bpftool": sum("verify_vs_bpftool" in e for e in files),
        "verify_classes": dict(sorted(verify_classes.items())),
    },
    "files": files,
}

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, env["HERE"])
from manifest_json import dumps  # noqa: E402  (the printer measure-extract.sh shares)
sys.stdout.write(dumps(manifest))
PY
# ---------------------------------------------------------------- extract (measure-extract.sh)
# Adds the extract fields to the manifest being written, so --out only ever holds a whole one.
extract_keep=()
if [ -n "$keep" ]; then extract_keep=(--keep "$SCRATCH/extract"); fi
"$HERE/measure-extract.sh" --dest "$dest" --manifest "$tmp_out" -j "$jobs" --bpfcarve "$BPFCARVE" \
  "${extract_keep[@]}" || die "the extract stage (measure-extract.sh) failed"
# ---------------------------------------------------------------- retarget (measure-retarget.sh)
# Adds the retarget fields (XDP -> tc, tc -> XDP) the same way.
retarget_keep=()
if [ -n "$keep" ]; then retarget_keep=(--keep "$SCRATCH/retarget"); fi
"$HERE/measure-retarget.sh" --dest "$dest" --manifest "$tmp_out" -j "$jobs" --bpfcarve "$BPFCARVE" \
  "${retarget_keep[@]}" || die "the retarget stage (measure-retarget.sh) failed"

chmod 0644 "$tmp_out"   # mktemp creates 0600; the manifest is a normal repository file
mv -f -- "$tmp_out" "$out"
tmp_out=
python3 - "$out" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print("corpus: files %(files)d, compile ok %(compile_ok)d, bpftool load ok %(load_bpftool_ok)d, "
      "programs in loading objects %(programs_in_loading_objects)d, "
      "XDP among them %(xdp_programs_in_loading_objects)d" % s)
print("corpus: verify: programs %(programs)d: pass %(verify_pass)d, fail %(verify_fail)d, "
      "skipped %(verify_skipped)d (+%(verify_object_fail)d objects libbpf cannot open); in loading "
      "objects: pass %(verify_pass_in_loading_objects)d, fail %(verify_fail_in_loading_objects)d, "
      "skipped %(verify_skipped_in_loading_objects)d; XDP pass %(xdp_verify_pass)d of "
      "%(xdp_programs)d; %(verify_differs_from_bpftool)d objects differ from bpftool" % s)
PY
say "wrote $out in $((SECONDS - T0)) s"
# ---------------------------------------------------------------- harness (measure-functions.sh)
if [ -n "$kernel_record" ]; then
  functions_keep=()
  if [ -n "$keep" ]; then functions_keep=(--keep "$SCRATCH/functions"); fi
  "$HERE/measure-functions.sh" --dest "$dest" --manifest "$out" \
    --out "$(dirname "$out")/$(basename "$out" .json).harness.tsv" -j "$jobs" \
    --bpfcarve "$BPFCARVE" "${functions_keep[@]}" || die "the harness stage (measure-functions.sh) failed"
fi
