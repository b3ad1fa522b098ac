#!/usr/bin/python3
"""test_quickstart - the README's quick start works with the sample config.

contrib/authmilter.conf is run as shipped, as root (how the README runs
it), with only three lines replaced so the test stays on loopback, off
fixed ports and out of /var/lib: Socket (a free port), Nameservers (a DNS
test server) and ReportStore (a file in a directory that does not exist
yet). It must start (no root refusal: the sample drops to the authmilter
user that bootstrap creates), really run as that user, answer a message
with an Authentication-Results header whose SPF result needed DNS after
the privilege drop, and record the message's DMARC evaluation in a store
whose directory it made for that user before the drop."""

import os
import pwd
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
SAMPLE = os.path.join(SRC, "contrib", "authmilter.conf")
USER = "authmilter"
NAMES = ["sample config passes authmilter -t",
         "daemon starts with the sample config as root",
         "daemon runs as the sample's UserID",
         "message gets an A-R with spf=pass (DNS works after the drop)",
         "daemon stops cleanly on SIGTERM",
         "sample records DMARC: the store's directory made for the user",
         "sample records DMARC: the evaluation is in the store"]

MSG = (b"From: alice@example.org\r\nTo: bob@example.net\r\n"
       b"Subject: quick start\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
       b"\r\nHello.\r\n")


def missing():
    if os.geteuid() != 0:
        return "root (the quick start runs as root)"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return "the %s user (bootstrap creates it)" % USER
    return daemon.missing()


def sample_with(socket_spec, nameservers, store=None):
    """sample_with - the sample text with Socket and Nameservers replaced
    (and ReportStore moved into the test's directory: not /var/lib)"""
    with open(SAMPLE) as f:
        text = f.read()
    if store:
        text, n = re.subn(r"^ReportStore sqlite:.*$", "ReportStore sqlite:" +
                          store, text, flags=re.M)
        assert n == 1, "sample has one ReportStore line"
    text, n = re.subn(r"^Socket .*$", "Socket " + socket_spec, text,
                      flags=re.M)
    assert n == 1, "sample has one Socket line"
    text = re.sub(r"^#?Nameservers .*$", "", text, flags=re.M)
    return text + "\nNameservers %s\n" % nameservers


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    return None


def main():
    t = TAP()
    if not t.need(check=missing, what="quick start", tests=NAMES):
        t.done()
    tmp = tmpdir.make("quickstart-", mode=0o755)
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        f.write("example.org:\n  - TXT: v=spf1 ip4:192.0.2.0/24 -all\n"
                "_dmarc.example.org:\n  - TXT: v=DMARC1; p=none\n")
    with dns_testserver.DnsServer(zpath) as srv:
        port = milter_client.free_port()
        conf = os.path.join(tmp, "authmilter.conf")
        with open(conf, "w") as f:
            f.write(sample_with("inet:%d@127.0.0.1" % port,
                                "127.0.0.1@%d" % srv.port,
                                os.path.join(tmp, "state", "reports.db")))
        chk = subprocess.run([daemon.binary(), "-t", "-c", conf],
                             capture_output=True, text=True, timeout=30)
        t.ok(chk.returncode == 0, NAMES[0], diag=chk.stderr)
        log = open(os.path.join(tmp, "log"), "w+")
        proc = subprocess.Popen([daemon.binary(), "-f", "-c", conf],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            if run(t, proc, port, log):
                recorded(t, os.path.join(tmp, "state"))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    t.done()


def run(t, proc, port, log):
    spec = "inet:%d@127.0.0.1" % port
    deadline = time.monotonic() + 15 * SCALE
    client = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            client = milter_client.MilterClient(
                spec, timeout=10 * SCALE).connect()
            break
        except (OSError, milter_client.MilterError):
            time.sleep(0.1)

    def logtext():
        log.seek(0)
        return log.read()[-2000:]
    t.ok(client is not None, NAMES[1], diag=logtext)
    if client is None:
        t.skip_rest("daemon did not start", NAMES[2:])
        return False
    want = pwd.getpwnam(USER).pw_uid
    uids = None
    deadline = time.monotonic() + 5 * SCALE
    while time.monotonic() < deadline:
        uids = uid_of(proc.pid)
        if uids and all(u == want for u in uids):
            break
        time.sleep(0.05)
    t.ok(uids and all(u == want for u in uids), NAMES[2],
         diag="uids %r, want %d" % (uids, want))
    res = client.send_message(MSG, client_ip="192.0.2.7",
                              helo="mail.example.org",
                              mail_from="alice@example.org",
                              rcpts=["bob@example.net"])
    client.close()
    ar = res.header_values("Authentication-Results")
    t.ok(len(ar) == 1 and "spf=pass" in ar[0], NAMES[3],
         diag=lambda: "A-R %r\n%s" % (ar, logtext()))
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=40 * SCALE)
    except subprocess.TimeoutExpired:
        rc = None
    t.ok(rc == 0, NAMES[4], diag="exit %r" % rc)
    return True


def recorded(t, state):
    """the sample's ReportStore: directory made as root for the user,
    the message's DMARC evaluation in it once the daemon stopped"""
    try:
        st = os.stat(state)
        owner = pwd.getpwuid(st.st_uid).pw_name
    except (OSError, KeyError) as e:
        owner = repr(e)
    t.is_eq(owner, USER, NAMES[5])
    try:
        con = sqlite3.connect(os.path.join(state, "reports.db"))
        got = con.execute("SELECT policy_domain, dmarc_result FROM "
                          "messages").fetchall()
        con.close()
    except sqlite3.Error as e:
        got = repr(e)
    t.is_eq(got, [("example.org", "pass")], NAMES[6])


if __name__ == "__main__":
    main()
