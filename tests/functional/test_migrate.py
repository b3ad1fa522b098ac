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
     host list, a value authmilter would refuse.
How single options are carried over (kinds, spellings, repeats, host
files, output file mode) is test_migrate_options.py."""

import base64
import ipaddress
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import milter_client  # noqa: E402
from migrate_run import SRC, check_t, migrate, missing, settings  # noqa: E402,F401
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

FIXTURES = os.path.join(SRC, "tests", "migrate")

t = TAP()


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


def main():
    debian_defaults()
    signing_setup()
    errors()
    relative_key_files()
    t.done()


if __name__ == "__main__":
    main()
