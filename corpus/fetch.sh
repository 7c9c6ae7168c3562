#!/usr/bin/env bash
# corpus/fetch.sh - download and lay out the third-party BPF corpus (the BPF selftests and samples
# of Debian's linux-source-6.1 package) outside the repository, for tests and benchmarks.
#
# Usage: corpus/fetch.sh [--dest DIR]
#   DIR defaults to ${BPFCARVE_CORPUS_DIR:-$HOME/.cache/bpfcarve/corpus}.
#
# Result (documented in docs/corpus-manifest.md): DIR/layout.json names the package version, the
# extracted source root, the selftests progs dir, the include dirs and the default compile flags.
# The .deb stays cached in DIR/deb, so a second run takes seconds and needs no network.
#
# Exit codes: 0 ready; 3 the environment cannot do it (no network and nothing cached, no kernel
# BTF, a missing tool) - one line "corpus: skipped: <reason>" on stderr, tests treat it as a skip;
# 2 bad usage; 1 anything else (corrupt download, failed extraction).
# Progress goes to stderr; stdout stays empty.
set -euo pipefail

readonly PKG=linux-source-6.1
readonly TARBALL=./usr/src/$PKG.tar.xz
# Members taken out of the 139 MB tarball (about 6 MB in all). Top-level selftests headers only:
# the progs include test_iptunnel_common.h, bpf_legacy.h, xdping.h, ... from there.
readonly MEMBERS=(
  "$PKG/tools/testing/selftests/bpf/*.h"
  "$PKG/tools/testing/selftests/bpf/progs/*"
  "$PKG/samples/bpf/*"
)
readonly STAMP=.bpfcarve-extracted   # in the source root: the version that was extracted there

say() { printf 'corpus: %s\n' "$*" >&2; }
skip() { printf 'corpus: skipped: %s\n' "$*" >&2; exit 3; }
die() { printf 'corpus: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '5,6s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }

dest=${BPFCARVE_CORPUS_DIR:-$HOME/.cache/bpfcarve/corpus}
while [ $# -gt 0 ]; do
  case $1 in
    --dest) [ $# -ge 2 ] || usage; dest=$2; shift 2 ;;
    --dest=*) dest=${1#--dest=}; shift ;;
    -h|--help) usage 0 ;;
    *) printf 'corpus: error: unknown argument: %s\n' "$1" >&2; usage ;;
  esac
done
[ -n "$dest" ] || usage

for tool in apt-get apt-cache dpkg-deb tar xz bpftool flock; do
  command -v "$tool" >/dev/null || skip "missing tool $tool (run scripts/setup.sh)"
done
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF (/sys/kernel/btf/vmlinux), cannot write vmlinux.h"
[ -f /usr/include/bpf/bpf_helpers.h ] || skip "libbpf-dev headers missing (/usr/include/bpf)"

mkdir -p "$dest"
DEST=$(cd "$dest" && pwd -P)
readonly DEST SRC=$DEST/$PKG INC=$DEST/include DEBDIR=$DEST/deb

# Two runs on the same DEST (parallel test jobs) would race on the renames below.
exec 9>"$DEST/.lock"
flock 9

# Private scratch dir (mktemp -d is mode 0700) inside DEST, so finished results are moved into
# place by rename and a half-done download or extraction is never mistaken for a cached one.
# Removed on every exit path: EXIT covers normal ends, errors under set -e and the signals below.
TMP=
cleanup() { if [ -n "$TMP" ]; then rm -rf -- "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
TMP=$(mktemp -d "$DEST/.tmp.XXXXXX")

deb_version() { dpkg-deb -f "$1" Version 2>/dev/null; }

# ---------------------------------------------------------------- 1. the .deb (cached)
cached=
for f in "$DEBDIR/${PKG}"_*.deb; do [ -f "$f" ] && cached=$f; done
cached_ver=
if [ -n "$cached" ]; then cached_ver=$(deb_version "$cached") || cached_ver=; fi

candidate() { apt-cache policy "$PKG" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" {print $2}'; }
cand=$(candidate)
# No candidate usually means the apt lists were never fetched on this machine. A cached .deb is
# good enough then (offline warm runs); otherwise the lists are needed first.
if [ -z "$cand" ] && [ -z "$cached_ver" ]; then
  say "no apt candidate for $PKG, running apt-get update"
  # apt-get update exits 0 even when every fetch failed, so its first complaint is the reason.
  apt-get update -qq >"$TMP/update.log" 2>&1 || true
  cand=$(candidate)
  [ -n "$cand" ] ||
    skip "no $PKG candidate after apt-get update: $(grep -m1 -E '^(E|W):' "$TMP/update.log" || echo "not in the apt sources")"
fi

deb=$cached
if [ -n "$cand" ] && [ "$cand" != "$cached_ver" ]; then
  say "downloading $PKG $cand (about 140 MB)"
  # _apt (apt's sandbox user) cannot write into a 0700 dir; download as root instead.
  if (cd "$TMP" && apt-get download -q -o APT::Sandbox::User=root "$PKG=$cand") >"$TMP/download.log" 2>&1; then
    new=$(find "$TMP" -maxdepth 1 -name "${PKG}_*.deb" -print -quit)
    if [ -z "$new" ] || ! dpkg-deb --info "$new" >/dev/null 2>&1; then
      die "downloaded $PKG .deb is missing or corrupt"
    fi
    mkdir -p "$DEBDIR"
    mv -f -- "$new" "$DEBDIR/"
    deb=$DEBDIR/$(basename "$new")
    if [ -n "$cached" ] && [ "$cached" != "$deb" ]; then rm -f -- "$cached"; fi
  elif [ -n "$cached" ]; then
    say "download of $PKG $cand failed, keeping cached $cached_ver"
  else
    skip "apt-get download $PKG failed (no network?): $(grep -m1 -E '^(E|W):' "$TMP/download.log" || tail -n1 "$TMP/download.log")"
  fi
else
  say "using cached $(basename "$deb")"
fi
version=$(deb_version "$deb") || die "cannot read the version of $deb"

# ---------------------------------------------------------------- 2. extract the BPF parts
if [ -f "$SRC/$STAMP" ] && [ "$(cat "$SRC/$STAMP")" = "$version" ]; then
  say "source $version already extracted in $SRC"
else
  say "extracting BPF selftests and samples from $PKG $version"
  mkdir "$TMP/x"
  # The .deb holds one big .tar.xz; stream it instead of writing 1.3 GB of kernel source to disk.
  dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "$TARBALL" |
    tar -xJf - -C "$TMP/x" --wildcards --no-wildcards-match-slash "${MEMBERS[@]}" ||
    die "extracting $TARBALL from $deb failed"
  [ -d "$TMP/x/$PKG/tools/testing/selftests/bpf/progs" ] || die "no selftests/bpf/progs in $deb"
  printf '%s\n' "$version" >"$TMP/x/$PKG/$STAMP"
  rm -rf -- "$SRC"
  mv -- "$TMP/x/$PKG" "$SRC"
fi

# ---------------------------------------------------------------- 3. include dir
# vmlinux.h follows the running kernel, so it is rewritten when the kernel's BTF changed; the
# file is only replaced when its text differs, which keeps its mtime for incremental builds.
mkdir -p "$INC/gnu"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$TMP/vmlinux.h" ||
  die "bpftool btf dump of /sys/kernel/btf/vmlinux failed"
if cmp -s "$TMP/vmlinux.h" "$INC/vmlinux.h"; then :; else
  mv -f -- "$TMP/vmlinux.h" "$INC/vmlinux.h"
  say "wrote $INC/vmlinux.h ($(wc -l <"$INC/vmlinux.h") lines)"
fi
# <bpf/bpf_helpers.h> etc. come from libbpf-dev; the link keeps -I lists short.
ln -sfn /usr/include/bpf "$INC/bpf"
# --target=bpf defines no __x86_64__, so glibc's <gnu/stubs.h> asks for the 32-bit stubs file,
# which only libc6-dev-i386 ships. An empty one is what the BPF side needs.
[ -f "$INC/gnu/stubs-32.h" ] || : >"$INC/gnu/stubs-32.h"

# ---------------------------------------------------------------- 4. layout.json
json_str() { # JSON string literal of $1 (paths: only backslash and quote need escaping)
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
json_arr() { # JSON array of strings from the arguments
  local sep='' a
  printf '['
  for a in "$@"; do printf '%s%s' "$sep" "$(json_str "$a")"; sep=', '; done
  printf ']'
}
SELFTESTS=$SRC/tools/testing/selftests/bpf
MULTIARCH=/usr/include/x86_64-linux-gnu   # asm/types.h for the uapi headers
flags=(-O2 -g --target=bpf -D__TARGET_ARCH_x86 -Wno-compare-distinct-pointer-types
       "-I$INC" "-I$SELFTESTS" "-I$MULTIARCH" -mcpu=v3)
{
  printf '{\n'
  printf '  "layout_version": 1,\n'
  printf '  "package": %s,\n' "$(json_str "$PKG")"
  printf '  "version": %s,\n' "$(json_str "$version")"
  printf '  "deb": %s,\n' "$(json_str "$deb")"
  printf '  "source_root": %s,\n' "$(json_str "$SRC")"
  printf '  "progs_dir": %s,\n' "$(json_str "$SELFTESTS/progs")"
  printf '  "samples_dir": %s,\n' "$(json_str "$SRC/samples/bpf")"
  printf '  "vars": {"SRC": %s, "INC": %s, "SELFTESTS": %s},\n' \
    "$(json_str "$SRC")" "$(json_str "$INC")" "$(json_str "$SELFTESTS")"
  printf '  "include_dirs": %s,\n' "$(json_arr "$INC" "$SELFTESTS" "$MULTIARCH")"
  printf '  "default_flags": %s\n' "$(json_arr "${flags[@]}")"
  printf '}\n'
} >"$TMP/layout.json"
mv -f -- "$TMP/layout.json" "$DEST/layout.json"
say "ready: $DEST/layout.json ($PKG $version)"
