#!/usr/bin/python3
"""test_client_addr - one SMTP client is written one way wherever the
daemon writes its address: the log line's client_ip, Received-SPF's
client-ip and comment, and the DMARC report row's source_ip (the report
groups rows by it). An IPv4 client a dual-stack listener reports as an
IPv4-mapped IPv6 address (::ffff:a.b.c.d; older Sendmail passes it so)
is written as the IPv4 address, as SPF evaluates it (RFC 7208 5); an
IPv6 address in upper case or with its zero groups written out is
written as RFC 5952 says. A client the MTA gives no address for (a
program or a unix socket on this host: "local" in the log) is the
report row's 127.0.0.1, as a report's source_ip must be an IP address.
Messages over the milter protocol, records from a DNS server on
loopback."""

import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import report_rows  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import yaml
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-yaml (%s)" % e

SCALE = time_scale.factor()
ZONE = {"pass.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"}],
        "_dmarc.pass.test": [{"TXT": "v=DMARC1; p=none; rua=mailto:r@pass.test"}]}
# (label, address as the MTA sends it, milter family, what is written)
CLIENTS = [
    ("IPv4", "192.0.2.10", "4", "192.0.2.10"),
    ("IPv4-mapped IPv6", "::ffff:192.0.2.10", "6", "192.0.2.10"),
    ("IPv4-mapped IPv6, upper case", "::FFFF:C000:20A", "6", "192.0.2.10"),
    ("IPv6 upper case, zeros written out", "2001:DB8:0:0:0:0:0:25", "6",
     "2001:db8::25"),
]
CLIENT_IP = re.compile(r"qid=(A\d+) .*?client_ip=(\S+)")


def msg(n):
    return (("From: Alice <alice@pass.test>\r\nTo: bob@example.net\r\n"
             "Subject: client %d\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
             "Message-ID: <c%d@x.test>\r\n\r\nHello.\r\n") % (n, n)).encode()


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="client address tests"):
        t.done()
    tmp = tmpdir.make("authmilter-addr-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(ZONE, f)
    db = os.path.join(tmp, "reports.db")
    with dns_testserver.DnsServer(zpath) as srv:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
                "ReceivedSPFHeader": "yes", "ReportStore": "sqlite:" + db,
                "InternalHosts": "192.0.2.99"}
        with daemon.Daemon(options=opts) as d:
            spf = []
            for i, (_, ip, fam, _) in enumerate(CLIENTS):
                res = d.send_message(msg(i), client_ip=ip, family=fam,
                                     mail_from="<a@pass.test>",
                                     macros={"i": "A%d" % i})
                spf.append(res.header_values("Received-SPF"))
            # on this host, not internal: verified, so a row is stored
            d.send_message(msg(9), client_ip="/var/run/smtp.sock", family="L",
                           mail_from="<a@pass.test>", macros={"i": "A9"})
            stored = report_rows.wait_count(db, len(CLIENTS) + 1, 5 * SCALE)
            d.wait_for_log(r"qid=A9 ", timeout=5 * SCALE)
            logged = dict(CLIENT_IP.findall(d.log()))
            rc = d.stop()
    t.is_eq(rc, 0, "daemon stops cleanly")
    for i, (label, ip, _, want) in enumerate(CLIENTS):
        t.is_eq(logged.get("A%d" % i), want, "%s %s: logged client_ip" %
                (label, ip))
        value = spf[i][0] if len(spf[i]) == 1 else repr(spf[i])
        quoted = '"%s"' % want if ":" in want else want
        t.ok(value.startswith("pass ") and
             "designates %s as permitted" % want in value and
             "client-ip=%s;" % quoted in value,
             "%s %s: Received-SPF pass, client-ip and comment %s" %
             (label, ip, want), diag=value)
    t.is_eq(logged.get("A9"), "local", "unix-socket client: logged "
            "client_ip local")
    t.is_eq(stored, len(CLIENTS) + 1, "one report row per message")
    con = sqlite3.connect(db)
    try:
        rows = [r[0] for r in con.execute(
            "SELECT source_ip FROM messages ORDER BY rowid")]
        groups = con.execute("SELECT source_ip, count(*) FROM messages "
                             "GROUP BY source_ip ORDER BY source_ip").fetchall()
    finally:
        con.close()
    t.is_eq(rows[:len(CLIENTS)], [c[3] for c in CLIENTS], "report rows: "
            "source_ip written as logged")
    t.is_eq(rows[len(CLIENTS):], ["127.0.0.1"], "report row of a client "
            "on this host without an address: source_ip 127.0.0.1")
    t.is_eq(groups, [("127.0.0.1", 1), ("192.0.2.10", 3), ("2001:db8::25", 1)],
            "report rows: the IPv4 client is one group however it came")
    t.done()


if __name__ == "__main__":
    main()
