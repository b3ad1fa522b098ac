#!/usr/bin/python3
"""test_postfix_report - DMARC aggregate reports end to end through a real
Postfix: messages pass Postfix's smtpd and authmilter (which records them
in SQLite), authmilter-report submits the report through Postfix's
sendmail, and the report arrives in a Maildir (virtual(8)) that the test
reads back: one message, RFC 9990 Subject, a gzip attachment whose XML
validates against tests/report/rfc9990.xsd with the counts sent. Then a
DMARC failure sent with MAIL FROM ... ENVID= (RFC 3461, which Postfix
advertises as DSN and passes to the milter with the other MAIL FROM
parameters) brings a failure report whose Original-Envelope-Id is that
ENVID, decoded."""

import email
import email.policy
import glob
import os
import pwd
import re
import smtplib
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import postfix_env  # noqa: E402
import report_rows  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
REPORT = os.path.join(BUILD, "src", "authmilter-report")
NAMES = ["messages recorded through Postfix", "report job exits 0",
         "one report arrives in the mailbox", "Subject as RFC 9990 says",
         "attachment validates against the RFC 9990 schema",
         "counts equal the messages sent", "second run sends nothing",
         "failure report: Original-Envelope-Id is the MAIL FROM ENVID "
         "Postfix passed on"]


def prerequisites():
    try:
        import yaml  # noqa: F401
    except ImportError as e:
        return "python3-yaml (%s)" % e
    if not os.access(REPORT, os.X_OK):
        return REPORT + " not built"
    return daemon.missing() or postfix_env.missing()


def msg(n):
    return ("From: alice@a.test\r\nTo: bob@example.net\r\nSubject: m%d\r\n"
            "Message-ID: <m%d@a.test>\r\n\r\nHello.\r\n" % (n, n)).encode()


def count_rows(db):
    return report_rows.count(db)


def wait_for(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    return pred()


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, tools=("xmllint",),
                  what="Postfix report e2e", tests=NAMES):
        t.done()
    import yaml
    tmp = tmpdir.make("authmilter-e2e-rep-", mode=0o755)
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump({
            "a.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
            "_dmarc.a.test": [{"TXT": "v=DMARC1; p=none; rua=mailto:rua@reports.test"}],
            "a.test._report._dmarc.reports.test": [{"TXT": "v=DMARC1"}],
            "f.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
            "_dmarc.f.test": [{"TXT": "v=DMARC1; p=none; "
                               "ruf=mailto:ruf@reports.test"}],
            "f.test._report._dmarc.reports.test": [{"TXT": "v=DMARC1"}],
        }, f)
    pw = pwd.getpwnam("postfix")
    vmail = os.path.join(tmp, "vmail")
    os.mkdir(vmail)
    os.chown(vmail, pw.pw_uid, pw.pw_gid)
    db = os.path.join(tmp, "reports.db")
    with dns_testserver.DnsServer(zpath) as srv:
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
                "ReportStore": "sqlite:" + db, "FailureReports": "yes",
                "ReportContact": "dmarc-noreply@mx.receiver.example"}
        with daemon.Daemon(options=opts) as am, postfix_env.PostfixEnv(
                milter=am, main_cf={
                    "virtual_mailbox_domains": "reports.test",
                    "virtual_mailbox_base": vmail,
                    "virtual_mailbox_maps": "static:box/",
                    "virtual_uid_maps": "static:%d" % pw.pw_uid,
                    "virtual_gid_maps": "static:%d" % pw.pw_gid,
                    "virtual_minimum_uid": str(pw.pw_uid)}) as pf:
            am.write_config(dict(opts, ReportSendmail="/usr/sbin/sendmail "
                                 "-C %s -t -oi" % pf.conf_dir))
            run(t, am, pf, db, vmail)
    t.done()


def run(t, am, pf, db, vmail):
    for n, ip in enumerate(("192.0.2.10", "192.0.2.10", "198.51.100.7")):
        pf.send(msg(n), mail_from="x@a.test", rcpts=["bob@example.net"],
                xclient={"addr": ip})
    t.ok(wait_for(lambda: count_rows(db) == 3, 20), NAMES[0],
         diag=lambda: am.log_tail(10))
    now = int(time.time())
    period = ["--period", str(now - 3600), str(now + 3600)]
    r = subprocess.run([REPORT, "-c", am.conf_path] + period,
                       capture_output=True, text=True, timeout=60)
    t.is_eq(r.returncode, 0, NAMES[1])
    if r.returncode:
        t.diag(r.stderr)
    files = wait_for(lambda: glob.glob(os.path.join(vmail, "box", "new", "*")),
                     30)
    t.ok(len(files) == 1, NAMES[2], diag=lambda: pf.maillog_tail()
         if hasattr(pf, "maillog_tail") else pf.maillog())
    if len(files) != 1:
        for n in NAMES[3:]:
            t.ok(False, n)
        return
    with open(files[0], "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    subj = " ".join(str(m["Subject"]).split())
    t.ok(re.fullmatch(r"Report Domain: a\.test Submitter: mx\.receiver\.example"
                      r" Report-ID: <\d+\.a\.test\.[0-9a-f]{16}"
                      r"@mx\.receiver\.example>", subj),
         NAMES[3], diag=subj)
    att = list(m.iter_attachments())
    xml = zlib.decompress(att[0].get_content(), 16 + 15) if att else b""
    xpath = os.path.join(os.path.dirname(vmail), "report.xml")
    with open(xpath, "wb") as f:
        f.write(xml)
    v = subprocess.run(["xmllint", "--noout", "--schema", os.path.join(
        SRC, "tests", "report", "rfc9990.xsd"), xpath], capture_output=True,
        text=True, timeout=30)
    t.ok(v.returncode == 0, NAMES[4], diag=v.stderr)
    counts = [int(c) for c in re.findall(rb"<count>(\d+)</count>", xml)]
    t.is_eq(sorted(counts), [1, 2], NAMES[5])
    r2 = subprocess.run([REPORT, "-c", am.conf_path] + period,
                        capture_output=True, text=True, timeout=60)
    time.sleep(1)
    t.ok(r2.returncode == 0 and len(glob.glob(os.path.join(
        vmail, "box", "new", "*"))) == 1, NAMES[6], diag=r2.stderr)
    envid(t, am, pf, vmail, files[0])


def envid(t, am, pf, vmail, aggregate):
    """a DMARC failure of f.test sent with ENVID=QQ+2B314159 (xtext for
    QQ+314159) from a client SPF fails. ReportSendmail (Postfix's, written
    once Postfix was set up) is read at start by the failure-report
    thread: restarted for it."""
    am.stop()
    am.start()
    raw = ("From: alice@f.test\r\nTo: bob@example.net\r\nSubject: f\r\n"
           "Message-ID: <f1@f.test>\r\n\r\nHello.\r\n")
    with smtplib.SMTP("127.0.0.1", pf.smtpd_port, timeout=30) as s:
        s.ehlo("client.test")
        s.docmd("XCLIENT", "ADDR=198.51.100.7")
        s.ehlo("client.test")
        s.sendmail("x@f.test", ["bob@example.net"], raw,
                   mail_options=["ENVID=QQ+2B314159"])
    new = wait_for(lambda: [f for f in glob.glob(os.path.join(
        vmail, "box", "new", "*")) if f != aggregate], 30)
    text = ""
    if new:
        with open(new[0], "rb") as f:
            text = f.read().decode(errors="replace").replace("\r", "")
    t.ok("Auth-Failure: dmarc\n" in text and
         "\nOriginal-Envelope-Id: QQ+314159\n" in text, NAMES[7],
         diag=lambda: text or am.log_tail(10))


main()
