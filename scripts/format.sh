#!/usr/bin/env bash
# Formats product code (the five libraries: toolchain/ extractor/ verifier-check/ transformer/
# cli/, *.cpp and *.h) with clang-format-19 and the repository's .clang-format.
#
#   scripts/format.sh              format product code in place
#   scripts/format.sh --check      list the files that are not formatted; exit 1 if any
#   scripts/format.sh [--check] FILE...   only these files
#
# Not product code, never touched: tests, bench, the BPF C of bpf-samples/ and tests/ (data whose
# text and line numbers tests refer to; their folders carry `DisableFormat: true`), the shim
# headers under toolchain/share/ (BPF C, installed as data) and generated files.
# Exit codes: 0 formatted (or nothing to do), 1 --check found unformatted files, 2 bad usage,
# 3 clang-format-19 is missing (scripts/setup.sh installs it; the ctest test habits.format skips).
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG_FORMAT=${CLANG_FORMAT:-clang-format-19}
PRODUCT=(toolchain extractor verifier-check transformer cli)

check=0
files=()
for a in "$@"; do
  case $a in
    --check) check=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "format.sh: error: unknown option '$a' (use --check)" >&2; exit 2 ;;
    *) files+=("$a") ;;
  esac
done

if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "format.sh: $CLANG_FORMAT not found; install it with scripts/setup.sh (Debian 12: clang-format-19)" >&2
  exit 3
fi

# Product sources: tracked and new (untracked, not ignored) files; without git, the tree.
product_files() {
  local patterns=() d
  for d in "${PRODUCT[@]}"; do patterns+=("$d/*.cpp" "$d/*.h"); done
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- "${patterns[@]}"
  else
    find "${PRODUCT[@]}" -type f \( -name '*.cpp' -o -name '*.h' \)
  fi | sort -u
}

# Not C++ product code: BPF C data (*/share/*), generated files (marked in their first lines).
excluded() { # FILE
  [[ $1 == */share/* ]] && return 0
  head -n 5 -- "$1" | grep -qE '@generated|DO NOT EDIT' && return 0
  return 1
}

if [ ${#files[@]} -gt 0 ]; then
  for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "format.sh: error: no such file '$f'" >&2; exit 2; }
  done
else
  mapfile -t files < <(product_files)
fi
selected=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue # tracked, deleted in the work tree
  excluded "$f" || selected+=("$f")
done

if [ "$check" -eq 0 ]; then
  [ ${#selected[@]} -eq 0 ] || "$CLANG_FORMAT" -i --style=file -- "${selected[@]}"
  echo "format.sh: formatted ${#selected[@]} files with $CLANG_FORMAT"
  exit 0
fi

unformatted=()
for f in "${selected[@]}"; do
  "$CLANG_FORMAT" --style=file -- "$f" | cmp -s - "$f" || unformatted+=("$f")
done
if [ ${#unformatted[@]} -eq 0 ]; then
  echo "format.sh: ${#selected[@]} files formatted ($CLANG_FORMAT)"
  exit 0
fi
echo "format.sh: ${#unformatted[@]} of ${#selected[@]} files are not formatted ($CLANG_FORMAT, .clang-format):"
printf '  %s\n' "${unformatted[@]}"
echo "fix: scripts/format.sh (formats product code in place), then review and commit the diff"
exit 1
