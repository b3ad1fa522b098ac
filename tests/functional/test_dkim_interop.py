#!/usr/bin/python3
"""test_dkim_interop.py - DKIM interoperability over a generated corpus.

Builds the corpus with tests/dkim/gen_corpus.py (dkimpy and Mail::DKIM
signers, tampering and key-record variants) into the build tree, then runs
tests/dkim/dkim_check (found through top_builddir) which verifies every
message with authmilter's verifier, keys taken from a table, and prints
TAP with the message count. Then "dkim_check --big 50" verifies a 50 MB
message streamed in 64 KiB chunks and checks that peak memory stays flat.
Skips when a signer or the program is missing.
"""

import os
import re
import shutil
import subprocess
import sys

srcdir = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
builddir = os.environ.get("top_builddir") or srcdir
check = os.path.join(builddir, "tests", "dkim", "dkim_check")
gen = os.path.join(srcdir, "tests", "dkim", "gen_corpus.py")
corpus = os.path.join(builddir, "tests", "dkim", "corpus")


def skip(why):
    print("1..1")
    print("ok 1 - dkim interop # SKIP %s" % why)
    return 0


def main():
    if not os.access(check, os.X_OK):
        return skip("%s not built (make check builds it)" % check)
    try:
        import dkim  # noqa: F401
        import nacl  # noqa: F401
    except ImportError as e:
        return skip("python3-dkim/python3-nacl missing: %s" % e)
    if subprocess.run(["perl", "-MMail::DKIM::Signer", "-e", "1"],
                      capture_output=True).returncode != 0:
        return skip("Mail::DKIM (libmail-dkim-perl) missing")
    shutil.rmtree(corpus, ignore_errors=True)
    g = subprocess.run([sys.executable, gen, corpus], capture_output=True,
                       text=True, timeout=120)
    if g.returncode != 0:
        print("1..1")
        print("not ok 1 - corpus generation failed")
        for line in (g.stdout + g.stderr).splitlines()[-20:]:
            print("# " + line)
        return 1
    results = []      # (ok, text) from both runs, renumbered below
    comments = []
    rc = 0
    for args in ([check, corpus], [check, "--big", "50"]):
        r = subprocess.run(args, capture_output=True, text=True, timeout=300)
        rc = rc or r.returncode
        for line in r.stdout.splitlines():
            m = re.match(r"^(ok|not ok) \d+ (.*)$", line)
            if m:
                results.append((m.group(1), m.group(2)))
            elif line.startswith("#"):
                comments.append(line)
        comments.extend("# " + line for line in r.stderr.splitlines())
        if r.returncode != 0 and not any(o == "not ok" for o, _ in results):
            results.append(("not ok", "- %s exited %d" % (args[1], r.returncode)))
    print("1..%d" % len(results))
    for i, (ok, text) in enumerate(results, 1):
        print("%s %d %s" % (ok, i, text))
    for line in comments:
        print(line)
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())
