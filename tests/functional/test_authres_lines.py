#!/usr/bin/python3
"""test_authres_lines - long values from the message through the daemon
over the milter protocol: no line of our Authentication-Results or of our
ARC-Authentication-Results passes RFC 5322 2.1.1's 998 octets (the first
line counted with the field name and ": " before it), and the message
still gets its results.

- MAIL FROM with a 1,500-octet local-part and a 253-octet domain (Postfix
  does not enforce RFC 5321's 64-octet local-part; an SMTP line can be
  2,048 octets): smtp.mailfrom is the domain SPF checked, whole; and
  1,500 octets with no domain, which smtp.mailfrom carries as given, cut
  to 256 bytes and "...";
- a null sender with a 1,500-octet HELO argument: smtp.helo carries the
  HELO as given and is cut to 256 bytes and "...";
- a From naming four 253-octet author domains: the DMARC comment names
  them all, header.from one of them (1,300 octets on one line before the
  A-R builder folded where a line would pass 998).

- a HELO and a MAIL FROM domain holding bytes that are not UTF-8
  (Sendmail passes them through): both fields stay valid UTF-8, each such
  byte written '?' (RFC 6532 lets UTF-8 into a quoted-string, nothing
  else).

Our ARC set is sealed on every message (ARCSeal verified), so the AAR,
whose first line also carries "i=1; ", is checked as well.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim  # noqa: F401
    import yaml
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim, python3-yaml, python3-cryptography (%s)" % e

CLIENT_IP = "192.0.2.10"
SPF = "v=spf1 ip4:192.0.2.0/24 -all"
FIELDS = ("Authentication-Results", "ARC-Authentication-Results")


def domain253(c):
    """domain253 - a 253-octet domain (the longest DNS allows) of c"""
    return ".".join([c * 63] * 3 + [c * 61])


LONG_DOMAIN = domain253("l")
AUTHORS = [domain253(c) for c in "wxyz"]
LOCAL = "".join(chr(97 + i % 26) for i in range(1500))


def zone(pub):
    key = "v=DKIM1; k=rsa; p=" + pub
    z = {"author.test": [{"TXT": SPF}],
         "s1._domainkey.author.test": [{"TXT": key}],
         "_dmarc.author.test": [{"TXT": "v=DMARC1; p=reject"}],
         "arc._domainkey.seal.test": [{"TXT": key}],
         LONG_DOMAIN: [{"TXT": SPF}]}
    for d in AUTHORS:
        z[d] = [{"TXT": SPF}]
    return z


def message(from_value, subject):
    return (b"From: " + from_value.encode() + b"\r\n"
            b"To: bob@example.net\r\nSubject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n"
            b"Hello Bob,\r\nthis is a test.\r\n")


def sign(raw, pem):
    """sign - raw signed by author.test/s1 (dkim_keys.relaxed_signed)"""
    return dkim_keys.relaxed_signed(raw, "author.test", pem)


def results(ar):
    """results - {method: result word} of each method's first resinfo"""
    got = {}
    for method, result in re.findall(r";\s*([a-z]+)=([a-z]+)", ar):
        got.setdefault(method, result)
    return got


def check_lines(t, label, res):
    """check_lines - both fields present, no line over 998 octets"""
    for name in FIELDS:
        vals = res.header_values(name)
        longest = 0
        for v in vals:
            lines = v.replace("\r\n", "\n").split("\n")
            lines[0] = name + ": " + lines[0]
            longest = max([longest] + [len(x.encode()) for x in lines])
        t.ok(len(vals) == 1 and longest <= 998,
             "%s: %s has no line over 998 octets (longest %d)"
             % (label, name, longest), diag=repr(vals))


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="A-R line length tests"):
        t.done()
    tmp = tmpdir.make("authmilter-arlines-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(pub), f)
    kpath = os.path.join(tmp, "seal.pem")
    with open(kpath, "wb") as f:
        f.write(pem)
    os.chmod(kpath, 0o600)
    base = {"DNSTimeout": "1s", "AuthservID": "mx.test.example",
            "DMARCRejectAction": "mark", "ARCSeal": "verified",
            "ARCSealDomain": "seal.test", "ARCSealSelector": "arc",
            "ARCSealKeyFile": kpath}
    try:
        with dns_testserver.DnsServer(zpath) as srv:
            base["Nameservers"] = "127.0.0.1@%d" % srv.port
            with daemon.Daemon(options=base) as d:
                long_mail_from(t, d, pem)
                long_helo(t, d, pem)
                long_authors(t, d, pem)
                not_utf8(t, d, pem)
    finally:
        tmpdir.remove(tmp)
    t.done()


def long_mail_from(t, d, pem):
    raw = sign(message("Alice <alice@author.test>", "mailfrom"), pem)
    res = d.send_message(raw, client_ip=CLIENT_IP, helo="client.test",
                         mail_from="<%s@%s>" % (LOCAL, LONG_DOMAIN))
    ar = " ".join(res.header_values("Authentication-Results"))
    got = results(ar)
    t.ok(res.disposition == "accept" and got.get("spf") == "pass" and
         got.get("dkim") == "pass" and got.get("dmarc") == "pass",
         "long MAIL FROM: accepted with spf, dkim and dmarc pass", diag=ar)
    t.ok("smtp.mailfrom=%s;" % LONG_DOMAIN in ar,
         "long MAIL FROM: smtp.mailfrom is its 253-octet domain", diag=ar)
    check_lines(t, "long MAIL FROM", res)
    res = d.send_message(raw, client_ip=CLIENT_IP, helo="client.test",
                         mail_from="<%s>" % LOCAL)
    ar = " ".join(res.header_values("Authentication-Results"))
    got = results(ar)
    t.ok(res.disposition == "accept" and "spf" in got and
         got.get("dkim") == "pass" and got.get("dmarc") == "pass" and
         'smtp.mailfrom="%s..."' % LOCAL[:256] in ar,
         "MAIL FROM without a domain: accepted, smtp.mailfrom cut to 256 "
         "bytes", diag=ar)
    check_lines(t, "MAIL FROM without a domain", res)


def long_helo(t, d, pem):
    helo = "h" * 1500 + ".test"
    raw = sign(message("Alice <alice@author.test>", "helo"), pem)
    res = d.send_message(raw, client_ip=CLIENT_IP, helo=helo, mail_from="<>")
    ar = " ".join(res.header_values("Authentication-Results"))
    got = results(ar)
    t.ok(res.disposition == "accept" and "spf" in got and
         got.get("dkim") == "pass" and got.get("dmarc") == "pass" and
         'smtp.helo="' + "h" * 256 + '..."' in ar,
         "null sender, long HELO: accepted, smtp.helo cut to 256 bytes",
         diag=ar)
    check_lines(t, "long HELO", res)


def long_authors(t, d, pem):
    raw = sign(message(", ".join("a%d@%s" % (i, a)
                                 for i, a in enumerate(AUTHORS)), "authors"),
               pem)
    res = d.send_message(raw, client_ip=CLIENT_IP, helo="client.test",
                         mail_from="<alice@author.test>")
    vals = res.header_values("Authentication-Results")
    ar = vals[0] if vals else ""
    flat = " ".join(ar.split())
    got = results(flat)
    t.ok(res.disposition == "accept" and got.get("spf") == "pass" and
         got.get("dkim") == "pass" and "dmarc" in got and
         "authors " + " ".join(AUTHORS) in flat and
         re.search(r"header\.from=(%s)" % "|".join(AUTHORS), flat),
         "four 253-octet authors: dmarc= names them all, with header.from",
         diag=ar)
    check_lines(t, "four long authors", res)


def not_utf8(t, d, pem):
    bad = b"\xff".decode("utf-8", "surrogateescape")
    raw = sign(message("Alice <alice@author.test>", "8bit"), pem)
    res = d.send_message(raw, client_ip=CLIENT_IP, helo="h%s.test" % bad,
                         mail_from="<x@%sb.test>" % bad)
    for name in FIELDS:
        vals = res.header_values(name)
        text = " ".join(vals).encode("utf-8", "surrogateescape")
        try:
            text.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        t.ok(res.disposition == "accept" and len(vals) == 1 and valid and
             b'smtp.helo="h?.test"' in text and
             b'smtp.mailfrom="?b.test"' in text,
             "HELO and MAIL FROM not UTF-8: %s is UTF-8, each such byte '?'"
             % name, diag=repr(text))


if __name__ == "__main__":
    main()
