#!/usr/bin/python3
"""selftest_run_tests - prove tests/run-tests.sh's counting on a small
tree of its own: passes, failures and skips summed on the last line; a
program that dies without reporting a failure counts as one, and its
last words (a traceback) reach the console, which is all CI keeps (stop
51's CI said only "exited with status 1" and the cause was lost)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

RUNNER = os.path.join(HERE, "..", "run-tests.sh")
PROGRAMS = {
    "selftest_a.py": 'print("ok 1 - one")\nprint("ok 2 - two # SKIP why")\n'
                     'print("not ok 3 - three")\nprint("1..3")\n'
                     'raise SystemExit(1)\n',
    "selftest_b.py": 'print("ok 1 - fine")\n'
                     'raise RuntimeError("the restart raised")\n',
    "selftest_c.py": 'print("nothing in TAP")\n',
}


def main():
    t = TAP()
    tmp = tmpdir.make("run-tests-selftest-")
    os.makedirs(os.path.join(tmp, "tests", "lib"))
    for name, body in PROGRAMS.items():
        with open(os.path.join(tmp, "tests", "lib", name), "w") as f:
            f.write(body)
    env = dict(os.environ, TEST_SUITES="lib", top_srcdir=tmp,
               top_builddir=tmp)
    r = subprocess.run(["sh", RUNNER], env=env, capture_output=True,
                       text=True, timeout=60)
    out = r.stdout.splitlines()
    t.ok(out and out[-1] == "2 passed, 3 failed, 1 skipped",
         "the last line sums every program's results", diag=r.stdout)
    t.ok(r.returncode != 0, "a failure makes the runner's status non-zero",
         diag="status %d" % r.returncode)
    t.ok(any("selftest_b.py exited with status 1 without reporting" in ln
             for ln in out) and
         any("RuntimeError: the restart raised" in ln for ln in out),
         "a program that dies without reporting a failure: one failure, "
         "and its traceback on the console", diag=r.stdout)
    t.ok(any("selftest_c.py reported no results" in ln for ln in out),
         "a program that reports nothing counts as a failure",
         diag=r.stdout)
    t.done()


if __name__ == "__main__":
    main()
