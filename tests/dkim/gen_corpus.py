#!/usr/bin/python3
"""gen_corpus.py - build the DKIM interoperability corpus.

Signs a varied set of messages with dkimpy (python3-dkim) and Mail::DKIM
(libmail-dkim-perl, through sign_maildkim.pl), tampers with some, and
writes into OUTDIR:

  NNN.eml       the messages (CRLF)
  keys.txt      name<TAB>status<TAB>TXT record (status: answer, nxdomain,
                nodata, timeout, servfail) - the DNS the checker pretends
  manifest.txt  file<TAB>expected<TAB>description<TAB>the verdicts of
                dkimpy and Mail::DKIM (verify_maildkim.pl) for comparison
  now.txt       the verification time (seconds since the epoch)
  keys.zone     the answer/nodata keys as zone lines for a test DNS server

expected lists one token per DKIM-Signature, top first, separated by ";":
"result" or "result:reason" (reasons as authmilter words them), with
"+l" after pass when l= left body content unsigned, "none" for no
signature, and an optional last "ignored=N". Expected results follow the
RFCs; where dkimpy (or Mail::DKIM) would say otherwise the description
says why (e.g. RFC 8301 forbids rsa-sha1 and keys under 1024 bits, which
both libraries still pass).

Deterministic: fixed keys (tests/dkim/keys), a fixed clock for t=, and
RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic. Runs in a few
seconds. Usage: gen_corpus.py OUTDIR
"""

import base64
import os
import subprocess
import sys
import time

import dkim
import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
T0 = 1700000000
NOW = T0 + 3600
DOMAIN = "example.com"
PLAIN_H = ["from", "to", "subject", "date", "message-id"]

# dkimpy reads the clock for t=; pin it so the corpus is reproducible.
time.time = lambda: float(T0)


def rsa_pem(bits):
    with open(os.path.join(KEYS, "rsa%d.pem" % bits), "rb") as f:
        return f.read()


def rsa_public(bits, form="spki"):
    """base64 public key: SubjectPublicKeyInfo or bare RSAPublicKey."""
    arg = "-pubout" if form == "spki" else "-RSAPublicKey_out"
    der = subprocess.run(
        ["openssl", "rsa", "-in", os.path.join(KEYS, "rsa%d.pem" % bits),
         arg, "-outform", "DER"],
        check=True, capture_output=True).stdout
    return base64.b64encode(der).decode()


def ed_seed():
    with open(os.path.join(KEYS, "ed25519.seed"), "rb") as f:
        return f.read().strip()


def ed_public():
    sk = nacl.signing.SigningKey(base64.b64decode(ed_seed()))
    return base64.b64encode(bytes(sk.verify_key)).decode()


class Corpus:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0
        self.manifest = []
        self.keys = {}

    def key(self, selector, status, txt="", domain=DOMAIN):
        self.keys["%s._domainkey.%s" % (selector, domain)] = (status, txt)

    def path(self, name):
        return os.path.join(self.outdir, name)

    def add(self, msg, expected, desc):
        self.n += 1
        name = "%03d.eml" % self.n
        with open(self.path(name), "wb") as f:
            f.write(msg)
        self.manifest.append([name, expected, desc, ""])
        return name

    def dnsfunc(self, name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        st, txt = self.keys.get(name.rstrip("."), ("nxdomain", ""))
        return txt.encode() if st == "answer" else None

    def dkimpy_verdicts(self, msg):
        out = []
        d = dkim.DKIM(msg, minkey=1024)
        count = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
        for i in range(count):
            try:
                out.append("pass" if d.verify(idx=i, dnsfunc=self.dnsfunc)
                           else "fail")
            except Exception as e:          # noqa: BLE001 - for the notes
                out.append("error(%s)" % type(e).__name__)
        return ";".join(out) if out else "none"

    def finish(self):
        with open(self.path("keys.txt"), "w") as f:
            for name in sorted(self.keys):
                st, txt = self.keys[name]
                f.write("%s\t%s\t%s\n" % (name, st, txt))
        # The same keys as a zone fragment for a loopback DNS server in
        # milter-level tests: TXT split into 255-byte strings (so several
        # strings per record get exercised); timeout and servfail names
        # need server-side behaviour and are only listed.
        with open(self.path("keys.zone"), "w") as f:
            for name in sorted(self.keys):
                st, txt = self.keys[name]
                if st == "answer":
                    parts = [txt[i:i + 255] for i in range(0, len(txt), 255)] or [""]
                    f.write("%s. 300 IN TXT %s\n" % (
                        name, " ".join('"%s"' % p for p in parts)))
                elif st == "nodata":
                    f.write("%s. 300 IN A 192.0.2.1\n" % name)
                else:
                    f.write("; %s: %s (not in the zone)\n" % (name, st))
        with open(self.path("now.txt"), "w") as f:
            f.write("%d\n" % NOW)
        md = subprocess.run(
            ["perl", os.path.join(HERE, "verify_maildkim.pl"),
             self.path("keys.txt")],
            input="".join(self.path(r[0]) + "\n" for r in self.manifest),
            capture_output=True, text=True, check=True).stdout
        maildkim = dict(line.split("\t", 1) for line in md.splitlines())
        for row in self.manifest:
            with open(self.path(row[0]), "rb") as f:
                row[3] = "dkimpy=%s maildkim=%s" % (
                    self.dkimpy_verdicts(f.read()),
                    maildkim.get(self.path(row[0]), "?"))
        with open(self.path("manifest.txt"), "w") as f:
            for row in self.manifest:
                f.write("\t".join(row) + "\n")


# ---------------------------------------------------------------- messages

def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def templates():
    """Base messages: (label, bytes)."""
    hdr = ("Received: from mx.example.net (mx.example.net [192.0.2.1])\n"
           "\tby mail.example.org with ESMTP id 4AB12; Tue, 14 Nov 2023 22:13:20 +0000\n"
           "From: Alice Example <alice@example.com>\n"
           "To: Bob <bob@example.org>\n"
           "Subject: {subject}\n"
           "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
           "Message-ID: <{mid}@example.com>\n")
    t = []
    t.append(("plain", crlf(hdr.format(subject="Lunch plans", mid="m1") +
                            "\nHi Bob,\n\nLunch at noon?  Bring  the notes.\n\n-- \nAlice\n")))
    t.append(("folded", crlf(
        "From: Alice Example\n <alice@example.com>\n"
        "To: Bob <bob@example.org>,\n\tCarol <carol@example.org>,\n  Dave <dave@example.org>\n"
        "Subject: A rather long subject line that\n goes on and on\n\tover three lines\n"
        "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
        "Message-ID: <m2@example.com>\n"
        "\nfolded headers above\n")))
    t.append(("mime", crlf(hdr.format(subject="Report attached", mid="m3") +
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\n"
        "\n--b1\nContent-Type: text/plain; charset=us-ascii\n\nSee attached.\n"
        "\n--b1\nContent-Type: application/octet-stream; name=\"r.bin\"\n"
        "Content-Transfer-Encoding: base64\n\n" +
        "\n".join(base64.b64encode(bytes(range(i, i + 54))).decode()
                  for i in range(0, 200, 54)) +
        "\n--b1--\n")))
    t.append(("8bit", (hdr.format(subject="=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", mid="m4") +
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\nGrüße aus Köln – ça va?\n"
        ).replace("\n", "\r\n").encode("utf-8")))
    t.append(("trailing-blank", crlf(hdr.format(subject="Blank lines", mid="m5") +
        "\nline with trailing spaces   \n\tindented line\n\n\n\n")))
    t.append(("empty-body", crlf(hdr.format(subject="Empty", mid="m6") + "\n")))
    t.append(("no-final-crlf", crlf(hdr.format(subject="No newline", mid="m7") +
        "\nfirst line\nlast line without newline")[:-2]))
    big = "".join("line %05d of a longer body, with some  spacing\t\n" % i
                  for i in range(4000))
    t.append(("large", crlf(hdr.format(subject="Large", mid="m8") + "\n" + big)))
    return t


CANONS = [("simple", "simple"), ("simple", "relaxed"),
          ("relaxed", "simple"), ("relaxed", "relaxed")]


def dkimpy_sign(msg, selector, key, alg="rsa-sha256", canon=("relaxed", "relaxed"),
                headers=None, length=False, identity=None, domain=DOMAIN):
    if headers is None:
        headers = PLAIN_H
    sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                    identity=identity.encode() if identity else None,
                    canonicalize=(canon[0].encode(), canon[1].encode()),
                    signature_algorithm=alg.encode(),
                    include_headers=[h.encode() for h in headers],
                    length=length)
    return sig + msg


class Perl:
    """Batch Mail::DKIM signing: collect jobs, run one perl process."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.jobs = []

    def sign(self, msg, selector, bits, alg="rsa-sha256",
             canon=("relaxed", "relaxed"), headers=None, identity=None,
             oversign=None, domain=DOMAIN):
        if headers is None:
            headers = PLAIN_H
        i = len(self.jobs)
        src = self.corpus.path("in%03d.tmp" % i)
        dst = self.corpus.path("out%03d.tmp" % i)
        with open(src, "wb") as f:
            f.write(msg)
        self.jobs.append("\t".join([
            src, dst, os.path.join(KEYS, "rsa%d.pem" % bits), alg,
            "%s/%s" % canon, domain, selector, ":".join(headers),
            identity or "-", str(T0),
            ",".join("%s=+" % h for h in oversign) if oversign else "-"]))
        return i

    def run(self):
        subprocess.run(["perl", os.path.join(HERE, "sign_maildkim.pl")],
                       input=("\n".join(self.jobs) + "\n").encode(),
                       check=True)
        out = []
        for i in range(len(self.jobs)):
            src = self.corpus.path("in%03d.tmp" % i)
            dst = self.corpus.path("out%03d.tmp" % i)
            with open(dst, "rb") as f:
                out.append(f.read())
            os.unlink(src)
            os.unlink(dst)
        return out


# ---------------------------------------------------------------- tampering

def replace_once(msg, old, new):
    assert old in msg, (old, msg[:200])
    return msg.replace(old, new, 1)


def body_start(msg):
    return msg.index(b"\r\n\r\n") + 4


def tamper_body(msg):
    i = body_start(msg)
    body = msg[i:]
    if len(body) > 3:
        pos = len(body) // 2
        body = body[:pos] + (b"X" if body[pos:pos + 1] != b"X" else b"Y") + body[pos + 1:]
    else:
        body = b"tampered\r\n"
    return msg[:i] + body


def tamper_body_whitespace(msg):
    """Add spaces inside and at the end of the first body line (only
    relaxed body canonicalization forgives it)."""
    i = body_start(msg)
    j = msg.index(b"\r\n", i) if b"\r\n" in msg[i:] else len(msg)
    line = msg[i:j]
    k = line.find(b" ")
    if k >= 0:
        line = line[:k] + b"  \t" + line[k:]
    else:
        line = line + b" \t"
    return msg[:i] + line + b"  " + msg[j:]


def tamper_subject(msg):
    return replace_once(msg, b"\r\nSubject: ", b"\r\nSubject: Re: ")


def tamper_header_whitespace(msg):
    """Respace and refold the Subject (only relaxed header canon forgives)."""
    i = msg.index(b"\r\nSubject: ") + 2
    j = msg.index(b"\r\n", i)
    line = msg[i:j]
    words = line.split(b" ", 2)
    if len(words) == 3:
        line = words[0] + b"   " + words[1] + b"\r\n\t " + words[2] + b"\t"
    else:
        line = line + b"  "
    return msg[:i] + line + msg[j:]


def add_trailing_blank_lines(msg):
    if not msg.endswith(b"\r\n"):
        return msg + b"\r\n\r\n\r\n"
    return msg + b"\r\n\r\n"


def add_from_above(msg):
    i = msg.index(b"\r\nFrom: ") + 2
    return msg[:i] + b"From: Mallory <mallory@evil.example>\r\n" + msg[i:]


def add_unsigned_header(msg):
    i = msg.index(b"\r\nMessage-ID: ") + 2
    return msg[:i] + b"X-Mailing-List: added-by-relay\r\n" + msg[i:]


def add_subject_below(msg):
    i = msg.index(b"\r\nDate: ") + 2
    return msg[:i] + b"Subject: second subject\r\n" + msg[i:]


def edit_sig(msg, old, new):
    """Edit the first DKIM-Signature field's text."""
    end = msg.index(b"\r\n", 0)
    while msg[end + 2:end + 3] in (b" ", b"\t"):
        end = msg.index(b"\r\n", end + 2)
    field = msg[:end]
    assert old in field, (old, field)
    return field.replace(old, new, 1) + msg[end:]


# ---------------------------------------------------------------- corpus

def setup_keys(c):
    for bits in (512, 1024, 2048, 4096):
        c.key("r%d" % bits, "answer", "v=DKIM1; k=rsa; p=" + rsa_public(bits))
    ed = ed_public()
    r2048 = rsa_public(2048)
    c.key("ed", "answer", "v=DKIM1; k=ed25519; p=" + ed)
    c.key("revoked", "answer", "v=DKIM1; k=rsa; p=")
    c.key("edrevoked", "answer", "v=DKIM1; k=ed25519; p=")
    c.key("wrongk", "answer", "v=DKIM1; k=ed25519; p=" + ed)
    c.key("wrongked", "answer", "v=DKIM1; k=rsa; p=" + r2048)
    c.key("hsha1", "answer", "v=DKIM1; k=rsa; h=sha1; p=" + r2048)
    c.key("hboth", "answer", "v=DKIM1; k=rsa; h=sha1:sha256; p=" + r2048)
    c.key("strict", "answer", "v=DKIM1; k=rsa; t=s; p=" + r2048)
    c.key("testing", "answer", "v=DKIM1; k=rsa; t=y; p=" + r2048)
    c.key("nx", "nxdomain")
    c.key("nodata", "nodata")
    c.key("timeout", "timeout")
    c.key("servfail", "servfail")
    c.key("pkcs1", "answer", "v=DKIM1; k=rsa; p=" + rsa_public(2048, "pkcs1"))
    c.key("ws", "answer", "v=DKIM1; k=rsa; p=" +
          " ".join(r2048[i:i + 60] for i in range(0, len(r2048), 60)))
    c.key("svc", "answer", "v=DKIM1; k=rsa; s=tlsrpt; p=" + r2048)
    c.key("svcstar", "answer", "v=DKIM1; k=rsa; s=*; p=" + r2048)
    c.key("badp", "answer", "v=DKIM1; k=rsa; p=" + r2048[:40] + "!!" + r2048[42:])
    c.key("v2", "answer", "v=DKIM2; k=rsa; p=" + r2048)
    c.key("vlate", "answer", "k=rsa; v=DKIM1; p=" + r2048)
    c.key("unknown", "answer", "v=DKIM1; k=rsa; zz=future; n=notes here; p=" + r2048)
    c.key("notkey", "answer", "v=DKIM1; k=rsa; p=" + base64.b64encode(b"not a key").decode())
    c.key("nop", "answer", "v=DKIM1; k=rsa")
    c.key("ed-as-rsa", "answer", "v=DKIM1; k=rsa; p=" + ed)


def build(outdir):
    c = Corpus(outdir)
    setup_keys(c)
    tpl = templates()
    perl = Perl(c)
    later = []   # (perl index, expected, desc, post-processing)
    r2048 = rsa_pem(2048)
    keyset = [("r1024", rsa_pem(1024), "rsa-sha256"),
              ("r2048", r2048, "rsa-sha256"),
              ("r4096", rsa_pem(4096), "rsa-sha256"),
              ("ed", ed_seed(), "ed25519-sha256")]

    # 1. dkimpy: every key and canonicalization pair over the templates
    k = 0
    for sel, key, alg in keyset:
        for canon in CANONS:
            for _ in range(2):
                label, msg = tpl[k % len(tpl)]
                k += 1
                c.add(dkimpy_sign(msg, sel, key, alg, canon), "pass",
                      "dkimpy %s %s/%s %s" % (alg, canon[0], canon[1], label))

    # 2. Mail::DKIM: RSA keys (it has no Ed25519) over the templates
    for bits in (1024, 2048, 4096):
        for canon in CANONS:
            for _ in range(2):
                label, msg = tpl[k % len(tpl)]
                k += 1
                later.append((perl.sign(msg, "r%d" % bits, bits, canon=canon),
                              "pass", "Mail::DKIM rsa-sha256 %d %s/%s %s" %
                              (bits, canon[0], canon[1], label), None))

    # 3. rsa-sha1: RFC 8301 3.1 says verifiers must not pass it; both
    #    libraries still do.
    sha1 = "policy:rsa-sha1 not accepted (RFC 8301)"
    for canon in CANONS:
        label, msg = tpl[k % len(tpl)]
        k += 1
        c.add(dkimpy_sign(msg, "r2048", r2048, "rsa-sha1", canon), sha1,
              "dkimpy rsa-sha1 %s/%s; RFC 8301 forbids rsa-sha1 (dkimpy passes)" % canon)
        later.append((perl.sign(msg, "r1024", 1024, "rsa-sha1", canon), sha1,
                      "Mail::DKIM rsa-sha1 %s/%s; RFC 8301 forbids (Mail::DKIM passes)"
                      % canon, None))

    # 4. 512-bit RSA: RFC 8301 3.2 requires at least 1024 bits
    small = "policy:key too small"
    for canon in CANONS[::3]:
        label, msg = tpl[k % len(tpl)]
        k += 1
        c.add(dkimpy_sign(msg, "r512", rsa_pem(512), "rsa-sha256", canon), small,
              "dkimpy rsa 512 bits; RFC 8301 3.2 forbids < 1024 (dkimpy refuses too)")
        later.append((perl.sign(msg, "r512", 512, canon=canon), small,
                      "Mail::DKIM rsa 512 bits; RFC 8301 3.2 (Mail::DKIM passes)", None))

    # 5. l=: the whole body, then with content appended (pass, flagged)
    for sel, key, alg in (keyset[1], keyset[3]):
        for canon in CANONS:
            label, msg = tpl[k % len(tpl)]
            k += 1
            signed = dkimpy_sign(msg, sel, key, alg, canon, length=True)
            note = ""
            if label == "no-final-crlf" and canon[1] == "simple":
                note = (" (l= counts the CRLF simple canonicalization adds, "
                        "RFC 6376 3.4.3; Mail::DKIM says altered)")
            c.add(signed, "pass", "dkimpy l= %s %s/%s %s%s" %
                  (alg, canon[0], canon[1], label, note))
            app = signed if signed.endswith(b"\r\n") else signed + b"\r\n"
            c.add(app + b"appended by a list\r\n", "pass+l",
                  "dkimpy l= %s %s/%s, content appended after l= (RFC 6376 8.2: "
                  "still a pass, reported as partial)" % (alg, canon[0], canon[1]))

    # 6. oversigning (absent fields in h=): adding a From or Subject breaks it
    over_h = ["from", "from", "to", "subject", "subject", "date", "message-id"]
    for sel, key, alg in (keyset[1], keyset[3]):
        for canon in (CANONS[0], CANONS[3]):
            label, msg = tpl[0]
            signed = dkimpy_sign(msg, sel, key, alg, canon, headers=over_h)
            c.add(signed, "pass", "dkimpy oversigned %s %s/%s" % (alg, canon[0], canon[1]))
            c.add(add_from_above(signed), "fail:signature did not verify",
                  "dkimpy oversigned, From added above: the extra h=from covers it")
            c.add(add_subject_below(signed), "fail:signature did not verify",
                  "dkimpy oversigned, Subject added below the signed one")
    for canon in (CANONS[0], CANONS[3]):
        label, msg = tpl[0]
        i = perl.sign(msg, "r2048", 2048, canon=canon, oversign=["from", "subject"])
        later.append((i, "pass", "Mail::DKIM oversigned %s/%s" % canon, None))
        later.append((i, "fail:signature did not verify",
                      "Mail::DKIM oversigned, From added above", add_from_above))

    # 7. tampering, per canonicalization pair
    tampers = [
        ("body changed", tamper_body, lambda cn: "fail:body hash mismatch"),
        ("signed Subject changed", tamper_subject,
         lambda cn: "fail:signature did not verify"),
        ("body whitespace changed", tamper_body_whitespace,
         lambda cn: "pass" if cn[1] == "relaxed" else "fail:body hash mismatch"),
        ("Subject whitespace/folding changed", tamper_header_whitespace,
         lambda cn: "pass" if cn[0] == "relaxed" else "fail:signature did not verify"),
        ("trailing blank lines added", add_trailing_blank_lines, lambda cn: "pass"),
        ("second From added above the signed one", add_from_above,
         lambda cn: "policy:unsigned From field"),
        ("unsigned header added", add_unsigned_header, lambda cn: "pass"),
    ]
    for ti, (what, fn, exp) in enumerate(tampers):
        for canon in CANONS:
            label, msg = tpl[(ti + CANONS.index(canon)) % 5]
            for sel, key, alg in (keyset[1], keyset[3]):
                note = ""
                if fn is add_from_above:
                    note = ("; RFC 6376 5.4.2 selects the lower From, so the "
                            "hash verifies, but the upper From is unsigned and "
                            "is what readers see (RFC 6376 8.15): not a pass")
                c.add(fn(dkimpy_sign(msg, sel, key, alg, canon)), exp(canon),
                      "dkimpy %s %s/%s: %s%s" % (alg, canon[0], canon[1], what, note))
            later.append((perl.sign(msg, "r2048", 2048, canon=canon), exp(canon),
                          "Mail::DKIM %s/%s: %s" % (canon[0], canon[1], what), fn))

    # 8. key records
    keycases = [
        ("revoked", r2048, "rsa-sha256", None, "permerror:key revoked",
         "empty p= (RFC 6376 3.6.1)"),
        ("edrevoked", ed_seed(), "ed25519-sha256", None, "permerror:key revoked",
         "empty p= for ed25519"),
        ("wrongk", r2048, "rsa-sha256", None, "permerror:key type mismatch",
         "record k=ed25519, signature rsa-sha256"),
        ("wrongked", ed_seed(), "ed25519-sha256", None, "permerror:key type mismatch",
         "record k=rsa, signature ed25519-sha256"),
        ("hsha1", r2048, "rsa-sha256", None, "permerror:hash not allowed by key h=",
         "key h=sha1 only, signature sha256 (RFC 6376 3.6.1 h=)"),
        ("hboth", r2048, "rsa-sha256", None, "pass", "key h=sha1:sha256"),
        ("strict", r2048, "rsa-sha256", "@mail.example.com",
         "permerror:key t=s forbids i= subdomain",
         "key t=s and i= in a subdomain of d= (RFC 6376 3.6.1 t=s)"),
        ("strict", r2048, "rsa-sha256", "user@example.com", "pass",
         "key t=s and i= equal to d="),
        ("testing", r2048, "rsa-sha256", None, "pass",
         "key t=y: testing mode is reported, the result stands"),
        ("nx", r2048, "rsa-sha256", None, "permerror:no key", "NXDOMAIN"),
        ("nodata", r2048, "rsa-sha256", None, "permerror:no key", "no TXT record"),
        ("timeout", r2048, "rsa-sha256", None, "temperror:key lookup timed out",
         "DNS timeout"),
        ("servfail", r2048, "rsa-sha256", None,
         "temperror:key lookup failed (SERVFAIL)", "DNS SERVFAIL"),
        ("pkcs1", r2048, "rsa-sha256", None, "pass",
         "key published as bare RSAPublicKey (no SPKI wrapper; RFC 6376 "
         "3.6.1 wants SPKI, but such keys are published and OpenDKIM reads "
         "them; Mail::DKIM cannot)"),
        ("ws", r2048, "rsa-sha256", None, "pass", "p= with embedded whitespace"),
        ("svc", r2048, "rsa-sha256", None, "permerror:key not for email",
         "key s=tlsrpt"),
        ("svcstar", r2048, "rsa-sha256", None, "pass", "key s=*"),
        ("badp", r2048, "rsa-sha256", None, "permerror:bad base64 in key p=",
         "p= with characters outside base64"),
        ("v2", r2048, "rsa-sha256", None, "permerror:bad key version", "key v=DKIM2"),
        ("vlate", r2048, "rsa-sha256", None, "pass",
         "key v=DKIM1 not the first tag: RFC 6376 3.6.1 asks publishers to "
         "put it first but only says to discard other v= values; tolerated "
         "like dkimpy and Mail::DKIM do"),
        ("unknown", r2048, "rsa-sha256", None, "pass", "unknown key tags ignored"),
        ("notkey", r2048, "rsa-sha256", None, "permerror:key p= is not an RSA key",
         "p= decodes to garbage"),
        ("nop", r2048, "rsa-sha256", None, "permerror:key record without p=",
         "record without p="),
        ("ed-as-rsa", r2048, "rsa-sha256", None, "permerror:key p= is not an RSA key",
         "k=rsa with a 32-byte ed25519 key"),
    ]
    for n, (sel, key, alg, ident, exp, desc) in enumerate(keycases):
        label, msg = tpl[n % 5]
        c.add(dkimpy_sign(msg, sel, key, alg, identity=ident), exp,
              "dkimpy key record: " + desc)
        if alg.startswith("rsa") and n % 2 == 0:
            later.append((perl.sign(msg, sel, 2048, identity=ident), exp,
                          "Mail::DKIM key record: " + desc, None))

    # 9. multiple signatures (results top first)
    label, msg = tpl[0]
    a = dkimpy_sign(msg, "ed", ed_seed(), "ed25519-sha256")
    later.append((perl.sign(a, "r2048", 2048), "pass;pass",
                  "Mail::DKIM rsa over dkimpy ed25519 (dual algorithms)", None))
    b = dkimpy_sign(dkimpy_sign(msg, "r1024", rsa_pem(1024)), "r4096", rsa_pem(4096))
    c.add(b, "pass;pass", "two dkimpy RSA signatures")
    three = dkimpy_sign(dkimpy_sign(a, "r2048", r2048, canon=("simple", "simple")),
                        "r4096", rsa_pem(4096), canon=("relaxed", "simple"))
    c.add(three, "pass;pass;pass", "three signatures, mixed canonicalization")
    c.add(tamper_body(three), "fail:body hash mismatch;fail:body hash mismatch;"
          "fail:body hash mismatch", "three signatures, body changed")
    nosubj = dkimpy_sign(dkimpy_sign(msg, "r2048", r2048),
                         "ed", ed_seed(), "ed25519-sha256",
                         headers=["from", "to", "date"])
    c.add(tamper_subject(nosubj), "pass;fail:signature did not verify",
          "outer signature leaves Subject out; Subject changed")
    c.add(dkimpy_sign(dkimpy_sign(msg, "r2048", r2048), "revoked", r2048),
          "permerror:key revoked;pass", "revoked key above a good signature")
    c.add(dkimpy_sign(dkimpy_sign(msg, "r2048", r2048, length=True), "nx", r2048),
          "permerror:no key;pass", "missing key above a good l= signature")
    c.add(dkimpy_sign(dkimpy_sign(msg, "r2048", r2048), "r2048", r2048, "rsa-sha1"),
          "policy:rsa-sha1 not accepted (RFC 8301);pass",
          "rsa-sha1 and rsa-sha256 by the same key")
    # by a domain that is not the author's: the daemon verifies two more
    # of the author's own beyond the cap (dkim_verifier_admit,
    # test_caps), which dkim_check, the verifier alone, does not ask
    six = msg.replace(b"<alice@example.com>", b"<alice@elsewhere.example>")
    for i in range(6):
        six = dkimpy_sign(six, ["r1024", "r2048", "ed"][i % 3],
                          [rsa_pem(1024), r2048, ed_seed()][i % 3],
                          ["rsa-sha256", "rsa-sha256", "ed25519-sha256"][i % 3])
    c.add(six, "pass;pass;pass;pass;pass;ignored=1",
          "six signatures of another domain: the cap of 5 verifies the "
          "top five")
    c.add(msg, "none", "unsigned message")

    # 10. broken signature fields (decided before any crypto)
    label, msg = tpl[0]
    s = dkimpy_sign(msg, "r2048", r2048, canon=("relaxed", "relaxed"))
    broken = [
        (b" b=", b" b=!", "permerror:bad base64 in b=",
         "'!' in b=: not base64 (RFC 6376 3.5 b= is base64string), a syntax "
         "error (Mail::DKIM skips the character and passes, dkimpy errors)"),
        (b"v=1;", b"v=2;", "permerror:unsupported version", "v=2"),
        (b"a=rsa-sha256", b"a=rsa-sha512", "permerror:unsupported algorithm", "a=rsa-sha512"),
        (b"c=relaxed/relaxed", b"c=relaxed/fancy", "permerror:unsupported canonicalization",
         "c=relaxed/fancy"),
        (b"d=example.com", b"d=example.com; s=dup", "permerror:duplicate tag", "s= twice"),
        (b"i=@example.com", b"i=@example.net", "permerror:i= not within d=",
         "i= outside d="),
        (b"d=example.com", b"d=example.com; x=%d" % (NOW - 400),
         "permerror:signature expired", "x= in the past beyond the skew"),
        (b"t=%d" % T0, b"t=%d" % (NOW + 3600), "permerror:signature timestamp in the future",
         "t= an hour ahead"),
        (b"t=%d" % T0, b"t=%d; x=%d" % (T0, T0), "permerror:x= not after t=",
         "x= equal to t="),
        (b"h=from : to", b"h=to", "permerror:From not signed",
         "h= without From (RFC 6376 6.1.1)"),
        (b"q=dns/txt", b"q=http/well-known",
         "permerror:unsupported query method", "q= without dns/txt"),
        (b"d=example.com", b"d=example.com; l=1x", "permerror:malformed l=", "l=1x"),
        (b"d=example.com", b"d=example.com; zz=unknown", "fail:signature did not verify",
         "unknown tag tolerated, but adding it changed the signed field"),
        (b"d=example.com", b"d=exa..mple.com", "permerror:malformed d=", "d= with an empty label"),
    ]
    for old, new, exp, desc in broken:
        c.add(edit_sig(s, old, new), exp, "broken signature field: " + desc)

    # Mail::DKIM batch
    outs = perl.run()
    for idx, exp, desc, fn in later:
        m = outs[idx]
        if fn is not None:
            m = fn(m)
        c.add(m, exp, desc)
    c.finish()
    return c.n


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen_corpus.py OUTDIR\n")
        return 2
    os.makedirs(sys.argv[1], exist_ok=True)
    n = build(sys.argv[1])
    print("wrote %d messages to %s" % (n, sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
