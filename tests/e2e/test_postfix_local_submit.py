#!/usr/bin/python3
"""test_postfix_local_submit - mail submitted on the host with Postfix's
sendmail(1) command, with non_smtpd_milters = $smtpd_milters as README
says. Postfix's cleanup plays the SMTP client itself ("localhost"
[127.0.0.1], no SMTP client at all): with the default InternalHosts the
message is signed, gets no SPF or DMARC verdict and no reject, and a
message without From, Date and Message-ID gets them from cleanup before
authmilter sees it, so the signature covers them and verifies at
smtp-sink (dkimpy)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dkim"))
import daemon  # noqa: E402
import postfix_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import sign_keys  # noqa: E402
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

NAMES = ["sendmail(1): accepted and delivered",
         "sendmail(1): two signatures, both verify with dkimpy at smtp-sink",
         "sendmail(1): one A-R of ours, without spf= or dmarc=; "
         "no Received-SPF",
         "sendmail(1): logged as client_ip=127.0.0.1 exempt=internal, signed",
         "no From/Date/Message-ID: delivered with the ones cleanup added",
         "no From/Date/Message-ID: h= covers from, date and message-id",
         "no From/Date/Message-ID: both signatures verify with dkimpy"]

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


def both_pass(msg, recs):
    res = sign_keys.dkimpy_results(msg, recs)
    algs = sorted(a for a, _s, ok in res if ok)
    return algs == ["ed25519-sha256", "rsa-sha256"] and len(res) == 2, res


def run(t, tmp):
    keys = sign_keys.make_keys(tmp)
    recs = {"r1._domainkey.example.org": keys["rsa"][1],
            "e1._domainkey.example.org": keys["ed"][1]}
    # InternalHosts left at its default (127.0.0.0/8 ::1)
    opts = {"Domain": "example.org", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0])}
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
        ok, res = both_pass(m.raw, recs)
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
        ok, res = both_pass(m.raw, recs)
        t.ok(ok, NAMES[6], diag=repr(res) + repr(m.raw[:600]))


if __name__ == "__main__":
    sys.exit(main())
