#!/usr/bin/python3
"""test_daemon - the daemon over the milter protocol: CLI, config check,
Authentication-Results added and forgeries removed, per-message reset,
SIGHUP reload, graceful SIGTERM, sockets, pid file, privilege drop."""

import os
import pwd
import resource
import signal
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import shim  # noqa: E402
import milter_client  # noqa: E402
import time_scale  # noqa: E402
from tap import TAP  # noqa: E402

AR = "Authentication-Results"
ID = daemon.DEFAULT_AUTHSERV_ID
# tests/ci-sanitize.sh slows the daemon down (ASan, valgrind)
SCALE = time_scale.factor()

PLAIN = (b"From: Alice <alice@example.org>\r\n"
         b"To: bob@example.net\r\n"
         b"Subject: hello\r\n"
         b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
         b"Message-ID: <1@example.org>\r\n"
         b"\r\n"
         b"Hello Bob.\r\n")

FORGED = (b"Authentication-Results: " + ID.encode() +
          b"; dkim=pass header.d=bank.example\r\n"
          b"Authentication-Results: other.example; spf=pass smtp.mailfrom=x\r\n"
          b"Authentication-Results: (sneaky)\r\n\t" + ID.upper().encode() +
          b" 1;\r\n\tdmarc=pass\r\n" + PLAIN)


def ar_values(res):
    return res.header_values(AR)


def test_cli(t):
    r = daemon.run(["-V"])
    t.ok(r.returncode == 0 and r.stdout.startswith("authmilter "),
         "-V prints the version", diag=r.stdout + r.stderr)
    r = daemon.run(["-h"])
    t.ok(r.returncode == 0 and "-t" in r.stdout and "-c file" in r.stdout,
         "-h prints usage", diag=r.stdout)
    r2 = daemon.run(["--help"])
    t.ok(r2.returncode == 0 and r2.stdout == r.stdout and r2.stderr == "",
         "--help prints the same usage, as authcheck's and "
         "authmilter-report's do", diag=r2.stdout + r2.stderr)
    r = daemon.run(["-x"])
    t.ok(r.returncode == 2, "an unknown flag is a usage error")


def test_config_check(t):
    d = daemon.Daemon()
    try:
        r = d.check_config()
        t.ok(r.returncode == 0 and "AuthservID " + ID in r.stdout,
             "-t accepts a good config and prints it", diag=r.stderr)
        bad = os.path.join(d.tmp, "bad.conf")
        with open(bad, "w") as f:
            f.write("# comment\nSocket inet:8891@127.0.0.1\n"
                    "NoSuchOption 1\nLogLevel chatty\n")
        r = daemon.run(["-t", "-c", bad])
        t.ok(r.returncode != 0, "-t exits non-zero on a broken config")
        t.ok("%s:3: unknown option" % bad in r.stderr and
             "NoSuchOption" not in r.stderr,
             "-t names file:line of an unknown option", diag=r.stderr)
        t.ok("%s:4: LogLevel: expected one of" % bad in r.stderr,
             "-t names file:line of a bad value", diag=r.stderr)
        r = daemon.run(["-t", "-q", "-c", bad])
        t.ok(r.returncode != 0 and r.stdout == "" and
             "%s:3: unknown option" % bad in r.stderr,
             "-t -q: a broken config's problems, nothing else",
             diag=r.stdout[-300:] + r.stderr)
        r = daemon.run(["-t", "-q", "-c", d.conf_path])
        t.ok(r.returncode == 0 and r.stdout == "" and r.stderr == "",
             "-t -q: nothing at all for a good config (the journal keeps "
             "what ExecReload prints)", diag=r.stdout[-300:] + r.stderr)
        r = daemon.run(["-q", "-c", d.conf_path])
        t.ok(r.returncode == 2 and "usage" in r.stderr,
             "-q without -t: a usage error", diag=r.stderr)
        r = daemon.run(["-t", "-c", os.path.join(d.tmp, "missing.conf")])
        t.ok(r.returncode != 0 and "cannot open" in r.stderr,
             "-t on a missing file fails clearly", diag=r.stderr)
        config_errors(t, d.tmp)
        inline_beside_tables(t, d)
        socket_without_address(t, d)
    finally:
        d.cleanup()


def check_line(d, name):
    """check_line - the line of option name in d's check.conf"""
    with open(os.path.join(d.tmp, "check.conf")) as f:
        return [n for n, text in enumerate(f, 1)
                if text.split(None, 1)[:1] == [name]][0]


def socket_without_address(t, d):
    """inet:PORT alone is every address of the host (libmilter): -t says
    so; an explicit @0.0.0.0 is a choice and is not warned about (only
    checked here, nothing listens)"""
    r = d.check_config({"Socket": "inet:8891"})
    t.ok(r.returncode == 0 and "check.conf:%d: warning: Socket inet:8891 "
         "has no @ADDRESS, so it listens on every address of this host"
         % check_line(d, "Socket") in r.stderr,
         "-t warns at Socket's line that inet:PORT listens everywhere",
         diag=r.stderr)
    r = d.check_config({"Socket": "inet:8891@0.0.0.0"})
    t.ok(r.returncode == 0 and "@ADDRESS" not in r.stderr,
         "-t: Socket inet:PORT@0.0.0.0 is not warned about", diag=r.stderr)


# RFC 8463 A.2's Ed25519 seed: a KeyTable may carry a key inline
SEED = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="


def inline_beside_tables(t, d):
    """Domain, Selector and KeyFile beside a KeyTable are not read (as in
    OpenDKIM): -t says so instead of letting them look used"""
    with open(os.path.join(d.tmp, "KeyTable"), "w") as f:
        f.write("k1 example.com:s1:%s\n" % SEED)
    with open(os.path.join(d.tmp, "SigningTable"), "w") as f:
        f.write("example.com k1\n")
    opts = {"KeyTable": "file:KeyTable", "SigningTable": "file:SigningTable"}
    r = d.check_config(opts)
    t.ok(r.returncode == 0 and "warning" not in r.stderr.replace(
        "warning: started as root", ""), "-t: tables alone, no warning",
        diag=r.stderr)
    r = d.check_config(dict(opts, Domain="example.org", Selector="s2",
                            KeyFile="/nonexistent.key"))
    t.ok(r.returncode == 0 and "check.conf:%d: warning: Domain, Selector "
         "and KeyFile are ignored: KeyTable and SigningTable say what is "
         "signed" % check_line(d, "Domain") in r.stderr, "-t warns that Domain, Selector and KeyFile "
         "beside a KeyTable are ignored", diag=r.stderr)


# one bad line each (after a comment): what -t must say about it
CONFIG_ERRORS = [
    ("ReceivedSPFHeader maybe", "ReceivedSPFHeader: expected yes or no"),
    ("DNSTimeout", "DNSTimeout: missing value"),
    ("DNSTimeout 5 fortnights", "DNSTimeout: "),
    ("Nameservers ns1.example.net", "Nameservers: expected ip or ip@port "
     "(an IP address, not a name)"),
    ("Nameservers 127.0.0.1@0", "Nameservers: port after @ must be 1 to "
     "65535"),
    ("MetricsSocket inet:9100@", "MetricsSocket: missing or over-long "
     "address after @"),
    ("Socket inet:8891@", "Socket: missing address after @"),
    ("Socket inet:99999@127.0.0.1", "Socket: port must be a number from 1 "
     "to 65535"),
    ("SPFSoftfailAction reject", "SPFSoftfailAction: use mark or "
     "reject-unless-dmarc-pass"),
]


def config_errors(t, tmp):
    """each value authmilter -t refuses, named by file:line with what is
    wrong"""
    bad = []
    for line, want in CONFIG_ERRORS:
        path = os.path.join(tmp, "err.conf")
        with open(path, "w") as f:
            f.write("# line 1\n%s\n" % line)
        r = daemon.run(["-t", "-c", path])
        if r.returncode == 0 or "%s:2: %s" % (path, want) not in r.stderr:
            bad.append((line, r.returncode, r.stderr.strip()))
    t.ok(not bad, "-t names file:line and what is wrong for a bad yes/no, "
         "a missing value, a bad duration, a name or port 0 in "
         "Nameservers, sockets without their address or with a bad port, "
         "softfail rejected",
         diag=repr(bad))


def test_messages(t):
    with daemon.Daemon() as d:
        t0 = time.monotonic()
        res = d.send_message(PLAIN)
        took = time.monotonic() - t0
        ins = res.inserted_headers
        t.ok(res.disposition == "accept", "plain message accepted",
             diag=repr(res))
        t.ok(len(ins) == 1 and ins[0][0] == 0 and ins[0][1] == AR,
             "one A-R header inserted at the top", diag=repr(ins))
        vals = ar_values(res)
        t.ok(len(vals) == 1 and vals[0].startswith(ID + ";"),
             "our A-R carries our authserv-id", diag=repr(vals))
        t.ok(res.headers[0][0] == AR, "A-R is the first header")
        # the harness's default resolver (tests/lib/dns_servfail.py)
        # fails every lookup at once: temperror, well inside DNSTimeout
        t.ok(vals and "spf=temperror" in vals[0] and
             "dmarc=temperror" in vals[0] and took < 1.0 * SCALE,
             "lookups against the default stub fail at once (temperror)",
             diag="%.2f s %r" % (took, vals))

        res = d.send_message(FORGED)
        vals = ar_values(res)
        ours = [v for v in vals if v.lower().lstrip("(sneaky) \n\t")
                .startswith(ID)]
        t.ok(len(res.deleted_headers) == 2,
             "both forged A-R fields deleted", diag=repr(res.actions))
        t.ok(len(ours) == 1 and vals[0].startswith(ID + ";"),
             "only our new A-R claims our id", diag=repr(vals))
        t.ok(any(v.startswith("other.example;") for v in vals),
             "a foreign A-R is kept", diag=repr(vals))
        t.ok(sorted(i for i, _ in res.deleted_headers) == [1, 3] and
             [i for i, _ in res.deleted_headers] == [3, 1],
             "deleted by index, highest first", diag=repr(res.deleted_headers))

        # several messages on one connection: state does not leak
        c = d.client()
        try:
            r1 = c.send_message(FORGED)
            r2 = c.send_message(PLAIN)
            t.ok(len(r1.deleted_headers) == 2 and not r2.deleted_headers,
                 "second message on a connection starts clean",
                 diag=repr((r1.actions, r2.actions)))
            # abort in the middle of a message, then a new one
            c.macro(b"M", {"i": "ABORTED1"})
            c.mail("<a@example.org>")
            c.rcpt("<b@example.net>")
            c.header(AR, " " + ID + "; dkim=pass")
            c.abort()
            r3 = c.send_message(PLAIN)
            t.ok(not r3.deleted_headers and len(r3.inserted_headers) == 1,
                 "abort resets the message", diag=repr(r3.actions))
        finally:
            c.close()
        log = d.log()
        t.ok("verdict=accept" in log and "forged_ar_removed=2" in log,
             "one log line per message with the verdict", diag=d.log_tail(5))


def test_hostile_headers(t):
    many = b"".join(b"Authentication-Results: " + ID.encode() +
                    b"; dkim=pass header.i=@x%d.example\r\n" % i
                    for i in range(150))
    big = b"X-Big: " + b"a" * 200000 + b"\r\n"
    lots = b"".join(b"X-Filler-%d: y\r\n" % i for i in range(1500))
    with daemon.Daemon(options={"MaxHeaders": "1000"}) as d:
        res = d.send_message(many + PLAIN)
        t.ok(len(res.deleted_headers) == 150 and
             len([v for v in ar_values(res) if v.startswith(ID)]) == 1,
             "150 forged A-R fields: every one deleted",
             diag="%d deleted" % len(res.deleted_headers))
        res = d.send_message(big + PLAIN, timeout=20 * SCALE)
        t.ok(res.disposition == "accept" and len(ar_values(res)) == 1,
             "a 200 KB header field is handled, not a dropped connection",
             diag=repr(res)[:300])
        res = d.send_message(lots + FORGED)
        t.ok(res.disposition == "accept" and len(res.deleted_headers) == 2,
             "1500 fields: over MaxHeaders still finds forged A-R",
             diag=repr(res.actions)[:300])
        t.ok(d.wait_for_log("headers_over_cap=yes", timeout=3 * SCALE),
             "fields over the cap are logged", diag=d.log_tail(2))


def test_null_sender_and_ipv6(t):
    with daemon.Daemon(socket="inet6") as d:
        res = d.send_message(PLAIN, client_ip="2001:db8::25", mail_from="<>")
        t.ok(res.disposition == "accept" and len(ar_values(res)) == 1,
             "IPv6 socket, IPv6 client and null sender work", diag=repr(res))
        t.ok("client_ip=2001:db8::25 " in d.log(),
             "IPv6 client address logged", diag=d.log_tail(3))


def test_reload(t):
    with daemon.Daemon() as d:
        d.write_config({"AuthservID": "reloaded.test.example"})
        d.reload()
        ok = d.wait_for_log(r"configuration reloaded", timeout=5 * SCALE)
        res = d.send_message(PLAIN)
        vals = ar_values(res)
        t.ok(ok and vals and vals[0].startswith("reloaded.test.example;"),
             "SIGHUP loads the new config", diag=repr(vals) + d.log_tail(5))
        t.ok("read only at start" not in d.log(),
             "no restart warning when only live options change",
             diag=d.log_tail(5))

        # the same number of resolvers, another address: read only at
        # start, so the warning names it and the stub still answers
        mark = len(d.log())
        d.write_config({"AuthservID": "reloaded.test.example",
                        "Nameservers": "127.0.0.1@9", "LogFacility": "local3"})
        d.reload()
        warned = d.wait_for_log(r"(?m)changed, but read only at start \(the "
                                r"running values stay until a restart\): "
                                r"LogFacility Nameservers$", timeout=5 * SCALE,
                                start=mark)
        t.ok(warned, "a reload names the changed options it cannot apply",
             diag=d.log_tail(5))
        t0 = time.monotonic()
        res = d.send_message(PLAIN)
        took = time.monotonic() - t0
        t.ok(took < 1.0 * SCALE and "spf=temperror" in ar_values(res)[0],
             "the running resolver stays until a restart",
             diag="%.2f s %r" % (took, ar_values(res)))
        # compared with what runs, not with the last reload: a second
        # reload still names them, one back to the running values not
        mark = len(d.log())
        d.reload()
        warned = d.wait_for_log(r"(?m)(configuration reloaded|changed, but "
                                r"read only at start.*: LogFacility "
                                r"Nameservers)$", timeout=5 * SCALE,
                                start=mark)
        t.ok(warned and warned.group(1) != "configuration reloaded",
             "a second reload still names the options not applied",
             diag=d.log_tail(5))
        mark = len(d.log())
        d.write_config({"AuthservID": "reloaded.test.example"})
        d.reload()
        d.wait_for_log(r"configuration reloaded", timeout=5 * SCALE,
                       start=mark)
        t.ok("read only at start" not in d.log()[mark:],
             "a reload back to the running values warns of nothing",
             diag=d.log_tail(5))
        with open(d.conf_path, "a") as f:
            f.write("BrokenOption yes\n")
        d.reload()
        ok = d.wait_for_log(r"reload of .* refused", timeout=5 * SCALE)
        t.ok(ok and "unknown option" in d.log(),
             "a broken config is refused and its error logged",
             diag=d.log_tail(5))
        res = d.send_message(PLAIN)
        vals = ar_values(res)
        t.ok(d.running() and vals and
             vals[0].startswith("reloaded.test.example;"),
             "the old config stays after a refused reload", diag=repr(vals))
        # caught empty (truncated while written): not all defaults
        for text, what in (("", "an empty file"),
                           ("# comments only\n\n", "a file of comments only")):
            mark = len(d.log())
            with open(d.conf_path, "w") as f:
                f.write(text)
            d.reload()
            ok = d.wait_for_log(r"reload of .* refused: the file sets no "
                                r"option", timeout=5 * SCALE, start=mark)
            vals = ar_values(d.send_message(PLAIN))
            t.ok(ok and vals and vals[0].startswith("reloaded.test.example;"),
                 "%s at a reload is refused; the running "
                 "configuration stays" % what, diag=repr(vals) + d.log_tail(3))


def test_graceful_stop(t):
    d = daemon.Daemon()
    d.start()
    c = d.client()
    try:
        c.macro(b"C", {"j": "mx"})
        c.conn("client.test", "192.0.2.7")
        c.helo("client.test")
        c.mail("<alice@example.org>")
        c.rcpt("<bob@example.net>")
        c.header("From", "alice@example.org")
        c.header("Subject", "in flight")
        c.eoh()
        d.signal(signal.SIGTERM)
        time.sleep(0.5 * SCALE)
        c.body(b"body sent after SIGTERM\r\n")
        resp = c.eom()
        kinds = [a.kind for a in resp.actions]
        t.ok(resp.verdict in ("continue", "accept") and "insheader" in kinds,
             "a message in flight finishes after SIGTERM", diag=repr(resp))
        c.quit()
    except milter_client.MilterError as e:
        t.ok(False, "a message in flight finishes after SIGTERM",
             diag=str(e) + d.log_tail(10))
    finally:
        c.close()
    rc = d.wait(15 * SCALE)
    t.ok(rc == 0, "daemon exits 0 after SIGTERM", diag="rc=%r %s" %
         (rc, d.log_tail(5)))
    t.ok(not os.path.exists(d.pid_path), "pid file removed at exit")
    d.cleanup()


def test_prompt_stop(t):
    """SIGTERM with nothing in flight: out at once, not when libmilter's
    listener next wakes (it selects with a 5 s timeout; before milter_stop
    every stop took 4-5 s). Inet and unix sockets, with and without a
    message served first."""
    limit = 2.0 * SCALE
    for kind in ("inet", "unix", "inet6"):
        for served in (False, True):
            name = "SIGTERM on an idle %s daemon%s: exit within %.0f s" % (
                kind, " that served a message" if served else "", limit)
            try:
                # an internal client: no DNS, so the message is quick
                d = daemon.Daemon(socket=kind,
                                  options={"InternalHosts": "192.0.2.0/24"})
            except OSError as e:	# no ::1 on this machine
                t.skip(name, "cannot use %s: %s" % (kind, e))
                continue
            d.start()
            if served:
                d.send_message(PLAIN, client_ip="192.0.2.7")
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            rc = d.wait(limit + 10)
            took = time.monotonic() - t0
            t.ok(rc == 0 and took < limit, name,
                 diag="rc=%r after %.2f s %s" % (rc, took, d.log_tail(5)))
            d.cleanup()


def test_background(t):
    """Without -f the daemon goes into the background, and the command
    that started it says whether start-up worked: status 0 once the
    socket accepts, status 1 with the reason when the daemon ends while
    starting (here: its socket is in use by the first one)."""
    names = ["background: the start command exits 0, the daemon serving",
             "background: the pid file holds the daemon, another process",
             "background: a message served",
             "background: a second start on the same socket: status 1, "
             "the reason on stderr",
             "background: SIGTERM stops it"]
    log_names = ["background, LogTo stderr: the log goes on in syslog "
                 "(the message line, the stop)"]
    d = daemon.Daemon(options={"InternalHosts": "192.0.2.0/24"})
    pid = None
    # stderr is /dev/null once the daemon is in the background: its
    # lines must go somewhere (syslog_capture.so records syslog calls)
    capture = os.path.join(d.tmp, "syslog.txt")
    env = shim.shim_env(t, d.tmp, "syslog_capture", log_names,
                        SYSLOG_CAPTURE_FILE=capture)
    try:
        r = daemon.run(["-c", d.conf_path], timeout=60,
                       env=dict(os.environ, **(env or {})))
        # written before the daemon says it is ready: there already
        pid = d.read_pid_file(timeout=0)
        t.ok(r.returncode == 0 and pid is not None and
             "started" in r.stderr, names[0],
             diag="status %r: %s" % (r.returncode, r.stderr[-500:]))
        # the starting command has exited: a live pid running our binary
        # (under a wrapper such as valgrind, among its arguments) is the
        # daemon's
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, TypeError):
            argv = []
        t.ok(pid is not None and daemon.pid_alive(pid) and
             os.fsencode(daemon.binary()) in argv, names[1],
             diag="%r %r" % (pid, argv))
        res = d.send_message(PLAIN, client_ip="192.0.2.7")
        t.ok(len(ar_values(res)) == 1, names[2], diag=repr(res))
        r2 = daemon.run(["-c", d.conf_path], timeout=60)
        t.ok(r2.returncode == 1 and "cannot open milter socket" in r2.stderr
             and "stopped while starting" in r2.stderr and
             pid is not None and daemon.pid_alive(pid), names[3],
             diag=r2.stderr)
        stopped = False
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            end = time.monotonic() + 15 * SCALE
            while daemon.pid_alive(pid) and time.monotonic() < end:
                time.sleep(0.05)
            stopped = not daemon.pid_alive(pid)
        t.ok(stopped and not os.path.exists(d.pid_path), names[4],
             diag=repr(pid))
        if env is not None:
            try:
                with open(capture, errors="replace") as f:
                    logged = f.read()
            except OSError:
                logged = ""
            t.ok("verdict=" in logged and "stopped" in logged, log_names[0],
                 diag=logged[-500:])
    finally:
        if pid is not None and daemon.pid_alive(pid):	# ours, by its pid
            os.kill(pid, signal.SIGKILL)
        d.cleanup()


def test_background_relative_reload(t):
    """-c with a relative name, in the background: the daemon changes to
    / when it detaches, and a SIGHUP must still re-read the file that
    was started with (it opened "authmilter.conf" in / and refused)."""
    name = "background, -c relative: SIGHUP re-reads the same file"
    d = daemon.Daemon(options={"InternalHosts": "192.0.2.0/24"})
    pid = None
    try:
        r = daemon.run(["-c", os.path.basename(d.conf_path)], timeout=60,
                       cwd=d.tmp)
        pid = d.read_pid_file(timeout=0)
        if r.returncode != 0 or pid is None:
            t.ok(False, name, diag="start: %r %s" % (r.returncode, r.stderr))
            return
        d.write_config({"InternalHosts": "192.0.2.0/24",
                        "AuthservID": "relative.test.example"})
        os.kill(pid, signal.SIGHUP)
        # its log is /dev/null now: ask until the A-R shows the new id
        end = time.monotonic() + 5 * SCALE
        vals = []
        while time.monotonic() < end:
            try:
                vals = ar_values(d.send_message(PLAIN,
                                                client_ip="192.0.2.7"))
            except (OSError, milter_client.MilterError) as e:
                vals = [repr(e)]
            if vals and vals[0].startswith("relative.test.example;"):
                break
            time.sleep(0.1)
        t.ok(vals and vals[0].startswith("relative.test.example;") and
             daemon.pid_alive(pid), name, diag=repr(vals))
    finally:
        if pid is not None:
            daemon.stop_pid(pid, 15 * SCALE)	# ours, by its pid
        d.cleanup()


def open_files_limit(pid):
    """open_files_limit - (soft, hard) "Max open files" of pid, as text"""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return tuple(line.split()[3:5])
    return None


def test_open_files_limit(t):
    """The daemon raises its soft limit on open files to the hard one.
    Each MTA connection holds a descriptor, and at a soft limit of 1024
    (systemd's default) libmilter's listener gave up after 16 failed
    accept() calls and the daemon exited, every connection cut."""
    name = "started with a soft open-files limit of 1024: raised to the hard one"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        t.skip(name, "the hard limit here is %d" % hard)
        return
    if os.environ.get("AUTHMILTER_WRAPPER"):
        t.skip(name, "under %s the process's limits in /proc are its own "
               "(it emulates the program's setrlimit)"
               % os.environ["AUTHMILTER_WRAPPER"].split()[0])
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        d = daemon.Daemon()
        d.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        got = open_files_limit(d.pid)
        want = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        t.ok(got == (want, want), name, diag="limits %r, hard %r" % (got, hard))
    finally:
        d.cleanup()


def test_unix_socket_and_pid(t):
    with daemon.Daemon(socket="unix", options={"SocketMode": "0600"}) as d:
        path = d.spec[len("unix:"):]
        mode = stat.S_IMODE(os.stat(path).st_mode)
        t.ok(mode == 0o600, "unix socket gets SocketMode",
             diag="mode %o" % mode)
        pid = d.read_pid_file()
        t.ok(pid == d.pid, "PidFile holds the daemon's pid",
             diag="read %r, started %r" % (pid, d.pid))
        t.ok(not os.path.exists(d.pid_path + ".tmp"),
             "no temporary PidFile (.tmp) left once it is written",
             diag=repr(os.listdir(d.tmp)))
        res = d.send_message(PLAIN, client_ip="/var/run/local")
        t.ok(len(ar_values(res)) == 1, "messages pass over a unix socket")
    t.ok(not os.path.exists(path), "unix socket removed at exit")


def test_unix_socket_in_use(t):
    """A second daemon on a unix socket a running one serves must not
    start: libmilter unlinks the path before it binds, so the second one
    took the socket over and the first served nobody from then on."""
    names = ["unix socket in use: a second start exits 1 and says why",
             "unix socket in use: the first daemon still serves on it",
             "a stale unix socket (nobody listening) is replaced"]
    with daemon.Daemon(socket="unix") as d:
        second = daemon.Daemon(socket=d.spec)
        try:
            try:
                r = daemon.run(["-f", "-c", second.conf_path], timeout=20)
                rc, err = r.returncode, r.stderr
            except Exception as e:	# still running: it took the socket
                rc, err = None, repr(e)
            t.ok(rc == 1 and "listens on it" in err, names[0],
                 diag="status %r: %s" % (rc, err[-400:]))
            try:
                served = len(ar_values(d.send_message(
                    PLAIN, client_ip="192.0.2.1"))) == 1
            except milter_client.MilterError as e:
                served = False
                err = repr(e)
            t.ok(served and d.running(), names[1], diag=err[-400:])
        finally:
            second.cleanup()
    stale = daemon.Daemon(socket="unix")
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale.spec[len("unix:"):])
        s.close()	# bound, never listening: a dead daemon's leftover
        stale.start()
        res = stale.send_message(PLAIN, client_ip="192.0.2.1")
        t.ok(len(ar_values(res)) == 1, names[2], diag=stale.log_tail(5))
    except daemon.DaemonError as e:
        t.ok(False, names[2], diag=str(e))
    finally:
        stale.cleanup()


def test_inet_socket_in_use(t):
    """an inet Socket another process listens on: the start said only
    "in use, or no permission?" (OpenDKIM still on 8891 during a move)"""
    name = "inet socket in use: the start says another process listens"
    with daemon.Daemon() as d:
        second = daemon.Daemon(socket=d.spec)
        try:
            r = daemon.run(["-f", "-c", second.conf_path], timeout=20)
            t.ok(r.returncode == 1 and "another process listens on it" in
                 r.stderr, name, diag="status %r: %s" % (r.returncode,
                                                          r.stderr[-400:]))
        finally:
            second.cleanup()


def test_unix_socket_dir(t):
    """a unix Socket whose directory is missing or is a file: the start
    says so, not "in use, or no permission?" (what libmilter's failure
    alone lets us say)"""
    names = ["unix socket in a missing directory: the start names it",
             "unix socket under a file: the start says it is no directory"]
    d = daemon.Daemon()
    try:
        missing = os.path.join(d.tmp, "no-such-dir")
        afile = os.path.join(d.tmp, "a-file")
        open(afile, "w").close()
        for name, parent, want in (
                (names[0], missing, "directory %s: No such file or "
                 "directory" % missing),
                (names[1], afile, "%s is not a directory" % afile)):
            conf = os.path.join(d.tmp, "dir.conf")
            with open(conf, "w") as f:
                f.write(daemon.render_config(dict(
                    d.defaults(), Socket="unix:%s/m.sock" % parent)))
            r = daemon.run(["-f", "-c", conf], timeout=20)
            t.ok(r.returncode != 0 and want in r.stderr, name,
                 diag="status %r: %s" % (r.returncode, r.stderr[-400:]))
    finally:
        d.cleanup()


def test_privilege_drop(t):
    names = ["UserID drops privileges", "socket owned by UserID"]
    if not t.need(root=True, what="privilege drop", tests=names):
        return
    nobody = pwd.getpwnam("nobody")
    with daemon.Daemon(socket="unix", options={"UserID": "nobody"}) as d:
        # the socket listens before the drop: wait until it is done
        d.wait_for_log(r"running as ", 30 * SCALE)
        with open("/proc/%d/status" % d.pid) as f:
            uids = [line.split()[1:] for line in f if line.startswith("Uid:")]
        t.ok(uids and all(int(u) == nobody.pw_uid for u in uids[0]),
             names[0], diag=repr(uids))
        st = os.stat(d.spec[len("unix:"):])
        t.ok(st.st_uid == nobody.pw_uid, names[1])


def main():
    t = TAP()
    if not t.need(check=daemon.missing, what="daemon tests"):
        t.done()
    test_cli(t)
    test_config_check(t)
    test_messages(t)
    test_hostile_headers(t)
    test_null_sender_and_ipv6(t)
    test_reload(t)
    test_graceful_stop(t)
    test_prompt_stop(t)
    test_background(t)
    test_background_relative_reload(t)
    test_unix_socket_and_pid(t)
    test_open_files_limit(t)
    test_unix_socket_in_use(t)
    test_inet_socket_in_use(t)
    test_unix_socket_dir(t)
    test_privilege_drop(t)
    t.done()


if __name__ == "__main__":
    main()
