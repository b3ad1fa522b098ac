#!/usr/bin/python3
"""test_postfix_reinject - an after-queue content filter
(content_filter = smtp:[127.0.0.1]:PORT) whose mail comes back through a
second smtpd on loopback, as in Postfix's FILTER_README. Here the
"filter" is that second smtpd itself, so the message comes back
unchanged. With the re-injection listener's smtpd_milters empty (what
README says), an authenticated submission leaves with one pair of
signatures that verify and one A-R of ours, and an outside message keeps
the A-R of its first pass. With authmilter on the re-injection listener
too, the message comes from 127.0.0.1, which is in InternalHosts: it is
signed a second time, and an outside message loses the results of its
first pass (our own A-R from the first pass is taken for a forgery) and
is signed as if written here. README says why not to do that."""

import os
import re
import sys
import time

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

NAMES = ["no milter on re-injection: authenticated submission delivered",
         "no milter on re-injection: signed once, both signatures verify",
         "no milter on re-injection: one A-R of ours",
         "no milter on re-injection: outside message keeps its spf= A-R, "
         "unsigned",
         "milter on re-injection too: signed a second time (4 signatures)",
         "milter on re-injection too: an outside spoof of our domain loses "
         "its spf= A-R and is signed"]


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: HAVE_LIBS or daemon.missing() or
                  postfix_env.missing(), what="Postfix re-injection e2e",
                  tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-e2e-reinject-")
    try:
        run(t, tmp)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def message(n, author="Alice <alice@example.org>"):
    return ("From: %s\r\nTo: bob@example.net\r\n"
            "Subject: re-injected %s\r\n"
            "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <reinject-%s@example.org>\r\n\r\n"
            "Hello through a content filter.\r\n" % (author, n, n)).encode()


def free_ports(n):
    ports = []
    while len(ports) < n:
        p = milter_client.free_port()
        if p not in ports:
            ports.append(p)
    return ports


def at_sink(pf, n, timeout=20):
    """at_sink - the first n messages smtp-sink has, once Postfix logged
    them sent to it (each message is also "sent" to the filter first)"""
    rx = re.compile(r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d,.*status=sent"
                    % pf.sink_port)
    deadline = time.monotonic() + timeout
    while len(rx.findall(pf.maillog())) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    got = pf.delivered()
    return got[:n] if len(got) >= n else []


def ours(m):
    return [v for v in m.header_values("Authentication-Results")
            if v.startswith(daemon.DEFAULT_AUTHSERV_ID)]


def run(t, tmp):
    keys = sign_keys.make_keys(tmp)
    recs = {"r1._domainkey.example.org": keys["rsa"][1],
            "e1._domainkey.example.org": keys["ed"][1]}
    opts = {"Domain": "example.org", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0]),
            "DNSTimeout": "300ms"}
    back_a, back_b, entry_b = free_ports(3)
    # the re-injection listeners answer with another name: Postfix's
    # SMTP client refuses a server that greets with its own myhostname
    lines = ["127.0.0.1:%d inet n - n - - smtpd -o content_filter= "
             "-o smtpd_milters= -o myhostname=back-a.postfix.test" % back_a,
             "127.0.0.1:%d inet n - n - - smtpd -o content_filter= "
             "-o myhostname=back-b.postfix.test" % back_b,
             "127.0.0.1:%d inet n - n - - smtpd "
             "-o content_filter=smtp:[127.0.0.1]:%d" % (entry_b, back_b)]
    main_cf = {"content_filter": "smtp:[127.0.0.1]:%d" % back_a}
    with daemon.Daemon(opts) as am, postfix_env.PostfixEnv(
            milter=am, main_cf=main_cf, master_cf=lines) as pf:
        r = pf.send(message("a1"),
                    xclient={"addr": "192.0.2.10", "login": "alice"})
        got = at_sink(pf, 1) if r.accepted else []
        t.ok(len(got) == 1, NAMES[0],
             diag=lambda: r.transcript + pf.maillog_tail(10))
        if not got:
            t.skip_rest("nothing delivered", NAMES[1:])
            return
        res = sign_keys.dkimpy_results(got[0].raw, recs)
        t.ok(sorted(a for a, _s, ok in res if ok) ==
             ["ed25519-sha256", "rsa-sha256"] and len(res) == 2, NAMES[1],
             diag=repr(res))
        t.ok(len(ours(got[0])) == 1, NAMES[2],
             diag=repr(got[0].header_values("Authentication-Results")))

        r = pf.send(message("a2", "Bob <bob@example.net>"),
                    mail_from="bob@example.net",
                    xclient={"addr": "192.0.2.20"})
        got = at_sink(pf, 2) if r.accepted else []
        m = got[-1] if len(got) == 2 else None
        ar = ours(m) if m else []
        t.ok(len(ar) == 1 and "spf=" in ar[0] and
             not m.header_values("DKIM-Signature"), NAMES[3],
             diag=lambda: repr(ar) + pf.maillog_tail(10))

        r = pf.send(message("b1"), port=entry_b,
                    xclient={"addr": "192.0.2.10", "login": "alice"})
        got = at_sink(pf, 3) if r.accepted else []
        m = got[-1] if len(got) == 3 else None
        tags = sign_keys.sig_tags(m.raw) if m else []
        t.ok(len(tags) == 4, NAMES[4], diag=lambda: repr(tags) +
             pf.maillog_tail(10))

        r = pf.send(message("b2"), port=entry_b,
                    xclient={"addr": "192.0.2.20"})
        got = at_sink(pf, 4) if r.accepted else []
        m = got[-1] if len(got) == 4 else None
        ar = ours(m) if m else []
        t.ok(m is not None and len(ar) == 1 and "spf=" not in ar[0] and
             len(sign_keys.sig_tags(m.raw)) == 2, NAMES[5],
             diag=lambda: repr(ar) + pf.maillog_tail(10) + am.log_tail(4))


if __name__ == "__main__":
    sys.exit(main())
