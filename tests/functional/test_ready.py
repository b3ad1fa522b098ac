#!/usr/bin/python3
"""test_ready - READY=1 comes once start-up has ended.

Daemon.start() waits for the daemon's READY=1 (tests/lib/daemon.py), and
tests count the descriptors and threads the daemon has then, or read its
PID file and log. So by READY=1 the daemon must have opened and started
all it holds idle. libmilter's listener, in a thread of its own, went on
starting after it (its worker pool: a pipe and a handful of threads, seen
after READY=1 in 15 of 20 starts), and so did the status thread (started
just after READY=1). Each of a few starts compares what the daemon holds
at READY=1 with what it holds a moment later: sockets are left out (the
one sd_notify sends READY=1 on closes just after the send). In the last
start slow_thread_start.so makes every thread start that is not the main
thread's 100 ms late: libmilter's start-up then surely outlasts the
rest.
A build without libsystemd never sends READY=1 (start() then waits for
the socket only): nothing to check.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from shim import shim_env  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()
STARTS = 3


def held(pid):
    """held - (descriptors other than sockets, threads) of a process"""
    fds = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue    # closed meanwhile
        if not target.startswith("socket:"):
            fds.append(target)
    return sorted(fds), len(os.listdir("/proc/%d/task" % pid))


def one_start(t, i, env=None):
    """one_start - start, look at once, look again a moment later"""
    with daemon.Daemon({"LogLevel": "info"}, env=env) as d:
        at_ready, pid_started = held(d.pid), d.pid
        pid = d.read_pid_file(timeout=0)
        started = re.search(r"info: \S+ \S+ started\n", d.log())
        time.sleep(0.3 * SCALE)
        later = held(d.pid)
    t.is_eq(at_ready, later, "start %d: the descriptors and threads at "
            "READY=1 are all there are" % i)
    t.ok(pid == pid_started and started is not None, "start %d: the PID file "
         "and the start line are there at READY=1" % i)


def main():
    t = TAP()
    names = ["start %d: %s" % (i, what) for i in range(STARTS)
             for what in ("descriptors and threads", "PID file and log")]
    if not t.need(check=daemon.missing, what="authmilter", tests=names):
        t.done()
    if not daemon.links_libsystemd(daemon.binary()):
        t.skip_rest("built without libsystemd: no READY=1", names)
        t.done()
    for i in range(STARTS - 1):
        one_start(t, i)
    tmp = tmpdir.make("test-ready-")
    env = shim_env(t, tmp, "slow_thread_start", names[-2:],
                   SLOW_OTHER_THREAD_START_MS="100")
    if env is not None:
        one_start(t, STARTS - 1, env)
    t.done()


if __name__ == "__main__":
    main()
