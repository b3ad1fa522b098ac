#!/usr/bin/python3
"""test_report_record - with ReportStore sqlite:PATH the daemon records one
row per DMARC evaluation (messages over the milter protocol, records from
a DNS server on loopback), the store is made on first use in WAL mode with
a schema version, mail flows when the store cannot be opened (rows are
dropped and counted in the log), a row that could be stored only after
its period's report went out is stored in the current period (the daemon
under faketime across a full hour), and `authmilter -t` says why a store
cannot be opened."""

import os
import pwd
import re
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import prom  # noqa: E402
import report_rows  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, run_parallel  # noqa: E402

BUILD = os.environ.get("top_builddir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
REPORT = os.path.join(BUILD, "src", "authmilter-report")

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    import dkim  # noqa: F401
    import yaml
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-dkim and python3-yaml (%s)" % e

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"


def zone(pub):
    spf = "v=spf1 ip4:192.0.2.0/24 -all"
    z = {}
    for dom, dmarc in (("pass.test", "v=DMARC1; p=reject; rua=mailto:agg@pass.test; fo=1"),
                       ("none.test", "v=DMARC1; p=none; t=y"),
                       ("quar.test", "v=DMARC1; p=quarantine; adkim=s"),
                       ("strict.test", "v=DMARC1; p=none"),
                       ("testy.test", "v=DMARC1; p=reject; t=y"),
                       ("qtesty.test", "v=DMARC1; p=quarantine; t=y")):
        z[dom] = [{"TXT": spf}, {"A": "192.0.2.10"}]
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
        z["_dmarc." + dom] = [{"TXT": dmarc}]
    z["nopolicy.test"] = [{"TXT": spf}]
    # a bounce domain below the author's: SPF aligns only relaxed
    z["mail.pass.test"] = [{"TXT": spf}]
    # signers for the ranking of kept signatures: relaxed-aligned (a
    # child of the author domain; a sibling, in its organisational
    # domain), other
    for dom in ("sub.pass.test", "sib.pass.test", "other.test"):
        z["s1._domainkey." + dom] = [{"TXT": "v=DKIM1; k=rsa; p=" + pub}]
    return z


def msg(from_dom, subject):
    return (("From: Alice <alice@%s>\r\nTo: bob@example.net\r\n"
             "Subject: %s\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
             "Message-ID: <%s@x.test>\r\n\r\nHello.\r\n")
            % (from_dom, subject, subject)).encode()


sign = dkim_keys.relaxed_signed  # relaxed/relaxed, h=from:to:subject:date


def junk_signatures(raw, n):
    """raw with n signatures above it whose keys do not exist"""
    junk = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; d=junk%d.test; "
                    b"s=s1; h=from; bh=AAAA; b=AAAA\r\n" % i
                    for i in range(n))
    return junk + raw


def rows(path):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(
            "SELECT * FROM messages ORDER BY rowid")]
    finally:
        db.close()


def scrape_report_rows(port, want_stored, timeout=5.0):
    """the report-row series of GET /metrics, once the store has
    want_stored rows (the writer gathers rows for 100 ms) or after
    timeout (scaled)"""
    keys = {"queued": "authmilter_report_rows_queued_total",
            "stored": "authmilter_report_rows_stored_total",
            "queue_full": 'authmilter_report_rows_dropped_total'
                          '{reason="queue_full"}',
            "refused": 'authmilter_report_rows_dropped_total'
                       '{reason="refused"}'}
    end = time.monotonic() + timeout * SCALE
    while True:
        try:
            got = prom.scrape(port)
        except OSError as e:
            return {"error": str(e)}
        out = {k: got.get(v) for k, v in keys.items()}
        if out["stored"] == want_stored or time.monotonic() > end:
            return out
        time.sleep(0.1)


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="report recording tests"):
        t.done()
    tmp = tmpdir.make("authmilter-rec-")
    pem, pub = dkim_keys.rsa_key_pair()
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(zone(pub), f)
    with dns_testserver.DnsServer(zpath) as srv:
        base = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s"}
        recording(t, dict(base), pem, tmp)
        held(t, dict(base), tmp)
        store_down(t, dict(base), tmp)
        # each waits for a full hour of its daemon's faked clock: both
        # at once (see late_row)
        run_parallel(t, lambda r: late_row(r, dict(base), tmp),
                     lambda r: late_row(r, dict(base), tmp, reloaded=True))
    check_option(t, tmp)
    store_as_user(t)
    t.done()


def recording(t, opts, pem, tmp):
    db = os.path.join(tmp, "reports.db")
    opts["ReportStore"] = "sqlite:" + db
    opts["DMARCAlwaysReject"] = "strict.test"
    opts["DMARCQuarantineAction"] = "mark"
    opts["DKIMMaxSignatures"] = "20"
    mport = milter_client.free_port()
    opts["MetricsSocket"] = "inet:%d@127.0.0.1" % mport
    with daemon.Daemon(options=opts) as d:
        d.send_message(sign(msg("pass.test", "good"), "pass.test", pem),
                       client_ip=GOOD_IP, mail_from="<a@pass.test>",
                       macros={"i": "QID1"})
        d.send_message(msg("pass.test", "spoof"), client_ip=BAD_IP,
                       mail_from="<x@bounce.example>")
        d.send_message(msg("none.test", "testing"), client_ip=BAD_IP,
                       mail_from="<x@none.test>")
        d.send_message(msg("nopolicy.test", "nopol"), client_ip=GOOD_IP,
                       mail_from="<x@nopolicy.test>")
        d.send_message(msg("quar.test", "bounce"), client_ip=GOOD_IP,
                       mail_from="<>", helo="quar.test")
        d.send_message(msg("strict.test", "strict"), client_ip=BAD_IP,
                       mail_from="<x@strict.test>")
        many = msg("pass.test", "many")
        for signer in ("sub.pass.test", "other.test", "pass.test"):
            many = sign(many, signer, pem)
        d.send_message(junk_signatures(many, 10),
                       client_ip=GOOD_IP, mail_from="<a@pass.test>")
        # author mail.pass.test; the sibling's signature below another's
        sib = sign(sign(msg("mail.pass.test", "sibling"), "sib.pass.test",
                        pem), "other.test", pem)
        d.send_message(sib, client_ip=GOOD_IP, mail_from="<a@pass.test>")
        # a failure the policy's test mode softens, and one the site
        # treats more gently than asked (DMARCQuarantineAction mark)
        d.send_message(msg("testy.test", "testmode"), client_ip=BAD_IP,
                       mail_from="<x@testy.test>")
        d.send_message(msg("quar.test", "gentle"), client_ip=BAD_IP,
                       mail_from="<x@quar.test>")
        # DKIM aligned exactly, SPF (mail.pass.test) only relaxed
        d.send_message(sign(msg("pass.test", "bounce-domain"), "pass.test", pem),
                       client_ip=GOOD_IP, mail_from="<b@mail.pass.test>")
        metrics = scrape_report_rows(mport, 10)
        rc = d.stop()
    t.is_eq(metrics, {"queued": 10, "stored": 10, "queue_full": 0,
                      "refused": 0},
            "metrics: report rows queued and stored (10: one per row), "
            "none dropped")
    t.is_eq(rc, 0, "daemon stops cleanly with recording on")
    got = rows(db)
    t.ok(len(got) == 10, "one row per evaluation with a policy record",
         diag=repr(got))
    if len(got) != 10:
        return
    g, s, n, q, x, many, sib, tm, gentle, relaxed = got
    # RFC 9990 policy_evaluated gives each mechanism's alignment: the exact
    # DKIM pass must not leave the relaxed SPF one reported as not aligned
    t.ok(relaxed["dmarc_result"] == "pass" and relaxed["dkim_aligned"] == 1 and
         relaxed["spf_aligned"] == 1 and relaxed["spf_domain"] == "mail.pass.test",
         "DKIM aligned exactly and SPF relaxed (mail.pass.test): both "
         "recorded aligned", diag=repr(relaxed))
    # RFC 9990 "DKIM Signatures in Aggregate Reports": of 13 signatures a
    # row keeps 8: passes in strict, then relaxed alignment, then other
    # passes, then the rest in header order, though the passes came last
    sigs = many["dkim"].split("\n")
    t.is_eq(sigs, ["pass.test\ts1\tpass", "sub.pass.test\ts1\tpass",
                   "other.test\ts1\tpass"] +
            ["junk%d.test\ts1\tpermerror" % i for i in range(5)],
            "13 signatures: 8 kept, strict-aligned, relaxed-aligned and "
            "other passes first")
    # no strict pass: the evaluation found the organisational domain, and
    # a signature in it ranks as relaxed-aligned, above one outside it
    t.is_eq(sib["dkim"].split("\n"), ["sib.pass.test\ts1\tpass",
                                      "other.test\ts1\tpass"],
            "a sibling of the author domain (same organisational domain) "
            "ranks above another domain's pass, though signed below it")
    # RFC 9990 PolicyOverrideType: why the disposition is not the policy
    t.ok(tm["dmarc_result"] == "fail" and tm["p"] == "reject" and
         tm["disposition"] != "reject" and
         tm["override_type"] == "policy_test_mode",
         "p=reject t=y failing: softened, override policy_test_mode",
         diag=repr(tm))
    t.ok(gentle["dmarc_result"] == "fail" and gentle["p"] == "quarantine"
         and gentle["disposition"] == "none" and
         gentle["override_type"] == "local_policy" and
         gentle["override_comment"], "p=quarantine failing, the site "
         "marks only: disposition none, override local_policy with the "
         "verdict's why", diag=repr(gentle))
    t.ok(g["policy_domain"] == "pass.test" and g["dmarc_result"] == "pass" and
         g["dkim_aligned"] == 1 and g["spf_aligned"] == 1 and
         g["source_ip"] == GOOD_IP and g["queue_id"] == "QID1" and
         g["disposition"] == "none", "aligned pass row", diag=repr(g))
    t.ok(g["dkim"] == "pass.test\ts1\tpass" and g["spf_domain"] == "pass.test"
         and g["spf_scope"] == "mfrom" and g["spf_result"] == "pass",
         "auth results: DKIM d/s/result, SPF domain/scope/result", diag=repr(g))
    t.ok(g["p"] == "reject" and g["rua"] == "mailto:agg@pass.test" and
         g["fo"] == "1" and g["adkim"] == "r" and g["discovery"] == "treewalk"
         and g["testing"] == "n", "policy record as published", diag=repr(g))
    t.ok(s["dmarc_result"] == "fail" and s["disposition"] == "reject" and
         s["envelope_from"] == "bounce.example" and s["spf_result"] == "none"
         and s["dkim"] == "" and s["override_type"] == "",
         "spoof row: fail, rejected, no override", diag=repr(s))
    t.ok(n["disposition"] == "none" and n["testing"] == "y" and
         n["dmarc_result"] == "fail",
         "p=none t=y row: fail, disposition none", diag=repr(n))
    # RFC 7208 2.4: the null sender's MAIL FROM check is of postmaster@HELO,
    # the SPF result DMARC used; RFC 9990 reports it (scope mfrom only)
    t.ok(q["envelope_from"] == "" and q["spf_scope"] == "mfrom" and
         q["spf_domain"] == "quar.test" and q["spf_result"] == "pass" and
         q["adkim"] == "s", "null sender: the MAIL FROM check of "
         "postmaster@<HELO>, scope mfrom, the HELO domain", diag=repr(q))
    # RFC 9990: a failed policy applied otherwise than asked has a reason,
    # also when the site is stricter
    t.ok(x["dmarc_result"] == "fail" and x["p"] == "none" and
         x["disposition"] == "reject" and
         x["override_type"] == "local_policy" and x["override_comment"],
         "stricter than asked (DMARCAlwaysReject, p=none): reason "
         "local_policy with the verdict's why", diag=repr(x))
    con = sqlite3.connect(db)
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    ver = con.execute("SELECT version FROM schema_version").fetchall()
    con.close()
    t.is_eq(mode, "wal", "store in WAL mode")
    t.is_eq(ver, [(1,)], "schema version 1 recorded once")


def held(t, opts, tmp):
    """DMARCQuarantineAction hold: a quarantine applied is recorded as
    one; p=quarantine softened by t=y is the policy's test mode"""
    db = os.path.join(tmp, "held.db")
    opts["ReportStore"] = "sqlite:" + db
    with daemon.Daemon(options=opts) as d:
        r = d.send_message(msg("quar.test", "held"), client_ip=BAD_IP,
                           mail_from="<x@quar.test>")
        t.is_eq(r.quarantine is not None, True, "p=quarantine failing: held")
        d.send_message(msg("qtesty.test", "qtestmode"), client_ip=BAD_IP,
                       mail_from="<x@qtesty.test>")
        report_rows.wait_count(db, 2, 5 * SCALE)
    got = rows(db)
    t.is_eq([(x["p"], x["testing"], x["disposition"], x["override_type"])
             for x in got], [("quarantine", "n", "quarantine", ""),
                             ("quarantine", "y", "none", "policy_test_mode")],
            "held: disposition quarantine, no override; p=quarantine t=y: "
            "none, policy_test_mode")


def store_down(t, opts, tmp):
    """a store in a directory that does not exist: mail flows, rows drop"""
    opts["ReportStore"] = "sqlite:" + os.path.join(tmp, "missing", "r.db")
    opts["ReportQueueSize"] = "10"
    with daemon.Daemon(options=opts) as d:
        results = [d.send_message(msg("none.test", "down%d" % i),
                                  client_ip=BAD_IP,
                                  mail_from="<x@none.test>")
                   for i in range(15)]
        t.ok(all(r.disposition == "accept" for r in results),
             "store missing: every message still accepted",
             diag=repr([r.disposition for r in results]))
        t.ok(d.wait_for_log(r"ReportStore .*cannot open", timeout=5 * SCALE),
             "store missing: the writer says why", diag=d.log_tail(5))
        d.stop()
        t.ok(d.wait_for_log(r"5 report rows dropped .*5 in all",
                             timeout=5 * SCALE),
             "queue of 10, 15 rows: 5 dropped and counted",
             diag=d.log_tail(5))


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def late_row(t, opts, tmp, reloaded=False):
    """The daemon runs under faketime from 10 s before a full hour
    (ReportInterval 1). A row is stored, the hour's report is recorded
    as sent and the store locked; a second message comes before the full
    hour and its row can be stored only after it: it goes into the
    current period (else no report would ever carry it), and the daemon
    says so. reloaded: the daemon starts with ReportInterval 24 and a
    reload sets 1, which the writer must follow (the hour is not a day's
    end, so under 24 the row would stay in the reported hour)."""
    what = "late row after a ReportInterval reload" if reloaded else \
        "late row"
    names = [what + ": the message came before the period's end",
             what + ": stored in the current period, not the reported one",
             what + ": the daemon logs the row moved",
             what + ": a row stored in time keeps its arrival"]
    if not t.need(files=(FAKETIME_LIB,), what="late report row",
                  tests=names):
        return
    if "valgrind" in os.environ.get("AUTHMILTER_WRAPPER", ""):
        t.skip_rest("libfaketime preloaded into valgrind's client is "
                   "not supported; the normal and ASan runs cover it", names)
        return
    db = os.path.join(tmp, "late-reload.db" if reloaded else "late.db")
    hour = (int(time.time()) // 3600 + 5) * 3600	# any full hour
    if hour % 86400 == 0:
        hour += 3600	# not a day's end: ReportInterval 24 differs
    start = hour - 10
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"LD_PRELOAD": FAKETIME_LIB, "TZ": "UTC",
           "FAKETIME": "@" + time.strftime("%Y-%m-%d %H:%M:%S",
                                           time.gmtime(start)),
           "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           "ASAN_OPTIONS": (asan + ":" if asan else "") +
           "verify_asan_link_order=0"}
    opts.update({"ReportStore": "sqlite:" + db,
                 "ReportInterval": "24" if reloaded else "1",
                 "ReportStoreTimeout": "1s"})
    d = daemon.Daemon(options=opts, env=env)
    t0 = time.monotonic()
    d.start()
    con = None
    try:
        if reloaded:
            d.write_config(dict(opts, ReportInterval="1"))
            d.reload()
            if not d.wait_for_log(r"configuration reloaded", 5 * SCALE):
                for name in names:
                    t.ok(False, name, diag="no reload: " + d.log_tail(3))
                return
        d.send_message(msg("pass.test", "intime"), client_ip=GOOD_IP,
                       mail_from="<a@pass.test>")
        report_rows.wait_count(db, 1, 5 * SCALE)
        con = sqlite3.connect(db, isolation_level=None, timeout=10)
        con.execute("INSERT INTO reports (policy_domain, period_begin,"
                    " period_end, state, claimed_by, claimed_at, report_id)"
                    " VALUES ('pass.test', ?, ?, 'sent', 'test', 0, 'rid')",
                    (hour - 3600, hour))
        con.execute("BEGIN EXCLUSIVE")
        d.send_message(msg("pass.test", "late"), client_ip=GOOD_IP,
                       mail_from="<a@pass.test>")
        sent_at = start + (time.monotonic() - t0)
        t.ok(sent_at < hour - 1, names[0], diag="%.1f s before the hour "
             "(the daemon started late?)" % (hour - sent_at))
        time.sleep(max(0.0, hour + 1.5 - start - (time.monotonic() - t0)))
        con.execute("ROLLBACK")
        con.close()
        con = None
        report_rows.wait_count(db, 2, 5 * SCALE)
        got = [(r["queue_id"], r["arrival"]) for r in rows(db)]
        arrivals = sorted(a for _, a in got)
        t.ok(len(arrivals) == 2 and arrivals[1] >= hour, names[1],
             diag="hour %d: %r" % (hour, got))
        t.ok(d.wait_for_log(r"ReportStore .*: 1 rows came after their "
                            r"period's report; stored in the current period",
                            timeout=5 * SCALE), names[2], diag=d.log_tail(5))
        t.ok(len(arrivals) == 2 and arrivals[0] < hour, names[3],
             diag="hour %d: %r" % (hour, got))
    finally:
        if con is not None:
            con.close()
        d.stop()
        d.cleanup()


def check_option(t, tmp):
    conf = os.path.join(tmp, "t.conf")
    with open(conf, "w") as f:
        f.write("UserID nobody\n\nReportStore sqlite:%s/nodir/deeper/r.db\n"
                % tmp)
    r = daemon.run(["-t", "-c", conf])
    t.ok(r.returncode == 1 and "cannot be opened" in r.stderr and
         "not writable" in r.stderr, "-t: a store that cannot be made is "
         "refused with the reason", diag=r.stderr)
    t.ok("t.conf:3: ReportStore sqlite:" in r.stderr, "-t: a store that "
         "cannot be opened names file:line", diag=r.stderr)
    with open(conf, "w") as f:
        f.write("ReportStore sqlite:%s/ok.db\n" % tmp)
    r = daemon.run(["-t", "-c", conf])
    t.ok(r.returncode == 0 and not os.path.exists(tmp + "/ok.db"),
         "-t: a store that can be made is accepted, nothing created",
         diag=r.stderr)
    with open(conf, "w") as f:
        f.write("ReportStore mysql:x\n")
    r = daemon.run(["-t", "-c", conf])
    t.ok(r.returncode != 0 and "t.conf:1" in r.stderr,
         "-t: an unknown store kind names file:line", diag=r.stderr)


def store_as_user(t):
    """a sqlite store the daemon's UserID cannot write: -t as root checked
    it as root only (status 0, no word), and the daemon's start said
    SQLite's "unable to open database file (No such file or directory)" """
    names = ["-t as root: a store directory UserID cannot write is a "
             "warning at ReportStore's file:line, status 0",
             "-t as root: a store file UserID cannot write is named",
             "-t as root: no warning for a directory UserID owns, nor for "
             "one the start makes",
             "the daemon's start names the directory it cannot write"]
    if not t.need(root=True, what="ReportStore as UserID", tests=names):
        return
    tmp = tmpdir.make("authmilter-rec-user-", mode=0o755)
    nobody = pwd.getpwnam("nobody")
    conf = os.path.join(tmp, "t.conf")
    store = os.path.join(tmp, "r.db")

    def check(spec):
        with open(conf, "w") as f:
            f.write("UserID nobody\nReportStore sqlite:%s\n" % spec)
        return daemon.run(["-t", "-q", "-c", conf])

    r = check(store)
    t.ok(r.returncode == 0 and re.search(
        r"t\.conf:2: warning: ReportStore sqlite:.*: as nobody, the daemon "
        r"cannot make the store's files in %s: Permission denied"
        % re.escape(tmp), r.stderr), names[0], diag=r.stderr)
    own = os.path.join(tmp, "own")
    os.mkdir(own, 0o750)
    os.chown(own, nobody.pw_uid, nobody.pw_gid)
    # a store file made by root before the daemon made it (touched, then
    # its tables made by authmilter-report, which makes no file itself)
    check(os.path.join(own, "r.db"))
    open(os.path.join(own, "r.db"), "w").close()
    made = subprocess.run([REPORT, "-c", conf, "--stats"],
                          capture_output=True, text=True, timeout=30)
    r = check(os.path.join(own, "r.db"))
    t.ok(made.returncode == 0 and r.returncode == 0 and
         "cannot write %s/r.db: Permission denied" % own in r.stderr,
         names[1], diag=made.stderr + r.stderr)
    for name in os.listdir(own):
        os.chown(os.path.join(own, name), nobody.pw_uid, nobody.pw_gid)
    r1 = check(os.path.join(own, "r.db"))
    r2 = check(os.path.join(tmp, "new", "r.db"))
    t.ok(r1.returncode == 0 and r1.stderr == "" and r2.returncode == 0 and
         r2.stderr == "", names[2], diag=r1.stderr + r2.stderr)
    opts = {"RunAsRoot": None, "UserID": "nobody", "ReportStore":
            "sqlite:" + store}
    with daemon.Daemon(options=opts) as d:
        t.ok(d.wait_for_log(r"ReportStore .*: cannot open: cannot make the "
                            r"store's files in %s: Permission denied"
                            % re.escape(tmp), 10 * SCALE), names[3],
             diag=d.log_tail(5))


main()
