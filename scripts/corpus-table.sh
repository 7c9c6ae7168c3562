#!/usr/bin/env bash
# Regenerates docs/corpus-results.md: `bpfcarve corpus` over the public corpus, every stage, as a
# markdown success table (root, for the kernel stages).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
bash corpus/fetch.sh >&2
out=docs/corpus-results.md
table=$(build/release/bin/bpfcarve corpus corpus/manifest.json -j"$(nproc)" --format markdown || true)
{
  echo "# Corpus results"
  echo
  echo "\`scripts/corpus-table.sh\` on $(date -u +%Y-%m-%d), Linux $(uname -r), $(nproc) CPUs:"
  echo "\`bpfcarve corpus corpus/manifest.json\` over the compiling networking selftests of"
  echo "linux-source-6.1 ($(python3 -c 'import json;print(json.load(open("corpus/manifest.json"))["source"]["version"])'))."
  echo "\"runs\" counts checks (files for inspect, programs for the others); \"expectations met\" compares"
  echo "each outcome with what corpus/manifest.json records (docs/corpus-manifest.md)."
  echo
  echo "$table"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
