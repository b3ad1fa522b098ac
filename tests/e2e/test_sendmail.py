#!/usr/bin/python3
"""test_sendmail - authmilter inside a real Sendmail (Debian 12's 8.17,
unpacked by bootstrap; see tests/lib/sendmail_env.py), configured with the
contrib/sendmail.mc snippet we ship, with the domains' SPF, DKIM and DMARC
records served by nsd on loopback. The same assertions as the Postfix
tests: our A-R is added, forged ones with our authserv-id are removed, a
foreign one stays, a p=reject spoof is refused with 550 5.7.1, a
p=quarantine failure is quarantined in Sendmail's queue (hf file with a q
line, listed by mailq -qQ) and not delivered, and mail flows again after
the milter restarts. Issue 17: "From :" reaches the milter as "From"
(Sendmail drops the white space) and counts as a second From; a message
without From is refused (Sendmail would add one from the envelope after
the milter saw the headers). PeerHosts: the p=reject spoof from a peer
(accepted at MAIL FROM) is delivered untouched, its own A-R kept. An
internal message without Date and Message-ID still verifies after
Sendmail adds them at delivery (after the milter signed it)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_nsd  # noqa: E402
import sendmail_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

ID = daemon.DEFAULT_AUTHSERV_ID
CLIENT = "127.0.0.2"          # outside InternalHosts below
PEER = "127.0.0.3"            # in PeerHosts below
NAMES = ["signed message delivered through Sendmail",
         "exactly one A-R with our id", "forged A-R fields gone",
         "foreign A-R kept", "A-R: spf=pass", "A-R: dkim=pass",
         "A-R: dmarc=pass", "daemon logged Sendmail's queue id",
         "p=reject spoof refused with 550 5.7.1 at DATA",
         "spoof not delivered",
         "p=quarantine failure accepted (250) but not delivered",
         "quarantined: hf queue file with the milter's q reason",
         "mailq -qQ lists the quarantined message",
         "released (sendmail -qQ -Q), it is delivered with our A-R",
         "mail flows again after the milter restarts",
         "our A-R sits above Sendmail's Received",
         "internal client (127.0.0.1) is signed; the signature verifies "
         "at smtp-sink",
         "'From :' beside a passing From is a second From: 550 5.7.1",
         "no From: 550 5.7.1 (Sendmail would add one from the envelope "
         "after the milter)",
         "PeerHosts: the p=reject spoof from a peer is delivered untouched, "
         "its own A-R kept and none added",
         "internal message without Date and Message-ID: Sendmail adds "
         "them after signing, and the signature still verifies"]


def prerequisites():
    try:
        import dkim  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401
    except ImportError as e:
        return "python3-dkim, python3-cryptography (%s)" % e
    if not os.access(dns_nsd.NSD, os.X_OK):
        return "nsd"
    return daemon.missing() or sendmail_env.missing()


def zone_text(pub):
    key = "v=DKIM1; k=rsa; p=" + pub
    chunks = " ".join('"%s"' % key[i:i + 200] for i in range(0, len(key), 200))
    lines = ["$ORIGIN e2e.test.", "$TTL 300",
             "@ IN SOA ns.e2e.test. hostmaster.e2e.test. 1 3600 600 86400 300",
             "@ IN NS ns.e2e.test.", "ns IN A 127.0.0.1",
             # the RFC 9989 tree walk stops here, not at _dmarc.test
             # (a zone nsd does not serve: temperror)
             '_dmarc IN TXT "v=DMARC1; p=none; psd=y"']
    for sub, policy, spf in (("pass", "reject", "ip4:%s" % CLIENT),
                             ("reject", "reject", "ip4:192.0.2.0/24"),
                             ("quar", "quarantine", "ip4:192.0.2.0/24")):
        lines += ['%s IN TXT "v=spf1 %s -all"' % (sub, spf),
                  "s1._domainkey.%s IN TXT %s" % (sub, chunks),
                  '_dmarc.%s IN TXT "v=DMARC1; p=%s"' % (sub, policy)]
    return "\n".join(lines) + "\n"


def message(dom, subject, extra=b""):
    return extra + ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\n"
                    "Subject: %s\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
                    "Message-ID: <%s@e2e.test>\r\n\r\nHello from %s.\r\n"
                    % (dom, subject, subject, dom)).encode()


FORGED = (b"Authentication-Results: " + ID.encode() +
          b"; dkim=pass header.d=bank.example\r\n"
          b"Authentication-Results: (x) " + ID.upper().encode() +
          b";\r\n dmarc=pass header.from=bank.example\r\n"
          b"Authentication-Results: relay.other.example; spf=pass\r\n")


def ours(values):
    return [v for v in values if v.split(";")[0].strip().lower() == ID]


def signed(pem, subject):
    import dkim
    raw = message("pass.e2e.test", subject)
    sig = dkim.sign(raw, b"s1", b"pass.e2e.test", pem,
                    include_headers=[b"from", b"to", b"subject", b"date"])
    return FORGED + sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw


def check_pass(t, sm, am, r):
    m = sm.wait_for_delivery(r.queue_id) if r.accepted else None
    t.ok(m is not None, NAMES[0],
         diag=lambda: r.transcript[-1500:] + am.log_tail(5) + sm.trace()[-1500:])
    if m is None:
        t.skip_rest("nothing delivered", NAMES[1:8])
        return
    values = m.header_values("Authentication-Results")
    t.ok(len(ours(values)) == 1, NAMES[1], diag=repr(values))
    t.ok(not any("bank.example" in v for v in values), NAMES[2],
         diag=repr(values))
    t.ok(any(v.startswith("relay.other.example;") for v in values),
         NAMES[3], diag=repr(values))
    ar = " ".join(ours(values))
    t.ok("spf=pass smtp.mailfrom=pass.e2e.test" in ar, NAMES[4], diag=ar)
    t.ok("dkim=pass header.d=pass.e2e.test header.s=s1" in ar, NAMES[5],
         diag=ar)
    t.ok("dmarc=pass (p=reject dis=none) header.from=pass.e2e.test "
         "polrec.p=reject" in ar,
         NAMES[6], diag=ar)
    t.ok(am.wait_for_log(r"qid=%s " % r.queue_id, timeout=5), NAMES[7],
         diag=am.log_tail(5))


def check_quarantine(t, sm, am):
    before = len(sm.delivered())
    r = sm.send(message("quar.e2e.test", "quarantine"),
                mail_from="x@quar.e2e.test", client_ip=CLIENT)
    held = sm.queue_files("hf")
    t.ok(r.accepted and len(sm.delivered()) == before and r.queue_id, NAMES[10],
         diag=lambda: r.transcript[-800:] + am.log_tail(3))
    lines = held.get(r.queue_id or "?", [])
    qline = [x for x in lines if x.startswith("q")]
    t.ok(qline and "dmarc" in qline[0].lower(), NAMES[11],
         diag=lambda: "%r %r" % (held.keys(), qline))
    if qline:
        t.diag("quarantine reason: " + qline[0])
    out = sm.mailq(quarantined=True)
    t.ok(r.queue_id and r.queue_id in out, NAMES[12], diag=out)
    rel = sm.release_quarantined()
    m = sm.wait_for_delivery(r.queue_id, timeout=20) if r.queue_id else None
    ar = " ".join(ours(m.header_values("Authentication-Results"))) if m else ""
    t.ok(m is not None and "dmarc=fail" in ar, NAMES[13],
         diag=lambda: rel + sm.mailq() + ar)


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, what="Sendmail e2e",
                  tests=NAMES):
        t.done()
    pem, pub = dkim_keys.rsa_key_pair()
    keydir = tmpdir.make("sendmail-key-")
    keyfile = os.path.join(keydir, "s1.pem")
    with open(os.open(keyfile, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
        f.write(pem)
    # mail from 127.0.0.1 is internal: signed as pass.e2e.test, not verified
    # 5s: answers from nsd on a loaded 2-core CI machine can be slow
    opts = {"Nameservers": "127.0.0.1@%d", "DNSTimeout": "5s",
            "InternalHosts": "127.0.0.1/32 ::1", "Domain": "pass.e2e.test",
            "Selector": "s1", "KeyFile": keyfile, "PeerHosts": PEER}
    try:
        run(t, pem, pub, opts)
    finally:
        tmpdir.remove(keydir)
    t.done()


def check_signed(t, sm, am, pub):
    import dkim
    txt = ("v=DKIM1; k=rsa; p=" + pub).encode()
    undated = message("pass.e2e.test", "undated").replace(
        b"Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n", b"").replace(
        b"Message-ID: <undated@e2e.test>\r\n", b"")
    # Sendmail's relay mailer writes Date and Message-Id into a message
    # without them at delivery, after the milter signed it
    for raw, name, added in ((message("pass.e2e.test", "internal"),
                              NAMES[16], ()),
                             (undated, NAMES[20], ("Date", "Message-Id"))):
        r = sm.send(raw, mail_from="a@pass.e2e.test", client_ip="127.0.0.1")
        m = sm.wait_for_delivery(r.queue_id) if r.accepted else None
        ok = m is not None and m.header_values("DKIM-Signature") and all(
            m.header_values(h) for h in added) and dkim.verify(
            m.raw, dnsfunc=lambda name, timeout=5: txt
            if name.rstrip(b".") == b"s1._domainkey.pass.e2e.test" else None)
        t.ok(ok, name, diag=lambda: (m.raw[:1500].decode("utf-8", "replace")
                                     if m else r.transcript[-800:]) +
             am.log_tail(3))


def run(t, pem, pub, opts):
    with dns_nsd.NsdServer(zone_text(pub), "e2e.test") as ns:
        opts["Nameservers"] %= ns.port
        with daemon.Daemon(options=opts) as am, \
                sendmail_env.SendmailEnv(milter=am) as sm:
            r = sm.send(signed(pem, "pass"), mail_from="a@pass.e2e.test",
                        client_ip=CLIENT)
            check_pass(t, sm, am, r)

            before = len(sm.delivered())
            r = sm.send(message("reject.e2e.test", "spoof"),
                        mail_from="x@reject.e2e.test", client_ip=CLIENT)
            t.ok(r.code == "550" and "5.7.1" in (r.reply or ""), NAMES[8],
                 diag=lambda: r.transcript[-800:] + am.log_tail(3))
            t.ok(not r.accepted and len(sm.delivered()) == before, NAMES[9])

            check_quarantine(t, sm, am)

            am.stop()
            am.start()
            r = sm.send(signed(pem, "again"), mail_from="a@pass.e2e.test",
                        client_ip=CLIENT)
            m = sm.wait_for_delivery(r.queue_id) if r.accepted else None
            t.ok(m is not None and len(ours(
                m.header_values("Authentication-Results"))) == 1, NAMES[14],
                diag=lambda: r.transcript[-800:] + am.log_tail(3))
            names = [n.lower() for n in m.header_names()] if m else []
            rcv = [i for i, n in enumerate(names) if n == "received"]
            # smtp-sink's Received is first, Sendmail's is the last one
            t.ok("authentication-results" in names and len(rcv) >= 2 and
                 names.index("authentication-results") < rcv[-1], NAMES[15],
                 diag=repr(names))
            check_signed(t, sm, am, pub)
            check_obsolete_from(t, sm, am)
            check_peer(t, sm, am)


def check_peer(t, sm, am):
    """check_peer - a backup MX running authmilter stamped its A-R"""
    stamp = ("Authentication-Results: %s; dmarc=fail (p=reject dis=none) "
             "header.from=reject.e2e.test\r\n" % ID).encode()
    r = sm.send(stamp + message("reject.e2e.test", "viapeer"),
                mail_from="x@reject.e2e.test", client_ip=PEER)
    m = sm.wait_for_delivery(r.queue_id) if r.accepted else None
    ars = m.header_values("Authentication-Results") if m else []
    t.ok(len(ars) == 1 and "dmarc=fail (p=reject" in ars[0] and
         am.wait_for_log(r"client_ip=%s .*exempt=peer .*why=peer" % PEER,
                         timeout=5), NAMES[19],
         diag=lambda: repr(ars) + r.transcript[-800:] + am.log_tail(3))


def check_obsolete_from(t, sm, am):
    """check_obsolete_from - "From :" (RFC 5322 4.5.1) beside a From that
    passes; Sendmail hands the milter the name without the white space"""
    raw = message("pass.e2e.test", "obsolete").replace(
        b"To:", b"From : Victim <v@reject.e2e.test>\r\nTo:", 1)
    r = sm.send(raw, mail_from="a@pass.e2e.test", client_ip=CLIENT)
    t.ok(r.code == "550" and "5.7.1" in (r.reply or "") and not r.accepted,
         NAMES[17], diag=lambda: r.transcript[-800:] + am.log_tail(3))
    # Sendmail 8.17 adds "From: <envelope sender>" to a message without
    # one AFTER the milter has seen the headers: only refusing it (the
    # DMARCBadFrom default) keeps a made-up From from being delivered
    raw = message("pass.e2e.test", "nofrom").replace(
        b"From: Alice <alice@pass.e2e.test>\r\n", b"", 1)
    r = sm.send(raw, mail_from="a@pass.e2e.test", client_ip=CLIENT)
    t.ok(r.code == "550" and "author" in (r.reply or "") and not r.accepted,
         NAMES[18], diag=lambda: r.transcript[-800:] + am.log_tail(3))


if __name__ == "__main__":
    main()
