#!/usr/bin/python3
"""test_postfix_dmarc - verdicts inside a real Postfix, with the domains'
SPF, DKIM and DMARC records served by Debian's nsd on loopback: an
authenticated message is delivered with spf/dkim/dmarc=pass in its A-R, a
p=reject spoof is refused with 550 at the end of DATA, and a p=quarantine
failure lands in Postfix's hold queue. The same spoof from a PeerHosts
client (a backup MX running authmilter) is delivered untouched: no A-R
of ours added, the one it carries kept."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_nsd  # noqa: E402
import postfix_env  # noqa: E402
from tap import TAP  # noqa: E402

PEER = "198.51.100.77"
NAMES = ["passing message delivered", "A-R: spf=pass", "A-R: dkim=pass",
         "A-R: dmarc=pass", "p=reject spoof refused with 550 5.7.1 at DATA",
         "spoof not delivered", "p=quarantine failure in the hold queue",
         "PeerHosts: the same spoof from a peer is delivered",
         "PeerHosts: delivered untouched (its own A-R kept, none added)"]


def prerequisites():
    try:
        import dkim  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401
    except ImportError as e:
        return "python3-dkim, python3-cryptography (%s)" % e
    if not os.access(dns_nsd.NSD, os.X_OK):
        return "nsd"
    return daemon.missing() or postfix_env.missing()


def zone_text(pub):
    key = "v=DKIM1; k=rsa; p=" + pub
    chunks = " ".join('"%s"' % key[i:i + 200] for i in range(0, len(key), 200))
    lines = ["$ORIGIN e2e.test.", "$TTL 300",
             "@ IN SOA ns.e2e.test. hostmaster.e2e.test. 1 3600 600 86400 300",
             "@ IN NS ns.e2e.test.", "ns IN A 127.0.0.1"]
    for sub, policy in (("pass", "reject"), ("reject", "reject"),
                        ("quar", "quarantine")):
        lines += ['%s IN TXT "v=spf1 ip4:192.0.2.0/24 -all"' % sub,
                  "s1._domainkey.%s IN TXT %s" % (sub, chunks),
                  '_dmarc.%s IN TXT "v=DMARC1; p=%s"' % (sub, policy)]
    return "\n".join(lines) + "\n"


def message(dom, subject):
    return ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\n"
            "Subject: %s\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <%s@e2e.test>\r\n\r\nHello from %s.\r\n"
            % (dom, subject, subject, dom)).encode()


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, what="Postfix DMARC e2e",
                  tests=NAMES):
        t.done()
    import dkim
    pem, pub = dkim_keys.rsa_key_pair()
    with dns_nsd.NsdServer(zone_text(pub), "e2e.test") as ns, \
            daemon.Daemon(options={"Nameservers": "127.0.0.1@%d" % ns.port,
                                   "DNSTimeout": "2s",
                                   "PeerHosts": PEER}) as am, \
            postfix_env.PostfixEnv(milter=am) as pf:
        raw = message("pass.e2e.test", "pass")
        sig = dkim.sign(raw, b"s1", b"pass.e2e.test", pem,
                        include_headers=[b"from", b"to", b"subject", b"date"])
        r = pf.send(sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw,
                    mail_from="a@pass.e2e.test",
                    xclient={"addr": "192.0.2.10", "name": "mail.pass.e2e.test"})
        msgs = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
        t.ok(len(msgs) == 1, NAMES[0], diag=lambda: r.transcript + am.log_tail(5))
        ar = " ".join(msgs[0].header_values("Authentication-Results")) if msgs else ""
        t.ok("spf=pass smtp.mailfrom=pass.e2e.test" in ar, NAMES[1], diag=ar)
        t.ok("dkim=pass header.d=pass.e2e.test header.s=s1" in ar, NAMES[2], diag=ar)
        t.ok("dmarc=pass (p=reject dis=none) header.from=pass.e2e.test "
             "polrec.p=reject" in ar,
             NAMES[3], diag=ar)

        r = pf.send(message("reject.e2e.test", "spoof"), mail_from="x@reject.e2e.test",
                    xclient={"addr": "198.51.100.66", "name": "spoofer.example"})
        t.ok(r.code == "550" and "5.7.1" in (r.reply or ""), NAMES[4],
             diag=lambda: r.transcript[-800:] + am.log_tail(3))
        t.ok(not r.accepted, NAMES[5])

        r = pf.send(message("quar.e2e.test", "quarantine"), mail_from="x@quar.e2e.test",
                    xclient={"addr": "198.51.100.67", "name": "spoofer2.example"})
        held = pf.wait_for_queue(
            lambda recs: any(x.get("queue_name") == "hold" for x in recs or []),
            timeout=20) if r.accepted else None
        t.ok(r.accepted and held, NAMES[6],
             diag=lambda: "%s %r %s" % (r.reply, pf.postqueue_json(), am.log_tail(3)))
        peer(t, pf, am)
    t.done()


def peer(t, pf, am):
    """the p=reject spoof again, relayed by a peer that stamped its own
    A-R (with our authserv-id, as a backup MX running authmilter would)"""
    stamp = ("Authentication-Results: %s; dmarc=fail (p=reject dis=none) "
             "header.from=reject.e2e.test\r\n" % daemon.DEFAULT_AUTHSERV_ID)
    r = pf.send(stamp.encode() + message("reject.e2e.test", "viapeer"),
                mail_from="x@reject.e2e.test",
                xclient={"addr": PEER, "name": "backup-mx.example"})
    msgs = pf.wait_for_delivery(queue_id=r.queue_id) if r.accepted else []
    t.ok(len(msgs) == 1, NAMES[7], diag=lambda: r.transcript[-800:] +
         am.log_tail(3))
    ars = msgs[0].header_values("Authentication-Results") if msgs else []
    t.ok(len(ars) == 1 and "dmarc=fail (p=reject" in ars[0] and
         # at MAIL FROM Postfix has no queue id yet (qid=NOQUEUE)
         am.wait_for_log(r"client_ip=%s .*exempt=peer .*why=peer" % PEER,
                         timeout=5),
         NAMES[8], diag=lambda: repr(ars) + am.log_tail(3))


if __name__ == "__main__":
    main()
