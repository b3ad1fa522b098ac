#!/usr/bin/python3
"""test_start_env - the process environment the programs start in, as
init scripts, cron, su and containers leave it: standard descriptors
closed, an odd umask, systemd's variables with values systemd would not
set."""

import os
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import shim  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

PLAIN = (b"From: Alice <alice@example.org>\r\n"
         b"To: bob@example.net\r\n"
         b"Subject: hello\r\n"
         b"Message-ID: <env@example.org>\r\n"
         b"\r\n"
         b"Hello Bob.\r\n")


def closing(redirs, argv):
    """closing - argv run by sh with the redirections redirs ("<&-",
    ">&- 2>&-", ...) applied first: the program starts with them closed"""
    return ["/bin/sh", "-c", 'exec "$@" ' + redirs, "sh"] + list(argv)


def served(d):
    """served - one message through d gets our Authentication-Results;
    (bool, why)"""
    try:
        res = d.send_message(PLAIN, client_ip="192.0.2.7")
    except (OSError, milter_client.MilterError) as e:
        return False, repr(e)
    ars = res.header_values("Authentication-Results")
    return len(ars) == 1, repr(res)


def background_closed(t, redirs, names, syslog=False):
    """The daemon started in the background with redirs closed: the
    start command exits 0, and the daemon lives on, serves and stops on
    SIGTERM. The signal pipe took the free numbers, and going into the
    background put /dev/null over 0..2: the daemon read end of file from
    its "signal pipe" and stopped at once. With syslog, LogTo syslog:
    its lines reach syslog (syslog_capture.so records them)."""
    opts = {"InternalHosts": "192.0.2.0/24"}
    if syslog:
        opts["LogTo"] = "syslog"
    d = daemon.Daemon(options=opts)
    pid = None
    env = dict(os.environ)
    capture = os.path.join(d.tmp, "syslog.txt")
    if syslog:
        extra = shim.shim_env(t, d.tmp, "syslog_capture", names,
                              SYSLOG_CAPTURE_FILE=capture)
        if extra is None:
            d.cleanup()
            return
        env.update(extra)
    try:
        argv = daemon._command() + ["-c", d.conf_path]
        r = subprocess.run(closing(redirs, argv), capture_output=True,
                           timeout=60, env=env, cwd=d.tmp)
        pid = d.read_pid_file(timeout=0)
        time.sleep(0.3 * SCALE)	# it stopped right after the start
        ok, why = served(d)
        t.ok(r.returncode == 0 and pid is not None and
             daemon.pid_alive(pid) and ok,
             names[0], diag=lambda: "status %r, pid %r: %s %s" % (
                 r.returncode, pid, r.stderr[-300:], why))
        stopped = daemon.stop_pid(pid, 15 * SCALE)
        t.ok(stopped and not os.path.exists(d.pid_path), names[1],
             diag=repr(pid))
        if syslog:
            try:
                with open(capture, errors="replace") as f:
                    logged = f.read()
            except OSError:
                logged = ""
            t.ok("verdict=" in logged and "stopped" in logged, names[2],
                 diag=logged[-500:])
    finally:
        if pid is not None and daemon.pid_alive(pid):	# ours, by its pid
            os.kill(pid, signal.SIGKILL)
        d.cleanup()


def test_closed_background(t):
    background_closed(t, "<&-", [
        "background, stdin closed (cron): the daemon serves",
        "background, stdin closed: SIGTERM stops it"])
    background_closed(t, "<&- >&- 2>&-", [
        "background, 0..2 closed: the daemon serves",
        "background, 0..2 closed: SIGTERM stops it",
        "background, 0..2 closed, LogTo syslog: its lines reach syslog"],
        syslog=True)


def test_closed_foreground(t):
    """-f with stdout and stderr closed, LogTo stderr: the signal pipe
    took 1 and 2, so each log line was written into it and read back as
    signals; the first one stopped the daemon."""
    names = ["foreground, stdout and stderr closed: the daemon serves",
             "foreground, stdout and stderr closed: SIGTERM, status 0"]
    d = daemon.Daemon(options={"InternalHosts": "192.0.2.0/24"},
                      command=closing(">&- 2>&-", daemon._command() +
                                      ["-c", "{conf}", "-f"]))
    try:
        try:
            d.start()
            time.sleep(0.3 * SCALE)
            ok, why = served(d)
        except daemon.DaemonError as e:
            ok, why = False, str(e)
        t.ok(ok and d.running(), names[0], diag=why)
        rc = d.stop() if d.running() else "not running"
        t.ok(rc == 0, names[1], diag="status %r" % rc)
    finally:
        d.cleanup()


def test_umask(t):
    """Started under umask 000 and 077: the unix socket gets SocketMode
    exactly, and PidFile 0644 (under 077 it was 0600, root's alone: a
    monitor or script running as another user could not read it)."""
    for mask in (0o000, 0o077):
        names = ["umask %03o: the unix socket has SocketMode 0660" % mask,
                 "umask %03o: PidFile has mode 0644" % mask]
        old = os.umask(mask)
        try:
            d = daemon.Daemon(socket="unix", options={"SocketMode": "0660"})
            d.start()
        finally:
            os.umask(old)
        try:
            d.read_pid_file()
            modes = [stat.S_IMODE(os.stat(p).st_mode)
                     for p in (d.spec[len("unix:"):], d.pid_path)]
            t.ok(modes[0] == 0o660, names[0], diag="%o" % modes[0])
            t.ok(modes[1] == 0o644, names[1], diag="%o" % modes[1])
        finally:
            d.cleanup()


def test_low_fd_limit(t):
    """Started with a hard limit on open files of 32 (enough) and 13 (too
    few): a warning names the limit, and at 32 the daemon serves. At 13
    it exited 1 "see libmilter's message" while that message went to
    syslog only, and at 12 with "cannot create a pipe": no word of the
    limit in the log it was told to write."""
    names = ["open files 32: a warning names the limit",
             "open files 32: the daemon serves and stops",
             "open files 13: exit 1, the log names the limit"]
    d = daemon.Daemon(command=["/bin/sh", "-c", 'ulimit -n 32 && exec "$@"',
                               "sh"] + daemon._command() +
                      ["-c", "{conf}", "-f"])
    try:
        try:
            d.start()
            ok, why = served(d)
        except daemon.DaemonError as e:
            ok, why = False, str(e)
        log = d.log()
        rc = d.stop()
        # valgrind keeps descriptors of its own under the limit and
        # shows the program a smaller one: the numbers differ there
        wrapped = "AUTHMILTER_WRAPPER gives the program another limit" \
            if os.environ.get("AUTHMILTER_WRAPPER") else None
        if wrapped:
            t.skip(names[0], wrapped)
        else:
            t.ok("the limit on open files is 32" in log, names[0],
                 diag=log[-600:])
        t.ok(ok and rc == 0, names[1], diag="%s, status %r" % (why, rc))
        if wrapped:
            t.skip(names[2], wrapped)
            return
        r = subprocess.run(["/bin/sh", "-c", 'ulimit -n 13 && exec "$@"',
                            "sh"] + daemon._command() +
                           ["-c", d.conf_path, "-f"], capture_output=True,
                           text=True, timeout=60 * SCALE, cwd=d.tmp)
        t.ok(r.returncode == 1 and "the limit on open files is 13" in
             r.stderr, names[2], diag="status %r: %s" % (r.returncode,
                                                         r.stderr[-600:]))
    finally:
        d.cleanup()


# what systemd sets, as an administrator's typo or a hostile parent
# could leave it; sd_notify and sd_watchdog_enabled take none of these
HOSTILE_ENV = [
    ("NOTIFY_SOCKET empty", {"NOTIFY_SOCKET": ""}),
    ("NOTIFY_SOCKET 100000 bytes", {"NOTIFY_SOCKET": "/" + "x" * 99999}),
    ("NOTIFY_SOCKET to nothing", {"NOTIFY_SOCKET": "/nonexistent/notify"}),
    ("WATCHDOG_USEC not a number", {"NOTIFY_SOCKET": "@authmilter-none",
                                    "WATCHDOG_USEC": "abc"}),
    ("WATCHDOG_USEC 2^64 - 2", {"NOTIFY_SOCKET": "@authmilter-none",
                                "WATCHDOG_USEC": "18446744073709551614"}),
    ("WATCHDOG_USEC 1", {"NOTIFY_SOCKET": "@authmilter-none",
                         "WATCHDOG_USEC": "1"}),
    ("WATCHDOG_PID not a number", {"NOTIFY_SOCKET": "@authmilter-none",
                                   "WATCHDOG_USEC": "1000000",
                                   "WATCHDOG_PID": "-x"}),
]


def test_hostile_env(t):
    """authmilter(8) ENVIRONMENT: values of the systemd variables that
    systemd would not set leave the daemon serving"""
    for label, env in HOSTILE_ENV:
        name = "%s: the daemon serves and stops" % label
        d = daemon.Daemon(env=env)
        try:
            d.start()
            time.sleep(0.2 * SCALE)	# a few watchdog ticks at 1 us
            ok, why = served(d)
            rc = d.stop()
            t.ok(ok and rc == 0, name, diag=lambda: "%s, status %r\n%s" % (
                why, rc, d.log_tail(4)))
        except daemon.DaemonError as e:
            t.ok(False, name, diag=str(e))
        finally:
            d.cleanup()


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="start environment tests"):
        t.done()
    test_closed_background(t)
    test_closed_foreground(t)
    test_umask(t)
    test_hostile_env(t)
    test_low_fd_limit(t)
    t.done()


if __name__ == "__main__":
    main()
