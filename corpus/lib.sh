# corpus/lib.sh - what the corpus measurement scripts share: messages, the common options, the
# environment checks, the corpus download and a private scratch directory removed on every exit.
# Sourced, not run, by make-manifest.sh, measure-reference.sh, measure-extract.sh,
# measure-retarget.sh and measure-functions.sh; each
# defines HERE and usage() (its own header's option lines) before sourcing it.

readonly TIMEOUT=300   # seconds per bpfcarve run
readonly LOAD_TIMEOUT=300   # seconds per whole-object load; the 1M-insn verifier case takes far less
export HERE            # the scripts' Python parts import manifest_json from there

say() { printf 'corpus: %s\n' "$*" >&2; }
skip() { printf 'corpus: skipped: %s\n' "$*" >&2; exit 3; }
die() { printf 'corpus: error: %s\n' "$*" >&2; exit 1; }

# corpus_options FILE-OPTION DEFAULT ARGS...: parses --dest DIR, -j N, --keep DIR,
# --bpfcarve PATH and the script's own FILE-OPTION (--manifest or --out), whose value lands in
# file_arg (DEFAULT when not given). Sets dest, jobs, keep, bpfcarve, file_arg.
corpus_options() {
  local file_opt=$1
  file_arg=$2
  shift 2
  dest=${BPFCARVE_CORPUS_DIR:-$HOME/.cache/bpfcarve/corpus}
  jobs=$(nproc)
  keep=
  bpfcarve=$HERE/../build/release/bin/bpfcarve
  while [ $# -gt 0 ]; do
    case $1 in
      --dest) [ $# -ge 2 ] || usage; dest=$2; shift 2 ;;
      "$file_opt") [ $# -ge 2 ] || usage; file_arg=$2; shift 2 ;;
      -j|--jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
      --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
      --bpfcarve) [ $# -ge 2 ] || usage; bpfcarve=$2; shift 2 ;;
      -h|--help) usage 0 ;;
      *) printf 'corpus: error: unknown argument: %s\n' "$1" >&2; usage ;;
    esac
  done
  [[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
}

# corpus_require WHY TOOL...: skips (exit 3) without one of the tools, without root (WHY says
# what needs it) or without the bpfcarve binary (unless bpfcarve is empty); sets BPFCARVE to the
# binary's absolute path.
corpus_require() {
  local why=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "missing tool $tool (run scripts/setup.sh)"
  done
  [ "$(id -u)" -eq 0 ] || skip "needs root: $why"
  [ -n "$bpfcarve" ] || return 0   # a script that does not run bpfcarve empties it first
  if [ ! -f "$bpfcarve" ] || [ ! -x "$bpfcarve" ]; then
    skip "no bpfcarve binary at $bpfcarve (cmake --build build/release --target bpfcarve, or --bpfcarve PATH)"
  fi
  BPFCARVE=$(cd "$(dirname "$bpfcarve")" && pwd -P)/$(basename "$bpfcarve")
}

# corpus_fetch: the corpus in $dest (fetch.sh; its exit code when it cannot).
corpus_fetch() {
  local rc=0
  "$HERE/fetch.sh" --dest "$dest" || rc=$?
  [ "$rc" -eq 0 ] || exit "$rc"
}

# corpus_scratch NAME SUBDIR...: SCRATCH is --keep's directory (its SUBDIRs emptied) or a private
# mktemp directory, removed on exit (also on SIGINT/SIGTERM/SIGHUP) with the half-written output
# tmp_out names. TMPDIR points inside it: what bpfcarve keeps in a temp dir (a failed self-check's
# output) and diff-run's scratch go away with the rest.
corpus_scratch() {
  local name=$1 d
  shift
  SCRATCH='' tmp_out=''
  trap corpus_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  if [ -n "$keep" ]; then
    mkdir -p "$keep" && SCRATCH=$(cd "$keep" && pwd -P)
    for d in "$@" tmp; do rm -rf -- "${SCRATCH:?}/$d"; done
  else
    SCRATCH=$(mktemp -d -t "bpfcarve-$name.XXXXXX")
  fi
  for d in "$@" tmp; do mkdir -p "$SCRATCH/$d"; done
  export TMPDIR=$SCRATCH/tmp
}
corpus_cleanup() {
  if [ -n "$SCRATCH" ] && [ -z "$keep" ]; then rm -rf -- "$SCRATCH"; fi
  if [ -n "$tmp_out" ]; then rm -f -- "$tmp_out"; fi
}

# ---------------------------------------------------------------- whole-object loads (bpftool)
# cause LOG: a short reason for a failed `bpftool prog loadall`, from libbpf's messages.
# First match wins; the order puts specific libbpf diagnostics before generic verifier ones.
cause() {
  local l=$1
  grep -q 'legacy map definitions' "$l" && { echo legacy-maps-section; return; }
  grep -q 'failed to guess program type' "$l" && { echo unknown-SEC-name; return; }
  grep -qE 'not found in kernel( or module)? BTF' "$l" && { echo needs-bpf_testmod-ksym; return; }
  grep -q 'BPF program is too large' "$l" && { echo verifier-1M-insn-limit; return; }
  grep -q 'cannot use helper' "$l" && { echo helper-not-allowed-on-this-kernel; return; }
  grep -qE 'attach program FD is not set|failed to find kernel BTF type ID' "$l" &&
    { echo needs-attach-target; return; }
  grep -q "can't pin program that wasn't loaded" "$l" && { echo bpftool-autoload-off-prog; return; }
  grep -q 'failed to create' "$l" && { echo map-needs-userspace-setup; return; }
  grep -q 'failed to find BTF for extern' "$l" && { echo unresolved-extern; return; }
  grep -q 'expected PTR' "$l" && { echo malformed-BTF-map; return; }
  grep -q 'Operation not permitted' "$l" && { echo EPERM-tracing-prog; return; }
  grep -qE 'BPF program load failed|failed to load' "$l" && { echo verifier-reject; return; }
  echo other
}
# pins_in_bpffs: what was pinned in /sys/fs/bpf, leaving out the maps.debug and progs.debug
# iterators that the kernel's bpf_preload puts into every new bpffs instance.
pins_in_bpffs() { find /sys/fs/bpf -mindepth 1 -maxdepth 1 ! -name maps.debug ! -name progs.debug; }
# failed_program LOG: "NAME<TAB>ERRNO" of the program libbpf stopped at in a whole-object load
# ("libbpf: prog 'NAME': failed to load: -13"), or nothing when no program failed to load (the
# object failed before: open, relocation, map creation).
failed_program() {
  sed -nE "s/^libbpf: prog '([^']+)': failed to load: -([0-9]+)$/\1\t\2/p" "$1" | sed -n 1p
}
# load_all LIST OUT: runs inside the private mount namespace, with a fresh bpffs on /sys/fs/bpf.
# Loads $SCRATCH/obj/NAME.o for each NAME of LIST and writes "NAME<TAB>ok|fail<TAB>cause<TAB>
# failed program<TAB>errno" lines to OUT.
load_all() {
  local name obj log st c rc p
  if [ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ] || [ -n "$(pins_in_bpffs)" ]; then
    echo "corpus: error: /sys/fs/bpf is not a fresh private bpffs, refusing to load" >&2
    return 1
  fi
  : >"$2"
  while IFS= read -r name; do
    obj=$SCRATCH/obj/$name.o
    [ -f "$obj" ] || continue
    log=$SCRATCH/log/$name.load
    rc=0
    # --foreground keeps bpftool in our process group, so interrupting the run stops it too.
    timeout --foreground "$LOAD_TIMEOUT" bpftool prog loadall "$obj" "/sys/fs/bpf/prog_$name" >"$log" 2>&1 || rc=$?
    p=$'\t'
    case $rc in
      0) st=ok c= ;;
      124) st=fail c=timeout ;;
      *) st=fail c=$(cause "$log") p=$(failed_program "$log") ;;
    esac
    [[ $p == *$'\t'* ]] || p=$'\t'
    # Programs and maps pinned by name stay in this private bpffs; clear it so the next object
    # neither reuses nor clashes with them (LIBBPF_PIN_BY_NAME reuses same-named pins).
    pins_in_bpffs | xargs -r rm -rf --
    printf '%s\t%s\t%s\t%s\n' "$name" "$st" "$c" "$p" >>"$2"
  done <"$1"
}

# The unshare'd child shell that runs load_all needs these.
export -f cause load_all pins_in_bpffs failed_program
export LOAD_TIMEOUT

# corpus_record SUFFIX: the record of the running kernel (records/<release>SUFFIX, see
# manifest_json.py), or the nearest one when there is none; empty when there is no record.
# Sets record_exact to 1 when the record is the running kernel's own.
corpus_record() {
  local line
  line=$(python3 -c 'import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1])
import manifest_json as m
r = m.choose_record(sys.argv[1] + "/" + m.RECORDS, sys.argv[2], m.running_release())
print("%s\t%d" % r if r else "")' "$HERE" "$1")
  record_exact=${line##*$'\t'}
  printf '%s' "${line%$'\t'*}"
}
