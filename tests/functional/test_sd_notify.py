#!/usr/bin/python3
"""test_sd_notify - the daemon talks to systemd through sd_notify: READY=1
once serving, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around SIGHUP
(also when the reload is refused), STOPPING=1 on SIGTERM (the last note,
also when a watchdog probe was under way), a STATUS= line that counts
messages, and WATCHDOG=1 pings while the milter socket answers a milter
negotiation (a unix socket renamed away: the pings stop until it is
back). WATCHDOG_PID naming another process means no pings.
No systemd is needed: NOTIFY_SOCKET points at a datagram socket this test
reads. A daemon built without libsystemd (configure --without-systemd)
must serve mail with NOTIFY_SOCKET set and send nothing."""

import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import shim  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP, run_parallel  # noqa: E402

# tests/ci-sanitize.sh slows the daemon down (ASan, valgrind)
SCALE = time_scale.factor()
WATCHDOG_USEC = int(1000000 * SCALE)    # pings every WATCHDOG_USEC / 2

PLAIN = (b"From: Alice <alice@example.org>\r\n"
         b"To: bob@example.net\r\n"
         b"Subject: hello\r\n"
         b"Message-ID: <1@example.org>\r\n"
         b"\r\n"
         b"Hello Bob.\r\n")

# sh sets WATCHDOG_PID to its own pid, then execs the daemon into it, as
# systemd sets it to the service's main pid (valgrind, when it wraps the
# daemon, execs it in the same process too)
WITH_OWN_PID = 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"'


def built_with_systemd():
    """built_with_systemd - did configure find libsystemd (config.h)?"""
    top = os.environ.get("top_builddir") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    try:
        with open(os.path.join(top, "config.h")) as f:
            return re.search(r"^#define HAVE_SYSTEMD 1$", f.read(), re.M) \
                is not None
    except OSError:
        return True     # an installed binary: expect it to talk


class Listener:
    """Listener - the NOTIFY_SOCKET end: one unix datagram socket."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        # the daemon may drop to another user before it sends
        os.chmod(path, 0o777)
        self.notes = []     # (time, {VAR: value}) in arrival order

    def pump(self, seconds):
        """pump - collect notifications for up to seconds."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return
            note = {}
            for line in data.decode("utf-8", "replace").split("\n"):
                k, _, v = line.partition("=")
                if k:
                    note[k] = v
            self.notes.append((time.monotonic(), note))

    def wait_for(self, key, value=None, timeout=None, after=0):
        """wait_for - index of the first note at or after `after` with
        key (= value); None on timeout (None: 10 s, scaled)."""
        end = time.monotonic() + (10 * SCALE if timeout is None else timeout)
        while True:
            for i in range(after, len(self.notes)):
                note = self.notes[i][1]
                if key in note and (value is None or note[key] == value):
                    return i
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.pump(min(left, 0.2))

    def close(self):
        self.sock.close()


def make_daemon(tmp_env, watchdog_pid=None, sock="inet"):
    """make_daemon - a Daemon started by sh so WATCHDOG_PID can be set."""
    env = dict(tmp_env)
    env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    script = WITH_OWN_PID
    if watchdog_pid is not None:
        script = 'WATCHDOG_PID=%d; export WATCHDOG_PID; exec "$@"' % \
            watchdog_pid
    command = ["/bin/sh", "-c", script, "sh"] + daemon._command() + \
        ["-c", "{conf}", "-f"]
    # DNS goes nowhere (tests/lib/daemon.py): give up on it quickly
    # ShutdownTimeout over systemd's 90 s stop timeout: STOPPING=1 must
    # ask for more
    return daemon.Daemon(command=command, env=env, socket=sock,
                         options={"DNSTimeout": "100ms",
                                  "ShutdownTimeout": "5m"})


def test_sequence(t):
    """READY, pings, STATUS count, RELOADING/READY twice, STOPPING."""
    names = ["READY=1 once the socket serves",
             "STATUS names the socket and 0 messages",
             "WATCHDOG=1 pings arrive, less than WATCHDOG_USEC apart",
             "STATUS counts the message served",
             "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1",
             "a refused reload: RELOADING=1, READY=1, STATUS says refused",
             "SIGTERM: STOPPING=1, and nothing after it",
             "the daemon exits 0"]
    d = make_daemon({})
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    d.env["NOTIFY_SOCKET"] = lsn.path
    try:
        d.start()
        i_ready = lsn.wait_for("READY", "1")
        t.ok(i_ready is not None, names[0], diag=lambda: d.log_tail())
        status = lsn.notes[i_ready][1].get("STATUS", "") \
            if i_ready is not None else ""
        t.ok(status.startswith("serving " + d.spec + ", 0 messages, "
                               "config loaded at "), names[1], diag=status)
        i_first = lsn.wait_for("WATCHDOG", "1", after=i_ready or 0)
        i_second = lsn.wait_for("WATCHDOG", "1", after=(i_first or 0) + 1)
        gap = (lsn.notes[i_second][0] - lsn.notes[i_first][0]
               if i_first is not None and i_second is not None else None)
        t.ok(gap is not None and gap <= WATCHDOG_USEC / 1e6, names[2],
             diag="gap %r s; %r" % (gap, lsn.notes))

        res = d.send_message(PLAIN)
        i_count = lsn.wait_for("STATUS", after=len(lsn.notes),
                               timeout=5 * SCALE) if res else None
        deadline = time.monotonic() + 5 * SCALE
        while i_count is not None and ", 1 messages," not in \
                lsn.notes[i_count][1]["STATUS"] and \
                time.monotonic() < deadline:
            i_count = lsn.wait_for("STATUS", after=i_count + 1,
                                   timeout=2 * SCALE)
        t.ok(i_count is not None and
             ", 1 messages," in lsn.notes[i_count][1]["STATUS"], names[3],
             diag=lambda: repr(lsn.notes[-3:]))

        mark = len(lsn.notes)
        d.reload()
        i_rel = lsn.wait_for("RELOADING", "1", after=mark)
        i_back = lsn.wait_for("READY", "1", after=(i_rel or mark) + 1)
        mono = lsn.notes[i_rel][1].get("MONOTONIC_USEC", "") \
            if i_rel is not None else ""
        t.ok(i_rel is not None and i_back is not None and mono.isdigit()
             and abs(int(mono) / 1e6 - time.monotonic()) < 60 * SCALE,
             names[4], diag=lambda: repr(lsn.notes[mark:]))

        with open(d.conf_path, "a") as f:
            f.write("NoSuchOption 1\n")
        mark = len(lsn.notes)
        d.reload()
        i_rel = lsn.wait_for("RELOADING", "1", after=mark)
        i_back = lsn.wait_for("READY", "1", after=(i_rel or mark) + 1)
        t.ok(i_rel is not None and i_back is not None and
             "reload refused at " in lsn.notes[i_back][1].get("STATUS", ""),
             names[5], diag=lambda: repr(lsn.notes[mark:]))

        mark = len(lsn.notes)
        d.signal(signal.SIGTERM)
        rc = d.wait(20 * SCALE)
        lsn.pump(0.3)
        stops = [i for i in range(mark, len(lsn.notes))
                 if lsn.notes[i][1].get("STOPPING") == "1"]
        t.ok(len(stops) == 1 and stops[0] == len(lsn.notes) - 1, names[6],
             diag=lambda: repr(lsn.notes[mark:]))
        ext = lsn.notes[stops[0]][1].get("EXTEND_TIMEOUT_USEC", "") \
            if stops else ""
        drain = 300 * 10**6	# ShutdownTimeout 5m (make_daemon)
        t.ok(ext.isdigit() and drain < int(ext) <= drain + 60 * 10**6,
             "STOPPING=1 asks systemd for ShutdownTimeout and a margin "
             "(EXTEND_TIMEOUT_USEC; TimeoutStopSec is 90 s by default)",
             diag="%r, ShutdownTimeout %d us" % (ext, drain))
        t.is_eq(rc, 0, names[7])
    finally:
        d.stop()
        d.cleanup()
        lsn.close()


def test_watchdog_pid(t):
    """WATCHDOG_PID of another process: READY but no pings."""
    name = "WATCHDOG_PID naming another process: READY=1 but no WATCHDOG=1"
    d = make_daemon({}, watchdog_pid=1)
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    d.env["NOTIFY_SOCKET"] = lsn.path
    try:
        d.start()
        ready = lsn.wait_for("READY", "1")
        lsn.pump(WATCHDOG_USEC / 1e6 * 1.5)
        pings = [n for _, n in lsn.notes if "WATCHDOG" in n]
        t.ok(ready is not None and not pings, name, diag=repr(lsn.notes))
    finally:
        d.stop()
        d.cleanup()
        lsn.close()


def test_deaf(t):
    """A socket MTAs cannot reach: pings stop, STATUS says so; back: again."""
    names = ["socket gone: STATUS says NOT serving, no WATCHDOG=1 after",
             "socket back: WATCHDOG=1 pings again, STATUS says serving"]
    d = make_daemon({}, sock="unix")
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    d.env["NOTIFY_SOCKET"] = lsn.path
    path = d.spec[len("unix:"):]
    interval = WATCHDOG_USEC / 1e6
    try:
        d.start()
        lsn.wait_for("WATCHDOG", "1")
        os.rename(path, path + ".away")
        i_deaf, i, end = None, len(lsn.notes), time.monotonic() + 4 * interval
        while i_deaf is None and time.monotonic() < end:
            i = lsn.wait_for("STATUS", after=i, timeout=end - time.monotonic())
            if i is None:
                break
            if lsn.notes[i][1]["STATUS"].startswith("NOT serving"):
                i_deaf = i
            i += 1
        lsn.pump(1.5 * interval)
        pings = [n for _, n in lsn.notes[(i_deaf or 0):] if "WATCHDOG" in n]
        t.ok(i_deaf is not None and not pings and
             d.wait_for_log(r"does not serve", 2 * SCALE), names[0],
             diag=lambda: repr(lsn.notes[-4:]))
        os.rename(path + ".away", path)
        mark = len(lsn.notes)
        i_ping = lsn.wait_for("WATCHDOG", "1", after=mark, timeout=3 * interval)
        t.ok(i_ping is not None and lsn.notes[i_ping][1].get(
            "STATUS", "").startswith("serving ") and
            d.wait_for_log(r"serves again", 2 * SCALE), names[1],
            diag=lambda: repr(lsn.notes[mark:]))
    finally:
        if os.path.exists(path + ".away"):
            os.rename(path + ".away", path)
        d.stop()
        d.cleanup()
        lsn.close()


def test_stop_mid_probe(t):
    """SIGTERM while a watchdog probe waits for its answer: STOPPING=1
    is still the last note. The milter socket is swapped for one that
    accepts and never answers; its accept says the probe has begun, and
    the SIGTERM goes then (the real socket goes back at once so that the
    stop can wake the listener). The probe's outcome was sent after
    STOPPING=1 (seen once in a loaded run of test_sequence)."""
    name = "SIGTERM during a watchdog probe: nothing after STOPPING=1"
    d = make_daemon({}, sock="unix")
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    d.env["NOTIFY_SOCKET"] = lsn.path
    path = d.spec[len("unix:"):]
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        d.start()
        lsn.wait_for("WATCHDOG", "1")
        os.rename(path, path + ".away")
        mute.bind(path)
        mute.listen(4)
        mute.settimeout(4 * WATCHDOG_USEC / 1e6)
        probe = mute.accept()[0]
        mark = len(lsn.notes)
        d.signal(signal.SIGTERM)
        os.rename(path + ".away", path)
        d.wait(20 * SCALE)
        lsn.pump(0.3)
        probe.close()
        notes = [n for _, n in lsn.notes[mark:]]
        t.ok(notes and notes[-1].get("STOPPING") == "1", name,
             diag=repr(notes))
    except socket.timeout:
        t.ok(False, name, diag="no probe reached the swapped socket")
    finally:
        if os.path.exists(path + ".away"):
            os.rename(path + ".away", path)
        mute.close()
        d.stop()
        d.cleanup()
        lsn.close()


def test_background_ready(t):
    """without -f, READY=1 once the daemon is in the background: its log
    switched to syslog (stderr is about to be /dev/null) and the starting
    command released. The line logged just before READY=1 (the watchdog
    one) shows the order: it was on the starting command's stderr when
    READY=1 came first"""
    names = ["without -f: READY=1, and the start command exits 0",
             "without -f: the line logged just before READY=1 is in "
             "syslog, not on the start command's stderr"]
    d = daemon.Daemon(options={"DNSTimeout": "100ms"})
    capture = os.path.join(d.tmp, "syslog.txt")
    env = shim.shim_env(t, d.tmp, "syslog_capture", names,
                        SYSLOG_CAPTURE_FILE=capture)
    if env is None:
        d.cleanup()
        return
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    pid = None
    try:
        # a watchdog interval no ping of this short test reaches
        env = dict(os.environ, NOTIFY_SOCKET=lsn.path,
                   WATCHDOG_USEC=str(600 * 1000000), **env)
        env.pop("WATCHDOG_PID", None)
        r = daemon.run(["-c", d.conf_path], timeout=60, env=env)
        pid = d.read_pid_file(timeout=0)
        ready = lsn.wait_for("READY", "1", timeout=10 * SCALE)
        t.ok(r.returncode == 0 and ready is not None, names[0],
             diag="status %r: %s" % (r.returncode, r.stderr[-500:]))
        try:
            with open(capture, errors="replace") as f:
                logged = f.read()
        except OSError:
            logged = ""
        t.ok("watchdog: proving" in logged and
             "watchdog: proving" not in r.stderr, names[1],
             diag="stderr: %s\nsyslog: %s" % (r.stderr[-500:],
                                              logged[-500:]))
    finally:
        if pid is not None:
            daemon.stop_pid(pid, 15 * SCALE)    # ours, by its pid
        lsn.close()
        d.cleanup()


def test_without_libsystemd(t):
    """A daemon built without libsystemd serves and sends nothing."""
    name = "built without libsystemd: serves mail, sends no notification"
    d = make_daemon({})
    lsn = Listener(os.path.join(d.tmp, "notify.sock"))
    d.env["NOTIFY_SOCKET"] = lsn.path
    try:
        d.start()
        res = d.send_message(PLAIN)
        lsn.pump(WATCHDOG_USEC / 1e6 * 1.5)
        t.ok(res is not None and res.verdict is not None and not lsn.notes,
             name, diag=repr(lsn.notes))
    finally:
        d.stop()
        d.cleanup()
        lsn.close()


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="sd_notify tests"):
        t.done()
    if built_with_systemd():
        # five daemons, each with its own NOTIFY_SOCKET, mostly waiting
        # for pings (or their absence): at once, reported in this order
        run_parallel(t, test_sequence, test_watchdog_pid, test_deaf,
                     test_stop_mid_probe, test_background_ready)
    else:
        test_without_libsystemd(t)
    t.done()


if __name__ == "__main__":
    main()
