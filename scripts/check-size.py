#!/usr/bin/env python3
"""Size limits of product code (the five libraries and the CLI): no source file over 1,000 lines,
no function over 120 lines unless at least half of its lines are initialiser rows of a data table.

    scripts/check-size.py [ROOT]          exit 1 and one line per breach (file:line: reason)
    scripts/check-size.py --list [ROOT]   every function of 60 lines or more, longest first

A function is found the way the code is formatted (.clang-format, LLVM style, namespaces not
indented): its body opens at the end of a line and closes with a `}` alone in the opening line's
indentation; every brace-delimited block whose opening line carries a parameter list `)` and is
not a control statement, a lambda or an aggregate is a function. Class members defined in the
class are found the same way, at their own indentation. A table row is a line that opens with
`{` or `.field =`, or a string/number literal continuing an initialiser list.
"""
import pathlib
import re
import sys

FILE_LIMIT = 1000
FUNCTION_LIMIT = 120
PRODUCT = ["toolchain", "extractor", "verifier-check", "transformer", "cli"]
SOURCE_SUFFIXES = {".cpp", ".h"}

CONTROL = re.compile(r"^\s*(\}\s*)?(if|else|for|while|switch|do|try|catch)\b")
NOT_FUNCTION = re.compile(r"^\s*(namespace|struct|class|union|enum|extern)\b|=\s*\{\s*$|\[[^\]]*\]\s*\(")
ROW = re.compile(r"^\s*(\{|\.[A-Za-z_]\w*\s*=|\"|'|-?\d|//)")


def functions(lines):
    """(first line index, last line index, name line) of each function definition."""
    out = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.rstrip()
        if stripped.endswith("{") and not CONTROL.match(line) and not NOT_FUNCTION.search(line):
            # The signature may span lines: walk back to its first line.
            start = i
            while start > 0 and lines[start - 1].strip() and \
                    not lines[start - 1].rstrip().endswith((";", "}", "{", ":")) and \
                    not lines[start - 1].lstrip().startswith(("//", "#")):
                start -= 1
            head = " ".join(l.strip() for l in lines[start:i + 1])
            if "(" in head and ")" in head and not CONTROL.match(lines[start]) and \
                    not NOT_FUNCTION.search(lines[start]) and "=" not in head.split("(")[0]:
                indent = len(lines[start]) - len(lines[start].lstrip())
                close = " " * indent + "}"
                j = i + 1
                while j < n and not (lines[j].rstrip() in (close, close + ";") or
                                     lines[j].startswith(close + " //")):
                    j += 1
                if j < n:
                    out.append((start, j, head))
                    i = j + 1
                    continue
        i += 1
    return out


def main(argv):
    listing = "--list" in argv
    args = [a for a in argv if a != "--list"]
    root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent)
    breaches = []
    found = []
    for folder in PRODUCT:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(root)
            lines = path.read_text(errors="replace").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) > FILE_LIMIT:
                breaches.append(f"{rel}:1: {len(lines)} lines (limit {FILE_LIMIT})")
            for start, end, head in functions(lines):
                length = end - start + 1
                rows = sum(1 for l in lines[start + 1:end] if ROW.match(l))
                name = re.sub(r"\s*\{$", "", head)[:100]
                found.append((length, f"{rel}:{start + 1}", name, rows))
                if length > FUNCTION_LIMIT and rows * 2 < length:
                    breaches.append(f"{rel}:{start + 1}: function of {length} lines "
                                    f"({rows} table rows; limit {FUNCTION_LIMIT}): {name}")
    if listing:
        for length, where, name, rows in sorted(found, reverse=True):
            if length >= 60:
                print(f"{length:5d} {rows:4d}  {where}  {name}")
        return 0
    for b in breaches:
        print(b)
    if breaches:
        print(f"check-size: {len(breaches)} breach(es) of the size limits (docs/architecture.md)")
        return 1
    print(f"check-size: {len(found)} functions; no file over {FILE_LIMIT} lines, no function over "
          f"{FUNCTION_LIMIT} lines outside data tables")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
