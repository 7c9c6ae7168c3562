#!/usr/bin/env python3
"""corpus/measure-size.py - how large a single-function carve is against what it keeps.

Usage: corpus/measure-size.py [--bpfcarve PATH] [--json FILE] [--max-ratio R] [-j N] [--only SET]

For every own function (a definition in the input or one of its local headers) of every
compiling file of the corpora -- the kernel selftests corpus (corpus/fetch.sh), systemd's and
iproute2's BPF C and the kernel's samples/bpf with kbuild's headers (corpus/fetch-sources.sh),
and bpf-samples/ -- runs

    bpfcarve extract FILE --function F -o OUT.c --manifest OUT.json -- FLAGS

and compares the lines of OUT.c with the lines of what it keeps from the input: every kept
declaration of the input and its local headers (its span in the model of `bpfcarve inspect`)
with the comment attached right above it, every kept #include line, and the leading licence
comment. Lines are counted without blank ones on both sides (a separator is not size). The
ratio is OUT.c's lines over those lines; what it adds is bpfcarve's own text (provenance
comments, re-created #if lines, generated declarations).

Prints the distribution per corpus (median, 90th percentile, maximum, share <= --max-ratio,
default 1.5) and the largest ratios; --json writes every measurement. Exit 0 when every carve
is within --max-ratio, 1 otherwise, 3 when no corpus is present or bpfcarve is missing, 2 on
bad usage. Progress on stderr.
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "bpfcarve")


def selftests():
    """(corpus, file, flags) of every compiling file of the selftests corpus."""
    layout = os.path.join(CACHE, "corpus", "layout.json")
    records = sorted(f for f in os.listdir(os.path.join(HERE, "records")) if f.endswith(".json"))
    if not os.path.exists(layout) or not records:
        return []
    lay = json.load(open(layout))
    manifest = json.load(open(os.path.join(HERE, "records", records[-1])))

    def resolve(flag):
        return re.sub(r"\$\{(\w+)\}", lambda m: lay["vars"][m.group(1)], flag)

    common = [resolve(f) for f in manifest["common_flags"]]
    out = []
    for f in manifest["files"]:
        if f.get("compile") == "ok":
            out.append(("selftests", os.path.join(lay["source_root"], f["path"]),
                        common + [resolve(x) for x in f.get("flags", [])]))
    return out


def sources():
    """systemd's src/core/bpf and iproute2's examples/bpf, as SourcePackagesTest builds them."""
    layout = os.path.join(CACHE, "sources", "layout.json")
    if not os.path.exists(layout):
        return []
    roots = {p["package"]: p["root"] for p in json.load(open(layout))["projects"]}
    base = ["-O2", "-g", "--target=bpf", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu"]
    out = []
    if "systemd" in roots:
        for d, _, files in os.walk(os.path.join(roots["systemd"], "src/core/bpf")):
            out += [("systemd", os.path.join(d, f), base) for f in files if f.endswith(".bpf.c")]
    if "iproute2" in roots:
        inc = os.path.join(roots["iproute2"], "include")
        # Not examples/bpf/legacy: its carves need --modernize-maps, whose map definitions are
        # generated text, not the input's.
        d = os.path.join(roots["iproute2"], "examples/bpf")
        out += [("iproute2", os.path.join(d, f), base + ["-I" + inc])
                for f in sorted(os.listdir(d)) if f.endswith(".c")]
    return out


def kernel_samples():
    """samples/bpf/*_kern.c with kbuild's include set, as SourcePackagesTest builds them (the
    flags of tests/styles/kbuild_headers/flags, then the samples' own directories)."""
    layout, sources = (os.path.join(CACHE, "corpus", "layout.json"),
                       os.path.join(CACHE, "sources", "layout.json"))
    if not os.path.exists(layout) or not os.path.exists(sources):
        return []
    src = json.load(open(layout))["source_root"]
    roots = {p["package"]: p["root"] for p in json.load(open(sources))["projects"]}
    if "linux-headers" not in roots:
        return []
    flags = open(os.path.join(ROOT, "tests/styles/kbuild_headers/flags")).read().split()
    flags = [f.replace("@linux-headers@", roots["linux-headers"]) for f in flags]
    flags += ["-I" + src + "/samples/bpf", "-I" + src + "/tools/testing/selftests/bpf",
              "-include", src + "/samples/bpf/asm_goto_workaround.h"]
    d = os.path.join(src, "samples/bpf")
    return [("samples/bpf", os.path.join(d, f), flags) for f in sorted(os.listdir(d))
            if f.endswith("_kern.c")]


def samples():
    base = ["-O2", "-g", "--target=bpf", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu"]
    out = []
    for d in sorted(os.listdir(os.path.join(ROOT, "bpf-samples"))):
        path = os.path.join(ROOT, "bpf-samples", d)
        if os.path.isdir(path):
            out += [("bpf-samples", os.path.join(path, f), base)
                    for f in sorted(os.listdir(path)) if f.endswith(".bpf.c")]
    return out


def run(bpfcarve, args, flags):
    return subprocess.run([bpfcarve] + args + ["--"] + flags, capture_output=True, text=True)


def comment_above(lines, first):
    """How many lines right above line `first` (1-based) are a comment attached to it."""
    n, i = 0, first - 2
    while i >= 0:
        s = lines[i].strip()
        if s.startswith("//"):
            n, i = n + 1, i - 1
        elif s.endswith("*/"):
            j = i
            while j >= 0 and "/*" not in lines[j]:
                j -= 1
            if j < 0 or not lines[j].strip().startswith("/*"):
                break
            n, i = n + (i - j + 1), j - 1
        else:
            break
    return n


def spans(model):
    """id -> (file, first line, last line) of every entity of the model."""
    out = {}
    for kind in ("functions", "maps", "globals", "types", "macros"):
        for e in model.get(kind, []):
            loc = e.get("location") or {}
            if loc.get("file") and loc.get("line"):
                out[e["id"]] = (loc["file"], loc["line"], loc.get("end_line", loc["line"]))
    return out


def measure_one(bpfcarve, corpus, path, flags, model, fn, tmp):
    base = os.path.join(tmp, re.sub(r"\W", "_", os.path.basename(path)) + "." + fn)
    r = run(bpfcarve, ["extract", path, "--function", fn, "-o", base + ".c", "--manifest",
                       base + ".json"], flags)
    if r.returncode != 0:
        return {"corpus": corpus, "file": path, "function": fn, "exit": r.returncode,
                "error": (r.stderr.strip().splitlines() or [""])[0]}
    out = open(base + ".c").read().splitlines()
    kept_ids = [k["id"] for k in json.load(open(base + ".json"))["kept"]
                if k.get("origin") in ("main", "local")]
    where = spans(model)
    files = {f["path"]: f for f in model.get("files", [])}
    kept_at, texts = set(), {}  # (file, line): co-located entities share their text
    for i in kept_ids:
        if i not in where:
            continue
        f, a, b = where[i]
        full = files.get(f, {}).get("path", f)
        if full not in texts:
            cand = full if os.path.isabs(full) else os.path.join(os.path.dirname(path), full)
            texts[full] = open(cand).read().splitlines() if os.path.exists(cand) else []
        text = texts[full]
        first = a - comment_above(text, a)
        kept_at |= {(full, n) for n in range(first, b + 1) if n <= len(text) and text[n - 1].strip()}
    kept = len(kept_at)
    kept += sum(1 for l in out if l.lstrip().startswith("#include"))
    if out and out[0].lstrip().startswith(("//", "/*")):
        kept += next((n for n, l in enumerate(out) if not l.strip()), len(out))
    out = [l for l in out if l.strip()]
    for f in (base + ".c", base + ".json"):
        os.unlink(f)
    return {"corpus": corpus, "file": path, "function": fn, "exit": 0, "lines": len(out),
            "kept_lines": kept, "ratio": round(len(out) / kept, 3) if kept else None}


def measure_file(bpfcarve, corpus, path, flags, tmp):
    r = run(bpfcarve, ["inspect", path, "--format", "json"], flags)
    if r.returncode != 0:
        return []
    model = json.loads(r.stdout)
    fns = [f["name"] for f in model["functions"]
           if f["origin"] in ("main", "local") and f["definition"]]
    return [measure_one(bpfcarve, corpus, path, flags, model, fn, tmp) for fn in fns]


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1])
    ap.add_argument("--bpfcarve", default=os.path.join(ROOT, "build/release/bin/bpfcarve"))
    ap.add_argument("--json")
    ap.add_argument("--max-ratio", type=float, default=1.5)
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only",
                    choices=["selftests", "systemd", "iproute2", "samples/bpf", "bpf-samples"])
    a = ap.parse_args()
    if not os.access(a.bpfcarve, os.X_OK):
        print(f"measure-size: no bpfcarve at {a.bpfcarve}", file=sys.stderr)
        return 3
    inputs = [i for i in selftests() + sources() + kernel_samples() + samples()
              if not a.only or i[0] == a.only]
    if not inputs:
        print("measure-size: no corpus (corpus/fetch.sh, corpus/fetch-sources.sh)", file=sys.stderr)
        return 3
    results = []
    with tempfile.TemporaryDirectory(prefix="bpfcarve-size-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(a.j) as pool:
        futures = [pool.submit(measure_file, a.bpfcarve, c, p, f, tmp) for c, p, f in inputs]
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            results += fut.result()
            if n % 20 == 0 or n == len(inputs):
                print(f"measure-size: {n}/{len(inputs)} files", file=sys.stderr)
    if a.json:
        json.dump(results, open(a.json, "w"), indent=1)
    over = []
    for corpus in ("selftests", "systemd", "iproute2", "samples/bpf", "bpf-samples"):
        rs = [r["ratio"] for r in results if r["corpus"] == corpus and r.get("ratio")]
        failed = sum(1 for r in results if r["corpus"] == corpus and r["exit"] != 0)
        if not rs:
            continue
        rs.sort()
        p90 = rs[min(len(rs) - 1, int(0.9 * len(rs)))]
        within = sum(1 for x in rs if x <= a.max_ratio)
        print(f"{corpus}: {len(rs)} carves ({failed} not extracted): median "
              f"{statistics.median(rs):.2f}x, p90 {p90:.2f}x, max {rs[-1]:.2f}x; "
              f"{within}/{len(rs)} within {a.max_ratio}x")
        over += [r for r in results if r["corpus"] == corpus and r.get("ratio")
                 and r["ratio"] > a.max_ratio]
    for r in sorted(over, key=lambda r: -r["ratio"])[:15]:
        print(f"  {r['ratio']:.2f}x {os.path.basename(r['file'])} {r['function']}: "
              f"{r['lines']} lines for {r['kept_lines']} kept")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
