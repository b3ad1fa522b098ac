#!/usr/bin/python3
"""test_postfix_milter_settings - Postfix milter settings postmasters
copy from older guides. main.cf narrows every milter_*_macros list
({auth_authen} left out): authmilter asks Postfix for the macros it needs
when they negotiate, so an SMTP-authenticated submission is still
recognised and signed. Each milter_protocol Postfix takes (2, 3, 4, 6;
one smtpd listener each) carries an authenticated submission (signed,
both signatures verify with dkimpy at smtp-sink) and an outside message
(verified: spf= in the A-R); 2 to 4 cannot keep the space after a header
field's colon, and authmilter says so in its log; with Canonicalization
simple/simple it then signs headers relaxed (c=relaxed/simple), since a
field written "Name:value" cannot be told from "Name: value" there and a
simple signature over the guessed space failed. Postfix has no
protocol 5: it refuses the setting and treats the milter as down
(milter_default_action: tempfail, or with accept the mail leaves
unchecked and unsigned)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dkim"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import postfix_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import sign_keys  # noqa: E402
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

PROTOCOLS = ("6", "4", "3", "2")
# what a postmaster may have copied: no {auth_authen}, no client macros
NARROW_MACROS = {"milter_connect_macros": "j",
                 "milter_helo_macros": "{tls_version}",
                 "milter_mail_macros": "i",
                 "milter_rcpt_macros": "i",
                 "milter_data_macros": "i",
                 "milter_end_of_header_macros": "i",
                 "milter_end_of_data_macros": "i"}
NAMES = []
for _p in PROTOCOLS:
    NAMES += ["milter_protocol %s, narrow macros: authenticated submission "
              "signed, both verify with dkimpy" % _p,
              "milter_protocol %s: logged auth=alice, signed" % _p,
              "milter_protocol %s: outside client verified (spf= in A-R)" % _p]
NAMES += ["protocols 2-4: the lost space after the colon is logged",
          "milter_protocol 5: Postfix refuses it (its log names it), "
          "mail tempfailed",
          "milter_protocol 5 with milter_default_action accept: "
          "delivered unsigned, no A-R of ours",
          "simple/simple, a field without the space after its colon: "
          "c=simple/simple through protocol 6, verifies",
          "simple/simple, a field without the space after its colon: "
          "c=relaxed/simple through protocol 2, verifies"]


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: HAVE_LIBS or daemon.missing() or
                  postfix_env.missing(), what="Postfix milter settings e2e",
                  tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-e2e-msettings-")
    try:
        run(t, tmp)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def message(n):
    return ("From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
            "Subject: milter settings %s\r\n"
            "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <settings-%s@example.org>\r\n\r\n"
            "Hello through Postfix.\r\n" % (n, n)).encode()


def run(t, tmp):
    keys = sign_keys.make_keys(tmp)
    recs = {"r1._domainkey.example.org": keys["rsa"][1],
            "e1._domainkey.example.org": keys["ed"][1]}
    opts = {"Domain": "example.org", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0]),
            "DNSTimeout": "300ms"}
    ports = {}
    for p in PROTOCOLS + ("5", "5a"):
        ports[p] = milter_client.free_port()
        while list(ports.values()).count(ports[p]) > 1:
            ports[p] = milter_client.free_port()
    lines = ["127.0.0.1:%d inet n - n - - smtpd -o milter_protocol=%s"
             % (port, p[0]) for p, port in ports.items()]
    lines[-1] += " -o milter_default_action=accept"
    with daemon.Daemon(opts) as am, postfix_env.PostfixEnv(
            milter=am, main_cf=NARROW_MACROS, master_cf=lines) as pf:
        for i, p in enumerate(PROTOCOLS):
            names = NAMES[3 * i:3 * i + 3]
            mark = len(am.log())
            r = pf.send(message("a" + p), port=ports[p],
                        xclient={"addr": "192.0.2.10", "login": "alice"})
            got = pf.wait_for_delivery(queue_id=r.queue_id) \
                if r.accepted else []
            res = sign_keys.dkimpy_results(got[0].raw, recs) if got else None
            t.ok(res and sorted(a for a, _s, ok in res if ok) ==
                 ["ed25519-sha256", "rsa-sha256"] and len(res) == 2,
                 names[0], diag=lambda: repr(res) + r.transcript +
                 pf.maillog_tail(8) + am.log_tail(4))
            t.ok(am.wait_for_log(r"auth=alice exempt=auth verify=no "
                                 r'sign="rsa-sha256', 5, start=mark),
                 names[1], diag=am.log_tail(3))
            r = pf.send(message("o" + p), port=ports[p],
                        xclient={"addr": "192.0.2.20"})
            got = pf.wait_for_delivery(queue_id=r.queue_id) \
                if r.accepted else []
            ar = got[0].header_values("Authentication-Results") if got else []
            t.ok(any(v.startswith(daemon.DEFAULT_AUTHSERV_ID) and "spf=" in v
                     for v in ar) and not got[0].header_values(
                         "DKIM-Signature"), names[2],
                 diag=lambda: repr(ar) + pf.maillog_tail(8))
        t.ok(am.wait_for_log(r"no SMFIP_HDR_LEADSPC", 2), NAMES[-5],
             diag=am.log_tail(5))

        mark = len(pf.maillog())
        r = pf.send(message("v5"), port=ports["5"],
                    xclient={"addr": "192.0.2.10", "login": "alice"})
        t.ok(r.code is not None and r.code.startswith("4") and
             pf.wait_for_log(r"bad protocol information: 5", 5, start=mark),
             NAMES[-4], diag=lambda: r.transcript + pf.maillog_tail(8))
        r = pf.send(message("v5a"), port=ports["5a"],
                    xclient={"addr": "192.0.2.10", "login": "alice"})
        got = pf.wait_for_delivery(queue_id=r.queue_id) \
            if r.accepted else []
        t.ok(got and not got[0].header_values("DKIM-Signature") and
             not any(v.startswith(daemon.DEFAULT_AUTHSERV_ID) for v in
                     got[0].header_values("Authentication-Results")),
             NAMES[-3], diag=lambda: r.transcript + pf.maillog_tail(8))
        no_space(t, am, pf, opts, ports, recs)


def no_space(t, am, pf, opts, ports, recs):
    """no_space - "Subject:x" signed with Canonicalization simple/simple
    through protocol 6 (the MTA keeps the value as written: simple) and
    2 (the MTA drops the space: the header part goes relaxed)"""
    opts = dict(opts, Canonicalization="simple/simple")
    am.write_config(opts)
    mark = len(am.log())
    am.reload()
    am.wait_for_log(r"configuration reloaded", 5, start=mark)
    for name, p, canon in ((NAMES[-2], "6", "simple/simple"),
                           (NAMES[-1], "2", "relaxed/simple")):
        raw = message("ns" + p).replace(b"Subject: ", b"Subject:")
        r = pf.send(raw, port=ports[p],
                    xclient={"addr": "192.0.2.10", "login": "alice"})
        got = pf.wait_for_delivery(queue_id=r.queue_id) \
            if r.accepted else []
        res = sign_keys.dkimpy_results(got[0].raw, recs) if got else []
        tags = sign_keys.sig_tags(got[0].raw) if got else []
        t.ok(len(res) == 2 and all(ok for _a, _s, ok in res) and
             all(tg.get("c") == canon for _a, _s, _d, tg in tags),
             name, diag=lambda: repr(res) + repr(tags) + am.log_tail(3))


if __name__ == "__main__":
    sys.exit(main())
