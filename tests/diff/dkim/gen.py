#!/usr/bin/python3
"""gen.py - seeded messages for the DKIM differential test.

Usage: gen.py SEED COUNT OUTDIR KEYDIR
       gen.py --keys OUTDIR KEYDIR     (keys.txt and now.txt only)

Builds COUNT messages, signs each with the RFC 6376 signer below (written
here rather than taken from dkimpy, so that a quirk shared by a signer and
a verifier cannot hide) using the test keys in KEYDIR (tests/dkim/keys),
then changes them after signing the way relays do. Writes OUTDIR in the
form tests/dkim/dkim_check reads (NNNN.eml, keys.txt, now.txt,
manifest.txt with "?" as the expected column) and recipes.jsonl: per
message the signatures' algorithms and a readable recipe of every choice.

The same SEED gives the same bytes (Python's random, deterministic RSA
PKCS#1 v1.5 and Ed25519 signatures, fixed keys, the clock pinned at NOW).

The vocabulary holds only what RFC 6376, dkimpy 1.1.4 and Mail::DKIM
1.20230212 agreed on in the last session's differential run (30,000
messages). Left out, because an oracle has a quirk there or the RFC leaves
the verdict to the verifier: t= in the future, x= in the past or not after
t=, l= beyond the body, l=0 or l=1 under simple, tag names with '-' or a leading digit,
upper-case a=/c=/q= values, whitespace before a field's colon,
DKIM-Signature in its own h=, bare CR or LF in header fields, whitespace
after the b= value or ending the DKIM-Signature field (dkimpy strips it
before hashing, under simple too), a value holding " b=", a body
without a final CRLF,
LF line ends in the header or body (bare LF only between two visible
characters), a second From field.
"""
import base64
import hashlib
import json
import os
import random
import re
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
import nacl.signing

NOW = 1700003600          # the pinned clock (dkim_check, dkimpy, Mail::DKIM)
T0 = NOW - 3600           # the usual signing time
DOMAIN = b"example.com"
WSP_RUN = re.compile(rb"[ \t]+")


# ------------------------------------------------------------------ keys

def load_keys(keydir):
    """load_keys - {selector: private key} and the DNS TXT records"""
    keys, recs = {}, {}
    for bits in (1024, 2048):
        with open(os.path.join(keydir, "rsa%d.pem" % bits), "rb") as f:
            k = serialization.load_pem_private_key(f.read(), None)
        der = k.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        keys["r%d" % bits] = k
        recs["r%d" % bits] = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    with open(os.path.join(keydir, "ed25519.seed"), "rb") as f:
        ed = nacl.signing.SigningKey(base64.b64decode(f.read().strip()))
    keys["ed"] = ed
    recs["ed"] = "v=DKIM1; k=ed25519; p=" + \
        base64.b64encode(bytes(ed.verify_key)).decode()
    return keys, recs


# ------------------------------------------- canonicalization (RFC 6376 3.4)
# The signer only sees CRLF line ends: bare CR/LF come after signing.

def canon_field(c, name, value):
    if c == "simple":
        return name + b":" + value + b"\r\n"
    v = WSP_RUN.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.lower() + b":" + v + b"\r\n"


def canon_body(c, lines):
    if c == "relaxed":
        lines = [WSP_RUN.sub(b" ", ln).rstrip(b" ") for ln in lines]
    lines = list(lines)
    while lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return b"\r\n" if c == "simple" else b""
    return b"".join(ln + b"\r\n" for ln in lines)


def select_fields(fields, names):
    """bottom-up, each field once (RFC 6376 5.4.2)"""
    used, out = [], []
    for n in names:
        for j in range(len(fields) - 1, -1, -1):
            if j not in used and fields[j][0].lower() == n.lower():
                used.append(j)
                out.append(fields[j])
                break
    return out


# ------------------------------------------------------------ message model

class Msg:
    """header fields as [name, value] (value keeps its leading space and
    folds); body as lines without their CRLF, so every body ends in CRLF"""

    def __init__(self, fields, lines):
        self.fields = fields
        self.lines = lines
        self.raw_body = None      # set by the byte-level body changes

    def body(self):
        if self.raw_body is not None:
            return self.raw_body
        return b"".join(ln + b"\r\n" for ln in self.lines)

    def bytes(self):
        return b"".join(n + b":" + v + b"\r\n" for n, v in self.fields) + \
            b"\r\n" + self.body()

    def sig_idx(self):
        return [i for i, f in enumerate(self.fields)
                if f[0].lower() == b"dkim-signature"]


WORDS = [b"lunch", b"at", b"noon", b"bring", b"the", b"notes", b"report",
         b"see", b"attached", b"hello", b"Bob,", b"--", b"regards", b"x",
         b"=", b"a.b", b"1234", b"foo:", b";", b"<tag>", b"=20", b"."]
UTF8 = ["Grüße", "Köln", "ça va", "日本語", "naïve", "€100"]


def words(rng, n, odd_ws=True):
    out = []
    for i in range(n):
        w = rng.choice(WORDS)
        r = rng.random()
        if r < 0.08:
            w = rng.choice(UTF8).encode()
        elif r < 0.11:
            w = bytes([rng.randint(0x80, 0xff)]) + w     # 8-bit, not UTF-8
        if i:
            out.append(rng.choice([b" "] * 6 + [b"\t", b"  ", b" \t "])
                       if odd_ws else b" ")
        out.append(w)
    return b"".join(out)


def make_body(rng):
    r = rng.random()
    if r < 0.06:
        return [], "empty"
    if r < 0.10:
        return [b""] * rng.randint(1, 4), "blank lines only"
    if r < 0.13:
        return [b"  ", b"\t"], "whitespace lines only"
    lines = []
    for _ in range(rng.randint(1, 14)):
        r = rng.random()
        if r < 0.12:
            ln = b""
        elif r < 0.17:
            ln = rng.choice([b" ", b"\t", b"  \t "])
        elif r < 0.22:
            ln = rng.choice([b".", b"..", b"From here", b"-- "])
        elif r < 0.25:
            ln = (words(rng, 8) + b" ") * rng.randint(60, 300)
        elif r < 0.29:
            ln = base64.b64encode(bytes(rng.randrange(256) for _ in range(57)))
        else:
            ln = words(rng, rng.randint(1, 12))
            if rng.random() < 0.15:
                ln = rng.choice([b" ", b"\t", b"  "]) + ln
            if rng.random() < 0.2:
                ln += rng.choice([b" ", b"\t", b"  ", b" \t"])
        lines.append(ln)
    if rng.random() < 0.15:
        lines += [b""] * rng.randint(1, 4)
        return lines, "text, blank lines at the end"
    return lines, "text"


def make_fields(rng, k):
    f = []
    if rng.random() < 0.5:
        f.append([b"Received", b" from mx.example.net (mx.example.net "
                  b"[192.0.2.1])\r\n\tby mail.example.org with ESMTP id %d;"
                  b" Tue, 14 Nov 2023 22:13:20 +0000" % k])
    f.append([b"From", rng.choice([
        b" Alice Example <alice@example.com>",
        b" Alice  Example\r\n <alice@example.com>",
        b"\talice@example.com", b"alice@example.com",
        b" =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>",
        b" \"J\xc3\xbcrgen K\" <j@example.com>"])])
    f.append([b"To", rng.choice([
        b" Bob <bob@example.org>",
        b" Bob <bob@example.org>,\r\n\tCarol <carol@example.org>,\r\n"
        b"  Dave <dave@example.org>", b" bob@example.org "])])
    subj = words(rng, rng.randint(0, 14))
    if rng.random() < 0.2 and b" " in subj:
        i = subj.index(b" ")
        subj = subj[:i] + rng.choice([b"\r\n ", b"\r\n\t"]) + subj[i + 1:]
    f.append([b"Subject", rng.choice([b" ", b"  ", b"\t", b""]) + subj +
              rng.choice([b"", b"", b" ", b"\t"])])
    f.append([b"Date", b" Tue, 14 Nov 2023 22:13:20 +0000"])
    f.append([b"Message-ID", b" <m%d@example.com>" % k])
    for o in ([b"Cc", b" carol@example.org"], [b"MIME-Version", b" 1.0"],
              [b"Content-Type", b" text/plain;\r\n\tcharset=\"utf-8\""],
              [b"X-Mailer", b" gen 1.0"], [b"Reply-To", b" <alice@example.com>"],
              [b"X-Empty", b""], [b"X-Spaces", b"   lots   of    space   "],
              [b"List-Id", b" <list.example.com>"], [b"X-WS-Only", b"   \t "],
              [b"X-Long", b" " + b"y" * 1500 + b" z"],
              [b"X-Long-Folded", b" " + b"\r\n ".join(
                  [b"w%03d" % i * 10 for i in range(60)])]):
        if rng.random() < 0.25:
            f.append(list(o))
    if rng.random() < 0.2:
        start = 1 if f[0][0] == b"Received" else 0
        rest = f[start:]
        rng.shuffle(rest)
        f = f[:start] + rest
    return f


# --------------------------------------------------------------- signing

def fws(rng, p):
    r = rng.random()
    if r < p:
        return rng.choice([b"\r\n\t", b"\r\n ", b"\r\n    "])
    if r < p + 0.2:
        return rng.choice([b" ", b"  ", b"\t"])
    return b""


def fws_inside(rng, s, n):
    """n FWS runs strictly inside s (never first or last, never next to
    an existing CR or LF)"""
    for _ in range(n):
        if len(s) < 3:
            return s
        i = rng.randint(1, len(s) - 1)
        while i < len(s) - 1 and (s[i - 1:i] in (b"\r", b"\n", b" ", b"\t") or
                                  s[i:i + 1] in (b"\r", b"\n", b" ", b"\t")):
            i += 1
        if i >= len(s) - 1:
            continue
        s = s[:i] + rng.choice([b"\r\n\t", b"\r\n ", b" ", b"\t"]) + s[i:]
    return s


def sign_params(rng, msg, notes):
    p = {}
    r = rng.random()
    p["sel"] = "ed" if r < 0.25 else "r1024" if r < 0.4 else "r2048"
    p["alg"] = "ed25519-sha256" if p["sel"] == "ed" else "rsa-sha256"
    p["hc"], p["bc"] = rng.choice([("simple", "simple"), ("simple", "relaxed"),
                                   ("relaxed", "simple"), ("relaxed", "relaxed")])
    p["c"] = "%s/%s" % (p["hc"], p["bc"])
    if p["bc"] == "simple" and rng.random() < 0.2:
        # c=HEADER means HEADER/simple; no c= means simple/simple (3.5 c=)
        p["c"] = None if p["hc"] == "simple" and rng.random() < 0.5 else p["hc"]
        notes.append("c=%s" % (p["c"] or " omitted"))
    present = []
    for n, v in msg.fields:
        if n.lower() not in present and n.lower() not in (b"from", b"dkim-signature"):
            present.append(n.lower())
    h = [b"from"] + rng.sample(present, rng.randint(0, len(present)))
    if rng.random() < 0.25:
        absent = rng.sample([b"reply-to", b"cc", b"x-absent", b"in-reply-to",
                             b"references", b"list-id", b"sender"],
                            rng.randint(1, 3))
        h += absent
        notes.append("h= may name absent %s" % b",".join(absent).decode())
    if rng.random() < 0.25:
        dup = rng.sample(h, rng.randint(1, min(3, len(h))))
        h += dup
        notes.append("oversigned %s" % b",".join(dup).decode())
    rng.shuffle(h)
    if rng.random() < 0.1:
        h = [x.upper() if rng.random() < .5 else x.capitalize() for x in h]
        notes.append("h= mixed case")
    p["h"] = h
    p["hsep"] = rng.choice([b":", b":", b" : ", b": ", b" :", b"\r\n\t:"])
    cb = canon_body(p["bc"], msg.lines)
    p["l"] = None
    r = rng.random()
    if r < 0.15 and len(cb) > 0:
        p["l"] = len(cb)
        notes.append("l= whole body (%d)" % p["l"])
    elif r < 0.25 and len(cb) > 2:
        p["l"] = rng.randint(1, len(cb) - 1)
        if p["l"] == 1 and p["bc"] == "simple":
            # a change after signing may leave only empty lines, whose
            # CRLF Mail::DKIM hashes past l=1 (fixed case o15)
            p["l"] = 2
        notes.append("l=%d of %d" % (p["l"], len(cb)))
    p["i"] = rng.choice([None, None, b"@example.com", b"alice@example.com",
                         b"@sub.example.com"])
    p["t"] = rng.choice([T0] * 7 + [None, NOW - 100000, NOW])
    p["x"] = None
    if rng.random() < 0.2:
        p["x"] = NOW + rng.choice([1, 100, 100000])
    if p["t"] != T0 or p["x"] is not None:
        notes.append("t=%s x=%s" % (
            "-" if p["t"] is None else "NOW%+d" % (p["t"] - NOW),
            "-" if p["x"] is None else "NOW%+d" % (p["x"] - NOW)))
    p["q"] = rng.choice([None, b"dns/txt"])
    p["unknown"] = []
    if rng.random() < 0.12:
        p["unknown"] = rng.sample([[b"z", b"From:alice@example.com|To:bob"],
                                   [b"xx", b"yy"], [b"n", b"some note"],
                                   [b"foo", b""], [b"X", b"upper"]],
                                  rng.randint(1, 2))
        notes.append("unknown tags %s" % ",".join(
            (u[0] + b"=" + u[1]).decode() for u in p["unknown"]))
    p["order"] = rng.choice(["normal"] * 15 + ["shuffle"] * 3 +
                            ["b-first", "v-last"])
    if p["order"] != "normal":
        notes.append("tag order %s" % p["order"])
    p["d"], p["s"] = DOMAIN, p["sel"].encode()
    if rng.random() < 0.05:
        if rng.random() < 0.5:
            p["d"] = b"EXAMPLE.com"
        else:
            p["s"] = p["s"].upper()
        notes.append("d=%s s=%s" % (p["d"].decode(), p["s"].decode()))
    p["name"] = b"DKIM-Signature"
    if rng.random() < 0.05:
        p["name"] = rng.choice([b"dkim-signature", b"Dkim-Signature",
                                b"DKIM-SIGNATURE"])
        notes.append("field name %s" % p["name"].decode())
    p["fold"] = rng.random() < 0.3
    if p["fold"]:
        notes.append("FWS between and inside tags")
    p["bfws"] = rng.choice([0, 0, 0, 1, 3])
    if p["bfws"]:
        notes.append("FWS inside b= at signing")
    p["lead"] = b" "
    if rng.random() < 0.05:
        p["lead"] = rng.choice([b"", b"\t", b"  ", b"\r\n "])
        notes.append("value starts %r" % p["lead"])
    p["semi"] = rng.random() < 0.1
    if p["semi"]:
        notes.append("trailing ;")
    p["top"] = rng.random() < 0.9
    if not p["top"]:
        notes.append("inserted among the fields")
    return p


def sign(msg, rng, p, keys):
    """add the DKIM-Signature of params p to msg; returns the field"""
    cb = canon_body(p["bc"], msg.lines)
    bh = base64.b64encode(hashlib.sha256(
        cb if p["l"] is None else cb[:p["l"]]).digest())
    tags = [[b"v", b"1"], [b"a", p["alg"].encode()]]
    if p["c"]:
        tags.append([b"c", p["c"].encode()])
    tags.append([b"d", p["d"]])
    if p["i"]:
        tags.append([b"i", p["i"]])
    if p["l"] is not None:
        tags.append([b"l", b"%d" % p["l"]])
    if p["q"]:
        tags.append([b"q", p["q"]])
    tags.append([b"s", p["s"]])
    if p["t"] is not None:
        tags.append([b"t", b"%d" % p["t"]])
    if p["x"] is not None:
        tags.append([b"x", b"%d" % p["x"]])
    tags.append([b"h", p["hsep"].join(p["h"])])
    tags.append([b"bh", bh])
    tags += p["unknown"]
    tags.append([b"b", None])
    if p["order"] == "shuffle":
        rng.shuffle(tags)
    elif p["order"] == "b-first":
        tags = [tags[-1]] + tags[:-1]
    elif p["order"] == "v-last":
        tags = tags[1:] + [tags[0]]
    lead0 = p["lead"]
    if lead0 == b"" and tags[0][0] == b"b":
        lead0 = b" "          # dkimpy misreads "DKIM-Signature:b=" (o01b)
    parts = []
    for k, (n, v) in enumerate(tags):
        eq = b"="
        if p["fold"] and rng.random() < 0.1:
            eq = rng.choice([b" =", b"= ", b" = ", b"=\r\n\t"])
            if v == b"" and k == len(tags) - 1 and not p["semi"]:
                # the field would end in white space, which dkimpy strips
                # before hashing under simple too (o14)
                eq = eq.rstrip(b" \t\r\n")
        if p["fold"] and v is not None and rng.random() < 0.3:
            if n == b"bh":            # base64string: FWS anywhere inside
                v = fws_inside(rng, v, 1)
            elif n == b"h" and b":" in v:   # FWS only around the colons
                v = v.replace(b":", rng.choice([b"\r\n\t:", b": ", b" :\r\n "]), 1)
        lead = (fws(rng, 0.3) if p["fold"] else b" ") if k else lead0
        parts.append((lead, n, eq, v))

    def text(bval):
        out = []
        for lead, n, eq, v in parts:
            if v is None:
                # FWS after "=" goes with the b= value (3.5 b=, 3.7)
                e = eq.rstrip(b" \t\r\n")
                out.append(lead + n + e + (eq[len(e):] + bval if bval else b""))
            else:
                out.append(lead + n + eq + v)
        return b";".join(out) + (b";" if p["semi"] else b"")

    data = b"".join(canon_field(p["hc"], n, v)
                    for n, v in select_fields(msg.fields, p["h"]))
    data += canon_field(p["hc"], p["name"], text(b""))[:-2]
    key = keys[p["sel"]]
    if p["sel"] == "ed":
        sig = key.sign(hashlib.sha256(data).digest()).signature
    else:
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    b64 = base64.b64encode(sig)
    if p["bfws"]:
        b64 = fws_inside(rng, b64, p["bfws"])
        if rng.random() < 0.3:
            b64 = rng.choice([b" ", b"\r\n\t"]) + b64
    field = [p["name"], text(b64)]
    msg.fields.insert(0 if p["top"] else rng.randint(0, len(msg.fields)), field)
    return field


# ------------------------------------------------------------- changes
# Each takes (msg, rng, signed names) and returns a description, or None
# when it does not apply to this message.

def _line(rng, lines, pred=lambda ln: True):
    c = [i for i, ln in enumerate(lines) if pred(ln)]
    return rng.choice(c) if c else None


def b_trailing_ws(m, rng, sn):
    i = _line(rng, m.lines)
    if i is None:
        return None
    m.lines[i] += rng.choice([b" ", b"\t", b"  \t"])
    return "WSP added at the end of body line %d" % i


def b_strip_trailing_ws(m, rng, sn):
    new = [ln.rstrip(b" \t") for ln in m.lines]
    if new == m.lines:
        return None
    m.lines = new
    return "WSP removed from the end of body lines"


def b_add_blank(m, rng, sn):
    m.lines += [b""] * rng.randint(1, 3)
    return "blank lines appended"


def b_remove_blank(m, rng, sn):
    if not m.lines or m.lines[-1] != b"":
        return None
    while m.lines and m.lines[-1] == b"":
        m.lines.pop()
    return "blank lines at the end removed"


def b_ws_runs(m, rng, sn):
    i = _line(rng, m.lines, lambda ln: b" " in ln.strip(b" \t"))
    if i is None:
        return None
    ln = m.lines[i]
    k = rng.choice([j for j in range(1, len(ln) - 1) if ln[j:j + 1] == b" "])
    rep = rng.choice([b"\t", b"  ", b" \t ", b"\t\t"])
    m.lines[i] = ln[:k] + rep + ln[k + 1:]
    return "SP -> %r inside body line %d" % (rep, i)


def b_tabs(m, rng, sn):
    if not any(b"\t" in ln for ln in m.lines):
        return None
    m.lines = [ln.replace(b"\t", b" ") for ln in m.lines]
    return "body TABs -> SP"


def b_leading_ws(m, rng, sn):
    i = _line(rng, m.lines, lambda ln: ln != b"")
    if i is None:
        return None
    m.lines[i] = rng.choice([b"\t", b" ", b"   "]) + m.lines[i].lstrip(b" \t")
    return "leading WSP of body line %d changed" % i


def b_append(m, rng, sn):
    m.lines += rng.choice([[b"appended by list"], [b"", b"-- ", b"footer"],
                           [b" "], [b"\t"]])
    return "lines appended to the body"


def b_change(m, rng, sn):
    i = _line(rng, m.lines, lambda ln: ln.strip() != b"")
    if i is None:
        m.lines.insert(0, b"changed")
        return "body line prepended"
    ln = m.lines[i]
    k = rng.randrange(len(ln))
    m.lines[i] = ln[:k] + (b"Y" if ln[k:k + 1] == b"X" else b"X") + ln[k + 1:]
    return "body byte changed on line %d" % i


def b_empty_swap(m, rng, sn):
    if any(ln != b"" for ln in m.lines):
        return None
    new = [b""] * rng.choice([0, 1, 2, 3])
    if new == m.lines:
        return None
    old, m.lines = len(m.lines), new
    return "empty body: %d -> %d CRLF" % (old, len(new))


def b_bare_cr(m, rng, sn):
    # a CR that does not end a line is data to every verifier
    i = _line(rng, m.lines, lambda ln: len(ln) > 1)
    if i is None:
        return None
    ln = m.lines[i]
    if rng.random() < 0.5:
        k = rng.randint(1, len(ln) - 1)
        m.lines[i] = ln[:k] + b"\r" + ln[k:]
        return "bare CR inside body line %d" % i
    m.lines[i] = ln + b"\r"
    return "CR CR LF at the end of body line %d" % i


def b_bare_lf(m, rng, sn):
    # only between two visible characters: in whitespace Mail::DKIM
    # differs (o08)
    i = _line(rng, m.lines, lambda ln: re.search(rb"[^ \t][^ \t]", ln))
    if i is None:
        return None
    ln = m.lines[i]
    k = rng.choice([j for j in range(1, len(ln))
                    if ln[j - 1:j] not in (b" ", b"\t", b"\r")
                    and ln[j:j + 1] not in (b" ", b"\t", b"\r")])
    m.lines[i] = ln[:k] + b"\n" + ln[k:]
    return "bare LF inside body line %d" % i


def signed_at(m, sn):
    return [i for i, (n, v) in enumerate(m.fields)
            if n.lower() in sn and n.lower() != b"dkim-signature"]


def h_refold(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    n, v = m.fields[i]
    if b"\r\n" in v:
        new = re.sub(rb"\r\n([ \t]+)", lambda x: rng.choice([b" ", x.group(1), b"\t"]), v)
        what = "unfolded"
    else:
        sp = [k for k in range(1, len(v)) if v[k:k + 1] in (b" ", b"\t")]
        if not sp:
            return None
        k = rng.choice(sp)
        new = v[:k] + rng.choice([b"\r\n", b"\r\n\t"]) + v[k:]
        what = "folded"
    if new == v:
        return None
    m.fields[i][1] = new
    return "%s %s" % (n.decode("latin1"), what)


def h_ws_change(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    n, v = m.fields[i]
    sp = [k for k in range(len(v)) if v[k:k + 1] == b" "]
    if not sp:
        m.fields[i][1] = v + b" "
        return "SP appended to %s" % n.decode("latin1")
    k = rng.choice(sp)
    rep = rng.choice([b"\t", b"  ", b" \t"])
    m.fields[i][1] = v[:k] + rep + v[k + 1:]
    return "SP -> %r in %s" % (rep, n.decode("latin1"))


def h_trailing_ws(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    m.fields[i][1] += rng.choice([b" ", b"\t", b"  "])
    return "WSP at the end of %s" % m.fields[i][0].decode("latin1")


def h_ws_line(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    m.fields[i][1] += rng.choice([b"\r\n ", b"\r\n\t", b"\r\n  "])
    return "whitespace-only continuation line on %s" % m.fields[i][0].decode("latin1")


def h_name_case(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    n = m.fields[i][0]
    new = rng.choice([n.upper(), n.lower(), n.swapcase()])
    if new == n:
        new = n.swapcase()
    m.fields[i][0] = new
    return "field name %s -> %s" % (n.decode("latin1"), new.decode("latin1"))


def h_after_colon(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    n, v = m.fields[i]
    new = rng.choice([b"", b"  ", b"\t", b" \t", b"\r\n "]) + v.lstrip(b" \t")
    if new == v:
        return None
    m.fields[i][1] = new
    return "WSP after the colon of %s: %r -> %r" % (n.decode("latin1"), v[:2], new[:2])


def h_add_unsigned(m, rng, sn):
    name = rng.choice([b"X-Added", b"X-Spam-Score", b"Received",
                       b"Authentication-Results"])
    if name.lower() in sn:
        return None
    val = rng.choice([b" added by relay", b" r\xc3\xa9sum\xc3\xa9 \xff 8-bit"])
    m.fields.insert(rng.randint(0, len(m.fields)), [name, val])
    return "unsigned %s added" % name.decode()


def h_dup(m, rng, sn):
    c = [i for i in signed_at(m, sn) if m.fields[i][0].lower() != b"from"]
    if not c:
        return None
    i = rng.choice(c)
    n, v = m.fields[i]
    f = [n, rng.choice([v, b" injected value"])]
    j = rng.choice([i, i + 1, 0, len(m.fields)])
    m.fields.insert(j, f)
    return "%s duplicated (%s value) at field %d" % (
        n.decode("latin1"), "same" if f[1] == v else "new", j)


def h_remove(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    n = m.fields.pop(i)[0]
    return "%s removed" % n.decode("latin1")


def h_add_absent(m, rng, sn):
    present = [n.lower() for n, v in m.fields]
    absent = [h for h in sn if h not in present and h != b"from"]
    if not absent:
        return None
    h = rng.choice(absent)
    m.fields.append([h.capitalize(), b" added later"])
    return "%s (in h=, absent at signing) added" % h.decode()


def h_change(m, rng, sn):
    c = signed_at(m, sn)
    if not c:
        return None
    i = rng.choice(c)
    m.fields[i][1] += b"X"
    return "%s value changed" % m.fields[i][0].decode("latin1")


def _sig(m, rng):
    s = m.sig_idx()
    return rng.choice(s) if s else None


def s_b_fws(m, rng, sn):
    i = _sig(m, rng)
    if i is None:
        return None
    v = m.fields[i][1]
    x = re.search(rb"(?:^|;)[ \t\r\n]*b[ \t\r\n]*=[ \t\r\n]*"
                  rb"([A-Za-z0-9+/=](?:[A-Za-z0-9+/= \t\r\n]*[A-Za-z0-9+/=])?)", v)
    if not x:
        return None
    s, e = x.span(1)
    m.fields[i][1] = v[:s] + fws_inside(rng, v[s:e], rng.randint(1, 3)) + v[e:]
    return "FWS added inside the b= value"


def s_refold(m, rng, sn):
    i = _sig(m, rng)
    if i is None:
        return None
    v = m.fields[i][1]
    if rng.random() < 0.5:
        runs = [x for x in re.finditer(rb"(?:\r\n)?[ \t]+", v)
                if x.start() > 0 and x.end() < len(v)
                and v[x.end():x.end() + 1] != b";"]
        if not runs:
            return None
        x = rng.choice(runs)
        rep = rng.choice([b"\r\n\t", b"\r\n ", b" ", b"\t", b"  "])
        if x.group(0) == rep:
            return None
        m.fields[i][1] = v[:x.start()] + rep + v[x.end():]
        return "signature whitespace %r -> %r" % (x.group(0), rep)
    # new FWS after a ';' (not the last byte), or before or after the
    # '=' of a tag
    cands = [x.end() for x in re.finditer(rb";", v) if x.end() < len(v)]
    for x in re.finditer(rb"(?:^|;)[ \t\r\n]*[A-Za-z][A-Za-z0-9_]*[ \t\r\n]*(=)", v):
        cands += [x.start(1), x.end(1)]
    cands = [k for k in cands if k < len(v)]
    if not cands:
        return None
    k = rng.choice(cands)
    rep = rng.choice([b"\r\n\t", b" ", b"\r\n "])
    m.fields[i][1] = v[:k] + rep + v[k:]
    return "signature FWS %r added before %r" % (rep, v[k:k + 4])


def s_name_case(m, rng, sn):
    i = _sig(m, rng)
    if i is None:
        return None
    new = rng.choice([b"dkim-signature", b"DKIM-SIGNATURE", b"Dkim-Signature"])
    if new == m.fields[i][0]:
        return None
    m.fields[i][0] = new
    return "signature field name -> %s" % new.decode()


def s_move(m, rng, sn):
    i = _sig(m, rng)
    if i is None:
        return None
    f = m.fields.pop(i)
    j = rng.randint(0, len(m.fields))
    m.fields.insert(j, f)
    return None if i == j else "signature moved from field %d to %d" % (i, j)


def s_after_colon(m, rng, sn):
    i = _sig(m, rng)
    if i is None:
        return None
    v = m.fields[i][1]
    body = v.lstrip(b" \t\r\n")
    opts = [b"  ", b"\t", b"\r\n "]
    if not body.startswith(b"b"):
        opts.append(b"")      # "DKIM-Signature:b=" is dkimpy's o01b
    new = rng.choice(opts) + body
    if new == v:
        return None
    m.fields[i][1] = new
    return "WSP after the signature's colon %r -> %r" % (v[:3], new[:3])


CHANGES = [
    (b_trailing_ws, 6), (b_strip_trailing_ws, 4), (b_add_blank, 5),
    (b_remove_blank, 3), (b_ws_runs, 6), (b_tabs, 3), (b_leading_ws, 3),
    (b_append, 5), (b_change, 2), (b_empty_swap, 3), (b_bare_cr, 3),
    (b_bare_lf, 2), (h_refold, 6), (h_ws_change, 5), (h_trailing_ws, 3),
    (h_ws_line, 3), (h_name_case, 5), (h_after_colon, 4), (h_add_unsigned, 4),
    (h_dup, 4), (h_remove, 2), (h_add_absent, 3), (h_change, 1),
    (s_b_fws, 5), (s_refold, 6), (s_name_case, 3), (s_move, 3),
    (s_after_colon, 3),
]
# bare CR/LF go in as bytes after the line-wise changes (lines keep CRLF)
RAW_LAST = (b_bare_cr, b_bare_lf)


def build(seed, k, keys):
    """one message: (bytes, recipe dict)"""
    rng = random.Random(seed * 1000003 + k)
    fields = make_fields(rng, k)
    lines, bkind = make_body(rng)
    msg = Msg(fields, lines)
    sigs, sfields = [], []
    for _ in range(2 if rng.random() < 0.08 else 1):
        notes = []
        p = sign_params(rng, msg, notes)
        sfields.append(sign(msg, rng, p, keys))
        sigs.append({"alg": p["alg"], "sel": p["sel"],
                     "c": "%s/%s" % (p["hc"], p["bc"]),
                     "h": b":".join(p["h"]).decode(), "notes": notes})
    signed = []
    for s in sigs:
        signed += [x.lower().encode() for x in s["h"].split(":")]
    r = rng.random()
    want = 0 if r < 0.12 else 1 if r < 0.65 else 2 if r < 0.88 else 3
    total = sum(w for _, w in CHANGES)
    done, raw_changes = [], []
    for _ in range(20):
        if len(done) + len(raw_changes) >= want:
            break
        x = rng.uniform(0, total)
        for fn, w in CHANGES:
            x -= w
            if x <= 0:
                break
        if fn in RAW_LAST:
            raw_changes.append(fn)
            continue
        d = fn(msg, rng, signed)
        if d is not None:
            done.append("%s: %s" % (fn.__name__, d))
    for fn in raw_changes:
        d = fn(msg, rng, signed)
        if d is not None:
            done.append("%s: %s" % (fn.__name__, d))
    # the verifiers report signatures top first; the changes keep each
    # signature's field object (they edit it in place or move it)
    pos = [next(i for i, f in enumerate(msg.fields) if f is sf) for sf in sfields]
    sigs = [dict(sigs[j], signed_nth=j + 1) for j in sorted(range(len(sigs)),
                                                           key=lambda j: pos[j])]
    return msg.bytes(), {"body": bkind, "sigs": sigs, "changes": done}


def write_keys(outdir, recs):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "keys.txt"), "w") as f:
        for sel in sorted(recs):
            f.write("%s._domainkey.example.com\tanswer\t%s\n" % (sel, recs[sel]))
    with open(os.path.join(outdir, "now.txt"), "w") as f:
        f.write("%d\n" % NOW)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--keys":
        write_keys(sys.argv[2], load_keys(sys.argv[3])[1])
        return 0
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    seed, count, outdir, keydir = int(sys.argv[1]), int(sys.argv[2]), \
        sys.argv[3], sys.argv[4]
    keys, recs = load_keys(keydir)
    write_keys(outdir, recs)
    with open(os.path.join(outdir, "manifest.txt"), "w") as man, \
            open(os.path.join(outdir, "recipes.jsonl"), "w") as rec:
        for k in range(count):
            raw, recipe = build(seed, k, keys)
            name = "%04d.eml" % (k + 1)
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(raw)
            man.write("%s\t?\tc%d\n" % (name, k + 1))
            recipe["file"] = name
            rec.write(json.dumps(recipe) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
