#!/usr/bin/python3
"""test_doc_usage - the manual pages name every command-line option the
programs accept, and the documents name only log keys the daemon writes.

Options: each program's getopt string, getopt_long table and literal
argv[1] comparisons in its sources; each must appear in its page as
"-x" or "--name" (troff escapes removed). authmilter-report(8) once
omitted -V and --help, authcheck(1) the one-letter forms.

Log keys: a word with "_" or "-" followed by "=" in doc/, README or the
sample config is a log key ("the log line says dmarc_override=...") and
must be one the sources add to the per-message line (logrec_add*);
authmilter.conf(5) once wrote "dmarc-override=", a key never logged.
A few such words are not log keys (libpq and make variables, Postfix
-o parameters): NOT_KEYS.

Log values: every exempt= word checks.c logs is in authmilter(8)
(exempt=peer, for PeerHosts, was not).

SMTP replies: every "550 5.7.1"-style pair the policy and milter code
set is in authmilter(8) SMTP REPLIES (451 4.3.0, a header change the MTA
refused, was in no document).

Environment: every variable the sources read (getenv) is named in
authmilter(8) ENVIRONMENT (NOTIFY_SOCKET was in none).

Default configuration file: the pages that give it (-c of authmilter and
authmilter-report, FILES) name configure's default and the one of the
package debian/rules builds; authmilter-report(8) and
authmilter.conf(5) once gave /etc/authmilter.conf, which neither is."""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")

# page: the sources whose options it documents
PROGRAMS = {
    "doc/authmilter.8": ["src/main.c"],
    "doc/authmilter-report.8": ["src/report/report_main.c"],
    "doc/authmilter-migrate.8": ["src/migrate/migrate_main.c"],
    "doc/authcheck.1": ["src/authcheck/*.c", "src/authcheck/*.h"],
}
GETOPT = re.compile(r'getopt(?:_long)?\(\s*argc\s*,\s*argv\s*,\s*"([^"]*)"')
LONGOPT = re.compile(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:no|required|'
                     r'optional)_argument')
ARGV_WORD = re.compile(r'strcmp\(\s*argv\[1\]\s*,\s*"(-[^"]+)"\s*\)')
LOG_KEY_SRC = re.compile(r'logrec_add[a-z_]*\(\s*[^,]+,\s*"([a-z_]+)"')
DOC_KEY = re.compile(r'(?:^|[^A-Za-z0-9._:/-])([a-z]+[_-][a-z_-]*)=')
# Postfix parameters written as master.cf "-o name=value" are not either
NOT_KEYS = {"connect_timeout", "tcp_user_timeout", "client_encoding",
            "top_srcdir", "top_builddir", "smtpd_milters",
            "receive_override_options"}


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def plain(troff):
    """the text of a page as a reader sees the option names"""
    return re.sub(r"\\f[BIRP]|\\&|\\%", "", troff).replace("\\-", "-")


def source_options(patterns):
    """every "-x" and "--name" the sources accept"""
    opts = set()
    for pat in patterns:
        for path in sorted(glob.glob(os.path.join(SRC, pat))):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in GETOPT.finditer(text):
                opts.update("-" + ch for ch in m.group(1) if ch != ":")
            opts.update("--" + n for n in LONGOPT.findall(text))
            opts.update(ARGV_WORD.findall(text))
    return opts


def documented(opt, text):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), text) \
        is not None


def log_keys():
    keys = set()
    for path in glob.glob(os.path.join(SRC, "src", "**", "*.c"),
                          recursive=True):
        with open(path, encoding="utf-8") as f:
            keys.update(LOG_KEY_SRC.findall(f.read()))
    return keys


REPLY = re.compile(r'"([45]\d\d)"\s*,\s*(?:\(char \*\)\(uintptr_t\))?\s*'
                   r'"([45]\.\d+\.\d+)"|rcode = "([45]\d\d)";\s*\S+xcode = '
                   r'"([45]\.\d+\.\d+)"')


def source_replies():
    """every "code x.y.z" reply the daemon's policy and milter code set"""
    found = set()
    for pat in ("src/policy/*.c", "src/milter/*.c"):
        for path in glob.glob(os.path.join(SRC, pat)):
            with open(path, encoding="utf-8") as f:
                for m in REPLY.finditer(f.read()):
                    found.add("%s %s" % ((m.group(1), m.group(2))
                                         if m.group(1) else
                                         (m.group(3), m.group(4))))
    return found


def source_getenv():
    """every NAME the sources read with getenv("NAME")"""
    found = set()
    for path in glob.glob(os.path.join(SRC, "src", "**", "*.c"),
                          recursive=True):
        with open(path, encoding="utf-8") as f:
            found |= set(re.findall(r'getenv\(\s*"([A-Z_][A-Z0-9_]*)"',
                                    f.read()))
    return found


def section(troff, name):
    m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH )" % re.escape(name), troff,
                  re.M | re.S)
    return plain(m.group(1)) if m else ""


CONFIG_PAGES = ["doc/authmilter.8", "doc/authmilter-report.8",
                "doc/authmilter.conf.5"]


def package_config():
    """authmilter.conf in the sysconfdir debian/rules configures"""
    m = re.search(r"--sysconfdir=(\S+)", read("debian/rules"))
    return m.group(1).rstrip("/") + "/authmilter.conf" if m else None


def main():
    t = TAP()
    pkg = package_config()
    t.ok(pkg is not None, "debian/rules names a sysconfdir")
    for page in CONFIG_PAGES:
        text = plain(read(page))
        want = ["/usr/local/etc/authmilter.conf"] + ([pkg] if pkg else [])
        t.ok(all(w in text for w in want), "%s names the default "
             "configuration files %s" % (page, want))
    for page, sources in sorted(PROGRAMS.items()):
        opts = source_options(sources)
        t.ok(len(opts) >= 2, "%s: options found in %s" % (page, sources),
             diag=repr(sorted(opts)))
        text = plain(read(page))
        missing = sorted(o for o in opts if not documented(o, text))
        t.ok(not missing, "%s names every option the program accepts"
             % page, diag="not named: %s" % missing)
    replies = source_replies()
    t.ok({"550 5.7.1", "451 4.3.2"} <= replies,
         "SMTP replies found in the sources", diag=repr(sorted(replies)))
    listed = section(read("doc/authmilter.8"), "SMTP REPLIES")
    missing = sorted(r for r in replies if r not in listed)
    t.ok(not missing, "authmilter(8) SMTP REPLIES lists every reply the "
         "daemon gives", diag="not listed: %s" % missing)
    exempt = set(re.findall(r'exempt_why = "([a-z]+)"',
                            read("src/milter/checks.c")))
    man8 = plain(read("doc/authmilter.8"))
    t.ok(len(exempt) >= 2 and all("exempt=" + w in man8 for w in exempt),
         "authmilter(8) LOGGING names every exempt= value %s"
         % sorted(exempt))
    env = source_getenv()
    t.ok("NOTIFY_SOCKET" in env, "variables read found in the sources",
         diag=repr(sorted(env)))
    listed = section(read("doc/authmilter.8"), "ENVIRONMENT")
    missing = sorted(v for v in env if v not in listed)
    t.ok(listed and not missing, "authmilter(8) ENVIRONMENT names every "
         "variable the sources read", diag="not named: %s" % missing)
    keys = log_keys()
    t.ok({"qid", "dmarc_override", "verdict"} <= keys,
         "log keys found in the sources (%d)" % len(keys))
    docs = sorted(glob.glob(os.path.join(SRC, "doc", "*.[158]"))) + \
        [os.path.join(SRC, "README"),
         os.path.join(SRC, "contrib", "authmilter.conf")]
    for path in docs:
        with open(path, encoding="utf-8") as f:
            text = plain(f.read())
        bad = sorted({k for k in DOC_KEY.findall(text)
                      if k not in keys and k not in NOT_KEYS})
        t.ok(not bad, "%s names only log keys the daemon writes"
             % os.path.relpath(path, SRC), diag="unknown: %s" % bad)
    t.done()


if __name__ == "__main__":
    main()
