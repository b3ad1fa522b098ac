#!/usr/bin/python3
"""test_dmarc_pct - RFC 7489 pct= sampling (DMARCMode rfc7489).

A domain publishes p=reject with pct=50; unauthenticated mail from it is
sent through two runs of the daemon. Each message gets its own roll: in
each run some messages get the policy and some the next lower one
(quarantine, RFC 7489 6.6.4), and the two runs do not repeat one
sequence (a generator never seeded gives every start the same rolls,
which a sender can learn). Each check fails by chance with probability
2^-23 or less.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import yaml
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-yaml (%s)" % e

N = 24
BAD_IP = "198.51.100.66"


def msg(i):
    return ("From: <a@pct.test>\r\nTo: bob@example.net\r\n"
            "Subject: roll %d\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <roll%d@x.test>\r\n\r\nhello\r\n" % (i, i)).encode()


def one_run(ns):
    """one_run - the verdict of each of N messages, in order"""
    opts = {"Nameservers": ns, "DNSTimeout": "2s", "DMARCMode": "rfc7489",
            "DMARCQuarantineAction": "header"}
    with daemon.Daemon(opts) as d:
        for i in range(N):
            d.send_message(msg(i), client_ip=BAD_IP,
                           mail_from="<x@elsewhere.test>")
        return re.findall(r"dmarc_from=pct\.test .*?verdict=(\S+)", d.log())


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="pct sampling"):
        return t.done()
    tmp = tmpdir.make("authmilter-pct-")
    try:
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump({"_dmarc.pct.test": [
                {"TXT": "v=DMARC1; p=reject; pct=50"}]}, f)
        with dns_testserver.DnsServer(zpath) as srv:
            ns = "127.0.0.1@%d" % srv.port
            runs = [one_run(ns), one_run(ns)]
    finally:
        tmpdir.remove(tmp)
    for k, r in enumerate(runs, 1):
        t.ok(len(r) == N and set(r) == {"reject", "quarantine-header"},
             "run %d: pct=50 rejects some of %d messages and quarantines "
             "the others" % (k, N), diag=repr(r))
    t.ok(runs[0] != runs[1], "the two runs roll differently",
         diag=repr(runs))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
