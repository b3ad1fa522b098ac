"""dkim_keys - RSA key pairs for tests that sign mail and publish the key.

Exported:
    rsa_key_pair(bits=2048, exponent_bits=None)
                               -> (PEM private key bytes, PKCS#1 form;
                                   base64 DER SubjectPublicKeyInfo, the p=
                                   value of a DKIM key record); a public
                                   exponent of exponent_bits bits if given
    key_pair_from_file(path)   -> the same pair for a PEM key on disk
    relaxed_signed(raw, domain, pem, selector="s1", length=False)
                               -> raw with a relaxed/relaxed DKIM-Signature
                                  over From, To, Subject and Date before it

Needs python3-cryptography and python3-dkim (Debian's /usr/bin/python3);
imported when called, so a test can report a missing module through
TAP.need first.
"""
import base64


def rsa_key_pair(bits=2048, exponent_bits=None):
    """rsa_key_pair - a fresh RSA key: (PEM private, base64 DER public).
    exponent_bits: a public exponent of that many bits instead of 65537
    (OpenSSL makes only small ones, so the key is built from its primes)"""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    if exponent_bits is not None:
        key = _with_exponent(key, exponent_bits)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def _with_exponent(key, exponent_bits):
    """_with_exponent - key's primes with the smallest odd exponent of
    exponent_bits bits that has an inverse"""
    import math
    from cryptography.hazmat.primitives.asymmetric import rsa
    pn = key.private_numbers()
    p, q = pn.p, pn.q
    phi = (p - 1) * (q - 1)
    e = (1 << (exponent_bits - 1)) + 1
    while math.gcd(e, phi) != 1:
        e += 2
    d = pow(e, -1, phi)
    return rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
        rsa.RSAPublicNumbers(e, p * q)).private_key()


def key_pair_from_file(path):
    """key_pair_from_file - (PEM bytes, base64 DER public) of a key file"""
    from cryptography.hazmat.primitives import serialization
    with open(path, "rb") as f:
        pem = f.read()
    priv = serialization.load_pem_private_key(pem, password=None)
    der = priv.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def _octets(v):
    return v.encode() if isinstance(v, str) else v


def relaxed_signed(raw, domain, pem, selector="s1", length=False):
    """relaxed_signed - raw (CRLF line ends) with a DKIM-Signature by
    domain/selector prepended: dkimpy, relaxed/relaxed, h=from:to:subject:
    date, l= when length; the signature's lines end in CRLF as raw's do"""
    import dkim
    sig = dkim.sign(raw, _octets(selector), _octets(domain), pem,
                    length=length,
                    include_headers=[b"from", b"to", b"subject", b"date"],
                    canonicalize=(b"relaxed", b"relaxed"))
    return sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw
