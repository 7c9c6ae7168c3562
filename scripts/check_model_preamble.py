#!/usr/bin/env python3
"""The model with a preamble is the model without: `bpfcarve inspect --format json` of each input
with the preamble cache off, and with --preamble on a fresh cache three times (the include lines
noted, the entry built and used, the entry loaded), must be byte-identical. Inputs: every file of
tests/golden/extract (default flags) and, when the corpus is set up, every file of
the corpus record (corpus/records) with its flags. Prints one line per input; exit status 1 on any difference
or when an input that should use the preamble did not (its -v note says why).

  python3 scripts/check_model_preamble.py [--bpfcarve build/release/bin/bpfcarve] [--no-corpus]
                                          [--only SUBSTRING]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def inputs(corpus):
    gold = os.path.join(ROOT, "tests/golden/extract")
    for name in sorted(os.listdir(gold)):
        if name.endswith(".c"):
            yield os.path.join(gold, name), None
    if not corpus:
        return
    d = os.environ.get("BPFCARVE_CORPUS_DIR") or os.path.expanduser("~/.cache/bpfcarve/corpus")
    try:
        with open(os.path.join(d, "layout.json")) as f:
            layout = json.load(f)
    except OSError:
        print("corpus not set up (no layout.json): golden inputs only")
        return
    sys.path.insert(0, os.path.join(ROOT, "corpus"))
    import manifest_json  # noqa: E402
    path, _ = manifest_json.choose_record(os.path.join(ROOT, "corpus/records"), ".json",
                                          manifest_json.running_release())
    with open(path) as f:
        manifest = json.load(f)
    subst = lambda s: re.sub(r"\$\{(\w+)\}", lambda m: layout["vars"][m.group(1)], s)
    for e in manifest["files"]:
        flags = [subst(x) for x in manifest["common_flags"] + e.get("flags", [])]
        yield os.path.join(layout["source_root"], e["path"]), flags


def inspect(b, path, flags, env, preamble):
    cmd = [b, "-v", "inspect", path, "--format", "json"] + (["--preamble"] if preamble else [])
    if flags is not None:
        cmd += ["--"] + flags
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    m = re.search(r"model parse preamble: ([a-z ]+) \((.*)\)", p.stderr)
    return p.returncode, p.stdout, (m.group(1), m.group(2)) if m else ("?", p.stderr[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfcarve", default=os.path.join(ROOT, "build/release/bin/bpfcarve"))
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    bad = used = 0
    total = 0
    for path, flags in inputs(not a.no_corpus):
        if a.only not in path:
            continue
        total += 1
        cache = tempfile.mkdtemp(prefix="bpfcarve-model-preamble-")
        try:
            env = dict(os.environ, BPFCARVE_CACHE_DIR=cache)
            rc0, off, _ = inspect(a.bpfcarve, path, flags, dict(env, BPFCARVE_PREAMBLE_CACHE="0"), False)
            runs = [inspect(a.bpfcarve, path, flags, env, True) for _ in range(3)]
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        uses = [r[2][0] for r in runs]
        same = all(r[0] == rc0 and r[1] == off for r in runs)
        # Whether the preamble was used; a file that does not start with #include <...> lines
        # (or fails to parse) never uses it and only checks that nothing changes.
        status = "same" if same else "DIFFERENT"
        if uses[1:] == ["built", "loaded"]:
            used += 1
        elif rc0 == 0 and uses[1] != "not tried":
            status += " (preamble not used: " + runs[2][2][1][:160] + ")"
            if "first use" not in runs[2][2][1]:
                bad += 1 if same else 0
        if not same:
            bad += 1
            with open(os.path.join(tempfile.gettempdir(), "model-preamble-off.json"), "w") as f:
                f.write(off)
            for i, r in enumerate(runs):
                with open(os.path.join(tempfile.gettempdir(), f"model-preamble-{i}.json"), "w") as f:
                    f.write(r[1])
        print(f"{status:10} rc={rc0} preamble={','.join(uses)}  {os.path.relpath(path, ROOT) if path.startswith(ROOT) else path}", flush=True)
    print(f"{total} inputs, {used} read their headers from the preamble, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
