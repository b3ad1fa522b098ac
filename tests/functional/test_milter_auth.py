#!/usr/bin/python3
"""test_milter_auth - SPF, DKIM and DMARC through the daemon over the
milter protocol, with every record served by a DNS server on loopback
(tests/lib/dns_server.py): the A-R header, the verdicts each policy and
site option gives, exemptions, DNS failures and the shared cache."""

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
from tap import TAP  # noqa: E402

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    import dkim  # noqa: F401
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim and python3-cryptography (%s)" % e

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"

# Header fields of each message on the reused connection: together the
# two messages pass MaxHeaders (set, at its default, so the check does not
# depend on the default), each alone stays well under it, so a header list
# not emptied between them (session.c, headers_clear) marks the second
# message over the cap in its log line.
MAX_HEADERS = 1000
REUSE_FILLER = MAX_HEADERS * 3 // 5


def zone(pub):
    spf = "v=spf1 ip4:192.0.2.0/24 -all"
    z = {}
    for dom, dmarc in (("pass.test", "v=DMARC1; p=reject"),
                       ("reject.test", "v=DMARC1; p=reject; sp=quarantine"),
                       ("quar.test", "v=DMARC1; p=quarantine"),
                       ("none.test", "v=DMARC1; p=none"),
                       ("slow.test", None),
                       ("partner.test", "v=DMARC1; p=reject")):
        z[dom] = [{"TXT": spf}, {"A": "192.0.2.10"}]
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
        if dmarc:
            z["_dmarc." + dom] = [{"TXT": dmarc}]
    z["_dmarc.slow.test"] = ["TIMEOUT"]
    # an explanation with a percent sign (RFC 7208 7.1: "%%" is a "%")
    z["pctexp.test"] = [{"TXT": "v=spf1 -all exp=exp.pctexp.test"}]
    z["exp.pctexp.test"] = [{"TXT": "100%% of %{d}'s mail is refused"}]
    return z


def msg(from_dom, subject="hello", extra=b"", from_hdr=None):
    from_hdr = from_hdr or ("Alice <alice@%s>" % from_dom).encode()
    return (extra + b"From: " + from_hdr + b"\r\n"
            b"To: bob@example.net\r\nSubject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n"
            b"Hello Bob,\r\nthis is a test.\r\n")


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def ar(res):
    vals = res.header_values("Authentication-Results")
    return vals[0] if vals else ""


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="milter auth tests"):
        t.done()
    tmp = tmpdir.make("authmilter-auth-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    dns_testserver.write_zone(zpath, zone(pub))
    try:
        srv = dns_testserver.DnsServer(zpath).__enter__()
    except dns_testserver.ServerError as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    base = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
            "InternalHosts": "10.9.0.0/16", "DMARCNeverReject": "partner.test",
            "MaxHeaders": str(MAX_HEADERS)}
    try:
        run_cases(t, base, pem, srv)
    finally:
        srv.stop()
    t.done()


def quiet_count(srv, settle=0.3, bound=5.0):
    """quiet_count - the server's query count once it has not moved for
    settle seconds (bounded; both scaled)"""
    deadline = time.time() + bound * SCALE
    last = srv.stats()["total"]
    while time.time() < deadline:
        time.sleep(settle * SCALE)
        now = srv.stats()["total"]
        if now == last:
            break
        last = now
    return last


def filler_fields(n):
    """filler_fields - n small distinct header fields"""
    return b"".join(b"X-Filler-%d: x\r\n" % i for i in range(n))


def log_line_of(d, qid, timeout=3):
    """log_line_of - the daemon's per-message log line for a queue id
    (waited for, bounded), or "" """
    m = d.wait_for_log(r"[^\n]*qid=%s [^\n]*" % re.escape(qid),
                       timeout=timeout * SCALE)
    return m.group(0) if m else ""


def reused_connection(t, d, pem):
    """reused_connection - the second message of a connection sees none of
    the first one's header fields or results (the per-message arena,
    header list and state are reset between them, issue 18)"""
    c = d.client()
    try:
        # a field over 1 KB takes the arena's big-allocation path
        long_field = b"X-Long: " + b"a" * 3000 + b"\r\n"
        fill = filler_fields(REUSE_FILLER)
        r1 = c.send_message(sign(msg("pass.test", "reuse1",
                                     extra=long_field + fill),
                                 "pass.test", pem),
                            client_ip=GOOD_IP, mail_from="<a@pass.test>",
                            queue_id="REUSE1")
        r2 = c.send_message(msg("none.test", "reuse2", extra=fill),
                            client_ip=GOOD_IP, mail_from="<b@none.test>",
                            queue_id="REUSE2")
    finally:
        c.close()
    a1, a2 = ar(r1), ar(r2)
    line1, line2 = log_line_of(d, "REUSE1"), log_line_of(d, "REUSE2")
    t.ok("dkim=pass header.d=pass.test" in a1 and
         "header.from=pass.test" in a1 and line1 and
         "headers_over_cap" not in line1,
         "reused connection: first message verified, its fields under "
         "the header cap", diag="%s\n%s" % (a1, line1))
    t.ok("dkim=none" in a2 and "pass.test" not in a2 and
         "dmarc=pass (p=none dis=none) header.from=none.test" in a2 and
         "spf=pass smtp.mailfrom=none.test" in a2 and line2 and
         "headers_over_cap" not in line2,
         "reused connection: second message has only its own header "
         "fields (not over the cap with the first one's) and results",
         diag="%s\n%s" % (a2, line2))
    t.ok(re.search(r"dmarc_from=none\.test", line2) and
         "pass.test" not in line2,
         "reused connection: the second log line names only its own "
         "queue id and domains", diag=d.log_tail(3))


def run_cases(t, base, pem, srv):
    with daemon.Daemon(options=base) as d:
        # aligned SPF and DKIM under p=reject
        res = d.send_message(sign(msg("pass.test", "good"), "pass.test", pem),
                             client_ip=GOOD_IP, mail_from="<a@pass.test>")
        a = ar(res)
        t.ok(res.disposition == "accept", "aligned mail accepted", diag=a)
        t.ok("spf=pass smtp.mailfrom=pass.test" in a, "A-R: spf=pass smtp.mailfrom", diag=a)
        t.ok(re.search(r"dkim=pass header\.d=pass\.test header\.s=s1 "
                       r"header\.a=rsa-sha256 header\.b=\S{8}", a) is not None,
             "A-R: dkim=pass with d, s, a and b", diag=a)
        t.ok("dmarc=pass (p=reject dis=none) header.from=pass.test" in a,
             "A-R: dmarc=pass with policy comment", diag=a)
        t.ok("spf=none smtp.helo=client.test" in a,
             "HELO identity checked and reported (smtp.helo)", diag=a)

        # a second identical message: every record comes from the cache.
        # A lookup the first message started but did not wait for (its
        # verdict was known) may still reach the server after the reply:
        # count from when the server has gone quiet (seen 4 -> 5 under load)
        before = quiet_count(srv)
        d.send_message(sign(msg("pass.test", "good2"), "pass.test", pem),
                       client_ip=GOOD_IP, mail_from="<a@pass.test>")
        t.ok(srv.stats()["total"] == before,
             "second message sends no new DNS queries (shared cache)",
             diag="%d -> %d" % (before, srv.stats()["total"]))

        reused_connection(t, d, pem)

        # spoof of a p=reject domain from a foreign address
        res = d.send_message(msg("reject.test", "spoof"), client_ip=BAD_IP,
                             mail_from="<x@reject.test>")
        t.ok(res.disposition == "reject" and res.code == "550" and
             "5.7.1" in (res.text or ""), "p=reject spoof refused with 550 5.7.1",
             diag=repr(res))
        t.ok(d.wait_for_log(r"spf=fail .*dkim=none .*dmarc=fail dmarc_from=reject\.test .*verdict=reject",
                            timeout=3 * SCALE),
             "log line carries results and verdict",
             diag=d.log_tail(3))

        # subdomain of reject.test falls under sp=quarantine
        res = d.send_message(msg("news.reject.test", "sub"), client_ip=BAD_IP,
                             mail_from="<x@news.reject.test>")
        t.ok(res.disposition == "quarantine", "sp=quarantine applies to a subdomain",
             diag=repr(res))

        res = d.send_message(msg("quar.test", "q"), client_ip=BAD_IP,
                             mail_from="<x@quar.test>")
        t.ok(res.disposition == "quarantine" and "quar.test" in (res.quarantine or ""),
             "p=quarantine failure is quarantined (hold)", diag=repr(res))

        res = d.send_message(msg("none.test", "n"), client_ip=BAD_IP,
                             mail_from="<x@none.test>")
        t.ok(res.disposition == "accept" and "dmarc=fail (p=none dis=none)" in ar(res),
             "p=none failure accepted and reported", diag=ar(res))

        # tampered body: DKIM fails, aligned SPF still passes DMARC
        signed = sign(msg("pass.test", "tamper"), "pass.test", pem)
        res = d.send_message(signed.replace(b"this is a test", b"this is a TEST"),
                             client_ip=GOOD_IP, mail_from="<a@pass.test>")
        a = ar(res)
        t.ok('dkim=fail reason="body hash mismatch"' in a and "dmarc=pass" in a,
             "tampered body: dkim=fail, DMARC passes on aligned SPF", diag=a)

        # unsigned, SPF pass, unaligned SPF domain: DMARC fail
        res = d.send_message(msg("pass.test", "unaligned"), client_ip=GOOD_IP,
                             mail_from="<bounce@none.test>")
        a = ar(res)
        t.ok("dkim=none" in a and "dmarc=fail" in a and res.disposition == "reject",
             "unaligned SPF pass does not satisfy DMARC", diag=a)

        # never-reject list
        res = d.send_message(msg("partner.test", "partner"), client_ip=BAD_IP,
                             mail_from="<x@partner.test>")
        t.ok(res.disposition == "accept" and "dmarc=fail" in ar(res),
             "DMARCNeverReject domain is not refused", diag=repr(res))

        # several author domains: strictest by default
        res = d.send_message(msg("x", "multi", from_hdr=b"a@none.test, b@reject.test"),
                             client_ip=BAD_IP, mail_from="<x@none.test>")
        t.ok(res.disposition == "reject", "several From domains: strictest result applies",
             diag=repr(res))

        # no usable From: never a pass; refused (DMARCBadFrom reject)
        res = d.send_message(msg("x", "nofrom", from_hdr=b"undisclosed"),
                             client_ip=GOOD_IP, mail_from="<a@pass.test>")
        t.ok(res.disposition == "reject" and "From" in (res.text or ""),
             "unparsable From is refused (DMARCBadFrom reject)", diag=repr(res))

        # null sender: SPF on HELO, reported as smtp.helo
        res = d.send_message(msg("none.test", "bounce"), client_ip=GOOD_IP,
                             mail_from="<>", helo="pass.test")
        t.ok("spf=pass smtp.helo=pass.test" in ar(res),
             "null sender checked as postmaster@HELO", diag=ar(res))

        # exemptions
        res = d.send_message(msg("reject.test", "internal"), client_ip="10.9.1.2",
                             mail_from="<x@reject.test>")
        t.ok(res.disposition == "accept" and "spf=" not in ar(res) and
             "dmarc=" not in ar(res), "InternalHosts are not verified", diag=ar(res))
        res = d.send_message(msg("reject.test", "auth"), client_ip=BAD_IP,
                             mail_from="<x@reject.test>",
                             macros={"{auth_authen}": "alice"})
        t.ok(res.disposition == "accept" and "dmarc=" not in ar(res),
             "authenticated clients are not verified", diag=ar(res))

        # DNS timeout during DMARC discovery: temperror, accepted by default
        t0 = time.monotonic()
        res = d.send_message(msg("slow.test", "slow"), client_ip=GOOD_IP,
                             mail_from="<a@slow.test>")
        took = time.monotonic() - t0
        t.ok("dmarc=temperror" in ar(res) and res.disposition == "accept",
             "DMARC DNS timeout gives temperror", diag=ar(res))
        t.ok(took < 1.0 * 3 + 1.5, "answer within the DNS time bound",
             diag="%.2fs" % took)

        # a 50 MB signed message: the body is streamed, memory stays flat
        hwm0 = daemon.memory_kib(d.pid, "VmHWM")
        big = msg("pass.test", "big").replace(
            b"Hello Bob,\r\n", b"Hello Bob,\r\n" + (b"y" * 78 + b"\r\n") * 625000)
        res = d.send_message(sign(big, "pass.test", pem), client_ip=GOOD_IP,
                             mail_from="<a@pass.test>", timeout=120 * SCALE)
        grown = daemon.memory_kib(d.pid, "VmHWM") - hwm0
        t.ok("dkim=pass header.d=pass.test" in ar(res),
             "50 MB message verifies (dkim=pass)", diag=ar(res))
        t.ok(grown < 8 * 1024, "peak memory grows less than 8 MiB for a 50 MB "
             "message (grew %d KiB)" % grown)
        t.diag("50 MB message: daemon peak RSS grew %d KiB (from %d KiB)"
               % (grown, hwm0))

    opts = dict(base, SPFFailAction="reject", DMARCTempErrorAction="tempfail",
                ReceivedSPFHeader="yes", DMARCMultipleFrom="reject")
    with daemon.Daemon(options=opts) as d:
        res = d.send_message(msg("none.test", "spffail"), client_ip=BAD_IP,
                             mail_from="<x@none.test>")
        t.ok(res.disposition == "reject" and res.stage == "mail" and
             "5.7.23" in (res.text or ""), "SPFFailAction reject: 550 5.7.23 at MAIL FROM",
             diag=repr(res))
        t.ok("SPF check failed for none.test: %s is not one of none.test's "
             "designated mail servers" % BAD_IP in (res.text or ""),
             "the reply gives the SPF explanation (RFC 7208 8.4)",
             diag=repr(res))
        # libmilter drops a reply text with a lone "%" (smfi_setreply),
        # so the "%" of the sender's explanation goes out doubled
        res = d.send_message(msg("pctexp.test", "pct"), client_ip=BAD_IP,
                             mail_from="<x@pctexp.test>")
        t.ok(res.disposition == "reject" and
             "SPF check failed for pctexp.test: 100%% of pctexp.test's mail "
             "is refused" in (res.text or ""),
             "a % in the SPF explanation reaches the reply escaped as %%",
             diag=repr(res))
        res = d.send_message(msg("slow.test", "slow2"), client_ip=GOOD_IP,
                             mail_from="<a@slow.test>")
        t.ok(res.disposition == "tempfail" and res.code == "451",
             "DMARCTempErrorAction tempfail: 451", diag=repr(res))
        res = d.send_message(msg("pass.test", "rspf"), client_ip=GOOD_IP,
                             mail_from="<a@pass.test>")
        rs = res.header_values("Received-SPF")
        t.ok(len(rs) == 1 and rs[0].startswith("pass"), "Received-SPF header added",
             diag=repr(rs))
        res = d.send_message(msg("x", "multi2", from_hdr=b"a@pass.test, b@none.test"),
                             client_ip=GOOD_IP, mail_from="<a@pass.test>")
        t.ok(res.disposition == "reject", "DMARCMultipleFrom reject refuses several domains",
             diag=repr(res))
        # the log line and the metrics say what the A-R said: permerror,
        # not the "none" of an evaluation that never ran
        t.ok(d.wait_for_log(r"\bdmarc=permerror\b.*dmarc_reason=.?several "
                            r"author domains.*verdict=reject",
                            timeout=3 * SCALE)
             is not None, "DMARCMultipleFrom reject: the log line says "
             "dmarc=permerror (several author domains)", diag=d.log_tail(2))

    with daemon.Daemon(options=dict(base, DMARCMonitorOnly="yes",
                                    DMARCMultipleFrom="reject")) as d:
        res = d.send_message(msg("reject.test", "monitor"), client_ip=BAD_IP,
                             mail_from="<x@reject.test>")
        t.ok(res.disposition == "accept" and "dmarc=fail" in ar(res) and
             d.wait_for_log(r"verdict=accept would=reject",
                            timeout=3 * SCALE),
             "monitor mode reports but accepts", diag=d.log_tail(2))
        # authmilter.conf(5): monitor mode never rejects; DMARCMultipleFrom
        # reject used to refuse here all the same
        res = d.send_message(msg("x", "monitor2",
                                 from_hdr=b"a@pass.test, b@none.test"),
                             client_ip=GOOD_IP, mail_from="<a@pass.test>")
        t.ok(res.disposition == "accept" and
             d.wait_for_log(r"verdict=accept would=reject why=multiple-from",
                            timeout=3 * SCALE),
             "monitor mode: DMARCMultipleFrom reject only reports",
             diag=repr(res) + d.log_tail(2))


if __name__ == "__main__":
    main()
