#!/usr/bin/python3
"""test_arc_seal - ARC sealing (RFC 8617 5.1) through the daemon over the
milter protocol, checked by dkimpy's arc_verify (python3-dkim) and by our
own verifier.

We seal ARC-free mail (i=1 cv=none), extend dkimpy chains of 1 and 2 hops
(cv=pass), and dkimpy extends a chain we sealed; a chain that fails is not
sealed, nor is mail from InternalHosts (it is DKIM-signed instead).
ARCSeal outbound copies our A-R of the way in, folded again when a line
of it is too long.
ARCSealAlgorithm ed25519-sha256 seals with Ed25519 (authmilter -t warns
about verifiers without RFC 8463); config errors name file:line.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import yaml
    import arc_chain as ac
    import dkim  # noqa: F401
    import authres  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim, python3-authres, python3-yaml (%s)" % e

CLIENT = "192.0.2.8"
RAW = (b"From: Alice <alice@author.example>\r\nTo: list@list.example\r\n"
       b"Subject: hello\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <2@author.example>\r\n\r\nHello list,\r\nhi.\r\n")


def sets_of(msg):
    """sets_of - [(instance, cv, d, s, a)] of every ARC-Seal, top first"""
    out = []
    hdrs, _ = ac.split(msg)
    for n, v in hdrs:
        if n.lower() == b"arc-seal":
            t = dict((k.strip().decode(), w.strip().decode()) for k, _, w in
                     (x.partition(b"=") for x in
                      v.replace(b"\r\n", b"").split(b";")) if k.strip())
            out.append((int(t.get("i", 0)), t.get("cv"), t.get("d"),
                        t.get("s"), t.get("a")))
    return out


def arc_added(res):
    """arc_added - the names of the ARC fields the milter added"""
    return [n for n in [a[1] for a in res.inserted_headers] +
            [a[0] for a in res.added_headers] if n.lower().startswith("arc-")]


def full_chain(n):
    """full_chain - n ARC sets, well formed, their signatures not valid:
    ARCSeal outbound reads only the structure of the chain it extends"""
    out = b""
    for i in range(n, 0, -1):
        out += (b"ARC-Seal: i=%d; a=rsa-sha256; cv=%s; d=hop.example; "
                b"s=s1; t=1; b=AAAA\r\n" % (i, b"none" if i == 1 else b"pass"))
        out += (b"ARC-Message-Signature: i=%d; a=rsa-sha256; "
                b"c=relaxed/relaxed; d=hop.example; s=s1; t=1; h=from; "
                b"bh=AAAA; b=AAAA\r\n" % i)
        out += b"ARC-Authentication-Results: i=%d; hop.example; arc=pass\r\n" % i
    return out


def arc_of(res):
    for v in res.header_values("Authentication-Results"):
        m = re.search(r"\barc=(\w+)", v)
        if m:
            return m.group(1)
    return "absent"


def write_key(tmp, name, pem):
    p = os.path.join(tmp, name)
    with open(p, "wb") as f:
        f.write(pem)
    os.chmod(p, 0o600)
    return p


def main():
    t = TAP()
    if not t.need(check=lambda: HAVE_LIBS or daemon.missing(),
                  what="ARC sealing", tests=["ARC sealing with dkimpy"]):
        return t.done()
    tmp = tmpdir.make("authmilter-arcseal-")
    try:
        hops = [ac.Sealer("hop%d.example" % i, "s%d" % i) for i in (1, 2, 3)]
        ours = ac.Sealer("list.example", "arc", bits=2048)
        oured = ac.Sealer("list.example", "arced", kind="ed")
        recs = {x.key_name: x.record for x in hops + [ours, oured]}
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            zone = {k: [{"TXT": v}] for k, v in recs.items()}
            # found by the tree walk for sub.policy.example: polrec
            zone["_dmarc.policy.example"] = [{"TXT": "v=DMARC1; p=none"}]
            yaml.safe_dump(zone, f)
        rsa_key = write_key(tmp, "arc.pem", ours.pem)
        ed_key = write_key(tmp, "arced.pem", oured.pem)
        with dns_testserver.DnsServer(zpath) as srv:
            base = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "1s", "InternalHosts": "10.9.0.0/16",
                    "ARCSeal": "verified", "ARCSealDomain": "list.example",
                    "ARCSealSelector": "arc", "ARCSealKeyFile": rsa_key}
            with daemon.Daemon(base) as d:
                rsa_cases(t, d, hops, recs)
            with daemon.Daemon(dict(base, SignHeaders="From Subject To "
                                    "ARC-Seal Authentication-Results")) as d:
                sign_headers_cases(t, d, hops, recs)
            with daemon.Daemon(dict(base, ARCSeal="outbound")) as d:
                outbound_cases(t, d, hops, recs)
            ed = dict(base, ARCSealAlgorithm="ed25519-sha256",
                      ARCSealSelector="arced", ARCSealKeyFile=ed_key)
            with daemon.Daemon(ed) as d:
                ed_cases(t, d, hops, recs)
                config_cases(t, d, base, rsa_key, ed_key, recs)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def through(d, msg, **kw):
    return d.send_message(msg, client_ip=CLIENT,
                          mail_from="alice@author.example", **kw)


def rsa_cases(t, d, hops, recs):
    r = through(d, RAW)
    s = sets_of(r.message)
    t.is_eq(s, [(1, "none", "list.example", "arc", "rsa-sha256")],
            "ARC-free mail sealed: i=1 cv=none rsa-sha256")
    t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
            "dkimpy verifies our i=1 set")
    names = [n.lower() for n, _ in ac.split(r.message)[0]][:4]
    t.is_eq(names, [b"arc-seal", b"arc-message-signature",
                    b"arc-authentication-results",
                    b"authentication-results"],
            "our set sits above our A-R, ARC-Seal first")
    aar = r.header_values("ARC-Authentication-Results")
    ar = r.header_values("Authentication-Results")
    t.ok(aar and ar and aar[0].strip() == "i=1; " + ar[0].strip(),
         "the AAR is our A-R with i=1", diag=repr((aar, ar)))
    # RFC 9989's polrec properties, copied into the AAR, break no verifier
    r2 = through(d, RAW.replace(b"@author.example>\r\nTo",
                                b"@sub.policy.example>\r\nTo"))
    aar2 = " ".join(r2.header_values("ARC-Authentication-Results")[:1])
    t.ok("header.from=sub.policy.example polrec.p=none "
         "polrec.domain=policy.example" in " ".join(aar2.split()) and
         ac.dkimpy_verdict(r2.message, recs) == "pass",
         "an AAR with polrec.p and polrec.domain: dkimpy verifies the set",
         diag=aar2)
    again = through(d, r.message)
    t.is_eq(arc_of(again), "pass", "our verifier passes our own seal")
    t.is_eq([x[0] for x in sets_of(again.message)], [2, 1],
            "a second pass through us adds i=2")
    t.is_eq(ac.dkimpy_verdict(again.message, recs), "pass",
            "dkimpy verifies the two sets we sealed")
    for n in (1, 2):
        m = ac.chain(RAW, hops[:n], recs)
        r = through(d, m)
        s = sets_of(r.message)
        t.ok(s and s[0][:2] == (n + 1, "pass"),
             "dkimpy chain of %d: we add i=%d cv=pass" % (n, n + 1),
             diag=repr(s))
        t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
                "dkimpy verifies the chain we extended after %d dkimpy "
                "hop(s)" % n)
    # dkimpy verifies what we sealed and adds its own set
    r = through(d, RAW)
    ext = ac.seal(r.message, hops[0], ac.dkimpy_verdict(r.message, recs))
    t.is_eq(ac.dkimpy_verdict(ext, recs), "pass",
            "dkimpy extends our chain and verifies it")
    t.is_eq(arc_of(through(d, ext)), "pass",
            "we verify a dkimpy set on top of ours")
    broken = ac.chain(RAW, hops[:1], recs) + b"footer\r\n"
    r = through(d, broken, macros={"i": "ARCBROKEN"})
    t.ok(arc_of(r) == "fail" and [x[0] for x in sets_of(r.message)] == [1],
         "a failed chain is not sealed", diag=repr(sets_of(r.message)))
    t.is_eq(arc_added(r), [], "nor given a part of a set")
    m = d.wait_for_log(r'qid=ARCBROKEN .*arc_seal=no arc_seal_skip="chain failed"')
    t.ok(m is not None, "the log says why it was not sealed",
         diag=lambda: d.log_tail(3))
    r = d.send_message(RAW, client_ip="10.9.0.1",
                       mail_from="alice@author.example")
    t.is_eq(sets_of(r.message), [], "mail from InternalHosts is not sealed")


def sign_headers_cases(t, d, hops, recs):
    """SignHeaders naming ARC-Seal and Authentication-Results: the AMS
    signs neither (RFC 8617 4.1.2), so a chain we extend still passes"""
    r = through(d, ac.chain(RAW, hops[:1], recs))
    ams = " ".join(r.header_values("ARC-Message-Signature")[:1])
    h = re.search(r"\bh=([^;]*)", ams.replace("\r\n", "").replace("\n", ""))
    names = [x.strip().lower() for x in h.group(1).split(":")] if h else []
    t.ok(names and "arc-seal" not in names and
         "authentication-results" not in names,
         "SignHeaders with ARC-Seal and Authentication-Results: our AMS "
         "h= names neither", diag=ams)
    t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
            "dkimpy verifies the chain we extended")


def outbound_cases(t, d, hops, recs):
    """ARCSeal outbound: the list resends from InternalHosts with the A-R
    we added on the way in; the set copies it"""
    inbound = through(d, RAW)
    t.is_eq(sets_of(inbound.message), [],
            "outbound mode: mail from outside is not sealed on the way in")
    ar = inbound.header_values("Authentication-Results")[0].strip()
    changed = inbound.message.replace(b"Subject: hello",
                                      b"Subject: [list] hello", 1) + \
        b"-- \r\nfooter\r\n"
    r = d.send_message(changed, client_ip="10.9.0.1",
                       mail_from="list-bounces@list.example")
    s = sets_of(r.message)
    aar = r.header_values("ARC-Authentication-Results")
    t.is_eq(s, [(1, "none", "list.example", "arc", "rsa-sha256")],
            "the changed message resent from InternalHosts: i=1 cv=none")
    t.ok(aar and " ".join(aar[0].split()) == "i=1; " + " ".join(ar.split()),
         "its AAR is the A-R of the way in", diag=repr((aar, ar)))
    t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
            "dkimpy verifies the outbound seal")
    # a chain that passed on the way in is extended with cv=pass
    m = ac.chain(RAW, hops[:1], recs)
    inbound = through(d, m)
    r = d.send_message(inbound.message + b"footer\r\n", client_ip="10.9.0.1",
                       mail_from="list-bounces@list.example")
    s = sets_of(r.message)
    t.ok(s and s[0][:2] == (2, "pass"),
         "a chain that passed on the way in: i=2 cv=pass", diag=repr(s))
    t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
            "dkimpy verifies it")
    long_ar_cases(t, d, ar.split(";")[0], recs)
    # RFC 8617 4.2.1: 50 sets at most, so a chain of 50 gets no 51st
    full = ("Authentication-Results: %s; arc=pass\r\n" %
            ar.split(";")[0]).encode() + full_chain(50) + RAW
    r = d.send_message(full, client_ip="10.9.0.1", macros={"i": "FULL"},
                       mail_from="list-bounces@list.example")
    t.is_eq(arc_added(r), [], "a chain of 50 sets is not extended")
    t.ok(d.wait_for_log(r'qid=FULL .*arc_seal=no arc_seal_skip="chain full '
                        r'\(50 sets\)"') is not None, "the log says it is full",
         diag=lambda: d.log_tail(2))
    # no space after the colon: the AAR keeps the authserv-id whole
    tight = b"Authentication-Results:" + ar.encode() + b"\r\n" + RAW
    r = d.send_message(tight, client_ip="10.9.0.1",
                       mail_from="list-bounces@list.example")
    aar = r.header_values("ARC-Authentication-Results")
    t.ok(aar and " ".join(aar[0].split()) == "i=1; " + " ".join(ar.split()),
         "an A-R without a space after its colon: the AAR is all of it",
         diag=repr((aar, ar)))
    # 32 fields fill the session's header list exactly: the search for
    # our A-R must stop at its end
    pad = b"".join(b"X-Pad-%d: x\r\n" % i for i in range(27))
    r = d.send_message(pad + RAW, client_ip="10.9.0.1", macros={"i": "NOAR"},
                       mail_from="list-bounces@list.example")
    t.is_eq(sets_of(r.message), [],
            "internal mail without our A-R is not sealed")
    t.ok(d.wait_for_log(r'qid=NOAR .*arc_seal=no arc_seal_skip="no '
                        r'Authentication-Results of ours"') is not None, "the log says why")
    # a user's submission carrying an A-R in our name: the user wrote it
    forged = ("Authentication-Results: %s; dmarc=pass header.from=bank.example"
              "\r\n" % ar.split(";")[0]).encode() + RAW
    r = d.send_message(forged, client_ip="198.51.100.77",
                       macros={"i": "AUTHAR", "{auth_authen}": "mallory"},
                       mail_from="mallory@list.example")
    t.is_eq(sets_of(r.message), [], "an authenticated client's submission "
            "with an A-R in our name is not sealed")
    t.ok(d.wait_for_log(r'qid=AUTHAR .*arc_seal=no arc_seal_skip='
                        r'"authenticated client outside InternalHosts"')
         is not None, "the log names the authenticated client",
         diag=d.log_tail(3))


def long_ar_cases(t, d, authserv, recs):
    """ARCSeal outbound copies an A-R of ours with a 1,700-octet line (as
    a version before its lines were kept short could write): the AAR is
    folded again, within 998 octets a line, the same text unfolded"""
    words = " ".join("w%05d" % i for i in range(240))
    ar = ("%s; dkim=none (%s); spf=pass smtp.mailfrom=author.example" %
          (authserv, words)).encode()
    msg = b"Authentication-Results: " + ar + b"\r\n" + RAW
    r = d.send_message(msg, client_ip="10.9.0.1",
                       mail_from="list-bounces@list.example")
    aar = [n + b":" + v for n, v in ac.split(r.message)[0]
           if n.lower() == b"arc-authentication-results"]
    t.is_eq(len(aar), 1, "a long A-R of the way in: sealed")
    if not aar:
        return
    lines = aar[0].split(b"\r\n")
    t.ok(len(lines) > 1 and max(len(x) for x in lines) <= 998,
         "its AAR is folded, no line over 998 octets",
         diag=repr([len(x) for x in lines]))
    t.is_eq(aar[0].replace(b"\r\n", b""),
            b"ARC-Authentication-Results: i=1; " + ar,
            "unfolded, the AAR is that A-R")
    t.is_eq(ac.dkimpy_verdict(r.message, recs), "pass",
            "dkimpy verifies the set with the folded AAR")


def ed_cases(t, d, hops, recs):
    r = through(d, ac.chain(RAW, hops[:1], recs))
    s = sets_of(r.message)
    t.ok(s and s[0] == (2, "pass", "list.example", "arced",
                        "ed25519-sha256"),
         "ARCSealAlgorithm ed25519-sha256: i=2 sealed with Ed25519",
         diag=repr(s))
    t.is_eq(arc_of(through(d, r.message)), "pass",
            "our verifier passes a mixed rsa/ed25519 chain")
    # Debian 12's dkimpy takes no ed25519-sha256 in ARC: exactly the
    # verifier the -t warning is about; the chain fails there, for that
    # reason and no other
    why = ac.dkimpy_reason(r.message, recs)
    t.ok("unknown signature algorithm" in why,
         "dkimpy (no Ed25519 in its ARC code) fails the chain only for the "
         "algorithm", diag=why)


def config_cases(t, d, base, rsa_key, ed_key, recs):
    r = d.check_config(dict(base, ARCSealAlgorithm="ed25519-sha256",
                            ARCSealSelector="arced", ARCSealKeyFile=ed_key))
    t.ok(r.returncode == 0 and "RFC 8463" in r.stderr,
         "authmilter -t warns about ed25519-sha256 seals", diag=r.stderr)
    # written in U-labels: read as the A-label, as Domain and KeyTable
    r = d.check_config(dict(base, ARCSealDomain="b\u00fccher.example"))
    t.ok(r.returncode == 0 and re.search(
        r"ARCSealDomain\s+xn--bcher-kva\.example", r.stdout),
        "ARCSealDomain in U-labels: kept as its A-labels",
        diag=r.stdout[-300:] + r.stderr)
    r = d.check_config(dict(base, ARCSealDomain=None))
    t.ok(r.returncode != 0 and re.search(r"check\.conf:\d+: ARCSeal needs",
                                         r.stderr),
         "ARCSeal without ARCSealDomain: error with file:line",
         diag=r.stderr)
    r = d.check_config(dict(base, ARCSealKeyFile=ed_key))
    t.ok(r.returncode != 0 and re.search(r"check\.conf:\d+: the ARC sealing "
                                         r"key is not an RSA key", r.stderr),
         "an Ed25519 key under rsa-sha256: error with file:line",
         diag=r.stderr)
    # the seal key as a KeyTable entry (ARCSealKeyName)
    kt = os.path.join(d.tmp, "KeyTable")
    st = os.path.join(d.tmp, "SigningTable")
    with open(kt, "w") as f:
        f.write("arckey list.example:arc:%s\n" % rsa_key)
    with open(st, "w") as f:
        f.write("*@internal.example arckey\n")
    tables = dict(base, ARCSealDomain=None, ARCSealSelector=None,
                  ARCSealKeyFile=None, KeyTable=kt, SigningTable=st)
    r = d.check_config(dict(tables, ARCSealKeyName="arckey"))
    t.ok(r.returncode == 0 and re.search(r"ARCSealKeyName\s+arckey",
                                         r.stdout),
         "ARCSealKeyName names a KeyTable entry", diag=r.stdout + r.stderr)
    with daemon.Daemon(dict(tables, ARCSealKeyName="arckey")) as d2:
        m = through(d2, RAW).message
        t.is_eq(sets_of(m), [(1, "none", "list.example", "arc",
                              "rsa-sha256")],
                "a KeyTable entry seals: d= and s= from the entry")
        t.is_eq(ac.dkimpy_verdict(m, recs), "pass",
                "dkimpy verifies the KeyTable-keyed seal")
    r = d.check_config(dict(tables, ARCSealKeyName="nosuch"))
    t.ok(r.returncode != 0 and re.search(r"check\.conf:\d+: ARCSealKeyName "
                                         r"nosuch: no such KeyTable entry",
                                         r.stderr),
         "an unknown ARCSealKeyName: error with file:line", diag=r.stderr)
    os.chmod(rsa_key, 0o644)
    r = d.check_config(base)
    os.chmod(rsa_key, 0o600)
    t.ok(r.returncode != 0 and "ARCSealKeyFile" in r.stderr,
         "a key file others can read is refused", diag=r.stderr)


if __name__ == "__main__":
    sys.exit(main())
