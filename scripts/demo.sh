#!/usr/bin/env bash
# The README's first command: set up, build, and run bpfcarve on a bundled sample monolith.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
sample=bpf-samples/l4lb/balancer.bpf.c
echo "== bpfcarve inspect $sample" >&2
exec build/release/bin/bpfcarve inspect "$sample"
