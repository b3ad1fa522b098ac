#!/usr/bin/python3
"""test_unit_reload - `systemctl reload authmilter` tells the truth.
systemd runs the unit's ExecReload= lines in order and fails the reload
at the first that fails. A SIGHUP alone always succeeds: the daemon
refuses a broken file and keeps the running configuration, and
`systemctl reload` said nothing of it. This runs the ExecReload= lines
of contrib/authmilter.service as systemd would (the built binary for
/usr/local/sbin/authmilter, a test daemon's config for
/etc/authmilter.conf, its pid for $MAINPID): with a broken file they
must fail, leaving the daemon unsignalled; with a good one they succeed
and the daemon reloads."""

import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(SRC, "contrib", "authmilter.service")
NAMES = ["the unit has ExecReload= lines",
         "broken config: the unit's reload fails (systemctl reload says so)",
         "broken config: the daemon keeps running",
         "good config: the unit's reload succeeds and the daemon reloads"]


def exec_reload():
    """exec_reload - [(ignore_failure, argv)] of the unit's ExecReload="""
    out = []
    with open(UNIT) as f:
        for line in f:
            m = re.match(r"^ExecReload=(.*)$", line.strip())
            if not m:
                continue
            cmd, ignore = m.group(1), False
            while cmd[:1] in ("-", "+", "@", "!", ":"):
                ignore = ignore or cmd[0] == "-"
                cmd = cmd[1:]
            out.append((ignore, shlex.split(cmd)))
    return out


def run_reload(lines, d):
    """run_reload - the lines in order, as systemd runs them: the status
    of the first that fails (not "-"), else 0"""
    for ignore, argv in lines:
        argv = [a.replace("/usr/local/sbin/authmilter", daemon.binary())
                .replace("/etc/authmilter.conf", d.conf_path)
                .replace("$MAINPID", str(d.pid)) for a in argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if r.returncode != 0 and not ignore:
            return r.returncode, r.stderr
    return 0, ""


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="unit reload", tests=NAMES):
        t.done()
    lines = exec_reload()
    t.ok(lines, NAMES[0])
    with daemon.Daemon() as d:
        good = open(d.conf_path).read()
        with open(d.conf_path, "a") as f:
            f.write("BrokenOption yes\n")
        start = len(d.log())
        rc, err = run_reload(lines, d)
        t.ok(rc != 0 and d.conf_path + ":" in err, NAMES[1],
             diag="status %r: %s" % (rc, err[-300:]))
        # a SIGHUP the daemon got would be refused, and logged
        refused = d.wait_for_log(r"reload of .* refused", timeout=2,
                                 start=start)
        t.ok(d.running() and not refused, NAMES[2], diag=d.log_tail(5))
        with open(d.conf_path, "w") as f:
            f.write(good)
        start = len(d.log())
        rc, err = run_reload(lines, d)
        ok = d.wait_for_log(r"configuration reloaded from", timeout=10,
                            start=start)
        t.ok(rc == 0 and ok, NAMES[3], diag="status %r: %s\n%s"
             % (rc, err[-300:], d.log_tail(5)))
    t.done()


if __name__ == "__main__":
    main()
