#!/usr/bin/python3
"""test_spf_reload - SPF checkers are kept per process (a pool), not built
per connection; a reload must still reach every SPF evaluation: the
receiver name (%{r} in explanations, from AuthservID) and SPFMaxQueries of
the new configuration apply from the next message on, on a connection
opened before the reload too. InternalHosts is parsed at load: a reload
that moves it moves the exemption (IPv4 and IPv4-mapped clients)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    import yaml
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-yaml (%s)" % e

MSG = (b"From: Alice <alice@%s>\r\nTo: bob@example.net\r\n"
       b"Subject: reload\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"\r\nHello.\r\n")


def zone():
    """zone - fail.test (an exp= naming the receiver), mx.test (an MX
    with 10 hosts: 12 queries, over SPFMaxQueries 10, within 128)"""
    z = {"fail.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all "
                                "exp=exp.fail.test"}],
         "exp.fail.test": [{"TXT": "%{i} refused by %{r}"}],
         "mx.test": [{"TXT": "v=spf1 mx -all"}] +
                    [{"MX": "%d h%d.mx.test" % (i, i)} for i in range(10)]}
    for i in range(10):
        z["h%d.mx.test" % i] = [{"A": "203.0.113.%d" % (i + 1)}]
    return z


def ar(res):
    vals = res.header_values("Authentication-Results")
    return vals[0] if vals else ""


def send(c, dom, ip="198.51.100.7"):
    """send - a message from a@dom; c: a MilterClient (its connection,
    whose client address was given by its first message) or the Daemon
    (a new connection from ip)"""
    return ar(c.send_message(MSG % dom.encode(), client_ip=ip,
                             mail_from="<a@%s>" % dom))


def test_reload(t, base):
    first = dict(base, AuthservID="first.example", SPFMaxQueries="10",
                 InternalHosts="10.9.0.0/16")
    with daemon.Daemon(options=first) as d:
        c = d.client()
        a = send(c, "fail.test")
        t.ok("spf=fail" in a and "refused by first.example" in a,
             "explanation names the receiver (AuthservID)", diag=a)
        a = send(c, "mx.test")
        t.ok("spf=permerror" in a, "SPFMaxQueries 10: 12 queries is "
             "spf=permerror", diag=a)
        a = send(d, "fail.test", ip="10.9.1.1")
        t.ok("spf=" not in a, "InternalHosts client is not verified",
             diag=a)
        a = send(d, "fail.test", ip="::ffff:10.9.1.2")
        t.ok("spf=" not in a, "InternalHosts: IPv4-mapped client too",
             diag=a)
        d.write_config(dict(base, AuthservID="second.example",
                            InternalHosts="10.8.0.0/16"))
        d.reload()
        ok = d.wait_for_log(r"configuration reloaded", timeout=5 * SCALE)
        t.ok(ok, "reload", diag=d.log_tail(5))
        # the connection opened before the reload, next message
        a = send(c, "fail.test")
        t.ok(a.startswith("second.example;") and
             "refused by second.example" in a and "first.example" not in a,
             "after reload: the new receiver, on the old connection",
             diag=a)
        a = send(c, "mx.test")
        t.ok("spf=fail" in a, "after reload: SPFMaxQueries back to 128, "
             "spf=fail", diag=a)
        a = send(d, "fail.test", ip="10.9.1.1")
        t.ok("spf=fail" in a and "10.9.1.1 refused by" in a,
             "after reload: 10.9/16 no longer internal",
             diag=a)
        a = send(d, "fail.test", ip="10.8.0.5")
        t.ok("spf=" not in a, "after reload: 10.8/16 internal", diag=a)
        c.quit()
        # a new connection, and many in turn (checkers reused)
        for i in range(5):
            a = ar(d.send_message(MSG % b"fail.test", client_ip="198.51.100.8",
                                  mail_from="<a@fail.test>"))
            if "refused by second.example" not in a:
                break
        t.ok("refused by second.example" in a,
             "new connections: the new receiver", diag=a)


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="SPF reload tests"):
        t.done()
    tmp = tmpdir.make("authmilter-spfreload-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(), f)
    try:
        with dns_testserver.DnsServer(zpath) as srv:
            base = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "2s"}
            test_reload(t, base)
    finally:
        tmpdir.remove(tmp)
    t.done()


if __name__ == "__main__":
    main()
