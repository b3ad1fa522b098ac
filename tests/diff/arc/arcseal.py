"""arcseal - an ARC (RFC 8617) set builder independent of authmilter's C
code, for the ARC differential suite: RFC 6376 canonicalization and a
sealer whose tags, spacing and folding can each be chosen, so that a set
can be odd in form yet carry signatures that verify by the RFC's own
hashing rules. Also dkimpy as a second sealer.

Keys are the fixed test keys in keys/ (RSA cannot be seeded) and one
ed25519 key made from a fixed seed, so every message is reproducible.
Needs python3-cryptography; dkimpy_seal needs python3-dkim.
"""
import base64
import hashlib
import os
import re

from cryptography.hazmat.primitives import hashes, serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from arc_chain import join, split  # message bytes <-> fields (tests/lib)

KEYDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keys")
ARC_NAMES = (b"arc-authentication-results", b"arc-message-signature",
             b"arc-seal")
HEADERS = (b"from", b"to", b"subject", b"date", b"message-id")


# ------------------------------------------------------- canonicalization
def canon_hdr(name, value, how, crlf=True):
    """RFC 6376 3.4.1 (simple) and 3.4.2 (relaxed)"""
    end = b"\r\n" if crlf else b""
    if how == "simple":
        return name + b":" + value + end
    v = re.sub(rb"\r\n(?=[ \t])", b"", value)
    v = re.sub(rb"[ \t]+", b" ", v).strip(b" ")
    return name.strip(b" \t").lower() + b":" + v + end


def canon_body(body, how):
    """RFC 6376 3.4.3 (simple) and 3.4.4 (relaxed)"""
    if how == "relaxed":
        body = b"\r\n".join(re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ")
                            for ln in body.split(b"\r\n"))
        body = re.sub(rb"(\r\n)*$", b"", body)
        return body + b"\r\n" if body else b""
    return re.sub(rb"(\r\n)*$", b"", body) + b"\r\n"


# ------------------------------------------------------------------- keys
class Key:
    """a signing key of domain/selector; record is its DNS TXT value"""

    def __init__(self, domain, selector, pem_name=None, ed_seed=None):
        self.domain, self.selector = domain, selector
        if ed_seed is not None:
            self.k = ed25519.Ed25519PrivateKey.from_private_bytes(
                hashlib.sha256(ed_seed).digest())
            raw = self.k.public_key().public_bytes(ser.Encoding.Raw,
                                                   ser.PublicFormat.Raw)
            self.kind, self.alg, self.pem = "ed25519", "ed25519-sha256", None
            self.p = base64.b64encode(raw).decode()
        else:
            with open(os.path.join(KEYDIR, pem_name + ".pem"), "rb") as f:
                self.pem = f.read()
            self.k = ser.load_pem_private_key(self.pem, password=None)
            der = self.k.public_key().public_bytes(
                ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
            self.kind, self.alg = "rsa", "rsa-sha256"
            self.p = base64.b64encode(der).decode()
        self.record = "v=DKIM1; k=%s; p=%s" % (self.kind, self.p)

    @property
    def name(self):
        return "%s._domainkey.%s" % (self.selector, self.domain)

    def sign(self, data):
        if self.kind == "rsa":
            return self.k.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.k.sign(hashlib.sha256(data).digest())   # RFC 8463


# ------------------------------------------------------------- formatting
class Fmt:
    """how one ARC field is written: separators, folding, tag-name case;
    strip "rfc" hashes b= with the white space around its value deleted
    (RFC 6376 3.7), "plain" keeps it (what some signers do)"""

    def __init__(self, sep=b"; ", eq=b"=", lead=b" ", fold_every=0,
                 trailing=b"", b_fold=0, upper=(), strip="rfc",
                 fold=b"\r\n\t"):
        self.sep, self.eq, self.lead, self.fold = sep, eq, lead, fold
        self.fold_every, self.trailing, self.b_fold = fold_every, trailing, b_fold
        self.upper, self.strip = set(upper), strip


def render(tags, fmt, bval):
    """tags [(name, value)], ("b", None) where b= goes -> field value"""
    parts = []
    for name, val in tags:
        if name == "b" and val is None:
            val = bval
            if fmt.b_fold and val:
                val = b"\r\n\t".join(val[i:i + fmt.b_fold]
                                     for i in range(0, len(val), fmt.b_fold))
        n = name.upper() if name in fmt.upper else name
        parts.append(n.encode() + fmt.eq + val)
    out = b""
    for k, p in enumerate(parts):
        if k:
            fold = fmt.fold_every and k % fmt.fold_every == 0
            out += fmt.sep.rstrip(b" ") + fmt.fold if fold else fmt.sep
        out += p
    return fmt.lead + out + fmt.trailing


def hashed_form(tags, fmt):
    """the field value as signed: b= empty"""
    v = render(tags, fmt, b"")
    if fmt.strip == "rfc":
        v = re.sub(rb"(^|[;\s])(b[ \t]*(?:\r\n[ \t]+)?[ \t]*=)"
                   rb"(?:[ \t]|\r\n[ \t])*(?=;|$)",
                   lambda m: m.group(1) + m.group(2), v)
    return v


# -------------------------------------------------------------- selection
def select_bottom_up(hdrs, names):
    """RFC 6376 5.4.2: for each h= name the last instance not yet used"""
    used, out = set(), []
    for nm in names:
        for idx in range(len(hdrs) - 1, -1, -1):
            if idx not in used and \
                    hdrs[idx][0].strip().lower() == nm.strip().lower():
                used.add(idx)
                out.append(hdrs[idx])
                break
    return out


def inst_of(value):
    """the i= of an ARC field (first tag, a comment allowed before it),
    leniently (+1 and 1.0 are 1), so odd forms can still be sealed"""
    num = rb"\s*=\s*\+?(\d+)(?:\.\d+)?"
    m = re.match(rb"\s*(?:\([^)]*\)\s*)?[iI]" + num, value)
    if not m:
        m = re.search(rb"(?:^|;)\s*i" + num, value)
    return int(m.group(1)) if m else None


def arc_fields(hdrs):
    """{instance: {lowercase name: [(name, value)...]}}"""
    out = {}
    for n, v in hdrs:
        nl = n.strip().lower()
        if nl in ARC_NAMES:
            out.setdefault(inst_of(v), {}).setdefault(nl, []).append((n, v))
    return out


# ------------------------------------------------------------------ sealer
def seal(raw, key, cv, t, inst=None, ams_key=None, h=HEADERS, aar=None,
         ams_fmt=None, as_fmt=None, ams_extra=(), as_extra=(),
         canon="relaxed/relaxed", c_tag=True, own_scope=False, omit=(),
         cv_text=None, i_text=None, ams_l=None, ams_x=None, as_d=None,
         ams_d=None, ams_drop=(), as_drop=(), i_pos=None, ams_alg=None,
         as_alg=None):
    """raw with one ARC set on top (AS, AMS, AAR), signed here.
    inst: instance (default: highest present + 1); aar: the whole AAR
    value; own_scope: the seal covers only its own set (cv=fail, RFC 8617
    5.1.2); omit: "aar"/"ams"/"as" fields left out; i_pos: {"as"|"ams":
    position} moves i= from the front of that field's tag list;
    ams_alg/as_alg: the a= text written (the key signs as it does)."""
    hdrs, body = split(raw)
    if inst is None:
        inst = max([i for i in arc_fields(hdrs) if i is not None] or [0]) + 1
    ams_key = ams_key or key
    itxt = (i_text if i_text is not None else str(inst)).encode()
    ams_fmt, as_fmt = ams_fmt or Fmt(), as_fmt or Fmt()
    i_pos = i_pos or {}

    def place_i(tags, where):
        if where not in i_pos:
            return tags
        rest = tags[1:]
        p = i_pos[where]
        return rest[:p] + tags[:1] + rest[p:]

    new = list(hdrs)
    if aar is None:
        aar = b" i=" + itxt + b"; mx." + key.domain.encode() + \
            b"; spf=pass smtp.mailfrom=example.org"
    if "aar" not in omit:
        new.insert(0, (b"ARC-Authentication-Results", aar))

    hc, bc = canon.split("/")
    cb = canon_body(body, bc)
    if ams_l is not None:
        cb = cb[:ams_l]
    tags = [("i", itxt), ("a", (ams_alg or ams_key.alg).encode())]
    if c_tag:
        tags.append(("c", canon.encode()))
    tags += [("d", (ams_d or ams_key.domain).encode()),
             ("s", ams_key.selector.encode()), ("t", str(t).encode())]
    if ams_x is not None:
        tags.append(("x", str(ams_x).encode()))
    if ams_l is not None:
        tags.append(("l", str(ams_l).encode()))
    tags += [("h", b":".join(h))] + list(ams_extra)
    tags += [("bh", base64.b64encode(hashlib.sha256(cb).digest())),
             ("b", None)]
    tags = [x for x in place_i(tags, "ams") if x[0] not in ams_drop]
    data = b"".join(canon_hdr(n, v, hc) for n, v in select_bottom_up(new, h))
    data += canon_hdr(b"ARC-Message-Signature", hashed_form(tags, ams_fmt),
                      hc, False)
    ams = render(tags, ams_fmt, base64.b64encode(ams_key.sign(data)))
    if "ams" not in omit:
        new.insert(0, (b"ARC-Message-Signature", ams))

    tags = [("i", itxt),
            ("cv", (cv_text if cv_text is not None else cv).encode()),
            ("a", (as_alg or key.alg).encode()),
            ("d", (as_d or key.domain).encode()),
            ("s", key.selector.encode()), ("t", str(t).encode())]
    tags += list(as_extra) + [("b", None)]
    tags = [x for x in place_i(tags, "as") if x[0] not in as_drop]
    # RFC 8617 5.1.1: the sets in instance order, AAR AMS AS each, the
    # set being sealed without its AS
    cur = arc_fields(new)
    scope = [inst] if own_scope else \
        sorted(i for i in cur if i is not None and i <= inst)
    data = b""
    for j in scope:
        kinds = ARC_NAMES[:2] if j == inst else ARC_NAMES
        for kind in kinds:
            for n, v in cur.get(j, {}).get(kind, [])[:1]:
                data += canon_hdr(n, v, "relaxed")
    data += canon_hdr(b"ARC-Seal", hashed_form(tags, as_fmt), "relaxed",
                      False)
    seal_v = render(tags, as_fmt, base64.b64encode(key.sign(data)))
    if "as" not in omit:
        new.insert(0, (b"ARC-Seal", seal_v))
    return join(new, body)


# ----------------------------------------------------------------- dkimpy
def dkimpy_seal(raw, key, cv, t):
    """one set sealed by dkimpy (rsa only); dkimpy takes cv from the
    arc= of an Authentication-Results of its own authserv-id"""
    import dkim
    srv = ("mx." + key.domain).encode()
    ar = b"Authentication-Results: " + srv + \
        b"; spf=pass smtp.mailfrom=example.org"
    if cv != "none":
        ar += b"; arc=" + cv.encode()
    a = dkim.ARC(ar + b"\r\n" + raw, signature_algorithm=b"rsa-sha256")
    fields = a.sign(key.selector.encode(), key.domain.encode(), key.pem,
                    srv, include_headers=list(HEADERS), timestamp=str(t))
    if not fields:
        raise RuntimeError("dkimpy made no ARC set")
    return b"".join(f if f.endswith(b"\r\n") else f + b"\r\n"
                    for f in fields) + raw
