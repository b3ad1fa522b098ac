#!/usr/bin/python3
"""test_postfix_restart - authmilter stopped and started while a private
Postfix keeps running (tests/lib/postfix_env.py), records served by
tests/lib/dns_server.py:

- with authmilter up, mail gets our Authentication-Results (spf=pass);
- authmilter stopped, milter_default_action = tempfail (Postfix's own
  default and the harness's): mail sent in the gap is refused with
  "451 4.7.1 Service unavailable - try again later" (smtpd answers every
  command so once it cannot reach the milter, so MAIL FROM already gets
  it) and the client retries later; nothing is delivered;
- same gap with milter_default_action = accept (the setting in
  contrib/postfix-main.cf): mail is delivered, without our A-R;
- authmilter started again on the same socket: Postfix reconnects by
  itself (one milter connection per SMTP session) and mail gets our A-R
  again, with no Postfix reload or restart.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "soak"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import postfix_env  # noqa: E402
import tmpdir  # noqa: E402
import soak  # noqa: E402  (zone helpers)
from tap import TAP  # noqa: E402

ID = daemon.DEFAULT_AUTHSERV_ID
NAMES = ["authmilter up: delivered with our A-R (spf=pass)",
         "authmilter down, milter_default_action=tempfail: 4xx, not queued",
         "Postfix logs the gap as a failed connect to the milter",
         "authmilter down, milter_default_action=accept: delivered",
         "mail accepted in the gap carries no A-R of ours",
         "authmilter back (no Postfix reload): delivered with our A-R again",
         "A-R after the restart has real results (spf=pass)"]


def msg(n):
    return (b"From: Alice <alice@pass.test>\r\nTo: bob@example.net\r\n"
            b"Subject: restart %d\r\nMessage-ID: <restart-%d@pass.test>\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello %d.\r\n"
            % (n, n, n))


def ours(m):
    return [v for v in m.header_values("Authentication-Results")
            if v.split(";")[0].strip().lower() == ID]


def send(pf, n):
    r = pf.send(msg(n), mail_from="alice@pass.test",
                xclient={"addr": "192.0.2.10", "name": "mail.pass.test"})
    got = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
    return r, got[0] if got else None


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: soak.missing_corpus() or
                  postfix_env.missing(), what="Postfix restart e2e",
                  tests=NAMES):
        t.done()
    tmp = tmpdir.make("authmilter-restart-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write(soak.zone_text(pub))
    with dns_testserver.DnsServer(zpath) as srv:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "2s",
                "InternalHosts": "10.9.0.0/16"}
        with daemon.Daemon(options=opts) as am, \
                postfix_env.PostfixEnv(milter=am,
                                       milter_default_action="tempfail") as pf:
            r, m = send(pf, 1)
            t.ok(m is not None and len(ours(m)) == 1 and
                 "spf=pass" in ours(m)[0], NAMES[0],
                 diag=lambda: r.transcript + pf.maillog_tail())
            am.stop()
            r, m = send(pf, 2)
            t.ok(not r.accepted and (r.code or "").startswith("4") and
                 m is None, NAMES[1], diag=lambda: repr(r) + r.transcript)
            t.ok(pf.wait_for_log(r"connect to Milter service .*Connection refused",
                                 timeout=5), NAMES[2],
                 diag=lambda: pf.maillog_tail())
            pf.milter_default_action = "accept"
            pf.reload()
            r, m = send(pf, 3)
            t.ok(r.accepted and m is not None, NAMES[3],
                 diag=lambda: r.transcript + pf.maillog_tail())
            t.ok(m is not None and not ours(m), NAMES[4],
                 diag=lambda: repr(m and m.header_values(
                     "Authentication-Results")))
            am.start()
            r, m = send(pf, 4)
            t.ok(m is not None and len(ours(m)) == 1, NAMES[5],
                 diag=lambda: r.transcript + pf.maillog_tail() + am.log_tail())
            t.ok(m is not None and ours(m) and "spf=pass" in ours(m)[0],
                 NAMES[6], diag=lambda: repr(m and ours(m)))
    t.done()


if __name__ == "__main__":
    main()
