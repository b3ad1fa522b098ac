#!/usr/bin/python3
"""test_report_job - messages for several policy domains through the daemon
(milter protocol, DNS server on loopback) -> rows in SQLite ->
authmilter-report: one RFC 9990 report per authorised policy domain, each
XML valid against tests/report/rfc9990.xsd (xmllint --schema), counts equal
to what was sent, the file name, Subject and MIME as RFC 9990 says; a rua
in another organisation without authorisation and a record without rua
are skipped with a log line, one over its !size limit too in RFC 7489
mode only (RFC 9989 made !size obsolete); the RFC 7489 mode (an IPv6
source_ip written with all eight groups, as its pattern asks)
validates against RFC 7489's schema; sending goes through ReportSendmail
once, a failed send is retried at the next run, never sent twice (nor an
address that the destination's authorisation record put in place of a
rua address, while another destination of the same report is retried).
The Report-ID, file name and Message-ID carry the store's identity: two
stores with the same rows name their reports apart, one store names a
report the same on every run and on a resend, a store of an earlier
version (no store_identity table) gets an identity and keeps it, and a
report it claimed before keeps its old names."""

import email
import email.policy
import glob
import gzip
import os
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import fake_sendmail  # noqa: E402
import report_rows  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import yaml
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-yaml (%s)" % e

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
REPORT = os.path.join(BUILD, "src", "authmilter-report")
NS = "{urn:ietf:params:xml:ns:dmarc-2.0}"
GOOD_IP = "192.0.2.10"
SCALE = time_scale.factor()
BAD_IP = "198.51.100.66"
# policy domain -> (DMARC record, messages from GOOD_IP, from BAD_IP)
DOMAINS = {
    "a.test": ("v=DMARC1; p=reject; rua=mailto:dmarc@a.test", 3, 2),
    "b.test": ("v=DMARC1; p=none; rua=mailto:agg@reports.example", 1, 1),
    "c.test": ("v=DMARC1; p=quarantine; rua=mailto:x@other.example", 1, 1),
    "d.test": ("v=DMARC1; p=none; rua=mailto:tiny@d.test!100", 1, 0),
    "f.test": ("v=DMARC1; p=none", 1, 0),
}
SENT = {d: g + b for d, (_, g, b) in DOMAINS.items()}
REPLACED = "e.test"     # sent alone, by replaced()
# sent alone, by organisations(): psdz.test is a public suffix the PSL
# does not know (one organisation by the PSL, one per name below it by
# RFC 9989's tree walk); wf.test's rua host cannot be walked (SERVFAIL)
ORGS = {
    "psdz.test": "v=DMARC1; p=none; psd=y",
    "org.psdz.test": "v=DMARC1; p=none; rua=mailto:agg@other.psdz.test",
    "org2.psdz.test": "v=DMARC1; p=none; rua=mailto:agg@mail.org2.psdz.test",
    "wf.test": "v=DMARC1; p=none; rua=mailto:agg@mail.broken.example",
    # a public suffix operator's own rua: its own organisation
    "psdself.test": "v=DMARC1; p=none; psd=y; rua=mailto:agg@psdself.test",
    # the organisation's record is unusable as a policy (p=bogus, no
    # rua) but still names the organisation; its np= asks nothing more
    "corpz.test": "v=DMARC1; p=bogus; np=reject",
    "sub.corpz.test": "v=DMARC1; p=none; rua=mailto:agg@mail.corpz.test",
}
CLAIM_SLEEP_S = 3       # claims(): one submission's time


def zone():
    z = {}
    for dom, (rec, _, _) in DOMAINS.items():
        z[dom] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
        z["_dmarc." + dom] = [{"TXT": rec}]
    z["b.test._report._dmarc.reports.example"] = [{"TXT": "v=DMARC1"}]
    z["c.test._report._dmarc.other.example"] = [{"TXT": "not a dmarc record"}]
    # REPLACED's rua: ext1 replaces its address, ext2's check fails
    z[REPLACED] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
    z["_dmarc." + REPLACED] = [{"TXT": "v=DMARC1; p=none; "
                                "rua=mailto:a@ext1.example,"
                                "mailto:b@ext1.example,mailto:c@ext2.example"}]
    z[REPLACED + "._report._dmarc.ext1.example"] = [
        {"TXT": "v=DMARC1; rua=mailto:real@ext1.example"}]
    z[REPLACED + "._report._dmarc.ext2.example"] = ["SERVFAIL"]
    for dom, rec in ORGS.items():
        z[dom] = [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]
        z["_dmarc." + dom] = [{"TXT": rec}]
    z["_dmarc.mail.broken.example"] = ["SERVFAIL"]
    return z


def msg(dom, n, amp=False):
    subj = "m%d" % n
    frm = "R&D <rd@%s>" % dom if amp else "alice@%s" % dom
    return ("From: %s\r\nTo: bob@example.net\r\nSubject: %s\r\n"
            "Message-ID: <%s.%s@x.test>\r\n\r\nHello.\r\n"
            % (frm, subj, subj, dom)).encode()


def wait_rows(db, want, timeout=10):
    return report_rows.wait_count(db, want, timeout * SCALE)


def report(conf, *args):
    return subprocess.run([REPORT, "-c", conf] + list(args),
                          capture_output=True, text=True, timeout=60)


def store_id(db):
    """the identity of the SQLite store at db ("" when none)"""
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT id FROM store_identity").fetchone()
    except sqlite3.OperationalError:
        row = None
    con.close()
    return row[0] if row else ""


def write_conf(path, opts, **more):
    with open(path, "w") as f:
        for k, v in dict(opts, **more).items():
            f.write("%s %s\n" % (k, v))
        f.write("LogTo stderr\n")
    return path


def mail_names(raw):
    """(attachment file name, Subject's Report-ID, Message-ID, the XML's
    report_id) of a report message"""
    m = email.message_from_bytes(raw, policy=email.policy.default)
    subj = " ".join(str(m["Subject"]).split())
    rid = re.search(r"Report-ID: <([^>]*)>", subj)
    att = list(m.iter_attachments())
    xml_rid = None
    if att:
        root = ET.fromstring(gzip.decompress(att[0].get_content()))
        x = root.find(".//" + NS + "report_id")
        if x is None:
            x = root.find(".//report_id")
        xml_rid = x.text if x is not None else None
    return (att[0].get_filename() if att else None,
            rid.group(1) if rid else None, str(m["Message-ID"]), xml_rid)


def dry_names(conf, out, period):
    """{policy domain: mail_names} of a dry run into the new dir out"""
    os.mkdir(out)
    r = report(conf, "--dry-run", "--out", out, "--period", *period)
    got = {}
    for f in glob.glob(os.path.join(out, "*.eml")):
        with open(f, "rb") as e:
            n = mail_names(e.read())
        got[os.path.basename(f).split("!")[1]] = n
    return r, got


def xmllint(path, xsd):
    r = subprocess.run(["xmllint", "--noout", "--schema", xsd, path],
                       capture_output=True, text=True, timeout=30)
    return r.returncode == 0, r.stderr


def send_all(d):
    n = 0
    for dom, (_, good, bad) in DOMAINS.items():
        for ip, count in ((GOOD_IP, good), (BAD_IP, bad)):
            for _ in range(count):
                d.send_message(msg(dom, n, amp=(n == 0)), client_ip=ip,
                               mail_from="<x@%s>" % dom)
                n += 1
    return n


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS or
                  (None if os.access(REPORT, os.X_OK) else
                   REPORT + " not built"),
                  tools=("xmllint",), what="report job tests"):
        t.done()
    tmp = tmpdir.make("authmilter-rep-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(), f)
    with dns_testserver.DnsServer(zpath) as srv:
        # no check here waits for a lookup to time out: under valgrind
        # beside another suite 1 s was too short for some answers
        base = {"Nameservers": "127.0.0.1@%d" % srv.port,
                "DNSTimeout": "%ds" % max(1, round(SCALE)),
                "ReportContact": "dmarc-noreply@mx.receiver.example",
                "ReportOrgName": "Receiver <R&D> \"Mail\""}
        rfc9990(t, dict(base), tmp)
        rfc7489(t, dict(base), tmp)
        sending(t, dict(base), tmp)
        replaced(t, dict(base), tmp)
        organisations(t, dict(base), tmp)
        claims(t, dict(base), tmp)
    command_line(t, tmp)
    t.done()


def command_line(t, tmp):
    """authmilter-report's own options and the configurations it cannot
    work with: each said on stderr with exit status 2 (a store that
    cannot be opened: 1), nothing else done"""
    def conf_with(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path
    store = "ReportStore sqlite:%s/cli.db\n" % tmp
    contact = "ReportContact dmarc@mx.receiver.example\n"
    full = conf_with("cli.conf", store + contact)
    r = subprocess.run([REPORT, "-V"], capture_output=True, text=True,
                       timeout=60)
    t.ok(r.returncode == 0 and re.fullmatch(r"authmilter \S+\n", r.stdout),
         "report -V: the version, exit 0", diag=r.stdout + r.stderr)
    r = subprocess.run([REPORT, "--help"], capture_output=True, text=True,
                       timeout=60)
    t.ok(r.returncode == 0 and r.stdout.startswith("usage: authmilter-report")
         and re.search(r"^  -V ", r.stdout, re.M) and
         re.search(r"^  -h, --help ", r.stdout, re.M),
         "report --help: usage on stdout (naming -V and -h too), exit 0",
         diag=r.stdout + r.stderr)
    times = "BEGIN and END are Unix times"
    bad = [(("--bogus",), "unrecognized option '--bogus'"),
           (("--out", tmp), "--out is for --dry-run"),
           (("--dry-run",), "--dry-run needs --out DIR"),
           (("--expire", "0"), "--expire 0: a number of days from 1"),
           (("--period", "200", "100"), "--period 200 100: END must be "
            "after BEGIN"),
           (("--period", "1x", "2"), times), (("--period", "5"),
                                               "--period needs BEGIN and END"),
           (("extra",), "unexpected argument: extra"),
           (("--period", "1", "99999999999999999999"), times),
           (("--period", "-100", "100"), times),
           (("--period", " 1", "2"), times),
           (("--period", "1", "253402300800"), times)]
    got = [(a, why, report(full, *a)) for a, why in bad]
    t.ok(all(r.returncode == 2 and "usage: authmilter-report" in r.stderr
             for a, why, r in got), "report: a usage error (unknown option, "
         "--out without --dry-run or the other way, --expire 0, a period "
         "that ends before it begins, not a number, one too large for a "
         "time (not clamped) or before 1970, an extra word): usage on "
         "stderr, exit 2",
         diag=repr([(a, r.returncode) for a, why, r in got]))
    t.ok(all(why in r.stderr.split("usage:")[0] for a, why, r in got),
         "report: each usage error says what is wrong before the usage",
         diag=repr([(a, r.stderr.split("usage:")[0]) for a, why, r in got
                    if why not in r.stderr.split("usage:")[0]]))
    r = report(conf_with("nostore.conf", contact))
    t.ok(r.returncode == 2 and "nostore.conf: ReportStore is not set" in
         r.stderr, "report: no ReportStore: said, exit 2", diag=r.stderr)
    typo(t, tmp, conf_with, contact)
    open(os.path.join(tmp, "cli.db"), "w").close()  # only the daemon makes
    r = report(conf_with("nocontact.conf", store))
    r2 = report(conf_with("nocontact.conf", store), "--stats")
    t.ok(r.returncode == 2 and "ReportContact is not set" in r.stderr and
         r2.returncode == 0, "report: no ReportContact: said, exit 2; "
         "--stats needs none", diag=r.stderr + r2.stderr)
    r = report(full, "--dry-run", "--out", os.path.join(tmp, "nowhere"))
    t.ok(r.returncode == 2 and "nowhere: not a directory" in r.stderr,
         "report: --out that is not a directory: said, exit 2",
         diag=r.stderr)
    closed = contact + "ReportStore sqlite:%s/no/such/dir/r.db\n" % tmp
    r = report(conf_with("closed.conf", closed + "LogTo stderr\n"))
    t.ok(r.returncode == 1 and re.search(r"ReportStore sqlite:.*no/such/dir",
                                         r.stderr), "report: a store that "
         "cannot be opened: said, exit 1", diag=r.stderr)
    junk = os.path.join(tmp, "junk.dat")
    with open(junk, "w") as f:
        f.write("<html><body>404 Not Found</body></html>\n")
    r = report(conf_with("junkpsl.conf", store + contact + "LogTo stderr\n"
                         "PSLFile %s\n" % junk))
    t.ok(r.returncode == 2 and "PSLFile %s: not a Public Suffix List" % junk
         in r.stderr, "report: a PSLFile that is no Public Suffix List (an "
         "HTML page): refused as the daemon refuses it, exit 2", diag=r.stderr)
    # LogTo syslog (the default) run by hand: the terminal gets the lines
    rc, text = on_terminal([REPORT, "-c", conf_with("tty.conf", closed)])
    t.ok(rc == 1 and re.search(r"ReportStore sqlite:.*no/such/dir", text),
         "report run on a terminal with LogTo syslog: the lines on it",
         diag="%r %r" % (rc, text))


def on_terminal(argv):
    """on_terminal - run argv with its standard error on a pseudo-terminal
    (bounded: 60 s); (exit status, what it wrote there)"""
    primary, secondary = os.openpty()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=secondary)
        os.close(secondary)
        secondary = -1
        out = b""
        end = time.monotonic() + 60
        while time.monotonic() < end:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(primary, 4096)
                except OSError:	# EIO: the program closed its side
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        try:
            rc = p.wait(timeout=max(1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        return rc, out.decode(errors="replace")
    finally:
        os.close(primary)
        if secondary >= 0:
            os.close(secondary)


def rfc9990(t, opts, tmp):
    db = os.path.join(tmp, "r9990.db")
    out = os.path.join(tmp, "out9990")
    os.mkdir(out)
    opts["ReportStore"] = "sqlite:" + db
    with daemon.Daemon(options=opts) as d:
        total = send_all(d)
        t.is_eq(wait_rows(db, total), total, "every message recorded")
        now = int(time.time())
        t0 = time.monotonic()
        r = report(d.conf_path, "--dry-run", "--out", out, "--period",
                   str(now - 3600), str(now + 3600))
        elapsed = time.monotonic() - t0
        t.is_eq(r.returncode, 0, "dry run exits 0", )
        if r.returncode != 0:
            t.diag(r.stderr)
        st = report(d.conf_path, "--stats")
    files = sorted(glob.glob(os.path.join(out, "*.xml.gz")))
    names = [os.path.basename(f) for f in files]
    sid = store_id(db)
    t.ok(re.fullmatch(r"[0-9a-f]{16}", sid), "the store has an identity: "
         "16 hex digits", diag=repr(sid))
    want = ["mx.receiver.example!%s!%d!%d!%s.xml.gz" % (d, now - 3600,
                                                        now + 3599, sid)
            for d in ("a.test", "b.test", "d.test")]
    t.is_eq(names, want, "one report per authorised policy domain, RFC 9990 "
            "file names")
    t.ok(re.search(r"report c\.test .*skipped: x@other\.example: not "
                   r"authorised .*c\.test\._report\._dmarc\.other\.example",
                   r.stderr), "unauthorised external rua skipped, with the "
         "name asked", diag=r.stderr)
    t.ok(re.search(r"report d\.test .*written: .*to tiny@d\.test", r.stderr),
         "rua !size ignored (RFC 9989: obsolete)", diag=r.stderr)
    t.ok(re.search(r"report f\.test .*skipped: no usable rua", r.stderr),
         "record without rua skipped", diag=r.stderr)
    t.ok(re.search(r"report b\.test .*written: .*to agg@reports\.example",
                   r.stderr), "authorised external rua used", diag=r.stderr)
    xsd = os.path.join(SRC, "tests", "report", "rfc9990.xsd")
    for f in files:
        xml = f[:-3]
        with gzip.open(f) as g, open(xml, "wb") as o:
            o.write(g.read())
        ok, err = xmllint(xml, xsd)
        t.ok(ok, "%s validates against the RFC 9990 schema"
             % os.path.basename(xml), diag=err)
    if len(files) == 3:
        check_counts(t, files[0][:-3], files[1][:-3])
        check_eml(t, files[0], sid)
    t.ok(re.search(r"^a\.test\s+5\s", st.stdout, re.M) and
         re.search(r"^f\.test\s+1\s", st.stdout, re.M),
         "--stats: rows per policy domain", diag=st.stdout)
    t.diag("report job: %d rows in %.2f s" % (total, elapsed))
    two_stores(t, opts, tmp, db, [str(now - 3600), str(now + 3600)])
    old_store(t, opts, tmp, db, [str(now - 3600), str(now + 3600)])


def typo(t, tmp, conf_with, contact):
    """a ReportStore path that does not exist (mistyped): --stats,
    --expire and --dry-run said "0 rows" of a store they made; only the
    daemon, which collects the rows, makes one"""
    path = os.path.join(tmp, "typo", "r.db")
    os.mkdir(os.path.dirname(path))
    conf = conf_with("typo.conf", contact + "LogTo stderr\n"
                     "ReportStore sqlite:%s\n" % path)
    runs = [report(conf, *a) for a in (
        ("--stats",), ("--expire", "7"), ("--dry-run", "--out", tmp))]
    said = "typo.conf:3: ReportStore sqlite:%s: %s: No such file" % (
        path, path)
    t.ok(all(r.returncode == 1 and said in r.stderr for r in runs) and
         os.listdir(os.path.dirname(path)) == [], "report: --stats, "
         "--expire, --dry-run with a ReportStore file that does not exist: "
         "the store and its config line said, exit 1, nothing made",
         diag=repr([(r.returncode, r.stderr) for r in runs]) +
         repr(os.listdir(os.path.dirname(path))))


def two_stores(t, opts, tmp, db, period):
    """two MX hosts, each with its own store, the same receiver domain
    and the same rows: before, both sent a.test's report under one
    Report-ID, file name and Message-ID, and a receiver that drops
    duplicates kept one"""
    db2 = os.path.join(tmp, "second.db")
    conf1 = write_conf(os.path.join(tmp, "first.conf"), opts)
    conf2 = write_conf(os.path.join(tmp, "second.conf"), opts,
                       ReportStore="sqlite:" + db2)
    open(db2, "w").close()      # an empty file: the tables come
    r = report(conf2, "--stats")        # ... when the report opens it
    con = sqlite3.connect(db2)
    con.execute("ATTACH DATABASE ? AS one", (db,))
    con.execute("INSERT INTO messages SELECT * FROM one.messages")
    con.commit()
    con.close()
    r1, n1 = dry_names(conf1, os.path.join(tmp, "names1"), period)
    r2, n2 = dry_names(conf2, os.path.join(tmp, "names2"), period)
    t.ok(r.returncode == 0 and r1.returncode == 0 and r2.returncode == 0 and
         sorted(n1) == sorted(n2) == ["a.test", "b.test", "d.test"],
         "two stores with the same rows: the same reports",
         diag="%r %r\n%s%s%s" % (n1, n2, r.stderr, r1.stderr, r2.stderr))
    clash = [(d, k) for d in n1 if d in n2 for k in range(4)
             if n1[d][k] == n2[d][k]]
    t.ok(n1 and not clash, "two stores: Report-ID, file name, Message-ID "
         "and XML report_id all differ", diag=repr((clash, n1, n2)))
    sid2 = store_id(db2)
    t.ok(sid2 and sid2 != store_id(db) and all(
        n2[d][0].endswith("!%s.xml.gz" % sid2) and
        n2[d][1].endswith(".%s@mx.receiver.example" % sid2)
        for d in n2), "each store's names carry its own identity",
        diag=repr((sid2, n2)))
    _, again = dry_names(conf1, os.path.join(tmp, "names1b"), period)
    t.is_eq(again, n1, "the same store: the same names on every run")


def old_store(t, opts, tmp, db, period):
    """a store made by an earlier version (no store_identity table) that
    had claimed a.test's report and failed to send it: it gets an
    identity at its next open and keeps it; the claimed report keeps
    the names it was claimed with (a resend keeps its file name), the
    others carry the identity"""
    old = os.path.join(tmp, "old.db")
    shutil.copy(db, old)
    con = sqlite3.connect(old)
    con.execute("DROP TABLE IF EXISTS store_identity")
    begin = int(period[0])
    legacy = "%d.a.test@mx.receiver.example" % begin
    con.execute("INSERT INTO reports (policy_domain, period_begin,"
                " period_end, state, claimed_by, claimed_at, report_id,"
                " detail) VALUES ('a.test', ?, ?, 'failed', 'old', ?, ?,"
                " 'sendmail failed')",
                (begin, int(period[1]), begin, legacy))
    con.commit()
    con.close()
    conf = write_conf(os.path.join(tmp, "old.conf"), opts,
                      ReportStore="sqlite:" + old)
    r, n = dry_names(conf, os.path.join(tmp, "names-old"), period)
    sid = store_id(old)
    t.ok(r.returncode == 0 and re.fullmatch(r"[0-9a-f]{16}", sid) and
         sid != store_id(db), "a store of an earlier version gets an "
         "identity of its own at its next open", diag=repr(sid) + r.stderr)
    t.is_eq(n.get("a.test"), ("mx.receiver.example!a.test!%d!%d.xml.gz" % (
        begin, int(period[1]) - 1), legacy, "<%s>" % legacy, legacy),
        "a report claimed before the identity keeps its old names")
    b = n.get("b.test") or (None, None, None, None)
    t.ok(b[0] is not None and b[0].endswith("!%s.xml.gz" % sid) and
         b[1] == "%d.b.test.%s@mx.receiver.example" % (begin, sid),
         "the other reports carry the new identity", diag=repr(b))
    r, n2 = dry_names(conf, os.path.join(tmp, "names-old2"), period)
    t.ok(store_id(old) == sid and n2 == n, "the identity is kept: the "
         "same names at the next run", diag=repr((store_id(old), n2)))


def check_counts(t, a_xml, b_xml):
    a = ET.parse(a_xml).getroot()
    recs = a.findall(NS + "record")
    counts = {r.find(NS + "row/" + NS + "source_ip").text:
              int(r.find(NS + "row/" + NS + "count").text) for r in recs}
    t.is_eq(counts, {GOOD_IP: 3, BAD_IP: 2}, "a.test: records grouped by "
            "source and results, counts as sent")
    bad = [r for r in recs if r.find(NS + "row/" + NS + "source_ip").text == BAD_IP][0]
    t.is_eq([bad.find(NS + "row/" + NS + "policy_evaluated/" + NS + x).text
             for x in ("disposition", "dkim", "spf")],
            ["reject", "fail", "fail"], "a.test spoofs: disposition reject, "
            "dkim and spf fail")
    good = [r for r in recs if r.find(NS + "row/" + NS + "source_ip").text == GOOD_IP][0]
    t.is_eq(good.find(NS + "row/" + NS + "policy_evaluated/" + NS + "spf").text,
            "pass", "a.test from its own network: aligned spf pass")
    meta = a.find(NS + "report_metadata")
    t.is_eq(meta.find(NS + "org_name").text, "Receiver <R&D> \"Mail\"",
            "org name with XML specials escaped and read back")
    t.is_eq(a.find(NS + "policy_published/" + NS + "discovery_method").text,
            "treewalk", "discovery_method treewalk")
    b = ET.parse(b_xml).getroot()
    t.is_eq(sum(int(c.text) for c in b.iter(NS + "count")), SENT["b.test"],
            "b.test: count equals messages sent")


def check_eml(t, gzpath, sid):
    eml = gzpath[:-len(".xml.gz")] + ".eml"
    with open(eml, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    subj = " ".join(str(m["Subject"]).split())
    rid = re.fullmatch(r"Report Domain: a\.test Submitter: mx\.receiver\."
                       r"example Report-ID: <(\d+\.a\.test\.%s@mx\.receiver"
                       r"\.example)>" % sid, subj)
    t.ok(rid, "Subject as RFC 9990 says, the store's identity in the "
         "Report-ID", diag=subj)
    t.ok(rid and str(m["Message-ID"]) == "<%s>" % rid.group(1),
         "Message-ID: the Report-ID", diag=str(m["Message-ID"]))
    t.is_eq(str(m["To"]), "dmarc@a.test", "To: the rua address")
    att = [p for p in m.iter_attachments()]
    with open(gzpath, "rb") as f:
        raw = f.read()
    t.ok(len(att) == 1 and att[0].get_content_type() == "application/gzip"
         and att[0].get_filename() == os.path.basename(gzpath) and
         att[0].get_content() == raw, "application/gzip attachment with the "
         "file name, same bytes", diag=repr([(a.get_content_type(),
                                              a.get_filename()) for a in att]))


def rfc7489(t, opts, tmp):
    db = os.path.join(tmp, "r7489.db")
    out = os.path.join(tmp, "out7489")
    os.mkdir(out)
    opts["ReportStore"] = "sqlite:" + db
    opts["DMARCMode"] = "rfc7489"
    with daemon.Daemon(options=opts) as d:
        total = send_all(d)
        # the null sender: RFC 7489's schema still wants envelope_from
        d.send_message(msg("a.test", 99), client_ip=GOOD_IP, mail_from="<>")
        # an IPv6 client: its pattern knows only all eight groups
        d.send_message(msg("a.test", 98), client_ip="2001:db8::25",
                       mail_from="<x@a.test>")
        total += 2
        wait_rows(db, total)
        now = int(time.time())
        r = report(d.conf_path, "--dry-run", "--out", out, "--period",
                   str(now - 3600), str(now + 3600))
    files = sorted(glob.glob(os.path.join(out, "*.xml.gz")))
    t.ok(r.returncode == 0 and len(files) == 2, "rfc7489 mode: two reports",
         diag=r.stderr)
    t.ok(re.search(r"report d\.test .*skipped: tiny@d\.test: report of \d+ "
                   r"bytes over its limit of 100", r.stderr),
         "rfc7489 mode: rua !size limit honoured", diag=r.stderr)
    t.ok(any(b"<source_ip>2001:db8:0:0:0:0:0:25</source_ip>" in
             gzip.open(fn).read() for fn in files),
         "rfc7489 mode: an IPv6 source_ip with all eight groups")
    # two known defects of RFC 7489's schema (tests/report/README): a
    # targetNamespace with unqualified locals while reports carry no
    # namespace, and an IPAddress pattern wrapped over three lines
    with open(os.path.join(SRC, "tests", "report", "rfc7489.xsd")) as f:
        xsd = f.read().replace(' targetNamespace="http://dmarc.org/dmarc-xml/0.1"', "")
    xsd = re.sub(r'(<xs:pattern value=")([^"]*)"',
                 lambda m: m.group(1) + re.sub(r"\s+", "", m.group(2)) + '"', xsd)
    xsd_path = os.path.join(tmp, "rfc7489-nons.xsd")
    with open(xsd_path, "w") as f:
        f.write(xsd)
    for fn in files:
        xml = fn[:-3]
        with gzip.open(fn) as g, open(xml, "wb") as o:
            o.write(g.read())
        ok, err = xmllint(xml, xsd_path)
        t.ok(ok, "%s validates against the RFC 7489 schema"
             % os.path.basename(xml), diag=err)
        root = ET.parse(xml).getroot()
        t.ok(root.tag == "feedback" and root.find("policy_published/pct")
             is not None, "rfc7489 mode: no namespace, pct published",
             diag=root.tag)


def organisations(t, opts, tmp):
    """which rua hosts are the policy domain's own organisation: by RFC
    9989's tree walk in the default mode, by the PSL in rfc7489; a walk
    the DNS does not answer is tried again at the next run, not taken
    for a stranger"""
    for mode in ("rfc9989", "rfc7489"):
        db = os.path.join(tmp, "orgs-%s.db" % mode)
        out = os.path.join(tmp, "orgs-%s" % mode)
        os.mkdir(out)
        o = dict(opts, ReportStore="sqlite:" + db, DMARCMode=mode)
        with daemon.Daemon(options=o) as d:
            doms = ("org.psdz.test", "org2.psdz.test", "wf.test",
                    "psdself.test", "sub.corpz.test")
            for n, dom in enumerate(doms):
                d.send_message(msg(dom, 600 + n), client_ip=GOOD_IP,
                               mail_from="<x@%s>" % dom)
            wait_rows(db, len(doms))
            now = int(time.time())
            r = report(d.conf_path, "--dry-run", "--out", out, "--period",
                       str(now - 3600), str(now + 3600))
        got = sorted(os.path.basename(f).split("!")[1] for f in
                     glob.glob(os.path.join(out, "*.xml.gz")))
        if mode == "rfc9989":
            t.is_eq(got, ["org2.psdz.test", "psdself.test",
                          "sub.corpz.test"], "tree walk: a rua host in the "
                    "policy domain's organisation (a psd=y domain's own, "
                    "one under an organisation whose record is no valid "
                    "policy) gets the report, one below the same public "
                    "suffix does not")
            t.ok(re.search(r"report org\.psdz\.test .*skipped: "
                           r"agg@other\.psdz\.test: not authorised",
                           r.stderr), "tree walk: the stranger needs its "
                 "authorisation record", diag=r.stderr)
            t.ok(re.search(r"report wf\.test .*agg@mail\.broken\.example: "
                           r"organisational domain not known", r.stderr) and
                 not re.search(r"report wf\.test .*skipped", r.stderr),
                 "tree walk failed (SERVFAIL): tried again later, not "
                 "skipped", diag=r.stderr)
        else:
            t.is_eq(got, ["org.psdz.test", "org2.psdz.test",
                          "psdself.test", "sub.corpz.test"], "rfc7489 "
                    "mode: the PSL puts every name below psdz.test in one "
                    "organisation")


def sending(t, opts, tmp):
    db = os.path.join(tmp, "send.db")
    script, spool = fake_sendmail.make(
        tmp, "fake-sendmail", before='if [ -e "$spool/fail" ]; then '
        'cat > "$spool/failed.$$"; exit 75; fi')
    opts["ReportStore"] = "sqlite:" + db
    opts["ReportSendmail"] = script + " -t -oi"
    with daemon.Daemon(options=opts) as d:
        total = send_all(d)
        wait_rows(db, total)
        now = int(time.time())
        period = ["--period", str(now - 3600), str(now + 3600)]
        # the rows' query fails (a column it reads is renamed away):
        # no report, not even a shortened one, and all stay to retry
        con = sqlite3.connect(db, isolation_level=None, timeout=10)
        con.execute("ALTER TABLE messages RENAME COLUMN dkim TO dkim_away")
        r0 = report(d.conf_path, *period)
        con.execute("ALTER TABLE messages RENAME COLUMN dkim_away TO dkim")
        con.close()
        t.ok(r0.returncode == 1 and "store query failed" in r0.stderr and
             "dkim" in r0.stderr and not fake_sendmail.paths(spool),
             "the store failing under the rows: exit 1, the error logged, "
             "nothing sent", diag=r0.stderr)
        open(os.path.join(spool, "fail"), "w").close()
        r1 = report(d.conf_path, *period)
        t.ok(r1.returncode == 1 and "failed" in r1.stderr and
             not fake_sendmail.paths(spool), "command failing: exit 1, "
             "report failed, nothing sent", diag=r1.stderr)
        os.unlink(os.path.join(spool, "fail"))
        r2 = report(d.conf_path, *period)
        sent = fake_sendmail.paths(spool)
        t.ok(r2.returncode == 0 and len(sent) == 3, "next run: the failed "
             "reports are retried and sent", diag=r2.stderr)
        r3 = report(d.conf_path, *period)
        t.ok(r3.returncode == 0 and len(fake_sendmail.paths(spool)) == 3 and
             "report " not in r3.stderr, "third run: nothing is sent twice",
             diag=r3.stderr)
    tos = []
    names = {}
    for p in sent + sorted(glob.glob(spool + "/failed.*")):
        with open(p, "rb") as f:
            raw = f.read()
        m = email.message_from_bytes(raw, policy=email.policy.default)
        names.setdefault(str(m["To"]), []).append(mail_names(raw))
        if p not in sent:
            continue
        tos.append(str(m["To"]))
        if b"\r\n" in raw:
            tos.append("CRLF given to the command")
    sid = store_id(db)
    t.ok(len(names) == 3 and all(
        len(v) == 2 and v[0] == v[1] and v[0][0].endswith("!%s.xml.gz" % sid)
        for v in names.values()), "a resend (next run, store reopened): "
         "the same Report-ID, file name and Message-ID", diag=repr(names))
    t.is_eq(sorted(tos), ["agg@reports.example", "dmarc@a.test",
                          "tiny@d.test"],
            "the command got LF messages addressed to the rua addresses")
    con = sqlite3.connect(db)
    states = sorted(con.execute("SELECT policy_domain, state FROM reports"))
    con.close()
    t.is_eq(states, [("a.test", "sent"), ("b.test", "sent"),
                     ("c.test", "skipped"), ("d.test", "sent"),
                     ("f.test", "skipped")], "report states in the store")
    complete_periods(t, opts, db, tmp)


def replaced(t, opts, tmp):
    """two rua addresses that ext1's record replaces by one address, and a
    third whose check fails (SERVFAIL): the report goes to the replacement
    once, is retried for the third, and the retry does not send it to the
    replacement again"""
    db = os.path.join(tmp, "replaced.db")
    script, spool = fake_sendmail.make(tmp, "fake-sendmail-replaced")
    opts["ReportStore"] = "sqlite:" + db
    opts["ReportSendmail"] = script + " -t -oi"
    with daemon.Daemon(options=opts) as d:
        d.send_message(msg(REPLACED, 1), client_ip=GOOD_IP,
                       mail_from="<x@%s>" % REPLACED)
        wait_rows(db, 1)
        now = int(time.time())
        period = ["--period", str(now - 3600), str(now + 3600)]
        runs = [report(d.conf_path, *period) for _ in range(2)]
    tos = [str(m["To"]) for m in fake_sendmail.messages(spool)]
    t.ok(tos == ["real@ext1.example"], "a replaced destination: sent once, "
         "not again when the report is retried for another",
         diag="got: %r\n%s" % (tos, "\n".join(r.stderr for r in runs)))
    con = sqlite3.connect(db)
    state = con.execute("SELECT state, sent_to FROM reports").fetchall()
    con.close()
    t.is_eq(state, [("failed", " real@ext1.example ")], "the report waits "
            "for its failed destination, the replacement recorded once")


def send_two(d, db):
    """send_two - one message from a.test and one from b.test through d,
    their rows in the store db"""
    for n, dom in enumerate(("a.test", "b.test")):
        d.send_message(msg(dom, n), client_ip=GOOD_IP,
                       mail_from="<x@%s>" % dom)
    wait_rows(db, 2)


def claims(t, opts, tmp):
    """a claim is stamped when it is made, not when the run started (a
    long run's late claims would look stale to the next run, which would
    take them over and send them again); a claim taken over while we
    send is not overwritten by our outcome, and the run says so"""
    db = os.path.join(tmp, "claims.db")
    # a slow submission; for b.test another job takes the claim meanwhile
    script, spool = fake_sendmail.make(
        tmp, "fake-sendmail-slow", after="sleep %d\n"
        "grep -q '^Subject: .*b\\.test' \"$msg\" && sqlite3 %s "
        "\"UPDATE reports SET claimed_by = 'other:1' WHERE "
        "policy_domain = 'b.test'\"\nexit 0" % (CLAIM_SLEEP_S, db))
    opts["ReportStore"] = "sqlite:" + db
    opts["ReportSendmail"] = script + " -t -oi"
    with daemon.Daemon(options=opts) as d:
        send_two(d, db)
        now = int(time.time())
        r = report(d.conf_path, "--period", str(now - 3600), str(now + 3600))
    con = sqlite3.connect(db)
    got = dict((row[0], row[1:]) for row in con.execute(
        "SELECT policy_domain, claimed_at, done_at, state, claimed_by "
        "FROM reports"))
    con.close()
    a, b = got.get("a.test"), got.get("b.test")
    t.ok(a is not None and b is not None and a[1] - a[0] >= CLAIM_SLEEP_S - 1
         and b[0] >= a[1], "each claim stamped when made, each outcome when "
         "done (the second claim after the first report's slow submission)",
         diag="%r\n%s" % (got, r.stderr))
    t.ok(b is not None and b[2] == "claimed" and b[3] == "other:1" and
         re.search(r"report b\.test at \d+: another job took the claim over"
                   r" .*this run's outcome \(sent\) is not recorded",
                   r.stderr), "a claim taken over meanwhile keeps the other "
         "job's; the run logs that its outcome is not recorded",
         diag="%r\n%s" % (got, r.stderr))
    dead_claims(t, opts, tmp)


def dead_claims(t, opts, tmp):
    """a fresh claim whose job (this host, a pid that is gone) died is
    taken over at once, one of another host waits; a claim the store
    refuses (a full disk) is an error: exit 1, the reason logged, not a
    report quietly left as another job's"""
    db = os.path.join(tmp, "dead-claims.db")
    script, spool = fake_sendmail.make(tmp, "fake-sendmail-dead")
    opts["ReportStore"] = "sqlite:" + db
    opts["ReportSendmail"] = script + " -t -oi"
    with daemon.Daemon(options=opts) as d:
        send_two(d, db)
        claims_left(t, d.conf_path, db, spool)


def claims_left(t, conf, db, spool):
    """dead_claims' runs, on the rows of its daemon"""
    gone = subprocess.Popen(["true"])
    gone.wait()
    now = int(time.time())
    begin, end = now - 3600, now + 3600
    con = sqlite3.connect(db)
    for dom, by in (("a.test", "%s:%d" % (socket.gethostname(), gone.pid)),
                    ("b.test", "elsewhere.example:1")):
        con.execute("INSERT INTO reports (policy_domain, period_begin,"
                    " period_end, state, claimed_by, claimed_at, report_id)"
                    " VALUES (?, ?, ?, 'claimed', ?, ?, 'r')",
                    (dom, begin, end, by, now))
    con.commit()
    con.close()
    r = report(conf, "--period", str(begin), str(end))
    con = sqlite3.connect(db)
    got = dict(con.execute("SELECT policy_domain, state FROM reports"))
    con.close()
    t.ok(r.returncode == 0 and got == {"a.test": "sent", "b.test": "claimed"}
         and len(fake_sendmail.paths(spool)) == 1 and
         "report a.test at %d: taken over from %s:%d, which is no longer "
         "running" % (begin, socket.gethostname(), gone.pid) in r.stderr,
         "a fresh claim of a job of this host that is gone is taken over; "
         "another host's waits", diag="%r\n%s" % (got, r.stderr))
    con = sqlite3.connect(db)
    con.execute("DELETE FROM reports")
    con.execute("CREATE TRIGGER no_claims BEFORE INSERT ON reports BEGIN"
                " SELECT RAISE(ABORT, 'database or disk is full'); END")
    con.commit()
    con.close()
    r = report(conf, "--period", str(begin), str(end))
    t.ok(r.returncode == 1 and "cannot claim the report of a.test at %d: "
         "database or disk is full" % begin in r.stderr and
         len(fake_sendmail.paths(spool)) == 1,
         "a claim the store refuses: exit 1, the reason logged, nothing "
         "sent", diag="rc %d\n%s" % (r.returncode, r.stderr))


def complete_periods(t, opts, db, tmp):
    """without --period: only complete UTC days, each reported once.
    The run is made at noon (faketime) of the day the daemon's rows
    arrived in: near midnight the real clock put those rows in yesterday,
    or left yesterday within its grace time (CI ran it at 00:0x once)"""
    names = ["no --period: one report per complete UTC day, today's rows "
             "left for tomorrow", "rows fall in the day of their arrival"]
    if not t.need(tools=("faketime",), what="complete report periods",
                  tests=names):
        return
    day = 86400
    con = sqlite3.connect(db)
    today = con.execute("SELECT max(arrival) FROM messages"
                        ).fetchone()[0] // day * day
    cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
    rows = con.execute("SELECT * FROM messages WHERE policy_domain = 'a.test'"
                       ).fetchall()
    ai = cols.index("arrival")
    for back, n in ((2, 2), (1, 3)):
        for k in range(n):
            r = list(rows[k % len(rows)])
            r[ai] = today - back * day + 60 * k + (day - 61 if k == 0 else 0)
            con.execute("INSERT INTO messages VALUES (%s)" %
                        ",".join("?" * len(r)), r)
    con.commit()
    con.close()
    out = os.path.join(tmp, "outdays")
    os.mkdir(out)
    conf = os.path.join(tmp, "days.conf")
    with open(conf, "w") as f:
        for k, v in opts.items():
            f.write("%s %s\n" % (k, v))
        f.write("LogTo stderr\n")
    r = subprocess.run(["faketime", "-f", "@%s" % time.strftime(
        "%Y-%m-%d %H:%M:%S", time.gmtime(today + day // 2)),
        REPORT, "-c", conf, "--dry-run", "--out", out],
        capture_output=True, text=True, timeout=60, env=faketime_env())
    files = sorted(os.path.basename(f) for f in glob.glob(out + "/*.xml.gz"))
    want = ["mx.receiver.example!a.test!%d!%d!%s.xml.gz" % (
        b, b + day - 1, store_id(db)) for b in (today - 2 * day, today - day)]
    t.ok(r.returncode == 0 and files == want, names[0],
         diag=repr(files) + r.stderr)
    counts = []
    for f in sorted(glob.glob(out + "/*.xml.gz")):
        with gzip.open(f) as g:
            root = ET.fromstring(g.read())
        counts.append(sum(int(c.text) for c in root.iter(NS + "count")))
    t.is_eq(counts, [2, 3], names[1])
    grace(t, conf, today, tmp)
    expire(t, conf, db)
    unit_expires(t, conf, db)


def faketime_env():
    """the environment for a program run under faketime: libfaketime is
    preloaded, which an ASan build (tests/ci-sanitize.sh) refuses unless
    told not to check that its runtime comes first"""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(os.environ, TZ="UTC", ASAN_OPTIONS=(
        asan + ":" if asan else "") + "verify_asan_link_order=0")


def grace(t, conf, today, tmp):
    """a period is reported five minutes after its end, not at once: rows
    of its last moments may still be on their way to the store"""
    names = ["period ended 2 minutes ago: not reported yet",
             "period ended 6 minutes ago: reported"]
    if not t.need(tools=("faketime",), what="report grace period",
                  tests=names):
        return
    got = []
    for minutes in (2, 6):
        out = os.path.join(tmp, "grace%d" % minutes)
        os.mkdir(out)
        r = subprocess.run(["faketime", "-f", "@%s" % time.strftime(
            "%Y-%m-%d %H:%M:%S", time.gmtime(today + 60 * minutes)),
            REPORT, "-c", conf, "--dry-run", "--out", out],
            capture_output=True, text=True, timeout=60,
            env=faketime_env())
        got.append((r.returncode, sorted(
            os.path.basename(f).split("!")[2]
            for f in glob.glob(out + "/*.xml.gz")), r.stderr))
    day = 86400
    t.ok(got[0][:2] == (0, [str(today - 2 * day)]), names[0],
         diag=repr(got[0]))
    t.ok(got[1][:2] == (0, [str(today - 2 * day), str(today - day)]),
         names[1], diag=repr(got[1]))


def expire(t, conf, db):
    """--expire DAYS: messages, finished reports and the writers' batch
    ids older than that go; newer ones and claims in progress stay"""
    old = int(time.time()) - 10 * 86400
    con = sqlite3.connect(db)
    n_msgs = con.execute("SELECT count(*) FROM messages").fetchone()[0]
    n_batches = con.execute("SELECT count(*) FROM written_batches"
                            ).fetchone()[0]
    con.execute("INSERT INTO messages SELECT * FROM messages LIMIT 3")
    con.execute("UPDATE messages SET arrival = ? WHERE rowid IN (SELECT"
                " rowid FROM messages ORDER BY rowid DESC LIMIT 3)", (old,))
    con.execute("INSERT INTO written_batches VALUES ('old-batch', ?)", (old,))
    for dom, state in (("old-sent.test", "sent"),
                       ("old-claimed.test", "claimed")):
        con.execute("INSERT INTO reports (policy_domain, period_begin,"
                    " period_end, state, claimed_by, claimed_at, report_id)"
                    " VALUES (?, ?, ?, ?, 'x', ?, 'r')",
                    (dom, old - 86400, old, state, old))
    con.commit()
    con.close()
    r = report(conf, "--expire", "7")
    con = sqlite3.connect(db)
    got = (con.execute("SELECT count(*) FROM messages").fetchone()[0],
           con.execute("SELECT count(*) FROM written_batches").fetchone()[0],
           sorted(d for (d,) in con.execute(
               "SELECT policy_domain FROM reports WHERE policy_domain"
               " LIKE 'old-%'")))
    con.close()
    t.ok(r.returncode == 0 and n_batches > 0 and
         got == (n_msgs, n_batches, ["old-claimed.test"]),
         "--expire 7: old messages, batch ids and finished reports go,"
         " the rest stays", diag="%r, want %r\n%s" % (
             got, (n_msgs, n_batches, ["old-claimed.test"]), r.stderr))


def unit_expires(t, conf, db):
    """contrib/authmilter-report.service prunes the store before it
    reports: nothing else ever ran --expire, so every installation's
    store grew by a row a message for good"""
    unit = os.path.join(SRC, "contrib", "authmilter-report.service")
    cmds = []
    with open(unit) as f:
        for line in f:
            m = re.match(r"^ExecStart=(.*)$", line.strip())
            if m:
                cmds.append(m.group(1).split())
    expiring = [c for c in cmds if "--expire" in c]
    t.ok(len(expiring) == 1 and cmds.index(expiring[0]) == 0 and
         len(cmds) == 2, "the report unit runs --expire, then the report",
         diag=repr(cmds))
    name = "its --expire removes only the rows older than its days (at " \
        "least a week)"
    if not expiring:
        t.ok(False, name)
        return
    days = int(expiring[0][expiring[0].index("--expire") + 1])
    con = sqlite3.connect(db)
    n_msgs = con.execute("SELECT count(*) FROM messages").fetchone()[0]
    con.execute("INSERT INTO messages SELECT * FROM messages LIMIT 2")
    con.execute("UPDATE messages SET arrival = ? WHERE rowid IN (SELECT"
                " rowid FROM messages ORDER BY rowid DESC LIMIT 2)",
                (int(time.time()) - (days + 1) * 86400,))
    con.commit()
    con.close()
    argv = [REPORT if a.endswith("/authmilter-report") else
            conf if a == "/etc/authmilter.conf" else a for a in expiring[0]]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    con = sqlite3.connect(db)
    left = con.execute("SELECT count(*) FROM messages").fetchone()[0]
    con.close()
    t.ok(r.returncode == 0 and left == n_msgs and days >= 7, name,
         diag="%d days: %d rows, %d before\n%s" % (days, left, n_msgs,
                                                    r.stderr))


main()
