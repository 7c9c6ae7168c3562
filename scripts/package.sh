#!/usr/bin/env bash
# Builds the release preset and the Debian package: build/release/bpfcarve_<version>_amd64.deb
# (cmake/Packaging.cmake: the binary, its share/ data, man pages and bash completion generated
# from the CLI, docs). Prints the package's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release bpfcarve bpfcarve-agent bpfcarve_docs >&2
(cd build/release && cpack -G DEB >&2)
ls -1t build/release/bpfcarve_*_amd64.deb | head -1
