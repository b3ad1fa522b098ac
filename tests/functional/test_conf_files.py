#!/usr/bin/python3
"""test_conf_files - authmilter -t loads PSLFile and TrustAnchorFile as
the start does: a file that exists but the start would refuse, or would
run with and get every organizational domain or every lookup wrong, is
an error at its file:line, and the start refuses it too; so is one that
UserID, as which the start reads them, cannot read."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

SCALE = time_scale.factor()

# What a PSLFile can be by mistake: empty (a failed download), a binary
# file, the HTML error page a web server sent instead of the list
NOT_A_PSL = {
    "empty": b"",
    "binary": bytes(range(256)) * 8,
    "HTML": b"<html><head><title>404 Not Found</title></head>\n"
            b"<body>Not Found</body></html>\n",
}
# the smallest real list: ICANN section markers, a TLD and a second level
SMALL_PSL = (b"// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n"
             b"// ===END ICANN DOMAINS===\n")
# a trust anchor in the zone-file format libunbound reads (the root
# zone's KSK-2017 DS record; nothing is looked up with it here)
ROOT_DS = (b". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409B"
           b"BC683457104237C7F8EC8D\n")
# a key the daemon loads (a KeyFile only root can read: reload refused)
KEY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dkim",
                   "keys", "rsa2048.pem")


def said_once(stderr, options):
    """said_once - does stderr name each of options on one line only?"""
    return all(stderr.count(n) == 1 for n in options)


def line_of(path, name):
    """line_of - the line number of option name in config file path"""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.split(None, 1)[:1] == [name]:
                return n
    raise ValueError(name + " not in " + path)


def write(d, name, data):
    """write - a file in the test's directory; its absolute name"""
    path = os.path.join(d.tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def started_line(d, n):
    """started_line - has d logged its start since log position n?"""
    return re.search(r"info: \S+ \S+ started\n", d.log()[n:]) is not None


def start_refused(d, options):
    """start_refused - the daemon with options stops at start: its log
    since this start, else None. The milter socket opens before the
    resolver and the PSL are loaded, so a socket that accepts is not
    enough: the daemon must also log that it started."""
    d.write_config(options)
    n = len(d.log())
    try:
        d.start()
    except daemon.DaemonError:
        return d.log()[n:]
    # until it says so or exits: a wait for the line alone ran its whole
    # 10 s for each refusal whenever the socket accepted first (5 times,
    # under the sanitizers and valgrind)
    end = time.monotonic() + 10 * SCALE
    while not started_line(d, n) and d.running() and \
            time.monotonic() < end:
        time.sleep(0.05)
    started = started_line(d, n) and d.running()
    d.stop()
    return None if started else d.log()[n:]


def test_psl_file(t):
    d = daemon.Daemon()
    try:
        for what, data in NOT_A_PSL.items():
            opts = {"PSLFile": write(d, "psl-" + what, data)}
            r = d.check_config(opts)
            at = "check.conf:%d: PSLFile: " % line_of(
                os.path.join(d.tmp, "check.conf"), "PSLFile")
            t.ok(r.returncode != 0 and at in r.stderr and
                 "Public Suffix List" in r.stderr,
                 "-t: a PSLFile that is %s is an error at its line" % what,
                 diag=r.stderr)
            log = start_refused(d, opts)
            t.ok(log is not None and "PSLFile %s: " % opts["PSLFile"] in log,
                 "the start refuses a PSLFile that is %s" % what,
                 diag=log)
        opts = {"PSLFile": write(d, "psl-small", SMALL_PSL)}
        r = d.check_config(opts)
        t.ok(r.returncode == 0 and "PSLFile" not in r.stderr,
             "-t accepts a real (small) Public Suffix List", diag=r.stderr)
        t.ok(start_refused(d, opts) is None,
             "the daemon starts with a real (small) Public Suffix List")
    finally:
        d.cleanup()


def test_trust_anchor_file(t):
    d = daemon.Daemon()
    try:
        for what in ("binary", "HTML"):
            path = write(d, "ta-" + what, NOT_A_PSL[what])
            r = d.check_config({"TrustAnchorFile": path})
            at = "check.conf:%d: TrustAnchorFile: " % line_of(
                os.path.join(d.tmp, "check.conf"), "TrustAnchorFile")
            t.ok(r.returncode != 0 and at + "libunbound cannot load" in
                 r.stderr, "-t: a TrustAnchorFile that is %s is an error "
                 "at its line" % what, diag=r.stderr)
            log = start_refused(d, {"TrustAnchorFile": path})
            t.ok(log is not None and "cannot start the DNS resolver: "
                 "libunbound cannot load the DNSSEC trust anchor file" in
                 log and log.count(path) >= 1,
                 "the start refuses a TrustAnchorFile that is %s" % what,
                 diag=log)
        opts = {"TrustAnchorFile": write(d, "ta-root", ROOT_DS)}
        r = d.check_config(opts)
        t.ok(r.returncode == 0 and "TrustAnchorFile" not in r.stderr,
             "-t accepts a trust anchor file with a DS record",
             diag=r.stderr)
        t.ok(start_refused(d, opts) is None,
             "the daemon starts with a trust anchor file with a DS record")
    finally:
        d.cleanup()


def test_read_as_user(t):
    """the start reads PSLFile and TrustAnchorFile after dropping
    privileges to UserID: -t as root read them as root only, said OK, and
    the start then stopped on a file only root could read"""
    names = ["-t as root: a PSLFile and a TrustAnchorFile only root can "
             "read are each one error at their line naming UserID and why, "
             "status 1",
             "the start with them stops, saying why",
             "-t as root: the same files readable by UserID: status 0"]
    if not t.need(root=True, what="files read as UserID", tests=names):
        return
    d = daemon.Daemon()
    try:
        opts = {"RunAsRoot": None, "UserID": "nobody",
                "PSLFile": write(d, "psl-root", SMALL_PSL),
                "TrustAnchorFile": write(d, "ta-root", ROOT_DS)}
        for name in ("PSLFile", "TrustAnchorFile"):
            os.chmod(opts[name], 0o600)
        r = d.check_config(opts)
        conf = os.path.join(d.tmp, "check.conf")
        said = ["check.conf:%d: %s: the start, which reads it as nobody "
                "after dropping privileges, would stop: cannot be read "
                "(permission denied)" % (line_of(conf, n), n)
                for n in ("PSLFile", "TrustAnchorFile")]
        t.ok(r.returncode == 1 and all(s in r.stderr for s in said) and
             said_once(r.stderr, ("PSLFile", "TrustAnchorFile")),
             names[0], diag=r.stderr)
        log = start_refused(d, opts)
        t.ok(log is not None and "TrustAnchorFile %s: cannot be read "
             "(permission denied)" % opts["TrustAnchorFile"] in log,
             names[1], diag=log)
        for name in ("PSLFile", "TrustAnchorFile"):
            os.chmod(opts[name], 0o644)
        r = d.check_config(opts)
        t.ok(r.returncode == 0 and "would stop" not in r.stderr, names[2],
             diag=r.stderr)
    finally:
        d.cleanup()


def test_one_error_a_file(t):
    """a file that neither root nor UserID can use is one error saying
    both, not one for each (nor a reload warning beside it)"""
    names = ["-t as root: a PSLFile neither root nor UserID can load is "
             "one error saying both",
             "-t as root: a PSLFile root cannot load and UserID cannot "
             "read is one error saying both reasons"]
    if not t.need(root=True, what="files read as UserID", tests=names):
        return
    d = daemon.Daemon()
    try:
        opts = {"RunAsRoot": None, "UserID": "nobody",
                "PSLFile": write(d, "psl-html", NOT_A_PSL["HTML"])}
        os.chmod(opts["PSLFile"], 0o644)
        r = d.check_config(opts)
        at = "check.conf:%d: PSLFile: " % line_of(
            os.path.join(d.tmp, "check.conf"), "PSLFile")
        t.ok(r.returncode == 1 and r.stderr.count("PSLFile") == 1 and
             re.search(re.escape(at) + r"not a Public Suffix List.* \(as "
                       r"root, and as nobody, ", r.stderr) is not None,
             names[0], diag=r.stderr)
        os.chmod(opts["PSLFile"], 0o600)
        r = d.check_config(opts)
        t.ok(r.returncode == 1 and r.stderr.count("PSLFile") == 1 and
             re.search(re.escape(at) + r"not a Public Suffix List.*; and "
                       r"as nobody, .*: cannot be read \(permission "
                       r"denied\)", r.stderr) is not None,
             names[1], diag=r.stderr)
    finally:
        d.cleanup()


def test_every_file_at_once(t):
    """each start file's problem once, whatever the other's, and a key
    only root can read said in the same run: the reload as UserID left
    the start files to the start's check, and stopped at them"""
    names = ["-t as root, every file bad at once: a PSLFile root cannot "
             "load and UserID cannot read is one error saying both",
             "-t as root, every file bad at once: a TrustAnchorFile only "
             "root can read is one error, from the check as UserID",
             "-t as root, every file bad at once: a KeyFile only root can "
             "read is a reload warning in the same run, status 1"]
    if not t.need(root=True, what="files read as UserID", tests=names):
        return
    d = daemon.Daemon()
    try:
        with open(KEY, "rb") as f:
            key = write(d, "key.pem", f.read())
        opts = {"RunAsRoot": None, "UserID": "nobody",
                "PSLFile": write(d, "psl-html", NOT_A_PSL["HTML"]),
                "TrustAnchorFile": write(d, "ta-root", ROOT_DS),
                "Domain": "example.org", "Selector": "s1", "KeyFile": key}
        for name in ("PSLFile", "TrustAnchorFile", "KeyFile"):
            os.chmod(opts[name], 0o600)
        r = d.check_config(opts)
        conf = os.path.join(d.tmp, "check.conf")
        at = {n: "check.conf:%d: %s: " % (line_of(conf, n), n)
              for n in ("PSLFile", "TrustAnchorFile")}
        t.ok(said_once(r.stderr, ["PSLFile"]) and re.search(
             re.escape(at["PSLFile"]) + r"not a Public Suffix List.*; and "
             r"as nobody, .*: cannot be read \(permission denied\)",
             r.stderr) is not None, names[0], diag=r.stderr)
        t.ok(said_once(r.stderr, ["TrustAnchorFile"]) and
             at["TrustAnchorFile"] + "the start, which reads it as nobody "
             "after dropping privileges, would stop: cannot be read "
             "(permission denied)" in r.stderr, names[1], diag=r.stderr)
        t.ok(r.returncode == 1 and re.search(
             r"warning: a reload \(SIGHUP\) as nobody would be refused: "
             r".*KeyFile: cannot open key file .*key\.pem: Permission "
             r"denied", r.stderr) is not None, names[2], diag=r.stderr)
    finally:
        d.cleanup()


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="config file tests"):
        t.done()
    test_psl_file(t)
    test_trust_anchor_file(t)
    test_read_as_user(t)
    test_one_error_a_file(t)
    test_every_file_at_once(t)
    t.done()


if __name__ == "__main__":
    main()
