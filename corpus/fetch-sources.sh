#!/usr/bin/env bash
# corpus/fetch-sources.sh - download the BPF C of Debian source packages written in other styles
# than the kernel selftests (iproute2's examples with bpf_api.h and legacy maps, systemd's
# programs, DPDK's tap RSS program), and the kernel headers kbuild compiles against
# (linux-headers, binary packages), into a cache outside the repository, for tests.
#
# Usage: corpus/fetch-sources.sh [--dest DIR]
#   DIR defaults to ${BPFCARVE_SOURCES_DIR:-$HOME/.cache/bpfcarve/sources}.
#
# Source packages come through a private apt configuration: a deb-src entry for the archive and
# release the machine's apt already uses (apt-get indextargets), its own lists and cache under
# DIR/apt. The machine's apt configuration and state are never changed. Only the members named
# below are unpacked. DIR/layout.json names each project's package version and root.
#
# Exit codes: 0 ready; 3 the environment cannot do it (no network and nothing cached, a missing
# tool) - one line "sources: skipped: <reason>" on stderr, tests treat it as a skip; 2 bad usage;
# 1 anything else. Progress goes to stderr; stdout stays empty.
set -euo pipefail
# Every pipe's reader reads to the end (no `awk ... exit`, no early `head` on a long producer):
# with pipefail, a producer killed by SIGPIPE would end the script with 141 now and then (a
# large `apt-cache showsrc` record did, as a failed test). An unexpected failure names its line.
trap 'printf "sources: error: line %s: %s exited %s\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

# package | members of its upstream tarball (globs)
readonly PROJECTS=(
  "iproute2|*/examples/bpf/*.c */examples/bpf/legacy/*.c */include/bpf_api.h */include/bpf_elf.h"
  "systemd|*/src/core/bpf/*/*.bpf.c */src/core/bpf/*/*.bpf.h"
  "dpdk|*/drivers/net/tap/tap_bpf_program.c */drivers/net/tap/tap_rss.h"
)

say() { printf 'sources: %s\n' "$*" >&2; }
skip() { printf 'sources: skipped: %s\n' "$*" >&2; exit 3; }
die() { printf 'sources: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '6,7s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }

dest=${BPFCARVE_SOURCES_DIR:-$HOME/.cache/bpfcarve/sources}
while [ $# -gt 0 ]; do
  case $1 in
    --dest) [ $# -ge 2 ] || usage; dest=$2; shift 2 ;;
    --dest=*) dest=${1#--dest=}; shift ;;
    -h|--help) usage 0 ;;
    *) printf 'sources: error: unknown argument: %s\n' "$1" >&2; usage ;;
  esac
done
[ -n "$dest" ] || usage
for tool in apt-get tar flock python3; do
  command -v "$tool" >/dev/null || skip "missing tool $tool (run scripts/setup.sh)"
done

mkdir -p "$dest"
DEST=$(cd "$dest" && pwd -P)
readonly DEST APT=$DEST/apt
exec 9>"$DEST/.lock"
flock 9

# The archive the machine uses for its Debian release: a deb-src line for it.
archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
  awk '!found && $2 !~ /-(security|updates|backports)$/ && $3 == "main" { print $1, $2; found = 1 }')
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DEST/dl"
if [ -n "$archive" ]; then
  set -- $archive
  printf 'deb-src %s %s main\n' "$1" "$2" >"$APT/sources.list.new"
  mv "$APT/sources.list.new" "$APT/sources.list"
fi
[ -f "$APT/sources.list" ] || skip "no Debian archive in the machine's apt sources"
APT_OPTS=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o Dir::Etc::sourceparts=-
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o APT::Get::List-Cleanup=0
  -o Debug::NoLocking=1 -q)

layout_entries=()
fetched_lists=0
for entry in "${PROJECTS[@]}"; do
  pkg=${entry%%|*}
  members=${entry#*|}
  stamp=$DEST/$pkg/.bpfcarve-extracted
  if [ -f "$stamp" ]; then
    version=$(cat "$stamp")
  else
    if [ $fetched_lists = 0 ]; then
      say "updating the private deb-src index ($(cat "$APT/sources.list"))"
      apt-get "${APT_OPTS[@]}" update >/dev/null 2>"$DEST/apt-update.err" ||
        skip "apt-get update of the private deb-src list failed: $(tail -1 "$DEST/apt-update.err")"
      fetched_lists=1
    fi
    version=$(apt-cache "${APT_OPTS[@]}" showsrc "$pkg" 2>/dev/null |
      awk '/^Version:/ && !found { print $2; found = 1 }')
    [ -n "$version" ] || skip "no source package $pkg in $(cat "$APT/sources.list")"
    say "downloading source package $pkg $version"
    (cd "$DEST/dl" && apt-get "${APT_OPTS[@]}" source --download-only "$pkg=$version" \
      >/dev/null 2>"$DEST/dl/$pkg.err") ||
      skip "apt-get source $pkg failed: $(tail -1 "$DEST/dl/$pkg.err")"
    upstream=${version#*:}
    upstream=${upstream%-*}
    tarball=$(ls "$DEST/dl/${pkg}_${upstream}.orig.tar."* 2>/dev/null | head -1 || true)
    [ -n "$tarball" ] || die "no upstream tarball for $pkg $version in $DEST/dl"
    scratch=$(mktemp -d "$DEST/.unpack.XXXXXX")
    # shellcheck disable=SC2086 # members are globs for tar
    tar -xf "$tarball" -C "$scratch" --wildcards --no-wildcards-match-slash $members ||
      { rm -rf "$scratch"; die "cannot unpack $members from $tarball"; }
    root=$(find "$scratch" -mindepth 1 -maxdepth 1 -type d | head -1)
    rm -rf "${DEST:?}/$pkg"
    mv "$root" "$DEST/$pkg"
    rm -rf "$scratch"
    printf '%s\n' "$version" >"$stamp"
  fi
  layout_entries+=("$pkg" "$version")
done

# The kernel's headers as kbuild uses them (samples/bpf's *_kern.c style): the binary packages
# linux-headers-<abi>-amd64 and -common that the machine's linux-headers-amd64 depends on,
# fetched with apt-get download (the machine's own package lists, read only) and unpacked as
# DEST/linux-headers/common and DEST/linux-headers/amd64. Optional: the other projects stay
# usable when the machine cannot have them (another architecture, no such package).
headers_stamp=$DEST/linux-headers/.bpfcarve-extracted
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
  if [ ! -f "$headers_stamp" ]; then
    arch_pkg=$(apt-cache depends linux-headers-amd64 2>/dev/null |
      awk '!found && $1 == "Depends:" && $2 ~ /^linux-headers-.*-amd64$/ { print $2; found = 1 }')
    common_pkg=$(apt-cache depends "$arch_pkg" 2>/dev/null |
      awk '!found && $1 == "Depends:" && $2 ~ /^linux-headers-.*-common$/ { print $2; found = 1 }')
    version=$(apt-cache show "$arch_pkg" 2>/dev/null | awk '/^Version:/ && !found { print $2; found = 1 }')
    if [ -n "$arch_pkg" ] && [ -n "$common_pkg" ] && [ -n "$version" ]; then
      say "downloading $arch_pkg and $common_pkg $version"
      scratch=$(mktemp -d "$DEST/.unpack.XXXXXX")
      if (cd "$scratch" && apt-get download -q -o APT::Sandbox::User=root "$arch_pkg" "$common_pkg" >/dev/null 2>"$scratch/err"); then
        for deb in "$scratch"/*.deb; do dpkg-deb -x "$deb" "$scratch/root"; done
        rm -rf "${DEST:?}/linux-headers"
        mkdir -p "$DEST/linux-headers"
        mv "$scratch/root/usr/src/$common_pkg" "$DEST/linux-headers/common"
        mv "$scratch/root/usr/src/$arch_pkg" "$DEST/linux-headers/amd64"
        printf '%s\n' "$version" >"$headers_stamp"
      else
        say "linux-headers not fetched: $(tail -1 "$scratch/err")"
      fi
      rm -rf "$scratch"
    else
      say "linux-headers not fetched: no linux-headers-amd64 in the machine's package lists"
    fi
  fi
  [ -f "$headers_stamp" ] && layout_entries+=(linux-headers "$(cat "$headers_stamp")")
fi

python3 - "$DEST" "${layout_entries[@]}" <<'EOF'
import json, os, sys
dest, rest = sys.argv[1], sys.argv[2:]
projects = [{"package": rest[i], "version": rest[i + 1], "root": os.path.join(dest, rest[i])}
            for i in range(0, len(rest), 2)]
tmp = os.path.join(dest, "layout.json.new")
with open(tmp, "w") as f:
    json.dump({"projects": projects}, f, indent=2)
os.replace(tmp, os.path.join(dest, "layout.json"))
EOF
say "ready: $DEST/layout.json"
