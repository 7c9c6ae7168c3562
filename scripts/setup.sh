#!/usr/bin/env bash
# Installs every Debian 12 package bpfcarve needs to build, test and run. Idempotent: when all
# packages are present it only checks (dpkg-query, well under 5 s) and installs nothing.
# The only install path of the project: both README commands and .ci/run call it.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build ccache pkg-config
  # compiler + LibTooling (linked from the static Clang/LLVM component archives of
  # libclang-19-dev and llvm-19-dev; libclang-cpp19-dev for the shared link, BPFCARVE_LLVM_SHARED,
  # and for Clang's CMake package), FileCheck/lit, sanitizer and libFuzzer runtimes
  clang-19 llvm-19 llvm-19-dev libclang-19-dev libclang-cpp19-dev libclang-rt-19-dev llvm-19-tools
  # formatting and lint of product code (scripts/format.sh, the habits.format test; scripts/tidy.sh)
  clang-format-19 clang-tidy-19
  # kernel side
  libbpf-dev libelf-dev zlib1g-dev linux-libc-dev bpftool libpcap-dev
  # other kernels (verify --kernel): Debian's linux-image packages booted under QEMU
  qemu-system-x86
  # libraries
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libyaml-cpp-dev
  # corpus download (apt-get download + dpkg-deb + tar xz) and tests
  xz-utils util-linux iproute2 python3 python3-jsonschema
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: error: not root and no sudo; install: ${missing[*]}" >&2; exit 3; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
