#!/usr/bin/python3
"""test_report_pg_role - a PostgreSQL report store used by a role that
may only read and write its tables.

A careful admin makes the store's tables as their owner (once: the
daemon or authmilter-report makes them at its first open) and lets the daemon and the report
job in as a role granted SELECT, INSERT, UPDATE and DELETE on them and
nothing else. At every open the store ran its CREATE TABLE / CREATE
INDEX ... IF NOT EXISTS statements, and PostgreSQL refuses even those
for a table that exists without the right to create in the schema
("permission denied for schema public"; PostgreSQL 15 no longer grants
it to every role): the daemon could not open the store at all. Now only
what is missing is made (src/report/report_store.c create_schema), and
what is missing and cannot be made is named in the error.

Root and Debian's postgresql server (tests/lib/pg_server.py): skipped
with the reason elsewhere, a failure under CI=true.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import fake_sendmail  # noqa: E402
import pg_server  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()
SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
REPORT = os.path.join(BUILD, "src", "authmilter-report")
DOMAIN = "a.test"
MESSAGES = 5
ROLE = "mailer"
GRANTS = ("CREATE ROLE %s LOGIN; "
          "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
          "public TO %s" % (ROLE, ROLE))

NAMES = ["the owner makes the store (the daemon's first start)",
         "the role: the daemon writes every message",
         "the role: authmilter-report sends the report",
         "the role: the report recorded as sent",
         "a table missing that the role cannot make: refused",
         "... and the error names it"]


def msg(n):
    return ("From: alice@%s\r\nTo: bob@example.net\r\nSubject: m%d\r\n"
            "Message-ID: <m%d@x.test>\r\n\r\nHello.\r\n"
            % (DOMAIN, n, n)).encode()


def report_job(conf):
    now = int(time.time())
    return subprocess.run([REPORT, "-c", conf, "--period", str(now - 3600),
                           str(now + 3600)], capture_output=True, text=True,
                          timeout=120)


def count(pg, sql):
    try:
        return int(pg.psql(sql).strip() or -1)
    except RuntimeError:
        return -1


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: daemon.missing() or
                  pg_server.missing() or (None if os.access(REPORT, os.X_OK)
                                          else REPORT + " not built"),
                  what="PostgreSQL store role tests", tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-pgrole-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write('_dmarc.%s:\n  - TXT: "v=DMARC1; p=none; rua=mailto:r@%s"\n'
                % (DOMAIN, DOMAIN))
    try:
        with dns_testserver.DnsServer(zpath) as srv, \
                pg_server.PgServer() as pg:
            run(t, tmp, srv, pg)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def run(t, tmp, srv, pg):
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
            "ReportStore": pg.uri, "ReportStoreTimeout": "2s",
            "ReportContact": "dmarc@mx.receiver.example"}
    with daemon.Daemon(options=opts):
        end = time.monotonic() + 20 * SCALE
        while time.monotonic() < end and count(
                pg, "SELECT count(*) FROM pg_tables WHERE tablename IN "
                "('messages', 'reports', 'store_identity')") < 3:
            time.sleep(0.2)
    t.is_eq(count(pg, "SELECT count(*) FROM store_identity"), 1, NAMES[0])
    pg.psql(GRANTS)
    uri = pg.uri.replace("user=" + pg_server.USER, "user=" + ROLE)
    opts["ReportStore"] = uri
    with daemon.Daemon(options=opts) as d:
        for i in range(MESSAGES):
            d.send_message(msg(i), client_ip="198.51.100.1",
                           mail_from="<x@%s>" % DOMAIN)
        end = time.monotonic() + 20 * SCALE
        while time.monotonic() < end and \
                count(pg, "SELECT count(*) FROM messages") < MESSAGES:
            time.sleep(0.2)
        t.ok(count(pg, "SELECT count(*) FROM messages") == MESSAGES,
             NAMES[1], diag=d.log_tail(5))
        with open(d.conf_path) as f:
            conf = f.read()
    script, spool = fake_sendmail.make(tmp, "fake-sendmail")
    jconf = os.path.join(tmp, "job.conf")
    with open(jconf, "w") as o:
        o.write("".join(line for line in conf.splitlines(True)
                        if not line.startswith("ReportSendmail ")))
        o.write("\nReportSendmail %s -t -oi\n" % script)
    r = report_job(jconf)
    sent = fake_sendmail.messages(spool)
    t.ok(r.returncode == 0 and len(sent) == 1, NAMES[2],
         diag="rc %d, %d sent: %s" % (r.returncode, len(sent), r.stderr))
    t.is_eq(pg.psql("SELECT state FROM reports").split(), ["sent"], NAMES[3])
    pg.psql("DROP TABLE written_batches")
    r = report_job(jconf)
    t.ok(r.returncode != 0, NAMES[4], diag=r.stdout + r.stderr)
    t.ok("making written_batches" in r.stderr, NAMES[5], diag=r.stderr)


if __name__ == "__main__":
    sys.exit(main())
