#!/usr/bin/python3
"""test_arc_trust - trusted ARC sealers over DMARC (ARCTrustedSealers,
ARCTrustedSealerAction) through the daemon over the milter protocol.

The author domain (p=reject) signs; a mailing list tags the Subject and
adds a footer, which breaks DKIM, and seals with dkimpy, its AAR recording
what it saw on arrival. The receiver (authmilter) sees dmarc=fail and
arc=pass: with the list trusted the message is delivered (or quarantined)
with policy.override=trusted_forwarder and the sealer named in the A-R and
the log; not trusted, an untrusted sealer's claims, a trusted sealer that
recorded no pass for the author, a broken chain, a message rewritten
under an untrusted sealer's set above the list's: rejected. Alignment
is against the author's organizational domain (the DMARC tree walk): a
pass for a sibling domain counts, one for a public suffix above the
author (psd=y) does not. In DMARCMode rfc7489 the organizational domain
comes from the Public Suffix List instead: psd=y means nothing there, so
suffix.example (not on the list) is the author's organization.
"""

import os
import re
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import yaml
    import arc_chain as ac
    import dkim
    import authres  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim, python3-authres, python3-yaml (%s)" % e

CLIENT = "192.0.2.9"
RAW = (b"From: Alice <alice@author.example>\r\nTo: list@list.example\r\n"
       b"Subject: hello\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <3@author.example>\r\n\r\nHello list,\r\nhi.\r\n")
SAW = (b"spf=pass smtp.mailfrom=alice@author.example; "
       b"dkim=pass header.d=author.example header.s=a1; "
       b"dmarc=pass header.from=author.example")


def from_(raw, domain):
    """raw with the author at domain"""
    return raw.replace(b"alice@author.example", b"alice@" + domain, 1)


def listify(raw):
    raw = raw.replace(b"Subject: hello", b"Subject: [list] hello", 1)
    return raw + b"-- \r\nlist footer\r\n"


def main():
    t = TAP()
    if not t.need(check=lambda: HAVE_LIBS or daemon.missing(),
                  what="trusted ARC sealers",
                  tests=["trusted ARC sealers"]):
        return t.done()
    tmp = tmpdir.make("authmilter-arctrust-")
    try:
        author = ac.Sealer("author.example", "a1")
        lst = ac.Sealer("list.example", "l1")
        other = ac.Sealer("other.example", "o1")
        recs = {x.key_name: x.record for x in (author, lst, other)}
        zone = {k: [{"TXT": v}] for k, v in recs.items()}
        zone["_dmarc.author.example"] = [{"TXT": "v=DMARC1; p=reject"}]
        # a forwarder keeps the author's envelope sender: SPF fails here
        zone["author.example"] = [{"TXT": "v=spf1 -all"}]
        zone["pnone.example"] = [{"TXT": "v=spf1 -all"}]
        zone["_dmarc.pnone.example"] = [{"TXT": "v=DMARC1; p=none"}]
        # an author that asks strict DKIM alignment
        zone["_dmarc.strict.example"] = [
            {"TXT": "v=DMARC1; p=reject; adkim=s"}]
        # bank.suffix.example is an organization under a public suffix
        zone["_dmarc.suffix.example"] = [{"TXT": "v=DMARC1; p=none; psd=y"}]
        zone["_dmarc.bank.suffix.example"] = [{"TXT": "v=DMARC1; p=reject"}]
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump(zone, f)
        sig = dkim.sign(RAW, b"a1", b"author.example", author.pem,
                        include_headers=[b"from", b"to", b"subject",
                                         b"date", b"message-id"])
        signed = sig + RAW
        msgs = {
            "trusted": ac.seal(listify(signed), lst, "none", results=SAW),
            "other": ac.seal(listify(signed), other, "none", results=SAW),
            "nopass": ac.seal(listify(signed), lst, "none", results=(
                b"dkim=fail header.d=author.example; "
                b"dmarc=fail header.from=author.example")),
            # the list's own DMARC check failed (the author asks strict
            # alignment): its relaxed-aligned passes do not rescue
            "dmarcfail": ac.seal(listify(signed), lst, "none", results=(
                b"spf=pass smtp.mailfrom=b@bounce.author.example; "
                b"dkim=pass header.d=mail.author.example; "
                b"dmarc=fail header.from=author.example")),
            # the list recorded a pass for a subdomain signer and no
            # DMARC result: relaxed alignment only, strict.example asks
            # adkim=s
            "strict": ac.seal(listify(from_(signed, b"strict.example")),
                              lst, "none", results=(
                                  b"dkim=pass header.d=mail.strict.example "
                                  b"header.s=m1")),
            "broken": ac.seal(listify(signed), lst, "none",
                              results=SAW) + b"more\r\n",
            "plain": listify(signed),
            # the list saw a pass for a sibling of the author's domain
            "sibling": ac.seal(listify(from_(signed, b"news.author.example")),
                               lst, "none", results=(
                                   b"dkim=pass header.d=mail.author.example "
                                   b"header.s=m1")),
            # ... and for the public suffix above the author
            "suffix": ac.seal(listify(from_(signed, b"bank.suffix.example")),
                              lst, "none", results=(
                                  b"dkim=pass header.d=suffix.example "
                                  b"header.s=s1")),
            # ... the same with the signature's i= at the author
            "suffix_i": ac.seal(listify(from_(signed, b"bank.suffix.example")),
                                lst, "none", results=(
                                    b"dkim=pass header.d=suffix.example "
                                    b"header.i=@bank.suffix.example "
                                    b"header.s=s1")),
        }
        # a set by an untrusted sealer above the list's: the message
        # rewritten after the list sealed it (the list's AMS fails), or
        # passed on as the list sealed it (the list's AMS verifies)
        msgs["rewritten"] = ac.seal(msgs["trusted"].replace(
            b"Hello list,", b"Your account is locked, log in at once,", 1),
            other, "pass")
        msgs["relayed"] = ac.seal(msgs["trusted"], other, "pass")
        # an author whose domain asks nothing (p=none), by a trusted list
        # and by another sealer
        for key, sealer in (("pnone", lst), ("pnone_other", other)):
            msgs[key] = ac.seal(listify(from_(signed, b"pnone.example")),
                                sealer, "none", results=(
                                    b"dmarc=pass header.from=pnone.example"))
        # the list's AMS has l=: text appended past it after the list
        # sealed (its AMS still verifies) under an untrusted set, and the
        # same message passed on without the text
        with_l = ac.seal_with_l(listify(signed), lst, "none", results=SAW)
        msgs["appended"] = ac.seal(
            with_l + b"Your account is locked, log in at once.\r\n",
            other, "pass")
        msgs["relayed_l"] = ac.seal(with_l, other, "pass")
        with dns_testserver.DnsServer(zpath) as srv:
            base = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "1s", "InternalHosts": "10.9.0.0/16"}
            store = os.path.join(tmp, "reports.db")
            with daemon.Daemon(dict(base, ARCTrustedSealers="list.example",
                                    ReportStore="sqlite:" + store)) as d:
                trusted(t, d, msgs)
            report_row(t, store)
            with daemon.Daemon(dict(base, ARCTrustedSealers="list.example",
                                    ARCTrustedSealerAction="quarantine")) as d:
                r = send(d, msgs["trusted"], "Q1")
                t.is_eq(r.disposition, "quarantine",
                        "ARCTrustedSealerAction quarantine: held")
            with daemon.Daemon(dict(base, ARCTrustedSealers="list.example",
                                    DMARCMode="rfc7489")) as d:
                rfc7489(t, d, msgs)
            with daemon.Daemon(dict(base, ARCTrustedSealers="list.example",
                                    SPFFailAction="reject-unless-dmarc-"
                                    "pass")) as d:
                spf_unless_dmarc(t, d, msgs)
            with daemon.Daemon(base) as d:
                r = send(d, msgs["trusted"], "N1")
                t.is_eq(r.disposition, "reject",
                        "no ARCTrustedSealers: the same message is rejected")
            authcheck(t, tmp, dict(base, ARCTrustedSealers="list.example"),
                      msgs)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def authcheck(t, tmp, opts, msgs):
    """authcheck message explains the chain set by set and the override"""
    import authcheck_env
    import json
    if authcheck_env.missing():
        t.skip("authcheck explains the ARC chain", authcheck_env.missing())
        return
    conf = os.path.join(tmp, "authcheck.conf")
    with open(conf, "w") as f:
        f.write(daemon.render_config(dict(opts, AuthservID="mx.test.example",
                                          LogTo="stderr")))
    path = os.path.join(tmp, "trusted.eml")
    with open(path, "wb") as f:
        f.write(msgs["trusted"])
    rc, out, err = authcheck_env.run_plain(
        ["message", "--json", "--config", conf, "--ip", CLIENT,
         "--nameserver", opts["Nameservers"],
         "--mail-from", "list-bounces@list.example", path])
    try:
        arc = json.loads(out).get("arc", {})
    except ValueError:
        arc = {}
    chain = arc.get("chain", [])
    t.ok(arc.get("result") == "pass" and len(chain) == 1 and
         chain[0].get("cv") == "none" and
         chain[0].get("seal", "").startswith("pass (d=list.example s=l1") and
         chain[0].get("message_signature", "").startswith("pass") and
         "dmarc=pass header.from=author.example" in
         chain[0].get("authentication_results", ""),
         "authcheck message: the chain set by set", diag=out + err)
    t.ok("trusted sealer list.example (set i=1) recorded" in
         arc.get("dmarc_override", ""),
         "authcheck message: the override and the sealer", diag=out + err)


def send(d, m, qid):
    return d.send_message(m, client_ip=CLIENT, macros={"i": qid},
                          mail_from="list-bounces@list.example")


def report_row(t, store):
    """the DMARC report row of T1 records the override (read after the
    daemon stopped: its writer thread has flushed by then)"""
    rows = []
    try:
        db = sqlite3.connect(store)
        try:
            rows = db.execute("SELECT disposition, override_type, "
                              "override_comment FROM messages WHERE "
                              "queue_id = 'T1'").fetchall()
        finally:
            db.close()
    except sqlite3.Error as e:
        rows = [("error", str(e), "")]
    t.ok(len(rows) == 1 and rows[0][0] == "none" and
         rows[0][1] == "trusted_forwarder" and
         "sealer list.example i=1" in rows[0][2],
         "report row: disposition none, override trusted_forwarder with "
         "the sealer", diag=repr(rows))


def ar_of(r):
    return " ".join(v.replace("\r\n", " ")
                    for v in r.header_values("Authentication-Results"))


def trusted(t, d, msgs):
    r = send(d, msgs["trusted"], "T1")
    ar = ar_of(r)
    t.is_eq(r.disposition, "accept",
            "trusted list: dmarc=fail rescued, delivered")
    t.ok(re.search(r"dkim=fail", ar) and re.search(r"arc=pass", ar) and
         re.search(r"dmarc=fail[^;]*policy\.override=trusted_forwarder", ar)
         and "ARC sealer list.example i=1 recorded" in ar,
         "A-R: dkim=fail, arc=pass, dmarc=fail with policy.override and "
         "the sealer named", diag=ar)
    m = d.wait_for_log(r"qid=T1 .*verdict=accept.*")
    t.ok(m is not None and "dmarc_override=trusted_forwarder "
         "arc_sealer=list.example arc_sealer_i=1 " in m.group(0),
         "the log line names the override and the sealer",
         diag=lambda: d.log_tail(2))
    for key, label in (("other", "an untrusted sealer's AAR"),
                       ("nopass", "a trusted sealer that saw no pass"),
                       ("dmarcfail", "a trusted sealer whose DMARC check "
                        "failed beside aligned passes"),
                       ("strict", "a pass for a subdomain signer, the "
                        "author asks adkim=s"),
                       ("broken", "a broken chain (arc=fail)"),
                       ("plain", "no ARC at all")):
        r = send(d, msgs[key], "X" + key)
        t.ok(r.disposition == "reject" and
             "policy.override" not in ar_of(r),
             "%s: rejected, no override" % label, diag=ar_of(r))
    # an untrusted sealer's set above the list's: the list's AAR counts
    # only while the message is what the list's AMS signed
    for key, qid, rescued, label in (
            ("rewritten", "U1", False, "rewritten under an untrusted "
             "sealer's set above the list's"),
            ("relayed", "U2", True, "passed on unchanged by an untrusted "
             "sealer (the list's AMS verifies)"),
            ("appended", "U3", False, "text appended past the list's AMS "
             "l= under an untrusted sealer's set"),
            ("relayed_l", "U4", True, "the same passed on with nothing "
             "after l=")):
        r = send(d, msgs[key], qid)
        if rescued:
            ok = r.disposition == "accept" and \
                "policy.override=trusted_forwarder" in ar_of(r)
        else:
            ok = r.disposition == "reject" and "arc=pass" in ar_of(r) \
                and "policy.override" not in ar_of(r)
        t.ok(ok, "%s: %s" % (label, "rescued" if rescued else
                             "rejected, no override"), diag=ar_of(r))
    r = send(d, msgs["sibling"], "S1")
    t.ok(r.disposition == "accept" and "dmarc=fail" in ar_of(r) and
         "policy.override=trusted_forwarder" in ar_of(r),
         "a pass for a sibling domain (same organization): rescued",
         diag=ar_of(r))
    r = send(d, msgs["suffix"], "S2")
    t.ok(r.disposition == "reject" and "policy.override" not in ar_of(r),
         "a pass for the public suffix above the author: rejected",
         diag=ar_of(r))
    r = send(d, msgs["suffix_i"], "S3")
    t.ok(r.disposition == "reject" and "policy.override" not in ar_of(r),
         "a pass for the public suffix above the author, header.i at the "
         "author: rejected", diag=ar_of(r))


def spf_unless_dmarc(t, d, msgs):
    """SPFFailAction reject-unless-dmarc-pass: a forwarder that keeps the
    author's envelope sender fails SPF here; a DMARC failure a trusted
    sealer rescued is not refused for that SPF failure"""
    for key, qid, want, label in (
            ("trusted", "F1", "accept", "a trusted sealer vouched: "
             "delivered"),
            ("other", "F2", "reject", "an untrusted sealer: rejected"),
            ("pnone", "F3", "accept", "p=none, a trusted sealer vouched: "
             "delivered"),
            ("pnone_other", "F4", "reject", "p=none, an untrusted sealer: "
             "rejected")):
        sender = b"alice@" + (b"pnone.example" if key.startswith("pnone")
                              else b"author.example")
        r = d.send_message(msgs[key], client_ip=CLIENT, macros={"i": qid},
                           mail_from=sender.decode())
        ar = ar_of(r)
        t.ok(r.disposition == want and "spf=fail" in ar and
             ("policy.override=trusted_forwarder" in ar) ==
             (want == "accept"), "SPFFailAction reject-unless-dmarc-pass, "
             "SPF fail: " + label, diag="%s %s" % (r.disposition, ar))


def rfc7489(t, d, msgs):
    """the same alignment with the PSL's organizational domain"""
    for key, qid, want, label in (
            ("trusted", "R1", "accept", "the author's own domain: rescued"),
            ("sibling", "R2", "accept", "a sibling domain: rescued"),
            ("suffix", "R3", "accept", "suffix.example, the PSL's "
             "organization of bank.suffix.example: rescued"),
            ("other", "R4", "reject", "an untrusted sealer: rejected")):
        r = send(d, msgs[key], qid)
        t.ok(r.disposition == want and
             ("policy.override=trusted_forwarder" in ar_of(r)) ==
             (want == "accept"), "DMARCMode rfc7489: " + label,
             diag=ar_of(r))


if __name__ == "__main__":
    sys.exit(main())
