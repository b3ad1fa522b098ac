#!/usr/bin/python3
"""test_report_job_full - authmilter-report on a full filesystem (a tmpfs
mounted with size=, as root). test_report_faults covers the daemon's
writer on a full store; this is the report job:
- the SQLite store's filesystem full: the job exits 1 naming the reason
  (SQLite alone said "disk I/O error": the WAL's shared-memory file
  cannot be made), sends nothing and leaves the store intact; with room
  again the next run sends the report;
- --dry-run --out on a full filesystem: exit 1 with the reason, and no
  cut report file left behind (an empty .xml.gz was).
Needs root (mount); skipped with the reason elsewhere, a failure under
CI=true."""

import os
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import fake_sendmail  # noqa: E402
import report_rows  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

BUILD = os.environ.get("top_builddir") or os.path.join(HERE, "..", "..")
REPORT = os.path.join(BUILD, "src", "authmilter-report")
NAMES = ["store full: exit 1, the reason named",
         "store full: nothing sent, the store intact",
         "--out full: exit 1, the reason named",
         "--out full: no cut report file left",
         "room again: the report is sent"]
ROWS = 20


def can_mount():
    if os.geteuid() != 0:
        return "needs root (mounts a tiny tmpfs)"
    if not os.path.exists(REPORT):
        return "authmilter-report (make)"
    return None


def mount(path, size):
    os.mkdir(path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
                    path], check=True, timeout=30)


def fill(mnt):
    """fill - take every free block of mnt; the path of the filler"""
    path = os.path.join(mnt, "filler")
    with open(path, "wb") as f:
        try:
            f.write(b"x" * (4 << 20))
        except OSError:
            pass
    return path


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def msg(n):
    return ("From: alice@a.test\r\nTo: bob@example.net\r\nSubject: m%d\r\n"
            "Message-ID: <m%d@a.test>\r\n\r\nHello.\r\n" % (n, n)).encode()


def report(conf, *args):
    now = int(time.time())
    return subprocess.run([REPORT, "-c", conf, "--period", str(now - 3600),
                           str(now + 3600)] + list(args),
                          capture_output=True, text=True, timeout=60)


def run(t, srv, tmp, store_mnt, out_mnt):
    db = os.path.join(store_mnt, "r.db")
    script, spool = fake_sendmail.make(tmp, "fake-sendmail")
    opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "1s",
            "ReportStore": "sqlite:" + db,
            "ReportSendmail": script + " -t -oi",
            "ReportContact": "dmarc@mx.receiver.example"}
    with daemon.Daemon(options=opts) as d:
        for i in range(ROWS):
            d.send_message(msg(i), client_ip="198.51.100.1",
                           mail_from="<x@a.test>")
        end = time.monotonic() + 10 * SCALE
        while report_rows.count(db) < ROWS and time.monotonic() < end:
            time.sleep(0.1)
        d.stop()
        filler = fill(store_mnt)
        r = report(d.conf_path)
        # the disk fills at the claim (SQLite's words) or at the report
        # file (the system's), depending on how the rows were batched
        t.ok(r.returncode == 1 and ("No space left on device" in r.stderr or
                                    "database or disk is full" in r.stderr),
             NAMES[0], diag="rc %d: %s" % (r.returncode, r.stderr))
        os.unlink(filler)
        con = sqlite3.connect(db)
        ok = con.execute("PRAGMA integrity_check").fetchall()
        con.close()
        t.ok(ok == [("ok",)] and not fake_sendmail.paths(spool) and
             report_rows.count(db) == ROWS, NAMES[1],
             diag="%r, sent %r" % (ok, fake_sendmail.paths(spool)))
        fill(out_mnt)
        r = report(d.conf_path, "--dry-run", "--out", out_mnt)
        t.ok(r.returncode == 1 and "No space left on device" in r.stderr,
             NAMES[2], diag=r.stderr)
        left = sorted(f for f in os.listdir(out_mnt) if f != "filler")
        t.ok(not left, NAMES[3], diag=repr(left))
        r = report(d.conf_path)
        t.ok(r.returncode == 0 and len(fake_sendmail.paths(spool)) == 1,
             NAMES[4], diag="%s(store: %d bytes free, files %r)" % (
                 r.stderr, free_bytes(store_mnt), sorted(os.listdir(store_mnt))))


def main():
    t = TAP()
    if not t.need(root=True, check=lambda: daemon.missing() or can_mount(),
                  what="report job on a full filesystem", tests=NAMES):
        t.done()
    import yaml
    tmp = tmpdir.make("authmilter-rjfull-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump({"_dmarc.a.test": [{"TXT": "v=DMARC1; p=none; "
                                           "rua=mailto:r@a.test"}]}, f)
    mounted = []
    try:
        for name, size in (("store", "1m"), ("out", "8k")):
            mount(os.path.join(tmp, name), size)
            mounted.append(os.path.join(tmp, name))
        with dns_testserver.DnsServer(zpath) as srv:
            run(t, srv, tmp, mounted[0], mounted[1])
    finally:
        for m in mounted:
            subprocess.run(["umount", "-l", m], timeout=30)
    t.done()


if __name__ == "__main__":
    main()
