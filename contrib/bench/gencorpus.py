#!/usr/bin/python3
"""gencorpus.py - deterministic benchmark corpus and DNS zone for milterload.

Usage: gencorpus.py OUTDIR [--seed N] [--count N] [--domains N]

Writes, for a given seed, always the same bytes:
  OUTDIR/corpus/NNNNN.eml   messages, CRLF line endings
  OUTDIR/corpus/NNNNN.env   sidecar for milterload: client_ip, client_name,
                            helo, mail_from, rcpt
  OUTDIR/dns/zone          one nsd zone "example." holding every sender
                            domain: DKIM keys (rsa 2048, ed25519), SPF with
                            include chains, DMARC records of every policy
  OUTDIR/keys/              the private keys (PEM / base64 seed)
  OUTDIR/manifest.json      per message the expected results (spf, each dkim
                            signature, dmarc with and without DKIM, policy),
                            and corpus statistics for the crypto floor

Sender domains are NAME.example (their own organizational domain under the
reserved TLD .example, RFC 2606; not .test, which libunbound answers
locally as a special-use name, RFC 6761), plus mail.NAME.example
subdomains (sp= applies) and bounce.NAME.example envelope domains (relaxed
SPF alignment). esp.example is a third-party sender: it signs some mail and is the envelope
sender of some, so DMARC has to rely on the other identifier.

Mix: ~70% rsa-sha256 only, ~9% ed25519-sha256 only, ~14% dual (ed25519 +
rsa, same d=), ~5% unsigned; ~10% of signed messages are changed after
signing (body or a signed header). Sizes: log-normal around a 6 KB median,
with a tail to 1 MB (attachments). MIME: text/plain 7bit and
quoted-printable, multipart/alternative, multipart/mixed with base64
attachments.

Needs Debian's python3-dkim, python3-nacl, python3-cryptography. The RSA
keys are made from the seed by this script (Miller-Rabin), so the output
does not depend on the system's random source.
"""

import argparse
import base64
import email.utils
import json
import math
import os
import random
import sys
import types

import dkim
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ORIGIN = "example"
FIXED_TIME = 1767225600  # 2026-01-01T00:00:00Z: t= tag and Date headers
WORDS = ("invoice meeting report quarterly update shipping order account "
         "project review draft budget travel schedule summary notice team "
         "customer delivery support ticket change request approval server "
         "network release backup storage policy contract payment reminder "
         "agenda minutes proposal estimate forecast analysis").split()
NAMES = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett "
         "kilo lima mike november oscar papa quebec romeo sierra tango "
         "uniform victor whiskey xray yankee zulu").split()
SIGN_HEADERS = ["from", "to", "subject", "date", "message-id", "mime-version",
                "content-type"]
ESP = "esp." + ORIGIN
# Sending hosts: a domain sends from a few hosts per /24 of its SPF
# record, the forged mail comes from a few hosts of 198.51.100.0/24, so a
# client (address, name, HELO) sends many messages and milterload -m N
# can put a client's messages on one connection, as an SMTP session does.
CLIENT_HOSTS = 2
FOREIGN_HOSTS = 4
FOREIGN_NET = "198.51.100"


# ---------------------------------------------------------------- keys

SMALL_PRIMES = [p for p in range(3, 2000)
                if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def is_probable_prime(n, rng):
    """is_probable_prime - trial division, then Miller-Rabin rounds on 40
    bases drawn from rng. A random candidate that passes two rounds is
    prime beyond any doubt that matters here, so the other 38 bases are
    drawn (the corpus of a seed stays the same) but not tested: half of
    the keys' cost, which is most of a small corpus's."""
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for i in range(40):
        a = rng.randrange(2, n - 2)
        if i >= 2:
            continue
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def gen_prime(bits, rng):
    """gen_prime - a prime of exactly `bits` bits with the top two bits set"""
    while True:
        n = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(n, rng):
            return n


def gen_rsa(bits, rng):
    """gen_rsa - deterministic RSA key (e = 65537) as a cryptography object"""
    e = 65537
    while True:
        p, q = gen_prime(bits // 2, rng), gen_prime(bits // 2, rng)
        if p == q:
            continue
        phi = (p - 1) * (q - 1)
        if math.gcd(e, phi) != 1:
            continue
        if p < q:
            p, q = q, p
        d = pow(e, -1, phi)
        pub = rsa.RSAPublicNumbers(e, p * q)
        priv = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1),
                                     pow(q, -1, p), pub)
        return priv.private_key()


def rsa_material(key):
    """rsa_material - (PKCS#1 PEM private key, base64 SubjectPublicKeyInfo)"""
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(spki).decode()


def ed_material(rng):
    """ed_material - (base64 seed for dkim.sign, base64 raw public key)"""
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    sk = nacl.signing.SigningKey(seed)
    return (base64.b64encode(seed),
            base64.b64encode(bytes(sk.verify_key)).decode())


# ---------------------------------------------------------------- domains

def org_domain(d):
    """org_domain - last two labels: NAME.example is its own org domain"""
    return ".".join(d.split(".")[-2:])


def make_domains(n, rng):
    """make_domains - per-domain policy: SPF shape, DMARC policy, keys"""
    doms = []
    policies = ["none", "quarantine", "reject"]
    for i in range(n):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i))
        d = {"name": name + "." + ORIGIN, "index": i}
        # SPF: own /24, an include chain 0-3 deep, sometimes the ESP,
        # sometimes an "a:" mechanism; the all qualifier varies.
        d["spf_all"] = ["-all", "-all", "-all", "~all", "~all", "?all"][i % 6]
        d["spf_depth"] = i % 4
        d["spf_esp"] = (i % 3 == 0)
        d["spf_a"] = (i % 5 == 1)
        d["has_spf"] = (i != n - 1)          # one domain without SPF
        # DMARC: every policy, sp= and strict alignment on some.
        if i == n - 2:
            d["dmarc"] = None                # one domain without DMARC
        else:
            rec = {"p": policies[i % 3]}
            if i % 4 == 1:
                rec["sp"] = policies[(i + 1) % 3]
            if i % 5 == 2:
                rec["aspf"] = "s"
            if i % 7 == 3:
                rec["adkim"] = "s"
            d["dmarc"] = rec
        d["has_ed"] = (i % 4 != 3)
        doms.append(d)
    return doms


def dmarc_txt(rec):
    """dmarc_txt - the _dmarc TXT text for a policy dict"""
    parts = ["v=DMARC1", "p=" + rec["p"]]
    for k in ("sp", "adkim", "aspf"):
        if k in rec:
            parts.append("%s=%s" % (k, rec[k]))
    parts.append("rua=mailto:dmarc@%s" % ESP)
    return "; ".join(parts)


def build_dns(doms):
    """build_dns - TXT/A records: {owner: [(type, value)]}, and SPF records"""
    rr = {}

    def add(owner, typ, val):
        rr.setdefault(owner, []).append((typ, val))

    esp_ips = ["203.0.113.%d" % k for k in range(10, 20)]
    add(ESP, "TXT", "v=spf1 ip4:203.0.113.0/27 -all")
    add(ESP, "A", "203.0.113.1")
    add("_dmarc." + ESP, "TXT", "v=DMARC1; p=none")
    for d in doms:
        n, i = d["name"], d["index"]
        add(n, "A", "10.%d.9.9" % i)
        add("mail." + n, "A", "10.%d.9.10" % i)
        add("bounce." + n, "A", "10.%d.9.11" % i)
        add(n, "MX", "10 mail." + n)
        if d["has_spf"]:
            mech = ["ip4:10.%d.0.0/24" % i]
            if d["spf_a"]:
                mech.append("a:mail." + n)
            if d["spf_depth"] > 0:
                mech.append("include:_spf1." + n)
            if d["spf_esp"]:
                mech.append("include:" + ESP)
            add(n, "TXT", "v=spf1 " + " ".join(mech) + " " + d["spf_all"])
            for depth in range(1, d["spf_depth"] + 1):
                m = ["ip4:10.%d.%d.0/24" % (i, depth)]
                if depth < d["spf_depth"]:
                    m.append("include:_spf%d.%s" % (depth + 1, n))
                add("_spf%d.%s" % (depth, n), "TXT", "v=spf1 " + " ".join(m) + " -all")
            add("mail." + n, "TXT", "v=spf1 redirect=" + n)
            add("bounce." + n, "TXT", "v=spf1 include:%s %s" % (n, d["spf_all"]))
        if d["dmarc"]:
            add("_dmarc." + n, "TXT", dmarc_txt(d["dmarc"]))
        add("s2048._domainkey." + n, "TXT", "v=DKIM1; k=rsa; p=" + d["rsa_pub"])
        if d["has_ed"]:
            add("ed1._domainkey." + n, "TXT", "v=DKIM1; k=ed25519; p=" + d["ed_pub"])
    add("s2048._domainkey." + ESP, "TXT", "v=DKIM1; k=rsa; p=" + ESP_KEYS["rsa_pub"])
    return rr, esp_ips


ESP_KEYS = {}


# ---------------------------------------------------------------- SPF model

def ip_in(ip, cidr):
    """ip_in - IPv4 address in a CIDR block"""
    net, bits = cidr.split("/")
    a = int.from_bytes(bytes(int(x) for x in ip.split(".")), "big")
    b = int.from_bytes(bytes(int(x) for x in net.split(".")), "big")
    mask = (0xFFFFFFFF << (32 - int(bits))) & 0xFFFFFFFF
    return (a & mask) == (b & mask)


def spf_eval(rr, domain, ip, depth=0):
    """spf_eval - RFC 7208 result for the subset of SPF this zone uses"""
    if depth > 10:
        return "permerror"
    recs = [v for t, v in rr.get(domain, []) if t == "TXT" and v.startswith("v=spf1")]
    if not recs:
        return "none"
    terms = recs[0].split()[1:]
    redirect = None
    for t in terms:
        q = "+"
        if t[0] in "+-~?":
            q, t = t[0], t[1:]
        hit = False
        if t.startswith("ip4:"):
            cidr = t[4:] if "/" in t[4:] else t[4:] + "/32"
            hit = ip_in(ip, cidr)
        elif t.startswith("a:"):
            hit = any(typ == "A" and v == ip for typ, v in rr.get(t[2:], []))
        elif t.startswith("include:"):
            r = spf_eval(rr, t[8:], ip, depth + 1)
            if r in ("temperror", "permerror"):
                return r
            if r == "none":
                return "permerror"
            hit = (r == "pass")
        elif t == "all":
            hit = True
        elif t.startswith("redirect="):
            redirect = t[9:]
            continue
        if hit:
            return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[q]
    if redirect:
        r = spf_eval(rr, redirect, ip, depth + 1)
        return "permerror" if r == "none" else r
    return "neutral"


# ---------------------------------------------------------------- bodies

def words(rng, n):
    """words - n pseudo-random words"""
    return " ".join(rng.choice(WORDS) for _ in range(n))


def text_lines(rng, nbytes):
    """text_lines - wrapped prose of about nbytes"""
    out, size = [], 0
    while size < nbytes:
        line = words(rng, rng.randint(6, 12)).capitalize() + "."
        out.append(line)
        size += len(line) + 2
        if rng.random() < 0.15:
            out.append("")
            size += 2
    return out


def qp_lines(rng, nbytes):
    """qp_lines - quoted-printable text with UTF-8 letters"""
    out = []
    for line in text_lines(rng, nbytes):
        if line and rng.random() < 0.3:
            line = line.replace("e", "=C3=A9", 2)
        out.append(line[:76])
    return out


def b64_lines(rng, nbytes):
    """b64_lines - base64 of pseudo-random bytes, 76-column lines"""
    raw = rng.getrandbits(8 * max(1, nbytes * 3 // 4)).to_bytes(max(1, nbytes * 3 // 4), "big")
    enc = base64.b64encode(raw).decode()
    return [enc[k:k + 76] for k in range(0, len(enc), 76)]


def make_body(rng, size, idx):
    """make_body - (content-type header value, [headers], body lines)"""
    kind = rng.random()
    if size > 40000 or kind < 0.2:
        b = "=_mixed_%05d" % idx
        text = text_lines(rng, min(size // 10 + 200, 3000))
        lines = ["This is a multi-part message in MIME format.", "", "--" + b,
                 "Content-Type: text/plain; charset=us-ascii",
                 "Content-Transfer-Encoding: 7bit", ""] + text + [
                 "", "--" + b,
                 "Content-Type: application/octet-stream; name=\"data%d.bin\"" % idx,
                 "Content-Transfer-Encoding: base64",
                 "Content-Disposition: attachment; filename=\"data%d.bin\"" % idx,
                 ""] + b64_lines(rng, max(100, size - sum(len(x) + 2 for x in text) - 400)) + [
                 "--" + b + "--", ""]
        return "multipart/mixed; boundary=\"%s\"" % b, lines
    if kind < 0.5:
        b = "=_alt_%05d" % idx
        text = text_lines(rng, size // 3)
        html = ["<html><body>"] + ["<p>%s</p>" % t for t in text_lines(rng, size // 2) if t] + [
            "</body></html>"]
        lines = ["--" + b, "Content-Type: text/plain; charset=us-ascii", ""] + text + [
            "", "--" + b, "Content-Type: text/html; charset=us-ascii", ""] + html + [
            "", "--" + b + "--", ""]
        return "multipart/alternative; boundary=\"%s\"" % b, lines
    if kind < 0.6:
        return "text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable", \
            qp_lines(rng, size)
    return "text/plain; charset=us-ascii", text_lines(rng, size)


def pick_size(rng):
    """pick_size - log-normal, median ~6 KB; 1% large attachments up to 1 MB"""
    if rng.random() < 0.01:
        return rng.randint(200000, 1000000)
    return int(min(1000000, max(800, rng.lognormvariate(math.log(4900), 0.9))))


# ---------------------------------------------------------------- messages

def aligned(a, b, mode):
    """aligned - DMARC identifier alignment (RFC 7489 3.1)"""
    a, b = a.lower(), b.lower()
    return a == b if mode == "s" else org_domain(a) == org_domain(b)


def dmarc_expect(dom, from_dom, spf, spf_dom, dkim_pass_domains, relaxed=False):
    """dmarc_expect - (result, policy applied) for one message; relaxed
    ignores aspf=s/adkim=s (what a verifier with broken strict mode says)"""
    rec = dom["dmarc"]
    if rec is not None and relaxed:
        rec = {k: v for k, v in rec.items() if k not in ("aspf", "adkim")}
    if rec is None:
        return "none", None
    policy = rec["p"] if from_dom == dom["name"] else rec.get("sp", rec["p"])
    ok = (spf == "pass" and aligned(spf_dom, from_dom, rec.get("aspf", "r"))) or \
        any(aligned(d, from_dom, rec.get("adkim", "r")) for d in dkim_pass_domains)
    return ("pass" if ok else "fail"), policy


def sign_message(raw, sigs, doms_by_name):
    """sign_message - prepend DKIM-Signature fields; list of (algo, d, s)"""
    out = []
    for algo, d, sel in sigs:
        if d == ESP:
            key = ESP_KEYS["rsa_pem"]
        else:
            key = doms_by_name[d]["rsa_pem"] if algo == "rsa-sha256" else doms_by_name[d]["ed_priv"]
        canon = (b"relaxed", b"relaxed")
        if algo == "rsa-sha256" and sum(raw) % 5 == 0:
            canon = (b"simple", b"simple")
        h = dkim.sign(raw, sel.encode(), d.encode(), key, canonicalize=canon,
                      signature_algorithm=algo.encode(),
                      include_headers=[x.encode() for x in SIGN_HEADERS])
        out.append(h)
    # Both signatures cover the unsigned message; prepend in order.
    return b"".join(reversed(out)) + raw


def tamper(raw, rng):
    """tamper - change the message after signing: body or a signed header"""
    head, _, body = raw.partition(b"\r\n\r\n")
    if rng.random() < 0.6 and len(body) > 10:
        return head + b"\r\n\r\n" + body.replace(b" ", b"  ", 1) + b"Added after signing.\r\n", "body"
    return head.replace(b"Subject: ", b"Subject: [EXT] ", 1) + b"\r\n\r\n" + body, "subject"


def client_host(rng, hosts):
    """client_host - the last octet of one of HOSTS sending hosts; draws
    the same random number as a free choice of 1..254 did, so the rest of
    the corpus stays as it was before clients repeated"""
    return 1 + (rng.randint(1, 254) - 1) % hosts


def client_name(ip, mf_dom):
    """client_name - the host name (and HELO) of sending host IP: named in
    the domain it sends for, the ESP's own, or a dial-up pool's"""
    if ip.startswith(FOREIGN_NET + "."):
        domain = "dyn." + ORIGIN
    elif mf_dom == ESP:
        domain = ESP
    else:
        domain = org_domain(mf_dom)
    return "mta-%s.%s" % (ip.replace(".", "-"), domain)


def make_message(idx, rng, doms, rr, esp_ips, doms_by_name):
    """make_message - one message, its sidecar and its expected results"""
    dom = doms[rng.randrange(len(doms))]
    n = dom["name"]
    from_dom = ("mail." + n) if rng.random() < 0.15 else n
    # Signatures.
    r = rng.random()
    if r < 0.05:
        kind = "none"
    elif r < 0.17 and dom["has_ed"]:
        kind = "ed25519"
    elif r < 0.35 and dom["has_ed"]:
        kind = "dual"
    else:
        kind = "rsa"
    sig_dom = ESP if rng.random() < 0.08 else n
    sigs = []
    if kind in ("ed25519", "dual") and sig_dom != ESP:
        sigs.append(("ed25519-sha256", sig_dom, "ed1"))
    if kind in ("rsa", "dual") or (kind == "ed25519" and sig_dom == ESP):
        sigs.append(("rsa-sha256", sig_dom, "s2048"))
    # Envelope.
    r = rng.random()
    if r < 0.6:
        mf_dom = from_dom
    elif r < 0.75:
        mf_dom = "bounce." + n
    elif r < 0.9:
        mf_dom = ESP
    else:
        mf_dom = doms[rng.randrange(len(doms))]["name"]
    if mf_dom == ESP:
        good_ip = rng.choice(esp_ips)
    else:
        j = doms_by_name[org_domain(mf_dom)]["index"]
        depth = doms_by_name[org_domain(mf_dom)]["spf_depth"]
        good_ip = "10.%d.%d.%d" % (j, rng.randint(0, depth), client_host(rng, CLIENT_HOSTS))
    ip = good_ip if rng.random() < 0.8 else "%s.%d" % (FOREIGN_NET, client_host(rng, FOREIGN_HOSTS))
    client = client_name(ip, mf_dom)
    spf = spf_eval(rr, mf_dom, ip)
    local = rng.choice(["info", "news", "billing", "alice", "bob", "noreply", "support"])
    size = pick_size(rng)
    ctype, lines = make_body(rng, size, idx)
    hdrs = [
        "Received: from %s (%s [%s])\r\n\tby mx.bench.test (Postfix) with ESMTPS id %05X\r\n\tfor <user%d@bench.test>; %s"
        % (client, client, ip, idx, idx % 50,
           email.utils.formatdate(FIXED_TIME + idx * 60, usegmt=True)),
        "From: %s <%s@%s>" % (local.capitalize(), local, from_dom),
        "To: User %d <user%d@bench.test>" % (idx % 50, idx % 50),
        "Subject: %s" % words(rng, rng.randint(3, 9)).capitalize(),
        "Date: %s" % email.utils.formatdate(FIXED_TIME + idx * 60, localtime=False),
        "Message-ID: <%08x.%d@%s>" % (rng.getrandbits(32), idx, from_dom),
        "MIME-Version: 1.0",
        "Content-Type: %s" % ctype,
    ]
    if rng.random() < 0.3:
        hdrs.append("List-Id: %s list <list.%s>" % (words(rng, 1), n))
    if rng.random() < 0.2:
        hdrs.append("Authentication-Results: bench.test; dkim=pass header.d=forged.example")
    raw = ("\r\n".join(hdrs) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()
    signed = sign_message(raw, sigs, doms_by_name) if sigs else raw
    tampered = None
    if sigs and rng.random() < 0.10:
        signed, tampered = tamper(signed, rng)
    dkim_exp = [{"d": d, "s": s, "a": a, "result": "fail" if tampered else "pass"}
                for a, d, s in sigs]
    pass_doms = [x["d"] for x in dkim_exp if x["result"] == "pass"]
    dm_full, policy = dmarc_expect(dom, from_dom, spf, mf_dom, pass_doms)
    dm_spf, _ = dmarc_expect(dom, from_dom, spf, mf_dom, [])
    dm_full_r, _ = dmarc_expect(dom, from_dom, spf, mf_dom, pass_doms, True)
    dm_spf_r, _ = dmarc_expect(dom, from_dom, spf, mf_dom, [], True)
    body_len = len(signed.partition(b"\r\n\r\n")[2])
    env = {"client_ip": ip, "client_name": client, "helo": client,
           "mail_from": "<bounce-%d@%s>" % (idx, mf_dom),
           "rcpt": "<user%d@bench.test>" % (idx % 50)}
    exp = {"from_domain": from_dom, "mail_from_domain": mf_dom, "client_ip": ip,
           "spf": spf, "dkim": dkim_exp, "tampered": tampered,
           "dmarc": dm_full, "dmarc_spf_only": dm_spf, "policy": policy,
           "dmarc_relaxed": dm_full_r, "dmarc_spf_only_relaxed": dm_spf_r,
           "size": len(signed), "body_bytes": body_len}
    return signed, env, exp


# ---------------------------------------------------------------- zone

def zone_text(rr):
    """zone_text - the nsd zone file for ORIGIN. Negative answers are
    cached for an hour, as positive ones: with a shorter SOA minimum the
    answers unbound cached at the start of a run expire part-way through
    it, and the milters counted then pay the lookups again (a count late
    in a --postfix run showed +73 system calls a message with 300 s)."""
    lines = ["$ORIGIN %s." % ORIGIN, "$TTL 3600",
             "@ IN SOA ns.%s. hostmaster.%s. 1 3600 900 604800 3600" % (ORIGIN, ORIGIN),
             "@ IN NS ns.%s." % ORIGIN, "ns IN A 127.0.0.1"]
    for owner in sorted(rr):
        for typ, val in rr[owner]:
            name = owner + "."
            if typ == "TXT":
                # Split into 255-byte strings (RFC 1035 3.3.14, RFC 6376 3.6.2.2).
                chunks = [val[k:k + 255] for k in range(0, len(val), 255)]
                lines.append("%s IN TXT ( %s )" % (name, " ".join('"%s"' % c for c in chunks)))
            elif typ == "MX":
                lines.append("%s IN MX %s." % (name, val))
            else:
                lines.append("%s IN %s %s" % (name, typ, val))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--domains", type=int, default=20)
    a = ap.parse_args()
    if not 1 <= a.count <= 100000 or not 3 <= a.domains <= 200:
        sys.exit("gencorpus: --count 1..100000, --domains 3..200")

    # Fixed t= tag: python3-dkim stamps time.time() into every signature.
    dkim.time = types.SimpleNamespace(time=lambda: FIXED_TIME)

    rng = random.Random(a.seed)
    for sub in ("corpus", "dns", "keys"):
        os.makedirs(os.path.join(a.outdir, sub), exist_ok=True)
    doms = make_domains(a.domains, rng)
    keyrng = random.Random("keys-%d" % a.seed)
    keydir = os.path.join(a.outdir, "keys")
    # Keys depend only on the seed and the domain list: reuse them when
    # this directory already holds the ones for this seed (saves ~15 s).
    stamp = os.path.join(keydir, "SEED")
    reuse = os.path.exists(stamp) and open(stamp).read().strip() == "%d %d" % (a.seed, a.domains)
    for d in doms + [None]:
        name = ESP if d is None else d["name"]
        pem_path = os.path.join(keydir, name + ".s2048.pem")
        if reuse and os.path.exists(pem_path):
            with open(pem_path, "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
        else:
            key = gen_rsa(2048, keyrng)
        pem, pub = rsa_material(key)
        target = ESP_KEYS if d is None else d
        target["rsa_pem"], target["rsa_pub"] = pem, pub
        with open(pem_path, "wb") as f:
            f.write(pem)
        if d is not None and d["has_ed"]:
            d["ed_priv"], d["ed_pub"] = ed_material(random.Random("ed-%d-%s" % (a.seed, name)))
            with open(os.path.join(a.outdir, "keys", name + ".ed1.seed"), "wb") as f:
                f.write(d["ed_priv"] + b"\n")
    with open(stamp, "w") as f:
        f.write("%d %d\n" % (a.seed, a.domains))
    doms_by_name = {d["name"]: d for d in doms}
    rr, esp_ips = build_dns(doms)
    with open(os.path.join(a.outdir, "dns", "zone"), "w") as f:
        f.write(zone_text(rr))

    msgs = {}
    st = {"rsa": 0, "ed25519": 0, "hash_bytes_shared": 0, "hash_bytes_per_sig": 0,
          "bytes": 0, "sizes": []}
    for idx in range(a.count):
        mrng = random.Random("%d-%d" % (a.seed, idx))
        raw, env, exp = make_message(idx, mrng, doms, rr, esp_ips, doms_by_name)
        name = "%05d" % idx
        with open(os.path.join(a.outdir, "corpus", name + ".eml"), "wb") as f:
            f.write(raw)
        with open(os.path.join(a.outdir, "corpus", name + ".env"), "w") as f:
            for k in ("client_ip", "client_name", "helo", "mail_from", "rcpt"):
                f.write("%s %s\n" % (k, env[k]))
        msgs[name + ".eml"] = exp
        # Crypto work a verifier does: one public-key operation per
        # signature, one header hash per signature (~600 bytes), one body
        # hash per signature, or per distinct (canon, hash) when shared.
        nsig = len(exp["dkim"])
        st["rsa"] += sum(1 for s in exp["dkim"] if s["a"] == "rsa-sha256")
        st["ed25519"] += sum(1 for s in exp["dkim"] if s["a"] == "ed25519-sha256")
        st["hash_bytes_per_sig"] += nsig * (exp["body_bytes"] + 600)
        st["hash_bytes_shared"] += (exp["body_bytes"] if nsig else 0) + nsig * 600
        st["bytes"] += exp["size"]
        st["sizes"].append(exp["size"])
    sizes = sorted(st.pop("sizes"))
    n = a.count
    stats = {"messages": n,
             "rsa_verifies_per_msg": st["rsa"] / n,
             "ed25519_verifies_per_msg": st["ed25519"] / n,
             "hash_bytes_per_msg_shared": st["hash_bytes_shared"] / n,
             "hash_bytes_per_msg_per_sig": st["hash_bytes_per_sig"] / n,
             "size_median": sizes[n // 2], "size_max": sizes[-1],
             "size_mean": st["bytes"] / n,
             "tampered": sum(1 for m in msgs.values() if m["tampered"]),
             "unsigned": sum(1 for m in msgs.values() if not m["dkim"])}
    manifest = {"seed": a.seed, "zone_origin": ORIGIN + ".", "zone_file": "dns/zone",
                "authserv_hint": "bench.test",
                "domains": [{"name": d["name"], "dmarc": d["dmarc"], "spf_all": d["spf_all"]}
                            for d in doms],
                "stats": stats, "messages": msgs}
    with open(os.path.join(a.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print("gencorpus: %d messages, %d domains in %s; median %d bytes, max %d; "
          "%.2f rsa + %.2f ed25519 verifies and %.0f bytes hashed per message"
          % (n, len(doms), a.outdir, stats["size_median"], stats["size_max"],
             stats["rsa_verifies_per_msg"], stats["ed25519_verifies_per_msg"],
             stats["hash_bytes_per_msg_shared"]))


if __name__ == "__main__":
    main()
