#!/usr/bin/env python3
"""Stubs the functions of tch's generated C wrapper that do not compile against an older
libtorch (used by scripts/gpu-check-build.sh for torch 2.11: tch 0.26 wraps ops added later).

usage: stub_missing_ops.py TORCH_API_GENERATED_CPP BUILD_LOG

Every function the compiler's errors in BUILD_LOG point into is replaced by one that raises a
libtorch-style error ("… is not in this libtorch"), keeping its C signature: the binary links,
and calling such an op (the workbench calls none of them) fails as any libtorch error does.
Prints the names of the functions it stubbed.
"""
import re
import sys

cpp_path, log_path = sys.argv[1], sys.argv[2]
lines = open(cpp_path).read().split("\n")
errors = {
    int(m.group(1))
    for m in re.finditer(r"torch_api_generated\.cpp:(\d+):\d+: error", open(log_path).read())
}
starts = [i for i, l in enumerate(lines) if re.match(r"^\w[\w\s\*]*\batg_\w+\(", l)]


def enclosing(line0):
    start = max((s for s in starts if s <= line0), default=None)
    if start is None:
        return None
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return (start, end) if line0 <= end else None


spans = sorted({s for s in (enclosing(n - 1) for n in errors) if s is not None}, reverse=True)
if errors and not spans:
    sys.exit("stub_missing_ops: the errors are not inside generated functions")
for start, end in spans:
    head = lines[start]
    name = re.search(r"\b(atg_\w+)\(", head).group(1)
    # The signature may run over several lines: keep everything up to the opening brace.
    sig_end = next(i for i in range(start, end + 1) if lines[i].rstrip().endswith("{"))
    body = [
        '  PROTECT(throw std::runtime_error("%s is not in this libtorch (built for an older one)");)'
        % name[4:]
    ]
    lines[sig_end + 1 : end] = body
    print(name)
open(cpp_path, "w").write("\n".join(lines))
