#!/usr/bin/env python3
"""verify --kernel on Debian's kernels: bpfcarve's guest agent against a bare loader in the
same guest, on every corpus object that loads whole there.

One `bpfcarve verify *.o --kernel K --reference-load` per kernel boots K once; inside, for each
object, the agent times verify (every program alone, as on the host) and then the bare loader
(one bpf_object__load of the whole object, as `bpftool prog loadall` does) on the same kernel,
same CPU, same moment. The ratio is over the objects the bare loader loads whole (a refused
program is loaded twice by verify, for its trace, and once by the bare loader: not comparable).
Also reported: boot time (guest clock), wall time of the whole call, the accelerator. Writes
bench/KERNELS.md.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def corpus_objects(tmp):
    cache = os.environ.get("BPFCARVE_CACHE_DIR") or os.path.expanduser("~/.cache/bpfcarve")
    layout = json.load(open(os.path.join(cache, "corpus/layout.json")))
    records = sorted(glob.glob(os.path.join(ROOT, "corpus/records/*.json")))
    manifest = json.load(open(records[-1]))

    def subst(flag):
        for k, v in layout["vars"].items():
            flag = flag.replace("${%s}" % k, v)
        return flag

    objects = []
    for f in manifest["files"]:
        if f["compile"] != "ok":
            continue
        out = os.path.join(tmp, os.path.basename(f["path"])[:-2] + ".o")
        flags = [subst(x) for x in manifest["common_flags"] + f.get("flags", [])]
        src = os.path.join(layout["source_root"], f["path"])
        r = subprocess.run(["clang-19"] + flags + ["-c", src, "-o", out], capture_output=True)
        if r.returncode == 0:
            objects.append(out)
    return objects


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfcarve", default=os.path.join(ROOT, "build/release/bin/bpfcarve"))
    ap.add_argument("--kernels", default="6.1,6.12")
    ap.add_argument("--out", default=os.path.join(HERE, "KERNELS.md"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bpfcarve-bench-kernels-") as tmp:
        objects = corpus_objects(tmp)
        for kernel in args.kernels.split(","):
            # The first call may fetch the package and build its module index: not timed.
            subprocess.run([args.bpfcarve, "verify", objects[0], "--kernel", kernel],
                           capture_output=True)
            start = time.monotonic()
            r = subprocess.run([args.bpfcarve, "verify"] + objects +
                               ["--kernel", kernel, "--reference-load", "--format", "json"],
                               capture_output=True, text=True)
            wall = time.monotonic() - start
            if r.returncode not in (0, 1):
                print(f"{kernel}: verify exited {r.returncode}: {r.stderr[:300]}", file=sys.stderr)
                continue
            rep = json.loads(r.stdout)
            k = rep["kernels"][0]
            whole = [x for x in rep["reference_loads"] if x["ok"]]
            v = sum(x["verify_us"] for x in whole)
            b = sum(x["load_us"] for x in whole)
            per = sorted(x["verify_us"] / x["load_us"] for x in whole if x["load_us"])
            rows.append({
                "kernel": kernel, "package": k["package"], "accel": k["accelerator"],
                "boot_ms": k["boot_ms"], "objects": len(objects), "whole": len(whole),
                "verify_s": v / 1e6, "bare_s": b / 1e6, "ratio": v / b if b else 0,
                "median": per[len(per) // 2] if per else 0, "wall_s": wall,
                "all_verify_s": sum(x["verify_us"] for x in rep["reference_loads"]) / 1e6,
                "all_bare_s": sum(x["load_us"] for x in rep["reference_loads"]) / 1e6,
            })
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# verify --kernel: bpfcarve's agent against a bare loader in the same guest", "",
        f"Measured {when} by `bench/kernels.sh` on {os.uname().nodename}, host "
        f"{os.uname().release}. One `verify *.o --kernel K --reference-load` per kernel; inside "
        "the guest the agent times verify of each object (every program alone) and the bare "
        "loader's whole-object load of it (one bpf_object__load, as `bpftool prog loadall`). "
        "`ratio` is summed over the objects that load whole (target <= 2.0), `median` the "
        "median of their per-object ratios.", "",
        "| kernel | package | accel | boot | objects | load whole | verify | bare loader | ratio "
        "| median | all objects: verify / bare | wall of the call |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for x in rows:
        lines.append(
            f"| {x['kernel']} | {x['package']} | {x['accel']} | {x['boot_ms']} ms | "
            f"{x['objects']} | {x['whole']} | {x['verify_s']:.2f} s | {x['bare_s']:.2f} s | "
            f"{x['ratio']:.2f} | {x['median']:.2f} | {x['all_verify_s']:.1f} s / "
            f"{x['all_bare_s']:.1f} s | {x['wall_s']:.1f} s |")
    open(args.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
