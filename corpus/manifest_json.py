"""the corpus record (corpus/records/<release>.json).py - the one way corpus/manifest.json is printed, and the rules the
measuring scripts share.

make-manifest.sh writes the manifest, measure-extract.sh and measure-retarget.sh add their fields
to it; all print it with dumps() so the bytes depend only on the content: one line per leaf object
or scalar list, and one line per program (its values are scalars or leaf objects such as
retarget_diff), which keeps diffs between two measurements short.
"""
import json
import re


def _leaf(v):
    """A scalar, or a dict/list of scalars only."""
    if isinstance(v, dict):
        return not any(isinstance(x, (dict, list)) for x in v.values())
    if isinstance(v, list):
        return not any(isinstance(x, (dict, list)) for x in v)
    return True


def _emit(v, ind=0, one_line_items=False):
    pad = "  " * (ind + 1)
    if isinstance(v, dict) and any(isinstance(x, (dict, list)) and x for x in v.values()):
        items = ["%s%s: %s" % (pad, json.dumps(k), _emit(x, ind + 1, k == "programs"))
                 for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * ind + "}"
    if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        items = [json.dumps(x) if one_line_items and isinstance(x, dict) and
                 all(map(_leaf, x.values())) else _emit(x, ind + 1) for x in v]
        return "[\n" + ",\n".join(pad + x for x in items) + "\n" + "  " * ind + "]"
    return json.dumps(v)


def dumps(manifest):
    """The manifest as text, with the final newline."""
    return _emit(manifest) + "\n"


def retarget_target(section):
    """The hook measure-retarget.sh retargets a program of this section to: XDP programs (as
    libbpf 1.1 types them: xdp, xdp/*, xdp.*) go to tc, TC programs (tc, classifier, tc/*,
    classifier/*) to xdp; None for any other section."""
    if section == "xdp" or section.startswith(("xdp/", "xdp.")):
        return "tc"
    if section in ("tc", "classifier") or section.startswith(("tc/", "classifier/")):
        return "xdp"
    return None


def retarget_within_budget(original, retargeted):
    """The overhead budget of a retargeted program: its xlated size is at most 1.15 times the
    original's, or at most 32 instructions more."""
    return retargeted * 100 <= original * 115 or retargeted <= original + 32


def refusal_reason(refusal):
    """The reason of a recorded refusal "CONSTRUCT: REASON": what follows the first colon that
    ends a word (a construct such as `return a ? b : c` has its colons after a blank)."""
    m = re.search(r"(?<=[^\s?]): ", refusal)
    return refusal[m.end():] if m else refusal


def short_message(msg, lay, drop=None, limit=160):
    """A message as the corpus tables record it (tests/corpus/CorpusSupport.h's recordedMessage
    reads it back the same way): whitespace collapsed, no "; output kept in DIR" (the temp dir of
    a failed self-check), without drop + "/" (the run's scratch dir), paths relative to the source
    root, this machine's other paths as layout placeholders (longest first: SELFTESTS lies inside
    SRC), at most limit characters."""
    msg = " ".join(msg.split())
    msg = re.sub(r"; output kept in \S+$", "", msg)
    if drop:
        msg = msg.replace(drop + "/", "")
    msg = msg.replace(lay["source_root"] + "/", "")
    for k, v in sorted(lay["vars"].items(), key=lambda kv: -len(kv[1])):
        msg = msg.replace(v, "${%s}" % k)
    return msg if len(msg) <= limit else msg[:limit - 3] + "..."


# ---------------------------------------------------------------- records keyed by kernel
# What the corpus measures depends on the kernel it runs on (verdicts, classes, xlated sizes,
# which objects bpftool loads whole; even vmlinux.h, made from the running kernel's BTF). So
# each measurement is a record named by the release it was measured on (`uname -r`):
# records/<release>.json (the manifest) and records/<release>.harness.tsv (the harness table).
# tests/corpus/CorpusSupport.h and toolchain's KernelRecords choose records the same way.
RECORDS = "records"
MANIFEST_SUFFIX = ".json"
HARNESS_SUFFIX = ".harness.tsv"


def running_release():
    """The kernel release records are keyed by: $BPFCARVE_KERNEL_RELEASE, else uname -r."""
    import os
    import platform
    return os.environ.get("BPFCARVE_KERNEL_RELEASE") or platform.release()


def _version_key(release):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|[^\d]+", release)]


def choose_record(directory, suffix, release):
    """(path, exact): the record for release in directory, else the nearest one (the longest
    common prefix with release; among equals the highest version), with exact False; None when
    the directory holds no record."""
    import os
    names = sorted(n[:-len(suffix)] for n in os.listdir(directory) if n.endswith(suffix))
    if not names:
        return None
    if release in names:
        return os.path.join(directory, release + suffix), True

    def common(n):
        return len(os.path.commonprefix([n, release]))
    best = max(names, key=lambda n: (common(n), _version_key(n)))
    return os.path.join(directory, best + suffix), False
