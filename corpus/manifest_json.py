"""corpus/manifest_json.py - the one way corpus/manifest.json is printed.

make-manifest.sh writes the manifest, measure-extract.sh adds its extract fields to it; both print
it with dumps() so the bytes depend only on the content: one line per leaf object or scalar list
(one program per line), which keeps diffs between two measurements short.
"""
import json


def _emit(v, ind=0):
    pad = "  " * (ind + 1)
    if isinstance(v, dict) and any(isinstance(x, (dict, list)) and x for x in v.values()):
        items = ["%s%s: %s" % (pad, json.dumps(k), _emit(x, ind + 1)) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * ind + "}"
    if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        return "[\n" + ",\n".join(pad + _emit(x, ind + 1) for x in v) + "\n" + "  " * ind + "]"
    return json.dumps(v)


def dumps(manifest):
    """The manifest as text, with the final newline."""
    return _emit(manifest) + "\n"
