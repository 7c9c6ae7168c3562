# corpus/lib.sh - what the corpus measurement scripts share: messages, the common options, the
# environment checks, the corpus download and a private scratch directory removed on every exit.
# Sourced, not run, by measure-extract.sh, measure-retarget.sh and measure-functions.sh; each
# defines HERE and usage() (its own header's option lines) before sourcing it.

readonly TIMEOUT=300   # seconds per bpfcarve run
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
# what needs it) or without the bpfcarve binary; sets BPFCARVE to the binary's absolute path.
corpus_require() {
  local why=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "missing tool $tool (run scripts/setup.sh)"
  done
  [ "$(id -u)" -eq 0 ] || skip "needs root: $why"
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
