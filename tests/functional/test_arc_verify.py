#!/usr/bin/python3
"""test_arc_verify - ARC chain validation (RFC 8617 5.2) over the milter
protocol, judged against dkimpy (python3-dkim) as the independent oracle.

dkimpy seals chains of 1, 2 and 5 hops (rsa-sha256; dkimpy's ARC sealer
has no Ed25519), with modifications between hops that must not break the
chain (made before a hop verifies and seals: header.oldest-pass shows the
older AMS that no longer verifies) and after the last hop that must (a
footer, a changed Subject). Our arc= agrees with dkimpy's arc_verify on
every generated chain. Hostile chains get a defined result promptly: 51
sets, a gap, a duplicate, cv=fail in the middle, a seal with the wrong
cv, huge and malformed AARs, a key whose lookup times out. A set in
rsa-sha1 fails unless DKIMAllowSHA1 yes (RFC 8301).
Keys are served by tests/lib/dns_testserver.py on loopback.
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

try:
    import yaml
    import arc_chain as ac
    import dkim  # noqa: F401
    import authres  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim, python3-authres, python3-yaml (%s)" % e

CLIENT = "192.0.2.7"
RAW = (b"From: Alice <alice@author.example>\r\nTo: list@list.example\r\n"
       b"Subject: hello\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <1@author.example>\r\n\r\nHello list,\r\nhi.\r\n")


def arc_of(res):
    """arc_of - (result, the whole arc= resinfo) from our A-R"""
    for v in res.header_values("Authentication-Results"):
        m = re.search(r"\barc=(\w+)([^;]*)", v.replace("\r\n", " "))
        if m:
            return m.group(1), m.group(0)
    return "absent", ""


def footer(raw):
    return raw + b"-- \r\nlist footer\r\n"


def retitle(raw):
    return raw.replace(b"Subject: hello", b"Subject: [list] hello", 1)


def gen_chains(s, recs):
    """gen_chains - (label, message) pairs dkimpy made"""
    c = []
    c.append(("1 hop", ac.chain(RAW, s[:1], recs)))
    c.append(("2 hops", ac.chain(RAW, s[:2], recs)))
    c.append(("5 hops", ac.chain(RAW, s[:5], recs)))
    # the list changes the message before it verifies and seals (hop 2)
    c.append(("2 hops, footer and Subject tag before hop 2 seals",
              ac.chain(RAW, s[:2], recs,
                       edit=lambda i, r: retitle(footer(r)) if i == 1
                       else r)))
    c.append(("5 hops, footer before hop 4 seals",
              ac.chain(RAW, s[:5], recs,
                       edit=lambda i, r: footer(r) if i == 3 else r)))
    two = ac.chain(RAW, s[:2], recs)
    c.append(("2 hops, footer after the last seal", footer(two)))
    c.append(("2 hops, Subject changed after the last seal", retitle(two)))
    c.append(("2 hops, Received added after the last seal",
              b"Received: from x by y; Sat, 28 Nov 2026 10:00:00 +0000\r\n"
              + two))
    c.append(("2 hops, whitespace refolded in a signed field",
              two.replace(b"Subject: hello", b"Subject:   hello", 1)))
    # an ARC set sealed over a chain dkimpy found failed
    broken = footer(ac.chain(RAW, s[:1], recs))
    c.append(("cv=fail recorded by the newest seal",
              ac.seal(broken, s[1], "fail")))
    c.append(("cv=fail in the middle, cv=pass after it",
              ac.seal(ac.seal(broken, s[1], "fail"), s[2], "pass")))
    return c


def hostile(s, recs):
    """hostile - (label, message, want, reason regex) chains dkimpy did not
    make as they are"""
    three = ac.chain(RAW, s[:3], recs)
    hdrs, body = ac.split(three)
    out = []

    def inst(v):
        m = re.match(rb"\s*i\s*=\s*(\d+)", v)
        return int(m.group(1)) if m else 0

    gap = [(n, v) for n, v in hdrs if not (n.lower().startswith(b"arc-")
                                          and inst(v) == 2)]
    out.append(("a gap (set 2 of 3 removed)", ac.join(gap, body), "fail",
                r"i=2 incomplete"))
    aar = [h for h in hdrs if h[0].lower() == b"arc-authentication-results"]
    out.append(("a duplicate AAR", ac.join([aar[0]] + hdrs, body), "fail",
                r"duplicate ARC-Authentication-Results"))
    nodup = [h for h in hdrs if h[0].lower() == b"arc-seal"]
    out.append(("a duplicate ARC-Seal", ac.join([nodup[-1]] + hdrs, body),
                "fail", r"duplicate ARC-Seal"))
    wrongcv = three.replace(b"i=1; cv=none", b"i=1; cv=pass", 1)
    out.append(("the first seal says cv=pass", wrongcv, "fail",
                r"ARC-Seal i=1 has cv=pass"))
    fifty1 = b"".join(
        b"ARC-Seal: i=%d; cv=pass; a=rsa-sha256; d=x.example; s=s; b=AA==\r\n"
        b"ARC-Message-Signature: i=%d; a=rsa-sha256; d=x.example; s=s; "
        b"h=from; bh=AA==; b=AA==\r\n"
        b"ARC-Authentication-Results: i=%d; x.example; spf=pass\r\n"
        % (i, i, i) for i in range(51, 1, -1)) + three
    out.append(("51 sets", fifty1, "fail", r"more than 50 ARC sets"))
    huge = b"ARC-Authentication-Results: i=4; x.example; " + \
        b"dkim=pass\r\n\t" * 30000 + b"\r\n"
    out.append(("a 390 KB AAR (over MaxHeaderFieldBytes)", huge + three,
                "fail", r"over the header caps"))
    big = b"".join(b"ARC-Authentication-Results: i=%d; x.example; " % i +
                   b"dkim=pass\r\n\t" * 4500 + b"\r\n" for i in range(4, 9))
    out.append(("five 58 KB AARs (over ARCMaxHeaderBytes)", big + three,
                "fail", r"ARC fields over 262144 bytes"))
    out.append(("an AAR without i=",
                b"ARC-Authentication-Results: x.example; spf=pass\r\n" + three,
                "fail", r"without a valid i="))
    out.append(("an AMS with garbage tags",
                b"ARC-Message-Signature: i=4; ;;=;\x01\r\n" + three, "fail",
                r"ARC-Message-Signature without a valid i=|duplicate|i=4"))
    slow = ac.chain(RAW, [s[0], s[5]], recs)
    out.append(("a key lookup that times out", slow, "fail",
                r"timed out"))
    return out


def main():
    t = TAP()
    if not t.need(check=lambda: HAVE_LIBS or daemon.missing(),
                  what="ARC verification",
                  tests=["ARC verification against dkimpy"]):
        return t.done()
    tmp = tmpdir.make("authmilter-arc-")
    try:
        s = [ac.Sealer("hop%d.example" % i, "s%d" % i) for i in range(1, 7)]
        recs = {x.key_name: x.record for x in s}
        zone = {k: [{"TXT": v}] for k, v in recs.items()}
        zone[s[5].key_name] = ["TIMEOUT"]
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump(zone, f)
        oracle = dict(recs)
        chains = gen_chains(s, oracle)
        with dns_testserver.DnsServer(zpath) as srv:
            opts = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "1s", "InternalHosts": "10.9.0.0/16"}
            with daemon.Daemon(opts) as d:
                agree(t, d, chains, oracle)
                details(t, d, chains)
                hostile_cases(t, d, hostile(s, oracle))
                arc_free(t, d)
                sha1 = sha1_chain(s, oracle)
                arc_sha1_refused(t, d, sha1)
            arc_sha1_allowed(t, opts, sha1)
            arc_verify_off(t, opts, chains)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def agree(t, d, chains, oracle):
    """our arc= equals dkimpy's verdict on every generated chain"""
    for label, m in chains:
        res = d.send_message(m, client_ip=CLIENT,
                             mail_from="list-bounces@list.example")
        ours, full = arc_of(res)
        theirs = ac.dkimpy_verdict(m, oracle)
        t.is_eq(ours, theirs, "%s: arc=%s agrees with dkimpy" % (label, ours))
        t.ok("smtp.remote-ip=" + CLIENT in full,
             "%s: smtp.remote-ip given" % label, diag=full)


def details(t, d, chains):
    """header.oldest-pass and reasons"""
    want = {"2 hops, footer and Subject tag before hop 2 seals":
            ("pass", "header.oldest-pass=2"),
            "5 hops, footer before hop 4 seals":
            ("pass", "header.oldest-pass=4"),
            "5 hops": ("pass", None),
            "2 hops, footer after the last seal":
            ("fail", "reason=\"ARC-Message-Signature i=2: body hash mismatch\""),
            "2 hops, Subject changed after the last seal":
            ("fail", "reason=\"ARC-Message-Signature i=2: signature did not "
             "verify\""),
            "cv=fail recorded by the newest seal":
            ("fail", "reason=\"ARC-Seal i=2 records cv=fail\""),
            "cv=fail in the middle, cv=pass after it":
            ("fail", "reason=\"ARC-Seal i=2 has cv=fail\"")}
    for label, m in chains:
        if label not in want:
            continue
        res = d.send_message(m, client_ip=CLIENT)
        ours, full = arc_of(res)
        word, text = want[label]
        if text is None:
            t.ok(ours == word and "oldest-pass" not in full,
                 "%s: arc=%s without header.oldest-pass" % (label, word),
                 diag=full)
        else:
            t.ok(ours == word and text in full, "%s: %s" % (label, text),
                 diag=full)


def hostile_cases(t, d, cases):
    for label, m, want, why in cases:
        t0 = time.monotonic()
        res = d.send_message(m, client_ip=CLIENT, timeout=20 * SCALE)
        took = time.monotonic() - t0
        ours, full = arc_of(res)
        t.ok(ours == want and re.search(why, full) is not None,
             "hostile: %s -> arc=%s" % (label, want),
             diag=lambda f=full: f + d.log_tail(5))
        t.ok(took < 5, "hostile: %s answered in %.2f s" % (label, took))
    t.ok(d.wait_for_log(r'arc=fail arc_sets=51 arc_reason="more than 50 '
                        r'ARC sets"') is not None,
         "hostile: 51 sets logged as arc_sets=51, not 0",
         diag=lambda: d.log_tail(5))
    t.ok(d.running(), "daemon still running after the hostile chains")


def arc_free(t, d):
    res = d.send_message(RAW, client_ip=CLIENT, macros={"i": "ARCFREE1"})
    ours, _ = arc_of(res)
    t.is_eq(ours, "none", "ARC-free mail: arc=none (RFC 8617 10.2)")
    m = d.wait_for_log(r"qid=ARCFREE1 .*verdict=.*")
    t.ok(m is not None and " arc=" not in m.group(0),
         "ARC-free mail: no arc= in the log line",
         diag=lambda: d.log_tail(3))


def sha1_chain(s, oracle):
    """sha1_chain - one ARC set, seal and AMS in rsa-sha1 (dkimpy signs
    it when asked; RFC 8301 says verifiers refuse it)"""
    old = s[0].alg
    s[0].alg = b"rsa-sha1"
    try:
        return ac.chain(RAW, s[:1], oracle)
    finally:
        s[0].alg = old


def arc_sha1_refused(t, d, raw):
    """by default an rsa-sha1 set fails the chain, with the reason"""
    ours, arc = arc_of(d.send_message(raw, client_ip=CLIENT))
    t.ok(ours == "fail" and "rsa-sha1 not accepted" in arc,
         "an rsa-sha1 ARC set: arc=fail, rsa-sha1 not accepted (RFC 8301)",
         diag=arc)


def arc_sha1_allowed(t, opts, raw):
    """DKIMAllowSHA1 yes reaches the ARC verifier too: the same set
    passes"""
    with daemon.Daemon(dict(opts, DKIMAllowSHA1="yes")) as d:
        ours, arc = arc_of(d.send_message(raw, client_ip=CLIENT))
    t.ok(ours == "pass", "DKIMAllowSHA1 yes: the rsa-sha1 ARC set passes",
         diag=arc)


def arc_verify_off(t, opts, chains):
    """ARCVerify no: ARC fields left alone, no arc= result; sealing and
    trusted sealers refuse to load without verification"""
    with daemon.Daemon(dict(opts, ARCVerify="no")) as d:
        res = d.send_message(chains[0][1], client_ip=CLIENT,
                             macros={"i": "ARCOFF1"})
        ours, _ = arc_of(res)
        t.is_eq(ours, "absent", "ARCVerify no: a sealed message gets no arc=")
        m = d.wait_for_log(r"qid=ARCOFF1 .*verdict=.*")
        t.ok(m is not None and " arc=" not in m.group(0),
             "ARCVerify no: no arc in the log line", diag=lambda: d.log_tail(3))
        for extra, name in (({"ARCTrustedSealers": "hop1.example"},
                             "ARCTrustedSealers"),
                            ({"ARCSeal": "verified", "ARCSealDomain": "x.example",
                              "ARCSealSelector": "s", "ARCSealKeyFile": "/nonexistent"},
                             "ARCSeal")):
            r = d.check_config(dict(opts, ARCVerify="no", **extra))
            t.ok(r.returncode != 0 and re.search(
                r":\d+: ARCVerify no, but %s needs the ARC chain verified" % name,
                r.stdout + r.stderr),
                 "ARCVerify no with %s: refused with file:line" % name,
                 diag=r.stdout + r.stderr)


if __name__ == "__main__":
    sys.exit(main())
