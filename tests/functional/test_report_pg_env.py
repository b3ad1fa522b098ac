#!/usr/bin/python3
"""test_report_pg_env - a postgresql ReportStore under libpq's
environment: PGCLIENTENCODING (set by an administrator's profile, an init
script, or "auto" under a legacy locale) must not change what is stored.
The rows are UTF-8; told the client speaks LATIN1, the server converted
each UTF-8 byte as a Latin-1 character ("bü.test" stored as "bÃ¼.test",
read so by a report job on another host), and a value the server does
not know made every connection fail, so nothing was recorded. Needs root
(tests/lib/pg_server.py runs the server as nobody)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import pg_server  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()
DOMAIN = "a.test"
# valid UTF-8 but no IDNA2008 name (U+2603 is DISALLOWED), so the row
# keeps it as it is; a valid U-label name is stored as its A-labels,
# which no client encoding changes
SENDER_DOMAIN = "b\u00fc\u2603.test"
CASES = [("LATIN1", "PGCLIENTENCODING=LATIN1: a UTF-8 MAIL FROM domain "
          "stored as UTF-8"),
         ("NO_SUCH_ENCODING", "PGCLIENTENCODING=NO_SUCH_ENCODING: the row "
          "stored all the same")]
MSG = ("From: alice@%s\r\nTo: bob@example.net\r\nSubject: enc\r\n"
       "Message-ID: <enc@x.test>\r\n\r\nHello.\r\n" % DOMAIN).encode()


def stored(pg, qid, timeout):
    """stored - the hex of the UTF-8 envelope_from of the row with queue id
    qid, waiting for it up to timeout; None when it never came"""
    end = time.monotonic() + timeout
    while True:
        try:
            got = pg.psql("SELECT encode(convert_to(envelope_from, 'UTF8'), "
                          "'hex') FROM messages WHERE queue_id = '%s'"
                          % qid).strip()
        except RuntimeError:
            got = ""
        if got or time.monotonic() >= end:
            return got or None
        time.sleep(0.2)


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: daemon.missing() or
                  pg_server.missing(), what="PostgreSQL store tests",
                  tests=[name for _, name in CASES]):
        t.done()
    import yaml
    tmp = tmpdir.make("authmilter-pgenv-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump({"_dmarc." + DOMAIN: [
            {"TXT": "v=DMARC1; p=none; rua=mailto:r@" + DOMAIN}]}, f)
    want = SENDER_DOMAIN.encode("utf-8").hex()
    with dns_testserver.DnsServer(zpath) as srv, pg_server.PgServer() as pg:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
                "ReportStore": pg.uri, "ReportStoreTimeout": "2s",
                "ReportContact": "dmarc@mx.receiver.example"}
        for n, (enc, name) in enumerate(CASES):
            qid = "ENC%d" % n
            with daemon.Daemon(options=opts,
                               env={"PGCLIENTENCODING": enc}) as d:
                r = d.send_message(MSG, client_ip="198.51.100.1",
                                   mail_from="<x@%s>" % SENDER_DOMAIN,
                                   queue_id=qid)
                got = stored(pg, qid, 10 * SCALE)
                t.ok(r.disposition == "accept" and got == want, name,
                     diag=lambda: "stored %r, want %r\n%s" % (
                         got, want, d.log_tail(4)))
    t.done()


if __name__ == "__main__":
    main()
