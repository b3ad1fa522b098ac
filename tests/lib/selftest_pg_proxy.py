#!/usr/bin/python3
"""selftest_pg_proxy - prove tests/lib/pg_proxy.py in front of a private
PostgreSQL (tests/lib/pg_server.py), with Debian's psql run as nobody:
statements relayed, an SSLRequest answered 'N' by the proxy itself,
withhold_next("COMMIT") leaving the client waiting while the transaction
is committed on the server, later connections relayed normally, the
fault firing only once, and close() returning promptly with no thread
left. Needs root (the server runs as nobody); skipped with the reason
elsewhere, a failure under CI=true."""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_server  # noqa: E402
from tap import TAP  # noqa: E402

NAMES = ["SELECT 1 through the proxy answers 1",
         "SSLRequest answered N by the proxy, start-up relayed",
         "withheld COMMIT: psql gets no answer in 3 s",
         "withheld COMMIT: fired is set",
         "withheld COMMIT: the row is committed on the server",
         "a new connection through the proxy works again",
         "the fault fires once: a later COMMIT is answered",
         "connections counts every client",
         "close() returns promptly, no proxy thread left"]

SCRIPT = ("CREATE TABLE t(x int);\nBEGIN;\nINSERT INTO t VALUES (1);\n"
          "COMMIT;\n")
AGAIN = "BEGIN;\nINSERT INTO t VALUES (2);\nCOMMIT;\n"


def psql(pg, uri, sql=None, stdin=None, timeout=10):
    """psql - run psql as nobody against uri: (returncode, stdout+stderr)
    or None when it did not finish in time (it is killed)"""
    def as_user():
        os.setgid(pg.gid)
        os.setuid(pg.uid)
    args = [os.path.join(pg.bin, "psql"), "-X", "-At", "-v",
            "ON_ERROR_STOP=1", "-d", uri]
    if sql is not None:
        args += ["-c", sql]
    try:
        r = subprocess.run(args, input=stdin or "", capture_output=True,
                           text=True, timeout=timeout, preexec_fn=as_user,
                           cwd="/")
    except subprocess.TimeoutExpired:
        return None
    return r.returncode, r.stdout + r.stderr


def recv_some(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(1)
    except OSError:
        return b""


def ssl_request(proxy):
    """ssl_request - (reply to SSLRequest, first byte after start-up)"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect(os.path.join(proxy.dir, ".s.PGSQL.5432"))
        s.sendall(struct.pack("!II", 8, 80877103))
        first = recv_some(s)
        body = struct.pack("!I", 196608) + \
            b"user\0nobody\0database\0postgres\0\0"
        s.sendall(struct.pack("!I", 4 + len(body)) + body)
        second = recv_some(s)
        s.sendall(b"X" + struct.pack("!I", 4))      # Terminate
        return first, second
    finally:
        s.close()


def main():
    t = TAP()
    if not t.need(root=True, check=pg_server.missing,
                  what="pg_proxy self-test", tests=NAMES):
        t.done()
    import pg_proxy
    with pg_server.PgServer() as pg:
        proxy = pg_proxy.PgProxy(pg.root)
        try:
            run(t, pg, proxy)
        finally:
            t0 = time.monotonic()
            proxy.close()
            spent = time.monotonic() - t0
            left = [th.name for th in threading.enumerate()
                    if th.name.startswith("pg_proxy")]
            t.ok(spent < 3 and not left, NAMES[8],
                 diag="close took %.1f s, threads left: %r" % (spent, left))
    t.done()


def run(t, pg, proxy):
    r = psql(pg, proxy.uri, "SELECT 1")
    t.ok(r is not None and r[0] == 0 and r[1].strip() == "1", NAMES[0],
         diag=repr(r))
    r = ssl_request(proxy)
    t.is_eq(r, (b"N", b"R"), NAMES[1])

    proxy.withhold_next("COMMIT")
    t0 = time.monotonic()
    r = psql(pg, proxy.uri, stdin=SCRIPT, timeout=3)
    t.ok(r is None, NAMES[2],
         diag="psql ended after %.1f s: %r" % (time.monotonic() - t0, r))
    t.ok(proxy.fired.is_set(), NAMES[3])
    try:
        n = pg.psql("SELECT count(*) FROM t").strip()
    except RuntimeError as e:
        n = str(e)
    t.is_eq(n, "1", NAMES[4])

    r = psql(pg, proxy.uri, "SELECT count(*) FROM t")
    t.ok(r is not None and r[0] == 0 and r[1].strip() == "1", NAMES[5],
         diag=repr(r))
    r = psql(pg, proxy.uri, stdin=AGAIN)
    t.ok(r is not None and r[0] == 0 and
         pg.psql("SELECT count(*) FROM t").strip() == "2", NAMES[6],
         diag=repr(r))
    t.is_eq(proxy.connections, 5, NAMES[7])


if __name__ == "__main__":
    main()
