#!/usr/bin/python3
"""test_unit_exec - the commands of contrib/authmilter.service, run as
systemd runs them (the built binary for /usr/local/sbin/authmilter, a
test daemon's config for /etc/authmilter.conf, its pid for $MAINPID;
lines in order, the first failing one not prefixed "-" ends the job).

Reload: a SIGHUP alone always succeeds (the daemon refuses a broken file
and keeps the running configuration), so `systemctl reload` said nothing
of a broken file. With a broken file the ExecReload= lines must fail,
leaving the daemon unsignalled; with a good one succeed and reload it.

Start: the daemon runs while its ReportStore is down (rows are dropped,
the writer retries; mail never waits for the store), and so must the
unit: an ExecStartPre= `authmilter -t` that fails on a PostgreSQL store
it cannot reach kept the milter from starting (at boot before the
database host, or in its maintenance window)."""

import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(SRC, "contrib", "authmilter.service")
MSG = (b"From: alice@example.org\r\nTo: bob@example.net\r\n"
       b"Subject: unit\r\n\r\nHello.\r\n")
NAMES = ["the unit has ExecReload= lines",
         "PostgreSQL ReportStore down: the unit's start reaches ExecStart",
         "PostgreSQL ReportStore down: the daemon serves",
         "broken config: the unit's reload fails (systemctl reload says so)",
         "broken config: the daemon keeps running",
         "good config: the unit's reload succeeds and the daemon reloads",
         "good config: the unit's reload writes nothing to the journal"]


def exec_lines(kind):
    """exec_lines - [(ignore_failure, argv)] of the unit's Exec<kind>="""
    out = []
    with open(UNIT) as f:
        for line in f:
            m = re.match(r"^Exec%s=(.*)$" % kind, line.strip())
            if not m:
                continue
            cmd, ignore = m.group(1), False
            while cmd[:1] in ("-", "+", "@", "!", ":"):
                ignore = ignore or cmd[0] == "-"
                cmd = cmd[1:]
            out.append((ignore, shlex.split(cmd)))
    return out


def run_lines(lines, d, printed=None):
    """run_lines - the lines in order, as systemd runs them: the status
    of the first that fails (not "-"), else 0. Only our own binary and
    kill run here (the unit's install -d is for the real system).
    printed: a list that gets what each line wrote (the journal's)."""
    for ignore, argv in lines:
        if argv[0] not in ("/usr/local/sbin/authmilter", "/bin/kill"):
            continue
        argv = [a.replace("/usr/local/sbin/authmilter", daemon.binary())
                .replace("/etc/authmilter.conf", d.conf_path)
                .replace("$MAINPID", str(d.pid)) for a in argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if printed is not None:
            printed.append(r.stdout + r.stderr)
        if r.returncode != 0 and not ignore:
            return r.returncode, r.stderr
    return 0, ""


def store_down(t):
    """the unit's start with a PostgreSQL ReportStore nobody answers on"""
    uri = "postgresql://authmilter@127.0.0.1:%d/reports" % \
        milter_client.free_port()
    with daemon.Daemon(options={"ReportStore": uri}) as d:
        rc, err = run_lines(exec_lines("StartPre"), d)
        t.ok(rc == 0, NAMES[1], diag="status %r: %s" % (rc, err[-300:]))
        res = d.send_message(MSG, client_ip="192.0.2.1")
        t.ok(d.running() and len(res.header_values(
            "Authentication-Results")) == 1, NAMES[2], diag=d.log_tail(5))


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="unit reload", tests=NAMES):
        t.done()
    lines = exec_lines("Reload")
    t.ok(lines, NAMES[0])
    store_down(t)
    with daemon.Daemon() as d:
        good = open(d.conf_path).read()
        with open(d.conf_path, "a") as f:
            f.write("BrokenOption yes\n")
        start = len(d.log())
        rc, err = run_lines(lines, d)
        t.ok(rc != 0 and d.conf_path + ":" in err, NAMES[3],
             diag="status %r: %s" % (rc, err[-300:]))
        # a SIGHUP the daemon got would be refused, and logged
        refused = d.wait_for_log(r"reload of .* refused", timeout=2 * SCALE,
                                 start=start)
        t.ok(d.running() and not refused, NAMES[4], diag=d.log_tail(5))
        with open(d.conf_path, "w") as f:
            f.write(good)
        start = len(d.log())
        printed = []
        rc, err = run_lines(lines, d, printed)
        ok = d.wait_for_log(r"configuration reloaded from", timeout=10 * SCALE,
                            start=start)
        t.ok(rc == 0 and ok, NAMES[5], diag="status %r: %s\n%s"
             % (rc, err[-300:], d.log_tail(5)))
        # -t -q: not the whole configuration at every reload
        t.ok(printed and not "".join(printed), NAMES[6],
             diag="".join(printed)[-300:])
    t.done()


if __name__ == "__main__":
    main()
