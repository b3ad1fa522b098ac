#!/usr/bin/python3
"""selftest_daemon - prove tests/lib/daemon.py without authmilter.

It runs the scripted test milter (tests/lib/testmilter.c, same command
line shape as authmilter: -c FILE -f) and a stubborn stand-in that ignores
SIGTERM, and checks: config rendering, start-up wait, PID and pid file,
log capture and wait_for_log, SIGHUP delivery, clean SIGTERM stop, SIGKILL
after the stop bound, a start failure reported with the log tail, the
AUTHMILTER_WRAPPER prefix, and removal of the temp dir. A stand-in that
goes on starting after its listen, as authmilter does, then sends READY=1
checks that start() waits for READY=1 (and makes no connection), fails
early when the program exits first, fails after start_timeout without
READY=1, and leaves a test's own NOTIFY_SOCKET alone.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import daemon  # noqa: E402
import milter_client as mc  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()

STUBBORN = r"""
import signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
spec = [l.split(None, 1)[1].strip() for l in open(sys.argv[1])
        if l.startswith("Socket ")][0]
port = int(spec.split(":")[1].split("@")[0])
s = socket.socket(); s.bind(("127.0.0.1", port)); s.listen(5)
print("stubborn listening", flush=True)
for _ in range(600):
    time.sleep(0.1)
"""

# listens, goes on starting (0.3 s), writes its pid file, then sends
# READY=1 to NOTIFY_SOCKET ("ready"), exits 3 first ("exit") or never
# notifies ("silent"); logs each connection it accepts
STANDIN = r"""
import os, signal, socket, sys, time
opts = dict(l.split(None, 1) for l in open(sys.argv[1]).read().splitlines()
            if l and not l.startswith("#"))
port = int(opts["Socket"].split(":")[1].split("@")[0])
mode = os.environ["STANDIN_MODE"]
print("notify socket %s" % os.environ.get("NOTIFY_SOCKET"), flush=True)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(5)
time.sleep(0.3)
if mode == "exit":
    sys.exit(3)
with open(opts["PidFile"], "w") as f:
    f.write("%d\n" % os.getpid())
if mode == "ready" and "NOTIFY_SOCKET" in os.environ:
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.sendto(b"STATUS=up\nREADY=1", os.environ["NOTIFY_SOCKET"])
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("accepting", flush=True)
s.settimeout(0.1)
for _ in range(600):
    try:
        s.accept()[0].close()
        print("accepted a connection", flush=True)
    except socket.timeout:
        pass
"""


def standin(mode, **kw):
    """standin - a Daemon running STANDIN in mode, taken to notify"""
    env = dict(kw.pop("env", {}), STANDIN_MODE=mode)
    return daemon.Daemon({}, command=["/usr/bin/python3", "-c", STANDIN,
                                      "{conf}"], env=env, notifies=True,
                         **kw)


def start_error(d):
    """start_error - (DaemonError text or None, seconds start() took)"""
    t0 = time.monotonic()
    try:
        d.start()
        return None, time.monotonic() - t0
    except daemon.DaemonError as e:
        return str(e), time.monotonic() - t0
    finally:
        d.cleanup()


def ready():
    """ready - start() waits for READY=1, not for the socket."""
    with standin("ready") as d:
        t.ok(os.path.exists(d.pid_path), "start() returns after READY=1, "
             "not at the listen: the pid file written between is there")
        t.ok(d.wait_for_log(r"accepting", 5) and
             not d.wait_for_log(r"accepted", 0.3),
             "start() made no connection", diag=d.log_tail)
        t.ok(not os.path.exists(os.path.join(d.tmp, "ready-notify.sock")),
             "the notify socket is gone once start() returns")
    err, took = start_error(standin("exit"))
    t.ok(err is not None and "exit status 3" in err and took < 5,
         "exit before READY=1: DaemonError at once, with the status",
         diag="%.1f s: %s" % (took, err))
    err, took = start_error(standin("silent", start_timeout=1))
    t.ok(err is not None and "READY=1" in err and "running" in err,
         "no READY=1 within start_timeout: DaemonError",
         diag="%.1f s: %s" % (took, err))
    # set as test_sd_notify does: in d.env, after the Daemon is made
    d = standin("silent")
    d.env["NOTIFY_SOCKET"] = "@selftest-own"
    with d:
        t.ok(d.wait_for_log(r"notify socket @selftest-own", 5),
             "a test's own NOTIFY_SOCKET is passed on; start() waits for "
             "the socket then", diag=d.log_tail)


def pure():
    """pure - config rendering."""
    text = daemon.render_config({"Socket": "inet:1@127.0.0.1",
                                 "InternalHosts": ["10.0.0.0/8", "::1"],
                                 "Skip": None, "Flag": True})
    t.is_eq(text.splitlines()[1:], ["Socket inet:1@127.0.0.1",
                                    "InternalHosts 10.0.0.0/8",
                                    "InternalHosts ::1", "Flag yes"],
            "render_config: lists repeat, None omitted, bools yes/no")
    d = daemon.Daemon({"AuthservID": "other.example", "LogLevel": None},
                      binary="/nonexistent/authmilter")
    conf = open(d.conf_path).read()
    t.ok("AuthservID other.example" in conf and "LogLevel" not in conf
         and "LogTo stderr" in conf and ("Socket " + d.spec) in conf
         and ("PidFile " + d.pid_path) in conf,
         "defaults merged with overrides", diag=conf)
    try:
        d.start()
        ok = False
    except daemon.DaemonError as e:
        ok = "/nonexistent/authmilter" in str(e)
    t.ok(ok, "missing binary: DaemonError names it")
    d.cleanup()
    t.ok(not os.path.exists(d.tmp), "cleanup removes the temp dir")


def live(path):
    """live - process control with the test milter."""
    d = daemon.Daemon({}, binary=path)
    with d:
        t.ok(d.running() and mc.wait_for_socket(d.spec, 1),
             "start waits until the socket accepts")
        t.is_eq(d.read_pid_file(), d.pid, "pid file holds the PID we started")
        t.ok(d.wait_for_log(r"listening on " + d.spec.replace(".", r"\."),
                            5) is not None,
             "stderr captured in the log file", diag=d.log_tail)
        mark = len(d.log())
        r = d.send_message(b"From: a@b.example\n\nx\n")
        t.ok(r.disposition == "accept" and
             d.wait_for_log(r"testmilter: eom", 5, start=mark),
             "send_message through the daemon; wait_for_log from an offset")
        # the message's connection restarted libmilter's 5 s select on the
        # listening socket: only stop()'s connections end it sooner
        t0 = time.monotonic()
        rc = d.stop()
        took = time.monotonic() - t0
        t.ok(rc == 0 and not d.running() and not d.killed,
             "SIGTERM stops it cleanly (status 0)", diag="status %s" % rc)
        t.ok(took < 2.5, "stop() of a libmilter program pokes its socket: "
             "it exits before libmilter's 5 s select timeout",
             diag="%.2f s" % took)
    t.ok(not os.path.exists(d.tmp), "temp dir removed after the with block")

    # Stock libmilter (8.17) owns SIGHUP: its signal thread makes
    # smfi_main() return, so a plain libmilter program stops on SIGHUP.
    # That is what this checks - that reload() reached our PID - and it
    # is why authmilter must handle SIGHUP itself to reload.
    with daemon.Daemon({}, binary=path) as d:
        # one message first: then smfi_main's signal thread surely runs
        d.send_message(b"From: a@b\n\nx\n")
        d.reload()
        t.ok(d.wait(5) == 0 and d.wait_for_log(r"testmilter: stopped", 2),
             "reload() sends SIGHUP to our PID (stock libmilter stops)",
             diag=d.log_tail)

    bad = daemon.Daemon({}, binary=path, defaults={}, start_timeout=5)
    try:
        bad.start()
        ok, msg = False, "started"
    except daemon.DaemonError as e:
        ok, msg = "no Socket" in str(e) and "exit status 2" in str(e), str(e)
    bad.cleanup()
    t.ok(ok, "failed start: DaemonError with exit status and log tail",
         diag=msg)

    os.environ["AUTHMILTER_WRAPPER"] = "env TESTMILTER_WRAPPED=1"
    try:
        with daemon.Daemon({}, binary=path) as w:
            environ = open("/proc/%d/environ" % w.pid, "rb").read()
            t.ok(b"TESTMILTER_WRAPPED=1" in environ and
                 w.send_message(b"From: a@b\n\nx\n").disposition == "accept",
                 "AUTHMILTER_WRAPPER prefix runs in the same process")
    finally:
        del os.environ["AUTHMILTER_WRAPPER"]


def stubborn():
    """stubborn - a daemon ignoring SIGTERM is killed after the bound."""
    d = daemon.Daemon({}, command=[sys.executable, "-c", STUBBORN, "{conf}"],
                      stop_timeout=1.0)
    with d:
        rc = d.stop()
        t.ok(d.killed and rc == -9, "SIGKILL after stop_timeout",
             diag="status %s killed %s" % (rc, d.killed))


pure()
path, why = daemon.build_testmilter()
if t.need(check=lambda: why, what="scripted test milter",
          tests=["daemon runner: live tests"]):
    live(path)
stubborn()
ready()
t.done()
