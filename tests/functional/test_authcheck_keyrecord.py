#!/usr/bin/python3
"""test_authcheck_keyrecord - the DNS record of a key that already exists

authcheck keyrecord prints the record genkey printed for the same key
(RSA and Ed25519), and for a key made by opendkim-genkey the p= that
OpenDKIM's own .txt file holds. It refuses what the daemon refuses (a
key group or others may read) and bad usage, with exit 2. authcheck
domain --selector S --key FILE prints that record as key_file_record,
beside a published record that does not match or a missing one.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import authcheck_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402


def run_json(args, cwd=None):
    rc, out, err = authcheck_env.run_plain(args + ["--json"], cwd=cwd)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, {}, err


def genkey(tmp, ktype, sel):
    path = os.path.join(tmp, sel + ".pem")
    rc, doc, err = run_json(["genkey", "--type", ktype, "--domain",
                             "kr.test", "--selector", sel, "--out", path])
    return rc, doc.get("dns", {}).get("record"), path


def keyrecord(path, sel, domain="kr.test"):
    return run_json(["keyrecord", "--key", path, "--domain", domain,
                     "--selector", sel])


def opendkim_p(txt):
    """opendkim_p - the p= of an opendkim-genkey .txt file (its strings
    joined)"""
    joined = "".join(re.findall(r'"([^"]*)"', txt))
    m = re.search(r"p=([A-Za-z0-9+/=]+)", joined)
    return m.group(1) if m else None


def main():
    t = TAP()
    if not t.need(check=authcheck_env.missing, tools=("opendkim-genkey",),
                  what="authcheck keyrecord tests"):
        t.done()
    tmp = tmpdir.make("authcheck-keyrecord-")
    keys = {}
    for ktype, sel in (("rsa", "r1"), ("ed25519", "e1")):
        rc, rec, path = genkey(tmp, ktype, sel)
        rc2, doc, err = keyrecord(path, sel)
        dns = doc.get("dns", {})
        t.ok(rc == 0 and rc2 == 0 and rec and dns.get("record") == rec and
             dns.get("name") == sel + "._domainkey.kr.test" and
             doc.get("key", {}).get("type") == ktype,
             "%s: keyrecord prints the record genkey printed" % ktype,
             diag=err or json.dumps(doc))
        keys[sel] = (path, rec)

    # a key OpenDKIM made: the same p= as its own .txt file
    od = os.path.join(tmp, "od")
    os.mkdir(od)
    p = subprocess.run(["opendkim-genkey", "-b", "2048", "-d", "kr.test",
                        "-s", "od", "-D", od], capture_output=True,
                       timeout=60)
    key = os.path.join(od, "od.private")
    if p.returncode == 0:
        os.chmod(key, 0o600)
        with open(os.path.join(od, "od.txt")) as f:
            want = opendkim_p(f.read())
        rc, doc, err = keyrecord(key, "od")
        got = re.search(r"p=(\S+)", doc.get("dns", {}).get("record", ""))
        t.ok(rc == 0 and want and got and got.group(1) == want,
             "opendkim-genkey key: the p= of OpenDKIM's .txt file",
             diag=err or json.dumps(doc))
    else:
        t.ok(False, "opendkim-genkey ran", diag=p.stderr.decode())

    # what the daemon refuses to load, keyrecord refuses too
    path = keys["r1"][0]
    os.chmod(path, 0o644)
    rc, doc, err = keyrecord(path, "r1")
    t.ok(rc == 2 and not doc and "chmod 600" in err,
         "a key others may read: exit 2, says chmod 600", diag=err)
    os.chmod(path, 0o600)
    rc, _, err = keyrecord(os.path.join(tmp, "none.pem"), "x")
    t.ok(rc == 2 and "none.pem" in err, "a missing key file: exit 2, named",
         diag=err)
    for args in (["keyrecord", "--key", path, "--domain", "kr.test"],
                 ["keyrecord", "--key", path, "--domain", "bad..name",
                  "--selector", "s"],
                 ["keyrecord", "--key", path, "--domain", "kr.test",
                  "--selector", "s", "extra"]):
        rc, _, _ = authcheck_env.run_plain(args)
        t.is_eq(rc, 2, "usage error exit 2: %s" % " ".join(args[1:]))
    # U-label domain: the name is in A-labels
    rc, doc, err = keyrecord(path, "r1", "B\u00fccher.test")
    t.is_eq(doc.get("dns", {}).get("name"),
            "r1._domainkey.xn--bcher-kva.test", "U-label --domain: A-labels")

    # authcheck domain --key: the record to publish beside a mismatch
    # (r1 publishes e1's record) and beside a missing record (m1)
    zone = {"kr.test": [{"TXT": "v=spf1 -all"}],
            "r1._domainkey.kr.test": [{"TXT": keys["e1"][1]}],
            "e1._domainkey.kr.test": [{"TXT": keys["e1"][1]}]}
    try:
        env = authcheck_env.AuthcheckEnv(zone).__enter__()
    except Exception as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    try:
        rc, out, doc = env.run(["domain", "kr.test",
                                "--selector", "r1", "--key", keys["r1"][0],
                                "--selector", "e1", "--key", keys["e1"][0],
                                "--selector", "m1", "--key", keys["r1"][0]])
        by_sel = {e.get("selector"): e
                  for e in (doc or {}).get("dkim_keys", [])}
        r1, e1, m1 = (by_sel.get(s, {}) for s in ("r1", "e1", "m1"))
        t.ok(r1.get("key_file_matches") == "no" and
             r1.get("key_file_record") == keys["r1"][1],
             "mismatch: key_file_record is the key file's record",
             diag=json.dumps(r1))
        t.ok(e1.get("key_file_matches") == "yes" and
             e1.get("key_file_record") == keys["e1"][1],
             "match: key_file_record equals the published record",
             diag=json.dumps(e1))
        t.ok(m1.get("status", "").startswith("missing") and
             m1.get("key_file_record") == keys["r1"][1],
             "missing: key_file_record says what to publish",
             diag=json.dumps(m1))
        t.is_eq(rc, 1, "domain with a mismatch and a missing key: exit 1")
    finally:
        env.__exit__(None, None, None)
    shutil.rmtree(od, ignore_errors=True)
    tmpdir.remove(tmp)
    t.done()


main()
