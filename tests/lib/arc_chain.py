"""arc_chain - build ARC chains with dkimpy (python3-dkim), the independent
implementation the ARC tests compare authmilter with.

Exported:
    Sealer(domain, selector, kind="rsa")   a key pair; .record is the key
        TXT record, .pem / .seed the private key as dkimpy takes it
    seal(raw, sealer, cv, srv_id=None, results=None) -> raw with one more
        ARC set on top; cv is what the hop's own A-R says about the chain
        before it ("none" for the first hop, "pass", "fail"); results the
        rest of that A-R (what the AAR records)
    chain(raw, sealers, edit=None)         seal hop by hop with cv from
        dkimpy's own arc_verify of the message as it arrived at the hop;
        edit(i, raw) -> raw runs before hop i (0-based) seals
    dkimpy_verdict(raw, records)           "pass" / "fail" / "none" as
        dkimpy's arc_verify judges it, keys from records {name: txt}
    dkimpy_reason(raw, records)            its reason text
    split(raw) / join(headers, body)       header list <-> bytes

Needs python3-dkim, python3-authres and python3-cryptography; imported when
used so tests can report them missing through TAP.need.
"""
import base64


class Sealer:
    """Sealer - one ARC sealing identity (d=, s=) and its key"""

    def __init__(self, domain, selector, kind="rsa", bits=1024):
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
        self.domain, self.selector, self.kind = domain, selector, kind
        if kind == "rsa":
            k = rsa.generate_private_key(public_exponent=65537,
                                         key_size=bits)
            self.pem = k.private_bytes(ser.Encoding.PEM,
                                       ser.PrivateFormat.TraditionalOpenSSL,
                                       ser.NoEncryption())
            der = k.public_key().public_bytes(
                ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
            self.record = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
            self.key = self.pem
        else:
            k = ed25519.Ed25519PrivateKey.generate()
            self.pem = k.private_bytes(ser.Encoding.PEM,
                                       ser.PrivateFormat.PKCS8,
                                       ser.NoEncryption())
            seed = k.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw,
                                   ser.NoEncryption())
            self.key = base64.b64encode(seed)
            raw = k.public_key().public_bytes(ser.Encoding.Raw,
                                              ser.PublicFormat.Raw)
            self.record = ("v=DKIM1; k=ed25519; p=" +
                           base64.b64encode(raw).decode())
        self.alg = b"rsa-sha256" if kind == "rsa" else b"ed25519-sha256"

    @property
    def key_name(self):
        return "%s._domainkey.%s" % (self.selector, self.domain)


def split(raw):
    """split - ([(name, value)], body); value keeps its folding, no CRLF"""
    head, _, body = raw.partition(b"\r\n\r\n")
    hdrs = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and hdrs:
            hdrs[-1] = (hdrs[-1][0], hdrs[-1][1] + b"\r\n" + line)
        else:
            n, _, v = line.partition(b":")
            hdrs.append((n, v))
    return hdrs, body


def join(hdrs, body):
    """join - the message bytes again"""
    return b"".join(n + b":" + v + b"\r\n" for n, v in hdrs) + b"\r\n" + body


def seal(raw, sealer, cv, srv_id=None, results=None):
    """seal - one ARC set by sealer on top of raw; the hop's A-R (which
    dkimpy copies into the AAR) says results (default an SPF pass for
    example.org) and arc=cv"""
    import dkim
    srv = (srv_id or "hop." + sealer.domain).encode()
    ar = b"Authentication-Results: " + srv + b"; " + (
        results or b"spf=pass smtp.mailfrom=example.org")
    if cv != "none":
        ar += b"; arc=" + cv.encode()
    msg = ar + b"\r\n" + raw
    a = dkim.ARC(msg, signature_algorithm=sealer.alg)
    fields = a.sign(sealer.selector.encode(), sealer.domain.encode(),
                    sealer.key, srv,
                    include_headers=[b"from", b"to", b"subject", b"date",
                                     b"message-id"],
                    timestamp=None)
    if not fields:
        raise RuntimeError("dkimpy made no ARC set")
    return b"".join(f if f.endswith(b"\r\n") else f + b"\r\n"
                    for f in fields) + raw


def seal_with_l(raw, sealer, cv, srv_id=None, results=None):
    """seal_with_l - seal(), its AMS with l= the whole canonical body
    (dkimpy's ARC signer has no l= option: the tag is put in as the AMS
    is made, so the body hash is the same); body appended afterwards
    stays outside what the AMS signed while it still verifies"""
    import dkim
    orig = dkim.ARC.gen_header

    def gen_header(self, fields, include_headers, canon_policy, name, pk,
                   standardize=False):
        if name == b"ARC-Message-Signature":
            n = len(canon_policy.canonicalize_body(self.body))
            at = [k for k, _v in fields].index(b"bh")
            fields = fields[:at] + [(b"l", str(n).encode())] + fields[at:]
        return orig(self, fields, include_headers, canon_policy, name, pk,
                    standardize)
    dkim.ARC.gen_header = gen_header
    try:
        return seal(raw, sealer, cv, srv_id, results)
    finally:
        dkim.ARC.gen_header = orig


def dkimpy_verdict(raw, records):
    """dkimpy_verdict - dkimpy's arc_verify in our result words"""
    import dkim

    def dnsfunc(name, timeout=5):
        n = name.decode() if isinstance(name, bytes) else name
        rec = records.get(n.rstrip("."))
        return rec.encode() if rec is not None else None
    cv, _res, _why = dkim.arc_verify(raw, dnsfunc=dnsfunc)
    if cv == dkim.CV_Pass:
        return "pass"
    if cv == dkim.CV_None:
        return "none"
    return "fail"


def dkimpy_reason(raw, records):
    """dkimpy_reason - dkimpy's arc_verify reason text"""
    import dkim

    def dnsfunc(name, timeout=5):
        n = name.decode() if isinstance(name, bytes) else name
        rec = records.get(n.rstrip("."))
        return rec.encode() if rec is not None else None
    return str(dkim.arc_verify(raw, dnsfunc=dnsfunc)[2])


def chain(raw, sealers, records, edit=None):
    """chain - seal hop by hop; each hop's cv is dkimpy's verdict on the
    message as it arrived there, then edit (a list's Subject tag or
    footer) may change it before the hop seals"""
    for i, s in enumerate(sealers):
        cv = dkimpy_verdict(raw, records) if i > 0 else "none"
        if edit is not None:
            raw = edit(i, raw)
        raw = seal(raw, s, cv)
    return raw
