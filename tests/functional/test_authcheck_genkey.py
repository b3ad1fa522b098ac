#!/usr/bin/python3
"""test_authcheck_genkey - authcheck genkey makes usable DKIM keys

For RSA (2048, 3072) and Ed25519: the key file is mode 0600 and PEM of
the right kind, the printed TXT record parses (dkimpy's tag parser) and
its zone line is split into strings of at most 255 bytes that join back
to the record; a message signed by dkimpy with the generated key
verifies with dkimpy against the printed record, and with authcheck
message (the daemon's verifier) against the record served by a loopback
DNS server. Bad requests (1024-bit RSA, a size past 2^32, an existing
--out file, missing options) exit 2 and write nothing.
"""
import base64
import json
import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import authcheck_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim
    import dkim.util
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

MSG = (b"From: Alice <alice@gen.test>\r\nTo: bob@example.net\r\n"
       b"Subject: generated key\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <gen@gen.test>\r\n\r\nSigned with a fresh key.\r\n")


def genkey(tmp, ktype, sel, bits=None):
    out = os.path.join(tmp, sel + ".pem")
    args = ["genkey", "--type", ktype, "--domain", "gen.test", "--selector",
            sel, "--out", out, "--json"]
    if bits:
        args += ["--bits", str(bits)]
    old = os.umask(0o022)   # a usual umask must not widen the key's mode
    try:
        rc, outp, err = authcheck_env.run_plain(args)
    finally:
        os.umask(old)
    try:
        doc = json.loads(outp)
    except ValueError:
        doc = {}
    return rc, doc, out, err


def sign(pem, ktype, sel):
    if ktype == "rsa":
        return dkim.sign(MSG, sel.encode(), b"gen.test", pem,
                         include_headers=[b"from", b"to", b"subject"]) + MSG
    k = serialization.load_pem_private_key(pem, password=None)
    seed = k.private_bytes(serialization.Encoding.Raw,
                           serialization.PrivateFormat.Raw,
                           serialization.NoEncryption())
    return dkim.sign(MSG, sel.encode(), b"gen.test", base64.b64encode(seed),
                     signature_algorithm=b"ed25519-sha256",
                     include_headers=[b"from", b"to", b"subject"]) + MSG


def check_key(t, tmp, ktype, sel, bits, made):
    rc, doc, path, err = genkey(tmp, ktype, sel, bits)
    t.is_eq(rc, 0, "%s %s: exit 0" % (ktype, sel))
    if rc != 0:
        t.diag(err)
        return
    mode = stat.S_IMODE(os.stat(path).st_mode)
    t.is_eq(oct(mode), oct(0o600), "%s %s: key file mode 0600" % (ktype, sel))
    with open(path, "rb") as f:
        pem = f.read()
    head = b"-----BEGIN RSA PRIVATE KEY-----" if ktype == "rsa" else \
        b"-----BEGIN PRIVATE KEY-----"
    k = serialization.load_pem_private_key(pem, password=None)
    want = rsa.RSAPrivateKey if ktype == "rsa" else ed25519.Ed25519PrivateKey
    t.ok(pem.startswith(head) and isinstance(k, want) and
         (ktype != "rsa" or k.key_size == bits),
         "%s %s: PEM of the right kind and size" % (ktype, sel))
    dns = doc.get("dns", {})
    rec = dns.get("record", "")
    tags = dkim.util.parse_tag_value(rec.encode())
    pub = k.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo) if ktype == "rsa" \
        else k.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)
    t.ok(tags.get(b"v") == b"DKIM1" and tags.get(b"k") == ktype.encode() and
         base64.b64decode(tags.get(b"p", b"")) == pub and
         dns.get("name") == sel + "._domainkey.gen.test",
         "%s %s: TXT record parses and holds the public key" % (ktype, sel),
         diag=rec)
    zl = dns.get("zone_line", "")
    strings = re.findall(r'"([^"]*)"', zl)
    t.ok(zl.startswith(sel + "._domainkey.gen.test. IN TXT (") and
         strings and all(len(s) <= 255 for s in strings) and
         "".join(strings) == rec and (len(rec) <= 255 or len(strings) > 1),
         "%s %s: zone line in strings of <= 255 bytes (%d)" %
         (ktype, sel, len(strings)), diag=zl)
    signed = sign(pem, ktype, sel)
    ok = dkim.verify(signed, dnsfunc=lambda name, timeout=5:
                     rec.encode() if name == (sel + "._domainkey.gen.test.")
                     .encode() or name == (sel + "._domainkey.gen.test")
                     .encode() else None)
    t.ok(ok, "%s %s: dkimpy signature verifies against the printed record" %
         (ktype, sel))
    made.append((sel, rec, signed))


def main():
    t = TAP()
    if not t.need(check=lambda: authcheck_env.missing() or HAVE_LIBS,
                  what="authcheck genkey tests"):
        t.done()
    tmp = tmpdir.make("authcheck-genkey-")
    made = []
    check_key(t, tmp, "rsa", "r2048", 2048, made)
    check_key(t, tmp, "rsa", "r3072", 3072, made)
    check_key(t, tmp, "ed25519", "ed", None, made)

    # the daemon's verifier (through authcheck message) agrees
    zone = {"gen.test": [{"TXT": "v=spf1 -all"}]}
    for sel, rec, _ in made:
        zone[sel + "._domainkey.gen.test"] = [{"TXT": rec}]
    try:
        env = authcheck_env.AuthcheckEnv(zone).__enter__()
    except Exception as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    try:
        for sel, rec, signed in made:
            path = env.path(sel + ".eml")
            with open(path, "wb") as f:
                f.write(signed)
            rc, out, doc = env.run(["message", path])
            d = ((doc or {}).get("dkim") or [{}])[0]
            t.ok(d.get("result") == "pass" and d.get("selector") == sel,
                 "%s: authcheck message verifies the signature" % sel,
                 diag=out)
    finally:
        env.__exit__(None, None, None)

    # the default file is SELECTOR.private where genkey runs; the note
    # names it absolutely, as the daemon reads a relative KeyFile from
    # its config file's directory
    rc, outp, err = authcheck_env.run_plain(
        ["genkey", "--type", "ed25519", "--domain", "gen.test",
         "--selector", "here", "--json"], cwd=tmp)
    try:
        note = json.loads(outp).get("dns", {}).get("note", "")
    except ValueError:
        note = ""
    want = os.path.join(os.path.realpath(tmp), "here.private")
    t.ok(rc == 0 and os.path.exists(want) and
         ("KeyFile %s " % want) in note,
         "default key file in the working directory, named absolutely "
         "in the note", diag=note or err)
    t.ok(("'authcheck domain gen.test --selector here --key %s'" % want)
         in note, "the note names the command that checks the published "
         "record against the key", diag=note or err)

    # a U-label domain: the DNS name to publish is its A-label form
    rc, outp, err = authcheck_env.run_plain(
        ["genkey", "--type", "ed25519", "--domain", "B\u00fccher.test",
         "--selector", "idn", "--out", os.path.join(tmp, "idn.pem"),
         "--json"])
    try:
        dns = json.loads(outp).get("dns", {})
    except ValueError:
        dns = {}
    t.ok(rc == 0 and dns.get("name") == "idn._domainkey.xn--bcher-kva.test"
         and dns.get("zone_line", "").startswith(
             "idn._domainkey.xn--bcher-kva.test. IN TXT"),
         "U-label --domain: key name and zone line in A-labels",
         diag=outp or err)

    # refusals write nothing
    rc, _, path, _ = genkey(tmp, "rsa", "small", 1024)
    t.ok(rc == 2 and not os.path.exists(path), "1024-bit RSA refused")
    # a size past 2^32 is refused, not taken modulo 2^32 (here 2048)
    rc, _, path, _ = genkey(tmp, "rsa", "wrap", 2 ** 32 + 2048)
    t.ok(rc == 2 and not os.path.exists(path), "--bits 2^32+2048 refused")
    existing = os.path.join(tmp, "r2048.pem")
    before = open(existing, "rb").read()
    rc, _, err = authcheck_env.run_plain(
        ["genkey", "--type", "rsa", "--domain", "gen.test", "--selector",
         "x", "--out", existing])
    t.ok(rc == 2 and open(existing, "rb").read() == before,
         "existing --out file not overwritten", diag=err)
    for args in (["genkey", "--type", "rsa", "--domain", "gen.test"],
                 ["genkey", "--type", "dsa", "--domain", "d.test",
                  "--selector", "s"],
                 ["genkey", "--type", "rsa", "--domain", "bad..name",
                  "--selector", "s"]):
        rc, _, _ = authcheck_env.run_plain(args, cwd=tmp)
        t.is_eq(rc, 2, "usage error exit 2: %s" % " ".join(args[1:]))
    tmpdir.remove(tmp)
    t.done()


main()
