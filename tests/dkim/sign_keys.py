"""sign_keys - signing keys and verifier plumbing for the signing tests.

make_keys(dir) writes, mode 0600:
  rsa.pem      RSA 2048, PKCS#1 ("BEGIN RSA PRIVATE KEY")
  rsa8.pem     RSA 2048, PKCS#8 ("BEGIN PRIVATE KEY")
  ed.pem       Ed25519, PKCS#8 PEM
  ed.seed      the Ed25519 key as base64 of its raw 32-byte seed
and returns {name: (path, "v=DKIM1; k=...; p=...")}.

Verifiers, each given the TXT records as {dns-name: text}:
  dkimpy_results(msg, recs)   [(algorithm, selector, passed)]
  dual_pass(msg, recs)        (both rsa-sha256 and ed25519-sha256 pass,
                               dkimpy_results)
  maildkim_results(paths, recs, tmp)  {path: "pass;invalid(...)"}
  opendkim_results(paths, recs, tmp)  {path: [(result, a, s)]}
"""

import base64
import os
import re
import subprocess

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

HERE = os.path.dirname(os.path.abspath(__file__))


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def make_keys(d):
    keys = {}
    for name, fmt in (("rsa", serialization.PrivateFormat.TraditionalOpenSSL),
                      ("rsa8", serialization.PrivateFormat.PKCS8)):
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write(os.path.join(d, name + ".pem"), k.private_bytes(
            serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
        der = k.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        keys[name] = (os.path.join(d, name + ".pem"),
                      "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    k = ed25519.Ed25519PrivateKey.generate()
    _write(os.path.join(d, "ed.pem"), k.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    seed = k.private_bytes(serialization.Encoding.Raw,
                           serialization.PrivateFormat.Raw,
                           serialization.NoEncryption())
    _write(os.path.join(d, "ed.seed"), base64.b64encode(seed) + b"\n")
    raw = k.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw)
    rec = "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()
    keys["ed"] = (os.path.join(d, "ed.pem"), rec)
    keys["edseed"] = (os.path.join(d, "ed.seed"), rec)
    return keys


def sig_tags(msg):
    """sig_tags - [(a, s, d)] of each DKIM-Signature, top first."""
    out = []
    for m in re.finditer(rb"(?mi)^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)", msg):
        v = re.sub(rb"\s+", b"", m.group(1)).decode()
        tags = dict(t.split("=", 1) for t in v.split(";") if "=" in t)
        out.append((tags.get("a"), tags.get("s"), tags.get("d"), tags))
    return out


def dkimpy_results(msg, recs):
    def dnsfunc(name, timeout=5):
        n = name.decode().rstrip(".").lower()
        v = recs.get(n)
        return v.encode() if v is not None else None
    out = []
    for i, (a, s, _d, _t) in enumerate(sig_tags(msg)):
        try:
            ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
        except Exception as e:  # a verifier exception is a failure
            ok = False
            s = "%s (%s)" % (s, e)
        out.append((a, s, bool(ok)))
    return out


def dual_pass(msg, recs):
    """dual_pass - (True when exactly the rsa-sha256 and ed25519-sha256
    signatures are there and both verify with dkimpy, the results)"""
    res = dkimpy_results(msg, recs)
    algs = sorted(a for a, _s, ok in res if ok)
    return algs == ["ed25519-sha256", "rsa-sha256"] and len(res) == 2, res


def maildkim_results(paths, recs, tmp):
    keyfile = os.path.join(tmp, "maildkim-keys.txt")
    with open(keyfile, "w") as f:
        for n, v in recs.items():
            f.write("%s\tanswer\t%s\n" % (n, v))
    p = subprocess.run(["perl", os.path.join(HERE, "verify_maildkim.pl"),
                        keyfile], input="\n".join(paths) + "\n",
                       capture_output=True, text=True, timeout=600)
    res = {}
    for line in p.stdout.splitlines():
        path, _, verdicts = line.partition("\t")
        res[path] = verdicts
    return res, p.stderr


def opendkim_results(paths, recs, tmp):
    """opendkim -t in verify mode; keys through TestDNSData. Returns
    {path: [(result, algorithm, selector)]} read from the A-R it adds."""
    data = os.path.join(tmp, "opendkim-dns")
    with open(data, "w") as f:
        for n, v in recs.items():
            f.write("%s %s\n" % (n, v))
    conf = os.path.join(tmp, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("Mode v\nTestDNSData file:%s\nAlwaysAddARHeader yes\n"
                "Syslog no\nMinimumKeyBits 1024\n" % data)
    res = {}
    for path in paths:
        p = subprocess.run(["opendkim", "-x", conf, "-vv", "-t", path],
                           capture_output=True, text=True, timeout=120,
                           errors="replace")
        found = re.findall(r"dkim=(\w+)[^;]*?header\.a=([\w-]+) header\.s=(\w+)",
                           p.stdout + p.stderr)
        res[path] = found
    return res
