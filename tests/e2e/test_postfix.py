#!/usr/bin/python3
"""test_postfix - authmilter inside a real, private Postfix instance:
the delivered message carries our Authentication-Results header (with
a space after the colon, above Postfix's Received), a forged A-R with our
authserv-id is gone, a foreign A-R stays, and Postfix keeps working when
the milter restarts."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import postfix_env  # noqa: E402
from tap import TAP  # noqa: E402

ID = daemon.DEFAULT_AUTHSERV_ID
MSG = (b"Authentication-Results: " + ID.encode() +
       b"; dkim=pass header.d=bank.example\r\n"
       b"Authentication-Results: (x) " + ID.upper().encode() +
       b";\r\n dmarc=pass header.from=bank.example\r\n"
       b"Authentication-Results: relay.other.example; spf=pass\r\n"
       b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
       b"Subject: e2e\r\nMessage-ID: <e2e-1@example.org>\r\n"
       b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello through Postfix.\r\n")

NAMES = ["message delivered through Postfix", "exactly one A-R with our id",
         "our A-R is written as 'Authentication-Results: <id>;'",
         "our A-R sits above Postfix's Received", "forged A-R fields gone",
         "foreign A-R kept", "daemon logged the message with its queue id",
         "mail flows again after the milter restarts",
         "contrib/postfix-main.cf narrows no milter macro list below "
         "Postfix's default (a milter after ours may need them)"]


def ours(values):
    return [v for v in values if v.split(";")[0].strip().lower() == ID]


def sample_macros(t):
    """the sample main.cf lines must not take macros away from other
    milters: a milter_*_macros line lists at least Postfix's default"""
    src = os.environ.get("top_srcdir") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    narrowed = []
    with open(os.path.join(src, "contrib", "postfix-main.cf")) as f:
        for line in f:
            m = re.match(r"^(milter_\w+_macros)\s*=\s*(.*)$", line.strip())
            if not m:
                continue
            d = subprocess.run(["postconf", "-dh", m.group(1)],
                               capture_output=True, text=True, timeout=30)
            lost = set(d.stdout.split()) - set(m.group(2).split())
            if d.returncode != 0 or lost:
                narrowed.append("%s: %s" % (m.group(1), " ".join(
                    sorted(lost)) or d.stderr.strip()))
    t.ok(not narrowed, NAMES[8], diag="; ".join(narrowed))


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: daemon.missing() or
                  postfix_env.missing(), what="Postfix e2e", tests=NAMES):
        t.done()
    with daemon.Daemon() as am, postfix_env.PostfixEnv(milter=am) as pf:
        r = pf.send(MSG, xclient={"addr": "192.0.2.10"})
        msgs = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
        t.ok(r.accepted and len(msgs) == 1, NAMES[0],
             diag=lambda: r.transcript + pf.maillog_tail())
        if not msgs:
            t.skip_rest("nothing delivered", NAMES[1:])
            t.done()
        m = msgs[0]
        values = m.header_values("Authentication-Results")
        t.ok(len(ours(values)) == 1 and values[0].startswith(ID + ";"),
             NAMES[1], diag=repr(values))
        raw = m.raw
        t.ok(("Authentication-Results: " + ID + ";").encode() in raw,
             NAMES[2], diag=raw[:400])
        names = [n.lower() for n in m.header_names()]
        ar_pos = names.index("authentication-results")
        rcv = [i for i, n in enumerate(names) if n == "received"]
        # smtp-sink adds no header; Postfix's own Received is the last one
        t.ok(len(rcv) >= 1 and ar_pos < rcv[-1], NAMES[3], diag=repr(names))
        t.ok(not any("bank.example" in v for v in values), NAMES[4],
             diag=repr(values))
        t.ok(any(v.startswith("relay.other.example;") for v in values),
             NAMES[5], diag=repr(values))
        t.ok(am.wait_for_log(r"qid=%s " % r.queue_id, timeout=5),
             NAMES[6], diag=am.log_tail(5))
        am.stop()
        am.start()
        r2 = pf.send(MSG.replace(b"e2e-1", b"e2e-2"),
                     xclient={"addr": "192.0.2.11"})
        msgs = pf.wait_for_delivery(queue_id=r2.queue_id) if r2.accepted else []
        t.ok(len(msgs) == 1 and len(ours(
            msgs[0].header_values("Authentication-Results"))) == 1,
            NAMES[7], diag=lambda: r2.transcript + pf.maillog_tail())
    sample_macros(t)
    t.done()


if __name__ == "__main__":
    main()
