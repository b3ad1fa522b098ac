#!/usr/bin/python3
"""authcheck_env.py - run the built authcheck(1) against a loopback DNS server

    with AuthcheckEnv(zone_dict) as env:      # dns_server.py on 127.0.0.1
        rc, out, doc = env.run(["domain", "good.test"])   # --json added
        rc, out, doc = env.run([...], json_out=False)     # human text
    binary()    $AUTHCHECK, else $top_builddir/src/authcheck/authcheck
    missing()   None, or why the binary / DNS server cannot be used
    warnings(doc) -> set of warning codes in a --json report

The DNS server is tests/lib/dns_server.py (zone format described there),
started on a free port and stopped by its PID. Every authcheck run has a
timeout, and --nameserver points at our server only.
"""
import json
import os
import subprocess
import sys

import dns_testserver
import tmpdir

RUN_TIMEOUT_S = 60


def binary():
    """binary - the authcheck program under test"""
    path = os.environ.get("AUTHCHECK")
    if path:
        return path
    top = os.environ.get("top_builddir") or os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    return os.path.join(top, "src", "authcheck", "authcheck")


def missing():
    """missing - None when the binary and the DNS server's modules exist"""
    if not os.access(binary(), os.X_OK):
        return "the built authcheck (%s; set AUTHCHECK)" % binary()
    try:
        import dns.message  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as e:
        return "python3-dnspython and python3-yaml (%s)" % e
    return None


def warnings(doc):
    """warnings - the set of warning codes of a JSON report"""
    return {w["code"] for w in (doc or {}).get("warnings", [])}


SANITIZER_RC = 99


def run_plain(args, timeout=RUN_TIMEOUT_S, cwd=None):
    """run_plain - authcheck args -> (exit code, stdout, stderr). A report
    of AddressSanitizer, LeakSanitizer or UBSan (a build with
    -fsanitize=...) on stderr turns the exit code into SANITIZER_RC, so
    every test that checks the exit code fails on it."""
    p = subprocess.run([binary()] + list(args), capture_output=True,
                       text=True, errors="replace", timeout=timeout, cwd=cwd)
    rc = p.returncode
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:
        sys.stderr.write(p.stderr)
        rc = SANITIZER_RC
    return rc, p.stdout, p.stderr


class AuthcheckEnv:
    """AuthcheckEnv - a zone on a loopback DNS server, and authcheck on it"""

    def __init__(self, zone):
        self.zone = zone
        self.tmp = tmpdir.make("authcheck-test-")
        self.srv = None

    def __enter__(self):
        import yaml
        path = os.path.join(self.tmp, "zone.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(self.zone, f)
        self.srv = dns_testserver.DnsServer(path).__enter__()
        return self

    def __exit__(self, *exc):
        if self.srv is not None:
            self.srv.stop()
            self.srv = None
        tmpdir.remove(self.tmp)
        return False

    @property
    def nameserver(self):
        return "127.0.0.1@%d" % self.srv.port

    def run(self, args, json_out=True, timeout_ms=2000):
        """run - authcheck with our nameserver -> (rc, stdout, doc|None)"""
        extra = ["--nameserver", self.nameserver, "--timeout",
                 str(timeout_ms)]
        if json_out:
            extra.append("--json")
        rc, out, err = run_plain(list(args) + extra)
        doc = None
        if json_out:
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
        self.last_stderr = err
        return rc, out, doc

    def path(self, name):
        """path - a file name in our temp directory"""
        return os.path.join(self.tmp, name)
