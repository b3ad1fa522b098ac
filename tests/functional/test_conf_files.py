#!/usr/bin/python3
"""test_conf_files - authmilter -t loads PSLFile as the start does: a
file that exists but the start would refuse, or would run with and get
every organizational domain wrong, is an error at its file:line, and the
start refuses it too."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
from tap import TAP  # noqa: E402

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


def start_refused(d, options):
    """start_refused - the daemon with options stops at start; its log"""
    d.write_config(options)
    try:
        d.start()
    except daemon.DaemonError as e:
        return str(e)
    d.stop()
    return None


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


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="config file tests"):
        t.done()
    test_psl_file(t)
    t.done()


if __name__ == "__main__":
    main()
