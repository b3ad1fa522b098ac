#!/usr/bin/python3
"""selftest_postfix - prove tests/lib/postfix_env.py without authmilter.

A private Postfix (own config, queue and data dirs in a temp dir, smtpd on
a free loopback port, relaying to smtp-sink) runs with:
  1. the scripted test milter (tests/lib/testmilter.c): the delivered
     message carries the milter's header with Postfix's macros ({i} is the
     queue id, {j} myhostname, {client_addr}), the body arrives byte-exact,
     a milter header deletion takes effect, milter reject and tempfail give
     550/451 to the SMTP client, a milter quarantine and a header_checks
     HOLD both land in the hold queue (postqueue -j), held mail is delivered
     after release, and a dead milter gives milter_default_action tempfail;
  2. Debian's OpenDKIM in verify mode: the delivered message has its
     Authentication-Results header and the forged one with OpenDKIM's
     authserv-id is gone - the same shape as the authmilter e2e test.
Finally it checks that stop() leaves none of our processes behind.
Needs root, postfix, swaks, smtp-sink (postfix), cc + libmilter-dev,
opendkim: missing ones skip on a laptop and fail under CI=true.
"""

import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import daemon  # noqa: E402
import milter_client as mc  # noqa: E402
import postfix_env  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()

MSG = (b"From: Alice <alice@example.org>\n"
       b"To: bob@example.net\n"
       b"Subject: postfix harness self-test\n"
       b"Message-ID: <pf-selftest-%d@example.org>\n"
       b"Date: Sat, 28 Nov 2026 12:00:00 +0000\n")
n_msg = [0]


def msg(extra=b"", body=b"Hello from the harness.\n.leading dot\nend\n"):
    """msg - a fresh test message with extra header lines."""
    n_msg[0] += 1
    return (MSG % n_msg[0]) + extra + b"\n" + body


def testmilter_part(path):
    """testmilter_part - Postfix with the scripted milter."""
    with daemon.Daemon({}, binary=path) as d, postfix_env.PostfixEnv(
            milter=d, header_checks=["/^X-Hold-Me:/ HOLD"]) as pf:
        diag = lambda: pf.maillog_tail() + "\n" + d.log_tail()  # noqa: E731
        sent = msg(b"X-Test-Action: chgheader 1 Subject\n")
        r = pf.send(sent, mail_from="alice@example.org",
                    rcpts=["bob@example.net", "carol@example.net"])
        t.ok(r.accepted and r.queue_id, "message accepted through the milter",
             diag=lambda: r.transcript + diag())
        got = pf.wait_for_delivery(queue_id=r.queue_id, timeout=30)[0]
        t.ok(True, "delivered to smtp-sink")
        xtm = got.header_values("X-Test-Milter")
        t.ok(xtm and "i=<%s>" % r.queue_id in xtm[0]
             and "j=<%s>" % pf.hostname in xtm[0]
             and "client=<127.0.0.1>" in xtm[0] and "rcpts=2" in xtm[0],
             "delivered message carries the milter's header with Postfix's "
             "macros", diag=lambda: "%r\n%s" % (xtm, diag()))
        names = got.header_names()
        t.ok(names[:3] == ["Received", "X-Test-Milter", "Received"],
             "insert at index 0 lands above Postfix's own Received: "
             "(smtp-sink's Received: is first)", diag=names)
        t.ok("Subject" not in names, "milter header deletion applied",
             diag=names)
        t.is_eq((got.mail, sorted(got.rcpts)),
                ("<alice@example.org>",
                 ["<bob@example.net>", "<carol@example.net>"]),
                "envelope read back from the dump")
        t.is_eq(got.body, mc.split_message(sent)[1],
                "body delivered byte-exact (CRLF, dot line)")

        r = pf.send(msg(b"X-Test-Action: reply 550 5.7.1 not wanted\n"))
        t.ok(r.code == "550" and "5.7.1 not wanted" in r.reply,
             "milter reject reaches the SMTP client as 550",
             diag=lambda: r.transcript)
        r = pf.send(msg(b"X-Test-Action: tempfail\n"))
        t.ok(r.code == "451", "milter tempfail reaches the client as 451",
             diag=lambda: r.transcript)

        rq = pf.send(msg(b"X-Test-Action: quarantine suspicious\n"))
        rh = pf.send(msg(b"X-Hold-Me: yes\n"))
        recs = pf.wait_for_queue(
            lambda q: {rq.queue_id, rh.queue_id} <= set(
                x["queue_id"] for x in q if x["queue_name"] == "hold"), 20)
        t.ok(rq.accepted and recs is not None and
             rq.queue_id in pf.hold_queue(),
             "milter quarantine lands in the hold queue (postqueue -j)",
             diag=lambda: "%r %r\n%s" % (rq, recs, diag()))
        t.ok(rh.queue_id in pf.hold_queue(),
             "header_checks HOLD lands in the hold queue", diag=diag)
        hdrs = pf.queue_file_headers(rq.queue_id)
        t.ok(any(n == "X-Test-Milter" for n, _v in hdrs),
             "held message's headers readable with postcat", diag=repr(hdrs))
        pf.release_hold()
        pf.flush()
        try:
            pf.wait_for_delivery(queue_id=rq.queue_id, timeout=30)
            ok = True
        except postfix_env.PostfixError:
            ok = False
        t.ok(ok and rq.queue_id not in pf.hold_queue(),
             "released held mail is delivered", diag=diag)

        r = pf.send(msg(), xclient={"addr": "192.0.2.33",
                                    "name": "mail.example.org",
                                    "login": "alice"})
        got = pf.wait_for_delivery(queue_id=r.queue_id, timeout=30)[0]
        xtm = got.header_values("X-Test-Milter")
        t.ok(xtm and "client=<192.0.2.33>" in xtm[0] and
             "name=<mail.example.org>" in xtm[0] and "auth=<alice>" in xtm[0],
             "XCLIENT: milter sees the claimed client and {auth_authen}",
             diag=lambda: "%r\n%s" % (xtm, diag()))
        r = pf.send(msg(), xclient={"addr": "IPV6:2001:db8::5"})
        got = pf.wait_for_delivery(queue_id=r.queue_id, timeout=30)[0]
        xtm = got.header_values("X-Test-Milter")
        t.ok(xtm and "client=<IPv6:2001:db8::5>" in xtm[0],
             "XCLIENT IPv6 client: Postfix's {client_addr} has the IPv6: "
             "prefix", diag=lambda: "%r\n%s" % (xtm, diag()))

        d.stop()
        r = pf.send(msg())
        t.ok(r.code == "451", "milter down: milter_default_action tempfail",
             diag=lambda: r.transcript + diag())
        d.start()
        r = pf.send(msg())
        t.ok(r.accepted, "milter restarted on its port: Postfix uses it "
             "again", diag=lambda: r.transcript + diag())
        master, sink = pf.master_pid, pf.sink.pid
    t.ok(not daemon.pid_alive(master) and
         not daemon.pid_alive(sink) and not os.path.exists(pf.root),
         "stop: master and smtp-sink gone, temp dir removed")


ODK = {
    "Syslog": "no", "Background": "no", "Socket": "{spec}",
    "PidFile": "{pid}", "UserID": "root", "Mode": "v",
    "AuthservID": "mx.postfix.test", "AlwaysAddARHeader": "yes",
    "RemoveARFrom": "mx.postfix.test", "InternalHosts": "192.0.2.250",
}


def opendkim_part():
    """opendkim_part - the real-milter end-to-end shape."""
    names = ["opendkim via Postfix: delivered", "opendkim via Postfix: "
             "A-R added", "opendkim via Postfix: forged A-R removed"]
    if not t.need(tools=["opendkim"], what="OpenDKIM e2e", tests=names):
        return
    d = daemon.Daemon({}, command=["opendkim", "-x", "{conf}", "-f"],
                      defaults=ODK)
    with d, postfix_env.PostfixEnv(milter=d) as pf:
        r = pf.send(msg(b"Authentication-Results: mx.postfix.test; "
                        b"dkim=pass header.d=forged.example\n"))
        try:
            got = pf.wait_for_delivery(queue_id=r.queue_id, timeout=30)[0]
        except postfix_env.PostfixError as e:
            t.ok(False, names[0], diag=str(e) + "\n" + d.log_tail())
            t.skip_rest("not delivered", names[1:])
            return
        t.ok(True, names[0])
        ars = got.header_values("Authentication-Results")
        t.ok(any(v.startswith("mx.postfix.test;") and "dkim=none" in v
                 for v in ars), names[1], diag=repr(ars))
        t.ok(not any("forged.example" in v for v in ars), names[2],
             diag=repr(ars))


def main():
    if not t.need(check=postfix_env.missing, what="private Postfix",
                  tests=["postfix harness"]):
        t.done()
    path, why = daemon.build_testmilter()
    for name, part in (("postfix harness with the test milter",
                        lambda: testmilter_part(path)),
                       ("postfix harness with OpenDKIM", opendkim_part)):
        if part is not opendkim_part and not t.need(
                check=lambda: why, what="scripted test milter",
                tests=[name]):
            continue
        try:
            part()
        except Exception:  # noqa: BLE001 - one failure, then go on
            t.ok(False, name + " ran to the end",
                 diag=traceback.format_exc())
    t.done()


if __name__ == "__main__":
    main()
