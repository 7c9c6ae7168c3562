#!/usr/bin/env bash
# The README's first command: set up, build, then carve the GUE decapsulation feature out of the
# sample load balancer (XDP), retarget it to TC, verify it in the kernel and diff-run the carved
# XDP slice against its TC retarget on generated tunnel traffic; prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release bpfcarve >&2   # the tool only, not the test binaries
mkdir -p build/demo
sample=bpf-samples/l4lb/balancer.bpf.c
echo "== bpfcarve carve $sample --program gue_decap_only --to tc" >&2
exec build/release/bin/bpfcarve carve "$sample" --program gue_decap_only --to tc \
  --packets gen:tunnels -o build/demo/gue_decap_tc.bpf.c --report build/demo/report.json
