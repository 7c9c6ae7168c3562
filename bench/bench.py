#!/usr/bin/env python3
"""bpfcarve benchmarks: ratios against clang-19 and bpftool on the same inputs.

Run on demand (never from the test suite): bench/run.sh, or
    python3 bench/bench.py --bpfcarve build/release/bin/bpfcarve [--rounds 7]
Needs the corpus (corpus/fetch.sh) and root for the verify and corpus benchmarks. Each timing is
a wall-clock run of a whole command (the extract rows also in CPU time, user + system); the figure reported is the ratio of the
minimum times over interleaved rounds (load from other work on the machine only ever adds time),
next to the median of the per-round ratios bpfcarve / reference. The extract rows run with a
private cache directory (BPFCARVE_CACHE_DIR) so that the preamble cache's state is the row's:
warm, cold (emptied before each run, untimed), second use or off. Peak RSS
is the child's maximum resident set size (getrusage). Writes bench/RESULTS.md.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(argv, ok=(0,), **kw):
    """Wall time (s) and CPU time (user + system, s) of one command; fails loudly on an exit code
    not in ok. CPU time is what a loaded machine disturbs least (both tools are single-threaded)."""
    c0 = cpu_of_children()
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    dt = time.perf_counter() - t0
    if p.returncode not in ok:
        sys.exit(f"bench: {' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()[:400]}")
    # ru_maxrss of children is the maximum over all children so far: peak_rss measures each tool
    # in its own helper process to get its own peak.
    return dt, cpu_of_children() - c0


def peak_rss(argv, env=None):
    code = ("import resource,subprocess,sys;"
            "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + argv, capture_output=True, text=True,
                         check=True, env=env)
    return int(out.stdout.strip())


def median_ratio(rounds, a, b, cpu=False, env=None, before=None, env_b=None, ok_a=(0,)):
    """Interleaved rounds of a and b (wall times, or CPU times with cpu=True): the ratio of the
    two minimums (what the machine gives at its quietest; another build may share it), the
    median of the per-round ratios, and the two minimums. env is a's environment; before() runs
    untimed before each run of a (e.g. to empty a cache); env_b is b's environment; ok_a are
    the exit codes a may end with."""
    ratios, ta, tb = [], [], []
    for _ in range(rounds):
        if before:
            before()
        x = run(a, ok=ok_a, env=env)[1 if cpu else 0]
        y = run(b, env=env_b)[1 if cpu else 0]
        ratios.append(x / y)
        ta.append(x)
        tb.append(y)
    return min(ta) / min(tb), statistics.median(ratios), min(ta), min(tb)


def write_huge(path):
    """The 100k-line file of tests/e2e/HostileInputTest.cpp: 2,000 filler functions, a map, two
    programs; carve_me needs helper_a and helper_b."""
    with open(path, "w") as f:
        f.write("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\n")
        f.write("struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 4);\n"
                "\t__type(key, __u32);\n\t__type(value, __u64);\n} filler_map SEC(\".maps\");\n\n")
        f.write("static __attribute__((noinline)) int helper_a(int x)\n{\n\treturn x * 7 + 1;\n}\n\n"
                "static __attribute__((noinline)) int helper_b(int x)\n{\n\treturn x ^ 0x5a;\n}\n\n"
                "static __attribute__((noinline)) int carve_me(int x)\n{\n"
                "\treturn helper_a(x) + helper_b(x);\n}\n\n")
        for fn in range(2000):
            f.write(f"static __attribute__((noinline, unused)) int filler_{fn}(int x)\n{{\n")
            for line in range(45):
                f.write(f"\tx = x * 3 + {(fn * 45 + line) % 1000};\n")
            f.write("\treturn x;\n}\n\n")
        f.write("SEC(\"xdp\")\nint big_prog(struct xdp_md *ctx)\n{\n\t__u32 k = 0;\n"
                "\t__u64 *v = bpf_map_lookup_elem(&filler_map, &k);\n\tif (v)\n\t\t*v += filler_7(1);\n"
                "\treturn carve_me(ctx->ingress_ifindex) ? XDP_PASS : XDP_DROP;\n}\n\n"
                "char LICENSE[] SEC(\"license\") = \"GPL\";\n")


TINY = """#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int tiny(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
"""


def min_time(argv, rounds, env=None, cwd=None):
    """The minimum wall time of argv over rounds runs."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           env=env, cwd=cwd)
        best = min(best, time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit(f"bench: {' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()[:400]}")
    return best


def loadall(obj):
    """bpftool prog loadall of obj in a private mount namespace and bpffs (nothing pinned
    outside it, nothing left loaded)."""
    script = (f"set -e; mount -t bpf bpf /sys/fs/bpf; mkdir /sys/fs/bpf/b; "
              f"bpftool prog loadall {obj} /sys/fs/bpf/b")
    return ["unshare", "-m", "--propagation", "private", "bash", "-c", script]


def link_seconds(build_dir, rounds=3):
    """The link step of bin/bpfcarve in build_dir, rerun as ninja would (minimum of rounds)."""
    cmd = subprocess.run(["ninja", "-C", build_dir, "-t", "commands", "bin/bpfcarve"],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    return min_time(["bash", "-c", cmd], rounds, cwd=build_dir)


def startup_rows(B, shared, rounds, tmp, flags):
    """Start-up: --version, and extract / verify of a tiny program, against clang-19, bpftool and
    (when given) the same sources linked against the shared libLLVM/libclang-cpp."""
    rows = []
    clang = shutil.which("clang-19")
    r, med, a, b = median_ratio(rounds * 3, [B, "--version"], [clang, "--version"])
    rows.append(("bpfcarve --version vs clang-19 --version", r, med,
                 f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "<= 0.25"))
    r, med, a, b = median_ratio(rounds * 3, [B, "--version"], ["bpftool", "version"])
    rows.append(("bpfcarve --version vs bpftool version", r, med,
                 f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "-"))
    tiny = os.path.join(tmp, "tiny.bpf.c")
    with open(tiny, "w") as f:
        f.write(TINY)
    out = os.path.join(tmp, "tiny.out.c")
    ext = lambda b: [b, "extract", tiny, "--program", "tiny", "-o", out, "--"] + flags
    env = dict(os.environ, BPFCARVE_CACHE_DIR=os.path.join(tmp, "tiny-cache"))
    for _ in range(3):
        run(ext(B), env=env)  # the preamble entries built: the steady state
    r, med, a, b = median_ratio(rounds, ext(B), [clang, "-fsyntax-only"] + flags + [tiny], env=env)
    rows.append(("extract --program tiny (a 10-line XDP program) vs clang-19 -fsyntax-only, warm "
                 "preamble cache", r, med, f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "-"))
    if shared:
        for _ in range(3):
            run(ext(shared), env=env)
        r, med, a, b = median_ratio(rounds * 3, [B, "--version"], [shared, "--version"])
        rows.append(("bpfcarve --version, static vs shared libLLVM/libclang-cpp link", r, med,
                     f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "-"))
        r, med, a, b = median_ratio(rounds, ext(B), ext(shared), env=env)
        rows.append(("extract --program tiny, static vs shared link", r, med,
                     f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "-"))
    if os.geteuid() == 0:
        obj = os.path.join(tmp, "tiny.o")
        subprocess.run([clang] + flags + ["-c", tiny, "-o", obj], check=True)
        r, med, a, b = median_ratio(rounds, [B, "verify", obj], loadall(obj))
        rows.append(("verify tiny.o vs bpftool prog loadall (private bpffs)", r, med,
                     f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "<= 1.2"))
        if shared:
            r, med, a, b = median_ratio(rounds, [B, "verify", obj], [shared, "verify", obj])
            rows.append(("verify tiny.o, static vs shared link", r, med,
                         f"{a*1000:.1f} ms vs {b*1000:.1f} ms", "-"))
    return rows


def build_rows(static_dir, shared_dir):
    """Binary size and link time of bin/bpfcarve, static and shared."""
    rows = []
    for label, d in (("static", static_dir), ("shared", shared_dir)):
        if not d or not os.path.exists(os.path.join(d, "bin/bpfcarve")):
            continue
        size = os.path.getsize(os.path.join(d, "bin/bpfcarve")) / 1e6
        rows.append((f"bin/bpfcarve, {label} libLLVM/libclang link: size, link time", float("nan"),
                     float("nan"), f"{size:.1f} MB, link {link_seconds(d):.2f} s", "-"))
    return rows


def each_rows(B, rounds, tmp):
    """extract --each-function --harness xdp on the l4lb sample against one extract --function."""
    src = os.path.join(ROOT, "bpf-samples/l4lb/balancer.bpf.c")
    env = dict(os.environ, BPFCARVE_CACHE_DIR=os.path.join(tmp, "each-cache"))
    each = [B, "extract", src, "--each-function", "--harness", "xdp", "-o",
            os.path.join(tmp, "each")]
    one = [B, "extract", src, "--function", "flow_hash", "--harness", "xdp", "-o",
           os.path.join(tmp, "one.c")]
    # Two of the sample's functions take a bare `void *` the harness cannot synthesise
    # (lru_lookup, lru_update): --each writes the other selections and exits 2, the contract's
    # exit code for a refused selection. Anything else is a failure of the benchmark.
    p = subprocess.run(each, env=env, capture_output=True, text=True)
    written = [f for f in os.listdir(os.path.join(tmp, "each")) if f.endswith(".c")]
    if p.returncode not in (0, 2) or not written:
        sys.exit(f"bench: {' '.join(each)} failed ({p.returncode}): {p.stderr.strip()[:400]}")
    for _ in range(3):
        run(each, ok=(0, 2), env=env)
        run(one, env=env)
    rows = []
    for label, extra in (("", []), (" -j 1", ["-j", "1"])):
        r, med, a, b = median_ratio(rounds, each + extra, one, env=env, ok_a=(0, 2))
        rows.append((f"extract --each-function --harness xdp{label} ({len(written)} functions "
                     "of the l4lb sample written) vs one extract --function flow_hash --harness "
                     "xdp", r, med, f"{a*1000:.0f} ms vs {b*1000:.0f} ms", "<= 3"))
    return rows


def corpus_medians(B, L, tmp, rounds=3):
    """Over every corpus file with a program: extract --program (its first program, with the
    self-check, warm cache) against clang-19 -fsyntax-only, and verify of its object against
    bpftool prog loadall (objects bpftool loads whole); the median and the worst of the
    per-file ratios of minimum times, the worst named."""
    manifest = None
    for f in sorted(os.listdir(os.path.join(ROOT, "corpus/records"))):
        if f.endswith(".json"):
            manifest = os.path.join(ROOT, "corpus/records", f)
    with open(manifest) as f:
        M = json.load(f)
    clang = shutil.which("clang-19")
    env = dict(os.environ, BPFCARVE_CACHE_DIR=os.path.join(tmp, "corpus-cache"))
    ext_ratios, ver_ratios = [], []
    def subst(x):
        for k, v in (L.get("vars") or {}).items():
            x = x.replace("@" + k + "@", v).replace("${" + k + "}", v)
        return x
    common = [subst(x) for x in M.get("common_flags", [])]
    for entry in M["files"]:
        progs = entry.get("programs") or []
        if not progs or entry.get("compile") != "ok":
            continue
        src = os.path.join(L["source_root"], entry["path"])
        flags = common + [subst(x) for x in entry.get("flags", [])]
        out = os.path.join(tmp, "c.out.c")
        ext = [B, "extract", src, "--program", progs[0]["name"], "-o", out, "--"] + flags
        if subprocess.run(ext, env=env, capture_output=True).returncode != 0:
            continue
        run(ext, env=env)
        ext_ratios.append((min_time(ext, rounds, env=env) /
                           min_time([clang, "-fsyntax-only"] + flags + [src], rounds),
                           os.path.basename(src)))
        if os.geteuid() == 0 and entry.get("load_bpftool") == "ok":
            obj = os.path.join(tmp, "c.o")
            if subprocess.run([clang] + flags + ["-c", src, "-o", obj],
                              capture_output=True).returncode != 0:
                continue
            if subprocess.run(loadall(obj), capture_output=True).returncode != 0:
                continue
            v = subprocess.run([B, "verify", obj], capture_output=True)
            if v.returncode != 0:
                continue
            ver_ratios.append((min_time([B, "verify", obj], rounds) /
                               min_time(loadall(obj), rounds), os.path.basename(src)))
    rows = []
    if ext_ratios:
        rows.append((f"corpus median: extract --program (first program, with the self-check, "
                     f"warm cache) vs clang-19 -fsyntax-only, {len(ext_ratios)} files",
                     statistics.median(r for r, _ in ext_ratios), float("nan"),
                     "worst file {:.2f} ({})".format(*max(ext_ratios)), "<= 1.0"))
    if ver_ratios:
        rows.append((f"corpus median: verify FILE.o vs bpftool prog loadall, {len(ver_ratios)} "
                     "objects that both load", statistics.median(r for r, _ in ver_ratios),
                     float("nan"), "worst object {:.2f} ({})".format(*max(ver_ratios)), "<= 1.2"))
    return rows


def layout():
    d = os.environ.get("BPFCARVE_CORPUS_DIR") or os.path.expanduser("~/.cache/bpfcarve/corpus")
    with open(os.path.join(d, "layout.json")) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfcarve", default=os.path.join(ROOT, "build/release/bin/bpfcarve"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--shared", default=None,
                    help="a bpfcarve built with BPFCARVE_LLVM_SHARED=ON, for the start-up rows")
    ap.add_argument("--quick", action="store_true",
                    help="only the extract rows (skips verify and the few-minute corpus run)")
    args = ap.parse_args()
    B = args.bpfcarve
    L = layout()
    flags = L["default_flags"]
    progs = L["progs_dir"]
    clang = shutil.which("clang-19")
    rows = []
    tmp = tempfile.mkdtemp(prefix="bpfcarve-bench-")
    try:
        # 1. extract vs clang -fsyntax-only on test_cls_redirect.c. The self-check reads the
        # output's #include lines from the preamble cache (docs/extract.md): warm (an entry
        # exists), cold (the cache emptied before each run: the lines are noted and the output
        # parsed in full), second use (the entry is built and stored), off
        # (BPFCARVE_PREAMBLE_CACHE=0: the headers parsed again) and without the self-check.
        src = os.path.join(progs, "test_cls_redirect.c")
        out = os.path.join(tmp, "slice.c")
        syntax = [clang, "-fsyntax-only"] + flags + [src]
        ext = [B, "extract", src, "--program", "cls_redirect", "-o", out, "--"] + flags
        ext_nc = ext[:5] + ["--no-self-check"] + ext[5:]
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, BPFCARVE_CACHE_DIR=cache)
        env.pop("BPFCARVE_PREAMBLE_CACHE", None)
        env_off = dict(env, BPFCARVE_PREAMBLE_CACHE="0")
        run(ext, env=env)  # warm-up: clang's installation cached, the include lines noted
        run(ext, env=env)  # the preamble entry built and stored
        cold = lambda: shutil.rmtree(os.path.join(cache, "preamble"), ignore_errors=True)

        def second():
            cold()
            run(ext, env=env)  # untimed first use: the include lines are noted
        name = "extract --program cls_redirect vs clang-19 -fsyntax-only (test_cls_redirect.c)"
        for cpu in (False, True):
            what = "CPU time" if cpu else "wall time"
            for label, argv, e, before, target in (
                    ("with the self-check, warm preamble cache", ext, env, None, "<= 1.3"),
                    ("with the self-check, cold preamble cache (first use of the include "
                     "lines: noted, parsed in full)", ext, env, cold, "<= 2.0"),
                    ("with the self-check, second use (the preamble built and stored)", ext, env,
                     second, "<= 2.0"),
                    ("with the self-check, preamble cache off", ext, env_off, None, "<= 2.0"),
                    ("without the self-check", ext_nc, env, None, "<= 1.3")):
                r, med, a, b = median_ratio(args.rounds, argv, syntax, cpu, e, before)
                rows.append((f"{name}, {label}, {what}", r, med,
                             f"{a*1000:.0f} ms vs {b*1000:.0f} ms", target))
            name = "same"
        # The runs that build the cache entries against the run without a cache: the second
        # use builds the model's preamble beside the command; the third reads it in the model
        # parse and in the self-check, whose output starts with the input's include lines (an
        # output that does not wants an entry of its own, built from the start of the next run:
        # docs/extract.md, "Preamble cache").
        def third():
            second()
            run(ext, env=env)  # untimed second use
        for label, before in (("second use (the model's preamble built)", second),
                              ("third use (the model's preamble read by both parses)", third)):
            r, med, a, b = median_ratio(args.rounds, ext, ext, env=env, before=before,
                                        env_b=env_off)
            rows.append((f"extract --program cls_redirect, {label} vs the preamble cache off, "
                         "wall time", r, med, f"{a*1000:.0f} ms vs {b*1000:.0f} ms", "<= 1.0"))
        run(ext, env=env)
        rss_e = peak_rss(ext, env)
        rss_c = peak_rss(syntax)
        rows.append(("peak RSS of extract (warm preamble cache) vs clang-19 -fsyntax-only",
                     rss_e / rss_c, float("nan"), f"{rss_e/1024:.0f} MiB vs {rss_c/1024:.0f} MiB",
                     "<= 1.5"))

        # 1b. one function out of a generated 100k-line file
        huge = os.path.join(tmp, "huge.bpf.c")
        write_huge(huge)
        syntax = [clang, "-fsyntax-only"] + flags + [huge]
        ext = [B, "extract", huge, "--function", "carve_me", "--harness", "xdp", "-o",
               os.path.join(tmp, "huge.out.c"), "--"] + flags
        run(ext, env=env)
        r, med, a, b = median_ratio(args.rounds, ext, syntax, env=env)
        rows.append(("extract --function carve_me out of a generated 100k-line file vs clang-19 "
                     "-fsyntax-only (warm preamble cache)", r, med,
                     f"{a*1000:.0f} ms vs {b*1000:.0f} ms", "-"))

        rows += startup_rows(B, args.shared, args.rounds, tmp, flags)
        rows += each_rows(B, args.rounds, tmp)
        rows += build_rows(os.path.dirname(os.path.dirname(B)),
                           os.path.dirname(os.path.dirname(args.shared)) if args.shared else None)
        if args.quick:
            rows.append(("verify and corpus benchmarks", float("nan"), float("nan"),
                         "not measured in this run (--quick)", "-"))
        elif os.geteuid() == 0:
            # 2. verify vs clang + bpftool prog loadall in a private mount namespace (test_l4lb.c)
            l4 = os.path.join(progs, "test_l4lb.c")
            obj = os.path.join(tmp, "l4lb.o")
            script = (f"set -e; {clang} {' '.join(flags)} -c {l4} -o {obj}; "
                      f"mount -t bpf bpf /sys/fs/bpf; mkdir /sys/fs/bpf/b; "
                      f"bpftool prog loadall {obj} /sys/fs/bpf/b")
            ref = ["unshare", "-m", "--propagation", "private", "bash", "-c", script]
            ver = [B, "verify", l4, "--"] + flags
            r, med, a, b = median_ratio(args.rounds, ver, ref)
            rows.append(("verify test_l4lb.c vs clang-19 + bpftool prog loadall (private bpffs)", r,
                         med, f"{a*1000:.0f} ms vs {b*1000:.0f} ms", "<= 1.1"))
            r, med, a, b = median_ratio(args.rounds, [B, "verify", obj], loadall(obj))
            rows.append(("verify test_l4lb.o vs bpftool prog loadall (private bpffs)", r, med,
                         f"{a*1000:.0f} ms vs {b*1000:.0f} ms", "<= 1.2"))
            # 3. corpus -j2 vs -j1 (the download is cached: excluded)
            manifest = os.path.join(ROOT, "corpus/records")  # this kernel's record or the nearest
            # Exit 1 is the corpus's verdict (outcomes that differ from the record, e.g. a
            # kernel without a record of its own), not a failure of the run being timed.
            t1, _ = run([B, "corpus", manifest, "-j1", "--format", "json"], ok=(0, 1))
            t2, _ = run([B, "corpus", manifest, "-j2", "--format", "json"], ok=(0, 1))
            rows += corpus_medians(B, L, tmp)
            rows.append(("corpus -j2 speedup over -j1 (all stages, wall time, one run each)",
                         t1 / t2, float("nan"), f"{t1:.1f} s vs {t2:.1f} s", ">= 1.6 on 2 cores"))
        else:
            rows.append(("verify and corpus benchmarks", float("nan"), float("nan"),
                         "skipped: not root", "-"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    lines = [
        "# bpfcarve benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/run.sh` on "
        f"{platform.node() or 'this machine'}: {os.cpu_count()} CPUs ({cpu}), Linux "
        f"{platform.release()}, {args.rounds} interleaved rounds. `ratio` is the ratio of the "
        "minimums over the rounds (the quietest the machine was: another engineer may be "
        "compiling on it), `median` the median of the per-round ratios; `minimums` are "
        "bpfcarve's and the reference's minimum times.",
        "",
        "| benchmark | ratio | median | minimums | target |",
        "|---|---|---|---|---|",
    ]
    fmt = lambda x: "-" if x != x else f"{x:.2f}"
    for name, ratio, med, detail, target in rows:
        lines.append(f"| {name} | {fmt(ratio)} | {fmt(med)} | {detail} | {target} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
