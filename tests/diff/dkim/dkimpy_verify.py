#!/usr/bin/python3
"""dkimpy_verify.py - dkimpy's verdicts on a corpus written by gen.py.

Usage: dkimpy_verify.py DIR
Prints "FILE<TAB>verdict;verdict..." for each message of DIR/manifest.txt,
one verdict per DKIM-Signature, top first: "pass", "fail" or
"error(Class: text)"; "none" without signatures. Keys come from
DIR/keys.txt (no DNS), the clock is DIR/now.txt (dkimpy reads time.time
for t= and x=).
"""
import os
import sys
import time

import dkim


def main():
    d = sys.argv[1]
    keys = {}
    with open(os.path.join(d, "keys.txt")) as f:
        for line in f:
            name, _status, txt = line.rstrip("\n").split("\t", 2)
            keys[name.lower()] = txt.encode()
    with open(os.path.join(d, "now.txt")) as f:
        now = float(f.read().strip())
    time.time = lambda: now

    def dns(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("latin1")
        return keys.get(name.rstrip(".").lower())

    with open(os.path.join(d, "manifest.txt")) as f:
        files = [line.split("\t", 1)[0] for line in f if line.strip()]
    out = sys.stdout
    for name in files:
        with open(os.path.join(d, name), "rb") as f:
            raw = f.read()
        verdicts = []
        try:
            v = dkim.DKIM(raw, minkey=1024)
            n = sum(1 for h in v.headers if h[0].lower() == b"dkim-signature")
        except Exception as e:  # noqa: B902 - any parse failure is a verdict
            v, n = None, 0
            verdicts.append("error(%s: %s)" % (type(e).__name__, str(e)[:60]))
        for i in range(n):
            try:
                verdicts.append("pass" if v.verify(idx=i, dnsfunc=dns) else "fail")
            except Exception as e:  # noqa: B902
                verdicts.append("error(%s: %s)" % (type(e).__name__,
                                                   str(e)[:60].replace("\n", " ")))
        out.write("%s\t%s\n" % (name, ";".join(verdicts) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
