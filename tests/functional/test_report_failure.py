#!/usr/bin/python3
"""test_report_failure - DMARC failure reports (RFC 9991) from the daemon:
off by default; when on, fo=0 reports a failure with no aligned pass and
not a pass, fo=1 reports a pass with one mechanism unaligned (its A-R says
dmarc=pass, its Identity-Alignment names the one), fo=s an SPF
failure; an SPF failure of an aligned domain carries the SPF record
(SPF-DNS), a pass or an unaligned MAIL FROM domain none, and a record
that cannot be read again (the DNS answers once) none, with a log line,
and none read for a ruf without a mailto: URI (no report to make); an
unauthorised external ruf and a psd=y record get none (which hosts are
the policy domain's own organisation: RFC 9989's tree walk, the PSL in
DMARCMode rfc7489); an external ruf
is authorised and replaced by the ruf of the record at
<domain>._report._dmarc.<host>, never its rua; an address named
twice, or put in place of two ruf URIs, gets one report; a ruf !size
is honoured in DMARCMode rfc7489 only; the
rate limit per domain holds; the report is AFRF (multipart/report,
feedback-report with Auth-Failure: dmarc and Identity-Alignment, an
Authentication-Results that quotes a value which is not a token, and
Original-Envelope-Id from MAIL FROM's ENVID only) with the
header fields redacted, and is submitted through ReportSendmail.
Redaction (RFC 6590, FailureReportRedact, default yes) hides the
local-part of every address in every copied header field (a Received
"for", a quoted-string local-part with an escaped quote), in
Original-Mail-From (a VERP sender) and in the Subject, keeps the domains
and the Message-ID; FailureReportRedact no leaves them as they came."""

import email.utils
import glob
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import fake_sendmail  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim  # noqa: F401
    import yaml
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-yaml (%s)" % e

# a report's Message-ID: afrf.<time>.<n>.<pid>@ and the host's name
MSGID = r"<afrf\.\d+\.\d+\.\d+@%s>" % re.escape(socket.gethostname())
# slower under valgrind/ASan (tests/ci-sanitize.sh sets it)
SCALE = time_scale.factor()

ENVID_ARGS = ("BODY=8BITMIME", "ENVID=QQ+2B314159")
GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
ZONE = {
    "f0.test": "v=DMARC1; p=reject; ruf=mailto:ruf@f0.test",
    "f1.test": "v=DMARC1; p=none; fo=1; ruf=mailto:ruf@f1.test",
    "fs.test": "v=DMARC1; p=none; fo=s; ruf=mailto:ruf@fs.test",
    "fu.test": "v=DMARC1; p=none; ruf=mailto:ruf@fu.test",
    # SPF fails for a child (mail.fc.test) or the parent (fp.test) of
    # the From domain: aligned in relaxed mode, so SPF-DNS is given
    "fc.test": "v=DMARC1; p=none; ruf=mailto:ruf@fc.test",
    "fp.test": "v=DMARC1; p=none; ruf=mailto:ruf@fp.test",
    "subj.test": "v=DMARC1; p=none; ruf=mailto:ruf@subj.test",
    "ext.test": "v=DMARC1; p=none; ruf=mailto:x@other.example",
    "psd.test": "v=DMARC1; p=none; psd=y; ruf=mailto:ruf@psd.test",
    "once.test": "v=DMARC1; p=none; ruf=mailto:ruf@once.test",
    "nr.test": "v=DMARC1; p=none; ruf=https://nr.test/afrf",
    "many.test": "v=DMARC1; p=none; ruf=mailto:ruf@many.test",
    "fd.test": "v=DMARC1; p=none; fo=d; ruf=mailto:ruf@fd.test",
    "f1b.test": "v=DMARC1; p=none; fo=1; ruf=mailto:ruf@f1b.test",
    "fq.test": "v=DMARC1; p=none; ruf=mailto:ruf@fq.test",
    "rf.test": "v=DMARC1; p=none; ruf=mailto:ruf@rf.test",
    "rf1.test": "v=DMARC1; p=none; ruf=mailto:forensic@rep1.example",
    "rf2.test": "v=DMARC1; p=none; ruf=mailto:forensic@rep2.example",
    "rf3.test": "v=DMARC1; p=none; ruf=mailto:forensic@rep3.example",
    "rf5.test": "v=DMARC1; p=none; ruf=mailto:a@rep5.example,"
                "mailto:b@rep6.example",
    "sz.test": "v=DMARC1; p=none; ruf=mailto:small@sz.test!100,"
               "mailto:big@sz.test!100k",
    # the same address, over its !size in rfc7489 mode, then without one
    "sz2.test": "v=DMARC1; p=none; ruf=mailto:r@sz2.test!100,"
                "mailto:r@sz2.test",
    "rf4.test": "v=DMARC1; p=none; ruf=mailto:a@rep4.example,"
                "mailto:b@rep4.example,mailto:ruf@rf4.test,"
                "mailto:ruf@rf4.test",
    # a public suffix domain the PSL does not know: the PSL puts both
    # names below it in one organisation, RFC 9989's tree walk in two
    "psdz.test": "v=DMARC1; p=none; psd=y",
    "org.psdz.test": "v=DMARC1; p=none; ruf=mailto:ruf@other.psdz.test",
    "org2.psdz.test": "v=DMARC1; p=none; ruf=mailto:ruf@mail.org2.psdz.test",
}
# the external hosts' authorisation records (RFC 9991: RFC 9990's
# verification with ruf read for rua)
AUTHORISE = {
    # authorised; its rua is for aggregate reports, not this one
    "rf1.test._report._dmarc.rep1.example":
        "v=DMARC1; rua=mailto:agg@rep1.example",
    # authorised; a rua naming another host does not refuse a ruf
    "rf2.test._report._dmarc.rep2.example":
        "v=DMARC1; rua=mailto:agg@elsewhere.example; "
        "ruf=mailto:afrf@rep2.example",
    # a ruf naming another host: refused
    "rf3.test._report._dmarc.rep3.example":
        "v=DMARC1; rua=mailto:agg@rep3.example; "
        "ruf=mailto:x@elsewhere.example",
    # authorised; both ruf addresses of rf4.test replaced by one
    "rf4.test._report._dmarc.rep4.example":
        "v=DMARC1; ruf=mailto:afrf@rep4.example",
}


def zone():
    z = {}
    for dom, rec in ZONE.items():
        z[dom] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
        z["_dmarc." + dom] = [{"TXT": rec}]
    for name, rec in AUTHORISE.items():
        z[name] = [{"TXT": rec}]
    z["mail.fc.test"] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
    # SPF's read answered, the failure report's second read not
    z["once.test"].append("ANSWERONCE")
    z["nr.test"].append("ANSWERONCE")
    # a TXT record that is not SPF, then five SPF records (a permerror)
    z["many.test"] = [{"TXT": "site-check=1"}] + [
        {"TXT": "v=spf1 ip4:192.0.2.%d/32 -all" % k} for k in range(1, 6)]
    return z


def msg(dom, n):
    return ("From: Alice <alice@%s>\r\nTo: bob.smith@example.net\r\n"
            "Subject: hello %d\r\nMessage-ID: <m%d@%s>\r\n\r\nBody text.\r\n"
            % (dom, n, n, dom)).encode()


def reports(spool):
    return fake_sendmail.messages(spool)


def wait_count(spool, n, timeout=10, settle=True):
    """wait_count - until spool holds n reports (bounded); with settle, a
    moment more, in which a report too many would come. A caller about to
    stop the daemon needs none: the stop sends whatever was queued."""
    fake_sendmail.wait_count(spool, n, timeout * SCALE)
    if settle:
        # short, but as slow as the run
        time.sleep(0.3 * SCALE)
    return len(fake_sendmail.paths(spool))


def wait_log_count(d, text, n, timeout):
    """wait_log_count - until d's log has text n times (bounded)"""
    end = time.monotonic() + timeout
    while d.log().count(text) < n and time.monotonic() < end:
        time.sleep(0.05)


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="failure report tests"):
        t.done()
    tmp = tmpdir.make("authmilter-fail-", mode=0o755)
    pem, pub = dkim_keys.rsa_key_pair()
    z = zone()
    for dom in ("fd.test", "f1b.test"):
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
    # a bounce domain below f1b.test: SPF aligns only relaxed
    z["mail.f1b.test"] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(z, f)
    script, spool = fake_sendmail.make(tmp, "fake-sendmail")
    with dns_testserver.DnsServer(zpath) as srv:
        base = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
                "ReportContact": "dmarc@mx.receiver.example",
                "ReportSendmail": script + " -t -oi"}
        with daemon.Daemon(options=base) as d:
            d.send_message(msg("f0.test", 0), client_ip=BAD_IP,
                           mail_from="<x@f0.test>")
        # stopped: a report queued would have been sent by now
        t.is_eq(len(fake_sendmail.paths(spool)), 0,
                "off by default: no failure report")
        on(t, dict(base, FailureReports="yes", FailureReportRate="2"), spool)
        rate_after_clock_step(t, dict(base, FailureReports="yes",
                                      FailureReportRate="1"), spool, tmp)
        external(t, dict(base, FailureReports="yes"), spool)
        redaction(t, dict(base, FailureReports="yes"), tmp)
        dkim_failure(t, dict(base, FailureReports="yes"), spool, pem)
        dkim_failure_named(t, dict(base, FailureReports="yes"), spool,
                           pem)
        both_aligned(t, dict(base, FailureReports="yes"), spool, pem)
        quoted_values(t, dict(base, FailureReports="yes"), spool)
        subjects(t, dict(base, FailureReports="yes"), spool)
        size_limit(t, dict(base, FailureReports="yes"), spool)
        organisations(t, dict(base, FailureReports="yes"), spool)
    t.done()


def organisations(t, opts, spool):
    """which ruf hosts are the policy domain's own organisation: by RFC
    9989's tree walk (a psd=y record the PSL does not list makes
    other.psdz.test a stranger to org.psdz.test), by the PSL in DMARCMode
    rfc7489 (psdz.test holds both)"""
    for mode, want in ((None, ["ruf@mail.org2.psdz.test"]),
                       ("rfc7489", ["ruf@mail.org2.psdz.test",
                                    "ruf@other.psdz.test"])):
        before = len(fake_sendmail.paths(spool))
        o = dict(opts, DMARCMode=mode) if mode else dict(opts)
        with daemon.Daemon(options=o) as d:
            for n, dom in enumerate(("org.psdz.test", "org2.psdz.test")):
                d.send_message(msg(dom, 500 + n), client_ip=BAD_IP,
                               mail_from="<x@%s>" % dom)
            wait_count(spool, before + len(want))
            tos = [str(m["To"]) for m in
                   fake_sendmail.messages(spool)[before:]]
            t.is_eq(sorted(tos), want, "ruf host's organisation in %s mode"
                    % (mode or "the default rfc9989"))
            if not mode:
                t.ok(d.wait_for_log(r"failure report org\.psdz\.test: "
                                    r"ruf@other\.psdz\.test: skipped: .*not "
                                    r"authorised", timeout=5 * SCALE),
                     "tree walk: a ruf host below the same public suffix "
                     "needs its authorisation record", diag=d.log_tail(5))


def size_limit(t, opts, spool):
    """a ruf URI's !size: honoured in DMARCMode rfc7489 (RFC 7489 gives
    every report URI one), ignored otherwise (RFC 9989 made it obsolete);
    an address whose first URI is over its limit still gets the report
    through a second URI without one"""
    for mode, want in (("rfc7489", ["big@sz.test", "r@sz2.test"]),
                       (None, ["big@sz.test", "r@sz2.test",
                               "small@sz.test"])):
        before = len(fake_sendmail.paths(spool))
        o = dict(opts, DMARCMode=mode) if mode else dict(opts)
        with daemon.Daemon(options=o) as d:
            for dom in ("sz.test", "sz2.test"):
                d.send_message(msg(dom, 400), client_ip=BAD_IP,
                               mail_from="<x@%s>" % dom)
            wait_count(spool, before + len(want))
            tos = [str(m["To"]) for m in
                   fake_sendmail.messages(spool)[before:]]
            t.is_eq(sorted(tos), want, "ruf !size in %s mode: %s"
                    % (mode or "default", "honoured" if mode else "ignored"))
            if mode:
                t.ok(d.wait_for_log(r"failure report sz\.test: small@sz\.test:"
                                    r" skipped: report of \d+ bytes over its "
                                    r"limit of 100", timeout=5 * SCALE),
                     "ruf over its !size limit: skipped with a log line",
                     diag=d.log_tail(5))


def dkim_failure(t, opts, spool, pem):
    """fo=d: a signature of the author's domain that fails is reported,
    and the report names it (RFC 9991: DKIM-Domain and DKIM-Selector in
    the feedback part, the dkim result in its Authentication-Results);
    a failure without a signature, or with one that verifies, is not"""
    before = len(fake_sendmail.paths(spool))
    signed = dkim_keys.relaxed_signed(msg("fd.test", 300), "fd.test", pem)
    broken = signed.replace(b"Body text.", b"Body text, changed.")
    with daemon.Daemon(options=opts) as d:
        for m in (msg("fd.test", 298), dkim_keys.relaxed_signed(
                msg("fd.test", 299), "fd.test", pem), broken):
            d.send_message(m, client_ip=BAD_IP, mail_from="<x@fd.test>")
        wait_count(spool, before + 1, settle=False)
    new = fake_sendmail.messages(spool)[before:]
    fb = feedback(new[0]).replace("\r", "") if new else ""
    t.ok(len(new) == 1 and str(new[0]["To"]) == "ruf@fd.test" and
         "\nDKIM-Domain: fd.test\n" in "\n" + fb and
         "\nDKIM-Selector: s1\n" in "\n" + fb, "fo=d: a failed signature "
         "of the author's domain reported with DKIM-Domain and "
         "DKIM-Selector", diag=fb)
    t.ok(re.search(r"Authentication-Results: .*dmarc=fail .*; dkim=fail "
                   r"header\.d=fd\.test header\.s=s1", fb.replace("\n ", " "))
         is not None, "fo=d: the report's Authentication-Results has the "
         "signature's result", diag=fb)


def dkim_failure_named(t, opts, spool, pem):
    """fo=d on a DMARC pass: of a passing signature and a failing one of
    the author's domain, DKIM-Selector names the one that failed"""
    before = len(fake_sendmail.paths(spool))
    mixed = (b"DKIM-Signature: v=1; a=rsa-sha256; d=fd.test; s=s2; "
             b"h=from; bh=AAAA; b=AAAA\r\n" +
             dkim_keys.relaxed_signed(msg("fd.test", 302), "fd.test", pem))
    with daemon.Daemon(options=opts) as d:
        d.send_message(mixed, client_ip=BAD_IP, mail_from="<x@fd.test>")
        wait_count(spool, before + 1)
    new = fake_sendmail.messages(spool)[before:]
    fb = feedback(new[0]).replace("\r", "") if new else ""
    t.ok("\nDKIM-Domain: fd.test\n" in "\n" + fb and
         "\nDKIM-Selector: s2\n" in "\n" + fb,
         "fo=d: the failed signature named, not the one that passed",
         diag=fb)


def both_aligned(t, opts, spool, pem):
    """fo=1 with no ReportStore: DKIM aligned exactly and SPF only relaxed
    (its MAIL FROM in a subdomain) is no mechanism unaligned, so no
    report; the message after it, without DKIM, is reported. The
    evaluation must look at SPF's alignment though DKIM's already
    passed DMARC."""
    before = len(fake_sendmail.paths(spool))
    signed = dkim_keys.relaxed_signed(msg("f1b.test", 400), "f1b.test", pem)
    with daemon.Daemon(options=opts) as d:
        d.send_message(signed, client_ip=GOOD_IP,
                       mail_from="<x@mail.f1b.test>")
        d.send_message(msg("f1b.test", 401), client_ip=GOOD_IP,
                       mail_from="<x@mail.f1b.test>")
        wait_count(spool, before + 1, settle=False)
    new = fake_sendmail.messages(spool)[before:]
    subjects = [sorted(set(re.findall(r"hello (40\d)", m.as_string())))
                for m in new]
    t.ok(subjects == [["401"]], "fo=1: DKIM aligned "
         "exactly and SPF relaxed is no unaligned mechanism: no report; "
         "the same without DKIM is reported", diag=repr(subjects))


def subjects(t, opts, spool):
    """the report's Subject: the original's first 200 bytes, all of
    them when no space follows its colon; a header of 32 fields (the
    list's first size) without a Subject is reported too"""
    before = len(fake_sendmail.paths(spool))
    text = "x" * 150 + "y" * 150
    long_subject = msg("subj.test", 700).replace(
        b"Subject: hello 700", b"Subject:" + text.encode())
    pad = b"".join(b"X-Pad-%d: p\r\n" % i for i in range(29))
    no_subject = pad + msg("subj.test", 701).replace(b"Subject: hello 701\r\n",
                                                      b"")
    with daemon.Daemon(options=opts) as d:
        for m in (long_subject, no_subject):
            d.send_message(m, client_ip=BAD_IP, mail_from="<x@subj.test>")
        wait_count(spool, before + 2)
    new = fake_sendmail.messages(spool)[before:]
    got = [re.sub(r"\r?\n(?=[ \t])", "", str(m["Subject"])) for m in new]
    t.is_eq(len(got), 2, "a report of each, one without a Subject")
    t.ok("FW: " + text[:200] in got, "a 300-byte Subject with no space "
         "after its colon: its first 200 bytes", diag=repr(got))


def quoted_values(t, opts, spool):
    """the report's Authentication-Results quotes a value that is not a
    token (RFC 8601 2.2): a MAIL FROM domain "fq.test;dmarc=pass" stays
    one smtp.mailfrom value, not a second, passing dmarc result"""
    before = len(fake_sendmail.paths(spool))
    with daemon.Daemon(options=opts) as d:
        d.send_message(msg("fq.test", 600), client_ip=BAD_IP,
                       mail_from="<x@fq.test;dmarc=pass>")
        wait_count(spool, before + 1, settle=False)
    new = fake_sendmail.messages(spool)[before:]
    fb = feedback(new[0]).replace("\r", "") if new else ""
    m = re.search(r"^Authentication-Results: (.*)$",
                  re.sub(r"\n[ \t]", " ", fb), re.M)
    ar = m.group(1) if m else ""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', ar)
    t.ok('smtp.mailfrom="fq.test;dmarc=pass"' in ar and
         re.findall(r"\bdmarc=\w+", unquoted) == ["dmarc=fail"],
         "report A-R: a MAIL FROM domain with ';' is one quoted value",
         diag=fb)


def on(t, opts, spool):
    with daemon.Daemon(options=opts) as d:
        # (From domain, client, MAIL FROM domain)
        send = [("f0.test", GOOD_IP, "f0.test"), ("f0.test", BAD_IP, "f0.test"),
                ("f1.test", GOOD_IP, "f1.test"), ("fs.test", BAD_IP, "fs.test"),
                ("ext.test", BAD_IP, "ext.test"),
                ("psd.test", BAD_IP, "psd.test"),
                ("fu.test", BAD_IP, "fs.test"),
                ("once.test", BAD_IP, "once.test"),
                ("nr.test", BAD_IP, "nr.test"),
                ("many.test", BAD_IP, "many.test"),
                ("fc.test", BAD_IP, "mail.fc.test"),
                ("sub.fp.test", BAD_IP, "fp.test")]
        for n, (dom, ip, mfrom) in enumerate(send):
            # the f0.test failure (n 1) comes with the sender's ENVID
            d.send_message(msg(dom, n), client_ip=ip,
                           mail_from="<x@%s>" % mfrom,
                           mail_args=ENVID_ARGS if n == 1 else ())
        got = wait_count(spool, 8)
        rs = reports(spool)
        tos = sorted(str(r["To"]) for r in rs)
        t.is_eq(tos, ["ruf@f0.test", "ruf@f1.test", "ruf@fc.test",
                      "ruf@fp.test", "ruf@fs.test", "ruf@fu.test",
                      "ruf@many.test", "ruf@once.test"],
                "fo=0 fail, fo=1 pass without DKIM, fo=s SPF fail reported; "
                "fo=0 pass, unauthorised ruf and psd=y not")
        spf_dns(t, rs)
        t.ok(d.wait_for_log(r"failure report once\.test: no SPF record at "
                            r"once\.test for SPF-DNS \(servfail\)",
                            timeout=5 * SCALE),
             "SPF record not read again: the report goes without SPF-DNS, "
             "with a log line",
             diag=d.log_tail(5))
        # the second read of nr.test's SPF record fails: a read would
        # say so before the line that ends the job
        t.ok(d.wait_for_log(r"failure report nr\.test: no usable ruf "
                            r"address", timeout=5 * SCALE) and
             "failure report nr.test: no SPF record" not in d.log(),
             "no mailto: ruf: no report, and the SPF records not read "
             "for one", diag=d.log_tail(5))
        t.ok(d.wait_for_log(r"failure report ext\.test: x@other\.example: "
                            r"skipped: .*not authorised", timeout=5 * SCALE),
             "unauthorised external ruf skipped with a log line",
             diag=d.log_tail(5))
        f0 = [r for r in rs if str(r["To"]) == "ruf@f0.test"]
        if f0:
            check_afrf(t, f0[0])
        f1 = [r for r in rs if str(r["To"]) == "ruf@f1.test"]
        fb = feedback(f1[0]) if f1 else ""
        t.ok(f1 and "Original-Envelope-Id" not in fb, "no ENVID in MAIL "
             "FROM: no Original-Envelope-Id (not the queue id)", diag=fb)
        # fo=1 reports a DMARC pass whose DKIM gave no aligned pass
        t.ok("Identity-Alignment: dkim\n" in fb.replace("\r", "") and
             re.search(r"Authentication-Results: \S+; dmarc=pass "
                       r"header\.from=f1\.test", fb),
             "fo=1 report of a pass: Identity-Alignment names DKIM alone, "
             "the A-R says dmarc=pass", diag=fb)
        for n in range(3):
            d.send_message(msg("f0.test", 100 + n), client_ip=BAD_IP,
                           mail_from="<x@f0.test>")
        # one report more and two over the limit: then the stop sends
        # whatever else was queued, and no report can come after it (a
        # wait for a third report instead took 3 s, 15 s under the
        # sanitizers, whenever the limit held)
        wait_count(spool, got + 1, timeout=3, settle=False)
        wait_log_count(d, "failure report f0.test: over 2 per hour", 2,
                       3 * SCALE)
        d.stop()
        t.is_eq(len([r for r in reports(spool) if str(r["To"]) ==
                     "ruf@f0.test"]), 2, "FailureReportRate 2: two reports "
                "for f0.test in this hour, no more")
        t.ok(d.wait_for_log(r"failure report f0\.test: over 2 per hour",
                            timeout=5 * SCALE), "rate limit logged", diag=d.log_tail(5))
        t.ok(re.search(r"failure reports: 9 sent, 2 over the rate limit",
                       d.log()), "counts logged at stop", diag=d.log_tail(3))
    del got


def rate_after_clock_step(t, opts, spool, tmp):
    """FailureReportRate holds when the wall clock is stepped back an
    hour (NTP, an admin): the hour was the wall clock's, and a step into
    another one started the count again. libfaketime (package faketime)
    moves the daemon's wall clock from a file it re-reads, the monotonic
    clock left alone."""
    names = ["FailureReportRate 1, wall clock stepped back 1 h: "
             "no second report in the hour", "the second one logged as over"]
    lib = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    if not t.need(check=lambda: None if lib else
                  "libfaketimeMT.so.1 (package faketime)",
                  what="failure reports and a clock step", tests=names):
        return
    offset = os.path.join(tmp, "faketime-offset")
    with open(offset, "w") as f:
        f.write("+0\n")
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"LD_PRELOAD": lib[0], "FAKETIME_TIMESTAMP_FILE": offset,
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           "ASAN_OPTIONS": (asan + ":" if asan else "") +
           "verify_asan_link_order=0"}
    before = len(fake_sendmail.paths(spool))
    with daemon.Daemon(options=opts, env=env) as d:
        d.send_message(msg("f0.test", 200), client_ip=BAD_IP,
                       mail_from="<x@f0.test>")
        first = wait_count(spool, before + 1, timeout=5)
        with open(offset + ".new", "w") as f:
            f.write("-1h\n")
        os.replace(offset + ".new", offset)
        d.send_message(msg("f0.test", 201), client_ip=BAD_IP,
                       mail_from="<x@f0.test>")
        t.ok(d.wait_for_log(r"failure report f0\.test: over 1 per hour",
                            timeout=5 * SCALE), names[1], diag=d.log_tail(5))
    # stopped: a second report, had one been queued, is sent by now
    got = len(fake_sendmail.paths(spool))
    t.ok(first == before + 1 and got == before + 1, names[0],
         diag="reports: %d before, %d after the first, %d at the end"
         % (before, first, got))


def external(t, opts, spool):
    """ruf destinations outside the policy domain's organisation"""
    before = len(fake_sendmail.paths(spool))
    with daemon.Daemon(options=opts) as d:
        for n, dom in enumerate(("rf1.test", "rf2.test", "rf3.test")):
            d.send_message(msg(dom, 200 + n), client_ip=BAD_IP,
                           mail_from="<x@%s>" % dom)
        wait_count(spool, before + 2)
        # names sort in the order the messages came: the new ones last
        tos = [str(m["To"]) for m in fake_sendmail.messages(spool)[before:]]
        t.is_eq(sorted(tos), ["afrf@rep2.example", "forensic@rep1.example"],
                "external ruf: authorised by the record's presence, replaced "
                "by its ruf, never sent to its rua")
        t.ok(d.wait_for_log(r"failure report rf3\.test: forensic@rep3\.example:"
                            r" skipped: .*not authorised \(its ruf names another"
                            r" host\)", timeout=5 * SCALE),
             "a ruf override naming another host refuses it, and the log "
             "says so", diag=d.log_tail(5))
        # two addresses refused: the second one's line gives its reason
        # alone
        d.send_message(msg("rf5.test", 205), client_ip=BAD_IP,
                       mail_from="<x@rf5.test>")
        m = d.wait_for_log(r"failure report rf5\.test: b@rep6\.example: "
                           r"skipped: (.*)", timeout=5 * SCALE)
        why = m.group(1) if m else ""
        t.ok(why.count("not authorised") == 1 and "rep5" not in why,
             "two ruf addresses refused: each line its own reason", diag=why)
        # two ruf URIs the verification replaces by the same address,
        # and one address written twice: one report to each address
        before = len(fake_sendmail.paths(spool))
        d.send_message(msg("rf4.test", 210), client_ip=BAD_IP,
                       mail_from="<x@rf4.test>")
        wait_count(spool, before + 2)
        new = fake_sendmail.messages(spool)[before:]
        tos = [str(m["To"]) for m in new]
        t.is_eq(sorted(tos), ["afrf@rep4.example", "ruf@rf4.test"],
                "ruf addresses that end up the same get one report")
        mids = [str(m["Message-ID"]) for m in new]
        t.ok(len(set(mids)) == 2 and all(re.fullmatch(MSGID, i)
                                         for i in mids),
             "one report's messages: a Message-ID each", diag=repr(mids))


# a message whose addresses are outside From/To/Cc or quoted (the three
# leaks a review found): VERP MAIL FROM, Received "for", quoted local-part
RF_MSG = ("Received: from mx.rf.test (mx.rf.test [198.51.100.66])\r\n"
          "\tby rx.example with ESMTP id 4Q1\r\n"
          "\tfor <bob.secret@example.net>; Tue, 1 Dec 2026 10:00:00 +0000\r\n"
          "From: Alice <alice@rf.test>\r\n"
          "To: \"john \\\"x\\\" doe\"@example.net\r\n"
          "Subject: news for dave.private@example.net\r\n"
          "Message-ID: <m.42@rf.test>\r\n\r\nBody text.\r\n").encode()
RF_FROM = "<bounce-carol=example.net@rf.test>"


def redaction(t, opts, tmp):
    """the RF_MSG report with FailureReportRedact yes (default) and no"""
    for redact in (True, False):
        script, spool = fake_sendmail.make(
            tmp, "sendmail-%s" % ("on" if redact else "off"))
        o = dict(opts, ReportSendmail=script + " -t -oi")
        if not redact:
            o["FailureReportRedact"] = "no"
        with daemon.Daemon(options=o) as d:
            d.send_message(RF_MSG, client_ip=BAD_IP, mail_from=RF_FROM)
            wait_count(spool, 1, settle=False)
        rs = reports(spool)
        t.is_eq(len(rs), 1, "rf.test: one report (redact %s)" % redact)
        if not rs:
            continue
        parts = list(rs[0].iter_parts())
        fb = feedback(rs[0]).replace("\r", "")
        hdr = parts[2].get_payload(decode=True).decode() if len(parts) == 3 \
            else ""
        subj = str(rs[0]["Subject"])
        if redact:
            check_redacted(t, fb, hdr, subj)
            continue
        t.ok("Original-Mail-From: bounce-carol=example.net@rf.test\n" in fb,
             "redaction off: Original-Mail-From as it came", diag=fb)
        t.ok("for <bob.secret@example.net>;" in hdr and
             'To: "john \\"x\\" doe"@example.net' in hdr and
             "From: Alice <alice@rf.test>" in hdr,
             "redaction off: header fields as they came", diag=hdr)
        t.is_eq(subj, "FW: news for dave.private@example.net",
                "redaction off: Subject as it came")


def check_redacted(t, fb, hdr, subj):
    hdr = hdr.replace("\r", "")
    t.ok("Original-Mail-From: redacted@rf.test\n" in fb and
         "carol" not in fb, "VERP Original-Mail-From: local-part redacted, "
         "domain kept", diag=fb)
    t.ok("Reported-Domain: rf.test\n" in fb, "Reported-Domain kept", diag=fb)
    t.ok("\tfor <redacted@example.net>; Tue, 1 Dec 2026" in hdr and
         "bob.secret" not in hdr, "Received: the address in \"for\" "
         "redacted, the fold kept", diag=hdr)
    t.ok("To: redacted@example.net\n" in hdr and "john" not in hdr,
         "quoted local-part with an escaped quote redacted", diag=hdr)
    t.ok("Subject: news for redacted@example.net\n" in hdr and
         "Message-ID: <m.42@rf.test>\n" in hdr and
         "From: Alice <redacted@rf.test>\n" in hdr,
         "Subject in the headers redacted; Message-ID kept", diag=hdr)
    t.is_eq(subj, "FW: news for redacted@example.net",
            "the report's Subject redacted")


def spf_dns(t, rs):
    """SPF-DNS (RFC 9991 4, RFC 6591 3.1): the record of the aligned
    MAIL FROM domain whose SPF failed, in the feedback-report part; of
    five records the first four, and never a TXT record that is not SPF"""
    fields = {}
    for r in rs:
        fb = feedback(r).replace("\r", "")
        fields[str(r["To"])] = re.findall(r"^SPF-DNS:.*$", fb, re.M)
    want = 'SPF-DNS: txt : %s : "v=spf1 ip4:192.0.2.0/24 -all"'
    t.is_eq(fields.get("ruf@f0.test"), [want % "f0.test"],
            "SPF failed for the From domain (fo=0): SPF-DNS has its record")
    t.is_eq(fields.get("ruf@fs.test"), [want % "fs.test"],
            "fo=s report: SPF-DNS has the record")
    t.is_eq(fields.get("ruf@f1.test"), [],
            "SPF passed (fo=1 report): no SPF-DNS")
    t.is_eq(fields.get("ruf@fu.test"), [],
            "SPF failed for an unaligned MAIL FROM domain: no SPF-DNS")
    t.is_eq(fields.get("ruf@fc.test"), [want % "mail.fc.test"],
            "SPF failed for a child of the From domain: SPF-DNS")
    t.is_eq(fields.get("ruf@fp.test"), [want % "fp.test"],
            "SPF failed for the parent of the From domain: SPF-DNS")
    t.is_eq(fields.get("ruf@once.test"), [],
            "SPF record not read again: no SPF-DNS")
    many = fields.get("ruf@many.test") or []
    t.ok(len(many) == 4 and all(f.startswith(
        'SPF-DNS: txt : many.test : "v=spf1 ip4:192.0.2.') for f in many),
        "five SPF records: four SPF-DNS fields, none for a TXT record that "
        "is not SPF", diag=repr(many))


def feedback(m):
    """feedback - the message/feedback-report part as text ("" if none)"""
    for p in m.iter_parts():
        if p.get_content_type() == "message/feedback-report":
            fb = p.get_payload()
            return fb[0].as_string() if isinstance(fb, list) else str(fb)
    return ""


def check_afrf(t, m):
    t.is_eq(m.get_content_type(), "multipart/report", "AFRF: multipart/report")
    t.is_eq(m.get_param("report-type"), "feedback-report",
            "AFRF: report-type=feedback-report")
    t.is_eq(str(m["Subject"]), "FW: hello 1", "Subject: FW: and the original")
    mid = str(m["Message-ID"])
    t.ok(re.fullmatch(MSGID, mid),
         "Message-ID: afrf.<time>.<n>.<pid>@ and the host's name", diag=mid)
    t.is_eq(str(m["From"]), "dmarc@mx.receiver.example", "From: ReportContact")
    age = time.time() - email.utils.parsedate_to_datetime(
        str(m["Date"])).timestamp()
    t.ok(0 <= age < 600, "Date: when the report was made", diag=str(m["Date"]))
    parts = list(m.iter_parts())
    types = [p.get_content_type() for p in parts]
    t.is_eq(types, ["text/plain", "message/feedback-report",
                    "text/rfc822-headers"], "three parts in RFC 6591 order")
    if len(parts) != 3:
        return
    fb = feedback(m)
    for want in ("Feedback-Type: auth-failure", "Auth-Failure: dmarc",
                 "Identity-Alignment: dkim,spf", "Source-IP: " + BAD_IP,
                 "Reported-Domain: f0.test", "Delivery-Result: reject",
                 "Original-Mail-From: redacted@f0.test",
                 # RFC 3461 ENVID, xtext-decoded (RFC 5965 3.2)
                 "Original-Envelope-Id: QQ+314159\n"):
        t.ok(want in fb, "feedback-report has " + want, diag=fb)
    hdr = parts[2].get_payload(decode=True).decode()
    t.ok("From: Alice <redacted@f0.test>" in hdr and
         "To: redacted@example.net" in hdr and "alice" not in hdr and
         "Subject: hello 1" in hdr and "Body text" not in hdr,
         "original header fields, local-parts redacted, no body", diag=hdr)


main()
