"""sendmail_env - a private Sendmail (Debian 12's) for end-to-end tests.

Exported:
    SENDMAIL_ROOT              where bootstrap unpacked sendmail-bin,
                               sendmail-base and sendmail-cf (env
                               SENDMAIL_ROOT, else
                               /var/cache/authmilter-tests/sendmail)
    missing()                  None when a private Sendmail can run here,
                               else a reason (TAP.need(check=missing))
    SendmailEnv(milter=None, hostname=..., mc_extra=())
      .start() / .stop()       with SendmailEnv(...) as sm: ...
      .smtpd_port, .sink_port, .root, .queue_dir, .cf_path
      .send(data, mail_from, rcpts, client_ip="127.0.0.2", helo=...)
                               -> postfix_env.SwaksResult; .queue_id is
                               Sendmail's ("250 2.0.0 ID Message accepted")
      .wait_for_delivery(queue_id, timeout) -> postfix_env.Delivered
      .queue_files(prefix)     {queue id: [lines]} of qf (queued) or hf
                               (quarantined) files
      .mailq(quarantined=False) `mailq` / `mailq -qQ` output
      .release_quarantined()   sendmail -qQ -Q, then a queue run
      .trace()                 Sendmail's SMTP transcript (-X file)

Why Sendmail is not installed: sendmail-bin conflicts with postfix, which
the other e2e tests need. bootstrap fetches the three .debs with
`apt-get download` and unpacks them with `dpkg-deb -x`; the binary runs
from there (its libraries, libwrap0 and liblockfile1, are installed
normally). Nothing of Sendmail's goes into /etc: the .cf is built here
with m4 from the unpacked cf/ macros.

What it builds (one temp dir, tmpdir.make: removed at the end of the
with-block, else at exit, unless KEEP_TEST_TMP):
    sendmail.mc / sendmail.cf  our .mc, with contrib/sendmail.mc (the
                               snippet we ship) pasted in and its socket
                               pointed at the milter under test
    queue/                     the private queue (0700, root)
    sink/                      smtp-sink dumps, owned by "postfix"
    hosts, service.switch      host lookups from our hosts file only
    trace                      -X transcript of every SMTP session
Sendmail runs as root in the foreground (-bD), listening on 127.0.0.1:
<free port>, DeliveryMode interactive (the message has reached smtp-sink,
or is in the queue, before the 250 to DATA), relaying everything to
[127.0.0.1]:<sink port> (SMART_HOST, promiscuous_relay: test only).

Pitfalls found building it (Debian 12, Sendmail 8.17.1, as root):
  - When the host name has no dot (a container's "vm") Sendmail cannot
    qualify it and sleeps 60 s at start-up ("My unqualified host name ...
    sleeping for retry"). We start it in its own UTS namespace
    (`unshare --uts`) with the host name set to `hostname`; when that is
    not allowed (a container without CAP_SYS_ADMIN) it starts plainly and
    every Sendmail command gets SLOW_START more seconds (slow, but runs).
  - Sendmail logs only to syslog; there is none in a container, so the
    -X transcript is the diagnostic.
  - No XCLIENT: to look like an outside client the test connects from
    127.0.0.2 (any 127/8 address binds on Linux) and the milter's
    InternalHosts must not cover it.
  - Sendmail's queue id is in the 250 reply to DATA ("250 2.0.0
    6AT38Tao022870 Message accepted for delivery"), not "queued as".
  - smfi_quarantine renames the queue file from qf<ID> to hf<ID> and
    writes the reason on a "q" line; `mailq -qQ` lists such messages.
Processes: smtp-sink and sendmail are started here (Popen; unshare and
sh exec into sendmail, so the PID is Sendmail's). stop() sends SIGTERM to
that PID and to its children (the per-connection forks), waits bounded,
then SIGKILLs what is left; it signals nothing else.
"""

import functools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time

import daemon
import milter_client
import postfix_env
import tmpdir
from time_scale import scaled

SENDMAIL_ROOT = os.environ.get("SENDMAIL_ROOT") or \
    "/var/cache/authmilter-tests/sendmail"
SENDMAIL_BIN = os.path.join(SENDMAIL_ROOT, "usr/libexec/sendmail/sendmail")
CF_DIR = os.path.join(SENDMAIL_ROOT, "usr/share/sendmail/cf")
DEFAULT_HOSTNAME = "mx.sendmail.test"
SLOW_START = 75
SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
CONTRIB_MC = os.path.join(SRC, "contrib", "sendmail.mc")
CONTRIB_SOCKET = "inet:8891@127.0.0.1"

MC = """\
divert(-1)
written by tests/lib/sendmail_env.py: a private test instance
divert(0)dnl
VERSIONID(`authmilter e2e test')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{hostname}')dnl
define(`QUEUE_DIR', `{root}/queue')dnl
define(`confPID_FILE', `{root}/sendmail.pid')dnl
define(`STATUS_FILE', `{root}/statistics')dnl
define(`HELP_FILE', `{root}/helpfile')dnl
define(`ALIAS_FILE', `{root}/aliases')dnl
define(`confSERVICE_SWITCH_FILE', `{root}/service.switch')dnl
define(`confHOSTS_FILE', `{root}/hosts')dnl
define(`confDELIVERY_MODE', `interactive')dnl
define(`confDONT_PROBE_INTERFACES', `true')dnl
define(`confTO_RESOLVER_RETRANS', `1s')dnl
define(`confTO_RESOLVER_RETRY', `1')dnl
define(`confMILTER_LOG_LEVEL', `14')dnl
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {sink_port}')dnl
FEATURE(`no_default_msa')dnl
FEATURE(`nocanonify')dnl
FEATURE(`promiscuous_relay')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
DAEMON_OPTIONS(`Port={smtpd_port}, Addr=127.0.0.1, Name=MTA')dnl
{contrib}
{extra}
MAILER(`local')dnl
MAILER(`smtp')dnl
"""


class SendmailError(Exception):
    """SendmailError - the private instance could not start or act."""


@functools.lru_cache(maxsize=1)
def _uts_ok():
    """_uts_ok - True when `unshare --uts` works here (root in most VMs)."""
    try:
        return subprocess.run(["unshare", "--uts", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def missing():
    """missing - None when a private Sendmail can run here, else why not."""
    if os.geteuid() != 0:
        return "root (a private Sendmail instance)"
    if not os.access(SENDMAIL_BIN, os.X_OK):
        return ("Sendmail unpacked in %s (run ./bootstrap: it fetches "
                "sendmail-bin, sendmail-base, sendmail-cf)" % SENDMAIL_ROOT)
    if not os.path.isfile(os.path.join(CF_DIR, "m4", "cf.m4")):
        return "sendmail-cf macros in %s" % CF_DIR
    for tool in ("m4", "swaks"):
        if not shutil.which(tool):
            return "%s (Debian package %s)" % (tool, tool)
    if not os.access("/usr/sbin/smtp-sink", os.X_OK) and \
            not shutil.which("smtp-sink"):
        return "smtp-sink (Debian package postfix)"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "the postfix user (smtp-sink runs as it)"
    out = subprocess.run(_wrap(DEFAULT_HOSTNAME, [SENDMAIL_BIN, "-d0.1",
                                                  "-bt", "-C", "/dev/null"]),
                         capture_output=True, text=True,
                         timeout=30 + _slow(), input="", env=_env())
    if "Version" not in out.stdout + out.stderr:
        return "a runnable %s: %s" % (SENDMAIL_BIN, (out.stderr or
                                                     out.stdout)[:200])
    return None


def _slow():
    """_slow - extra seconds each Sendmail start may take: 60 s of
    "sleeping for retry" when the host name cannot be qualified."""
    return 0 if _uts_ok() or "." in socket.gethostname() else SLOW_START


def _env():
    """_env - short resolver timeouts in case anything still asks DNS."""
    return dict(os.environ, RES_OPTIONS="timeout:1 attempts:1")


def _wrap(hostname, argv):
    """_wrap - argv run with `hostname` as the host name when we can.

    exec keeps one PID: unshare -> sh -> sendmail.
    """
    if _uts_ok():
        return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"',
                hostname] + argv
    return argv


def _children(pid):
    """_children - PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d))
        except (OSError, IndexError, ValueError):
            continue
    return out


def _contrib_snippet(milter_spec):
    """_contrib_snippet - contrib/sendmail.mc with the test's socket."""
    with open(CONTRIB_MC, encoding="utf-8") as f:
        text = f.read()
    if CONTRIB_SOCKET not in text:
        raise SendmailError("%s does not name %s" % (CONTRIB_MC,
                                                     CONTRIB_SOCKET))
    return text.replace(CONTRIB_SOCKET, milter_spec)


class SendmailEnv:
    """SendmailEnv - one private Sendmail plus its smtp-sink."""

    def __init__(self, milter=None, hostname=DEFAULT_HOSTNAME, mc_extra=(),
                 start_timeout=30.0, stop_timeout=10.0):
        """SendmailEnv - prepare (not start) an instance.

        milter: a daemon.Daemon or a libmilter socket spec
            ("inet:PORT@127.0.0.1"); None runs without a milter.
        mc_extra: more .mc lines (after the contrib snippet).
        """
        self.root = tmpdir.make("sendmail-test-", mode=0o755)
        self.queue_dir = os.path.join(self.root, "queue")
        self.sink_dir = os.path.join(self.root, "sink")
        self.cf_path = os.path.join(self.root, "sendmail.cf")
        self.trace_path = os.path.join(self.root, "trace")
        self.log_path = os.path.join(self.root, "sendmail.log")
        self.sink_log_path = os.path.join(self.root, "smtp-sink.log")
        self.smtpd_port = milter_client.free_port()
        self.sink_port = milter_client.free_port()
        while self.sink_port == self.smtpd_port:
            self.sink_port = milter_client.free_port()
        if isinstance(milter, daemon.Daemon):
            milter = milter.spec
        self.milter = milter
        self.hostname = hostname
        self.mc_extra = list(mc_extra)
        self.start_timeout = start_timeout + _slow()
        self.stop_timeout = stop_timeout
        self.proc = None
        self.sink = None
        self._logs = []
        self.sent = 0
        # never cleaned up: stopped at exit, before the dir goes
        tmpdir.at_exit(self.stop)

    # ---- set-up ----------------------------------------------------

    def _write_files(self):
        os.mkdir(self.queue_dir, 0o700)
        os.mkdir(self.sink_dir, 0o755)
        pw = pwd.getpwnam("postfix")
        os.chown(self.sink_dir, pw.pw_uid, pw.pw_gid)
        files = {
            "hosts": "127.0.0.1 %s localhost\n127.0.0.2 client.test\n"
                     % self.hostname,
            "service.switch": "hosts files\naliases files\n",
            "aliases": "postmaster: root\n",
            "helpfile": "",
        }
        for name, text in files.items():
            with open(os.path.join(self.root, name), "w") as f:
                f.write(text)
        mc = MC.format(hostname=self.hostname, root=self.root,
                       sink_port=self.sink_port, smtpd_port=self.smtpd_port,
                       contrib=_contrib_snippet(self.milter)
                       if self.milter else "dnl no milter",
                       extra="\n".join(self.mc_extra))
        with open(os.path.join(self.root, "sendmail.mc"), "w") as f:
            f.write(mc)
        r = subprocess.run(["m4", "-D_CF_DIR_=%s/" % CF_DIR,
                            os.path.join(CF_DIR, "m4", "cf.m4"),
                            os.path.join(self.root, "sendmail.mc")],
                           capture_output=True, text=True, timeout=60)
        # cf.m4 warns about promiscuous_relay on stderr; only the status
        # and a non-empty .cf matter
        if r.returncode != 0 or "\nO QueueDirectory=" not in r.stdout:
            raise SendmailError("m4 failed: %s" % r.stderr[-800:])
        with open(self.cf_path, "w") as f:
            f.write(r.stdout)

    def _command(self):
        return _wrap(self.hostname, [SENDMAIL_BIN, "-bD", "-C", self.cf_path,
                                     "-X", self.trace_path])

    def start(self):
        """start - smtp-sink, then Sendmail; wait until it answers."""
        self._write_files()
        sink_log = open(self.sink_log_path, "ab")
        self._logs.append(sink_log)
        self.sink = subprocess.Popen(
            [shutil.which("smtp-sink") or "/usr/sbin/smtp-sink",
             "-u", "postfix", "-h", "sink.test",
             "-d", os.path.join(self.sink_dir, "%Y%m%d%H%M%S."),
             "127.0.0.1:%d" % self.sink_port, "64"],
            stdin=subprocess.DEVNULL, stdout=sink_log, stderr=sink_log)
        if not milter_client.wait_for_socket(
                "inet:%d@127.0.0.1" % self.sink_port, 10, self.sink):
            self.stop()
            raise SendmailError("smtp-sink did not start")
        log = open(self.log_path, "ab")
        self._logs.append(log)
        self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, env=_env())
        if not self._wait_banner():
            self.stop()
            raise SendmailError("Sendmail did not answer within %.0fs: %s" % (
                self.start_timeout, self.log()[-800:]))
        return self

    def _wait_banner(self):
        """_wait_banner - True once port answers with a 220 greeting."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.smtpd_port),
                                              timeout=2) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self):
        """stop - SIGTERM Sendmail and its forks, then smtp-sink (bounded)."""
        for proc in (self.proc, self.sink):
            if proc is None or proc.poll() is not None:
                continue
            pids = [proc.pid] + _children(proc.pid)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            deadline = time.monotonic() + 5
            for pid in pids[1:]:
                while daemon.pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if daemon.pid_alive(pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        self.proc = self.sink = None
        for f in self._logs:
            f.close()
        self._logs = []

    def cleanup(self):
        """cleanup - remove the temp dir (unless KEEP_TEST_TMP); stop()
        first."""
        tmpdir.remove(self.root)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            # a Sendmail or smtp-sink that did start must not outlive
            # the directory it works in
            self.stop()
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    # ---- mail ------------------------------------------------------

    def send(self, data, mail_from="sender@example.org",
             rcpts=("rcpt@example.net",), client_ip="127.0.0.2",
             helo="client.test", timeout=60):
        """send - one message with swaks from client_ip -> SwaksResult."""
        self.sent += 1
        if isinstance(data, str):
            data = data.encode()
        # swaks adds CRLF "." CRLF after the text (see postfix_env)
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        path = os.path.join(self.root, "send-%d.eml" % self.sent)
        with open(path, "wb") as f:
            f.write(data)
        argv = [shutil.which("swaks"), "--server",
                "127.0.0.1:%d" % self.smtpd_port, "--local-interface",
                client_ip, "--helo", helo, "--from", mail_from,
                "--to", ",".join(rcpts), "--data", "@" + path,
                "--timeout", "%ds" % max(5, int(timeout) - 5)]
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout, errors="replace",
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise SendmailError("swaks timed out: %s" % (e.stdout or ""))
        res = postfix_env.SwaksResult(r.returncode, r.stdout + r.stderr)
        if res.accepted:
            m = re.match(r"^2\d\d [245]\.\d+\.\d+ (\S+) ", res.reply or "")
            res.queue_id = m.group(1) if m else None
        return res

    def delivered(self):
        """delivered - every smtp-sink dump, oldest first."""
        files = [os.path.join(self.sink_dir, n)
                 for n in os.listdir(self.sink_dir)]
        files.sort(key=lambda p: (os.path.getmtime(p), p))
        return [postfix_env.Delivered(p) for p in files]

    def wait_for_delivery(self, queue_id, timeout=None):
        """wait_for_delivery - the dump whose Received names queue_id.

        With DeliveryMode interactive it is normally there when DATA's
        250 arrives; the wait covers smtp-sink finishing its file.
        Returns the Delivered, or None at timeout (None: 20 s, scaled).
        """
        rx = re.compile(r"\bid %s\b" % re.escape(queue_id or "?"))
        deadline = time.monotonic() + (scaled(20) if timeout is None
                                       else timeout)
        while time.monotonic() < deadline:
            for d in self.delivered():
                if any(rx.search(v) for v in d.header_values("Received")):
                    return d
            time.sleep(0.1)
        return None

    # ---- queue -----------------------------------------------------

    def queue_files(self, prefix="qf"):
        """queue_files - {queue id: lines} of the queue's prefix files.

        "qf": queued for delivery; "hf": quarantined (held) messages.
        """
        out = {}
        for name in os.listdir(self.queue_dir):
            if name.startswith(prefix):
                with open(os.path.join(self.queue_dir, name), "rb") as f:
                    out[name[len(prefix):]] = f.read().decode(
                        "utf-8", "replace").splitlines()
        return out

    def mailq(self, quarantined=False):
        """mailq - Sendmail's queue listing (-qQ: the quarantined ones)."""
        argv = [SENDMAIL_BIN, "-C", self.cf_path, "-bp"]
        if quarantined:
            argv.append("-qQ")
        r = subprocess.run(_wrap(self.hostname, argv), capture_output=True,
                           text=True, timeout=30 + _slow(), env=_env())
        return r.stdout + r.stderr

    def release_quarantined(self):
        """release_quarantined - `-qQ -Q` (unquarantine every held job),
        then one queue run (-q) to deliver them. Returns the output."""
        out = ""
        for args in (["-qQ", "-Q"], ["-q"]):
            r = subprocess.run(_wrap(self.hostname, [SENDMAIL_BIN, "-C",
                                                     self.cf_path] + args),
                               capture_output=True, text=True,
                               timeout=60 + _slow(),
                               env=_env())
            out += r.stdout + r.stderr
        return out

    def trace(self):
        try:
            with open(self.trace_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""
