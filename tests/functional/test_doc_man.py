#!/usr/bin/python3
"""test_doc_man - every manual page in doc/ renders cleanly.

For each doc/*.1, *.5 and *.8:
  bytes    only printable text, tab and newline: a control character (a
           form feed from "\\f" written through a string escape) is text
           man prints as garbage;
  groff    `groff -man -ww -z` says nothing: a warning is a line troff
           misreads (a text line starting with "." or "'" is a request
           and vanishes) or a macro it does not know."""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def pages():
    found = []
    for ext in ("1", "5", "8"):
        found += glob.glob(os.path.join(SRC, "doc", "*." + ext))
    return sorted(found)


def control_lines(path):
    """line numbers holding a control character"""
    with open(path, "rb") as f:
        return [n for n, line in enumerate(f, 1) if CONTROL.search(line)]


def groff_warnings(path):
    env = dict(os.environ, LC_ALL="C.UTF-8")
    p = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=60)
    return p.stderr.decode("utf-8", "replace").strip()


def main():
    t = TAP()
    found = pages()
    t.ok(len(found) >= 5, "doc/ has the manual pages",
         diag="found %r" % [os.path.basename(p) for p in found])
    for path in found:
        name = os.path.basename(path)
        bad = control_lines(path)
        t.ok(not bad, "%s: no control characters" % name,
             diag="line(s) %s" % bad)
    names = ["%s: groff -ww says nothing" % os.path.basename(p)
             for p in found]
    if t.need(tools=("groff",), what="groff (Debian package groff-base)",
              tests=names):
        for path, name in zip(found, names):
            out = groff_warnings(path)
            t.ok(out == "", name, diag=out)
    t.done()


if __name__ == "__main__":
    main()
