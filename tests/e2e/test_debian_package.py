#!/usr/bin/python3
"""test_debian_package - the Debian package (debian/, debhelper 13) from
build to purge, on this machine:

- dpkg-buildpackage -us -uc -b in a copy of the source tree (the tree
  itself stays clean), DEB_BUILD_OPTIONS="parallel=2 nocheck";
- lintian reports no error (warnings are shown);
- the .deb holds the daemon, authcheck, authmilter-migrate, their man
  pages, /etc/authmilter/authmilter.conf as a conffile, /var/lib/authmilter
  and the systemd unit (Type=notify, /usr/sbin paths), plus the report
  job's service and timer when contrib/ has them;
- apt-get install ./authmilter_*.deb creates the authmilter user and gives
  it /var/lib/authmilter; authmilter -t accepts the installed config;
- /usr/sbin/authmilter started as the unit starts it (-f -c, as root, the
  installed config with only Socket moved to a free loopback port and DNS
  pointed at a dead loopback port) drops to authmilter and serves one
  message through the milter protocol;
- apt-get purge removes every file and directory the package brought;
  what Debian policy keeps stays: the authmilter user and group.

It installs a package system-wide, so it runs as root under CI=true only
(elsewhere it is skipped with the reason), refuses to touch an authmilter
package installed before it, and purges in a finally block. Under the
sanitizer runs (tests/ci-sanitize.sh) it is skipped: it builds and runs the
package's own binary, not the sanitized one, so a second run there would
test nothing new. The package build compiles everything again (without
the unit tests): 16-24 s on 2 shared cores here, the whole test 35-65 s.
"""

import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import daemon  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP, ci  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.normpath(
    os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("top_builddir") or SRC
CONF = "/etc/authmilter/authmilter.conf"
BUILD_TIMEOUT = 1500
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

PLAIN = (b"From: Alice <alice@example.org>\r\n"
         b"To: bob@example.net\r\n"
         b"Subject: hello\r\n"
         b"Message-ID: <1@example.org>\r\n"
         b"\r\n"
         b"Hello Bob.\r\n")

NAMES = ["dpkg-buildpackage -us -uc -b builds authmilter_*.deb",
         "lintian reports no errors",
         "the .deb holds daemon, authcheck, migrate, man pages, unit, dirs",
         "/etc/authmilter/authmilter.conf is a conffile",
         "the unit is Type=notify and runs /usr/sbin/authmilter",
         "the report timer is not enabled while the config has no "
         "ReportContact",
         "apt-get install ./authmilter_*.deb",
         "the authmilter system user exists, owns /var/lib/authmilter 0750",
         "authmilter -t accepts the installed config (default -c path)",
         "the installed daemon drops to authmilter and serves one message",
         "the installed daemon stops cleanly on SIGTERM",
         "apt-get purge -y authmilter",
         "nothing the package brought is left after purge",
         "the authmilter user stays after purge (Debian policy)"]


def sh(argv, timeout=300, **kw):
    """sh - run argv, capture text output; bounded."""
    return subprocess.run(argv, capture_output=True, text=True,
                          errors="replace", timeout=timeout, **kw)


def copy_tree(dest):
    """copy_tree - the source files into dest (git's list, else make dist);
    returns None or the reason it failed."""
    if os.path.isdir(os.path.join(SRC, ".git")) or os.path.isfile(
            os.path.join(SRC, ".git")):
        files = sh(["git", "-C", SRC, "ls-files", "-co", "--exclude-standard",
                    "-z"])
        if files.returncode != 0:
            return "git ls-files: " + files.stderr
        for name in files.stdout.split("\0"):
            if not name or not os.path.lexists(os.path.join(SRC, name)):
                continue
            os.makedirs(os.path.join(dest, os.path.dirname(name)),
                        exist_ok=True)
            shutil.copy2(os.path.join(SRC, name), os.path.join(dest, name),
                         follow_symlinks=False)
        return None
    # a release tarball (no git): make dist writes the list we need
    r = sh(["make", "-C", BUILD, "dist-gzip", "distdir=pkgtest-src"],
           timeout=600)
    tarball = os.path.join(BUILD, "pkgtest-src.tar.gz")
    if r.returncode != 0 or not os.path.exists(tarball):
        return "make dist: " + (r.stdout + r.stderr)[-2000:]
    r = sh(["tar", "-xzf", tarball, "-C", dest, "--strip-components=1"])
    os.unlink(tarball)
    return None if r.returncode == 0 else "tar: " + r.stderr


def build(t, work):
    """build - the package in work/src; the .deb path or None."""
    src = os.path.join(work, "src")
    os.makedirs(src)
    why = copy_tree(src)
    if why:
        t.ok(False, NAMES[0], diag=why)
        return None
    env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2 nocheck")
    for k in ("CFLAGS", "LDFLAGS", "CPPFLAGS", "MAKEFLAGS", "MFLAGS"):
        env.pop(k, None)
    t0 = time.monotonic()
    r = sh(["nice", "dpkg-buildpackage", "-us", "-uc", "-b"],
           timeout=BUILD_TIMEOUT, cwd=src, env=env)
    debs = glob.glob(os.path.join(work, "authmilter_*.deb"))
    t.ok(r.returncode == 0 and len(debs) == 1, NAMES[0],
         diag=(r.stdout + r.stderr)[-4000:])
    t.diag("package build took %.0f s" % (time.monotonic() - t0))
    return debs[0] if r.returncode == 0 and len(debs) == 1 else None


def inspect(t, deb):
    """inspect - lintian and the contents, before anything is installed."""
    r = sh(["lintian", "--no-tag-display-limit", deb], timeout=600)
    errors = [ln for ln in r.stdout.splitlines() if ln.startswith("E:")]
    t.ok(not errors and r.returncode in (0, 1) and
         "E:" not in r.stderr, NAMES[1], diag=r.stdout + r.stderr)
    if r.stdout.strip():
        t.diag("lintian:\n" + r.stdout.strip())
    listing = sh(["dpkg-deb", "-c", deb]).stdout
    want = ["./usr/sbin/authmilter", "./usr/sbin/authmilter-migrate",
            "./usr/bin/authcheck", "./usr/share/man/man8/authmilter.8.gz",
            "./usr/share/man/man5/authmilter.conf.5.gz",
            "./usr/share/man/man8/authmilter-migrate.8.gz",
            "./usr/share/man/man1/authcheck.1.gz", "." + CONF,
            "./var/lib/authmilter/", "./lib/systemd/system/authmilter.service"]
    if os.path.exists(os.path.join(SRC, "contrib", "authmilter-report.timer")):
        # the report job's units go in once the source has them
        want += ["./lib/systemd/system/authmilter-report.service",
                 "./lib/systemd/system/authmilter-report.timer"]
    have = set(ln.split()[-1] for ln in listing.splitlines() if ln.split())
    missing = [w for w in want if w not in have]
    t.ok(not missing, NAMES[2], diag="missing: %r\n%s" % (missing, listing))
    conffiles = sh(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    t.ok(CONF in conffiles, NAMES[3], diag=repr(conffiles))
    unit = sh(["dpkg-deb", "--fsys-tarfile", deb]).returncode == 0 and \
        subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -xOf - "
                       "./lib/systemd/system/authmilter.service" % deb,
                       shell=True, capture_output=True, text=True,
                       timeout=60).stdout
    t.ok(re.search(r"^Type=notify$", unit, re.M) and
         re.search(r"^ExecStart=/usr/sbin/authmilter -f -c %s$" % CONF,
                   unit, re.M) and "/usr/local" not in unit, NAMES[4],
         diag=unit)
    # the report job fails (status 2) on every run without ReportContact,
    # which the shipped config leaves unset: its timer waits for the admin
    ctl = os.path.join(os.path.dirname(deb), "control")
    shutil.rmtree(ctl, ignore_errors=True)
    sh(["dpkg-deb", "-e", deb, ctl])
    try:
        with open(os.path.join(ctl, "postinst")) as f:
            postinst = f.read()
    except OSError:
        postinst = ""
    conf = subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -xOf - .%s"
                          % (deb, CONF), shell=True, capture_output=True,
                          text=True, timeout=60).stdout
    t.ok(postinst and (re.search(r"^ReportContact\s", conf, re.M) or
                       not timer_enabled(postinst)), NAMES[5], diag=postinst)


def timer_enabled(postinst):
    """timer_enabled - does this postinst start the report timer, or
    enable it on a first install? (dh_installsystemd --no-enable keeps
    only the re-enable of an upgrade, under "debian-installed")"""
    timer = "'authmilter-report.timer'"
    lines = postinst.splitlines()
    started = any("deb-systemd-invoke" in ln and timer in ln for ln in lines)
    enabled = any(re.search(r"deb-systemd-helper enable " + timer, ln)
                  for ln in lines)
    return started or (enabled and "debian-installed " + timer not in
                       postinst)


def deb_paths(deb):
    """deb_paths - every path the .deb unpacks, plus the state directory
    and the config directory the package makes, as absolute paths."""
    listing = sh(["dpkg-deb", "-c", deb]).stdout
    paths = {os.path.normpath("/" + ln.split()[5].lstrip("."))
             for ln in listing.splitlines() if len(ln.split()) >= 6}
    return sorted(paths | {"/etc/authmilter", "/var/lib/authmilter"})


def set_option(text, name, value):
    """set_option - the config text with `name value` set (once)."""
    line = "%s %s" % (name, value)
    rx = re.compile(r"^%s\s.*$" % name, re.M)
    if rx.search(text):
        return rx.sub(line.replace("\\", "\\\\"), text, count=1)
    return text + line + "\n"


def serve_one(t):
    """serve_one - the installed daemon as the unit runs it, one message."""
    with open(CONF) as f:
        text = f.read()
    d = daemon.Daemon(command=["/usr/sbin/authmilter", "-f", "-c", "{conf}"],
                      defaults={})
    text = set_option(text, "Socket", d.spec)
    # syslog may not run here; DNS goes to a dead loopback port (no test
    # talks to the machine's resolver)
    text = set_option(text, "LogTo", "stderr")
    text = set_option(text, "Nameservers", "127.0.0.1@9")
    text = set_option(text, "DNSTimeout", "100ms")
    with open(d.conf_path, "w") as f:
        f.write(text)
    try:
        try:
            d.start()
        except daemon.DaemonError as e:
            t.ok(False, NAMES[9], diag=str(e))
            t.skip(NAMES[10], "the daemon did not start")
            return
        user = pwd.getpwnam("authmilter")
        d.wait_for_log(r"running as authmilter", 10)
        with open("/proc/%d/status" % d.pid) as f:
            uids = [ln.split()[1:] for ln in f if ln.startswith("Uid:")]
        res = d.send_message(PLAIN)
        t.ok(res is not None and res.verdict == "continue" and
             any(v.strip() for v in
                 res.header_values("Authentication-Results")) and
             uids and all(int(u) == user.pw_uid for u in uids[0]),
             NAMES[9], diag=lambda: "uids %r\n%s" % (uids, d.log_tail()))
        d.signal(15)
        t.is_eq(d.wait(20), 0, NAMES[10])
    finally:
        d.stop()
        d.cleanup()


def unit_state():
    """unit_state - the unit's enablement links and deb-systemd-helper's
    records of them (dh_installsystemd's postinst makes them)."""
    return set(glob.glob("/etc/systemd/system/*/authmilter*") + glob.glob(
        "/var/lib/systemd/deb-systemd-helper-*/**/*authmilter*",
        recursive=True))


def install_run_purge(t, deb):
    """install_run_purge - install, run, and always purge."""
    paths = deb_paths(deb)
    # what was there before (/usr/sbin, ...) may stay; nothing else
    before = {p for p in paths if os.path.lexists(p)}
    before_units = unit_state()
    try:
        r = sh(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                os.path.abspath(deb)], timeout=600, env=APT_ENV)
        t.ok(r.returncode == 0, NAMES[6], diag=(r.stdout + r.stderr)[-3000:])
        if r.returncode != 0:
            t.skip_rest("the package did not install", NAMES[7:11])
            return
        st = os.stat("/var/lib/authmilter")
        try:
            user = pwd.getpwnam("authmilter")
        except KeyError:
            user = None
        t.ok(user is not None and st.st_uid == user.pw_uid and
             (st.st_mode & 0o777) == 0o750, NAMES[7],
             diag="uid %d mode %o" % (st.st_uid, st.st_mode))
        r = sh(["/usr/sbin/authmilter", "-t"])
        t.ok(r.returncode == 0 and "configuration OK" in r.stderr and
             "Socket inet:8891@127.0.0.1" in r.stdout, NAMES[8],
             diag=r.stderr)
        serve_one(t)
    finally:
        r = sh(["apt-get", "purge", "-y", "-q", "authmilter"], timeout=600,
               env=APT_ENV)
        t.ok(r.returncode == 0, NAMES[11], diag=(r.stdout + r.stderr)[-3000:])
    left = [p for p in paths if p not in before and os.path.lexists(p)]
    # the unit's enablement links and deb-systemd-helper's state go too
    left += sorted(unit_state() - before_units)
    t.ok(not left and sh(["dpkg", "-s", "authmilter"]).returncode != 0,
         NAMES[12], diag=repr(left))
    try:
        pwd.getpwnam("authmilter")
        kept = True
    except KeyError:
        kept = False
    t.ok(kept, NAMES[13])


def main():
    t = TAP()
    if os.environ.get("ASAN_OPTIONS") or os.environ.get("AUTHMILTER_WRAPPER"):
        t.skip_rest("sanitizer run: the package's own binary is not the "
                    "sanitized one; the plain make check runs this", NAMES)
        t.done()
    if not ci():
        t.skip_rest("installs a package system-wide: runs as root under "
                    "CI=true only", NAMES)
        t.done()
    if not t.need(root=True, tools=["dpkg-buildpackage", "dh", "lintian",
                                    "apt-get", "dpkg-deb"],
                  what="the Debian package test", tests=NAMES):
        t.done()
    if sh(["dpkg", "-s", "authmilter"]).returncode == 0:
        t.bail("an authmilter package is installed already; "
               "this test will not replace or purge it")
    work = tmpdir.make("authmilter-deb-")
    os.chmod(work, 0o755)   # apt's sandbox user reads the .deb from here
    try:
        deb = build(t, work)
        if deb is None:
            t.skip_rest("no package was built", NAMES[1:])
            t.done()
        inspect(t, deb)
        install_run_purge(t, deb)
    finally:
        tmpdir.remove(work)
    t.done()


if __name__ == "__main__":
    main()
