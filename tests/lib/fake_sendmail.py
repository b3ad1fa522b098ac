"""fake_sendmail - a ReportSendmail stand-in: a shell script that keeps
each message it is given as a file in a spool directory.

Exported:
    make(tmp, name, before="", after="")
        writes the script tmp/NAME and makes the spool tmp/NAME.spool
        (mode 0777: the daemon runs it as whatever user it dropped to);
        returns (script, spool). The script sets $spool, and $msg to the
        file the message goes to (spool/msg.NANOSECONDS.PID: names sort
        in the order the messages came), runs the shell text `before`, keeps
        standard input in $msg, then runs `after`. `before` may exit
        (a failing submission); `after` may look at "$msg". The message
        is written under another name and renamed once whole: a reader
        on a loaded machine never sees a message being written.
    paths(spool)               the kept files, oldest first
    messages(spool)            them parsed (email.message, policy default)
    wait_count(spool, n, timeout)
                               wait (bounded) until n are kept; the count
"""

import email
import email.policy
import glob
import os
import time


def make(tmp, name, before="", after=""):
    script = os.path.join(tmp, name)
    spool = script + ".spool"
    os.mkdir(spool)
    os.chmod(spool, 0o777)
    with open(script, "w") as f:
        f.write("#!/bin/sh\nspool=%s\nmsg=$spool/msg.$(date +%%s%%N).$$\n"
                "%s\ncat > \"$spool/.part.$$\" && "
                "mv \"$spool/.part.$$\" \"$msg\"\n%s\n"
                % (spool, before, after))
    os.chmod(script, 0o755)
    return script, spool


def paths(spool):
    return sorted(glob.glob(os.path.join(spool, "msg.*")))


def messages(spool):
    out = []
    for p in paths(spool):
        with open(p, "rb") as f:
            out.append(email.message_from_binary_file(
                f, policy=email.policy.default))
    return out


def wait_count(spool, n, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end and len(paths(spool)) < n:
        time.sleep(0.05)
    return len(paths(spool))
