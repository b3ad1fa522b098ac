#!/usr/bin/python3
"""test_log_blocked - LogTo stderr into a pipe or socket nobody reads.

A supervisor's log process that stops reading (dead, hung, or stopped
with SIGSTOP) leaves the daemon's stderr a full pipe; under systemd it is
a stream socket to journald, full when the journal stalls. Every message
logs at least one line, and a write to a full pipe blocks: the milter
threads all stopped there and the MTA got no answer (measured with an
8 KiB pipe: 17 of 40 messages answered, then the next timed out). Now a
line stderr cannot take at once is dropped and counted (src/log/log.c),
for a pipe (8 KiB) and for a socket (a socketpair, the daemon's send
buffer at its 4 KiB minimum):
- 40 messages are all answered in time with it full and unread;
- once it is read again the daemon logs again, and says how many lines
  it dropped.
"""

import fcntl
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()
MSG = (b"From: a@ok.test\r\nTo: b@example.net\r\nSubject: hi\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <1@ok.test>\r\n\r\nhello\r\n")
MESSAGES = 40               # about 20 KiB of log at LogLevel debug
PIPE_SIZE = 8192            # two pages
DROPPED_RX = rb"warn: (\d+) log lines were dropped: stderr could not take"


class Reader:
    """Reader - reads the pipe only once started (drain)"""

    def __init__(self, fd):
        self.fd = fd
        self.data = b""
        self.go = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.go.wait()
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.data += chunk

    def wait_for(self, rx, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(rx, self.data)
            if m:
                return m
            time.sleep(0.05)
        return None


def start(d, w):
    """start - the daemon with stdout and stderr on pipe end w"""
    argv = daemon._command() + ["-c", d.conf_path, "-f"]
    d.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=w,
                              stderr=w, env=d.env, cwd=d.tmp)
    return milter_client.wait_for_socket(d.spec, 15 * SCALE, d.proc)


def send_all(d):
    """send_all - MESSAGES messages: (answered, first problem)"""
    for i in range(MESSAGES):
        try:
            res = d.send_message(MSG, timeout=3 * SCALE,
                                 client_ip="192.0.2.1",
                                 mail_from="<a@ok.test>")
        except milter_client.MilterError as e:
            return i, repr(e)
        if res.disposition is None:
            return i, repr(res)
    return MESSAGES, None


def pipe_ends():
    """pipe_ends - (read end, write end) of an 8 KiB pipe"""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    return r, w


def socket_ends():
    """socket_ends - (read end, write end) of a stream socketpair whose
    writing side buffers as little as the kernel allows"""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)
    a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    return a.detach(), b.detach()


def main():
    t = TAP()
    names = []
    for kind in ("pipe", "socket"):
        names += ["stderr a full %s nobody reads: every message answered"
                  % kind, "%s read again: the daemon logs again and says "
                  "what it dropped" % kind]
    if not t.need(check=lambda: daemon.missing(), what="authmilter",
                  tests=names):
        t.done()
    if not hasattr(fcntl, "F_SETPIPE_SZ"):
        t.skip_rest("fcntl.F_SETPIPE_SZ needs Python 3.10 on Linux", names)
        t.done()
    run(t, pipe_ends, names[0:2])
    run(t, socket_ends, names[2:4])
    t.done()


def run(t, ends, names):
    """run - the daemon with stderr on one end of ends(), unread, then
    read again"""
    d = daemon.Daemon({"LogLevel": "debug"})
    r, w = ends()
    reader = Reader(r)
    try:
        up = start(d, w)
        os.close(w)
        if not up:
            reader.go.set()
            t.bail("the daemon did not start: %r" % reader.data[-500:])
        n, why = send_all(d)
        t.ok(n == MESSAGES, names[0],
             diag="%d of %d answered; then %s" % (n, MESSAGES, why))
        reader.go.set()
        time.sleep(0.2 * SCALE)
        try:
            d.send_message(MSG, timeout=3 * SCALE, client_ip="192.0.2.1",
                           mail_from="<a@ok.test>")
        except milter_client.MilterError:
            pass
        m = reader.wait_for(DROPPED_RX, 3 * SCALE)
        t.ok(m is not None and int(m.group(1)) > 0, names[1],
             diag=reader.data[-3000:].decode("utf-8", "replace"))
    finally:
        reader.go.set()
        d.stop()
        d.cleanup()
        os.close(r)


if __name__ == "__main__":
    main()
