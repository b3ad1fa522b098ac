#!/usr/bin/python3
"""selftest_tap - prove tests/lib/tap.py: output format, exit status, and
the prerequisite rule (skip on a laptop, fail under CI=true).

Each case runs a tiny script in a child interpreter with a controlled
environment and checks its stdout and exit status.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from tap import TAP  # noqa: E402

t = TAP()


def child(body, ci, wrapper=None):
    """child - run body (Python) with tap imported, CI and
    AUTHMILTER_WRAPPER as given; -> (rc, stdout)."""
    env = dict(os.environ)
    env.pop("CI", None)
    env.pop("AUTHMILTER_WRAPPER", None)
    if ci is not None:
        env["CI"] = ci
    if wrapper is not None:
        env["AUTHMILTER_WRAPPER"] = wrapper
    code = "import sys; sys.path.insert(0, %r)\nfrom tap import TAP\n" \
        "t = TAP()\n%s\nt.done()\n" % (HERE, body)
    r = subprocess.run([sys.executable, "-c", code], env=env,
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


rc, out = child("t.ok(True, 'a')\nt.ok(1 == 1, 'b # not a directive')", None)
t.is_eq((rc, out), (0, "ok 1 - a\nok 2 - b No. not a directive\n1..2\n"),
        "passing tests: ok lines, trailing plan, exit 0")
rc, out = child("t.ok(False, 'bad', diag='why\\nmore')", None)
t.is_eq((rc, out), (1, "not ok 1 - bad\n# why\n# more\n1..1\n"),
        "failing test: not ok, diag as comments, exit 1")
rc, out = child("t.plan(2)\nt.ok(True, 'only one')", None)
t.ok(rc == 1 and "planned 2 tests but ran 1" in out,
     "plan mismatch is a failure", diag=out)
rc, out = child("t.skip('s', 'no reason needed')", None)
t.is_eq((rc, out), (0, "ok 1 - s # SKIP no reason needed\n1..1\n"),
        "skip line format")
need = "t.need(root=False, tools=['no-such-tool-xyz'], what='X', " \
    "tests=['one', 'two'])"
rc, out = child(need, None)
t.ok(rc == 0 and out.count("# SKIP X needs no-such-tool-xyz") == 2,
     "missing prerequisite skips each named test on a laptop", diag=out)
rc, out = child(need, "true")
t.ok(rc == 1 and out.count("not ok") == 2 and "CI=true" in out,
     "missing prerequisite fails each named test under CI=true", diag=out)
rc, out = child("assert t.need(tools=['sh'], files=['/'])\nt.ok(True, 'x')",
                "true")
t.is_eq((rc, out), (0, "ok 1 - x\n1..1\n"),
        "present prerequisites report nothing")
rc, out = child("t.need(check=lambda: 'a DNS server')", None)
t.ok(rc == 0 and "# SKIP needs a DNS server" in out,
     "check callable gives the reason", diag=out)
wrapped = "t.skip_if_wrapped('W')\nt.ok(False, 'the rest')"
rc, out = child(wrapped, "true", wrapper="valgrind -q")
t.ok(rc == 0 and out.startswith("ok 1 - W # SKIP starts no daemon") and
     out.endswith("\n1..1\n") and "the rest" not in out,
     "skip_if_wrapped under AUTHMILTER_WRAPPER: one skip, the run ends", diag=out)
rc, out = child(wrapped, "true")
t.is_eq((rc, out), (1, "not ok 1 - the rest\n1..1\n"),
        "skip_if_wrapped without a wrapper: the test runs")
# run_parallel: the first part ends last, its results still come first
parts = """import time
from tap import run_parallel
def slow(r):
    time.sleep(1)
    r.ok(True, 'slow')
    r.is_eq(1, 2, 'eq')
def fast(r):
    r.skip('s', 'why')
    r.ok(False, 'bad', diag=lambda: 'said then')
    r.diag('note')
start = time.monotonic()
run_parallel(t, slow, fast, lambda r: time.sleep(1))
t.ok(time.monotonic() - start < 1.8, 'at once')
"""
rc, out = child(parts, None)
t.is_eq((rc, out), (1, "ok 1 - slow\nnot ok 2 - eq\n# got:  1\n# want: 2\n"
                    "ok 3 - s # SKIP why\nnot ok 4 - bad\n# said then\n"
                    "# note\nok 5 - at once\n1..5\n"),
        "run_parallel: parts at once, results in the order of the parts")
rc, out = child("""from tap import run_parallel
def boom(r):
    raise ValueError('boom')
run_parallel(t, lambda r: r.ok(True, 'first'), boom,
             lambda r: r.ok(True, 'third'))""", None)
t.ok(rc == 1 and out == "ok 1 - first\n", "run_parallel: a part's "
     "exception is raised after the parts before it were reported",
     diag="status %r: %r" % (rc, out))
t.done()
