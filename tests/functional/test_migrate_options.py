#!/usr/bin/python3
"""test_migrate_options - how authmilter-migrate carries single OpenDKIM
and OpenDMARC options over: option kinds held to authmilter's ranges,
repeated options, Boolean and integer spellings, program defaults, host
file words, data set kinds, IgnoreMailFrom, documented OpenDKIM options,
long socket paths, include depth, networks, relative host files, log
levels, the mode of the file -o writes, what a write that fails
leaves, where the result is checked from, and SignatureTTL
(test_migrate has the whole setups)."""

import errno
import os
import re
import resource
import signal
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import tmpdir  # noqa: E402
from migrate_run import MIGRATE, check_t, migrate, missing, settings  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()


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


def refile_hosts():
    """InternalHosts refile:/etc/opendkim/TrustedHosts (as many guides
    write it) was refused as a data set kind not supported, so the result
    kept only 127.0.0.1 and stopped signing for the networks listed.
    OpenDKIM matches a refile: line as an anchored pattern: one without
    "*" or other special characters matched what a file line matched"""
    names = ["refile: InternalHosts and PeerList: addresses and networks "
             "carried", "refile: patterns listed, not carried",
             "relative refile: read from an absolute BaseDirectory"]
    if not t.need(check=missing, what="refile: host lists", tests=names):
        return
    tmp = tmpdir.make("migrate-refile-")
    try:
        with open(os.path.join(tmp, "TrustedHosts"), "w") as f:
            f.write("127.0.0.1\n::1\n192.0.2.0/24\n198.51.100.7 relay\n"
                    "192.168.*\n*.example.com\n[2001:db8::1]\n")
        with open(os.path.join(tmp, "peers"), "w") as f:
            f.write("203.0.113.9\n")
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode sv\nInternalHosts refile:%s/TrustedHosts\n"
                    "PeerList Refile:%s/peers\n" % (tmp, tmp))
        r = migrate("-k", conf, "-m", "none")
        s = settings(r.stdout, lower=False)
        t.ok(r.returncode == 0 and s.get("InternalHosts") ==
             "127.0.0.1 ::1 192.0.2.0/24 198.51.100.7" and
             s.get("PeerHosts") == "203.0.113.9", names[0],
             diag=r.stdout + r.stderr)
        t.ok(all("entry %s (a refile: pattern" % e in r.stderr
                 for e in ("192.168.*", "*.example.com", "[2001:db8::1]")),
             names[1], diag=r.stderr)
        with open(conf, "w") as f:
            f.write("Mode sv\nBaseDirectory %s\nInternalHosts "
                    "refile:TrustedHosts\n" % tmp)
        r = migrate("-k", conf, "-m", "none")
        t.is_eq(settings(r.stdout, lower=False).get("InternalHosts"),
                "127.0.0.1 ::1 192.0.2.0/24 198.51.100.7", names[2])
    finally:
        tmpdir.remove(tmp)


def unread_hosts():
    """An InternalHosts given but not readable here (db:, ldap:) is listed
    as not carried; the result's comment called the 127.0.0.1 it keeps
    "OpenDKIM's default InternalHosts", which it was not"""
    names = ["InternalHosts not carried: 127.0.0.1 kept, not called "
             "OpenDKIM's default"]
    if not t.need(check=missing, what="unread host lists", tests=names):
        return
    tmp = tmpdir.make("migrate-unread-")
    try:
        with open(os.path.join(tmp, "ignore"), "w") as f:
            f.write("10.0.0.0/8\n")
        dkim = os.path.join(tmp, "opendkim.conf")
        with open(dkim, "w") as f:
            f.write("Mode sv\nInternalHosts db:/etc/opendkim/hosts.db\n")
        dmarc = os.path.join(tmp, "opendmarc.conf")
        with open(dmarc, "w") as f:
            f.write("IgnoreHosts %s/ignore\n" % tmp)
        r = migrate("-k", dkim, "-m", dmarc)
        t.ok(settings(r.stdout, lower=False).get("InternalHosts") ==
             "10.0.0.0/8 127.0.0.1" and
             "OpenDKIM's default InternalHosts" not in r.stdout and
             "127.0.0.1: loopback, kept because OpenDKIM's InternalHosts "
             "could not be carried" in r.stdout and
             "InternalHosts db:/etc/opendkim/hosts.db" in r.stderr,
             names[0], diag=r.stdout + r.stderr)
    finally:
        tmpdir.remove(tmp)


def help_option():
    """--help, as authcheck and authmilter-report take it: it was a usage
    error ("invalid option -- '-'", status 1)"""
    names = ["--help prints what -h prints, status 0"]
    if not t.need(check=missing, what="--help", tests=names):
        return
    r1, r2 = migrate("-h"), migrate("--help")
    t.ok(r1.returncode == 0 and r2.returncode == 0 and r2.stderr == "" and
         r2.stdout == r1.stdout and "usage: authmilter-migrate" in r2.stdout,
         names[0], diag=r2.stdout + r2.stderr)


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


def signature_ttl():
    """OpenDKIM's SignatureTTL (seconds; 0 writes no x=) keeps its name
    and value, held to authmilter's 30 days with the reason said"""
    names = ["SignatureTTL 604800 is carried as 604800s",
             "the carried SignatureTTL passes authmilter -t",
             "SignatureTTL of a year: 30 days, with why",
             "SignatureTTL 0 is carried as 0s"]
    if not t.need(check=missing, what="SignatureTTL", tests=names):
        return
    tmp = tmpdir.make("migrate-ttl-")
    conf = os.path.join(tmp, "opendkim.conf")

    def carried(ttl):
        with open(conf, "w") as f:
            f.write("Mode sv\nSignatureTTL %s\n" % ttl)
        r = migrate("-k", conf, "-m", "none")
        return r, settings(r.stdout, lower=False).get("SignatureTTL")
    try:
        r, got = carried("604800")
        t.is_eq(got, "604800s", names[0])
        out = os.path.join(tmp, "authmilter.conf")
        with open(out, "w") as f:
            f.write(r.stdout)
        c = check_t(out)
        t.ok(c.returncode == 0, names[1], diag=c.stderr)
        r, got = carried("31536000")
        t.ok(got == "2592000s" and "31536000s is outside authmilter's "
             "range" in r.stdout, names[2], diag=r.stdout)
        t.is_eq(carried("0")[1], "0s", names[3])
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
             "-o onto an existing file: its mode stays",
             "-o through a symlink: the link stays, the file it names is "
             "replaced with its owner, group and mode"]
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
        # replaced, not rewritten: owner, group and a symlink kept
        link = os.path.join(tmp, "link.conf")
        os.symlink("kept.conf", link)
        if os.geteuid() == 0:
            os.chown(out, 1, 2)
        want = os.stat(out)
        r = migrate("-k", conf, "-m", "none", "-o", link)
        got = os.stat(out)
        t.ok(r.returncode == 0 and os.path.islink(link) and
             (got.st_uid, got.st_gid, stat.S_IMODE(got.st_mode)) ==
             (want.st_uid, want.st_gid, 0o640) and got.st_ino != want.st_ino
             and sorted(os.listdir(tmp)) == ["kept.conf", "link.conf",
                                             "opendkim.conf", "out-000.conf",
                                             "out-077.conf"], names[3],
             diag="status %r: %r %r %r" % (r.returncode, want, got,
                                           os.listdir(tmp)))
    finally:
        tmpdir.remove(tmp)


def output_dangling():
    """-o FILE where FILE is a symbolic link to nothing: it was written
    through in place (not by the temporary file and rename), making a file
    wherever the link pointed; it is refused, nothing made"""
    names = ["-o a symbolic link to nothing: refused naming the link and "
             "its target, status 1, nothing made",
             "-o the same link once its file exists: the file is replaced, "
             "the link stays"]
    if not t.need(check=missing, what="-o dangling link", tests=names):
        return
    tmp = tmpdir.make("migrate-dangling-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        link = os.path.join(tmp, "link.conf")
        os.symlink("gone.conf", link)
        r = migrate("-k", conf, "-m", "none", "-o", link)
        t.ok(r.returncode == 1 and "%s: a symbolic link to gone.conf, which "
             "does not exist: not written through" % link in r.stderr and
             sorted(os.listdir(tmp)) == ["link.conf", "opendkim.conf"],
             names[0], diag="status %r: %s %r" % (r.returncode, r.stderr,
                                                 os.listdir(tmp)))
        open(os.path.join(tmp, "gone.conf"), "w").close()
        r = migrate("-k", conf, "-m", "none", "-o", link)
        t.ok(r.returncode == 0 and os.path.islink(link) and
             os.path.getsize(os.path.join(tmp, "gone.conf")) > 0, names[1],
             diag="status %r: %s" % (r.returncode, r.stderr))
    finally:
        tmpdir.remove(tmp)


def _small_files():
    """in the child: files of at most 64 bytes, as on a full disk (a
    write past that fails with EFBIG, not the signal)"""
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def output_cut():
    """a write that fails part way (a full disk) leaves no cut
    configuration behind and the reason said; an existing -o file stays
    as it was (it was truncated in place, and the admin's previous
    configuration lost), and no temporary file is left beside it"""
    names = ["-o with the disk full: exit status 1, the reason said",
             "-o with the disk full: no cut file left",
             "-o onto an existing file with the disk full: status 1",
             "-o onto an existing file with the disk full: the old file "
             "stays whole, nothing left beside it"]
    if not t.need(check=missing, what="-o on a full disk", tests=names):
        return
    tmp = tmpdir.make("migrate-cut-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        out = os.path.join(tmp, "out.conf")
        r = subprocess.run([MIGRATE, "-k", conf, "-m", "none", "-o", out],
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=_small_files)
        t.ok(r.returncode == 1 and os.strerror(errno.EFBIG) in r.stderr, names[0],
             diag="status %r: %s" % (r.returncode, r.stderr))
        t.ok(sorted(os.listdir(tmp)) == ["opendkim.conf"], names[1],
             diag="left: %r" % os.listdir(tmp))
        old = "# the admin's configuration\nMode sv\n" * 10
        with open(out, "w") as f:
            f.write(old)
        r = subprocess.run([MIGRATE, "-k", conf, "-m", "none", "-o", out],
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=_small_files)
        t.ok(r.returncode == 1 and os.strerror(errno.EFBIG) in r.stderr,
             names[2], diag="status %r: %s" % (r.returncode, r.stderr))
        kept = None
        if os.path.exists(out):
            with open(out) as f:
                kept = f.read()
        t.ok(kept == old and sorted(os.listdir(tmp)) ==
             ["opendkim.conf", "out.conf"], names[3],
             diag="left: %r, %r" % (os.listdir(tmp), kept))
    finally:
        tmpdir.remove(tmp)



def check_cut():
    """without -o, the result is checked from a temporary copy: when that
    copy cannot be written whole (a full /tmp), the reason is said; a
    short write set no errno, and the message said Success"""
    name = "no -o, /tmp full: why the result could not be checked"
    if not t.need(check=missing, what="the check on a full disk",
                  tests=[name]):
        return
    tmp = tmpdir.make("migrate-cut-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        r = subprocess.run([MIGRATE, "-k", conf, "-m", "none"],
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=_small_files)
        t.ok("cannot check the result: %s" % os.strerror(errno.EFBIG) in
             r.stderr, name, diag="status %r: %s" % (r.returncode, r.stderr))
    finally:
        tmpdir.remove(tmp)


def check_copy():
    """the copy the result is checked from is made in $TMPDIR, /tmp
    when that is unset or empty (it was always /tmp)"""
    names = ["TMPDIR names a file: the copy cannot be made there, said",
             "TMPDIR a directory: checked there, nothing left in it",
             "TMPDIR empty: the copy goes to /tmp"]
    if not t.need(check=missing, what="the check copy's directory",
                  tests=names):
        return
    tmp = tmpdir.make("migrate-copy-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        copies = os.path.join(tmp, "copies")
        os.mkdir(copies)

        def run(tmpdir_value):
            env = dict(os.environ, TMPDIR=tmpdir_value)
            return subprocess.run([MIGRATE, "-k", conf, "-m", "none"],
                                  capture_output=True, text=True,
                                  timeout=60, env=env)
        r = run(conf)
        t.ok(r.returncode == 2 and "cannot check the result: %s" %
             os.strerror(errno.ENOTDIR) in r.stderr, names[0],
             diag="status %r: %s" % (r.returncode, r.stderr))
        r = run(copies)
        t.ok(r.returncode == 0 and os.listdir(copies) == [], names[1],
             diag="status %r: %s %r" % (r.returncode, r.stderr,
                                        os.listdir(copies)))
        r = run("")
        t.ok(r.returncode == 0, names[2],
             diag="status %r: %s" % (r.returncode, r.stderr))
    finally:
        tmpdir.remove(tmp)


def output_device():
    """-o naming what is not a regular file is checked from a copy, as
    standard output is: the file was read back, so -o /dev/stdout on a
    pipe was refused as a FIFO and -o /dev/null checked an empty file"""
    names = ["-o /dev/stdout on a pipe: the text there, checked, status 0",
             "-o /dev/null with a result authmilter refuses: status 2"]
    if not t.need(check=missing, what="-o onto a device", tests=names):
        return
    tmp = tmpdir.make("migrate-dev-")
    try:
        conf = os.path.join(tmp, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Mode v\n")
        r = migrate("-k", conf, "-m", "none", "-o", "/dev/stdout")
        t.ok(r.returncode == 0 and
             settings(r.stdout, lower=False).get("Mode") == "v", names[0],
             diag="status %r: %s" % (r.returncode, r.stderr))
        with open(conf, "w") as f:
            f.write("Mode sv\nKeyTable file:%s/none\n"
                    "SigningTable file:%s/none\n" % (tmp, tmp))
        r = migrate("-k", conf, "-m", "none", "-o", "/dev/null")
        t.ok(r.returncode == 2 and "(output):" in r.stderr, names[1],
             diag="status %r: %s" % (r.returncode, r.stderr))
    finally:
        tmpdir.remove(tmp)


def main():
    translations()
    repeated_options()
    boolean_spellings()
    integer_forms()
    program_defaults()
    host_file_words()
    data_set_case()
    refile_hosts()
    unread_hosts()
    help_option()
    ignore_mail_from()
    documented_options()
    long_socket()
    include_depth()
    unmatched_networks()
    relative_host_file()
    log_levels()
    output_mode()
    output_dangling()
    output_cut()
    check_cut()
    check_copy()
    output_device()
    signature_ttl()
    t.done()


if __name__ == "__main__":
    main()
