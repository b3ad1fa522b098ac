#!/usr/bin/python3
"""test_postfix_sign - DKIM signing inside a real, private Postfix:
submissions from an SMTP-authenticated client (XCLIENT LOGIN, so Postfix
hands the milter {auth_authen}) and from an InternalHosts client leave
dual-signed (rsa-sha256 + ed25519-sha256), and the signatures verify on
the message smtp-sink received (dkimpy and OpenDKIM); mail from an
outside client is verified and not signed."""

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
    import sign_corpus  # noqa: E402
    import sign_keys  # noqa: E402
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

N_CORPUS = 12
NAMES = ["authenticated submission delivered",
         "authenticated: two signatures (rsa-sha256, ed25519-sha256)",
         "authenticated: both verify with dkimpy at smtp-sink",
         "authenticated: both verify with OpenDKIM at smtp-sink",
         "authenticated: DKIM-Signature fields above Postfix's Received",
         "internal client: signed, both verify",
         "outside client: delivered unsigned",
         "outside client: verified (A-R has spf=), logged sign=no sign_skip=external",
         "varied messages through Postfix: all dual signatures verify",
         "log names the queue id with auth= and the signatures"]


def main():
    t = TAP()
    if not t.need(root=True, tools=("opendkim",),
                  check=lambda: HAVE_LIBS or daemon.missing() or
                  postfix_env.missing(), what="Postfix signing e2e",
                  tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-e2e-sign-")
    try:
        run(t, tmp)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def run(t, tmp):
    keys = sign_keys.make_keys(tmp)
    recs = {"r1._domainkey.example.org": keys["rsa"][1],
            "e1._domainkey.example.org": keys["ed"][1]}
    opts = {"Domain": "example.org", "Selector": "r1 e1",
            "KeyFile": "%s %s" % (keys["rsa"][0], keys["ed"][0]),
            "InternalHosts": "10.9.0.0/16", "Nameservers": "127.0.0.1@9",
            "DNSTimeout": "300ms"}
    msg = (b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
           b"Subject: signed through Postfix\r\n"
           b"Message-ID: <sign-e2e-1@example.org>\r\n"
           b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n"
           b"Hello through Postfix.\r\n")
    with daemon.Daemon(opts) as am, postfix_env.PostfixEnv(milter=am) as pf:
        r = pf.send(msg, xclient={"addr": "192.0.2.10", "login": "alice"})
        got = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
        t.ok(r.accepted and len(got) == 1, NAMES[0],
             diag=lambda: r.transcript + pf.maillog_tail())
        if not got:
            t.skip_rest("nothing delivered", NAMES[1:])
            return
        m = got[0]
        tags = sign_keys.sig_tags(m.raw)
        t.is_eq(sorted(a for a, _s, _d, _t in tags),
                ["ed25519-sha256", "rsa-sha256"], NAMES[1])
        ok, res = sign_keys.dual_pass(m.raw, recs)
        t.ok(ok, NAMES[2], diag=repr(res))
        path = os.path.join(tmp, "auth.eml")
        with open(path, "wb") as f:
            f.write(m.raw)
        od = sign_keys.opendkim_results([path], recs, tmp)[path]
        t.ok(("pass", "rsa-sha256", "r1") in od and
             ("pass", "ed25519-sha256", "e1") in od, NAMES[3], diag=repr(od))
        names = [n.lower() for n in m.header_names()]
        rcv = [i for i, n in enumerate(names) if n == "received"]
        sig = [i for i, n in enumerate(names) if n == "dkim-signature"]
        t.ok(sig and rcv and max(sig) < rcv[-1], NAMES[4], diag=repr(names))

        r = pf.send(msg.replace(b"e2e-1", b"e2e-2"),
                    xclient={"addr": "10.9.1.1"})
        got = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
        ok, res = (sign_keys.dual_pass(got[0].raw, recs) if got
                   else (False, None))
        t.ok(ok, NAMES[5], diag=lambda: repr(res) + pf.maillog_tail())

        mark = len(am.log())
        r = pf.send(msg.replace(b"e2e-1", b"e2e-3"),
                    xclient={"addr": "192.0.2.20"})
        got = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
        t.ok(got and not got[0].header_values("DKIM-Signature"), NAMES[6],
             diag=lambda: pf.maillog_tail())
        ar = got[0].header_values("Authentication-Results") if got else []
        t.ok(any("spf=" in v for v in ar) and am.wait_for_log(
            r"client_ip=192\.0\.2\.20 .*sign=no sign_skip=external", 5, start=mark),
            NAMES[7], diag=lambda: repr(ar) + am.log_tail(3))

        bad, long_lines = [], 0
        for label, raw in sign_corpus.messages(N_CORPUS, seed=61,
                                               from_domain="example.org"):
            # Postfix's SMTP client breaks lines over 998 bytes
            # (smtp_line_length_limit) on the way out, after the milter:
            # no signer can survive that, and RFC 5322 2.1.1 forbids them
            if max(len(x) for x in raw.split(b"\r\n")) > 998:
                long_lines += 1
                continue
            r = pf.send(raw, xclient={"addr": "192.0.2.10", "login": "bob"})
            got = pf.wait_for_delivery(queue_id=r.queue_id) \
                if r.accepted else []
            ok, res = (sign_keys.dual_pass(got[0].raw, recs) if got
                   else (False, None))
            if not ok:
                bad.append((label, res))
        n = N_CORPUS - long_lines
        t.ok(not bad and n >= 8, NAMES[8] + " (%d/%d; %d with lines over "
             "998 bytes not sent)" % (n - len(bad), n, long_lines),
             diag=repr(bad[:3]))
        t.ok(am.wait_for_log(r'auth=bob exempt=auth verify=no sign="rsa-sha256'
                             r"\(d=example\.org s=r1\),ed25519-sha256", 5),
             NAMES[9], diag=am.log_tail(3))


if __name__ == "__main__":
    sys.exit(main())
