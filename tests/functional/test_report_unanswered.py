#!/usr/bin/python3
"""test_report_unanswered - a PostgreSQL report store that never answers.

A server that accepts the TCP connection and then says nothing (a hung
host, a proxy in front of a dead database) made libpq wait for ever: the
writer thread hung in its first connection, and SIGTERM then waited for
that thread, so the daemon never stopped. Here a listener on loopback
accepts and stays silent:
  - the writer gives the connection up after connect_timeout (10 s, set
    by authmilter unless the ReportStore URI sets it) and says so;
  - a URI's own connect_timeout wins over authmilter's default;
  - SIGTERM while the writer is inside a connection attempt ends the
    daemon within the stop's 3 s, with the rows left counted.
A server that lets the client in and then never answers a statement (a
wedged backend, a lock nobody gives up; TCP's timeouts do not see it,
the server's kernel still acknowledges) made every statement wait for
ever: the writer, `authmilter -t` and the report job hung. Each now gives
the statement up after ReportStoreTimeout and says so.
No PostgreSQL server is needed: only libpq talks."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
from silent_server import MutePgServer, SilentServer  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, run_parallel  # noqa: E402

SCALE = time_scale.factor()
SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
REPORT = os.path.join(BUILD, "src", "authmilter-report")
MSG = (b"From: alice@a.test\r\nTo: bob@example.net\r\nSubject: hi\r\n"
       b"Message-ID: <m1@a.test>\r\n\r\nHello.\r\n")


def main():
    t = TAP()
    names = ["no answer: the writer gives the connection up after authmilter's 10 s",
             "no answer: a ReportStore URI's own connect_timeout wins",
             "no answer: SIGTERM during a connection attempt ends the daemon within 3 s",
             "no answer: the rows left are counted, and the store named as not answering",
             "statements unanswered: the writer gives each up after ReportStoreTimeout",
             "statements unanswered: the writer tries again with a new connection",
             "statements unanswered: authmilter -t fails within ReportStoreTimeout, saying why",
             "statements unanswered: the report job exits 1 within ReportStoreTimeout, saying why",
             "application_name: authmilter (daemon, -t), authmilter-report (the job)"]
    if not t.need(check=lambda: daemon.missing() or (
            None if os.access(REPORT, os.X_OK) else REPORT + " not built"),
                  what="report store tests", tests=names):
        t.done()
    tmp = tmpdir.make("authmilter-unans-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write("_dmarc.a.test:\n- TXT: v=DMARC1; p=none; rua=mailto:r@a.test\n")
    silent = SilentServer()
    mute = MutePgServer()
    try:
        with dns_testserver.DnsServer(zpath) as srv:
            # three parts that share nothing and mostly wait out the
            # store's timeouts: at once (30 s one after the other)
            run_parallel(t, lambda r: default_timeout(r, names, srv, silent),
                         lambda r: uri_timeout(r, names[1], srv, silent),
                         lambda r: unanswered(r, names[4:], srv, mute, tmp))
    finally:
        silent.close()
        mute.close()
        tmpdir.remove(tmp)
    t.done()


def store_daemon(srv, uri, **more):
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
            "ReportStore": uri}
    opts.update(more)
    return daemon.Daemon(opts)


def timed(args, limit):
    """timed - run args bounded by limit: (status or None, stderr, seconds)"""
    start = time.monotonic()
    try:
        r = subprocess.run(args, capture_output=True, text=True,
                           timeout=limit, errors="replace")
        return r.returncode, r.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired as e:
        return None, "still running after %.0f s: %s" % (
            limit, e.stderr), time.monotonic() - start


def unanswered(t, names, srv, mute, tmp):
    uri = "postgresql://authmilter@127.0.0.1:%d/reports" % mute.port
    unanswered_writer(t, names[:2], srv, mute, uri)
    conf = os.path.join(tmp, "mute.conf")
    with open(conf, "w") as f:
        f.write("ReportStore %s\nReportStoreTimeout 2s\nLogTo stderr\n"
                "ReportContact dmarc@mx.receiver.example\n" % uri)
    rc, err, took = timed([daemon.binary(), "-t", "-c", conf], 20 * SCALE)
    t.ok(rc not in (0, None) and took < 5 * SCALE and
         "did not answer within 2000 ms (ReportStoreTimeout)" in err,
         names[2], diag="status %r after %.1f s: %s" % (rc, took, err[-400:]))
    before = len(mute.startups)
    rc, err, took = timed([REPORT, "-c", conf], 20 * SCALE)
    t.ok(rc == 1 and took < 5 * SCALE and
         "did not answer within 2000 ms (ReportStoreTimeout)" in err,
         names[3], diag="status %r after %.1f s: %s" % (rc, took, err[-400:]))
    # as pg_stat_activity shows them to the DBA
    apps = [s.get("application_name") for s in mute.startups]
    t.ok(apps and set(apps[:before]) == {"authmilter"} and
         set(apps[before:]) == {"authmilter-report"}, names[4],
         diag=repr(apps))


def unanswered_writer(t, names, srv, mute, uri):
    d = store_daemon(srv, uri, ReportStoreTimeout="2s")
    d.start()
    try:
        pat = (r"ReportStore \S+: cannot open: the server did not answer "
               r"within 2000 ms \(ReportStoreTimeout\)")
        start = time.monotonic()
        line = d.wait_for_log(pat, 20 * SCALE)
        took = time.monotonic() - start
        t.ok(line is not None and took < 5 * SCALE, names[0],
             diag="after %.1f s; %s" % (took, d.log_tail(5)))
        # said once; the retries show as new connections to the server
        conns = len(mute.conns)
        deadline = time.monotonic() + 10 * SCALE
        while len(mute.conns) < conns + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        t.ok(len(mute.conns) >= conns + 2, names[1],
             diag="%d connections, then %d" % (conns, len(mute.conns)))
    finally:
        d.stop()
        d.cleanup()


def silent_uri(silent):
    return "postgresql://authmilter@127.0.0.1:%d/reports" % silent.port


def default_timeout(t, names, srv, silent):
    d = store_daemon(srv, silent_uri(silent))
    d.start()
    try:
        start = time.monotonic()
        line = d.wait_for_log(r"ReportStore \S+: cannot open: .*timeout", 20 * SCALE)
        took = time.monotonic() - start
        t.ok(line is not None and 8 < took < 14 * SCALE, names[0],
             diag="after %.1f s; %s" % (took, d.log_tail(5)))
        # the writer tries again (every second): SIGTERM finds it inside
        # the next attempt; two rows wait in the queue meanwhile
        for _ in range(2):
            d.send_message(MSG, client_ip="198.51.100.1", mail_from="<x@a.test>")
        time.sleep(1.5)
        rc, took = d.terminate(30 * SCALE)
        t.ok(rc == 0 and took < 3 + 2 * SCALE, names[2],
             diag="status %r after %.1f s; %s" % (rc, took, d.log_tail(6)))
        t.ok(d.wait_for_log(r"ReportStore \S+: the store did not answer within "
                            r"3000 ms; not waiting for it", 1 * SCALE) and
             d.wait_for_log(r"ReportStore \S+: 2 report rows not written at stop", 1 * SCALE),
             names[3], diag=d.log_tail(6))
    finally:
        d.stop()
        d.cleanup()


def uri_timeout(t, name, srv, silent):
    d = store_daemon(srv, silent_uri(silent) + "?connect_timeout=2")
    d.start()
    try:
        start = time.monotonic()
        line = d.wait_for_log(r"ReportStore \S+: cannot open: .*timeout", 20 * SCALE)
        took = time.monotonic() - start
        t.ok(line is not None and took < 6 * SCALE, name,
             diag="after %.1f s; %s" % (took, d.log_tail(5)))
    finally:
        d.stop()
        d.cleanup()


main()
