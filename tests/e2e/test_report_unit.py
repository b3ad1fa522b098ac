#!/usr/bin/python3
"""test_report_unit - the report job's systemd unit
(contrib/authmilter-report.service) lets Postfix's sendmail queue a
report. The job runs as User=authmilter and submits through the
set-gid postdrop. systemd.exec(5) (systemd 252, Debian 12): for a unit
without CAP_SYS_ADMIN, as every User= unit is, each of the options in
IMPLY_NNP turns NoNewPrivileges=yes on, and under no_new_privs postdrop
runs without its group: it cannot write to maildrop and retries until
the job kills it, so no report ever leaves.

The test reads the unit, works out whether systemd would set
no_new_privs, and runs Postfix's sendmail the way the unit would: an
unprivileged user (nobody), no_new_privs when implied (setpriv), with a
private Postfix's configuration bound at /etc/postfix in a mount
namespace of its own (unshare; the host's /etc is not touched: postdrop
takes a non-default configuration only from root). A control run with
no_new_privs shows the submission then fails."""

import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import postfix_env  # noqa: E402
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(SRC, "contrib", "authmilter-report.service")
# systemd.exec(5): "If this setting is on, but the unit doesn't have the
# CAP_SYS_ADMIN capability (e.g. services for which User= is set),
# NoNewPrivileges=yes is implied."
IMPLY_NNP = ("LockPersonality", "MemoryDenyWriteExecute", "PrivateDevices",
             "ProtectClock", "ProtectHostname", "ProtectKernelLogs",
             "ProtectKernelModules", "ProtectKernelTunables",
             "RestrictAddressFamilies", "RestrictNamespaces",
             "RestrictRealtime", "RestrictSUIDSGID",
             "SystemCallArchitectures", "SystemCallFilter", "SystemCallLog")
OFF = ("no", "false", "0", "off", "")
NAMES = ["the report unit runs as an unprivileged User=",
         "no option in the report unit implies NoNewPrivileges "
         "(systemd.exec(5))",
         "Postfix's sendmail queues a report as the unit runs it",
         "control: under no_new_privs the same submission fails"]
SUBMIT_WAIT = 15	# postdrop under no_new_privs retries for minutes

MSG = (b"From: dmarc-noreply@mx.example.net\nTo: rua@reports.example\n"
       b"Subject: Report Domain: a.example\n\nreport\n")


def unit_service():
    """unit_service - {Name: last value} of the unit's [Service] section"""
    opts, section = {}, None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and \
                    not line.startswith("#"):
                name, value = line.split("=", 1)
                opts[name.strip()] = value.strip()
    return opts


def implied_nnp(opts):
    """implied_nnp - the options that make systemd set no_new_privs"""
    why = [n for n in IMPLY_NNP if opts.get(n, "").lower() not in OFF]
    if opts.get("NoNewPrivileges", "no").lower() not in OFF:
        why.append("NoNewPrivileges")
    return why


def submit(pf, nnp, refused=None):
    """submit - Postfix's sendmail as nobody -> (exit status, stderr), or
    (None, stderr) when it did not finish in SUBMIT_WAIT seconds or, with
    refused (a regex), as soon as its stderr shows that: each time it is
    killed with its group"""
    script = ("mount --bind %s /etc/postfix && exec setpriv --reuid=nobody "
              "--regid=nogroup --clear-groups %s /usr/sbin/sendmail -t -oi"
              % (pf.conf_dir, "--no-new-privs" if nnp else ""))
    p = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                          "sh", "-c", script], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        p.stdin.write(MSG)
        p.stdin.close()
    except OSError:
        pass            # it ended at once: its status and stderr say why
    err, why = "", "still running after %d s" % SUBMIT_WAIT
    end = time.monotonic() + SUBMIT_WAIT
    while time.monotonic() < end:
        if select.select([p.stderr], [], [], 0.1)[0]:
            chunk = os.read(p.stderr.fileno(), 4096)
            if not chunk:       # it ended, and all it started
                try:
                    return p.wait(SUBMIT_WAIT), err
                except subprocess.TimeoutExpired:
                    break
            err += chunk.decode(errors="replace")
        if refused and re.search(refused, err):
            why = "given up: refused"
            break
    os.killpg(p.pid, signal.SIGKILL)	# the group we made: ours
    p.wait()
    return None, err + why


def prerequisites():
    for tool in ("unshare", "setpriv", "mount"):
        if subprocess.run(["sh", "-c", "command -v " + tool],
                          capture_output=True).returncode != 0:
            return tool + " (util-linux, mount)"
    return postfix_env.missing()


def main():
    t = TAP()
    if not t.need(root=True, check=prerequisites, what="report unit",
                  tests=NAMES):
        t.done()
    opts = unit_service()
    user = opts.get("User", "root")
    t.ok(user not in ("", "root", "0"), NAMES[0], diag=repr(user))
    why = implied_nnp(opts)
    t.ok(not why, NAMES[1], diag="implying it: " + " ".join(why))
    with postfix_env.PostfixEnv() as pf:
        # the unprivileged user must reach the private configuration
        os.chmod(pf.root, 0o755)
        rc, err = submit(pf, bool(why))
        t.ok(rc == 0, NAMES[2], diag="status %r: %s\n%s"
             % (rc, err[-400:], "\n".join(pf.maillog().splitlines()[-5:])))
        # postdrop says so at once, then retries for minutes
        rc, err = submit(pf, True, refused=r"postdrop: warning: "
                         r"mail_queue_enter: create file \S+: Permission denied")
        t.ok(rc != 0, NAMES[3], diag="status %r: %s" % (rc, err[-400:]))
    t.done()


if __name__ == "__main__":
    main()
