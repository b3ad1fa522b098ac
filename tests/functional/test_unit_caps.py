#!/usr/bin/python3
"""test_unit_caps - the shipped systemd unit (contrib/authmilter.service)
gives the daemon enough capabilities: run with exactly the unit's
CapabilityBoundingSet (setpriv, as systemd would), as root with UserID set
and a signing key owned by that user with mode 0600 (what the key check
demands), `authmilter -t` (the unit's ExecStartPre) accepts the config,
the daemon starts, signs, and still signs after a SIGHUP reload (keys
re-read as UserID). Without CAP_DAC_READ_SEARCH root could not open the
key, which this test also shows, so the unit cannot lose it unnoticed."""

import os
import pwd
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(SRC, "contrib", "authmilter.service")
USER = "nobody"
NAMES = ["unit has a CapabilityBoundingSet",
         "without CAP_DAC_READ_SEARCH root cannot read the key (control)",
         "authmilter -t accepts the config under the unit's capabilities",
         "daemon starts under the unit's capabilities and signs",
         "daemon still signs after SIGHUP (keys re-read as UserID)"]

MSG = (b"From: alice@example.com\r\nTo: bob@example.net\r\nSubject: caps\r\n"
       b"Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n")


def unit_caps():
    with open(UNIT) as f:
        m = re.search(r"^CapabilityBoundingSet=(.*)$", f.read(), re.M)
    if not m:
        return None
    return [c.lower().replace("cap_", "", 1) for c in m.group(1).split()]


def bounding(caps):
    return ["setpriv", "--bounding-set=-all," +
            ",".join("+" + c for c in caps)]


def missing():
    if os.geteuid() != 0:
        return "root"
    if not shutil.which("setpriv") or not shutil.which("openssl"):
        return "setpriv (util-linux) and openssl"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return "a user named %s" % USER
    return daemon.missing()


def signed(res):
    return any(n.lower() == "dkim-signature" for n, _v in res.headers)


def main():
    t = TAP()
    if not t.need(check=missing, what="systemd unit capabilities",
                  tests=NAMES):
        t.done()
    caps = unit_caps()
    t.ok(caps, NAMES[0])
    if not caps:
        t.skip_rest("no CapabilityBoundingSet in the unit", NAMES[1:])
        t.done()
    tmp = tmpdir.make("unit-caps-", mode=0o755)
    try:
        key = os.path.join(tmp, "s1.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"],
                       capture_output=True, check=True, timeout=60)
        pw = pwd.getpwnam(USER)
        os.chown(key, pw.pw_uid, pw.pw_gid)
        os.chmod(key, 0o600)
        less = [c for c in caps if c not in ("dac_read_search",
                                             "dac_override")]
        r = subprocess.run(bounding(less) + ["cat", key],
                           capture_output=True, timeout=30)
        t.ok(r.returncode != 0, NAMES[1], diag=r.stderr)
        opts = {"UserID": USER, "Domain": "example.com", "Selector": "s1",
                "KeyFile": key, "InternalHosts": "127.0.0.0/8",
                "PidFile": None}
        d = daemon.Daemon(opts)
        # the daemon's temp dir must be readable after the drop (reload)
        os.chmod(d.tmp, 0o755)
        os.chmod(d.conf_path, 0o644)
        c = subprocess.run(bounding(caps) + [daemon.binary(), "-t", "-c",
                                             d.conf_path],
                           capture_output=True, text=True, timeout=30)
        t.ok(c.returncode == 0, NAMES[2], diag=c.stderr)
        d.command = bounding(caps) + [daemon.binary(), "-f", "-c", "{conf}"]
        try:
            d.start()
        except daemon.DaemonError as e:
            t.ok(False, NAMES[3], diag=str(e))
            t.skip_rest("the daemon did not start", NAMES[4:])
            d.cleanup()
            d = None
        if d is not None:
            try:
                res = d.send_message(MSG, client_ip="127.0.0.1",
                                     mail_from="alice@example.com")
                t.ok(signed(res), NAMES[3], diag=lambda: d.log_tail(5))
                start = len(d.log())
                d.reload()
                ok = d.wait_for_log(r"configuration reloaded from",
                                    timeout=10 * SCALE,
                                    start=start)
                res = d.send_message(MSG, client_ip="127.0.0.1",
                                     mail_from="alice@example.com")
                t.ok(ok and signed(res) and d.running(), NAMES[4],
                     diag=lambda: d.log_tail(5))
            finally:
                d.cleanup()
    finally:
        tmpdir.remove(tmp)
    t.done()


if __name__ == "__main__":
    main()
