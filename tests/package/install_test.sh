#!/usr/bin/env bash
# The Debian package (scripts/package.sh, cmake/Packaging.cmake) installed into a scratch root:
# `bpfcarve --help` runs from there, finds its own data under the root (not the build tree's),
# verifies a sample, and the man pages and the bash completion it carries are generated from
# its CLI (every command has a page; completion offers the commands and --format's choices).
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
command -v dpkg >/dev/null || { echo "package.install: skipped: dpkg not found"; exit 3; }
command -v cpack >/dev/null || { echo "package.install: skipped: cpack not found"; exit 3; }
scratch=$(mktemp -d /tmp/bpfcarve-package.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/pkg" >/dev/null
deb=$(ls "$scratch"/pkg/bpfcarve_*_amd64.deb)
dpkg-deb -f "$deb" Depends | grep -q 'clang-19' || { echo "FAIL: Depends lacks clang-19"; exit 1; }
dpkg -x "$deb" "$scratch/root"
bin=$scratch/root/usr/bin/bpfcarve
fail() { echo "FAIL: $*"; exit 1; }

help=$("$bin" --help) || fail "bpfcarve --help exited $?"
for c in inspect extract retarget carve compose ci verify diff-run probe; do
  grep -qE "^  $c( |$)" <<<"$help" || fail "--help does not list $c"
  zcat "$scratch/root/usr/share/man/man1/bpfcarve-$c.1.gz" | grep -q "^\.TH BPFCARVE-$(tr a-z A-Z <<<"$c") 1" \
    || fail "no man page bpfcarve-$c(1)"
done
zcat "$scratch/root/usr/share/man/man1/bpfcarve.1.gz" | grep -q 'bpfcarve\\-ci' || fail "bpfcarve(1) does not list ci"
# The page says what --help says: every long option of ci's help is on its page.
for o in $("$bin" ci --help | grep -oE -- '--[a-z-]+' | sort -u); do
  zcat "$scratch/root/usr/share/man/man1/bpfcarve-ci.1.gz" | grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" \
    || fail "bpfcarve-ci(1) lacks $o"
done
[ -x "$scratch/root/usr/bin/bpfcarve-agent" ] || fail "no bpfcarve-agent"

# Completion: the commands, then a command's options, then --format's choices.
comp=$scratch/root/usr/share/bash-completion/completions/bpfcarve
got=$(bash -c 'source "$1"; COMP_WORDS=(bpfcarve c); COMP_CWORD=1; _bpfcarve; echo "${COMPREPLY[*]}"' _ "$comp")
[ "$got" = "carve corpus compose ci" ] || fail "completing 'c': '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(bpfcarve ci --format m); COMP_CWORD=3; _bpfcarve; echo "${COMPREPLY[*]}"' _ "$comp")
[ "$got" = "markdown" ] || fail "completing ci --format m: '$got'"

# The installed binary's data is the root's: a sample verifies (root only: it loads).
if [ "$(id -u)" = 0 ]; then
  out=$(BPFCARVE_SHARE_DIR= "$bin" -v verify "$src/bpf-samples/l4lb/balancer.bpf.c" --program gue_decap_only --format json) \
    || fail "the installed bpfcarve cannot verify a sample"
  grep -q '"verdict": "pass"' <<<"$out" || fail "the sample does not pass: $out"
fi
echo "package.install: $(basename "$deb") installs into a scratch root and runs"
