#!/usr/bin/python3
"""test_idn_author - internationalised author domains (IDNA2008) through
the daemon over the milter protocol and through authcheck message.

A From field in raw UTF-8 (SMTPUTF8 mail, RFC 6532) with the U-label
domain "bücher.test": the DMARC record sits at the A-label name
_dmarc.xn--bcher-kva.test on a loopback DNS server. A DKIM signature with
d= the A-label and an SPF pass for a U-label or A-label MAIL FROM align
with it; the A-R's header.from carries the A-label. Homographs (Latin
mixed with Cyrillic in one label, as a U-label or as an A-label) and
disallowed code points give dmarc=permerror. authcheck shows both forms.
A HELO name in U-labels is checked and named by its A-labels, and a
DMARC report row names a U-label MAIL FROM domain by its A-labels.
"""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import authcheck_env  # noqa: E402
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import report_rows  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

try:
    import dkim  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim (%s)" % e

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
AUTHSERV = "mx.test.example"
ALABEL = "xn--bcher-kva.test"
ULABEL = "b\u00fccher.test"
# "pаypal.test" with a Cyrillic "а" (U+0430), and its A-label
HOMOGRAPH = "p\u0430ypal.test"
HOMOGRAPH_A = "xn--pypal-4ve.test"
# 45 Cyrillic letters: 90 bytes of UTF-8, but a 57-byte A-label, so a
# valid DNS label (the 63-byte limit is on the A-label, RFC 5890 2.3.2.1)
LONG_U = ("\u043c\u0438\u043d\u0438\u0441\u0442\u0435\u0440\u0441\u0442"
          "\u0432\u043e\u0437\u0434\u0440\u0430\u0432\u043e\u043e\u0445"
          "\u0440\u0430\u043d\u0435\u043d\u0438\u044f\u0441\u0430\u0440"
          "\u0430\u0442\u043e\u0432\u0441\u043a\u043e\u0439\u043e\u0431"
          "\u043b\u0430\u0441\u0442\u0438.test")
LONG_A = "xn--80aaaaafcbdojfvlaifpswdxibreahcb5beegqcpfhhdtl3ipv.test"
SEL_U, SEL_A = "s\u00e9l", "xn--sl-bja"     # a U-label selector


def zone(pub):
    spf = "v=spf1 ip4:192.0.2.0/24 -all"
    z = {ALABEL: [{"TXT": spf}, {"A": "192.0.2.10"}],
         "_dmarc." + ALABEL: [{"TXT": "v=DMARC1; p=reject"}],
         "s1._domainkey." + ALABEL: [{"TXT": "v=DKIM1; k=rsa; p=" + pub}],
         SEL_A + "._domainkey." + ALABEL: [{"TXT": "v=DKIM1; k=rsa; p=" +
                                           pub}]}
    # the homograph publishes a permissive record: it must not matter
    z[HOMOGRAPH_A] = [{"TXT": spf}, {"A": "192.0.2.10"}]
    z["_dmarc." + HOMOGRAPH_A] = [{"TXT": "v=DMARC1; p=none"}]
    z["_dmarc." + LONG_A] = [{"TXT": "v=DMARC1; p=reject"}]
    z["s1._domainkey." + LONG_A] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
    return z


def msg(domain, subject):
    return ("From: J\u00fcrgen <j@%s>\r\nTo: bob@example.net\r\n"
            "Subject: %s\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <%s@x.test>\r\n\r\nGr\u00fc\u00dfe\r\n"
            % (domain, subject, subject)).encode("utf-8")


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def ar(res):
    vals = res.header_values("Authentication-Results")
    return vals[0] if vals else ""


def daemon_cases(t, env, pem):
    opts = {"AuthservID": AUTHSERV, "Nameservers": env.nameserver,
            "DNSTimeout": "2s"}
    with daemon.Daemon(opts) as d:
        # DKIM d= A-label aligned with a U-label From
        res = d.send_message(sign(msg(ULABEL, "dkim"), ALABEL, pem),
                             client_ip=BAD_IP, mail_from="<j@other.test>")
        a = ar(res)
        t.ok(res.disposition == "accept", "U-label From, A-label d=: accepted",
             diag=repr(res))
        t.ok("dmarc=pass (p=reject dis=none) header.from=" + ALABEL in a,
             "A-R: dmarc=pass, header.from is the A-label", diag=a)
        t.ok(all(ord(c) < 128 for c in a), "A-R is ASCII", diag=a)

        # RFC 8616 5: in internationalized mail d= and s= may be U-labels
        # and i='s local part UTF-8; the key is at the A-label names
        raw = msg(ULABEL, "dkimu")
        sig = dkim.sign(raw, SEL_U.encode(), ULABEL.encode(), pem,
                        identity=("j\u00f6rg@" + ULABEL).encode(),
                        include_headers=[b"from", b"to", b"subject",
                                         b"date"],
                        canonicalize=(b"relaxed", b"relaxed"))
        res = d.send_message(sig.replace(b"\r\n", b"\n").replace(
            b"\n", b"\r\n") + raw, client_ip=BAD_IP,
            mail_from="<j@other.test>")
        a = ar(res)
        t.ok(ULABEL.encode() in sig and res.disposition == "accept" and
             "dkim=pass header.d=%s header.s=%s" % (ALABEL, SEL_A) in a and
             "dmarc=pass" in a,
             "U-label d= and s=, UTF-8 i=: dkim=pass named by the A-labels, "
             "aligned with the U-label From", diag=repr(res) + a)

        # a U-label longer than 63 bytes in UTF-8 whose A-label fits
        res = d.send_message(sign(msg(LONG_U, "long"), LONG_A, pem),
                             client_ip=BAD_IP, mail_from="<j@other.test>")
        a = ar(res)
        t.ok(res.disposition == "accept" and "dmarc=pass" in a and
             "header.from=" + LONG_A in a,
             "U-label of 90 UTF-8 bytes (57-byte A-label): evaluated and "
             "passes, not refused as too long", diag=repr(res) + a)

        # an ideographic full stop at the end is the root dot (UTS #46),
        # as "." is: the same author, not an unusable From
        res = d.send_message(sign(msg(ULABEL + "\u3002", "rootdot"), ALABEL,
                                  pem), client_ip=BAD_IP,
                             mail_from="<j@other.test>")
        a = ar(res)
        t.ok(res.disposition == "accept" and "dmarc=pass" in a and
             "header.from=" + ALABEL in a,
             "From domain ending in U+3002: the A-label's policy, aligned "
             "d= passes", diag=repr(res) + a)

        # SPF: a U-label MAIL FROM (SMTPUTF8) aligns with the A-label
        res = d.send_message(msg(ULABEL, "spfu"), client_ip=GOOD_IP,
                             mail_from="<j@%s>" % ULABEL)
        a = ar(res)
        t.ok("spf=pass smtp.mailfrom=" + ALABEL in a,
             "U-label MAIL FROM: SPF checked at the A-label", diag=a)
        t.ok("dmarc=pass" in a and "header.from=" + ALABEL in a,
             "U-label MAIL FROM with SPF pass aligns", diag=a)

        # no authentication: the A-label's p=reject applies
        res = d.send_message(msg(ULABEL, "spoof"), client_ip=BAD_IP,
                             mail_from="<j@other.test>")
        t.ok(res.disposition == "reject" and res.code == "550",
             "unauthenticated U-label author: p=reject found at the A-label",
             diag=repr(res))
        t.ok(d.wait_for_log(r"dmarc=fail dmarc_from=%s " %
                            ALABEL.replace(".", r"\."), timeout=3 * SCALE),
             "log names the A-label", diag=d.log_tail(3))

        # homographs and disallowed code points: permerror, whatever the
        # homograph domain publishes and even with an aligned SPF pass
        for label, dom in (("U-label", HOMOGRAPH), ("A-label", HOMOGRAPH_A)):
            res = d.send_message(msg(dom, "homo"), client_ip=GOOD_IP,
                                 mail_from="<j@%s>" % HOMOGRAPH_A)
            a = ar(res)
            t.ok("dmarc=permerror" in a and "mixes scripts" in a,
                 "mixed Latin+Cyrillic %s: dmarc=permerror" % label, diag=a)
            t.ok("dmarc=pass" not in a, "mixed-script %s never passes" % label,
                 diag=a)
        res = d.send_message(msg("\u2603.test", "snow"), client_ip=GOOD_IP,
                             mail_from="<j@other.test>")
        a = ar(res)
        t.ok("dmarc=permerror" in a and "disallowed" in a,
             "disallowed code point: dmarc=permerror", diag=a)
        res = d.send_message(msg("xn--zzzzzz.test", "bad"), client_ip=GOOD_IP,
                             mail_from="<j@other.test>")
        a = ar(res)
        t.ok("dmarc=permerror" in a and "A-label" in a,
             "invalid A-label: dmarc=permerror", diag=a)
        t.ok(d.running(), "daemon still running")

    # domain lists in the config may name the U-label: it is kept as
    # the A-label, the form the evaluation compares
    with daemon.Daemon(dict(opts, DMARCNeverReject=ULABEL)) as d:
        res = d.send_message(msg(ULABEL, "never"), client_ip=BAD_IP,
                             mail_from="<j@other.test>")
        t.ok(res.disposition == "accept" and d.wait_for_log(
            r"verdict=accept why=never-reject", timeout=3 * SCALE) is not None,
            "DMARCNeverReject naming the U-label: the failing U-label "
            "author is not rejected", diag=repr(res) + d.log_tail(2))
        check = d.check_config(dict(opts, DMARCNeverReject=ULABEL))
        t.ok("DMARCNeverReject " + ALABEL in check.stdout,
             "authmilter -t shows the entry as the A-label",
             diag=check.stdout[-500:])

    # one author domain written as a U-label and as its A-label is one
    # domain (RFC 9989 5.3.1 counts domains after the A-label
    # conversion): DMARCMultipleFrom reject must not refuse it
    with daemon.Daemon(dict(opts, DMARCMultipleFrom="reject")) as d:
        raw = msg(ULABEL, "twoforms").replace(
            b"From: J\xc3\xbcrgen <j@" + ULABEL.encode("utf-8") + b">",
            b"From: j@" + ULABEL.encode("utf-8") + b", k@" +
            ALABEL.encode(), 1)
        res = d.send_message(sign(raw, ALABEL, pem), client_ip=BAD_IP,
                             mail_from="<j@other.test>")
        a = ar(res)
        t.ok(b"k@" + ALABEL.encode() in raw and res.disposition == "accept"
             and "dmarc=pass" in a and "header.from=" + ALABEL in a,
             "From with the U-label and the A-label of one domain: one "
             "author domain, not refused as several", diag=repr(res) + a)


def envelope_cases(t, env):
    """The SMTP envelope of internationalised mail: a HELO name in
    U-labels (RFC 8616 4 asks for A-labels there, but clients send them)
    and a MAIL FROM with a UTF-8 local part and a U-label domain."""
    db = env.path("reports.db")
    opts = {"AuthservID": AUTHSERV, "Nameservers": env.nameserver,
            "DNSTimeout": "2s", "ReceivedSPFHeader": "yes",
            "ReportStore": "sqlite:" + db}
    with daemon.Daemon(opts) as d:
        # null sender: SPF checks postmaster@HELO, at the A-label; the
        # fields we add name the HELO so, ASCII in mail without SMTPUTF8
        res = d.send_message(msg(ALABEL, "helo"), client_ip=GOOD_IP,
                             helo=ULABEL, mail_from="<>")
        a = ar(res)
        rs = res.header_values("Received-SPF")
        rs = rs[0] if rs else ""
        t.ok("spf=pass smtp.helo=%s;" % ALABEL in a and
             all(ord(c) < 128 for c in a),
             "U-label HELO: A-R names it by its A-labels, all ASCII", diag=a)
        t.ok("helo=%s;" % ALABEL in rs and all(ord(c) < 128 for c in rs),
             "U-label HELO: Received-SPF names it by its A-labels",
             diag=rs)
        # SMTPUTF8 MAIL FROM: the report row names its domain as the
        # A-label, as header_from and the SPF domain in the same row
        res = d.send_message(msg(ULABEL, "eai"), client_ip=GOOD_IP,
                             mail_from="<j\u00f6rg@%s>" % ULABEL,
                             mail_args=("SMTPUTF8",))
        t.ok("dmarc=pass" in ar(res), "SMTPUTF8 MAIL FROM: dmarc=pass",
             diag=ar(res))
        report_rows.wait_count(db, 2, 5 * SCALE)
    con = sqlite3.connect(db)
    try:
        got = con.execute("SELECT header_from, envelope_from, spf_domain "
                          "FROM messages ORDER BY rowid").fetchall()
    finally:
        con.close()
    t.is_eq(got, [(ALABEL, "", ALABEL), (ALABEL, ALABEL, ALABEL)],
            "report rows: author, MAIL FROM and SPF domains as A-labels")


def authcheck_cases(t, env, pem):
    path = env.path("idn.eml")
    with open(path, "wb") as f:
        f.write(sign(msg(ULABEL, "ac"), ALABEL, pem).replace(b"\r\n", b"\n"))
    rc, out, doc = env.run(["message", path, "--authserv-id", AUTHSERV,
                            "--ip", BAD_IP, "--mail-from", "j@other.test"])
    dm = ((doc or {}).get("dmarc") or [{}])[0]
    t.is_eq(dm.get("result"), "pass", "authcheck: dmarc pass")
    t.is_eq(dm.get("header_from"), ALABEL, "authcheck: A-label form")
    t.is_eq(dm.get("header_from_unicode"), ULABEL, "authcheck: U-label form")
    rc, out, _ = env.run(["message", path, "--authserv-id", AUTHSERV,
                          "--ip", BAD_IP, "--mail-from", "j@other.test"],
                         json_out=False)
    t.ok(ALABEL in out and ULABEL in out,
         "authcheck text report shows both forms", diag=out)
    path = env.path("homo.eml")
    with open(path, "wb") as f:
        f.write(msg(HOMOGRAPH, "ac2").replace(b"\r\n", b"\n"))
    rc, out, doc = env.run(["message", path, "--authserv-id", AUTHSERV,
                            "--ip", GOOD_IP, "--mail-from",
                            "j@" + HOMOGRAPH_A])
    dm = ((doc or {}).get("dmarc") or [{}])[0]
    t.ok(dm.get("result") == "permerror" and
         "mixes scripts" in dm.get("why", ""),
         "authcheck: homograph is permerror with the reason", diag=repr(dm))


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or authcheck_env.missing()
                  or HAVE_LIBS, what="IDN author tests"):
        t.done()
    pem, pub = dkim_keys.rsa_key_pair()
    try:
        env = authcheck_env.AuthcheckEnv(zone(pub)).__enter__()
    except Exception as e:  # the server could not start
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    try:
        daemon_cases(t, env, pem)
        envelope_cases(t, env)
        authcheck_cases(t, env, pem)
    finally:
        env.__exit__(None, None, None)
    t.done()


main()
