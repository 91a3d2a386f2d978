"""Paths as the benchmark reports print them: relative to the repository, never one machine's absolute path.

A path inside the repository prints relative to its root; one in the temp directory as $TMPDIR/...; any other
as .../NAME (its last component), which says what it was without naming the machine's layout.
"""
import os
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shown_path(path):
    """`path` as a report may print it."""
    full = os.path.abspath(path)
    if full == ROOT:
        return "."
    if full.startswith(ROOT + os.sep):
        return os.path.relpath(full, ROOT)
    tmp = os.path.abspath(tempfile.gettempdir())
    if full == tmp:
        return "$TMPDIR"
    if full.startswith(tmp + os.sep):
        return "$TMPDIR/" + os.path.relpath(full, tmp)
    return ".../" + os.path.basename(full)


def shown_command(name, args):
    """The command line `name args...` with every absolute path argument (also `--opt=/path`) shown as above."""
    out = [name]
    for arg in args:
        if arg.startswith("/"):
            arg = shown_path(arg)
        elif arg.startswith("--") and "=/" in arg:
            key, value = arg.split("=", 1)
            arg = f"{key}={shown_path(value)}"
        out.append(arg)
    return " ".join(out)
