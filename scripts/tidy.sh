#!/usr/bin/env bash
# Runs clang-tidy-19 with the repository's .clang-tidy over product code, on demand (not a test:
# a full run parses every translation unit with the LLVM/Clang headers, minutes on 2 cores).
#
#   scripts/tidy.sh                  every translation unit of the five libraries
#   scripts/tidy.sh FILE.cpp...      only these (their headers are checked with them)
#   scripts/tidy.sh -j N ...         N clang-tidy processes at a time (default: nproc)
#   scripts/tidy.sh ... -- ARGS...   ARGS go to clang-tidy as they are (e.g. --fix, --checks=...)
#
# The compile commands come from build/release/compile_commands.json, written by configuring the
# release preset (CMAKE_EXPORT_COMPILE_COMMANDS; `cmake --preset release` or scripts/build.sh).
# Prints the warnings (each once, however many translation units include its header), then one
# summary line with the count per check. Exit codes: 0 no warning, 1 warnings, 2 bad usage,
# 3 clang-tidy-19 or the compile commands are missing. Run it under `nice` next to other builds.
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG_TIDY=${CLANG_TIDY:-clang-tidy-19}
DB_DIR=build/release
PRODUCT_RE='^(toolchain|extractor|verifier-check|transformer|cli)/'

parallel=$(nproc)
files=()
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -j) [ $# -ge 2 ] || { echo "tidy.sh: error: -j needs a number" >&2; exit 2; }
        parallel=$2; shift 2; continue ;;
    -j*) parallel=${1#-j} ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "tidy.sh: error: unknown option '$1' (clang-tidy options go after --)" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[[ $parallel =~ ^[1-9][0-9]*$ ]] || { echo "tidy.sh: error: -j takes a positive number, not '$parallel'" >&2; exit 2; }

if ! command -v "$CLANG_TIDY" >/dev/null 2>&1; then
  echo "tidy.sh: $CLANG_TIDY not found; install it with scripts/setup.sh (Debian 12: clang-tidy-19)" >&2
  exit 3
fi
if [ ! -f "$DB_DIR/compile_commands.json" ]; then
  echo "tidy.sh: $DB_DIR/compile_commands.json not found; configure the release preset first:" \
       "cmake --preset release (or scripts/build.sh release)" >&2
  exit 3
fi

# The translation units of product code in the compile commands, relative to the checkout.
root=$PWD
mapfile -t units < <(grep -o '"file": *"[^"]*"' "$DB_DIR/compile_commands.json" |
  sed 's/^"file": *"//; s/"$//' | sed "s|^$root/||" | grep -E "$PRODUCT_RE" | sort -u)
if [ ${#files[@]} -gt 0 ]; then
  for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "tidy.sh: error: no such file '$f'" >&2; exit 2; }
    rel=$(realpath --relative-to="$root" "$f")
    printf '%s\n' "${units[@]}" | grep -qxF "$rel" ||
      echo "tidy.sh: note: $rel is not in $DB_DIR/compile_commands.json; clang-tidy guesses its flags" >&2
  done
  units=("${files[@]}")
fi
[ ${#units[@]} -gt 0 ] || { echo "tidy.sh: no product translation unit in $DB_DIR/compile_commands.json" >&2; exit 3; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "tidy.sh: $CLANG_TIDY on ${#units[@]} translation units, $parallel at a time" >&2
# Each unit's diagnostics to its own file. clang-tidy's exit status is not the verdict: the
# diagnostics are (compile errors included).
run_one() { # UNIT OUT
  "$CLANG_TIDY" --quiet -p "$DB_DIR" ${extra[@]+"${extra[@]}"} "$1" >"$2" 2>&1 || true
}
i=0
for u in "${units[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  i=$((i + 1))
  run_one "$u" "$out/$i.txt" &
done
wait

# One line per diagnostic, paths relative to the checkout, each once.
# (grep finds nothing in a clean run: not an error under pipefail.)
cat "$out"/*.txt |
  { grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' || true; } |
  sed "s|^$root/||" | sort -u | sort -t: -k1,1 -k2,2n -k3,3n >"$out/all"
count=$(wc -l <"$out/all")
cat "$out/all"
if [ "$count" -eq 0 ]; then
  echo "tidy.sh: no warnings in ${#units[@]} translation units"
  exit 0
fi
summary=$(grep -oE '\[[a-zA-Z0-9.,-]+\]$' "$out/all" | tr -d '[]' | tr ',' '\n' | sort |
  uniq -c | sort -rn | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
echo "tidy.sh: $count warnings in ${#units[@]} translation units${summary:+ ($summary)}"
exit 1
