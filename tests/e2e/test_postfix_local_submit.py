#!/usr/bin/python3
"""test_postfix_local_submit - mail submitted on the host with Postfix's
sendmail(1) command, with non_smtpd_milters = $smtpd_milters as README
says. Postfix's cleanup plays the SMTP client itself ("localhost"
[127.0.0.1], no SMTP client at all): with the default InternalHosts the
message is signed, gets no SPF or DMARC verdict and no reject, and a
message without From, Date and Message-ID gets them from cleanup before
authmilter sees it, so the signature covers them and verifies at
smtp-sink (dkimpy). An InternalHosts list that leaves loopback out
makes the same submission outside mail: checked with SPF as from
127.0.0.1, and under p=reject refused, which Postfix turns into a
bounce to the sender (what authmilter.conf(5) and README warn of)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dkim"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import postfix_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dns.message  # noqa: E402,F401 (dns_server.py)
    import yaml  # noqa: E402,F401 (dns_server.py)
    import sign_keys  # noqa: E402
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim, python3-cryptography, python3-dnspython " \
        "and python3-yaml (%s)" % e

NAMES = ["sendmail(1): accepted and delivered",
         "sendmail(1): two signatures, both verify with dkimpy at smtp-sink",
         "sendmail(1): one A-R of ours, without spf= or dmarc=; "
         "no Received-SPF",
         "sendmail(1): logged as client_ip=127.0.0.1 exempt=internal, signed",
         "no From/Date/Message-ID: delivered with the ones cleanup added",
         "no From/Date/Message-ID: h= covers from, date and message-id",
         "no From/Date/Message-ID: both signatures verify with dkimpy",
         "InternalHosts without loopback: checked as outside mail "
         "(spf=fail for 127.0.0.1), refused under p=reject",
         "InternalHosts without loopback: Postfix bounces it to the sender"]
# example.org's SPF leaves 127.0.0.1 out, as a real domain's does
ZONE = '{"example.org": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}], ' \
       '"_dmarc.example.org": [{"TXT": "v=DMARC1; p=reject"}]}'


FULL = (b"From: Alice <alice@example.org>\nTo: rcpt@example.net\n"
        b"Subject: submitted on the host\n"
        b"Date: Sat, 28 Nov 2026 10:00:00 +0000\n"
        b"Message-ID: <local-1@example.org>\n\nHello from sendmail(1).\n")
BARE = b"To: rcpt@example.net\nSubject: bare\n\nNo From, Date or Message-ID.\n"


def main():
    t = TAP()
    if not t.need(root=True, tools=("sendmail",),
                  check=lambda: HAVE_LIBS or daemon.missing() or
                  postfix_env.missing(), what="Postfix local submission e2e",
                  tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-e2e-local-")
    try:
        run(t, tmp)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def run(t, tmp):
    keys = sign_keys.make_keys(tmp)
    recs = {"r1._domainkey.example.org": keys["rsa"][1],
            "e1._domainkey.example.org": keys["ed"][1]}
    zone = os.path.join(tmp, "zone.json")
    with open(zone, "w") as f:
        f.write(ZONE)
    with dns_testserver.DnsServer(zone) as ns:
        run_with_dns(t, recs, keys, ns)


def run_with_dns(t, recs, keys, ns):
    # InternalHosts left at its default (127.0.0.0/8 ::1)
    opts = {"Domain": "example.org", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0]),
            "Nameservers": "127.0.0.1@%d" % ns.port}
    with daemon.Daemon(opts) as am, postfix_env.PostfixEnv(
            milter=am, main_cf={"non_smtpd_milters": "$smtpd_milters"}) as pf:
        rc, out = pf.submit(FULL)
        got = pf.wait_for_delivery(1, timeout=20) if rc == 0 else []
        t.ok(rc == 0 and len(got) == 1, NAMES[0],
             diag=lambda: out + pf.maillog_tail() + am.log_tail(5))
        if not got:
            t.skip_rest("nothing delivered", NAMES[1:])
            return
        m = got[0]
        ok, res = sign_keys.dual_pass(m.raw, recs)
        t.ok(ok, NAMES[1], diag=repr(res))
        ar = [v for v in m.header_values("Authentication-Results")
              if v.startswith(daemon.DEFAULT_AUTHSERV_ID)]
        t.ok(len(ar) == 1 and "spf=" not in ar[0] and "dmarc=" not in ar[0]
             and not m.header_values("Received-SPF"),
             NAMES[2], diag=repr(m.header_values("Authentication-Results")))
        t.ok(am.wait_for_log(r"client_ip=127\.0\.0\.1 .*exempt=internal "
                             r'verify=no sign="rsa-sha256', 5),
             NAMES[3], diag=am.log_tail(3))

        rc, out = pf.submit(BARE)
        got = pf.wait_for_delivery(2, timeout=20) if rc == 0 else []
        m = got[-1] if len(got) == 2 else None
        t.ok(m is not None and m.header_values("From") and
             m.header_values("Date") and m.header_values("Message-ID"),
             NAMES[4], diag=lambda: out + pf.maillog_tail() + am.log_tail(3))
        if m is None:
            t.skip_rest("not delivered", NAMES[5:])
            return
        signed = set()
        for _a, _s, _d, tags in sign_keys.sig_tags(m.raw):
            signed |= set(h.strip().lower()
                          for h in tags.get("h", "").split(":"))
        t.ok({"from", "date", "message-id"} <= signed, NAMES[5],
             diag=repr(sorted(signed)) + am.log_tail(2))
        ok, res = sign_keys.dual_pass(m.raw, recs)
        t.ok(ok, NAMES[6], diag=repr(res) + repr(m.raw[:600]))

        opts["InternalHosts"] = "10.9.0.0/16"
        am.write_config(opts)
        mark = len(am.log())
        am.reload()
        am.wait_for_log(r"configuration reloaded", 5, start=mark)
        rc, out = pf.submit(FULL.replace(b"local-1", b"local-3"))
        t.ok(rc == 0 and am.wait_for_log(
            r"client_ip=127\.0\.0\.1 .*spf=fail .*dmarc=fail .*"
            r"sign=no sign_skip=external .*verdict=reject", 10, start=mark),
            NAMES[7], diag=lambda: out + am.log_tail(3))
        got = pf.wait_for_delivery(3, timeout=20)
        t.ok(len(got) == 3 and got[-1].envelope.get("mail", "").startswith(
            "<>") and got[-1].rcpts == ["<alice@example.org>"], NAMES[8],
            diag=lambda: pf.maillog_tail(8))


if __name__ == "__main__":
    sys.exit(main())
