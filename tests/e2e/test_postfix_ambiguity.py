#!/usr/bin/python3
"""test_postfix_ambiguity - the header-ambiguity classes of issue 17 inside
a real Postfix, records served by Debian's nsd on loopback.

What Postfix 3.7 does, found here and relied on:
  - "From : x@y" (white space before the colon) reaches the milter as a
    field named "From" (Postfix rewrites it to "From:" in the queue file
    too), so a second "From :" is a second From; a first header line
    "From ..." is taken as an mbox separator and dropped, so the tests put
    To: first.
  - A message without From reaches the milter without From (this harness
    has local_header_rewrite_clients empty, as on an MX for remote
    clients). With always_add_missing_headers = yes, cleanup adds
    "From: <envelope sender>" BEFORE the milter sees the headers, so the
    milter judges the From that is delivered: it cannot be filled in
    behind our back.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_nsd  # noqa: E402
import postfix_env  # noqa: E402
from tap import TAP  # noqa: E402

GOOD = {"addr": "192.0.2.10", "name": "mail.att.e2e.test"}
BAD = {"addr": "198.51.100.66", "name": "spoofer.example"}

NAMES = ["'From :' beside a passing From: 550 5.7.1 (victim's p=reject)",
         "a lone 'From :' (not the first line) is the author: 550",
         "several authors delivered with one dmarc=fail naming both",
         "forged 'Authentication-Results :' with our id removed",
         "garbage From: 550 5.7.1 (DMARCBadFrom reject)",
         "no From: 550 5.7.1 (DMARCBadFrom reject)",
         "always_add_missing_headers: the From Postfix adds is judged (550)",
         "always_add_missing_headers: added From from a passing sender "
         "delivered with dmarc=pass"]


def prerequisites():
    if not os.access(dns_nsd.NSD, os.X_OK):
        return "nsd"
    return daemon.missing() or postfix_env.missing()


def zone_text():
    lines = ["$ORIGIN e2e.test.", "$TTL 300",
             "@ IN SOA ns.e2e.test. hostmaster.e2e.test. 1 3600 600 86400 300",
             "@ IN NS ns.e2e.test.", "ns IN A 127.0.0.1",
             # the tree walk (RFC 9989) stops here instead of asking
             # nsd for _dmarc.test, a zone it does not serve
             '_dmarc IN TXT "v=DMARC1; p=none; psd=y"']
    for sub, policy in (("att", "none"), ("victim", "reject"),
                        ("other", "none")):
        lines += ['%s IN TXT "v=spf1 ip4:192.0.2.0/24 -all"' % sub,
                  '_dmarc.%s IN TXT "v=DMARC1; p=%s"' % (sub, policy)]
    return "\n".join(lines) + "\n"


def message(from_lines, subject, extra=b""):
    return (b"To: bob@example.net\r\n" + extra +
            b"".join(f + b"\r\n" for f in from_lines) +
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@e2e.test>\r\n\r\n"
            b"Hello.\r\n")


def refused(r):
    return r.code == "550" and "5.7.1" in (r.reply or "") and not r.accepted


def delivered_ar(pf, r):
    msgs = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
    if len(msgs) != 1:
        return None, []
    return msgs[0], msgs[0].header_values("Authentication-Results")


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, what="Postfix ambiguity e2e",
                  tests=NAMES):
        t.done()
    with dns_nsd.NsdServer(zone_text(), "e2e.test") as ns, \
            daemon.Daemon(options={"Nameservers": "127.0.0.1@%d" % ns.port,
                                   "DNSTimeout": "2s",
                                   "AuthservID": "mx.e2e.example"}) as am:
        with postfix_env.PostfixEnv(milter=am) as pf:
            default_postfix(t, pf, am)
        with postfix_env.PostfixEnv(
                milter=am, main_cf={"always_add_missing_headers": "yes"}) as pf:
            adding_postfix(t, pf, am)
    t.done()


def default_postfix(t, pf, am):
    r = pf.send(message([b"From: a@att.e2e.test",
                         b"From : Victim <v@victim.e2e.test>"], "obs"),
                mail_from="a@att.e2e.test", xclient=GOOD)
    t.ok(refused(r), NAMES[0], diag=lambda: r.transcript[-600:] + am.log_tail(3))
    r = pf.send(message([b"From : v@victim.e2e.test"], "lone"),
                mail_from="x@victim.e2e.test", xclient=BAD)
    t.ok(refused(r), NAMES[1], diag=lambda: r.transcript[-600:] + am.log_tail(3))

    forged = b"Authentication-Results : mx.e2e.example; dmarc=pass\r\n"
    r = pf.send(message([b"From: a@att.e2e.test", b"From: o@other.e2e.test"],
                        "multi", extra=forged),
                mail_from="a@att.e2e.test", xclient=GOOD)
    msg, ars = delivered_ar(pf, r)
    ours = [" ".join(v.split()) for v in ars if v.startswith("mx.e2e.example")]
    words = re.findall(r"\bdmarc=(\w+)", " ".join(ours))
    t.ok(len(ours) == 1 and words == ["fail"] and
         "authors att.e2e.test other.e2e.test" in ours[0] and
         "header.from=other.e2e.test" in ours[0], NAMES[2],
         diag=lambda: "%r %s" % (ars, am.log_tail(3)))
    t.ok(msg is not None and len(ours) == 1 and "dmarc=pass" not in ours[0],
         NAMES[3], diag=repr(ars))

    r = pf.send(message([b"From: undisclosed"], "garbage"),
                mail_from="a@att.e2e.test", xclient=GOOD)
    t.ok(refused(r) and "author" in (r.reply or ""), NAMES[4],
         diag=lambda: r.transcript[-600:] + am.log_tail(3))
    r = pf.send(message([], "nofrom"), mail_from="a@att.e2e.test", xclient=GOOD)
    t.ok(refused(r) and "author" in (r.reply or ""), NAMES[5],
         diag=lambda: r.transcript[-600:] + am.log_tail(3))


def adding_postfix(t, pf, am):
    r = pf.send(message([], "added-victim"), mail_from="x@victim.e2e.test",
                xclient=BAD)
    t.ok(refused(r) and "victim.e2e.test" in (r.reply or ""), NAMES[6],
         diag=lambda: r.transcript[-600:] + am.log_tail(3))
    r = pf.send(message([], "added-att"), mail_from="a@att.e2e.test",
                xclient=GOOD)
    msg, ars = delivered_ar(pf, r)
    t.ok(msg is not None and msg.header_values("From") == ["a@att.e2e.test"] and
         any("dmarc=pass" in a and "header.from=att.e2e.test" in a for a in ars),
         NAMES[7], diag=lambda: "%r %s" % (ars, am.log_tail(3)))


if __name__ == "__main__":
    main()
