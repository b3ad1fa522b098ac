#!/usr/bin/python3
"""test_dmarc_polrec - the dmarc result's polrec.p and polrec.domain
(RFC 9989's registered properties) through the daemon over the milter
protocol, with the records on a loopback DNS server.

polrec.p is the p= published in the record policy discovery found;
polrec.domain is where it was found, written only when that is not the
header.from domain (the DNS Tree Walk went up to an organizational
domain). No record: neither. Several authors: the properties of the
author whose result counts, the one header.from names. The same in
DMARCMode rfc7489, where the PSL finds the organizational domain.
python3-authres, as dkimpy uses it, still reads the field. DMARCMonitorOnly
keeps failing mail delivered, so its A-R can be read.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
SPF = "v=spf1 ip4:192.0.2.0/24 -all"


def zone():
    return {
        # a record at the author domain itself
        "at.test": [{"TXT": SPF}],
        "_dmarc.at.test": [{"TXT": "v=DMARC1; p=reject"}],
        # only the organizational domain publishes: sp= applies to
        # mail.deep.org.test, polrec.p still says the record's p=
        "_dmarc.org.test": [{"TXT": "v=DMARC1; p=quarantine; sp=none"}],
        "_dmarc.corp.test": [{"TXT": "v=DMARC1; p=quarantine"}],
        "_dmarc.pnone.test": [{"TXT": "v=DMARC1; p=none"}],
        "_dmarc.nop.test": [{"TXT": "v=DMARC1; rua=mailto:d@nop.test"}],
        # np= differs from p=: whether the author exists is asked, and
        # that lookup fails after the record was found
        "_dmarc.np.test": [{"TXT": "v=DMARC1; p=reject; np=quarantine"}],
        "gone.np.test": ["SERVFAIL"],
        # discovery itself fails: no record to describe
        "_dmarc.tf.test": ["SERVFAIL"],
        # a bad p= and no rua: permerror, the record has no p to give
        "_dmarc.badp.test": [{"TXT": "v=DMARC1; p=bogus"}],
    }


def msg(from_hdr, subject):
    return ("From: %s\r\nTo: bob@example.net\r\nSubject: %s\r\n"
            "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
            "Message-ID: <%s@x.test>\r\n\r\nhello\r\n"
            % (from_hdr, subject, subject)).encode()


def dmarc_of(res):
    """dmarc_of - the dmarc resinfo of our A-R, unfolded, up to the ";"
    that ends it (one in a comment does not), or "" """
    vals = res.header_values("Authentication-Results")
    v = re.sub(r"\r?\n[ \t]", " ", vals[0]) if vals else ""
    start = v.find("dmarc=")
    if start < 0:
        return ""
    depth, end = 0, len(v)
    for i in range(start, len(v)):
        if v[i] == "(":
            depth += 1
        elif v[i] == ")":
            depth -= 1
        elif v[i] == ";" and depth == 0:
            end = i
            break
    return v[start:end].strip()


def polrec(resinfo):
    """polrec - the polrec properties of a resinfo, in order"""
    return re.findall(r"\bpolrec\.\w+=\S+", resinfo)


CASES = [
    # (what, From, client, MAIL FROM, dmarc result, header.from, polrec)
    ("record at the From domain, pass", "a@at.test", GOOD_IP,
     "<a@at.test>", "pass", "at.test", ["polrec.p=reject"]),
    ("record at the From domain, fail", "a@at.test", BAD_IP,
     "<a@other.test>", "fail", "at.test", ["polrec.p=reject"]),
    ("record found at the org domain by the tree walk",
     "a@mail.deep.org.test", BAD_IP, "<a@other.test>", "fail",
     "mail.deep.org.test", ["polrec.p=quarantine", "polrec.domain=org.test"]),
    ("From domain in upper case: still the record's own domain",
     "a@AT.Test", BAD_IP, "<a@other.test>", "fail", "at.test",
     ["polrec.p=reject"]),
    ("no record anywhere", "a@nothing.test", BAD_IP, "<a@other.test>",
     "none", "nothing.test", []),
    ("a record without p=: where it is, no polrec.p", "a@sub.nop.test",
     BAD_IP, "<a@other.test>", "fail", "sub.nop.test",
     ["polrec.domain=nop.test"]),
    ("temperror after the record was found", "a@gone.np.test", BAD_IP,
     "<a@other.test>", "temperror", "gone.np.test",
     ["polrec.p=reject", "polrec.domain=np.test"]),
    ("temperror in discovery", "a@tf.test", BAD_IP, "<a@other.test>",
     "temperror", "tf.test", []),
    ("permerror for a bad p=", "a@badp.test", BAD_IP, "<a@other.test>",
     "permerror", "badp.test", []),
    # the tree-walked author fails with quarantine, the other under
    # p=none: the second counts, and only its record is described
    ("several authors: the chosen author's record",
     "a@pnone.test, b@mail.corp.test", BAD_IP, "<a@other.test>",
     "fail", "mail.corp.test",
     ["polrec.p=quarantine", "polrec.domain=corp.test"]),
    ("several authors, the one at its record's domain chosen",
     "b@mail.corp.test, c@at.test", BAD_IP, "<a@other.test>", "fail",
     "at.test", ["polrec.p=reject"]),
]


def authres_reads(t, res):
    """authres_reads - python3-authres (as dkimpy parses A-Rs, in its lax
    mode) passes over the polrec ptype it does not know and still reads
    header.from and every result"""
    try:
        import authres
    except ImportError:
        t.skip("python3-authres reads the field", "no python3-authres")
        return
    vals = res.header_values("Authentication-Results")
    field = "Authentication-Results: " + vals[0] if vals else ""
    try:
        parsed = authres.AuthenticationResultsHeader.parse(field)
        got = [(r.method, r.result, [(p.type, p.name, p.value)
                                     for p in r.properties])
               for r in parsed.results]
    except authres.core.AuthResError as e:
        got = repr(e)
    t.ok(isinstance(got, list) and
         ("dmarc", "fail", [("header", "from", "mail.deep.org.test")]) in got
         and [r[0] for r in got] == re.findall(r"(?:^|;)\s*(\w+)=",
                                                 vals[0]),
         "python3-authres reads the field, header.from and all", diag=got)


def run_cases(t, d):
    for i, (what, from_hdr, ip, mail_from, want, hfrom, props) in \
            enumerate(CASES):
        res = d.send_message(msg(from_hdr, "polrec%d" % i), client_ip=ip,
                             mail_from=mail_from)
        r = dmarc_of(res)
        t.ok(r.startswith("dmarc=%s " % want) and
             " header.from=%s" % hfrom in r and polrec(r) == props,
             "%s: dmarc=%s header.from=%s %s" % (what, want, hfrom,
                                                 " ".join(props)), diag=r)
    # the properties come after header.from, the comment kept before
    res = d.send_message(msg("a@mail.deep.org.test", "order"),
                         client_ip=BAD_IP, mail_from="<a@other.test>")
    r = dmarc_of(res)
    t.ok(r == "dmarc=fail (p=quarantine sp=none dis=none) "
         "header.from=mail.deep.org.test polrec.p=quarantine "
         "polrec.domain=org.test", "the whole dmarc result, in order",
         diag=r)
    authres_reads(t, res)


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="polrec tests"):
        t.done()
    tmp = tmpdir.make("authmilter-polrec-")
    zpath = os.path.join(tmp, "zone.yaml")
    dns_testserver.write_zone(zpath, zone())
    try:
        srv = dns_testserver.DnsServer(zpath).__enter__()
    except dns_testserver.ServerError as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "2s",
            "DMARCMonitorOnly": "yes"}
    try:
        with daemon.Daemon(opts) as d:
            run_cases(t, d)
        # RFC 7489 mode finds the org domain by the PSL: the same record
        with daemon.Daemon(dict(opts, DMARCMode="rfc7489")) as d:
            res = d.send_message(msg("a@mail.deep.org.test", "psl"),
                                 client_ip=BAD_IP, mail_from="<a@other.test>")
            r = dmarc_of(res)
            t.ok(polrec(r) == ["polrec.p=quarantine",
                               "polrec.domain=org.test"],
                 "DMARCMode rfc7489: the record at the PSL's org domain",
                 diag=r)
    finally:
        srv.stop()
    t.done()


if __name__ == "__main__":
    main()
