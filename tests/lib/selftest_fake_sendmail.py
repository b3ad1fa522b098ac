#!/usr/bin/python3
"""selftest_fake_sendmail - prove tests/lib/fake_sendmail.py: a message
still being written is not in the spool (a test that waited for the
count read it half written on a loaded machine); once its writer ends it
is there whole, and `after` finds it at "$msg"."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fake_sendmail  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

HEAD = b"From: a@example.test\nTo: ruf@example.test\n"
REST = b"Subject: whole\n\nBody text.\n"


def written(spool, n, timeout=10):
    """written - until some file in spool holds n bytes (bounded)"""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for name in os.listdir(spool):
            if os.path.getsize(os.path.join(spool, name)) >= n:
                return True
        time.sleep(0.02)
    return False


t = TAP()
tmp = tmpdir.make("fake-sendmail-selftest-")
script, spool = fake_sendmail.make(
    tmp, "sendmail", after='[ -s "$msg" ] && touch "$spool/../after-saw"')
p = subprocess.Popen([script, "-t", "-oi"], stdin=subprocess.PIPE)
p.stdin.write(HEAD)
p.stdin.flush()
started = written(spool, len(HEAD))
t.ok(started and fake_sendmail.paths(spool) == [],
     "a message being written is not in the spool",
     diag="started %r, spool %r" % (started, os.listdir(spool)))
p.stdin.write(REST)
p.stdin.close()
rc = p.wait(timeout=30)
got = fake_sendmail.messages(spool)
t.ok(rc == 0 and len(got) == 1 and str(got[0]["Subject"]) == "whole" and
     got[0].get_content().strip() == "Body text.",
     "once written it is there whole", diag="rc %r, %r" % (rc, got))
t.ok(os.path.exists(os.path.join(tmp, "after-saw")),
     "`after` finds the whole message at $msg")
t.done()
