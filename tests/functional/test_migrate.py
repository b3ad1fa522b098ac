#!/usr/bin/python3
"""test_migrate - authmilter-migrate turns OpenDKIM + OpenDMARC setups into
an authmilter.conf that `authmilter -t` accepts, lists every option it
cannot carry over (on stderr and as comments), and - for a signing setup
(KeyTable, refile: SigningTable, keys, InternalHosts file) - signs the way
OpenDKIM does: a message from an internal client gets a signature with the
same d=, s=, c= and oversigned From from both, and authmilter's verifies.

Parts:
  1. Debian 12's default /etc/opendkim.conf and /etc/opendmarc.conf
     (copied to tests/migrate/) migrate and are accepted.
  2. A signing setup with options that cannot be carried over.
  3. Real OpenDKIM and authmilter (migrated config) sign the same
     messages from an internal client.
  4. Errors: a missing file given on the command line, an unreadable
     host list, a value authmilter would refuse."""

import base64
import ipaddress
import os
import pwd
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("top_builddir") or SRC
MIGRATE = os.environ.get("AUTHMILTER_MIGRATE") or os.path.join(
    BUILD, "src", "authmilter-migrate")
FIXTURES = os.path.join(SRC, "tests", "migrate")

t = TAP()


def migrate(*args):
    return subprocess.run([MIGRATE] + list(args), capture_output=True,
                          text=True, timeout=60)


def settings(text, lower=True):
    """{name: value} of the active lines of a config text (names in
    lower case unless lower is False)."""
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.strip().partition(" ")
            out[name.lower() if lower else name] = value.strip()
    return out


def check_t(path):
    return daemon.run(["-t", "-c", path])


def missing():
    if not os.access(MIGRATE, os.X_OK):
        return "the built %s" % MIGRATE
    return daemon.missing()


def debian_defaults():
    names = ["Debian defaults: exit status 0", "Debian defaults: "
             "authmilter -t accepts the result",
             "Debian defaults: socket local: -> unix:",
             "Debian defaults: Canonicalization, OversignHeaders, "
             "TrustAnchorFile carried", "Debian defaults: RejectFailures "
             "off -> DMARCRejectAction mark, rfc7489 with the PSL file",
             "Debian defaults: OpenDMARC's second Socket/UserID/PidFile/"
             "UMask listed on stderr and in the file"]
    need = lambda: missing() or (None if all(  # noqa: E731
        _user(u) for u in ("opendkim", "opendmarc")) else
        "the opendkim and opendmarc users (Debian packages)")
    if not t.need(check=need, what="migration of Debian defaults",
                  tests=names):
        return
    tmp = tmpdir.make("migrate-test-")
    try:
        out = os.path.join(tmp, "authmilter.conf")
        r = migrate("-k", os.path.join(FIXTURES, "debian-opendkim.conf"),
                    "-m", os.path.join(FIXTURES, "debian-opendmarc.conf"),
                    "-o", out)
        t.is_eq(r.returncode, 0, names[0])
        text = open(out).read() if os.path.exists(out) else ""
        c = check_t(out)
        t.ok(c.returncode == 0, names[1], diag=c.stderr + text)
        s = settings(text)
        t.is_eq(s.get("socket"), "unix:/run/opendkim/opendkim.sock", names[2])
        t.ok(s.get("canonicalization") == "relaxed/simple" and
             s.get("oversignheaders") == "From" and
             s.get("trustanchorfile") == "/usr/share/dns/root.key", names[3],
             diag=repr(s))
        t.ok(s.get("dmarcrejectaction") == "mark" and
             s.get("dmarcmode") == "rfc7489" and
             s.get("pslfile") == "/usr/share/publicsuffix/"
             "public_suffix_list.dat", names[4], diag=repr(s))
        listed = [o for o in ("Socket", "UserID", "PidFile", "UMask")
                  if re.search(r"opendmarc\.conf:\d+: %s " % o, r.stderr) and
                  re.search(r"^#   .*opendmarc\.conf:\d+: %s " % o, text, re.M)]
        t.is_eq(len(listed), 4, names[5])
    finally:
        tmpdir.remove(tmp)


def _user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def make_key(path):
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"],
                   capture_output=True, check=True, timeout=60)
    os.chmod(path, 0o600)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout",
                          "-outform", "DER"], capture_output=True,
                         check=True, timeout=60).stdout
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


# OpenDKIM options of the signing setup (what an admin would have), with
# ones that cannot be carried over mixed in.
ODK = [("Syslog", "yes"), ("SyslogSuccess", "yes"),
       ("Canonicalization", "relaxed/simple"), ("OversignHeaders", "From"),
       ("Mode", "sv"), ("KeyTable", "file:{tmp}/KeyTable"),
       ("SigningTable", "refile:{tmp}/SigningTable"),
       ("InternalHosts", "{tmp}/TrustedHosts"),
       ("ExternalIgnoreList", "{tmp}/TrustedHosts"),
       ("AutoRestart", "yes"), ("Background", "no"),
       # the keys sit under /tmp, which OpenDKIM's safe-key walk refuses
       ("RequireSafeKeys", "false"),
       ("Socket", "inet:{port}@[127.0.0.1]")]
ODM = [("AuthservID", "mx.example.com"), ("RejectFailures", "true"),
       ("HoldQuarantinedMessages", "true"),
       ("IgnoreAuthenticatedClients", "true"), ("SPFSelfValidate", "true"),
       ("FailureReports", "true"), ("TrustedAuthservIDs", "mx.other.example"),
       ("IgnoreHosts", "{tmp}/TrustedHosts"),
       ("RejectString", "rejected by DMARC policy for %s"),
       ("HistoryFile", "/run/opendmarc/opendmarc.dat"),
       ("PublicSuffixList", "/usr/share/publicsuffix/public_suffix_list.dat"),
       ("RejectMultiValueFrom", "maybe"),
       ("FooBar", "1")]
# each: (text that must appear in the listed line, test name)
UNCARRIED = [("ExternalIgnoreList", "ExternalIgnoreList"),
             ("AutoRestart", "AutoRestart"),
             ("RequireSafeKeys", "RequireSafeKeys"),
             ("FailureReports", "FailureReports (unsupported)"),
             ("TrustedAuthservIDs", "TrustedAuthservIDs (never trusted)"),
             ("RejectString", "RejectString"),
             ("HistoryFile", "HistoryFile"),
             ("FooBar", "an unknown option"),
             ("not a yes/no value", "RejectMultiValueFrom maybe (not a yes/no value)"),
             ("mail.example.com", "a host name in the host list"),
             ("!10.9.9.9", "an exception in the host list")]


def write_setup(tmp, port):
    fill = lambda v: v.format(tmp=tmp, port=port)  # noqa: E731
    keys = os.path.join(tmp, "keys")
    os.mkdir(keys, 0o700)
    txt = {"sel1._domainkey.example.com":
           make_key(os.path.join(keys, "example.com.key")),
           "s2._domainkey.example.net":
           make_key(os.path.join(keys, "example.net.key"))}
    files = {
        "KeyTable": "sel1._domainkey.example.com example.com:sel1:%s/"
                    "example.com.key\ns2._domainkey.example.net "
                    "example.net:s2:%s/example.net.key\n" % (keys, keys),
        "SigningTable": "# refile: patterns, first match wins\n"
                        "*@example.com sel1._domainkey.example.com\n"
                        "*@*.example.net s2._domainkey.example.net\n"
                        "*@example.net s2._domainkey.example.net\n",
        "TrustedHosts": "127.0.0.1\n::1\n10.0.0.0/8\n[2001:db8::]/32\n"
                        "mail.example.com\n!10.9.9.9\n",
        "opendkim.conf": "".join("%s %s\n" % (k, fill(v)) for k, v in ODK),
        "opendmarc.conf": "".join("%s %s\n" % (k, fill(v)) for k, v in ODM),
    }
    for name, text in files.items():
        with open(os.path.join(tmp, name), "w") as f:
            f.write(text)
    return txt


def signing_setup():
    names = ["signing setup: exit status 0",
             "signing setup: authmilter -t accepts the result",
             "signing setup: KeyTable and refile: SigningTable carried",
             "signing setup: InternalHosts from the host file (v4 and v6), "
             "10.0.0.0/8 carved around its exception !10.9.9.9",
             "signing setup: inet socket without brackets",
             "signing setup: RejectFailures/HoldQuarantinedMessages -> "
             "reject, tempfail, hold", "signing setup: AuthservID carried"]
    names += ["not carried, listed with a reason: " + n for _s, n in UNCARRIED]
    sign_names = ["OpenDKIM and authmilter both sign %s" % a for a in
                  ("alice@example.com", "bob@lists.example.net")]
    sign_names += ["same d= and s= as OpenDKIM for %s" % a for a in
                   ("alice@example.com", "bob@lists.example.net")]
    sign_names += ["same c= and oversigned From as OpenDKIM",
                   "authmilter's signatures verify (dkimpy)",
                   "an outside client is not signed"]
    if not t.need(check=missing, tools=["openssl"], what="signing migration",
                  tests=names + sign_names):
        return
    tmp = tmpdir.make("migrate-sign-", mode=0o755)
    try:
        port = milter_client.free_port()
        txt = write_setup(tmp, port)
        out = os.path.join(tmp, "authmilter.conf")
        r = migrate("-k", os.path.join(tmp, "opendkim.conf"),
                    "-m", os.path.join(tmp, "opendmarc.conf"), "-o", out)
        t.is_eq(r.returncode, 0, names[0])
        text = open(out).read() if os.path.exists(out) else ""
        c = check_t(out)
        t.ok(c.returncode == 0, names[1], diag=c.stderr + r.stderr + text)
        s = settings(text)
        t.ok(s.get("keytable") == "file:%s/KeyTable" % tmp and
             s.get("signingtable") == "refile:%s/SigningTable" % tmp,
             names[2], diag=repr(s))
        ih = (s.get("internalhosts") or "").split()
        # 10.0.0.0/8 holds the exception !10.9.9.9: written as the
        # networks around it, which cover exactly the rest of the /8
        around = sorted(str(n) for n in ipaddress.ip_network(
            "10.0.0.0/8").address_exclude(ipaddress.ip_network(
                "10.9.9.9/32")))
        t.ok(ih[:2] == ["127.0.0.1", "::1"] and ih[-1] == "2001:db8::/32"
             and sorted(ih[2:-1]) == around, names[3], diag=repr(ih))
        t.is_eq(s.get("socket"), "inet:%d@127.0.0.1" % port, names[4])
        t.ok(s.get("dmarcrejectaction") == "reject" and
             s.get("dmarctemperroraction") == "tempfail" and
             s.get("dmarcquarantineaction") == "hold", names[5], diag=repr(s))
        t.is_eq(s.get("authservid"), "mx.example.com", names[6])
        for (needle, name), tname in zip(UNCARRIED, names[7:]):
            err_lines = [x for x in r.stderr.splitlines()
                         if "not carried over" in x and needle in x]
            file_lines = [x for x in text.splitlines()
                          if x.startswith("#   ") and needle in x]
            # a reason follows the option: "file:line: Name value: why"
            t.ok(err_lines and file_lines and
                 re.search(r":\d+: .*: \S", err_lines[0]), tname,
                 diag=r.stderr)
        sign_compare(tmp, settings(text, lower=False), txt, sign_names)
    finally:
        tmpdir.remove(tmp)


def sig_tags(value):
    tags = {}
    for part in re.sub(r"\s+", "", value).split(";"):
        k, _sep, v = part.partition("=")
        if k:
            tags[k] = v
    return tags


def signature(res):
    for name, value in res.headers:
        if name.lower() == "dkim-signature":
            return sig_tags(value)
    return None


MSGS = [("alice@example.com", "alice@example.com"),
        ("bob@lists.example.net", "bob@lists.example.net")]


def message(addr):
    return ("From: %s\r\nTo: carol@example.org\r\nSubject: migrate\r\n"
            "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: "
            "<m-%s>\r\n\r\nSigned the same way.\r\n" % (addr, addr)).encode()


def send_all(d, client_ip):
    return [d.send_message(message(a), client_ip=client_ip, mail_from=a,
                           rcpts=["carol@example.org"]) for a, _x in MSGS]


def sign_compare(tmp, s, txt, names):
    import_err = None
    try:
        import dkim
    except ImportError as e:
        import_err = "python3-dkim (%s)" % e
    if not t.need(tools=["opendkim"], check=lambda: import_err,
                  what="OpenDKIM signing comparison", tests=names):
        return
    # OpenDKIM runs the setup it was given (socket from the harness);
    # authmilter runs the migrated file (socket, pid file and logging
    # from the harness; UserID is not set, the test runs as root).
    odk_opts = {k: v.format(tmp=tmp, port=0) for k, v in ODK
                if k not in ("Socket", "Syslog", "AutoRestart")}
    odk_opts.update({"Socket": "{spec}", "PidFile": "{pid}",
                     "Syslog": "no", "UserID": "root"})
    with daemon.Daemon({}, command=["opendkim", "-x", "{conf}", "-f"],
                       defaults=odk_opts) as odk:
        theirs = send_all(odk, "10.1.2.3")
    am_opts = {k: v for k, v in s.items()
               if k not in ("Socket", "PidFile", "LogTo", "UserID")}
    with daemon.Daemon(am_opts) as am:
        ours = send_all(am, "10.1.2.3")
        outside = am.send_message(message("alice@example.com"),
                                  client_ip="198.51.100.7",
                                  mail_from="alice@example.com")
    for i, (addr, _x) in enumerate(MSGS):
        a, b = signature(theirs[i]), signature(ours[i])
        t.ok(a is not None and b is not None, names[i],
             diag=lambda: "%r\n%r\n%s" % (theirs[i], ours[i], am.log_tail(5)))
        t.ok(a and b and (a.get("d"), a.get("s")) == (b.get("d"), b.get("s")),
             names[2 + i], diag="opendkim %r\nauthmilter %r" % (a, b))
    a, b = signature(theirs[0]), signature(ours[0])
    froms = lambda g: [h.lower() for h in g.get("h", "").split(":")].count(  # noqa: E731
        "from") if g else -1
    t.ok(a and b and a.get("c") == b.get("c") == "relaxed/simple" and
         froms(a) == froms(b) == 2, names[4], diag="%r\n%r" % (a, b))

    def dns(name, timeout=5):
        return txt.get(name.decode().rstrip(".")) if isinstance(
            name, bytes) else txt.get(name.rstrip("."))
    ok = all(r.headers and dkim.verify(r.message, dnsfunc=dns) for r in ours)
    t.ok(ok, names[5], diag=lambda: ours[0].message.decode("utf-8", "replace"))
    t.ok(signature(outside) is None, names[6], diag=repr(outside))


def errors():
    names = ["a missing file named with -k is an error (status 1)",
             "an unreadable host list is listed, the rest still migrates",
             "a value authmilter would refuse is listed, not written",
             "a NUL byte is an error naming file:line (status 1)",
             "an Include loop stops at the depth limit (status 1)",
             "a result authmilter refuses: status 2, error names the output "
             "line",
             "a program read without its host list keeps its 127.0.0.1 "
             "in the merged InternalHosts",
             "relative KeyTable/KeyFile paths are listed, not carried",
             "PeerList becomes PeerHosts, which authmilter accepts",
             "an absolute BaseDirectory makes relative KeyTable/SigningTable/"
             "KeyFile paths absolute against it, wherever it stands"]
    if not t.need(check=missing, what="migration errors", tests=names):
        return
    tmp = tmpdir.make("migrate-err-")
    try:
        r = migrate("-k", os.path.join(tmp, "nope.conf"), "-m", "none")
        t.ok(r.returncode == 1 and "nope.conf" in r.stderr, names[0],
             diag=r.stderr)
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("InternalHosts %s/missing-hosts\nMode sv\n"
                    "Canonicalization sideways/simple\n" % tmp)
        r = migrate("-k", conf, "-m", "none")
        t.ok(r.returncode == 0 and "missing-hosts" in r.stderr and
             "\nMode sv\n" in r.stdout, names[1], diag=r.stderr + r.stdout)
        t.ok("Canonicalization sideways" in r.stderr and
             "\nCanonicalization" not in r.stdout, names[2],
             diag=r.stderr + r.stdout)
        with open(conf, "wb") as f:
            f.write(b"Mode sv\nSocket in\0et:1@x\n")
        r = migrate("-k", conf, "-m", "none")
        t.ok(r.returncode == 1 and "opendkim.conf:2: NUL byte" in r.stderr
             and r.stdout == "", names[3], diag=r.stderr)
        with open(conf, "w") as f:
            f.write("Include %s\n" % conf)
        r = migrate("-k", conf, "-m", "none")
        t.ok(r.returncode == 1 and "nested deeper" in r.stderr, names[4],
             diag=r.stderr)
        with open(conf, "w") as f:
            f.write("SigningTable refile:%s/SigningTable\n" % tmp)
        r = migrate("-k", conf, "-m", "none")
        t.ok(r.returncode == 2 and re.search(r"\(output\):\d+: ", r.stderr)
             and "SigningTable refile:" in r.stdout, names[5], diag=r.stderr)
        hosts = os.path.join(tmp, "ignore-hosts")
        with open(hosts, "w") as f:
            f.write("10.0.0.0/8\n")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(dmarc, "w") as f:
            f.write("IgnoreHosts %s\n" % hosts)
        r = migrate("-k", conf, "-m", dmarc)
        t.is_eq(settings(r.stdout).get("internalhosts"), "10.0.0.0/8 127.0.0.1",
                names[6])
        with open(conf, "w") as f:
            f.write("KeyTable keys/KeyTable\nKeyFile k.pem\n")
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout)
        t.ok(len(re.findall(r"not carried over: .*a relative path", r.stderr))
             == 2 and "keytable" not in s and "keyfile" not in s, names[7],
             diag=r.stderr)
        with open(conf, "w") as f:
            f.write("Mode sv\nPeerList 10.8.0.0/16,[2001:db8::7]\n")
        r = migrate("-k", conf, "-m", "none")
        t.ok(r.returncode == 0 and settings(r.stdout).get("peerhosts") ==
             "10.8.0.0/16 2001:db8::7" and "PeerList" not in r.stderr,
             names[8], diag=r.stdout + r.stderr)
        with open(conf, "w") as f:
            f.write("Mode sv\nKeyTable file:keys/KeyTable\n"
                    "SigningTable refile:SigningTable\nKeyFile k/a.pem\n"
                    "BaseDirectory /etc/opendkim\n")
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(s.get("KeyTable") == "file:/etc/opendkim/keys/KeyTable" and
             s.get("SigningTable") == "refile:/etc/opendkim/SigningTable" and
             s.get("KeyFile") == "/etc/opendkim/k/a.pem" and
             "relative path" not in r.stderr and "BaseDirectory" not in
             r.stderr and "keys/KeyTable relative to BaseDirectory "
             "/etc/opendkim" in r.stdout, names[9], diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def relative_key_files():
    """A KeyTable naming key files ./x or ../x: OpenDKIM opened them from
    its working directory, authmilter opens them from the KeyTable's, so
    the table is carried only where the two are the same directory."""
    names = ["relative key files in a KeyTable outside BaseDirectory: the "
             "KeyTable is listed with the lines, the result refused "
             "(status 2)",
             "the same KeyTable in BaseDirectory itself is carried, and "
             "authmilter loads its key",
             "without a BaseDirectory every relative key file is listed "
             "(OpenDKIM's working directory is not known), at most three "
             "by line",
             "a KeyTable of absolute key files is carried without a "
             "BaseDirectory"]
    if not t.need(check=missing, what="KeyTable key file names", tests=names):
        return
    tmp = tmpdir.make("migrate-keys-")
    try:
        keys = os.path.join(tmp, "keys")
        os.mkdir(keys)
        # a key in each place: carried unchanged, the KeyTable would sign
        # with the file OpenDKIM never read
        make_key(os.path.join(keys, "a.private"))
        make_key(os.path.join(tmp, "a.private"))
        table = os.path.join(keys, "KeyTable")
        with open(table, "w") as f:
            f.write("# keys\nk1 example.com:s1:./a.private\n")
        with open(os.path.join(tmp, "SigningTable"), "w") as f:
            f.write("*@example.com k1\n")
        conf = os.path.join(tmp, "opendkim.conf")

        def run(base, table_spec="file:" + table):
            with open(conf, "w") as f:
                f.write("Mode sv\nKeyTable %s\nSigningTable refile:%s\n"
                        % (table_spec, os.path.join(tmp, "SigningTable")))
                if base is not None:
                    f.write("BaseDirectory %s\n" % base)
            return migrate("-k", conf, "-m", "none")

        r = run(tmp)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 2 and "KeyTable" not in s and
             "line 2: ./a.private" in r.stderr and
             "OpenDKIM read such names from %s," % tmp in r.stderr, names[0],
             diag=r.stdout + r.stderr)
        r = run(keys + "/")
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("KeyTable") == "file:" + table and
             "relative name" not in r.stderr, names[1],
             diag=r.stdout + r.stderr)
        with open(table, "w") as f:
            f.write("k1 example.com:s1:./a.private\n"
                    "k2 example.com:s2:%s/a.private\n"
                    "k3 example.org:s3:../a.private\n"
                    "k4 example.org:s4:./a.private\n"
                    "k5 example.net:s5:./a.private\n" % keys)
        r = run(None)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 2 and "KeyTable" not in s and
             "names 4 key files" in r.stderr and
             "line 1: ./a.private; line 3: ../a.private; line 4: "
             "./a.private; and 1 more" in r.stderr and
             "its working directory" in r.stderr, names[2],
             diag=r.stdout + r.stderr)
        with open(table, "w") as f:
            f.write("k1 example.com:s1:%s/a.private\n" % keys)
        r = run(None, table)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("KeyTable") == table and
             "relative name" not in r.stderr, names[3],
             diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def translations():
    """options carried by kind: yes/no, whole numbers and seconds held to
    authmilter's ranges (the nearest allowed value, with the reason in a
    comment), a syslog facility with or without LOG_; values that are
    not of the kind are listed, not written"""
    names = ["yes/no, counts, seconds and the facility carried as written",
             "a count outside authmilter's range: the nearest, with why",
             "seconds of 0 (no limit): the longest allowed, with why",
             "the carried file passes authmilter -t",
             "values not of the option's kind are listed, not written"]
    if not t.need(check=missing, what="migration of option kinds",
                  tests=names):
        return
    tmp = tmpdir.make("migrate-kinds-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nMultipleSignatures yes\nMinimumKeyBits 2048\n"
                    "MaximumSignaturesToVerify 7\nClockDrift 300\n"
                    "SyslogFacility LOG_LOCAL3\nMaximumHeaders 12\n"
                    "DNSTimeout 0\n")
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("MultipleSignatures") == "yes" and
             s.get("DKIMMinKeyBits") == "2048" and
             s.get("DKIMMaxSignatures") == "7" and
             s.get("DKIMClockSkew") == "300s" and
             s.get("LogFacility") == "local3", names[0],
             diag=r.stdout + r.stderr)
        t.ok(s.get("MaxHeaderBytes") == "4096" and "12 is outside "
             "authmilter's range 4096-" in r.stdout, names[1],
             diag=r.stdout)
        t.ok(s.get("DNSTimeout") == "60s" and "0 (no limit) is not allowed"
             in r.stdout, names[2], diag=r.stdout)
        out = os.path.join(tmp, "authmilter.conf")
        with open(out, "w") as f:
            f.write(r.stdout)
        c = check_t(out)
        t.ok(c.returncode == 0, names[3], diag=c.stderr)
        with open(conf, "w") as f:
            f.write("Mode sv\nMultipleSignatures maybe\nClockDrift abc\n"
                    "MaximumSignaturesToVerify 3x\n")
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and "not a yes/no value" in r.stderr and
             "not a number of seconds" in r.stderr and
             "not a whole number" in r.stderr and
             not {"MultipleSignatures", "DKIMClockSkew",
                  "DKIMMaxSignatures"} & set(s), names[4],
             diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def repeated_options():
    """an option a file sets twice: OpenDKIM and OpenDMARC look options
    up from the newest line, so the last value is the one they ran with;
    the earlier line is listed, host lists are not merged"""
    names = ["an option set twice: the last value is carried, the first "
             "listed", "InternalHosts set twice: only the last list",
             "an OpenDMARC option set twice: the last value is carried"]
    if not t.need(check=missing, what="repeated options", tests=names):
        return
    tmp = tmpdir.make("migrate-repeat-")
    try:
        for name, net in (("h1", "10.0.0.0/8"), ("h2", "192.0.2.0/24")):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(net + "\n")
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nCanonicalization relaxed/simple\n"
                    "InternalHosts %s/h1\nCanonicalization simple/relaxed\n"
                    "InternalHosts %s/h2\n" % (tmp, tmp))
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(dmarc, "w") as f:
            f.write("RejectFailures true\nRejectFailures false\n")
        r = migrate("-k", conf, "-m", dmarc)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and
             s.get("Canonicalization") == "simple/relaxed" and
             re.search(r"opendkim\.conf:2: Canonicalization relaxed/simple: "
                       r"replaced by .*opendkim\.conf:4", r.stderr),
             names[0], diag=r.stdout + r.stderr)
        # (127.0.0.1: OpenDMARC's default IgnoreHosts)
        t.is_eq(s.get("InternalHosts"), "192.0.2.0/24 127.0.0.1", names[1])
        t.ok(s.get("DMARCRejectAction") == "mark" and
             "DMARCTempErrorAction" not in s and
             "opendmarc.conf:1: RejectFailures true: replaced" in r.stderr,
             names[2], diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def boolean_spellings():
    """a Boolean is read from its first byte, as OpenDKIM and OpenDMARC
    read it: t/y/1 true, f/n/0 false, in either case; a value they
    refused to start with ("on") is listed, not carried"""
    names = ["Booleans by their first byte: Yep, TRUE, Nope carried",
             "a Boolean OpenDKIM refused (on) is listed, not carried"]
    if not t.need(check=missing, what="Boolean spellings", tests=names):
        return
    tmp = tmpdir.make("migrate-bool-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nMultipleSignatures Yep\nSyslogSuccess on\n")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(dmarc, "w") as f:
            f.write("RejectFailures TRUE\nHoldQuarantinedMessages Nope\n")
        r = migrate("-k", conf, "-m", dmarc)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("MultipleSignatures") == "yes" and
             s.get("DMARCRejectAction") == "reject" and
             s.get("DMARCQuarantineAction") == "mark" and
             "Nope" not in r.stderr and "Yep" not in r.stderr, names[0],
             diag=r.stdout + r.stderr)
        t.ok("LogLevel" not in s and
             re.search(r"SyslogSuccess on: not a yes/no value", r.stderr),
             names[1], diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def integer_forms():
    """integers read as OpenDKIM and OpenDMARC read them (strtol base 0):
    0x hex, a leading 0 octal, otherwise decimal - also UMask, where 23
    without a leading 0 is decimal 23 (octal 027)"""
    names = ["integers: 0x12c is 300 seconds, 010 is 8",
             "UMask 23 (decimal, umask 027) gives SocketMode 0750, with why",
             "UMask 0x12 (umask 022) gives SocketMode 0755"]
    if not t.need(check=missing, what="integer forms", tests=names):
        return
    tmp = tmpdir.make("migrate-int-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nClockDrift 0x12c\n"
                    "MaximumSignaturesToVerify 010\nUMask 23\n")
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("DKIMClockSkew") == "300s" and
             s.get("DKIMMaxSignatures") == "8", names[0],
             diag=r.stdout + r.stderr)
        t.ok(s.get("SocketMode") == "0750" and "read as decimal, umask 0027"
             in r.stdout, names[1], diag=r.stdout + r.stderr)
        with open(dmarc, "w") as f:
            f.write("UMask 0x12\n")
        r = migrate("-k", "none", "-m", dmarc)
        t.is_eq(settings(r.stdout, lower=False).get("SocketMode"), "0755",
                names[2])
    finally:
        tmpdir.remove(tmp)


def program_defaults():
    """defaults of OpenDKIM and OpenDMARC that authmilter does not share
    are written out: OpenDMARC delivered mail without a usable From
    unless RequiredHeaders was on; OpenDKIM signed simple/simple"""
    names = ["OpenDMARC's default RequiredHeaders false: DMARCBadFrom "
             "accept", "RequiredHeaders on: DMARCBadFrom reject",
             "OpenDKIM's default Canonicalization simple/simple is written"]
    if not t.need(check=missing, what="program defaults", tests=names):
        return
    tmp = tmpdir.make("migrate-defaults-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\n")
        with open(dmarc, "w") as f:
            f.write("RejectFailures yes\n")
        r = migrate("-k", conf, "-m", dmarc)
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("DMARCBadFrom") == "accept",
             names[0], diag=r.stdout + r.stderr)
        with open(dmarc, "w") as f:
            f.write("RejectFailures yes\nRequiredHeaders yes\n")
        r = migrate("-k", conf, "-m", dmarc)
        t.ok(settings(r.stdout, lower=False).get("DMARCBadFrom") == "reject"
             and "RequiredHeaders" not in r.stderr, names[1],
             diag=r.stdout + r.stderr)
        t.is_eq(s.get("Canonicalization"), "simple/simple", names[2])
    finally:
        tmpdir.remove(tmp)


def host_file_words():
    """a host file line is its first word: OpenDKIM's file data sets keep
    the rest as a value, OpenDMARC's IgnoreHosts reader drops it"""
    names = ["host file lines with words after the address: the address "
             "is carried, nothing listed"]
    if not t.need(check=missing, what="host file words", tests=names):
        return
    tmp = tmpdir.make("migrate-hostwords-")
    try:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("10.0.0.0/8 office lan\n  192.0.2.1\tmx # relay\n")
        conf = os.path.join(tmp, "opendkim.conf")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nInternalHosts file:%s\n" % hosts)
        with open(dmarc, "w") as f:
            f.write("IgnoreHosts %s\n" % hosts)
        r = migrate("-k", conf, "-m", dmarc)
        t.ok(r.returncode == 0 and
             settings(r.stdout, lower=False).get("InternalHosts") ==
             "10.0.0.0/8 192.0.2.1" and "entry" not in r.stderr, names[0],
             diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def data_set_case():
    """OpenDKIM takes a data set's kind in any case (FILE:, Refile:,
    CSL:); the result names it in the lower case authmilter reads"""
    names = ["FILE: KeyTable and REFILE: SigningTable carried as file: "
             "and refile:", "File: InternalHosts read as a file",
             "CSL: OversignHeaders read as a list"]
    if not t.need(check=missing, what="data set kinds in any case",
                  tests=names):
        return
    tmp = tmpdir.make("migrate-dscase-")
    try:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("10.0.0.0/8\n")
        for name in ("KeyTable", "SigningTable"):
            with open(os.path.join(tmp, name), "w") as f:
                f.write("")
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nKeyTable FILE:%s/KeyTable\n"
                    "SigningTable REFILE:%s/SigningTable\n"
                    "InternalHosts File:%s\nOversignHeaders CSL:From,To\n"
                    % (tmp, tmp, hosts))
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(s.get("KeyTable") == "file:%s/KeyTable" % tmp and
             s.get("SigningTable") == "refile:%s/SigningTable" % tmp,
             names[0], diag=r.stdout + r.stderr)
        t.ok(s.get("InternalHosts") == "10.0.0.0/8", names[1],
             diag=r.stdout + r.stderr)
        t.is_eq(s.get("OversignHeaders"), "From To", names[2])
    finally:
        tmpdir.remove(tmp)


def ignore_mail_from():
    """IgnoreMailFrom becomes DMARCNeverReject, which also covers
    subdomains (OpenDMARC matched the From domain exactly): the comment
    over the setting says so"""
    names = ["IgnoreMailFrom: DMARCNeverReject with a comment naming the "
             "subdomains it adds"]
    if not t.need(check=missing, what="IgnoreMailFrom", tests=names):
        return
    tmp = tmpdir.make("migrate-imf-")
    try:
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(dmarc, "w") as f:
            f.write("IgnoreMailFrom example.com,example.net\n")
        r = migrate("-k", "none", "-m", dmarc)
        block = re.search(r"((?:^#.*\n)+)DMARCNeverReject (.*)$", r.stdout,
                          re.M)
        t.ok(block and block.group(2).split() == ["example.com",
                                                  "example.net"] and
             "subdomains" in block.group(1), names[0], diag=r.stdout)
    finally:
        tmpdir.remove(tmp)


def documented_options():
    """options opendkim.conf(5) documents that authmilter cannot carry
    are listed with a reason of their own, not as unknown; an On-*
    action of accept is what authmilter does and is only noted"""
    names = ["On-BadSignature reject: listed, DMARC decides instead",
             "On-NoSignature accept: noted, not listed",
             "RemoveOldSignatures, AllowSHA1Only, VBR-Type: listed with a "
             "reason, not as unknown"]
    if not t.need(check=missing, what="documented OpenDKIM options",
                  tests=names):
        return
    tmp = tmpdir.make("migrate-doc-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nOn-BadSignature reject\nOn-NoSignature a\n"
                    "RemoveOldSignatures yes\nAllowSHA1Only no\n"
                    "VBR-Type all\n")
        r = migrate("-k", conf, "-m", "none")
        t.ok(re.search(r"On-BadSignature reject: .*only through DMARC",
                       r.stderr), names[0], diag=r.stderr)
        t.ok("On-NoSignature" not in r.stderr and
             re.search(r"^#   .*On-NoSignature a: authmilter accepts",
                       r.stdout, re.M), names[1], diag=r.stdout + r.stderr)
        t.ok(all(re.search(r"%s .*: \S" % o, r.stderr) for o in
                 ("RemoveOldSignatures", "AllowSHA1Only", "VBR-Type")) and
             "not an option" not in r.stderr, names[2], diag=r.stderr)
    finally:
        tmpdir.remove(tmp)


def long_socket():
    """a socket path or host is carried whole, never cut to a buffer
    (a cut name is another socket)"""
    names = ["a 600-byte socket path is carried whole"]
    if not t.need(check=missing, what="long socket", tests=names):
        return
    tmp = tmpdir.make("migrate-sock-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        path = "/run/" + "a" * 600 + ".sock"
        with open(conf, "w") as f:
            f.write("Mode v\nSocket local:%s\n" % path)
        r = migrate("-k", conf, "-m", "none")
        t.is_eq(settings(r.stdout, lower=False).get("Socket"),
                "unix:" + path, names[0])
    finally:
        tmpdir.remove(tmp)


def include_depth():
    """Include nests five levels below the file, as in OpenDKIM (a sixth
    is an error)"""
    names = ["five nested Include levels are read",
             "a sixth Include level is an error (status 1)"]
    if not t.need(check=missing, what="Include depth", tests=names):
        return
    tmp = tmpdir.make("migrate-incl-")
    try:
        def chain(levels):
            for i in range(levels + 1):
                with open(os.path.join(tmp, "c%d.conf" % i), "w") as f:
                    if i < levels:
                        f.write("Include %s/c%d.conf\n" % (tmp, i + 1))
                    else:
                        f.write("Mode v\n")
            return migrate("-k", os.path.join(tmp, "c0.conf"), "-m", "none")
        r = chain(5)
        t.ok(r.returncode == 0 and
             settings(r.stdout, lower=False).get("Mode") == "v", names[0],
             diag=r.stderr)
        r = chain(6)
        t.ok(r.returncode == 1 and "nested deeper" in r.stderr, names[1],
             diag=r.stderr)
    finally:
        tmpdir.remove(tmp)


def unmatched_networks():
    """OpenDKIM and OpenDMARC look a client up as text (its address, then
    each masked "addr/n"), so a network written with host bits set or an
    IPv6 address not in inet_ntop's form never matched: it is listed with
    the form that would, not made internal"""
    names = ["10.1.2.3/8 and 2001:db8:0::1 listed with 10.0.0.0/8 and "
             "2001:db8::1", "networks written as looked up are carried"]
    if not t.need(check=missing, what="unmatched networks", tests=names):
        return
    tmp = tmpdir.make("migrate-nets-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nInternalHosts 10.1.2.3/8,2001:db8:0::1,"
                    "192.168.1.0/24,[2001:DB8::]/32\n")
        r = migrate("-k", conf, "-m", "none")
        t.ok(re.search(r"entry 10\.1\.2\.3/8 \(never matched.* as "
                       r"10\.0\.0\.0/8", r.stderr) and
             re.search(r"entry 2001:db8:0::1 \(never matched.* as "
                       r"2001:db8::1;", r.stderr), names[0], diag=r.stderr)
        t.is_eq(settings(r.stdout, lower=False).get("InternalHosts"),
                "192.168.1.0/24 2001:DB8::/32", names[1])
    finally:
        tmpdir.remove(tmp)


def relative_host_file():
    """a relative file: host list is read where OpenDKIM read it (its
    absolute BaseDirectory), never from the directory the migration
    runs in"""
    names = ["relative file: host list without BaseDirectory: listed, "
             "the file in the current directory not read",
             "relative file: host list read from BaseDirectory"]
    if not t.need(check=missing, what="relative host file", tests=names):
        return
    tmp = tmpdir.make("migrate-relhosts-")
    try:
        base = os.path.join(tmp, "base")
        os.mkdir(base)
        for d, net in ((tmp, "10.6.0.0/16"), (base, "10.5.0.0/16")):
            with open(os.path.join(d, "hosts"), "w") as f:
                f.write(net + "\n")
        conf = os.path.join(tmp, "opendkim.conf")

        def run(extra):
            with open(conf, "w") as f:
                f.write("Mode sv\nInternalHosts file:hosts\n" + extra)
            return subprocess.run([MIGRATE, "-k", conf, "-m", "none"],
                                  capture_output=True, text=True,
                                  timeout=60, cwd=tmp)
        r = run("")
        t.ok("10.6.0.0/16" not in r.stdout and
             re.search(r"InternalHosts file:hosts: a relative path", r.stderr),
             names[0], diag=r.stdout + r.stderr)
        r = run("BaseDirectory %s\n" % base)
        t.is_eq(settings(r.stdout, lower=False).get("InternalHosts"),
                "10.5.0.0/16", names[1])
    finally:
        tmpdir.remove(tmp)


def log_levels():
    """SyslogSuccess (info) and LogWhy (debug) together: OpenDKIM logged
    what each asked for, so the more verbose level is kept whatever the
    order, and neither is listed"""
    names = ["SyslogSuccess then LogWhy: LogLevel debug, nothing listed",
             "LogWhy then SyslogSuccess: LogLevel debug, nothing listed"]
    if not t.need(check=missing, what="log levels", tests=names):
        return
    tmp = tmpdir.make("migrate-log-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        for i, lines in enumerate(("SyslogSuccess yes\nLogWhy yes\n",
                                   "LogWhy yes\nSyslogSuccess yes\n")):
            with open(conf, "w") as f:
                f.write("Mode v\n" + lines)
            r = migrate("-k", conf, "-m", "none")
            t.ok(settings(r.stdout, lower=False).get("LogLevel") == "debug"
                 and "not carried" not in r.stderr, names[i],
                 diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def output_mode():
    """-o makes a new file 0644 less the umask: under umask 000 it was
    0666 (fopen's), a configuration the daemon reads as root that any
    local user could rewrite"""
    names = ["-o under umask 000: the new file is 0644",
             "-o under umask 077: the new file is 0600",
             "-o onto an existing file: its mode stays"]
    if not t.need(check=missing, what="-o file mode", tests=names):
        return
    tmp = tmpdir.make("migrate-mode-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        for name, mask, want in ((names[0], 0o000, 0o644),
                                 (names[1], 0o077, 0o600)):
            out = os.path.join(tmp, "out-%03o.conf" % mask)
            old = os.umask(mask)
            try:
                r = migrate("-k", conf, "-m", "none", "-o", out)
            finally:
                os.umask(old)
            mode = stat.S_IMODE(os.stat(out).st_mode) if \
                os.path.exists(out) else None
            t.ok(r.returncode == 0 and mode == want, name,
                 diag="status %r, mode %s: %s" % (
                     r.returncode, "%o" % mode if mode is not None else "-",
                     r.stderr))
        out = os.path.join(tmp, "kept.conf")
        open(out, "w").close()
        os.chmod(out, 0o640)
        old = os.umask(0)
        try:
            r = migrate("-k", conf, "-m", "none", "-o", out)
        finally:
            os.umask(old)
        mode = stat.S_IMODE(os.stat(out).st_mode)
        t.ok(r.returncode == 0 and mode == 0o640 and os.path.getsize(out) > 0,
             names[2], diag="status %r, mode %o" % (r.returncode, mode))
    finally:
        tmpdir.remove(tmp)


def main():
    debian_defaults()
    signing_setup()
    errors()
    translations()
    relative_key_files()
    repeated_options()
    boolean_spellings()
    integer_forms()
    program_defaults()
    host_file_words()
    data_set_case()
    ignore_mail_from()
    documented_options()
    long_socket()
    include_depth()
    unmatched_networks()
    relative_host_file()
    log_levels()
    output_mode()
    t.done()


if __name__ == "__main__":
    main()
