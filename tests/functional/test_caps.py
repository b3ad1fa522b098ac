#!/usr/bin/python3
"""test_caps - every resource cap through the daemon, with its defined
result (issue #8): signatures verified per message (DKIMMaxSignatures)
and distinct body hashes (8, fixed),
header count (MaxHeaders), header bytes (MaxHeaderBytes), one field's
length (MaxHeaderFieldBytes), RSA key size (DKIMMaxKeyBits) and public
exponent (64 bits, a fixed bound), total DNS
waiting per message (DNSMaxTimePerMessage, against names that never
answer: tests/lib/dns_server.py TIMEOUT) and SPF lookups (SPFMaxQueries).
Each cap is shown once tripped and once with room to spare, so a cap that
stops working, or one that trips too early, fails."""

import contextlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, run_parallel  # noqa: E402

try:
    import dkim  # noqa: F401
    import yaml
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim, python3-yaml, python3-cryptography (%s)" % e

CLIENT = "192.0.2.10"          # allowed by every SPF record below
# Under valgrind or the sanitizers (tests/ci-sanitize.sh sets 5) the daemon
# runs several times slower: the DNS budget bounds scale, and so does the
# DNSTimeout they are compared with, so they still prove the budget.
SCALE = time_scale.factor()
SLOW_SIGS = 20                 # signatures pointing at a silent server
SPF_DNS_TIMEOUT = 8            # test_spf_time's, not scaled (see there)


def zone(pub, pub_big, pub_e):
    """zone - good.test (keys s1-s8, big, e64 and e1024: public exponents
    of 64 and 1024 bits), rej.test (p=reject, SPF
    fails, key s1), slow.test (nothing answers for
    keys or DMARC), slowspf.test (SPF never answers), amp.test (an SPF
    record that needs 13 queries)"""
    z = {"good.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"},
                       {"A": "192.0.2.10"}],
         "_dmarc.good.test": [{"TXT": "v=DMARC1; p=none"}],
         "rej.test": [{"TXT": "v=spf1 -all"}],
         "_dmarc.rej.test": [{"TXT": "v=DMARC1; p=reject"}],
         "s1._domainkey.rej.test": [{"TXT": "v=DKIM1; k=rsa; p=" + pub}],
         "big._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" +
                                       pub_big}],
         "e64._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" +
                                       pub_e[64]}],
         "e1024._domainkey.good.test": [{"TXT": "v=DKIM1; k=rsa; p=" +
                                         pub_e[1024]}],
         "slow.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
         "_dmarc.slow.test": ["TIMEOUT"],
         "slowspf.test": ["TIMEOUT"],
         "slowinc.test": [{"TXT": "v=spf1 include:a.silent.test "
                           "include:b.silent.test -all"}],
         "a.silent.test": ["TIMEOUT"], "b.silent.test": ["TIMEOUT"],
         "amp.test": [{"TXT": "v=spf1 " + " ".join(
             "a:h%d.amp.test" % i for i in range(1, 9)) +
             " mx:mx.amp.test -all"}],
         "mx.amp.test": [{"MX": [10, "m%d.amp.test" % i]}
                         for i in range(1, 4)]}
    for i in range(1, 9):
        z["s%d._domainkey.good.test" % i] = [
            {"TXT": "v=DKIM1; k=rsa; p=" + pub}]
        z["h%d.amp.test" % i] = [{"A": "203.0.113.%d" % i}]
    for i in range(1, 4):
        z["m%d.amp.test" % i] = [{"A": "203.0.113.%d" % (100 + i)}]
    for i in range(1, SLOW_SIGS + 1):
        z["k%d._domainkey.slow.test" % i] = ["TIMEOUT"]
    return z


def msg(dom, extra=b"", from_hdr=None, body=b"Hello Bob,\r\nhi.\r\n"):
    """msg - a plain message from dom; extra header lines go after Date"""
    from_hdr = from_hdr or ("Alice <alice@%s>" % dom).encode()
    return (b"From: " + from_hdr + b"\r\nTo: bob@example.net\r\n"
            b"Subject: caps\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n" +
            extra + b"\r\n" + body)


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def ar(res):
    vals = res.header_values("Authentication-Results")
    return vals[0] if vals else ""


def dkim_results(a):
    """dkim_results - the dkim=... words of an A-R value, in order"""
    return re.findall(r"\bdkim=(\w+)", a)


def send(d, raw, mail_from):
    """send - one message; (result, A-R value, seconds it took)"""
    t0 = time.monotonic()
    res = d.send_message(raw, client_ip=CLIENT, mail_from=mail_from,
                         timeout=60 * SCALE)
    return res, ar(res), time.monotonic() - t0


def test_signatures(t, base, pem, plain):
    # signatures by good.test on mail from another author: the cap
    # alone decides how many are verified
    third = b"Alice <alice@third.test>"
    raw = msg("good.test", from_hdr=third)
    for sel in ("s1", "s2", "s3"):
        raw = sign(raw, "good.test", pem, sel)
    with daemon.Daemon(options=dict(base, DKIMMaxSignatures=2)) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(dkim_results(a), ["pass", "pass"],
                "DKIMMaxSignatures 2: 3 signatures, only 2 verified")
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(dkim_results(a), ["pass"] * 3,
                "default DKIMMaxSignatures: all 3 verified")
    raw = msg("good.test", from_hdr=third)
    for i in range(1, 8):
        raw = sign(raw, "good.test", pem, "s%d" % i)
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(len(dkim_results(a)), 5,
                "default DKIMMaxSignatures is 5: 7 signatures, 5 verified")
    # The same signatures on the author's own mail: two of the author's
    # organization beyond the cap are verified all the same (an author
    # signing with RSA and Ed25519 has two), and no more.
    raw = msg("good.test")
    for i in range(1, 9):
        raw = sign(raw, "good.test", pem, "s%d" % i)
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(dkim_results(a), ["pass"] * 7,
                "default DKIMMaxSignatures 5: of 8 author's signatures "
                "the 5 on top and 2 more are verified")
    # Ten signatures added in transit above the author's, each asking
    # its own body hash (l=1..10): at most 8 passes over the body are
    # made, from the bottom up, so the author's signature is verified
    # and the top three get dkim=policy.
    raw = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"
                   b" d=good.test; s=s1; h=from; l=%d; bh=AAAA; b=AAAA\r\n"
                   % (i + 1) for i in range(10)) + \
        sign(msg("rej.test"), "rej.test", pem, "s1")
    with daemon.Daemon(options=dict(base, DKIMMaxSignatures=20)) as d:
        res, a, _ = send(d, raw, "<a@rej.test>")
        words = dkim_results(a)
        t.ok(len(words) == 11 and words[:3] == ["policy"] * 3 and
             "policy" not in words[3:] and words[10] == "pass" and
             a.count("too many body hashes") == 3 and "dmarc=pass" in a and
             res.disposition == "accept",
             "11 distinct body hashes asked: 8 made from the bottom up, the "
             "author's signature passes, the top 3 get dkim=policy (too "
             "many body hashes)", diag=a)
    # Every verified signature counts for DMARC, not only the first 16
    # in header order (DKIMMaxSignatures allows 50). Here 16 broken ones
    # (added in transit, above) come before the author's own signature.
    raw = sign(msg("rej.test"), "rej.test", pem, "s1")
    raw = b"".join(b"DKIM-Signature: v=1; broken %d\r\n" % i
                   for i in range(16)) + raw
    with daemon.Daemon(options=dict(base, DKIMMaxSignatures=20)) as d:
        res, a, _ = send(d, raw, "<a@rej.test>")
        t.ok(dkim_results(a) == ["permerror"] * 16 + ["pass"] and
             "dmarc=pass" in a and res.disposition == "accept",
             "DKIMMaxSignatures 20: the aligned 17th signature makes "
             "dmarc=pass", diag=a)
    # The same message at the default DKIMMaxSignatures 5: the author's
    # signature is beyond the cap, and verified all the same (it was
    # left out, and p=reject refused the author's own mail).
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@rej.test>")
        t.ok(dkim_results(a) == ["permerror"] * 5 + ["pass"] and
             "dmarc=pass" in a and res.disposition == "accept",
             "default DKIMMaxSignatures: the author's signature under 16 "
             "broken ones is verified, dmarc=pass", diag=a)
    # Eight forged ones naming the author's domain, above: the extra two
    # are taken from the bottom up, so the author's real one is among
    # them, not the forgeries nearest the cap.
    raw = sign(msg("rej.test"), "rej.test", pem, "s1")
    raw = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"
                   b" d=rej.test; s=s1; h=from; bh=AAAA; b=AAAA\r\n"
                   for i in range(8)) + raw
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@rej.test>")
        words = dkim_results(a)
        t.ok(len(words) == 7 and words.count("pass") == 1 and
             words[5] == "pass" and "dmarc=pass" in a and
             res.disposition == "accept",
             "default DKIMMaxSignatures: 8 forged signatures of the "
             "author's domain above the real one cannot push it out",
             diag=a)


def test_header_caps(t, base, pem, plain):
    pad = b"".join(b"X-Pad-%d: padding\r\n" % i for i in range(30))
    raw = sign(msg("good.test", extra=pad), "good.test", pem, "s1")
    cases = [
        ("MaxHeaders 20", {"MaxHeaders": 20}, raw),
        ("MaxHeaderBytes 4096",
         {"MaxHeaderBytes": 4096},
         sign(msg("good.test", extra=b"X-Big-1: " + b"a" * 3000 +
                  b"\r\nX-Big-2: " + b"b" * 3000 + b"\r\n"),
              "good.test", pem, "s1")),
        ("MaxHeaderFieldBytes 1000 (one folded field of 2000 bytes)",
         {"MaxHeaderFieldBytes": 1000},
         sign(msg("good.test", extra=b"X-Long: " + b"\r\n ".join(
             [b"c" * 97] * 20) + b"\r\n"), "good.test", pem, "s1")),
    ]
    for label, opts, m in cases:
        with daemon.Daemon(options=dict(base, **opts)) as d:
            res, a, _ = send(d, m, "<a@good.test>")
            t.ok(res.disposition == "accept" and
                 dkim_results(a) == ["permerror"] and
                 "header too large" in a,
                 label + ": over the cap, dkim=permerror (header too large)",
                 diag=lambda: a + "\n" + d.log_tail(5))
            t.ok(d.wait_for_log(r"headers_over_cap=yes",
                                5 * SCALE) is not None,
                 label + ": the log line says headers-over-cap",
                 diag=lambda: d.log_tail(5))
        with still_running(plain) as d:
            res, a, _ = send(d, m, "<a@good.test>")
            t.is_eq(dkim_results(a), ["pass"],
                    label + ": the same message passes under the defaults")


def test_field_caps(t, base, pem, plain):
    # A megabyte-class field: over the default MaxHeaderFieldBytes
    # (65536) but under the 1 MiB packet limit; the connection survives.
    huge = b"X-Huge: " + b"\r\n ".join([b"d" * 998] * 200) + b"\r\n"
    raw = sign(msg("good.test", extra=huge), "good.test", pem, "s1")
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.ok(res.disposition == "accept" and dkim_results(a) ==
             ["permerror"], "a 200 KB field over the default "
             "MaxHeaderFieldBytes: answered, dkim=permerror", diag=a)
        ok = d.send_message(msg("good.test"), client_ip=CLIENT,
                            mail_from="<a@good.test>")
        t.ok(d.running() and ok.disposition == "accept",
             "the daemon keeps serving after it", diag=d.log_tail(5))
    # A From field over the cap is not parsed: dmarc=permerror, never
    # the author domain hidden behind a long display name.
    long_from = b'"' + b"x" * 1200 + b'" <alice@good.test>'
    with daemon.Daemon(options=dict(base, MaxHeaderFieldBytes=1000)) as d:
        res, a, _ = send(d, msg("good.test", from_hdr=long_from),
                         "<a@good.test>")
        t.ok("dmarc=permerror" in a and "MaxHeaderFieldBytes" in a,
             "From over MaxHeaderFieldBytes: dmarc=permerror", diag=a)
    with still_running(plain) as d:
        res, a, _ = send(d, msg("good.test", from_hdr=long_from),
                         "<a@good.test>")
        t.ok("dmarc=pass" in a, "the same From under the default cap: "
             "dmarc=pass", diag=a)


def test_key_exponent(t, base, pem_e, plain):
    """An exponent as long as the modulus made each check cost some 180
    times the CPU of one with e=65537 (found in a worst-case cost
    review: 6 ms against 0.03 ms for 3072 bits): such keys get
    dkim=policy before any work; 64 bits is still verified."""
    raw = sign(msg("good.test"), "good.test", pem_e[1024], "e1024")
    raw = sign(raw, "good.test", pem_e[64], "e64")
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(dkim_results(a), ["pass", "policy"],
                "a 64-bit public exponent passes, a 1024-bit one gets "
                "dkim=policy")
        t.ok("key exponent too large" in a, "the reason says why",
             diag=a)


def test_key_bits(t, base, pem_big, plain):
    raw = sign(msg("good.test"), "good.test", pem_big, "big")
    with daemon.Daemon(options=dict(base, DKIMMaxKeyBits=2048)) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.ok(dkim_results(a) == ["policy"] and "key too large" in a,
             "DKIMMaxKeyBits 2048, 3072-bit key: dkim=policy (key too "
             "large)", diag=a)
    with still_running(plain) as d:
        res, a, _ = send(d, raw, "<a@good.test>")
        t.is_eq(dkim_results(a), ["pass"],
                "default DKIMMaxKeyBits (8192): the 3072-bit key passes")


def test_dns_budget(t, base, pem):
    # SLOW_SIGS signatures whose keys never answer, and a DMARC record
    # that never answers either. DNSTimeout 10s per lookup; the budget of
    # 1s ends the whole message's waiting after about 1s (the bound of 6s
    # leaves room for a loaded machine, still far below 10s).
    raw = msg("slow.test")
    for i in range(1, SLOW_SIGS + 1):
        raw = sign(raw, "slow.test", pem, "k%d" % i)
    dns_timeout, bound = 10 * SCALE, 6 * SCALE
    opts = dict(base, DNSTimeout="%ds" % dns_timeout, DKIMMaxSignatures=50)
    with daemon.Daemon(options=dict(opts, DNSMaxTimePerMessage="1s")) as d:
        res, a, took = send(d, raw, "<a@slow.test>")
        words = dkim_results(a)
        t.ok(len(words) == SLOW_SIGS and set(words) == {"temperror"},
             "DNSMaxTimePerMessage 1s: %d slow keys, all dkim=temperror"
             % SLOW_SIGS, diag=a)
        t.ok("dmarc=temperror" in a, "and the slow DMARC record: "
             "dmarc=temperror", diag=a)
        t.ok(took < bound, "the message is answered within the budget "
             "(%.1fs, DNSTimeout is %ds)" % (took, dns_timeout),
             diag=d.log_tail(3))
    # SPF at MAIL FROM never answers either: it uses up the budget, and
    # the keys at end of message then get no time at all.
    raw = sign(msg("slowspf.test"), "good.test", pem, "s1")
    raw = sign(raw, "slow.test", pem, "k1")
    with daemon.Daemon(options=dict(opts, DNSMaxTimePerMessage="1500ms",
                                    SPFMaxTime="60s")) as d:
        res, a, took = send(d, raw, "<a@slowspf.test>")
        words = dkim_results(a)
        # the good.test key answers at once: used if it is in by the
        # end of the message, else it too is a temperror
        t.ok("spf=temperror" in a and len(words) == 2 and
             words[0] == "temperror" and words[1] in ("pass", "temperror")
             and took < bound,
             "budget 1.5s: silent SPF and key: temperror, answered in "
             "%.1fs" % took, diag=a)
        t.ok(re.search(r"spf_reason=\"the message's DNS time limit "
                       r"reached\"", d.log()) is not None,
             "the log says the message's DNS time ended SPF",
             diag=d.log_tail(3))
    # Without the budget the same wait lasts DNSTimeout (the control that
    # shows the budget is what cut it short).
    raw = sign(msg("good.test"), "slow.test", pem, "k2")
    with daemon.Daemon(options=dict(opts, DNSTimeout="2s")) as d:
        res, a, took = send(d, raw, "<a@good.test>")
        t.ok(dkim_results(a) == ["temperror"] and took >= 1.8,
             "default budget (30s): a silent key waits its DNSTimeout "
             "(%.1fs)" % took, diag=a)


def test_spf_queries(t, base):
    with daemon.Daemon(options=dict(base, SPFMaxQueries=10)) as d:
        res, a, _ = send(d, msg("amp.test"), "<a@amp.test>")
        t.ok("spf=permerror" in a, "SPFMaxQueries 10: a record needing "
             "13 lookups gives spf=permerror", diag=a)
        low = d.log()
    want = "SPFMaxQueries 10 is below 112, what a valid SPF record can need"
    t.ok(want in low, "SPFMaxQueries 10: the start-up log warns that a "
         "valid record can need 112", diag=low[-1500:])
    with daemon.Daemon(options=base) as d:
        res, a, _ = send(d, msg("amp.test"), "<a@amp.test>")
        t.ok("spf=fail" in a, "default SPFMaxQueries (128): evaluated "
             "to the end, spf=fail", diag=a)
        t.ok("SPFMaxQueries" not in d.log(), "default SPFMaxQueries: no "
             "warning", diag=d.log()[-1500:])


def test_spf_time(t, base):
    """SPFMaxTime bounds one evaluation, however long DNSTimeout is: a
    record whose includes never answer ends in temperror at the limit,
    not after one DNSTimeout per include. DNSTimeout is not scaled
    under the sanitizers: scaled to 20 s, the control ended after 17.7 s
    in an ASan run (the resolver gave up on the silent server first)."""
    opts = dict(base, DNSTimeout="%ds" % SPF_DNS_TIMEOUT)
    with daemon.Daemon(options=dict(opts, SPFMaxTime="500ms")) as d:
        res, a, took = send(d, msg("slowinc.test"), "<a@slowinc.test>")
        t.ok("spf=temperror" in a and took < 0.5 + SCALE,
             "SPFMaxTime 500ms: silent includes give spf=temperror in "
             "%.1fs (DNSTimeout %ds)" % (took, SPF_DNS_TIMEOUT), diag=a)
        t.ok(re.search(r"spf=temperror .*spf_reason=\"SPF time limit "
                       r"reached", d.log()) is not None,
             "the log says the time limit ended it", diag=d.log_tail(3))


def test_spf_time_control(t, base):
    """test_spf_time's control: without SPFMaxTime's limit the record
    waits DNSTimeout. An idle daemon waiting, so it runs alongside the
    other tests (their daemons only make its wait longer)."""
    opts = dict(base, DNSTimeout="%ds" % SPF_DNS_TIMEOUT)
    with daemon.Daemon(options=dict(opts, SPFMaxTime="60s")) as d:
        res, a, took = send(d, msg("slowinc.test"), "<a@slowinc.test>")
        t.ok("spf=temperror" in a and took >= SPF_DNS_TIMEOUT - 0.2,
             "SPFMaxTime 60s: the same record waits its DNSTimeout "
             "(%.1fs)" % took, diag=a)


def still_running(d):
    """still_running - d in a with-block that leaves it running"""
    return contextlib.nullcontext(d)


def all_but_control(t, base, pem, pem_big, pem_e):
    # one daemon with the base options serves every check of the
    # defaults here (a message's results depend on the message and the
    # config only): one start instead of ten, seconds each under valgrind
    with daemon.Daemon(options=base) as plain:
        test_signatures(t, base, pem, plain)
        test_header_caps(t, base, pem, plain)
        test_field_caps(t, base, pem, plain)
        test_key_bits(t, base, pem_big, plain)
        test_key_exponent(t, base, pem_e, plain)
    test_dns_budget(t, base, pem)
    test_spf_queries(t, base)
    test_spf_time(t, base)


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="cap tests"):
        t.done()
    tmp = tmpdir.make("authmilter-caps-")
    pem, pub = dkim_keys.rsa_key_pair(2048)
    pem_big, pub_big = dkim_keys.rsa_key_pair(3072)
    pem_e, pub_e = {}, {}
    for bits in (64, 1024):
        pem_e[bits], pub_e[bits] = dkim_keys.rsa_key_pair(
            2048, exponent_bits=bits)
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(pub, pub_big, pub_e), f)
    try:
        with dns_testserver.DnsServer(zpath) as srv:
            base = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "2s", "InternalHosts": "10.9.0.0/16"}
            # the last check waits 8 s on an idle daemon: alongside
            run_parallel(t, lambda r: all_but_control(r, base, pem, pem_big,
                                                      pem_e),
                         lambda r: test_spf_time_control(r, base))
    except dns_testserver.ServerError as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
    finally:
        tmpdir.remove(tmp)
    t.done()


if __name__ == "__main__":
    main()
