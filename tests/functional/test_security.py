#!/usr/bin/python3
"""test_security - the daemon's own security (issue #8): the unix
socket's permissions (SocketMode, owner after UserID, who can connect),
the privilege drop seen from /proc (real, effective, saved and file-system
uid and gid, supplementary groups, capabilities, every thread), refusing
to keep running as root unless RunAsRoot says so, a start that warns when
a file only root can read (a key file) would make a reload as UserID fail,
and nothing secret in the logs at LogLevel debug (key material, message
bodies, mistyped config lines)."""

import errno
import grp
import os
import pwd
import re
import socket
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import shim  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

# waits for a reload widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-cryptography (%s)" % e

PLAIN = (b"From: alice@example.org\r\nTo: bob@example.net\r\n"
         b"Subject: hi\r\n\r\nHello.\r\n")


def wait_dropped(d):
    """wait_dropped - the socket listens before the privilege drop (it is
    opened as root) and the threads start after it, so wait for the
    daemon's "running as" and then its "started" line"""
    return d.wait_for_log(r"running as ", 30 * SCALE) is not None and \
        d.wait_for_log(r"authmilter \S+ started", 30 * SCALE) is not None


def proc_ids(pid):
    """proc_ids - {Uid: [...], Gid: [...], Groups: [...], CapEff: ..} of
    the process and of each of its threads"""
    out = []
    for task in sorted(os.listdir("/proc/%d/task" % pid)):
        fields = {}
        with open("/proc/%d/task/%s/status" % (pid, task)) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Uid", "Gid", "Groups", "CapEff", "CapPrm"):
                    fields[k] = v.split()
        out.append(fields)
    return out


def connect_as(path, uid, gid, groups=()):
    """connect_as - try to connect to a unix socket as uid/gid in a child;
    0 when it connected, else the errno"""
    pid = os.fork()
    if pid == 0:
        code = 100
        try:
            os.setgroups(list(groups))
            os.setgid(gid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect(path)
                code = 0
            except OSError as e:
                code = e.errno or 99
            s.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_socket_mode(t):
    for mode in ("0600", "0660", "0666"):
        with daemon.Daemon(socket="unix", options={"SocketMode": mode}) as d:
            got = stat.S_IMODE(os.stat(d.spec[len("unix:"):]).st_mode)
            t.is_eq("%04o" % got, mode, "SocketMode %s is the socket's mode"
                    % mode)
    names = ["UserID nobody:nogroup owns the socket",
             "0660: a process in the socket's group connects",
             "0660: a process of another user and group is refused",
             "0600: the socket's group is refused too"]
    if not t.need(root=True, what="socket owner and access", tests=names):
        return
    nobody = pwd.getpwnam("nobody")
    nogroup = grp.getgrgid(nobody.pw_gid)
    other = pwd.getpwnam("daemon")
    with daemon.Daemon(socket="unix", options={
            "SocketMode": "0660",
            "UserID": "nobody:" + nogroup.gr_name}) as d:
        path = d.spec[len("unix:"):]
        wait_dropped(d)
        st = os.stat(path)
        t.ok(st.st_uid == nobody.pw_uid and st.st_gid == nogroup.gr_gid,
             names[0], diag="owner %d:%d" % (st.st_uid, st.st_gid))
        # the MTA: another user that is a member of the socket's group
        t.is_eq(connect_as(path, other.pw_uid, other.pw_gid,
                           [nogroup.gr_gid]), 0, names[1])
        t.is_eq(connect_as(path, other.pw_uid, other.pw_gid),
                errno.EACCES, names[2])
    with daemon.Daemon(socket="unix", options={
            "SocketMode": "0600",
            "UserID": "nobody:" + nogroup.gr_name}) as d:
        t.is_eq(connect_as(d.spec[len("unix:"):], other.pw_uid,
                           other.pw_gid, [nogroup.gr_gid]),
                errno.EACCES, names[3])


def test_privilege_drop(t):
    names = ["every thread: real, effective, saved, fs uid are UserID's",
             "every thread: real, effective, saved, fs gid are the group's",
             "supplementary groups are UserID's own (initgroups), no root",
             "no capabilities left",
             "a message is still checked after the drop",
             "UserID user:group takes the named group"]
    if not t.need(root=True, what="privilege drop", tests=names):
        return
    nobody = pwd.getpwnam("nobody")
    want_groups = sorted(set(os.getgrouplist("nobody", nobody.pw_gid)))
    with daemon.Daemon(options={"UserID": "nobody"}) as d:
        wait_dropped(d)
        ids = proc_ids(d.pid)
        t.ok(len(ids) > 1 and all(x["Uid"] == [str(nobody.pw_uid)] * 4
                                  for x in ids), names[0], diag=repr(ids))
        t.ok(all(x["Gid"] == [str(nobody.pw_gid)] * 4 for x in ids),
             names[1], diag=repr(ids))
        t.ok(all(sorted(int(g) for g in x["Groups"]) == want_groups
                 for x in ids), names[2],
             diag="want %r, got %r" % (want_groups, ids))
        t.ok(all(int(x["CapEff"][0], 16) == 0 and
                 int(x["CapPrm"][0], 16) == 0 for x in ids), names[3],
             diag=repr(ids))
        res = d.send_message(PLAIN, client_ip="192.0.2.1",
                             mail_from="alice@example.org")
        t.ok(len(res.header_values("Authentication-Results")) == 1,
             names[4], diag=d.log_tail(5))
    daemon_gr = grp.getgrnam("daemon")
    with daemon.Daemon(options={"UserID": "nobody:daemon"}) as d:
        wait_dropped(d)
        ids = proc_ids(d.pid)
        t.ok(all(x["Gid"] == [str(daemon_gr.gr_gid)] * 4 and "0" not in
                 x["Groups"] for x in ids), names[5], diag=repr(ids))


def start_refused(t, options, label):
    """start_refused - the daemon started as root with options must exit
    1 at once, name its config file and leave no socket or pid file"""
    d = daemon.Daemon(socket="unix", options=options)
    try:
        r = subprocess.run(daemon._command() + ["-c", d.conf_path, "-f"],
                           capture_output=True, text=True, timeout=60,
                           cwd=d.tmp)
        sock = d.spec[len("unix:"):]
        t.ok(r.returncode == 1 and d.conf_path in r.stderr and
             "RunAsRoot" in r.stderr and "root" in r.stderr,
             label + ": refused, the error names the config file",
             diag="rc=%r stderr=%r" % (r.returncode, r.stderr))
        t.ok(not os.path.exists(sock) and not os.path.exists(d.pid_path),
             label + ": no socket or pid file left behind")
    finally:
        d.cleanup()


def test_root_refused(t):
    names = ["no UserID: refused, the error names the config file",
             "no UserID: no socket or pid file left behind",
             "UserID root: refused, the error names the config file",
             "UserID root: no socket or pid file left behind",
             "RunAsRoot yes: runs as root and says so",
             "-t warns that the daemon would stop"]
    if not t.need(root=True, what="root refusal", tests=names):
        return
    start_refused(t, {"RunAsRoot": None}, "no UserID")
    start_refused(t, {"RunAsRoot": None, "UserID": "root"}, "UserID root")
    with daemon.Daemon(options={"RunAsRoot": True}) as d:
        ids = proc_ids(d.pid)
        t.ok(ids[0]["Uid"][1] == "0" and
             d.wait_for_log(r"running as root \(RunAsRoot yes\)", 30 * SCALE),
             names[4], diag=d.log_tail(5))
        r = d.check_config(dict(d.options, RunAsRoot=None))
        t.ok(r.returncode == 0 and "would stop" in r.stderr and
             "RunAsRoot" in r.stderr, names[5], diag=r.stderr)


def test_pid_file_links(t):
    """PidFile is written as root, in a directory UserID may write (so the
    daemon can remove the file at exit): a link UserID left at the
    temporary name must not make root write through it."""
    names = ["PidFile: a link at its temporary name is not followed",
             "PidFile: written, holding the daemon's pid, not a link"]
    if not t.need(root=True, what="pid file as root", tests=names):
        return
    nobody = pwd.getpwnam("nobody")
    victim_dir = tmpdir.make("pid-victim-")
    victim = os.path.join(victim_dir, "shadow")
    with open(victim, "w") as f:
        f.write("root's file\n")
    d = daemon.Daemon(options={"UserID": "nobody", "RunAsRoot": None})
    try:
        piddir = os.path.join(d.tmp, "run")
        os.mkdir(piddir)
        os.chown(piddir, nobody.pw_uid, nobody.pw_gid)
        pid_path = os.path.join(piddir, "authmilter.pid")
        os.symlink(victim, pid_path + ".tmp")
        os.lchown(pid_path + ".tmp", nobody.pw_uid, nobody.pw_gid)
        d.pid_path = pid_path
        d.write_config({"UserID": "nobody", "RunAsRoot": None,
                        "PidFile": pid_path})
        started = True
        try:
            d.start()
        except daemon.DaemonError as e:
            started = False
            t.diag(str(e))
        with open(victim) as f:
            t.is_eq(f.read(), "root's file\n", names[0])
        pid = d.read_pid_file(timeout=10 * SCALE) if started else None
        t.ok(started and pid == d.pid and not os.path.islink(pid_path),
             names[1], diag="pid %r, daemon %r" % (pid, d.pid))
    finally:
        d.cleanup()
        tmpdir.remove(victim_dir)


def test_socket_swapped(t):
    """The unix socket is made, then given SocketMode and UserID's
    ownership, as root. Its directory may be UserID's (so the daemon can
    remove the socket at exit): a link UserID puts in its place between
    the two (socket_swap.so does it right after bind) must not hand the
    link's target to UserID."""
    names = ["socket replaced by a link: its target keeps mode and owner",
             "socket replaced by a link: the daemon exits 1"]
    if not t.need(root=True, what="socket swapped for a link", tests=names):
        return
    d = daemon.Daemon(socket="unix", options={
        "UserID": "nobody", "RunAsRoot": None, "SocketMode": "0666"})
    victim_dir = tmpdir.make("sock-victim-")
    try:
        victim = os.path.join(victim_dir, "shadow")
        with open(victim, "w") as f:
            f.write("root's file\n")
        os.chmod(victim, 0o600)
        env = shim.shim_env(t, d.tmp, "socket_swap", names,
                            SOCKET_SWAP_PATH=d.spec[len("unix:"):],
                            SOCKET_SWAP_TARGET=victim)
        if env is None:
            return
        p = subprocess.Popen(daemon._command() + ["-f", "-c", d.conf_path],
                             env=dict(os.environ, **env), cwd=d.tmp,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        try:
            _, err = p.communicate(timeout=15 * SCALE)
        except subprocess.TimeoutExpired:
            p.kill()	# ours, by its pid: it went on, deaf
            _, err = p.communicate()
        st = os.stat(victim)
        t.ok(stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0,
             names[0], diag="mode %o owner %d" % (stat.S_IMODE(st.st_mode),
                                                   st.st_uid))
        t.is_eq(p.returncode, 1, names[1])
        if p.returncode != 1:
            t.diag(err[-400:])
    finally:
        d.cleanup()
        tmpdir.remove(victim_dir)


def make_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def secret_chunks(pem):
    """secret_chunks - pieces of key material a log must never contain:
    every 16-character window of the base64 body"""
    body = "".join(line for line in pem.splitlines()
                   if not line.startswith("-----"))
    return {body[i:i + 16] for i in range(0, len(body) - 16, 8)}


def test_no_secrets_in_logs(t):
    names = ["debug log holds no private key material",
             "debug log holds no message body text",
             "debug log does not echo a mistyped config line (key pasted)",
             "authmilter -t does not echo it either"]
    if not t.need(check=lambda: HAVE_LIBS, what="secret scan", tests=names):
        return
    pem = make_key()
    lines = [ln for ln in pem.splitlines() if not ln.startswith("-----")]
    canary = "body-canary-%d-password-hunter2" % os.getpid()
    with daemon.Daemon(options={"LogLevel": "debug"}) as d:
        body = ("Hello.\r\n%s\r\n%s\r\n" % (canary, pem.replace(
            "\n", "\r\n"))).encode()
        m = (b"From: alice@example.org\r\nTo: bob@example.net\r\n"
             b"Subject: key\r\nX-Key: " + lines[1].encode() + b"\r\n\r\n" +
             body)
        d.send_message(m, client_ip="192.0.2.1",
                       mail_from="alice@example.org",
                       macros={"{auth_authen}": None})
        # a config with a key pasted into it by mistake, then reloaded
        opts = dict(d.options)
        d.write_config(opts)
        with open(d.conf_path, "a") as f:
            f.write(pem)
        start = len(d.log())
        d.reload()
        d.wait_for_log(r"reload of .* refused", 10 * SCALE, start=start)
        log = d.log()
        chunks = secret_chunks(pem)
        leaked = [c for c in chunks if c in log]
        t.ok("PRIVATE KEY" not in log and not leaked, names[0],
             diag=lambda: "leaked %r" % leaked[:3])
        t.ok(canary not in log, names[1])
        t.ok("refused" in log[start:] and "not shown" in log[start:]
             and not any(c in log[start:] for c in chunks), names[2],
             diag=lambda: log[start:][-1500:])
        r = d.check_config()
        out = r.stdout + r.stderr
        t.ok(r.returncode != 0 and "%s:" % d.conf_path in r.stderr and
             not any(c in out for c in chunks) and "PRIVATE" not in out,
             names[3], diag=r.stderr[-800:])


def test_signing_key_not_logged(t):
    names = ["signing at debug level logs no key material",
             "a broken signing key is refused without echoing it"]
    if not t.need(check=lambda: HAVE_LIBS, what="signing key scan",
                  tests=names):
        return
    pem = make_key()
    chunks = secret_chunks(pem)
    tmp = tmpdir.make("sec-sign-")
    try:
        good = os.path.join(tmp, "s1.pem")
        broken = os.path.join(tmp, "broken.pem")
        for path, text in ((good, pem), (broken, pem[:len(pem) // 2])):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
        opts = {"LogLevel": "debug", "Domain": "example.org",
                "Selector": "s1", "KeyFile": good}
        with daemon.Daemon(options=opts) as d:
            res = d.send_message(
                b"From: alice@example.org\r\nTo: bob@example.net\r\n"
                b"Subject: signed\r\n\r\nHello.\r\n",
                client_ip="192.0.2.1", mail_from="alice@example.org",
                macros={"{auth_authen}": "alice"})
            signed = res.header_values("DKIM-Signature")
            d.reload()
            log = d.log()
            leaked = [c for c in chunks if c in log]
            t.ok(signed and "PRIVATE KEY" not in log and not leaked,
                 names[0], diag=lambda: "signed %r leaked %r" %
                 (signed, leaked[:3]))
            opts = dict(d.options)
            opts["KeyFile"] = broken
            r = d.check_config(opts)
            out = r.stdout + r.stderr
            t.ok(r.returncode != 0 and "broken.pem" in out and
                 not any(c in out for c in chunks) and "PRIVATE" not in out,
                 names[1], diag=out[-800:])
    finally:
        tmpdir.remove(tmp)


def test_reload_as_user(t):
    """keys are read as root at start and as UserID at a SIGHUP: a key
    only root can read passed the start and made every reload fail"""
    names = ["a key only root can read: the start says a reload as "
             "UserID would be refused, and why",
             "a key UserID owns: no such warning, a reload is accepted",
             "authmilter -t as root (ExecReload) says the same, status 0",
             "authmilter -t: no such warning for a key UserID owns"]
    if not t.need(root=True, check=lambda: HAVE_LIBS,
                  what="reload as UserID", tests=names):
        return
    tmp = tmpdir.make("sec-reload-", mode=0o755)
    try:
        key = os.path.join(tmp, "s1.pem")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make_key())
        opts = {"RunAsRoot": None, "UserID": "nobody",
                "Domain": "example.org", "Selector": "s1", "KeyFile": key}
        with daemon.Daemon(options=opts) as d:
            wait_dropped(d)
            t.ok(d.wait_for_log(r"a reload \(SIGHUP\) as nobody would be "
                                r"refused: .*KeyFile: cannot open key file "
                                r".*s1\.pem: Permission denied", 5 * SCALE),
                 names[0],
                 diag=d.log_tail(5))
            r = d.check_config()
            t.ok(r.returncode == 0 and re.search(
                r"warning: a reload \(SIGHUP\) as nobody would be refused: "
                r".*KeyFile: cannot open key file .*s1\.pem: Permission "
                r"denied", r.stderr), names[2], diag=r.stderr)
        os.chown(key, pwd.getpwnam("nobody").pw_uid, -1)
        with daemon.Daemon(options=opts) as d:
            wait_dropped(d)
            n0 = len(d.log())
            d.reload()
            ok = d.wait_for_log(r"configuration reloaded", 5 * SCALE,
                                start=n0)
            t.ok(ok and "would be refused" not in d.log(), names[1],
                 diag=d.log_tail(5))
            r = d.check_config()
            t.ok(r.returncode == 0 and "would be refused" not in r.stderr,
                 names[3], diag=r.stderr)
    finally:
        tmpdir.remove(tmp)


def test_store_password_not_logged(t):
    """a PostgreSQL ReportStore URI may carry the database password: the
    writer's log lines and authmilter -t show it as ***"""
    names = ["ReportStore's password is not in the daemon's log",
             "nor in authmilter -t's output"]
    secret = "s3cret-%d" % os.getpid()
    # port 1: nothing listens, the writer logs that it cannot open it
    store = "postgresql://am:%s@127.0.0.1:1/reports?password=%s" % (
        secret, secret)
    with daemon.Daemon(options={"ReportStore": store}) as d:
        d.send_message(b"From: alice@example.org\r\nSubject: x\r\n\r\nhi\r\n",
                       client_ip="192.0.2.1", mail_from="alice@example.org")
        seen = d.wait_for_log(r"ReportStore postgresql://am:\*\*\*@127\.0\.0"
                              r"\.1:1/reports\?password=\*\*\*: cannot open",
                              10 * SCALE)
        t.ok(seen is not None and secret not in d.log(), names[0],
             diag=d.log_tail(5))
        r = d.check_config()
        out = r.stdout + r.stderr
        t.ok("ReportStore postgresql://am:***@" in out and secret not in out,
             names[1], diag=out[-800:])


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="security tests"):
        t.done()
    test_socket_mode(t)
    test_privilege_drop(t)
    test_root_refused(t)
    test_pid_file_links(t)
    test_socket_swapped(t)
    test_reload_as_user(t)
    test_no_secrets_in_logs(t)
    test_signing_key_not_logged(t)
    test_store_password_not_logged(t)
    t.done()


if __name__ == "__main__":
    main()
