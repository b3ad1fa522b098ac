#!/usr/bin/python3
"""test_authcheck_message - authcheck message explains every check

Messages signed by dkimpy with the keys in tests/dkim/keys, records on a
loopback DNS server (tests/lib/dns_server.py). For a pass and for each
kind of failure (body hash mismatch, changed header, revoked key, missing
key, small key, unaligned d=, SPF fail, DMARC policy applied, DNS
timeout) the Authentication-Results value, the reason and the plain
explanation are checked, and the exit code; then the 8-body-hash cap
with signatures that verify (which get dkim=policy, which still pass).
The A-R value is compared
with what the daemon itself adds over the milter protocol for the same
message, envelope and DNS, also for an ARC-sealed message over
MaxHeaders (both fail the chain they cannot see whole).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import authcheck_env  # noqa: E402
import dkim_keys  # noqa: E402
import daemon  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim  # noqa: F401
    import cryptography  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e
try:
    import authres  # noqa: F401
    ARC_LIBS = HAVE_LIBS
except ImportError as e:
    ARC_LIBS = "python3-authres (%s)" % e

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "dkim", "keys")
GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
AUTHSERV = "mx.test.example"


def key(name):
    """key - (PEM bytes, base64 SubjectPublicKeyInfo) of a test key"""
    return dkim_keys.key_pair_from_file(os.path.join(KEYS, name))


def make_zone(pub2048, pub512):
    spf = "v=spf1 ip4:192.0.2.0/24 -all"
    return {
        "good.test": [{"TXT": spf}, {"A": "192.0.2.10"}],
        "_dmarc.good.test": [{"TXT": "v=DMARC1; p=reject"}],
        "s1._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" + pub2048}],
        "gone._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p="}],
        "tiny._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" + pub512}],
        "other.test": [{"TXT": spf}],
        "s1._domainkey.other.test": [{"TXT": "v=DKIM1; k=rsa; p=" + pub2048}],
        "s1._domainkey.mail.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" +
                                          pub2048}],
        "quar.test": [{"TXT": spf}],
        "_dmarc.quar.test": [{"TXT": "v=DMARC1; p=quarantine"}],
        "slow.test": [{"TXT": spf}],
        "s1._domainkey.slow.test": ["TIMEOUT"],
        "_dmarc.slow.test": [{"TXT": "v=DMARC1; p=none"}],
        "incl.test": [{"TXT": "v=spf1 include:good.test ~all"}],
    }


def message(from_dom, subject="hello", body=b"Hello Bob,\r\nthis is a test.\r\n"):
    return (b"From: Alice <alice@" + from_dom.encode() + b">\r\n"
            b"To: bob@example.net\r\nSubject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n" + body)


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def lf(raw):
    """lf - the message as a file on disk usually is"""
    return raw.replace(b"\r\n", b"\n")


def check(env, name, raw, ip=GOOD_IP, mail_from="alice@good.test",
          disk_lf=True):
    path = env.path(name + ".eml")
    with open(path, "wb") as f:
        f.write(lf(raw) if disk_lf else raw)
    args = ["message", path, "--authserv-id", AUTHSERV, "--helo",
            "client.good.test", "--mail-from", mail_from]
    if ip:
        args += ["--ip", ip]
    rc, out, doc = env.run(args)
    return rc, doc or {}, out


def dkim0(doc):
    return (doc.get("dkim") or [{}])[0]


def dmarc0(doc):
    return (doc.get("dmarc") or [{}])[0]


def run_cases(t, env, pem, pem512):
    good = sign(message("good.test", "pass"), "good.test", pem)

    # 1. everything passes; human output and JSON; files with CRLF too
    rc, doc, out = check(env, "pass", good)
    ar = doc.get("authentication_results", "")
    t.is_eq(rc, 0, "pass: exit 0")
    t.ok("spf=pass" in ar and "dkim=pass" in ar and "dmarc=pass" in ar and
         ar.startswith("Authentication-Results: " + AUTHSERV + ";"),
         "pass: A-R has spf, dkim and dmarc pass", diag=ar)
    d = dkim0(doc)
    t.ok(d.get("key_name") == "s1._domainkey.good.test" and
         d.get("key_record", "").startswith("v=DKIM1; k=rsa; p=MII") and
         d.get("key_bits") == 2048 and
         d.get("canonicalization") == "relaxed/relaxed" and
         d.get("body_hash") == d.get("body_hash_computed") != "",
         "pass: key record, size, c= and body hash shown", diag=repr(d))
    t.ok("verified with the key at s1._domainkey.good.test" in
         d.get("why", ""), "pass: DKIM explanation", diag=d.get("why"))
    s = doc.get("spf", {})
    t.ok(s.get("result") == "pass" and s.get("records") ==
         ["v=spf1 ip4:192.0.2.0/24 -all"] and "authorised" in s.get("why", ""),
         "pass: SPF record and explanation", diag=repr(s))
    m = dmarc0(doc)
    t.ok(m.get("result") == "pass" and m.get("records") ==
         ["v=DMARC1; p=reject"] and m.get("spf_aligned") and
         m.get("dkim_aligned"), "pass: DMARC record and alignment",
         diag=repr(m))
    t.is_eq(s.get("matched_term"), "ip4:192.0.2.0/24",
            "pass: the SPF term that matched")
    t.is_eq(doc.get("verdict", {}).get("action"), "accept", "pass: accept")
    rc2, doc2, _ = check(env, "pass-crlf", good, disk_lf=False)
    t.is_eq(dkim0(doc2).get("result"), "pass", "pass: CRLF file as well")
    rc3, _, text = check(env, "pass-text", good)
    path = env.path("pass-text.eml")
    rc3, text, _ = authcheck_env.run_plain(
        ["message", path, "--ip", GOOD_IP, "--mail-from", "a@good.test",
         "--nameserver", env.nameserver, "--authserv-id", AUTHSERV])
    t.ok(rc3 == 0 and "Authentication-Results: " + AUTHSERV in text and
         "why:" in text and "0 warnings, 0 failed checks" in text,
         "pass: human output", diag=text)

    # 2. body changed after signing
    raw = good.replace(b"this is a test.", b"this is a test!")
    rc, doc, _ = check(env, "body", raw)
    d = dkim0(doc)
    t.ok(rc == 1 and d.get("result") == "fail" and
         d.get("reason") == "body hash mismatch" and
         "body changed after signing" in d.get("why", "") and
         d.get("body_hash") != d.get("body_hash_computed") and
         d.get("body_hash_computed", "") in d.get("why", ""),
         "body hash mismatch explained with both hashes", diag=repr(d))

    # 3. signed header changed
    raw = good.replace(b"Subject: pass", b"Subject: PASS now")
    rc, doc, _ = check(env, "header", raw)
    d = dkim0(doc)
    t.ok(rc == 1 and d.get("result") == "fail" and
         d.get("reason") == "signature did not verify" and
         "signed header field" in d.get("why", "") and
         d.get("body_hash") == d.get("body_hash_computed"),
         "changed header explained (body intact)", diag=repr(d))

    # 4. revoked key, 5. missing key, 6. key too small
    for sel, reason, words, kpem in (
            (b"gone", "key revoked", "revoked this key", pem),
            (b"none", "no key", "no key record at none._domainkey", pem),
            (b"tiny", "key too small", "key too small", pem512)):
        raw = sign(message("good.test", sel.decode()), "good.test", kpem, sel)
        rc, doc, _ = check(env, sel.decode(), raw)
        d = dkim0(doc)
        t.ok(rc == 1 and d.get("reason") == reason and
             words in d.get("why", "") and
             d.get("key_name") == sel.decode() + "._domainkey.good.test",
             "%s explained" % reason, diag=repr(d))
    t.ok(dkim0(doc).get("result") == "policy" and
         dkim0(doc).get("key_bits") == 512, "small key: policy, 512 bits",
         diag=repr(dkim0(doc)))

    # 7. DKIM passes for another domain, SPF fails: DMARC fails, p=reject
    raw = sign(message("good.test", "third"), "other.test", pem)
    rc, doc, _ = check(env, "unaligned", raw, ip=BAD_IP)
    m = dmarc0(doc)
    ids = " | ".join(m.get("identifiers", []))
    t.ok(rc == 1 and dkim0(doc).get("result") == "pass" and
         m.get("result") == "fail" and "unaligned d=" in ids and
         "d=other.test" in ids, "unaligned d= explained", diag=repr(m))
    t.ok(m.get("policy") == "reject" and m.get("disposition") == "reject" and
         "asks the receiver to reject" in m.get("why", "") and
         doc.get("verdict", {}).get("action") == "reject" and
         doc["verdict"].get("smtp_reply", "").startswith("550 5.7.1"),
         "DMARC p=reject applied: verdict reject 550", diag=repr(doc))
    s = doc.get("spf", {})
    t.ok(s.get("result") == "fail" and BAD_IP in s.get("why", "") and
         "not authorised" in s.get("why", "") and
         s.get("matched_term") == "-all" and '"-all"' in s.get("why", ""),
         "SPF fail explained, -all matched", diag=repr(s))
    for ip, res, term in ((GOOD_IP, "pass", "include:good.test"),
                          (BAD_IP, "softfail", "~all")):
        rc, doc, _ = check(env, "incl", message("incl.test", "i"), ip=ip,
                           mail_from="a@incl.test")
        s = doc.get("spf", {})
        t.ok(s.get("result") == res and s.get("matched_term") == term,
             "SPF %s by %s" % (res, term), diag=repr(s))

    # 7b. a subdomain's signature aligns in relaxed mode
    raw = sign(message("good.test", "sub"), "mail.good.test", pem)
    rc, doc, _ = check(env, "relaxed", raw, ip=BAD_IP)
    m = dmarc0(doc)
    ids = " | ".join(m.get("identifiers", []))
    t.ok(m.get("result") == "pass" and m.get("dkim_aligned") and
         "d=mail.good.test: aligned with the From domain (adkim=r" in ids and
         m.get("org_domain") == "good.test",
         "relaxed alignment of d=mail.good.test explained", diag=repr(m))

    # 7c. the settings of a config file are used; a bad one is exit 2
    conf = env.path("site.conf")
    with open(conf, "w") as f:
        f.write("AuthservID cfg.test.example\nDMARCMonitorOnly yes\n"
                "InternalHosts 10.1.0.0/16\n")
    path = env.path("unaligned.eml")
    rc, _, doc = env.run(["message", path, "--config", conf, "--ip", BAD_IP,
                          "--mail-from", "a@good.test"])
    doc = doc or {}
    v = doc.get("verdict", {})
    t.ok(doc.get("authentication_results", "").startswith(
         "Authentication-Results: cfg.test.example;") and
         v.get("action") == "accept" and v.get("policy_asked") == "reject",
         "--config: its AuthservID and DMARCMonitorOnly", diag=repr(v))
    rc, _, doc = env.run(["message", path, "--config", conf, "--ip",
                          "10.1.2.3"])
    t.ok("exempt" in (doc or {}) and (doc or {}).get("verdict", {}).get(
         "action") == "accept", "--config: InternalHosts client is exempt",
         diag=repr(doc))
    with open(conf, "w") as f:
        f.write("InternalHosts 10.0.0.0/8\nPeerHosts 10.8.0.0/16\n")
    rc, _, doc = env.run(["message", path, "--config", conf, "--ip",
                          "10.8.2.3", "--mail-from", "a@good.test"])
    doc = doc or {}
    t.ok(doc.get("exempt", "").startswith("peer: ") and
         "authentication_results" not in doc and "dmarc" not in doc and
         doc.get("verdict", {}).get("stage") == "MAIL FROM" and
         doc.get("verdict", {}).get("why") == "peer",
         "--config: a PeerHosts client (also internal) is passed through "
         "at MAIL FROM, nothing added", diag=repr(doc))
    # Mode without "v": the daemon verifies nothing, and authcheck says
    # so instead of "no DKIM-Signature field" and a DMARC permerror
    with open(conf, "w") as f:
        f.write("Mode s\n")
    rc, _, doc = env.run(["message", env.path("pass.eml"), "--config",
                          conf, "--ip", GOOD_IP, "--mail-from",
                          "a@good.test"])
    doc = doc or {}
    t.ok(rc == 0 and "Mode" in doc.get("exempt", "") and
         "dkim" not in doc and "dmarc" not in doc and
         doc.get("verdict", {}).get("action") == "accept",
         "--config: Mode s is explained as not verifying, exit 0",
         diag="rc %r %r" % (rc, doc))
    with open(conf, "w") as f:
        f.write("AuthservID cfg.test.example\nDMARCRejectAction mark\n")
    rc, _, doc = env.run(["message", path, "--config", conf, "--ip", BAD_IP,
                          "--mail-from", "a@good.test"])
    v = (doc or {}).get("verdict", {})
    t.ok(v.get("action") == "accept" and v.get("why") == "dmarc-fail-marked",
         "--config: DMARCRejectAction mark accepts, and says DMARC failed",
         diag=repr(v))
    with open(conf, "w") as f:
        f.write("AuthservID ok\nDKIMMinKeyBits lots\n")
    rc, out, _ = env.run(["message", path, "--config", conf])
    t.ok(rc == 2 and (conf + ":2:") in env.last_stderr,
         "--config: a bad line is exit 2 with file:line",
         diag=env.last_stderr)

    # 7d. a header of 12,000 fields under MaxHeaders 20000 is all header:
    # the splitter stopped at 10,000 and took the rest for body, so the
    # body hash failed where the daemon passes
    extra = b"".join(b"X-Trace-%d: %d\r\n" % (i, i) for i in range(12000))
    raw = good.replace(b"\r\n\r\n", b"\r\n" + extra + b"\r\n", 1)
    with open(conf, "w") as f:
        f.write("MaxHeaders 20000\n")
    path = env.path("fields.eml")
    with open(path, "wb") as f:
        f.write(raw)
    rc, _, doc = env.run(["message", path, "--config", conf, "--ip",
                          GOOD_IP, "--mail-from", "a@good.test"])
    t.is_eq(dkim0(doc or {}).get("result"), "pass",
            "12,000 header fields under MaxHeaders 20000: DKIM pass")

    # 8. p=quarantine applied
    rc, doc, _ = check(env, "quar", message("quar.test", "q"), ip=BAD_IP,
                       mail_from="a@quar.test")
    m = dmarc0(doc)
    t.ok(m.get("disposition") == "quarantine" and
         doc.get("verdict", {}).get("action") in ("quarantine",
                                                  "quarantine-header"),
         "DMARC p=quarantine applied", diag=repr(doc))

    # 9. no --ip: SPF not checked, DKIM still verified
    rc, doc, _ = check(env, "noip", good, ip=None)
    t.ok(doc.get("spf", {}).get("result") == "not checked" and
         "spf=" not in doc.get("authentication_results", "x") and
         dkim0(doc).get("result") == "pass", "without --ip: SPF skipped",
         diag=repr(doc))

    # 10. key lookup times out: temperror, exit 3
    raw = sign(message("slow.test", "slow"), "slow.test", pem)
    rc, doc, _ = check(env, "slow", raw, mail_from="a@slow.test")
    t.ok(rc == 3 and dkim0(doc).get("result") == "temperror",
         "key lookup timeout: temperror, exit 3", diag=repr(dkim0(doc)))

    # 11. usage and I/O errors: exit 2
    rc, _, _ = authcheck_env.run_plain(["message", env.path("nonexistent")])
    t.is_eq(rc, 2, "missing file: exit 2")
    rc, _, _ = authcheck_env.run_plain(["message"])
    t.is_eq(rc, 2, "no file: exit 2")
    rc, _, _ = authcheck_env.run_plain(["message", env.path("pass.eml"),
                                        "--ip", "not-an-ip"])
    t.is_eq(rc, 2, "bad --ip: exit 2")
    # --authserv-id is checked as AuthservID is: it is written unquoted
    for bad, says in (("mx;example", "use letters"),
                      ("a" * 256, "at most 255")):
        rc, out, err = authcheck_env.run_plain(
            ["message", env.path("pass.eml"), "--authserv-id", bad])
        t.ok(rc == 2 and "--authserv-id: " + says in err and out == "",
             "bad --authserv-id (%s...): exit 2, says why" % bad[:10],
             diag="rc %r stderr %r" % (rc, err))
    return good


def body_hash_cap(t, env, pem):
    """at most 8 distinct body hashes (c=, a=, l=) are made, from the
    bottom signature up: one above them asking a ninth gets dkim=policy,
    shown without a computed hash, while one that shares a hash already
    made still verifies, wherever it stands; the unit test and test_caps
    use signatures that cannot pass"""
    hdr = message("good.test", "cap", b"").rstrip(b"\r\n") + b"\r\n"
    lines = [b"line %02d of the body\r\n" % i for i in range(16)]

    def sig(n):  # signed over the first n lines, l= their length
        raw = hdr + b"\r\n" + b"".join(lines[:n])
        return sign(raw, "good.test", pem, length=True)[:-len(raw)]

    conf = env.path("cap.conf")
    with open(conf, "w") as f:
        f.write("DKIMMaxSignatures 20\nDKIMAllowPartialBody yes\n")
    # signatures top to bottom, each signed over its first n lines
    cases = (("9 distinct", range(1, 10), ["policy"] + ["pass"] * 8),
             ("12 distinct", range(1, 13), ["policy"] * 4 + ["pass"] * 8),
             ("8 distinct, then 4 sharing", list(range(1, 9)) +
              [1, 8, 3, 5], ["pass"] * 12),
             ("sharing above the eighth", list(range(1, 10)) + [2, 10, 9],
              ["policy", "pass", "policy"] + ["pass"] * 9))
    for name, ns, want in cases:
        path = env.path("cap.eml")
        with open(path, "wb") as f:
            f.write(b"".join(sig(n) for n in ns) + hdr + b"\r\n" +
                    b"".join(lines))
        _, _, doc = env.run(["message", path, "--ip", GOOD_IP,
                             "--mail-from", "a@good.test", "--config", conf])
        dk = (doc or {}).get("dkim") or []
        t.is_eq([d.get("result") for d in dk], want,
                "body hash cap, %s: results in order" % name)
        t.ok(all((d.get("reason") == "too many body hashes" and
                  d.get("body_hash_computed") == "") if r == "policy" else
                 d.get("body_hash") == d.get("body_hash_computed") != ""
                 for d, r in zip(dk, want)),
             "body hash cap, %s: reasons and body hashes" % name,
             diag=repr(dk))


def same_as_daemon(t, env, good):
    """the daemon adds the same A-R for the same message and envelope"""
    if not t.need(check=daemon.missing, tests=["A-R same as the daemon's"]):
        return
    cases = ((good, GOOD_IP, "alice@good.test"),
             (good.replace(b"this is a test.", b"changed"), BAD_IP,
              "alice@good.test"))
    with daemon.Daemon({"AuthservID": AUTHSERV, "Nameservers": env.nameserver,
                        "DNSTimeout": "2s", "DMARCRejectAction": "mark",
                        "DMARCQuarantineAction": "mark"}) as d:
        for i, (raw, ip, mf) in enumerate(cases):
            res = d.send_message(raw, client_ip=ip, helo="client.good.test",
                                 mail_from=mf, rcpts=["bob@example.net"])
            theirs = (res.header_values("Authentication-Results") or [""])[0]
            _, doc, _ = check(env, "daemon%d" % i, raw, ip=ip, mail_from=mf)
            ours = doc.get("authentication_results", "")
            norm = lambda v: " ".join(v.split())  # noqa: E731
            t.is_eq(norm(ours), norm("Authentication-Results: " + theirs),
                    "A-R same as the daemon's (case %d)" % i)


def capped_same_as_daemon(t, env, sealer):
    """over MaxHeaders the daemon keeps only the first fields and fails
    the ARC chain (it cannot see it whole); authcheck keeps the fields
    through the same caps, so it says the same and not arc=pass"""
    if not t.need(check=lambda: daemon.missing() or ARC_LIBS,
                  tests=["capped header: arc as the daemon's"] * 3):
        return
    import arc_chain
    raw = message("good.test", "many", b"Hi,\r\nmany fields.\r\n")
    raw = b"".join(b"X-Extra-%d: %d\r\n" % (i, i) for i in range(6)) + raw
    raw = arc_chain.seal(raw, sealer, "none")
    conf = env.path("capped.conf")
    with open(conf, "w") as f:
        f.write("AuthservID %s\nMaxHeaders 10\n" % AUTHSERV)
    path = env.path("capped.eml")
    with open(path, "wb") as f:
        f.write(lf(raw))
    args = ["message", path, "--ip", GOOD_IP, "--helo", "client.good.test",
            "--mail-from", "alice@good.test"]
    rc_whole, _, whole = env.run(args)
    rc_capped, _, capped = env.run(args + ["--config", conf])
    with daemon.Daemon({"AuthservID": AUTHSERV, "Nameservers": env.nameserver,
                        "DNSTimeout": "2s", "MaxHeaders": "10"}) as d:
        res = d.send_message(raw, client_ip=GOOD_IP, helo="client.good.test",
                             mail_from="alice@good.test",
                             rcpts=["bob@example.net"])
        theirs = (res.header_values("Authentication-Results") or [""])[0]
    ours = (capped or {}).get("authentication_results", "")
    t.ok((whole or {}).get("arc", {}).get("result") == "pass" and
         "arc=fail" in ours, "capped header: arc=pass whole, fail over "
         "MaxHeaders", diag="%r / %r" % ((whole or {}).get("arc"), ours))
    norm = lambda v: " ".join(v.split())  # noqa: E731
    t.is_eq(norm(ours), norm("Authentication-Results: " + theirs),
            "capped header: A-R same as the daemon's")
    # arc=fail alone (DMARC passes by SPF) is a failed check, exit 1, as
    # authcheck(1) lists it
    man = os.path.join(os.environ.get("top_srcdir", os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")), "doc",
        "authcheck.1")
    with open(man) as f:
        exit1 = f.read().split(".SH EXIT STATUS")[-1].split(".B 2")[0]
    t.ok(rc_whole == 0 and rc_capped == 1 and "; ARC fail;" in exit1,
         "capped header: arc=fail is exit 1, and the man page says so",
         diag="exit %r / %r" % (rc_whole, rc_capped))


def no_store_libraries(t):
    """no_store_libraries - authcheck never opens the report store, so it
    must not load libpq and SQLite (libpq brings a dozen libraries more):
    that was about 10 ms of every start, 1,600 starts a diff test"""
    import subprocess
    env = dict(os.environ, LD_TRACE_LOADED_OBJECTS="1")
    p = subprocess.run([authcheck_env.binary()], env=env, capture_output=True,
                       text=True, timeout=30)
    libs = [ln.split()[0] for ln in p.stdout.splitlines() if ln.strip()]
    store = [n for n in libs if n.startswith(("libpq.", "libsqlite3."))]
    t.ok(p.returncode == 0 and "libcrypto.so" in p.stdout and not store,
         "start-up: no report-store libraries loaded",
         diag="exit %d, store libraries %r" % (p.returncode, store))


def odd_host_name(t, env, pem):
    """odd_host_name - with --authserv-id, the machine's host name plays no
    part: authcheck looked it up and checked it as the default AuthservID
    first, so a host name that check refuses failed every run (and a
    short one missing from /etc/hosts cost a resolver query). Run in a
    UTS namespace of its own with such a host name (needs root)."""
    import shutil
    import subprocess
    names = ["--authserv-id given: an odd host name does not matter",
             "no --authserv-id: that host name is refused as the default, "
             "saying so"]
    if not t.need(check=lambda: (None if os.geteuid() == 0 and
                                 shutil.which("unshare") else
                                 "root and unshare(1)"),
                  what="a host name of its own", tests=names):
        return
    path = env.path("odd-host.eml")
    with open(path, "wb") as f:
        f.write(lf(sign(message("good.test"), "good.test", pem)))
    base = ["message", path, "--helo", "client.good.test", "--mail-from",
            "alice@good.test", "--ip", GOOD_IP, "--nameserver",
            env.nameserver, "--timeout", "2000"]

    def in_ns(extra):
        return subprocess.run(
            ["unshare", "--uts", "/usr/bin/python3", "-c",
             "import os, socket, sys; socket.sethostname('mx+odd.example');"
             " os.execv(sys.argv[1], sys.argv[1:])",
             authcheck_env.binary()] + base + extra,
            capture_output=True, text=True, timeout=30)
    p = in_ns(["--authserv-id", AUTHSERV])
    t.ok(p.returncode == 0 and ("Authentication-Results: " + AUTHSERV +
                                ";") in p.stdout, names[0],
         diag="exit %d: %s %s" % (p.returncode, p.stdout[:200],
                                  p.stderr[:300]))
    p = in_ns([])
    t.ok(p.returncode == 2 and "AuthservID (default)" in p.stderr,
         names[1], diag="exit %d: %s" % (p.returncode, p.stderr[:300]))


def main():
    t = TAP()
    if not t.need(check=lambda: authcheck_env.missing() or HAVE_LIBS,
                  what="authcheck message tests"):
        t.done()
    pem, pub = key("rsa2048.pem")
    pem512, pub512 = key("rsa512.pem")
    zone = make_zone(pub, pub512)
    sealer = None
    if not ARC_LIBS:
        import arc_chain
        sealer = arc_chain.Sealer("list.test", "arc")
        zone["arc._domainkey.list.test"] = [{"TXT": sealer.record}]
    try:
        env = authcheck_env.AuthcheckEnv(zone).__enter__()
    except Exception as e:  # the server could not start
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    try:
        good = run_cases(t, env, pem, pem512)
        body_hash_cap(t, env, pem)
        same_as_daemon(t, env, good)
        capped_same_as_daemon(t, env, sealer)
        no_store_libraries(t)
        odd_host_name(t, env, pem)
    finally:
        env.__exit__(None, None, None)
    t.done()


main()
