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
  again, with no Postfix reload or restart;
- a restart while SMTP sessions are open (ShutdownTimeout 30s): one
  session past RCPT TO (a message in flight at the milter), one idle
  after EHLO. At SIGTERM the idle session's MAIL FROM gets our
  "451 4.3.2" through Postfix, the message in flight is finished and
  delivered with our A-R, and the daemon exits at once after it, not
  after ShutdownTimeout (the idle milter connection does not hold it).
"""
import re
import signal
import smtplib
import time
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
         "A-R after the restart has real results (spf=pass)",
         "stop with sessions open: MAIL FROM on an idle session gets 451 4.3.2",
         "stop with sessions open: the daemon waits for the message in flight",
         "stop with sessions open: the message in flight is queued",
         "stop with sessions open: exit at once after it, not after ShutdownTimeout",
         "stop with sessions open: the message in flight delivered with our A-R"]


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


def session(pf):
    """session - an SMTP session to Postfix as client 192.0.2.10"""
    s = smtplib.SMTP("127.0.0.1", pf.smtpd_port, timeout=30)
    s.ehlo("mail.pass.test")
    code, text = s.docmd("XCLIENT", "ADDR=192.0.2.10 NAME=mail.pass.test")
    if code != 220:
        raise postfix_env.PostfixError("XCLIENT: %d %r" % (code, text))
    s.ehlo("mail.pass.test")
    return s


def stop_with_sessions_open(t, pf, am):
    names = NAMES[7:]
    busy, idle = session(pf), session(pf)
    try:
        busy.mail("alice@pass.test")
        busy.rcpt("bob@example.net")
        start = len(am.log())
        am.signal(signal.SIGTERM)
        am.wait_for_log(r"stopping; 1 message\(s\) in flight", 10,
                        start=start)
        code, text = idle.mail("alice@pass.test")
        t.ok(code == 451 and text.startswith(b"4.3.2 "), names[0],
             diag=lambda: "%d %r\n%s" % (code, text, pf.maillog_tail()))
        time.sleep(0.3)
        t.ok(am.running(), names[1], diag=lambda: am.log_tail(5))
        code, text = busy.data(msg(5))
        t0 = time.monotonic()
        m = re.search(rb"queued as (\w+)", text)
        t.ok(code == 250 and m is not None, names[2],
             diag=lambda: "%d %r\n%s" % (code, text, pf.maillog_tail()))
        rc = am.wait(40)
        took = time.monotonic() - t0
        t.ok(rc == 0 and took < 3, names[3],
             diag=lambda: "status %r %.2f s after DATA; %s" %
             (rc, took, am.log_tail(6)))
        got = pf.wait_for_delivery(queue_id=m.group(1).decode()) if m else []
        t.ok(got and len(ours(got[0])) == 1 and "spf=pass" in ours(got[0])[0],
             names[4], diag=lambda: repr(got and got[0].header_values(
                 "Authentication-Results")) + pf.maillog_tail())
    finally:
        for s in (busy, idle):
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                s.close()


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
            pf.milter_default_action = "tempfail"
            pf.reload()
            stop_with_sessions_open(t, pf, am)
    t.done()


if __name__ == "__main__":
    main()
