#!/usr/bin/python3
"""make-seeds.py - regenerate the seed corpora in tests/fuzz/corpus from
the project's own test data: the RFC 7208 test suite (SPF records and
whole evaluations), tests/dmarc/cases.txt (DMARC records, From domains),
tests/dkim/vectors (DKIM-Signature fields, headers, bodies) and the DKIM
test keys. Hand-made hostile seeds live in tests/fuzz/corpus/*/h-* and
are not touched. Run from the top of the source tree:
    /usr/bin/python3 tests/fuzz/make-seeds.py /work/shared/rfc7208/rfc7208-tests.yml
"""
import base64
import hashlib
import os
import re
import subprocess
import sys

import yaml

CORPUS = "tests/fuzz/corpus"


def put(target, data, limit=80):
    """write data (bytes or str) as a seed named by its hash"""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if len([n for n in os.listdir(d) if not n.startswith("h-")]) >= limit:
        return
    name = "s-" + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def txt_of(v):
    if isinstance(v, list):
        return "".join(v)
    return str(v)


def spf_seeds(yml):
    with open(yml, "rb") as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        zone = doc.get("zonedata") or {}
        rows = []
        for name, recs in zone.items():
            for r in recs or []:
                if not isinstance(r, dict):
                    continue
                for k, v in r.items():
                    kind = {"SPF": "T", "TXT": "T", "A": "A", "AAAA": "6",
                            "MX": "M", "PTR": "P"}.get(k)
                    if kind is None:
                        continue
                    if k == "MX":
                        v = "%s %s" % (v[0], v[1])
                    else:
                        v = txt_of(v)
                    if k in ("SPF", "TXT") and v != "NONE":
                        put("spf_record", v, 120)
                    rows.append("%s %s %s" % (kind, name, v))
        for tname, t in (doc.get("tests") or {}).items():
            # rows of the names this test starts from first: a seed
            # holds at most 29 rows
            dom = str(t.get("mailfrom", "")).rpartition("@")[2].lower()
            helo = str(t.get("helo", "")).lower()
            first = [r for r in rows
                     if r.split(" ")[1].lower() in (dom, helo)]
            rest = [r for r in rows if r not in first]
            lines = [t.get("host", ""), t.get("mailfrom", ""),
                     t.get("helo", "")] + (first + rest)[:29]
            put("spf_eval", "\n".join(str(x) for x in lines) + "\n", 120)


def dmarc_seeds():
    doms = set()
    with open("tests/dmarc/cases.txt") as f:
        for line in f:
            m = re.match(r"dns (\S+) TXT (.*)", line.rstrip("\n"))
            if m and "DMARC" in m.group(2).upper():
                put("dmarc_record", m.group(2))
            m = re.match(r"case [^|]*\| *([^|]*?) *\|", line)
            if m:
                for d in m.group(1).split(","):
                    doms.add(d.strip())
    for d in sorted(doms)[:40]:
        put("mailaddr", "Someone <user@%s>" % d)


def dkim_seeds():
    with open("tests/dkim/vectors/rfc8463.eml", "rb") as f:
        msg = f.read().replace(b"\r\n", b"\n")
    head, _, body = msg.partition(b"\n\n")
    fields = re.split(rb"\n(?![ \t])", head)
    for fld in fields:
        name, _, value = fld.partition(b":")
        if name.lower() == b"dkim-signature":
            put("dkim_sig", value)
            put("tagvalue", value)
        if name.lower() == b"from":
            put("mailaddr", value)
        if name.lower() == b"authentication-results":
            put("authres", b"mx.example.net\n" + value)
    # headers target: one field per line, folds written as CRLF+tab
    put("headers", b"\n".join(f.replace(b"\n", b"\r\n") for f in fields))
    for flags in (0, 1, 2, 5, 7):
        put("dkim_canon", bytes([flags, 0, 40, 77]) + body)
        put("dkim_canon", bytes([flags, 1, 0, 3]) + head + b"\nfrom\nsubject\n")
    for pem in ("rsa1024.pem", "rsa2048.pem"):
        path = os.path.join("tests/dkim/keys", pem)
        der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout",
                              "-outform", "DER"], capture_output=True,
                             check=True).stdout
        put("dkim_key", "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    # RFC 8463 appendix A.2 ed25519 key record
    put("dkim_key", "v=DKIM1; k=ed25519; "
        "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")


def main():
    spf_seeds(sys.argv[1])
    dmarc_seeds()
    dkim_seeds()


if __name__ == "__main__":
    main()
