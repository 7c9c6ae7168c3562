#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then configures and builds one preset
# (default: release) into build/<preset>: every target, or only the TARGETs named after it
# (scripts/build.sh release bpfcarve). Incremental: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
targets=("${@:2}")
bash scripts/setup.sh
# ccache speeds rebuilds up when its cache survives (~/.cache/bpfcarve/ccache); never required.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/bpfcarve/ccache}
# Paths relative to the checkout, so a second clone or worktree reuses the same cache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build --preset "$preset" --target "${targets[@]}" -- -j"$(nproc)"
else
  cmake --build --preset "$preset" -- -j"$(nproc)"
fi
