#!/usr/bin/python3
"""test_milter_noreply - the daemon asks the MTA not to wait for replies
to connect, HELO, each header, end of headers and each body chunk (the
SMFIP_NR_* flags, a round trip saved per step), keeps the reply to MAIL
FROM (SPF may refuse there) and to end of message, and still works with
an MTA that offers no such flags."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client as mc  # noqa: E402
from tap import TAP  # noqa: E402

AR = "Authentication-Results"
ID = daemon.DEFAULT_AUTHSERV_ID
NR_STEPS = {"connect": mc.SMFIP_NR_CONN, "helo": mc.SMFIP_NR_HELO,
            "header": mc.SMFIP_NR_HDR, "eoh": mc.SMFIP_NR_EOH,
            "body": mc.SMFIP_NR_BODY}
NR_ALL = (mc.SMFIP_NR_CONN | mc.SMFIP_NR_HELO | mc.SMFIP_NR_MAIL |
          mc.SMFIP_NR_RCPT | mc.SMFIP_NR_DATA | mc.SMFIP_NR_UNKN |
          mc.SMFIP_NR_EOH | mc.SMFIP_NR_BODY | mc.SMFIP_NR_HDR)

MSG = (b"Authentication-Results: " + ID.encode() + b"; dkim=pass header.d=x\r\n"
       b"From: Alice <alice@example.org>\r\n"
       b"To: bob@example.net\r\n"
       b"Subject: no replies\r\n"
       b"Message-ID: <nr@example.org>\r\n"
       b"\r\n" + b"Body line.\r\n" * 9000)     # more than one body chunk


def stages(res):
    """stages - {stage: set of reply verdicts} of one message"""
    out = {}
    for stage, resp in res.replies:
        out.setdefault(stage, set()).add(resp.verdict)
    return out


def check_message(t, c, label, want_noreply):
    """check_message - one whole message, then one step by step"""
    want = {"noreply"} if want_noreply else {"continue"}
    res = c.send_message(MSG, mail_from="alice@example.org")
    got = stages(res)
    ours = [v for v in res.header_values(AR) if v.strip().startswith(ID)]
    t.ok(len(ours) == 1 and res.verdict in ("continue", "accept"),
         "%s: one A-R of ours, accepted" % label,
         diag="verdict=%r A-R=%r" % (res.verdict, res.header_values(AR)))
    for stage in ("header", "eoh"):
        t.ok(got.get(stage) == want, "%s: %s step answered %s" %
             (label, stage, "with no reply" if want_noreply else "continue"),
             diag=repr(got))
    t.ok(got.get("mail") == {"continue"},
         "%s: MAIL FROM keeps its reply" % label, diag=repr(got))
    # the body step, chunk by chunk, seen directly
    c.mail("<alice@example.org>")
    c.rcpt("<bob@example.net>")
    c.header("From", "Alice <alice@example.org>")
    c.header("Subject", "step by step")
    c.eoh()
    chunks = [c.body(b"Body line.\r\n" * 9000).verdict,
              c.body(b"last line\r\n").verdict]
    eom = c.eom()
    t.ok(set(chunks) == want, "%s: body chunks answered %s" %
         (label, "with no reply" if want_noreply else "continue"),
         diag=repr(chunks))
    t.ok(eom.verdict in ("continue", "accept") and
         "insheader" in [a.kind for a in eom.actions],
         "%s: end of message answered, A-R inserted" % label, diag=repr(eom))


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="daemon tests"):
        t.done()
    d = daemon.Daemon()
    d.start()
    try:
        c = d.client()
        for step, flag in sorted(NR_STEPS.items()):
            t.ok(c.has(flag), "no reply negotiated for %s" % step,
                 diag="protocol=0x%x" % c.protocol)
        t.ok(not c.has(mc.SMFIP_NR_MAIL),
             "MAIL FROM keeps its reply (SPF may refuse there)",
             diag="protocol=0x%x" % c.protocol)
        # two messages on one connection: a stray reply would desync them
        check_message(t, c, "no-reply MTA, message 1", True)
        check_message(t, c, "no-reply MTA, message 2", True)
        c.quit()
        c.close()
        c = d.client(protocol=mc.SMFIP_ALL_V6 & ~NR_ALL)
        t.ok(c.protocol & NR_ALL == 0, "an MTA without NR flags gets none",
             diag="protocol=0x%x" % c.protocol)
        check_message(t, c, "replying MTA, message 1", False)
        check_message(t, c, "replying MTA, message 2", False)
        c.quit()
        c.close()
    except mc.MilterError as e:
        t.ok(False, "milter conversation", diag=str(e) + d.log_tail(10))
    finally:
        d.cleanup()
    t.done()


if __name__ == "__main__":
    main()
