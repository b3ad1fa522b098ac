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
No PostgreSQL server is needed: only libpq talks."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
from silent_server import SilentServer  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = float(os.environ.get("AUTHMILTER_TEST_TIME_SCALE", "1") or 1)
MSG = (b"From: alice@a.test\r\nTo: bob@example.net\r\nSubject: hi\r\n"
       b"Message-ID: <m1@a.test>\r\n\r\nHello.\r\n")


def main():
    t = TAP()
    names = ["no answer: the writer gives the connection up after authmilter's 10 s",
             "no answer: a ReportStore URI's own connect_timeout wins",
             "no answer: SIGTERM during a connection attempt ends the daemon within 3 s",
             "no answer: the rows left are counted, and the store named as not answering"]
    if not t.need(check=daemon.missing, what="report store tests", tests=names):
        t.done()
    tmp = tmpdir.make("authmilter-unans-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write("_dmarc.a.test:\n- TXT: v=DMARC1; p=none; rua=mailto:r@a.test\n")
    silent = SilentServer()
    try:
        with dns_testserver.DnsServer(zpath) as srv:
            run(t, names, srv, silent)
    finally:
        silent.close()
        tmpdir.remove(tmp)
    t.done()


def store_daemon(srv, uri):
    return daemon.Daemon({"Nameservers": "127.0.0.1@%d" % srv.port,
                          "DNSTimeout": "1s", "ReportStore": uri})


def run(t, names, srv, silent):
    base = "postgresql://authmilter@127.0.0.1:%d/reports" % silent.port
    d = store_daemon(srv, base)
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
                            r"3000 ms; not waiting for it", 1) and
             d.wait_for_log(r"ReportStore \S+: 2 report rows not written at stop", 1),
             names[3], diag=d.log_tail(6))
    finally:
        d.stop()
        d.cleanup()
    d = store_daemon(srv, base + "?connect_timeout=2")
    d.start()
    try:
        start = time.monotonic()
        line = d.wait_for_log(r"ReportStore \S+: cannot open: .*timeout", 20 * SCALE)
        took = time.monotonic() - start
        t.ok(line is not None and took < 6 * SCALE, names[1],
             diag="after %.1f s; %s" % (took, d.log_tail(5)))
    finally:
        d.stop()
        d.cleanup()


main()
