#!/usr/bin/python3
"""test_postfix_arc - the mailing-list scenario through real Postfix
instances, keys and policies served by Debian's nsd on loopback.

The author's domain (p=reject) signs. The list host (Postfix + authmilter
with ARCSeal outbound) receives the message and verifies it; the list
(this test, re-injecting) tags the Subject and appends a footer and sends
it on from an internal address, and authmilter seals it with the A-R of
the way in. The final receiver (another Postfix + authmilter, the list
host in ARCTrustedSealers) sees dkim=fail, dmarc=fail, arc=pass and
delivers with policy.override=trusted_forwarder; after a reload without
the list trusted, the same message is refused with 550.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_nsd  # noqa: E402
import postfix_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

NAMES = ["list host delivers the author's message",
         "list host A-R: dkim=pass and dmarc=pass on the way in",
         "list host seals the changed message on the way out",
         "the AAR records the A-R of the way in",
         "receiver delivers with the list trusted",
         "receiver A-R: dkim=fail, arc=pass, dmarc=fail with the override",
         "receiver log names the override and the sealer",
         "list not trusted: the same message is refused with 550"]


def prerequisites():
    try:
        import authres  # noqa: F401
        import dkim  # noqa: F401
        import arc_chain  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401
    except ImportError as e:
        return "python3-dkim, python3-authres, python3-cryptography (%s)" % e
    if not os.access(dns_nsd.NSD, os.X_OK):
        return "nsd"
    return daemon.missing() or postfix_env.missing()


def chunks(rec):
    return " ".join('"%s"' % rec[i:i + 200] for i in range(0, len(rec), 200))


def zone_text(author, lst):
    # the zone is "test.": the DMARC tree walk asks up to _dmarc.test
    return "\n".join([
        "$ORIGIN test.", "$TTL 300",
        "@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300",
        "@ IN NS ns.test.", "ns IN A 127.0.0.1",
        'author.e2e IN TXT "v=spf1 ip4:192.0.2.0/24 -all"',
        "a1._domainkey.author.e2e IN TXT %s" % chunks(author.record),
        '_dmarc.author.e2e IN TXT "v=DMARC1; p=reject"',
        'list.e2e IN TXT "v=spf1 ip4:198.51.100.0/24 -all"',
        "arc._domainkey.list.e2e IN TXT %s" % chunks(lst.record)]) + "\n"


RAW = (b"From: Alice <alice@author.e2e.test>\r\nTo: list@list.e2e.test\r\n"
       b"Subject: hello list\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <arc1@author.e2e.test>\r\n\r\nHello list,\r\nhi.\r\n")


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, what="Postfix ARC e2e",
                  tests=NAMES):
        t.done()
    import dkim
    import arc_chain as ac
    tmp = tmpdir.make("authmilter-e2e-arc-")
    try:
        author = ac.Sealer("author.e2e.test", "a1")
        lst = ac.Sealer("list.e2e.test", "arc", bits=2048)
        key = os.path.join(tmp, "arc.pem")
        with open(key, "wb") as f:
            f.write(lst.pem)
        os.chmod(key, 0o600)
        sig = dkim.sign(RAW, b"a1", b"author.e2e.test", author.pem,
                        include_headers=[b"from", b"to", b"subject", b"date",
                                         b"message-id"])
        signed = sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + RAW
        with dns_nsd.NsdServer(zone_text(author, lst), "test") as ns:
            dns = {"Nameservers": "127.0.0.1@%d" % ns.port,
                   "DNSTimeout": "2s"}
            list_opts = dict(dns, AuthservID="list.e2e.test",
                             InternalHosts="127.0.0.0/8 ::1 10.9.0.0/16",
                             ARCSeal="outbound", ARCSealDomain="list.e2e.test",
                             ARCSealSelector="arc", ARCSealKeyFile=key)
            recv_opts = dict(dns, AuthservID="mx.receiver.test",
                             ARCTrustedSealers="list.e2e.test")
            with daemon.Daemon(options=list_opts) as lm, \
                    postfix_env.PostfixEnv(milter=lm) as pf1, \
                    daemon.Daemon(options=recv_opts) as rm, \
                    postfix_env.PostfixEnv(milter=rm) as pf2:
                scenario(t, pf1, lm, pf2, rm, signed, recv_opts)
    finally:
        tmpdir.remove(tmp)
    t.done()


def delivered(pf, r):
    return pf.wait_for_delivery(queue_id=r.queue_id)[0] if r.accepted \
        else None


def ar_text(msg, name="Authentication-Results"):
    return " ".join(" ".join(v.split()) for v in msg.header_values(name)) \
        if msg is not None else ""


def scenario(t, pf1, lm, pf2, rm, signed, recv_opts):
    r = pf1.send(signed, mail_from="alice@author.e2e.test",
                 rcpts=["list@list.e2e.test"],
                 xclient={"addr": "192.0.2.10", "name": "mx.author.e2e.test"})
    m1 = delivered(pf1, r)
    t.ok(m1 is not None, NAMES[0], diag=lambda: r.transcript + lm.log_tail(5))
    inbound = ar_text(m1)
    t.ok("dkim=pass header.d=author.e2e.test" in inbound and
         "dmarc=pass" in inbound, NAMES[1], diag=inbound)
    # the list: Subject tag, footer, resent from an internal address
    raw = m1.raw if m1 is not None else signed
    raw = raw.replace(b"Subject: hello list", b"Subject: [list] hello list",
                      1) + b"-- \r\nlist footer: https://list.e2e.test/\r\n"
    r = pf1.send(raw, mail_from="list-bounces@list.e2e.test",
                 rcpts=["bob@receiver.test"],
                 xclient={"addr": "10.9.0.5", "name": "lists.list.e2e.test"})
    m2 = delivered(pf1, r)
    seals = m2.header_values("ARC-Seal") if m2 is not None else []
    t.ok(len(seals) == 1 and re.search(r"i=1; cv=none", seals[0]),
         NAMES[2], diag=lambda: repr(seals) + lm.log_tail(3))
    aar = ar_text(m2, "ARC-Authentication-Results")
    t.ok(aar.startswith("i=1; list.e2e.test;") and "dkim=pass" in aar,
         NAMES[3], diag=aar)
    out = m2.raw if m2 is not None else raw
    r = pf2.send(out, mail_from="list-bounces@list.e2e.test",
                 rcpts=["bob@receiver.test"],
                 xclient={"addr": "198.51.100.7", "name": "lists.list.e2e.test"})
    m3 = delivered(pf2, r)
    t.ok(m3 is not None, NAMES[4], diag=lambda: r.transcript[-600:] +
         rm.log_tail(3))
    final = ar_text(m3)
    t.ok("dkim=fail" in final and "arc=pass" in final and
         re.search(r"dmarc=fail[^;]*policy\.override=trusted_forwarder",
                   final) and "ARC sealer list.e2e.test i=1" in final,
         NAMES[5], diag=final)
    t.ok(rm.wait_for_log(r"dmarc_override=trusted_forwarder "
                         r"arc_sealer=list\.e2e\.test arc_sealer_i=1 ") is not None, NAMES[6],
         diag=lambda: rm.log_tail(3))
    start = len(rm.log())
    rm.write_config({k: v for k, v in recv_opts.items()
                     if k != "ARCTrustedSealers"})
    rm.reload()
    rm.wait_for_log(r"configuration reloaded", start=start)
    r = pf2.send(out, mail_from="list-bounces@list.e2e.test",
                 rcpts=["bob@receiver.test"],
                 xclient={"addr": "198.51.100.7", "name": "lists.list.e2e.test"})
    t.ok(r.code == "550" and not r.accepted, NAMES[7],
         diag=lambda: r.transcript[-600:] + rm.log_tail(3))


if __name__ == "__main__":
    main()
