#!/usr/bin/env bash
# bench/retarget-overhead.sh - the overhead of `bpfcarve retarget`, per program: the xlated size
# (instructions after the verifier's rewrites) of the retargeted program against the original's,
# as corpus/measure-retarget.sh measured them into the manifest (retarget_xlated), and whether it
# is within the budget: at most 1.15 times the original's size, or at most 32 instructions more.
#
# Usage: bench/retarget-overhead.sh [--manifest FILE] [--tsv]
#   --manifest FILE   the manifest to read (default: the running kernel's record in corpus/records,
#                     else the newest);
#                     measure first with corpus/measure-retarget.sh for the current binary
#   --tsv             tab-separated values with a header line instead of the table
#
# Reads only: no kernel, no root. Exit 0 when every measured program is within the budget, 1 when
# one is not (listed), 2 bad usage or an unreadable manifest.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
manifest=$HERE/../corpus/records/$(uname -r).json
[ -f "$manifest" ] || manifest=$(ls "$HERE"/../corpus/records/*.json | sort -V | tail -n1)
tsv=0
usage() { sed -n '7,10s/^# \{0,1\}//p' "$0" >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift 2 ;;
    --tsv) tsv=1; shift ;;
    -h|--help) usage 0 ;;
    *) printf 'retarget-overhead: error: unknown argument: %s\n' "$1" >&2; usage ;;
  esac
done
[ -r "$manifest" ] || { printf 'retarget-overhead: error: cannot read %s\n' "$manifest" >&2; exit 2; }

exec python3 - "$manifest" "$tsv" "$HERE/../corpus" <<'PY'
import json, os, sys

manifest, tsv, corpus = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
sys.dont_write_bytecode = True
sys.path.insert(0, corpus)
from manifest_json import retarget_within_budget  # noqa: E402  (the one budget rule)

try:
    man = json.load(open(manifest))
except (OSError, ValueError) as e:
    print("retarget-overhead: error: %s: %s" % (manifest, e), file=sys.stderr)
    sys.exit(2)

rows = []
for f in man["files"]:
    for p in f["programs"]:
        x = p.get("retarget_xlated")
        if not x:
            continue
        o, r = x["original"], x["retargeted"]
        ok = retarget_within_budget(o, r)
        if ok != x["within_budget"]:
            print("retarget-overhead: warning: %s %s: the manifest says within_budget %s"
                  % (f["path"], p["name"], x["within_budget"]), file=sys.stderr)
        rows.append((os.path.basename(f["path"]), p["name"],
                     "%s->%s" % ("xdp" if p["retarget_to"] == "tc" else "tc", p["retarget_to"]),
                     o, r, r / o if o else float("inf"), ok))

header = ("file", "program", "direction", "original", "retargeted", "ratio", "delta", "budget")
lines = [(a, b, d, str(o), str(r), "%.3f" % q, "%+d" % (r - o), "ok" if ok else "OVER")
         for a, b, d, o, r, q, ok in rows]
if tsv:
    print("\t".join(header))
    for l in lines:
        print("\t".join(l))
else:
    w = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h)
         for i, h in enumerate(header)]
    fmt = "  ".join("%%-%ds" % n if i < 3 else "%%%ds" % n for i, n in enumerate(w))
    print(fmt % header)
    for l in lines:
        print(fmt % l)

over = [r for r in rows if not r[6]]
if rows:
    worst = max(rows, key=lambda r: r[5])
    ratios = sorted(r[5] for r in rows)
    out = sys.stderr if tsv else sys.stdout
    print("\n%d programs measured, %d within budget (<= 1.15x or <= +32 insns); max ratio %.3f "
          "(%s %s, %d -> %d), median %.3f; total %d -> %d insns"
          % (len(rows), len(rows) - len(over), worst[5], worst[0], worst[1], worst[3], worst[4],
             ratios[len(ratios) // 2], sum(r[3] for r in rows), sum(r[4] for r in rows)),
          file=out)
    for d in sorted({r[2] for r in rows}):
        sel = [r for r in rows if r[2] == d]
        print("  %s: %d measured, %d within budget, max ratio %.3f"
              % (d, len(sel), sum(r[6] for r in sel), max(r[5] for r in sel)), file=out)
for r in over:
    print("retarget-overhead: over budget: %s %s %d -> %d (%.3fx)" % (r[0], r[1], r[3], r[4], r[5]),
          file=sys.stderr)
sys.exit(1 if over else 0)
PY
