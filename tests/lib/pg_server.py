"""pg_server - a private PostgreSQL server for tests (as root).

Exported:
    missing()            None when a server can be started here, else why
    PgServer()           with PgServer() as pg: ...
      .uri               "postgresql:///postgres?host=DIR&user=nobody"
      .stop() / .start() stop and start the same cluster again (fault tests)
      .psql(sql)         run SQL, return stdout (psql -At)

Debian's postgresql package: initdb and pg_ctl from
/usr/lib/postgresql/<version>/bin. The cluster lives in a temp dir owned
by the unprivileged user "nobody" (initdb refuses root), listens on no
TCP port, only on a unix socket in that dir, and trusts local
connections. Every command is bounded in time; the server is stopped
(pg_ctl stop -m immediate) on exit. KEEP_TEST_TMP=1 keeps the dir.
"""

import glob
import os
import pwd
import subprocess

import tmpdir

USER = "nobody"


def _bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return dirs[-1] if dirs else None


def missing():
    """missing - None when a private server can run here, else a reason."""
    if os.geteuid() != 0:
        return "needs root (the server runs as %s)" % USER
    b = _bindir()
    if b is None or not os.access(os.path.join(b, "initdb"), os.X_OK):
        return "PostgreSQL server binaries (package postgresql)"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return "user %s" % USER
    return None


class PgServer:
    """PgServer - one private cluster on a unix socket."""

    def __init__(self):
        self.bin = _bindir()
        self.root = tmpdir.make("authmilter-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        pw = pwd.getpwnam(USER)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chown(self.root, self.uid, self.gid)
        os.chmod(self.root, 0o755)
        self.uri = "postgresql:///postgres?host=%s&user=%s" % (self.root, USER)
        self.running = False
        # never left through __exit__ (a failed start, a killed script):
        # stopped at exit, before the dir goes
        tmpdir.at_exit(self.stop, "immediate")

    def _as_user(self):
        os.setgid(self.gid)
        os.setuid(self.uid)

    def _run(self, args, timeout=60):
        r = subprocess.run(args, capture_output=True, text=True,
                           timeout=timeout, preexec_fn=self._as_user,
                           cwd=self.root)
        if r.returncode != 0:
            raise RuntimeError("%s: %s%s" % (" ".join(args), r.stdout,
                                              r.stderr))
        return r.stdout

    def __enter__(self):
        self._run([os.path.join(self.bin, "initdb"), "-D", self.data,
                   "--auth=trust", "--no-sync", "-U", USER, "-E", "UTF8"],
                  timeout=120)
        self.start()
        return self

    def start(self):
        self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                   self.log, "-w", "-t", "60", "-o",
                   "-k %s -c listen_addresses= -c fsync=off" % self.root,
                   "start"], timeout=90)
        self.running = True

    def stop(self, mode="fast"):
        if self.running:
            self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data,
                       "-w", "-t", "60", "-m", mode, "stop"], timeout=90)
            self.running = False

    def psql(self, sql):
        return self._run([os.path.join(self.bin, "psql"), "-h", self.root,
                          "-U", USER, "-d", "postgres", "-At", "-c", sql])

    def __exit__(self, *exc):
        try:
            self.stop("immediate")
        finally:
            tmpdir.remove(self.root)
        return False
