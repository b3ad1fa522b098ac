#!/usr/bin/python3
"""selftest_tmpdir - prove tests/lib/tmpdir.py: a directory made with
make() is gone when the script ends normally, on an exception and on
SIGTERM; remove() takes it at once; at_exit runs before the removal;
KEEP_TEST_TMP keeps it and names it.

Each case runs a tiny script in a child interpreter that prints the
directory it made, then checks what is left.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from tap import TAP  # noqa: E402

t = TAP()
PRELUDE = "import sys, time; sys.path.insert(0, %r)\nimport tmpdir\n" \
    "d = tmpdir.make('tmpdir-selftest-')\nprint(d, flush=True)\n" % HERE


def child(body, keep=False):
    """child - run PRELUDE + body; -> (rc, made dir, stdout lines,
    stderr)."""
    env = dict(os.environ)
    env.pop("KEEP_TEST_TMP", None)
    if keep:
        env["KEEP_TEST_TMP"] = "1"
    r = subprocess.run([sys.executable, "-c", PRELUDE + body], env=env,
                       capture_output=True, text=True, timeout=60)
    lines = r.stdout.split()
    return r.returncode, (lines[0] if lines else ""), lines, r.stderr


rc, d, _, err = child("open(d + '/f', 'w').write('x')\n")
t.ok(rc == 0 and d and not os.path.exists(d),
     "a normal exit removes the directory and its files", diag=err)

rc, d, _, err = child("raise RuntimeError('boom')\n")
t.ok(rc == 1 and "boom" in err and d and not os.path.exists(d),
     "an uncaught exception still removes it", diag=err)

rc, d, lines, err = child(
    "tmpdir.at_exit(lambda: print('hook', __import__('os').path.isdir(d),"
    " flush=True))\n")
t.ok(rc == 0 and "hook" in lines and lines[lines.index("hook") + 1] ==
     "True" and not os.path.exists(d),
     "at_exit runs while the directory is still there", diag=repr(lines))

rc, d, lines, err = child("tmpdir.remove(d)\n"
                          "print(__import__('os').path.exists(d))\n")
t.ok(rc == 0 and lines[1:] == ["False"], "remove() takes it at once",
     diag=repr(lines) + err)

rc, d, _, err = child("pass\n", keep=True)
t.ok(rc == 0 and d and os.path.isdir(d) and ("# kept " + d) in err,
     "KEEP_TEST_TMP keeps it and names it on stderr", diag=err)
if d and d.startswith("/") and "tmpdir-selftest-" in d:
    shutil.rmtree(d, ignore_errors=True)

# SIGTERM: the child sleeps after printing its directory
p = subprocess.Popen([sys.executable, "-c", PRELUDE + "time.sleep(60)\n"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True, env={k: v for k, v in os.environ.items()
                                     if k != "KEEP_TEST_TMP"})
d = p.stdout.readline().strip()
time.sleep(0.2)
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
t.ok(rc == 143 and d and not os.path.exists(d),
     "SIGTERM ends the script with 143 and removes it",
     diag="rc=%r dir=%r" % (rc, d))
p.stdout.close()
p.stderr.close()

t.done()
