"""daemon - run the built authmilter binary for a test.

Exported:
    binary()                   path of the daemon: env AUTHMILTER, else
                               $top_builddir/src/authmilter
    missing()                  None when the binary is runnable, else a reason
                               (for TAP.need(check=daemon.missing))
    links_libsystemd(path)     does that binary link libsystemd (can it
                               send READY=1)?
    render_config(options)     {Name: value or [values]} -> config text
    to_postfix_spec(spec)      libmilter "inet:PORT@HOST" -> Postfix
                               "inet:HOST:PORT" (unix: stays as is)
    run(args, timeout=None)    run the binary once (-V, -h, -t) ->
                               CompletedProcess with text stdout/stderr
    Daemon(options=None, socket="inet", ...)
      (binary=PATH runs another program with the same CLI;
      notifies=True/False: does it send READY=1)
      .start() / .stop() / .reload() / .signal(sig) / with Daemon(...) as d
      .terminate(timeout)      SIGTERM and wait: (status, seconds taken)
      .spec                    milter socket spec for MilterClient
      .postfix_spec            the same socket in Postfix's syntax
      .pid, .running(), .returncode
      .log() / .log_lines() / .wait_for_log(regex, timeout) / .log_tail(n)
      .write_config(options)   rewrite the config (then .reload())
      .check_config(options=None) -> CompletedProcess of `authmilter -t -c`
      .client(**kw)            connected MilterClient
      .send_message(raw, **kw) -> milter_client.MessageResult
    DaemonError
    build_testmilter()         compile tests/lib/testmilter.c (a scripted
                               libmilter program for the harness self-tests)
                               into a temp dir -> (path, None) or
                               (None, reason)

Each Daemon gets its own temp dir (config, log, pid file, unix socket),
made with tmpdir.make: cleanup() (and the end of a with-block) stops the
daemon and removes it; a Daemon nobody cleaned up is stopped and its dir
removed when the script exits. Env KEEP_TEST_TMP keeps it (its path is
then shown in errors). The config always gets Socket, AuthservID
(mx.test.example), LogTo stderr, LogLevel debug, PidFile (and RunAsRoot
yes when run as root) unless the options override them; an option whose value is None is left out.

start() waits (bounded by start_timeout) until start-up has ended: it
passes NOTIFY_SOCKET, a datagram socket in the temp dir, and waits for the
daemon's READY=1 (sd_notify), sent once the resolver, PID file,
privilege drop and libmilter's listener are done. Waiting for the socket to accept, as it once did,
returned right after the listen, before all that (tests counting
descriptors or reading the PID file raced with the rest, by seconds under
valgrind), and its connection showed up in tests counting connections.
Another program (binary=, command=: testmilter, OpenDKIM, or the daemon
behind a wrapper script) cannot be assumed to notify, nor can a daemon
built without libsystemd, nor one whose test set NOTIFY_SOCKET itself
(test_sd_notify): for those start() still waits until the socket accepts
a connection. Either way, if the process exits first, DaemonError carries
the log tail. stop() sends SIGTERM
to the PID we started, waits up to `stop_timeout` seconds, then SIGKILL;
it never signals anything else. stderr and stdout go to <tmp>/authmilter.log.

env AUTHMILTER_WRAPPER, when set, is a command prefix (e.g.
"valgrind --error-exitcode=99 --leak-check=full") put before the binary;
the wrapper must exec the daemon in the same process (valgrind does) so
signals still reach it.

Every timeout left to its default (start_timeout, stop_timeout, run's,
wait_for_log's, the milter reply timeout) is stretched by time_scale:
the runs under valgrind and the sanitizers set AUTHMILTER_TEST_TIME_SCALE.
A timeout a caller passes is used as given.
"""

import os
import re
import shlex
import shutil
import signal as _signal
import socket
import subprocess
import time

import dns_servfail
import milter_client
import tmpdir as _tmpdir
from time_scale import scaled

DEFAULT_AUTHSERV_ID = "mx.test.example"


class DaemonError(Exception):
    """DaemonError - the daemon did not start or stop as expected."""


def binary():
    """binary - path of the authmilter binary under test."""
    path = os.environ.get("AUTHMILTER")
    if path:
        return path
    top = os.environ.get("top_builddir") or os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    return os.path.join(top, "src", "authmilter")


def missing(path=None):
    """missing - None when the daemon binary can run, else a reason."""
    path = path or binary()
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return "the built daemon (%s; set AUTHMILTER)" % path
    return None


def pid_alive(pid):
    """pid_alive - pid is a running process, not a zombie (the daemon in
    the background is not our child, so we cannot wait for it)"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_pid(pid, timeout):
    """stop_pid - end a process we started, by its pid: SIGTERM, then
    SIGKILL if it is still there after timeout seconds. True only when
    it was running and ended on the SIGTERM (a test of a clean stop
    must not pass for a process that had already died)."""
    if pid is None or not pid_alive(pid):
        return False
    os.kill(pid, _signal.SIGTERM)
    end = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, _signal.SIGKILL)
        return False
    return True


def memory_kib(pid, field="VmRSS"):
    """memory_kib - a process's memory figure from /proc/PID/status in KiB
    (VmRSS: resident now, VmHWM: its peak), 0 when it is not there"""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_unreliable():
    """rss_unreliable - why resident-memory bounds mean nothing for this
    run, or None. Under AddressSanitizer (tests/ci-sanitize.sh sets
    ASAN_OPTIONS) or valgrind (AUTHMILTER_WRAPPER) RSS measures the tool's
    allocator (quarantine, shadow memory, arenas) rather than ours: under
    valgrind the 5,000-message soak grew 0 KiB in one run and over 1 MiB
    in another. Both tools check leaks themselves, and the plain run of
    the suite checks the bounds."""
    if os.environ.get("ASAN_OPTIONS"):
        return ("RSS under AddressSanitizer measures its allocator; "
                "LeakSanitizer checks leaks instead")
    if "valgrind" in os.environ.get("AUTHMILTER_WRAPPER", ""):
        return ("RSS under valgrind measures its allocator; memcheck "
                "checks leaks instead")
    return None


def render_config(options):
    """render_config - dict of options -> "Name value" config text."""
    lines = ["# written by tests/lib/daemon.py"]
    for name, value in options.items():
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, bool):
                v = "yes" if v else "no"
            lines.append("%s %s" % (name, v))
    return "\n".join(lines) + "\n"


def to_postfix_spec(spec):
    """to_postfix_spec - libmilter socket spec -> Postfix smtpd_milters form.

    libmilter writes inet:PORT@HOST; Postfix wants inet:HOST:PORT (an IPv6
    host in brackets). unix:/path stays.
    """
    family, addr = milter_client.parse_socket_spec(spec)
    if family == socket.AF_UNIX:
        return "unix:" + addr
    host, port = addr[0], addr[1]
    if family == socket.AF_INET6:
        return "inet:[%s]:%d" % (host, port)
    return "inet:%s:%d" % (host, port)


def _command(path=None):
    """_command - wrapper prefix + binary as an argv list."""
    wrap = os.environ.get("AUTHMILTER_WRAPPER", "").strip()
    return (shlex.split(wrap) if wrap else []) + [path or binary()]


_links_libsystemd_cache = {}


def links_libsystemd(path):
    """links_libsystemd - does the binary at path need libsystemd, so that
    it can send READY=1? A build without it (configure --without-systemd)
    never does. The ELF's list of needed libraries names it; a missing or
    unreadable file counts as no."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _links_libsystemd_cache:
        with open(path, "rb") as f:
            _links_libsystemd_cache[key] = b"libsystemd.so." in f.read()
    return _links_libsystemd_cache[key]


def run(args, timeout=None, path=None, **kw):
    """run - run the binary (or path) once with args; bounded by timeout
    (None: 30 s, scaled)."""
    if timeout is None:
        timeout = scaled(30)
    return subprocess.run(_command(path) + list(args), capture_output=True,
                          text=True, timeout=timeout, errors="replace", **kw)


_testmilter_cache = {}


def build_testmilter(cc=None):
    """build_testmilter - compile testmilter.c once per process.

    Returns (path, None) on success, (None, reason) when no compiler or no
    libmilter is there or the build failed. The binary lives in a temp dir
    removed at interpreter exit.
    """
    if "path" in _testmilter_cache:
        return _testmilter_cache["path"], _testmilter_cache["why"]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "testmilter.c")
    cc = cc or os.environ.get("CC") or "cc"
    path, why = None, None
    if shutil.which(cc.split()[0]) is None:
        why = "a C compiler (%s)" % cc
    elif not os.path.exists("/usr/include/libmilter/mfapi.h"):
        why = "libmilter-dev (/usr/include/libmilter/mfapi.h)"
    else:
        d = _tmpdir.make("testmilter-")
        out = os.path.join(d, "testmilter")
        r = subprocess.run(shlex.split(cc) + [
            "-std=c11", "-D_GNU_SOURCE", "-Wall", "-o", out, src,
            "-lmilter", "-pthread"], capture_output=True, text=True,
            timeout=120)
        if r.returncode == 0:
            path = out
        else:
            why = "a working testmilter build: " + r.stderr.strip()[-500:]
    _testmilter_cache.update(path=path, why=why)
    return path, why


class Daemon:
    """Daemon - one authmilter process with its own config and temp dir."""

    def __init__(self, options=None, socket="inet", start_timeout=None,
                 stop_timeout=None, args=(), env=None, tmpdir=None,
                 binary=None, command=None, defaults=None, notifies=None):
        """Daemon - prepare (not start) a daemon.

        options: {Name: value}; merged over the defaults.
        socket: "inet" (free 127.0.0.1 port), "inet6" (free ::1 port),
            "unix" (<tmp>/authmilter.sock) or a full spec string.
        args: extra command-line arguments; env: extra environment.
        binary: run this program instead of binary() (harness self-tests).
        command: full argv template for another milter, "{conf}" stands
            for the config path (e.g. ["opendkim", "-x", "{conf}", "-f"]);
            defaults: replaces defaults() for such a program (a dict that
            may use "{spec}", "{pid}" and "{tmp}" placeholders).
        notifies: does the program send READY=1 to NOTIFY_SOCKET? None:
            only authmilter itself (neither binary= nor command=), when
            built with libsystemd (see module doc).
        start_timeout, stop_timeout: seconds; None is 15 and 20 stretched
            by time_scale (a slow run starts and stops slowly too).
        """
        self.binary = binary
        self.command = command
        self._defaults = defaults
        self.tmp = tmpdir or _tmpdir.make("authmilter-test-")
        os.chmod(self.tmp, 0o755)
        self._own_tmp = tmpdir is None
        self.proc = None
        self.returncode = None
        self._logf = None
        # a caller that never stops us: stopped at exit, before the dir goes
        _tmpdir.at_exit(self.stop)
        self.conf_path = os.path.join(self.tmp, "authmilter.conf")
        self.log_path = os.path.join(self.tmp, "authmilter.log")
        self.pid_path = os.path.join(self.tmp, "authmilter.pid")
        self.spec = self._make_spec(socket)
        self.postfix_spec = to_postfix_spec(self.spec)
        self.start_timeout = scaled(15) if start_timeout is None \
            else start_timeout
        self.stop_timeout = scaled(20) if stop_timeout is None \
            else stop_timeout
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.notifies = notifies
        self.killed = False
        self.options = {}
        self.write_config(options or {})

    def _make_spec(self, kind):
        """_make_spec - the milter socket spec for this daemon."""
        if kind == "inet":
            return "inet:%d@127.0.0.1" % milter_client.free_port()
        if kind == "inet6":
            return "inet6:%d@::1" % milter_client.free_port(
                socket.AF_INET6, "::1")
        if kind == "unix":
            return "unix:" + os.path.join(self.tmp, "authmilter.sock")
        return kind

    def defaults(self):
        """defaults - options every test daemon gets unless overridden."""
        if self._defaults is not None:
            return {k: v.format(spec=self.spec, pid=self.pid_path,
                                tmp=self.tmp) if isinstance(v, str) else v
                    for k, v in self._defaults.items()}
        # DNS goes to a stub on loopback that answers SERVFAIL at once
        # (dns_servfail.py) unless a test names its own server: tests
        # never wait on, or send to, the machine's real resolver.
        # Tests run as root in CI without a UserID: the daemon refuses
        # that unless RunAsRoot says yes (test_security covers the refusal).
        return {"Socket": self.spec, "AuthservID": DEFAULT_AUTHSERV_ID,
                "LogTo": "stderr", "LogLevel": "debug",
                "PidFile": self.pid_path,
                "Nameservers": "127.0.0.1@%d" % dns_servfail.port(),
                "DNSTimeout": "2s",
                "RunAsRoot": True if os.geteuid() == 0 else None}

    def write_config(self, options):
        """write_config - (re)write the config file from defaults+options."""
        merged = self.defaults()
        merged.update(options)
        self.options = merged
        with open(self.conf_path + ".new", "w") as f:
            f.write(render_config(merged))
        os.replace(self.conf_path + ".new", self.conf_path)
        return self.conf_path

    def check_config(self, options=None):
        """check_config - run `authmilter -t -c FILE` on a config.

        options None checks the current config file; a dict is written to
        a separate file first (the daemon's own config is untouched).
        """
        path = self.conf_path
        if options is not None:
            path = os.path.join(self.tmp, "check.conf")
            merged = self.defaults()
            merged.update(options)
            with open(path, "w") as f:
                f.write(render_config(merged))
        return run(["-t", "-c", path], path=self.binary)

    # ---- process control -----------------------------------------

    def start(self):
        """start - spawn the daemon and wait until it has started: until
        its READY=1, else until its socket accepts (module doc)."""
        if self.proc is not None:
            raise DaemonError("already started")
        if self.command:
            argv = [a.replace("{conf}", self.conf_path)
                    for a in self.command] + self.args
        else:
            why = missing(self.binary)
            if why:
                raise DaemonError("cannot start: missing " + why)
            argv = _command(self.binary) + ["-c", self.conf_path, "-f"] + \
                self.args
        self._logf = open(self.log_path, "ab")
        listener = self._ready_listener()
        env = self.env
        if listener is not None:
            env = dict(self.env, NOTIFY_SOCKET=listener.getsockname())
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=self._logf,
                                         stderr=self._logf, env=env,
                                         cwd=self.tmp)
            if listener is not None:
                up, what = self._wait_ready(listener), "send READY=1"
            else:
                up = milter_client.wait_for_socket(
                    self.spec, self.start_timeout, self.proc)
                what = "accept on %s" % self.spec
        finally:
            self._close_listener(listener)
        if not up:
            rc = self.proc.poll()
            self.stop()
            raise DaemonError(
                "authmilter did not %s within %.0fs (%s)\n%s"
                % (what, self.start_timeout,
                   "exit status %s" % rc if rc is not None else "running",
                   self.log_tail()))
        return self

    def _ready_listener(self):
        """_ready_listener - the bound datagram socket the daemon is to
        send READY=1 to, or None when start() must wait for the milter
        socket instead (see the module doc)."""
        notifies = self.notifies
        if notifies is None:
            notifies = self.binary is None and self.command is None and \
                links_libsystemd(binary())
        path = os.path.join(self.tmp, "ready-notify.sock")
        # a NOTIFY_SOCKET the test set (env= or self.env) is its to read;
        # one inherited from whatever runs the suite is replaced by ours
        own = self.env.get("NOTIFY_SOCKET")
        # sun_path holds 108 bytes, the terminating NUL included
        if not notifies or (own is not None and
                            own != os.environ.get("NOTIFY_SOCKET")) \
                or len(os.fsencode(path)) > 107:
            return None
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s.bind(path)
        # sent after the privilege drop (UserID): any user may write
        os.chmod(path, 0o777)
        return s

    def _wait_ready(self, listener):
        """_wait_ready - True once READY=1 arrives; False when the process
        exits without it (what it sent before is read first) or
        start_timeout passes. Only for -f: without it the starting
        process exits before the daemon's READY=1, and stop() would
        signal that process, not the daemon."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            exited = self.proc.poll() is not None
            left = deadline - time.monotonic()
            listener.settimeout(0 if exited else max(0.0, min(left, 0.1)))
            try:
                note = listener.recv(4096)
            except (BlockingIOError, socket.timeout):
                note = None
            if note is not None and b"READY=1" in note.split(b"\n"):
                return True
            if note is None and (exited or left <= 0):
                return False

    def _close_listener(self, listener):
        """_close_listener - gone once start() returns: the daemon's later
        notes (STATUS= every 10 s) then fail at once, where a socket
        nobody reads would fill up and block the sender."""
        if listener is None:
            return
        path = listener.getsockname()
        listener.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def read_pid_file(self, timeout=None):
        """read_pid_file - the PID in PidFile, or None. The daemon writes
        it just after its socket listens, so a start() that waited for
        the socket (not for READY=1) can return first (by a lot under
        valgrind): wait up to timeout for it."""
        deadline = time.monotonic() + (self.start_timeout
                                       if timeout is None else timeout)
        while True:
            try:
                with open(self.pid_path) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except (OSError, ValueError):
                pass
            if time.monotonic() >= deadline or not self.running():
                return None
            time.sleep(0.02)

    def running(self):
        """running - True while the started process has not exited."""
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        """signal - send sig to the daemon's PID (only ours)."""
        if not self.running():
            raise DaemonError("daemon not running")
        os.kill(self.proc.pid, sig)

    def reload(self):
        """reload - SIGHUP."""
        self.signal(_signal.SIGHUP)

    def terminate(self, timeout):
        """terminate - SIGTERM, then wait up to timeout for the exit;
        returns (status or None, seconds it took) for tests of how long a
        stop takes."""
        start = time.monotonic()
        self.signal(_signal.SIGTERM)
        rc = self.wait(timeout)
        return rc, time.monotonic() - start

    def wait(self, timeout):
        """wait - wait up to timeout for exit; returns the status or None."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def _wait_stopping(self, timeout):
        """_wait_stopping - wait() after a stop signal. Another libmilter
        program (binary= or command=: testmilter, OpenDKIM) is poked on
        its socket every 0.1 s meanwhile, or its listener would notice
        the stop only after its 5 s select timeout; authmilter is left
        alone (it wakes its own listener, src/milter/milter_stop.c, and
        tests read what it logs about connections)."""
        if self.binary is None and self.command is None:
            return self.wait(timeout)
        self.returncode = milter_client.wait_poking(self.proc, self.spec, timeout)
        return self.returncode

    def stop(self, sig=_signal.SIGTERM):
        """stop - SIGTERM (or sig), wait, SIGKILL after stop_timeout.

        Returns the exit status (negative signal number when killed).
        """
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            if self._wait_stopping(self.stop_timeout) is None:
                self.killed = True
                os.kill(self.proc.pid, _signal.SIGKILL)
                self.wait(self.stop_timeout)
        self.returncode = self.proc.poll()
        self.proc = None
        if self._logf:
            self._logf.close()
            self._logf = None
        return self.returncode

    def cleanup(self):
        """cleanup - stop and remove the temp dir (kept with KEEP_TEST_TMP)."""
        self.stop()
        if self._own_tmp:
            _tmpdir.remove(self.tmp)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # ---- log ------------------------------------------------------

    def log(self):
        """log - everything the daemon wrote to stderr/stdout so far."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        """log_lines - the log as a list of lines."""
        return self.log().splitlines()

    def log_tail(self, n=30):
        """log_tail - last n log lines, for diagnostics."""
        lines = self.log_lines()[-n:]
        keep = " (kept in %s)" % self.tmp if os.environ.get(
            "KEEP_TEST_TMP") else ""
        return "--- authmilter log tail%s ---\n%s" % (keep, "\n".join(lines))

    def wait_for_log(self, pattern, timeout=None, start=0):
        """wait_for_log - poll the log for a regex (bounded: timeout, None
        is 5 s scaled).

        start: ignore the first `start` characters (e.g. len(d.log())
        taken before an action). Returns the match object or None.
        """
        rx = re.compile(pattern)
        if timeout is None:
            timeout = scaled(5)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), start)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.05)

    # ---- milter shortcuts ----------------------------------------

    def client(self, timeout=None, **kw):
        """client - a connected MilterClient for this daemon."""
        return milter_client.MilterClient(self.spec, timeout=timeout,
                                          **kw).connect()

    def send_message(self, raw, timeout=None, **kw):
        """send_message - one message on a new connection."""
        return milter_client.send_message(self.spec, raw, timeout=timeout,
                                          **kw)
