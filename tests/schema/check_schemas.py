#!/usr/bin/env python3
"""Every machine output of bpfcarve validates against its JSON Schema in docs/schemas/.

The schemas forbid unknown properties, so a field added to an output without updating the
schema fails here: this test keeps docs/schemas in sync with the code.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpfcarve", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    src = args.source
    bpfcarve = args.bpfcarve
    failures = 0
    checked = 0

    inspect_schema = load(os.path.join(src, "docs/schemas/inspect.schema.json"))
    jsonschema.Draft202012Validator.check_schema(inspect_schema)
    inputs = sorted(glob.glob(os.path.join(src, "bpf-samples/*/*.bpf.c")) +
                    glob.glob(os.path.join(src, "tests/inputs/inspect/*.c")))
    if not inputs:
        print("no inspect inputs found", file=sys.stderr)
        return 1
    for path in inputs:
        r = subprocess.run([args.bpfcarve, "inspect", path, "--format", "json"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {path}: inspect exited {r.returncode}: {r.stderr.strip()}")
            failures += 1
            continue
        try:
            jsonschema.validate(json.loads(r.stdout), inspect_schema,
                                cls=jsonschema.Draft202012Validator)
            checked += 1
        except jsonschema.ValidationError as e:
            print(f"FAIL {path}: {e.message} at {list(e.absolute_path)}")
            failures += 1

    # extract --manifest and retarget --report on the samples (no kernel needed)
    import tempfile
    em_schema = load(os.path.join(src, "docs/schemas/extract-manifest.schema.json"))
    rr_schema = load(os.path.join(src, "docs/schemas/retarget-report.schema.json"))
    for sch in (em_schema, rr_schema):
        jsonschema.Draft202012Validator.check_schema(sch)
    sample = os.path.join(src, "bpf-samples/l4lb/balancer.bpf.c")
    with tempfile.TemporaryDirectory() as tmp:
        for cmd, out, sch in (
                (["extract", sample, "--program", "balancer_ingress", "-o",
                  os.path.join(tmp, "x.c"), "--manifest", os.path.join(tmp, "m.json")],
                 "m.json", em_schema),
                (["retarget", sample, "--program", "gue_decap_only", "--to", "tc", "-o",
                  os.path.join(tmp, "r.c"), "--report", os.path.join(tmp, "r.json")],
                 "r.json", rr_schema)):
            r = subprocess.run([bpfcarve] + cmd, capture_output=True, text=True)
            try:
                jsonschema.validate(load(os.path.join(tmp, out)), sch,
                                    cls=jsonschema.Draft202012Validator)
                checked += 1
            except (jsonschema.ValidationError, OSError, json.JSONDecodeError) as e:
                print(f"FAIL {cmd[0]}: {e} {r.stderr.strip()}")
                failures += 1

    # verify needs the kernel: only as root (CAP_BPF); otherwise say so.
    verify_schema = load(os.path.join(src, "docs/schemas/verify.schema.json"))
    jsonschema.Draft202012Validator.check_schema(verify_schema)
    if os.geteuid() == 0:
        for path in sorted(glob.glob(os.path.join(src, "tests/inputs/verify/*.c"))):
            r = subprocess.run([args.bpfcarve, "verify", path, "--format", "json"],
                               capture_output=True, text=True)
            if r.returncode not in (0, 1, 3):
                print(f"FAIL {path}: verify exited {r.returncode}: {r.stderr.strip()}")
                failures += 1
                continue
            try:
                jsonschema.validate(json.loads(r.stdout), verify_schema,
                                    cls=jsonschema.Draft202012Validator)
                checked += 1
            except jsonschema.ValidationError as e:
                print(f"FAIL verify {path}: {e.message} at {list(e.absolute_path)}")
                failures += 1
        # Several inputs, and another kernel when QEMU is here: the matrix form of the report.
        kin = os.path.join(src, "tests/inputs/kernels")
        runs = [["host"]]
        if subprocess.run(["sh", "-c", "command -v qemu-system-x86_64"],
                          capture_output=True).returncode == 0:
            runs.append(["host,6.1"])
        else:
            print("verify --kernel 6.1 not checked: qemu-system-x86_64 is not installed")
        for kernels in runs:
            r = subprocess.run([args.bpfcarve, "verify", os.path.join(kin, "portable.c"),
                                os.path.join(kin, "rcu_lock.c"), "--kernel", kernels[0],
                                "--format", "json"], capture_output=True, text=True)
            if r.returncode == 3 and not r.stdout:
                print(f"verify --kernel {kernels[0]} not checked: {r.stderr.strip()}")
                continue
            try:
                jsonschema.validate(json.loads(r.stdout), verify_schema,
                                    cls=jsonschema.Draft202012Validator)
                checked += 1
            except (jsonschema.ValidationError, json.JSONDecodeError) as e:
                print(f"FAIL verify --kernel {kernels[0]}: {e}")
                failures += 1
        diff_schema = load(os.path.join(src, "docs/schemas/diff-run.schema.json"))
        jsonschema.Draft202012Validator.check_schema(diff_schema)
        d = os.path.join(src, "tests/inputs/diffrun")
        for b in sorted(glob.glob(os.path.join(d, "filter_tc*.bpf.c"))):
            r = subprocess.run([args.bpfcarve, "diff-run", os.path.join(d, "filter_xdp.bpf.c"), b,
                                "--maps", os.path.join(d, "seed.json"), "--format", "json"],
                               capture_output=True, text=True)
            try:
                jsonschema.validate(json.loads(r.stdout), diff_schema,
                                    cls=jsonschema.Draft202012Validator)
                checked += 1
            except (jsonschema.ValidationError, json.JSONDecodeError) as e:
                print(f"FAIL diff-run {b}: {e}")
                failures += 1
        probe_schema = load(os.path.join(src, "docs/schemas/probe.schema.json"))
        jsonschema.Draft202012Validator.check_schema(probe_schema)
        r = subprocess.run([args.bpfcarve, "probe", "--format", "json"], capture_output=True,
                           text=True)
        try:
            jsonschema.validate(json.loads(r.stdout), probe_schema,
                                cls=jsonschema.Draft202012Validator)
            checked += 1
        except (jsonschema.ValidationError, json.JSONDecodeError) as e:
            print(f"FAIL probe: {e}")
            failures += 1
        # compose: a recipe (JSON is YAML) checked against the recipe schema, its report
        # against the report schema, which refers to verify's.
        recipe_schema = load(os.path.join(src, "docs/schemas/compose-recipe.schema.json"))
        compose_schema = load(os.path.join(src, "docs/schemas/compose.schema.json"))
        for sch in (recipe_schema, compose_schema):
            jsonschema.Draft202012Validator.check_schema(sch)
        samples = os.path.join(src, "bpf-samples")
        recipe = {"name": "chain", "hook": "tc", "parts": [
            {"file": os.path.join(samples, "tc-firewall/firewall.bpf.c"), "program": "fw_ingress"},
            {"file": os.path.join(samples, "l4lb/balancer.bpf.c"), "program": "gue_decap_only",
             "name": "decap"}]}
        try:  # jsonschema >= 4.18 resolves references through `referencing`
            from referencing import Registry, Resource
            registry = Registry().with_resources([
                (sch["$id"], Resource.from_contents(sch)) for sch in (verify_schema, diff_schema)])
            compose_validator = jsonschema.Draft202012Validator(compose_schema, registry=registry)
        except ImportError:  # Debian 12's 4.10
            compose_validator = jsonschema.Draft202012Validator(
                compose_schema, resolver=jsonschema.RefResolver.from_schema(
                    compose_schema, store={verify_schema["$id"]: verify_schema,
                                           diff_schema["$id"]: diff_schema}))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "recipe.yaml")
            with open(path, "w") as f:
                json.dump(recipe, f)
            r = subprocess.run([args.bpfcarve, "compose", path, "-o", os.path.join(tmp, "c.c"),
                                "--format", "json"], capture_output=True, text=True)
            try:
                jsonschema.validate(recipe, recipe_schema, cls=jsonschema.Draft202012Validator)
                compose_validator.validate(json.loads(r.stdout))
                checked += 2
            except (jsonschema.ValidationError, json.JSONDecodeError) as e:
                print(f"FAIL compose: {e} {r.stderr[:300]}")
                failures += 1
        # ci: a job file (JSON is YAML) against the job-file schema, its report against the
        # report schema (whose diff-run rows refer to diff-run's).
        jobs_schema = load(os.path.join(src, "docs/schemas/ci-jobs.schema.json"))
        ci_schema = load(os.path.join(src, "docs/schemas/ci.schema.json"))
        for sch in (jobs_schema, ci_schema):
            jsonschema.Draft202012Validator.check_schema(sch)
        try:
            from referencing import Registry, Resource
            ci_validator = jsonschema.Draft202012Validator(ci_schema, registry=Registry(
            ).with_resources([(diff_schema["$id"], Resource.from_contents(diff_schema))]))
        except ImportError:
            ci_validator = jsonschema.Draft202012Validator(
                ci_schema, resolver=jsonschema.RefResolver.from_schema(
                    ci_schema, store={diff_schema["$id"]: diff_schema}))
        with tempfile.TemporaryDirectory() as tmp:
            recipe_path = os.path.join(tmp, "recipe.yaml")
            with open(recipe_path, "w") as f:
                json.dump(recipe, f)
            balancer = os.path.join(samples, "l4lb/balancer.bpf.c")
            jobs = {"jobs": [
                {"name": "lb", "verify": {"file": balancer, "defines": [[], ["-DLB_DEBUG"]],
                                          "set": {"max_ring_probes": [2, 8]}}},
                {"name": "decap", "carve": {"file": balancer, "program": "gue_decap_only",
                                            "to": "tc"}},
                {"name": "chain", "compose": "recipe.yaml"}]}
            path = os.path.join(tmp, "jobs.yaml")
            with open(path, "w") as f:
                json.dump(jobs, f)
            first = os.path.join(tmp, "first.json")
            subprocess.run([args.bpfcarve, "ci", path, "--report", first], capture_output=True)
            r = subprocess.run([args.bpfcarve, "ci", path, "--format", "json", "--baseline", first],
                               capture_output=True, text=True)
            try:
                jsonschema.validate(jobs, jobs_schema, cls=jsonschema.Draft202012Validator)
                report = json.loads(r.stdout)
                ci_validator.validate(report)
                if not report["results"]:
                    raise jsonschema.ValidationError("no results")
                checked += 2
            except (jsonschema.ValidationError, json.JSONDecodeError) as e:
                print(f"FAIL ci: {e} {r.stderr[:300]}")
                failures += 1
    else:
        print("verify, diff-run, compose and ci outputs not checked: not root (loading needs CAP_BPF)")

    manifest_schema = load(os.path.join(src, "docs/schemas/corpus-manifest.schema.json"))
    jsonschema.Draft202012Validator.check_schema(manifest_schema)
    records = sorted(glob.glob(os.path.join(src, "corpus/records/*.json")))
    if not records:
        print("FAIL corpus/records: no record")
        failures += 1
    for record in records:
        try:
            jsonschema.validate(load(record), manifest_schema, cls=jsonschema.Draft202012Validator)
            checked += 1
        except jsonschema.ValidationError as e:
            print(f"FAIL {os.path.relpath(record, src)}: {e.message} at {list(e.absolute_path)}")
            failures += 1

    print(f"{checked} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
