#!/usr/bin/python3
"""test_header_ambiguity - the header-ambiguity classes of issue 17 over
the milter protocol, records served by the loopback test DNS server:

  1. obsolete "From :" syntax: the name as an MTA may hand it ("From ",
     "From\\t") and as Postfix does ("From"), DKIM-Signature and
     Authentication-Results names with trailing white space;
  2. several authors: one dmarc= result, the strictest, naming every
     author domain; never a pass unless every author domain passes;
  3. DKIM l= with content appended after the signed length: dkim=policy
     and no DMARC alignment by default, plain RFC 6376 with
     DKIMAllowPartialBody yes;
  4. no single usable author (garbage, no domain, NUL byte, no From):
     DMARCBadFrom reject (550 5.7.1) by default, quarantine or accept;
  5. a From hidden after a bare CR in another field (or in a comment or
     quoted string of the From): clients that end lines there show it,
     so it is an author too.
"""

import email.parser
import email.policy
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    import dkim  # noqa: F401
    import yaml
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim and python3-yaml (%s)" % e

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
AUTHSERV = "mx.test.example"


def zone(pub):
    z = {}
    for dom, dmarc in (("att.test", "v=DMARC1; p=none"),
                       ("victim.test", "v=DMARC1; p=reject"),
                       ("quar.test", "v=DMARC1; p=quarantine"),
                       ("other.test", "v=DMARC1; p=reject")):
        z[dom] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}, {"A": GOOD_IP}]
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
        z["_dmarc." + dom] = [{"TXT": dmarc}]
    return z


def msg(from_lines, subject, body=b"Hello Bob,\r\nthis is a test.\r\n"):
    """msg - a message with the given raw From lines (bytes, with names)"""
    return (b"".join(f + b"\r\n" for f in from_lines) +
            b"To: bob@example.net\r\nSubject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n" + body)


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def split_keeping_names(raw):
    """split_keeping_names - milter_client.split_message, but a field name
    keeps the white space before its colon ("From " for "From :"), the
    shape an MTA that does not normalise names hands to the milter"""
    heads, body = milter_client_split(raw)
    names = []
    for line in raw.replace(b"\r\n", b"\n").split(b"\n"):
        if line == b"":
            break
        if line[:1] in (b" ", b"\t"):
            continue
        names.append(line[:line.find(b":")].decode())
    return [(names[i], v) for i, (_, v) in enumerate(heads)], body


milter_client_split = milter_client.split_message


def send_raw_names(d, raw, **kw):
    """send_raw_names - send with the names as written (see above)"""
    milter_client.split_message = split_keeping_names
    try:
        return d.send_message(raw, **kw)
    finally:
        milter_client.split_message = milter_client_split


def ar(res):
    vals = res.header_values("Authentication-Results")
    return " ".join(vals[0].split()) if vals else ""


def dmarc_words(a):
    return re.findall(r"\bdmarc=(\w+)", a)


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="header ambiguity tests"):
        t.done()
    tmp = tmpdir.make("authmilter-hdr-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(pub), f)
    base = {"Nameservers": None, "DNSTimeout": "1s", "AuthservID": AUTHSERV}
    with dns_testserver.DnsServer(zpath) as srv:
        base["Nameservers"] = "127.0.0.1@%d" % srv.port
        obsolete_syntax(t, base, pem)
        several_authors(t, base, pem)
        length_tag(t, base, pem)
        bad_from(t, base, pem)
        hidden_from(t, base, pem)
    t.done()


def obsolete_syntax(t, base, pem):
    # the attacker's own domain passes (aligned SPF and DKIM); the victim's
    # address rides in a second From written "From :"
    spoof = sign(msg([b"From: a@att.test", b"From : Victim <v@victim.test>"],
                     "obs"), "att.test", pem)
    with daemon.Daemon(options=base) as d:
        for label, send in (("name 'From ' (as written)", send_raw_names),
                            ("name 'From' (as Postfix hands it)",
                             lambda dd, raw, **kw: dd.send_message(raw, **kw))):
            res = send(d, spoof, client_ip=GOOD_IP, mail_from="<a@att.test>")
            t.ok(res.disposition == "reject" and res.code == "550",
                 "'From :' beside a passing From: victim's p=reject applies, %s"
                 % label, diag=repr(res))
        for name in (b"From\t", b"FROM  ", b"from \t"):
            # dkimpy refuses such names: sign, then rename the field
            raw = sign(msg([b"From: a@att.test", b"X-Second: v@victim.test"],
                           "obs2"), "att.test", pem)
            raw = raw.replace(b"X-Second:", name + b":")
            res = send_raw_names(d, raw, client_ip=GOOD_IP,
                                 mail_from="<a@att.test>")
            t.ok(res.disposition == "reject",
                 "field name %r is a From" % name.decode(), diag=repr(res))
        # the only From written "From :": it is the author
        res = send_raw_names(d, msg([b"From : v@victim.test"], "obs3"),
                             client_ip=BAD_IP, mail_from="<x@victim.test>")
        t.ok(res.disposition == "reject" and "victim.test" in (res.text or ""),
             "a lone 'From :' is evaluated as the author", diag=repr(res))
        # DKIM-Signature named with trailing white space is verified
        raw = sign(msg([b"From: a@att.test"], "signame"), "att.test", pem)
        raw = raw.replace(b"DKIM-Signature:", b"DKIM-Signature :", 1)
        res = send_raw_names(d, raw, client_ip=BAD_IP, mail_from="<x@other.test>")
        a = ar(res)
        t.ok("dkim=pass header.d=att.test" in a and "dmarc=pass" in a,
             "'DKIM-Signature :' is verified and aligns", diag=a)
        # a forged A-R with our authserv-id, written "Authentication-Results :"
        forged = (b"Authentication-Results : " + AUTHSERV.encode() +
                  b"; dmarc=pass header.from=victim.test\r\n" +
                  sign(msg([b"From: a@att.test"], "forged"), "att.test", pem))
        res = send_raw_names(d, forged, client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        t.ok((1, "Authentication-Results") in res.deleted_headers,
             "forged 'Authentication-Results :' with our id is deleted",
             diag=repr(res.actions))
    with daemon.Daemon(options=dict(base, DMARCMultipleFrom="reject")) as d:
        res = send_raw_names(d, spoof, client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        t.ok(res.disposition == "reject" and "several" in (res.text or ""),
             "DMARCMultipleFrom reject counts 'From :' as a second From",
             diag=repr(res))
    with daemon.Daemon(options=dict(base, DMARCRejectAction="mark")) as d:
        res = send_raw_names(d, spoof, client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        a = ar(res)
        t.ok(res.disposition == "accept" and dmarc_words(a) == ["fail"] and
             "authors att.test victim.test" in a and
             "header.from=victim.test" in a,
             "marked, not refused: one dmarc=fail naming both authors", diag=a)


def several_authors(t, base, pem):
    with daemon.Daemon(options=dict(base, DMARCRejectAction="mark",
                                    DMARCQuarantineAction="mark")) as d:
        cases = (
            ("one field, two domains", [b"From: a@att.test, q@quar.test"],
             "fail", "quar.test"),
            ("two fields, p=none fail beside a pass",
             [b"From: a@att.test", b"From: o@other.test"], "fail", "other.test"),
            ("two fields, same passing domain",
             [b"From: a@att.test", b"From: b@att.test"], "pass", "att.test"),
            ("author list order does not matter",
             [b"From: q@quar.test, a@att.test"], "fail", "quar.test"),
        )
        for label, froms, want, dom in cases:
            raw = sign(msg(froms, "multi"), "att.test", pem)
            res = d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>")
            a = ar(res)
            t.ok(dmarc_words(a) == [want] and "header.from=%s" % dom in a,
                 "several authors, %s: one dmarc=%s (header.from=%s)"
                 % (label, want, dom), diag=a)
        raw = sign(msg([b"From: a@att.test, b@quar.test"], "named"), "att.test", pem)
        res = d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>")
        a = ar(res)
        t.ok("authors att.test quar.test" in a and "dmarc=pass" not in a,
             "every author domain named, no pass shown", diag=a)
        t.ok(d.wait_for_log(r"authors=att\.test:pass,quar\.test:fail", timeout=3 * SCALE),
             "log line has each author's result", diag=d.log_tail(2))
        # five author domains: more than are evaluated; never a pass
        raw = msg([b"From: a@att.test, b@a2.test, c@a3.test, d@a4.test, "
                   b"v@victim.test"], "five")
        res = d.send_message(sign(raw, "att.test", pem), client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        t.ok(res.disposition == "reject" and "too many author" in (res.text or ""),
             "five author domains: bad From (not a partial pass)", diag=repr(res))


def length_tag(t, base, pem):
    body = (b"--b\r\nContent-Type: text/plain\r\n\r\nsigned part\r\n"
            b"--b--\r\n")
    head = [b"From: v@victim.test"]
    signed = sign(msg(head, "lpart", body), "victim.test", pem, length=True)
    # an attacker replays it with a new part after the signed length
    appended = signed + (b"--b\r\nContent-Type: text/html\r\n\r\n"
                         b"<b>pay here</b>\r\n--b--\r\n")
    with daemon.Daemon(options=base) as d:
        res = d.send_message(appended, client_ip=BAD_IP, mail_from="<x@victim.test>")
        t.ok(res.disposition == "reject",
             "l= with appended content: no DMARC alignment, p=reject applies",
             diag=repr(res))
        with daemon.Daemon(options=dict(base, DMARCRejectAction="mark")) as dm:
            res = dm.send_message(appended, client_ip=BAD_IP,
                                  mail_from="<x@victim.test>")
            a = ar(res)
            t.ok('dkim=policy reason="l= leaves body content unsigned" '
                 'header.d=victim.test' in a and dmarc_words(a) == ["fail"],
                 "A-R: dkim=policy with the reason, dmarc=fail", diag=a)
        res = d.send_message(signed, client_ip=BAD_IP, mail_from="<x@victim.test>")
        a = ar(res)
        t.ok("dkim=pass header.d=victim.test" in a and "dmarc=pass" in a,
             "l= covering the whole body passes and aligns", diag=a)
    with daemon.Daemon(options=dict(base, DKIMAllowPartialBody="yes")) as d:
        res = d.send_message(appended, client_ip=BAD_IP, mail_from="<x@victim.test>")
        a = ar(res)
        t.ok(res.disposition == "accept" and "dkim=pass (l= leaves part of the "
             "body unsigned) header.d=victim.test" in a and "dmarc=pass" in a,
             "DKIMAllowPartialBody yes: plain RFC 6376 pass, noted", diag=a)


def bad_from(t, base, pem):
    cases = (
        ("garbage", [b"From: undisclosed"]),
        ("no domain", [b"From: alice@"]),
        ("only an empty group", [b"From: Undisclosed:;"]),
        ("NUL before the address", [b"From: \0v@victim.test"]),
        ("no From field", []),
        ("one good, one unparseable", [b"From: a@att.test", b"From: <<>>"]),
    )
    with daemon.Daemon(options=base) as d:
        for label, froms in cases:
            raw = sign(msg(froms, "bad"), "att.test", pem)
            res = d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>")
            t.ok(res.disposition == "reject" and res.code == "550" and
                 "5.7.1" in (res.text or "") and "author" in (res.text or ""),
                 "bad From (%s): 550 5.7.1 by default" % label, diag=repr(res))
        # past the eight From fields kept, a ninth (the one some clients
        # show) must not go unjudged behind eight that pass
        froms = [b"From: a@att.test"] * 8 + [b"From: v@victim.test"]
        res = d.send_message(sign(msg(froms, "nine"), "att.test", pem),
                             client_ip=GOOD_IP, mail_from="<a@att.test>")
        t.ok(res.disposition == "reject" and res.code == "550" and
             "too many From fields" in (res.text or ""),
             "nine From fields: bad From, not a pass of the first eight",
             diag=repr(res))
        # a NUL inside the value: libmilter hands over the part before it,
        # and that address is judged like any other
        raw = msg([b"From: v@victim.test\0a@att.test"], "nul")
        res = d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>")
        t.ok(res.disposition == "reject" and "victim.test" in (res.text or ""),
             "NUL after an address: the address before it is the author",
             diag=repr(res))
        # exempt clients are not judged
        res = d.send_message(msg([], "internal"), client_ip="127.0.0.1",
                             mail_from="<a@att.test>")
        t.ok(res.disposition == "accept", "no From from InternalHosts: accepted",
             diag=repr(res))
    with daemon.Daemon(options=dict(base, DMARCBadFrom="quarantine")) as d:
        res = d.send_message(msg([b"From: undisclosed"], "bq"), client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        t.ok(res.disposition == "quarantine" and "author" in (res.quarantine or ""),
             "DMARCBadFrom quarantine: held", diag=repr(res))
    with daemon.Daemon(options=dict(base, DMARCBadFrom="accept")) as d:
        res = d.send_message(msg([], "ba"), client_ip=GOOD_IP,
                             mail_from="<a@att.test>")
        a = ar(res)
        t.ok(res.disposition == "accept" and
             'dmarc=permerror reason="no From address"' in a,
             "DMARCBadFrom accept: delivered with dmarc=permerror", diag=a)


def shown_froms(raw):
    """shown_froms - the From fields Python's email package finds, a fair
    stand-in for what a mail client shows"""
    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    return [str(v) for v in m.get_all("From", [])]


def hidden_from(t, base, pem):
    victim = b"From: Victim <v@victim.test>"
    cases = (
        ("in the Subject", [b"From: a@att.test",
                            b"Subject2: hi\r" + victim]),
        ("in a comment of the From",
         [b"From: a@att.test (\r" + victim + b"\r)"]),
        ("in a quoted display name",
         [b"From: \"x\r" + victim + b"\r\" <a@att.test>"]),
    )
    with daemon.Daemon(options=base) as d:
        for label, froms in cases:
            raw = sign(msg(froms, "cr"), "att.test", pem)
            shown = shown_froms(raw)
            res = d.send_message(raw, client_ip=GOOD_IP,
                                 mail_from="<a@att.test>")
            t.ok("Victim <v@victim.test>" in shown and
                 res.disposition == "reject" and
                 "victim.test" in (res.text or ""),
                 "From after a bare CR %s: victim's p=reject applies" % label,
                 diag="%r shown %r" % (res, shown))
        # a CR followed by white space folds: nothing hidden
        raw = sign(msg([b"From: Alice\r <a@att.test>"], "crfold"), "att.test",
                   pem)
        res = d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>")
        t.ok(res.disposition == "accept" and "dmarc=pass" in ar(res),
             "CR then white space is folding, not a new field", diag=ar(res))
    # a victim's signed mail replayed with a hidden From of the same
    # domain above it: like an unsigned From field (RFC 6376 8.15)
    signed = sign(msg([b"From: news@victim.test"], "crreplay"), "victim.test",
                  pem)
    replay = b"X-Note: hi\rFrom: CEO <ceo@victim.test>\r\n" + signed
    with daemon.Daemon(options=dict(base, DMARCRejectAction="mark")) as d:
        raw = sign(msg(cases[0][1], "crmark"), "att.test", pem)
        a = ar(d.send_message(raw, client_ip=GOOD_IP, mail_from="<a@att.test>"))
        t.ok(dmarc_words(a) == ["fail"] and "authors att.test victim.test" in a,
             "marked: dmarc=fail naming the hidden author", diag=a)
        a = ar(d.send_message(replay, client_ip=BAD_IP,
                              mail_from="<x@other.test>"))
        t.ok("CEO <ceo@victim.test>" in shown_froms(replay) and
             'dkim=policy reason="From hidden after a bare CR" '
             'header.d=victim.test' in a and dmarc_words(a) == ["fail"],
             "replayed signature with a hidden From above: dkim=policy, "
             "no DMARC pass", diag=a)
        a = ar(d.send_message(signed, client_ip=BAD_IP,
                              mail_from="<x@other.test>"))
        t.ok("dkim=pass header.d=victim.test" in a and "dmarc=pass" in a,
             "the same signature without it passes", diag=a)


if __name__ == "__main__":
    main()
