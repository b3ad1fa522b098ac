"""postfix_env - a private Postfix instance for end-to-end tests (as root).

Exported:
    missing()                   None when a private Postfix can run here,
                                else a reason (TAP.need(check=missing))
    PostfixEnv(milter=None, main_cf=None, header_checks=None, ...)
      .start() / .stop()        with PostfixEnv(...) as pf: ...
      .smtpd_port, .sink_port, .root (temp dir), .conf_dir, .queue_dir
      .send(data, mail_from, rcpts, headers=(), helo=..., xclient=None,
            extra=(), port=None) -> SwaksResult (code, reply, queue_id,
                                    transcript); port: another smtpd
      .submit(data, sender, rcpts) -> (rc, output)  Postfix's sendmail(1)
      .wait_for_delivery(count=1, timeout=None) -> [Delivered]
      .delivered() -> [Delivered]      every message smtp-sink received
      .queue(), .hold_queue() -> [queue ids]; .postqueue_json() -> [dict]
      .wait_for_queue(pred, timeout)   poll the queue listing
      .queue_file_headers(queue_id)   headers of a queued/held message
      .release_hold(), .flush(), .postconf(*args), .reload()
      .maillog(), .wait_for_log(regex, timeout, start=0)
    Delivered                    .path .envelope .raw .headers .body
                                 .header_values(name) .client_addr .mail
                                 .rcpts .helo
    SwaksResult                  .rc .code .reply .queue_id .accepted
                                 .transcript
    PostfixError

What it builds (all inside one temp dir, tmpdir.make: removed at the end
of the with-block or cleanup(), else at exit, unless env KEEP_TEST_TMP is
set):
    conf/main.cf, conf/master.cf   written here; nothing from /etc/postfix
    queue/                         queue_directory (post-install fills it)
    data/                          data_directory, owned by "postfix"
    sink/                          smtp-sink dump files, owned by "postfix"
    maillog                        Postfix's log (postlogd, no syslog)
    header_checks                  when header_checks lines are given
smtpd listens on 127.0.0.1:<free port> with smtpd_milters = the milter;
everything is relayed to [127.0.0.1]:<sink port> where smtp-sink, started
and stopped here by PID, writes each message to sink/<time>.<hex>.
Local delivery is disabled (mydestination empty, local_transport error:).
master.cf also runs virtual(8), unused unless main_cf names
virtual_mailbox_domains (test_postfix_report delivers into a Maildir so).

Pitfalls found while building it (Debian 12, Postfix 3.7, as root):
  - With "No configuration" there is no /etc/postfix/main.cf, so every
    postconf/postfix/postqueue/postsuper call must carry -c DIR. As root
    a non-default -c DIR is accepted; a non-root caller of the set-gid
    postqueue/postdrop would need DIR listed in alternate_config_directories
    of the default main.cf, which does not exist - hence: run as root.
  - master needs data_directory owned by mail_owner ("postfix"), else
    "open lock file .../master.lock: Permission denied"; the temp dir
    must be searchable by "postfix" (mkdtemp makes 0700; we chmod 0755).
  - Debian's master.cf runs services chrooted (y); a private instance
    without a prepared chroot must say n everywhere (we write our own).
  - No syslog in a container: maillog_file + the postlog service in
    master.cf, and the file's directory in maillog_file_prefixes.
  - myhostname must be set (the host name "vm" is not an FQDN, and
    nothing may wait on DNS); relayhost in [brackets] and
    smtp_dns_support_level = disabled so no MX/A lookups happen.
  - Postfix spells milter sockets inet:HOST:PORT, libmilter inet:PORT@HOST
    (daemon.to_postfix_spec converts). milter_protocol = 6.
  - Postfix hides its own Received: header from milters but counts it in
    SMFIR_INSHEADER positions: index 0 lands above Postfix's Received:.
  - smtp-sink as root needs -u postfix, and its dump directory must be
    writable by that user. Its dumps start with X-Client-Addr,
    X-Client-Proto, X-Helo-Args, X-Mail-Args, X-Rcpt-Args lines and end
    with one extra empty line; smtp-sink also prepends its own Received:.
  - swaks converts LF to CRLF and ends DATA with CRLF "." CRLF after the
    text: a file ending in a line end gets an extra empty body line, so
    send() drops the final line end before handing the file to swaks.
  - Postfix adds Message-Id/Date only for local_header_rewrite_clients;
    we set it empty so the milter sees what the client sent, like on an MX.
  - Short retry timers (queue_run_delay etc.) so flush() tests are fast.
  - XCLIENT (smtpd_authorized_xclient_hosts = loopback) lets a test pose
    as any client; the milter first sees the real loopback CONNECT, then
    a new milter connection with the claimed client. XCLIENT LOGIN= only
    works with smtpd_sasl_auth_enable = yes; it sets {auth_authen}.
    Postfix sends an unknown client name as "[addr]" in SMFIC_CONNECT and
    "unknown" in {client_name}, and {client_addr} of an IPv6 client as
    "IPv6:2001:db8::1".
  - Real SMTP AUTH against a private sasldb did not work: Debian's smtpd
    ignored cyrus_sasl_config_path (and SASL_CONF_PATH) and kept reading
    /etc/sasldb2, so this harness uses XCLIENT LOGIN= instead.
Processes: we start smtp-sink (Popen, PID known) and Postfix's master
(`postfix start`; PID read from queue/pid/master.pid). stop() runs
`postfix -c DIR stop`, waits (bounded), then SIGKILLs the master PID and
the processes whose parent it is, and SIGTERM/SIGKILLs smtp-sink by PID.
"""

import json
import os
import pwd
import grp
import re
import shutil
import signal
import subprocess
import time

import daemon
import milter_client
import tmpdir
from time_scale import scaled

POSTFIX_TOOLS = ("postfix", "postconf", "postqueue", "postsuper",
                 "smtp-sink", "swaks")
SINK_HEADERS = ("x-client-addr", "x-client-proto", "x-helo-args",
                "x-mail-args", "x-rcpt-args")
DEFAULT_HOSTNAME = "mx.postfix.test"

# Macros authmilter needs, stage by stage (Postfix defaults plus
# {client_addr} {client_name} {client_ptr} {auth_*} where needed).
DEFAULT_MACROS = {
    "milter_connect_macros": "j {daemon_name} {daemon_addr} v _ "
                             "{client_addr} {client_name} {client_ptr} "
                             "{client_port}",
    "milter_helo_macros": "{tls_version} {cipher} {cipher_bits} "
                          "{cert_subject} {cert_issuer}",
    "milter_mail_macros": "i {auth_type} {auth_authen} {auth_author} "
                          "{mail_addr} {mail_host} {mail_mailer}",
    "milter_rcpt_macros": "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
    "milter_data_macros": "i",
    "milter_end_of_header_macros": "i",
    "milter_end_of_data_macros": "i {auth_authen} {client_addr} j",
}

MASTER_CF = """\
# written by tests/lib/postfix_env.py: no chroot, smtpd on loopback only
127.0.0.1:{smtpd_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
virtual   unix  -       n       n       -       -       virtual
"""


class PostfixError(Exception):
    """PostfixError - the private instance could not start or act."""


def missing():
    """missing - None when a private Postfix can run here, else a reason."""
    if os.geteuid() != 0:
        return "root (a private Postfix instance)"
    for tool in POSTFIX_TOOLS:
        if not shutil.which(tool) and not os.access("/usr/sbin/" + tool,
                                                     os.X_OK):
            return "%s (Debian packages postfix, swaks)" % tool
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "the postfix user and postdrop group (install postfix)"
    return None


def _tool(name):
    """_tool - absolute path of a Postfix tool (sbin may not be on PATH)."""
    return shutil.which(name) or "/usr/sbin/" + name


def _children(pid):
    """_children - PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(d))
        except (OSError, IndexError, ValueError):
            continue
    return out


class SwaksResult:
    """SwaksResult - what swaks saw.

    rc: swaks exit status (0 = message accepted); code: the server's reply
    code to the end of DATA (or to the command that failed) as a string;
    reply: that whole reply line; queue_id: from "queued as ID";
    accepted: code starts with 2; transcript: swaks output.
    """

    def __init__(self, rc, transcript):
        self.rc = rc
        self.transcript = transcript
        self.reply = None
        self.queue_id = None
        replies = []
        after_dot = False
        for line in transcript.splitlines():
            if re.match(r"^\s*(-> |\*\*\* )?\.\s*$", line) or \
                    line.strip() == "-> .":
                after_dot = True
                continue
            m = re.match(r"^<[-*~]{1,2}\s+(\d{3}[ -].*)$", line)
            if m:
                replies.append((after_dot, m.group(1)))
        data_replies = [r for a, r in replies if a]
        if data_replies:
            self.reply = data_replies[0]
        elif replies:
            # failed before DATA ended: the last error reply, else last one
            errors = [r for _a, r in replies if r[:1] in "45"]
            self.reply = errors[-1] if errors else replies[-1][1]
        self.code = self.reply[:3] if self.reply else None
        if self.reply:
            m = re.search(r"queued as ([0-9A-Za-z]+)", self.reply)
            self.queue_id = m.group(1) if m else None

    @property
    def accepted(self):
        return bool(self.code and self.code.startswith("2"))

    def __repr__(self):
        return "SwaksResult(rc=%d, reply=%r)" % (self.rc, self.reply)


class Delivered:
    """Delivered - one message as smtp-sink received it.

    envelope: {"client_addr", "client_proto", "helo", "mail", "rcpts"}.
    raw: the message bytes (CRLF as received, smtp-sink lines removed,
    smtp-sink's own trailing empty line removed). headers: [(name,
    rawvalue)] including the Received: that smtp-sink prepends (it is the
    first); body: bytes.
    """

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        env = {"rcpts": []}
        i = 0
        while i < len(lines):
            name, sep, value = lines[i].partition(b":")
            if not sep or name.strip().lower().decode(
                    "ascii", "replace") not in SINK_HEADERS:
                break
            key = name.strip().lower().decode()
            value = value.strip().decode("utf-8", "replace")
            if key == "x-rcpt-args":
                env["rcpts"].append(value.split()[0] if value else "")
            else:
                env[{"x-client-addr": "client_addr",
                     "x-client-proto": "client_proto",
                     "x-helo-args": "helo",
                     "x-mail-args": "mail"}[key]] = value
            i += 1
        raw = b"\n".join(lines[i:])
        # smtp-sink ends each dump with one empty line of its own
        if raw.endswith(b"\n\n"):
            raw = raw[:-1]
        self.envelope = env
        self.raw = raw
        self.headers, self.body = milter_client.split_message(raw)

    client_addr = property(lambda self: self.envelope.get("client_addr"))
    helo = property(lambda self: self.envelope.get("helo"))
    mail = property(lambda self: self.envelope.get("mail"))
    rcpts = property(lambda self: self.envelope["rcpts"])

    def header_values(self, name):
        """header_values - stripped values of every header called name."""
        return [v.strip() for n, v in self.headers
                if n.lower() == name.lower()]

    def header_names(self):
        """header_names - header names top to bottom."""
        return [n for n, _v in self.headers]

    def __repr__(self):
        return "Delivered(%s, %d headers)" % (os.path.basename(self.path),
                                             len(self.headers))


class PostfixEnv:
    """PostfixEnv - one private Postfix instance plus its smtp-sink."""

    def __init__(self, milter=None, main_cf=None, header_checks=None,
                 milter_default_action="tempfail", hostname=DEFAULT_HOSTNAME,
                 start_timeout=30.0, stop_timeout=15.0, master_cf=()):
        """PostfixEnv - prepare (not start) an instance.

        milter: socket of the milter, in libmilter ("inet:PORT@HOST") or
            Postfix ("inet:HOST:PORT", "unix:/path") syntax, or a
            daemon.Daemon; None runs Postfix without a milter.
        main_cf: {param: value} added to / overriding our main.cf.
        header_checks: regexp lines, e.g. ["/^X-Hold:/ HOLD"].
        master_cf: lines added to master.cf (more smtpd listeners on
            loopback ports from milter_client.free_port()).
        """
        self.root = tmpdir.make("postfix-test-", mode=0o755)
        self.conf_dir = os.path.join(self.root, "conf")
        self.queue_dir = os.path.join(self.root, "queue")
        self.data_dir = os.path.join(self.root, "data")
        self.sink_dir = os.path.join(self.root, "sink")
        self.maillog_path = os.path.join(self.root, "maillog")
        self.sink_log_path = os.path.join(self.root, "smtp-sink.log")
        self.smtpd_port = milter_client.free_port()
        self.sink_port = milter_client.free_port()
        while self.sink_port == self.smtpd_port:
            self.sink_port = milter_client.free_port()
        if isinstance(milter, daemon.Daemon):
            milter = milter.postfix_spec
        elif milter and "@" in milter:
            milter = daemon.to_postfix_spec(milter)
        self.milter = milter
        self.milter_default_action = milter_default_action
        self.hostname = hostname
        self.main_cf_extra = dict(main_cf or {})
        self.header_checks = list(header_checks or [])
        self.master_cf_extra = list(master_cf)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.sink = None
        self._sink_log = None
        self.master_pid = None
        self.sent = 0
        # never cleaned up: stopped at exit, before the dir goes
        tmpdir.at_exit(self.stop)

    # ---- configuration -------------------------------------------

    def main_cf(self):
        """main_cf - the parameters we write, as an ordered dict."""
        p = {
            "compatibility_level": "3.6",
            "config_directory": self.conf_dir,
            "queue_directory": self.queue_dir,
            "data_directory": self.data_dir,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": self.hostname,
            "mydomain": self.hostname.split(".", 1)[-1],
            "myorigin": "$myhostname",
            "mydestination": "",
            "local_transport": "error:local delivery disabled",
            "alias_maps": "",
            "alias_database": "",
            "inet_interfaces": "127.0.0.1",
            # "all" so XCLIENT may claim IPv6 client addresses; smtpd
            # still listens on 127.0.0.1 only
            "inet_protocols": "all",
            "mynetworks": "127.0.0.0/8",
            "relayhost": "[127.0.0.1]:%d" % self.sink_port,
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            # an MX for every domain: any recipient is accepted and
            # relayed to smtp-sink (smtpd listens on loopback only)
            "relay_domains": "static:ALL",
            "local_header_rewrite_clients": "",
            "maillog_file": self.maillog_path,
            "maillog_file_prefixes": self.root,
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtpd_error_sleep_time": "0",
            # XCLIENT from loopback lets tests pose as any client; LOGIN=
            # needs SASL switched on (no mechanism is ever used)
            "smtpd_authorized_xclient_hosts": "127.0.0.0/8",
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_sasl_type": "cyrus",
            "cyrus_sasl_config_path": os.path.join(self.root, "sasl"),
            "smtpd_sasl_security_options": "noanonymous",
            "smtp_connect_timeout": "5s",
            "biff": "no",
            "milter_protocol": "6",
            "milter_default_action": self.milter_default_action,
            "milter_connect_timeout": "10s",
            "milter_command_timeout": "30s",
            "milter_content_timeout": "60s",
        }
        if self.milter:
            p["smtpd_milters"] = self.milter
        p.update(DEFAULT_MACROS)
        if self.header_checks:
            p["header_checks"] = "regexp:" + os.path.join(self.root,
                                                          "header_checks")
        p.update(self.main_cf_extra)
        return p

    def _write_config(self):
        """_write_config - main.cf, master.cf, header_checks."""
        os.makedirs(self.conf_dir, exist_ok=True)
        with open(os.path.join(self.conf_dir, "main.cf"), "w") as f:
            f.write("# written by tests/lib/postfix_env.py\n")
            for k, v in self.main_cf().items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.conf_dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(smtpd_port=self.smtpd_port))
            for line in self.master_cf_extra:
                f.write(line + "\n")
        if self.header_checks:
            with open(os.path.join(self.root, "header_checks"), "w") as f:
                f.write("\n".join(self.header_checks) + "\n")

    def _run(self, argv, timeout=60, check=True):
        """_run - run a Postfix command bounded in time."""
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout, errors="replace",
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PostfixError("%s timed out after %ss" % (argv, timeout))
        if check and r.returncode != 0:
            raise PostfixError("%s failed (%d): %s%s\n%s" % (
                " ".join(argv), r.returncode, r.stdout, r.stderr,
                self.maillog_tail()))
        return r

    def postconf(self, *args):
        """postconf - run postconf -c DIR args; returns stdout."""
        return self._run([_tool("postconf"), "-c", self.conf_dir] +
                         list(args)).stdout

    # ---- start / stop ---------------------------------------------

    def start(self):
        """start - smtp-sink, then Postfix; wait until smtpd accepts."""
        why = missing()
        if why:
            raise PostfixError("cannot run Postfix: needs " + why)
        pw = pwd.getpwnam("postfix")
        for d in (self.queue_dir, self.data_dir, self.sink_dir):
            os.makedirs(d, exist_ok=True)
        os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        os.chown(self.sink_dir, pw.pw_uid, pw.pw_gid)
        self._write_config()
        self._start_sink()
        self._run([_tool("postfix"), "-c", self.conf_dir, "check"])
        self._run([_tool("postfix"), "-c", self.conf_dir, "start"],
                  timeout=self.start_timeout)
        pidfile = os.path.join(self.queue_dir, "pid", "master.pid")
        try:
            with open(pidfile) as f:
                self.master_pid = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            raise PostfixError("no master pid in %s\n%s"
                               % (pidfile, self.maillog_tail()))
        spec = "inet:%d@127.0.0.1" % self.smtpd_port
        if not milter_client.wait_for_socket(spec, self.start_timeout):
            raise PostfixError("smtpd not listening on %d\n%s"
                               % (self.smtpd_port, self.maillog_tail()))
        return self

    def _start_sink(self):
        """_start_sink - smtp-sink dumping each message to sink/."""
        self._sink_log = open(self.sink_log_path, "ab")
        self.sink = subprocess.Popen(
            [_tool("smtp-sink"), "-u", "postfix", "-h", "sink.test",
             "-d", os.path.join(self.sink_dir, "%Y%m%d%H%M%S."),
             "127.0.0.1:%d" % self.sink_port, "64"],
            stdin=subprocess.DEVNULL, stdout=self._sink_log,
            stderr=self._sink_log)
        if not milter_client.wait_for_socket(
                "inet:%d@127.0.0.1" % self.sink_port, 10, self.sink):
            raise PostfixError("smtp-sink did not start: %s" % open(
                self.sink_log_path).read())

    def stop(self):
        """stop - postfix stop, then make sure our processes are gone."""
        if self.master_pid is not None:
            self._run([_tool("postfix"), "-c", self.conf_dir, "stop"],
                      timeout=self.stop_timeout + 10, check=False)
            deadline = time.monotonic() + self.stop_timeout
            while daemon.pid_alive(self.master_pid) and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            if daemon.pid_alive(self.master_pid):
                for pid in _children(self.master_pid) + [self.master_pid]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            self.master_pid = None
        if self.sink is not None:
            if self.sink.poll() is None:
                self.sink.terminate()
                try:
                    self.sink.wait(5)
                except subprocess.TimeoutExpired:
                    self.sink.kill()
                    self.sink.wait(5)
            self.sink = None
        if self._sink_log:
            self._sink_log.close()
            self._sink_log = None

    def cleanup(self):
        """cleanup - stop and remove the temp dir (unless KEEP_TEST_TMP)."""
        try:
            self.stop()
        finally:
            tmpdir.remove(self.root)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def reload(self):
        """reload - rewrite the config and `postfix reload`."""
        self._write_config()
        self._run([_tool("postfix"), "-c", self.conf_dir, "reload"])

    # ---- sending ---------------------------------------------------

    def send(self, data, mail_from="sender@example.org",
             rcpts=("rcpt@example.net",), headers=(), helo="client.test",
             xclient=None, extra=(), timeout=60, port=None):
        """send - one message through smtpd with swaks.

        data: message bytes/str, or a path to a file holding it.
        headers: ["Name: value", ...] passed as --header (replaces an
            existing header of that name, else adds it).
        xclient: {"addr": "192.0.2.1", "name": "mail.example.org",
            "helo": "...", "login": "alice"} - XCLIENT attributes, so
            Postfix (and the milter) see another client address/name and,
            with "login", an SMTP-authenticated user ({auth_authen}).
        Returns a SwaksResult.
        """
        self.sent += 1
        if isinstance(data, str) and os.path.isfile(data):
            with open(data, "rb") as f:
                data = f.read()
        if isinstance(data, str):
            data = data.encode()
        # swaks ends DATA with CRLF "." CRLF after the text, so a final
        # line end in the file would become an extra empty body line
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        path = os.path.join(self.root, "send-%d.eml" % self.sent)
        with open(path, "wb") as f:
            f.write(data)
        argv = [shutil.which("swaks") or "/usr/bin/swaks",
                "--server", "127.0.0.1:%d" % (port or self.smtpd_port),
                "--helo", helo, "--from", mail_from,
                "--to", ",".join(rcpts), "--data", "@" + path,
                "--timeout", "%ds" % max(5, int(timeout) - 5)]
        for h in headers:
            argv += ["--header", h]
        for k, v in (xclient or {}).items():
            argv += ["--xclient-%s" % k.lower(), v]
        argv += list(extra)
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout, errors="replace",
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise PostfixError("swaks timed out: %s" % (e.stdout or ""))
        return SwaksResult(r.returncode, r.stdout + r.stderr)

    def submit(self, data, sender="alice@example.org",
               rcpts=("rcpt@example.net",), timeout=30):
        """submit - one message through Postfix's sendmail(1) command.

        Local submission: postdrop, pickup, then cleanup, which runs
        non_smtpd_milters (when main_cf sets them) as if the mail came
        from "localhost" [127.0.0.1]. -i: a line with a lone dot is
        text. Returns (exit status, output).
        """
        if isinstance(data, str):
            data = data.encode()
        argv = [_tool("sendmail"), "-C", self.conf_dir, "-i", "-f", sender,
                "--"] + list(rcpts)
        try:
            r = subprocess.run(argv, input=data, capture_output=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PostfixError("sendmail(1) timed out after %ss" % timeout)
        return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")

    # ---- delivery --------------------------------------------------

    def delivered(self):
        """delivered - every complete smtp-sink dump, oldest first."""
        if not os.path.isdir(self.sink_dir):
            return []
        files = [os.path.join(self.sink_dir, n)
                 for n in os.listdir(self.sink_dir)]
        files.sort(key=lambda p: (os.path.getmtime(p), p))
        return [Delivered(p) for p in files]

    def wait_for_delivery(self, count=1, timeout=None, queue_id=None):
        """wait_for_delivery - wait until count messages reached smtp-sink.

        A message counts as delivered once the maillog says status=sent
        for it (the dump file is complete then). queue_id: wait for that
        message only and return just it. Returns the Delivered list, or
        raises PostfixError with the maillog tail at timeout (None: 30 s,
        scaled: the milter in the path may run under valgrind).
        """
        if timeout is None:
            timeout = scaled(30)
        deadline = time.monotonic() + timeout
        rx = re.compile(r"\b([0-9A-F]{6,}|[0-9A-Za-z]{10,}): to=<[^>]*>,"
                        r".*status=sent")
        while True:
            sent = set(m.group(1) for m in rx.finditer(self.maillog()))
            if queue_id is not None:
                if queue_id in sent:
                    for d in self.delivered():
                        if any(re.search(r"\bid %s\b" % queue_id, v)
                               for v in d.header_values("Received")):
                            return [d]
            elif len(sent) >= count:
                got = self.delivered()
                if len(got) >= count:
                    return got
            if time.monotonic() >= deadline:
                raise PostfixError(
                    "no delivery (wanted %s) within %.0fs\n%s" % (
                        queue_id or count, timeout, self.maillog_tail()))
            time.sleep(0.1)

    # ---- queue -----------------------------------------------------

    def postqueue_json(self):
        """postqueue_json - `postqueue -j` records (one dict per message)."""
        out = self._run([_tool("postqueue"), "-c", self.conf_dir,
                         "-j"]).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def queue(self, name=None):
        """queue - queue ids, all or those in queue `name` ("hold"...)."""
        return [r["queue_id"] for r in self.postqueue_json()
                if name is None or r.get("queue_name") == name]

    def hold_queue(self):
        """hold_queue - queue ids in the hold queue."""
        return self.queue("hold")

    def wait_for_queue(self, pred, timeout=None):
        """wait_for_queue - poll postqueue -j until pred(records) is true
        (bounded: timeout, None is 20 s scaled)."""
        deadline = time.monotonic() + (scaled(20) if timeout is None
                                       else timeout)
        while True:
            recs = self.postqueue_json()
            if pred(recs):
                return recs
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def release_hold(self, queue_id="ALL"):
        """release_hold - postsuper -H (move held mail back to the queue)."""
        self._run([_tool("postsuper"), "-c", self.conf_dir, "-H", queue_id])

    def flush(self):
        """flush - postqueue -f (deliver deferred mail now)."""
        self._run([_tool("postqueue"), "-c", self.conf_dir, "-f"])

    def queue_file_headers(self, queue_id):
        """queue_file_headers - headers of a queued (e.g. held) message."""
        out = self._run([_tool("postcat"), "-c", self.conf_dir, "-h", "-q",
                         queue_id]).stdout
        headers, _body = milter_client.split_message(out.encode())
        return headers

    # ---- log -------------------------------------------------------

    def maillog(self):
        """maillog - Postfix's log so far."""
        try:
            with open(self.maillog_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def maillog_tail(self, n=30):
        """maillog_tail - the last n log lines for diagnostics."""
        lines = self.maillog().splitlines()[-n:]
        return "--- postfix maillog tail (%s) ---\n%s" % (
            self.root, "\n".join(lines))

    def wait_for_log(self, pattern, timeout=None, start=0):
        """wait_for_log - poll the maillog for a regex (bounded: timeout,
        None is 10 s scaled)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + (scaled(10) if timeout is None
                                       else timeout)
        while True:
            m = rx.search(self.maillog(), start)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.1)
