#!/usr/bin/env bash
# Regenerates docs/corpus-results.md: `bpfcarve corpus` over the public corpus, every stage, as a
# markdown success table (root, for the kernel stages).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >&2
bash corpus/fetch.sh >&2
out=docs/corpus-results.md
# The running kernel's record, or the nearest (the corpus command says which on stderr).
record=$(python3 -c 'import sys; sys.path.insert(0, "corpus"); import manifest_json as m
print(m.choose_record("corpus/records", ".json", m.running_release())[0])')
table=$(build/release/bin/bpfcarve corpus corpus/records -j"$(nproc)" --format markdown || true)
{
  echo "# Corpus results"
  echo
  echo "\`scripts/corpus-table.sh\` on $(date -u +%Y-%m-%d), Linux $(uname -r), $(nproc) CPUs:"
  echo "\`bpfcarve corpus corpus/records\` over the compiling networking selftests of"
  echo "linux-source-6.1 ($(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["source"]["version"])' "$record"))."
  echo "\"runs\" counts checks (files for inspect, programs for the others); \"expectations met\" compares"
  echo "each outcome with what $record records (docs/corpus-manifest.md)."
  echo
  echo "$table"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
