#!/usr/bin/python3
"""gen_fixtures.py - write the ARC fixtures of the ARC unit tests (read by
tests/unit/arc_fixtures.c) and the ARC fuzz seeds
(tests/fuzz/corpus/arc/h-*) with dkimpy as the sealer.

Every set is sealed by d=fuzz.example s=f1 with one RSA key whose public
record goes to tests/arc/key.txt (and into tests/fuzz/fuzz_arc.c by
hand); the private key is not kept. Run from the top of the source tree
when the fixtures must change:
    /usr/bin/python3 tests/arc/gen_fixtures.py
Files (LF line ends, the test converts):
    chain1.eml chain2.eml      1 and 2 sets, pass
    chain3-footer.eml          3 sets, a footer added after the last: fail
    list-mod.eml               2 sets, Subject and body changed before
                               set 2 was sealed: pass, oldest-pass 2
Fuzz seeds h-chain1, h-chain2, h-chain3-footer, h-gap, h-dup, h-cv come
from here; h-51 and h-aar are hand-made and left alone.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import arc_chain as ac  # noqa: E402

RAW = (b"From: Alice <alice@author.example>\r\nTo: list@list.example\r\n"
       b"Subject: hello\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
       b"Message-ID: <1@author.example>\r\n\r\nHello list,\r\nhi.\r\n")


def lf(m):
    return m.replace(b"\r\n", b"\n")


def main():
    s = ac.Sealer("fuzz.example", "f1")
    recs = {"f1._domainkey.fuzz.example": s.record}
    out = {"chain1.eml": ac.chain(RAW, [s], recs),
           "chain2.eml": ac.chain(RAW, [s, s], recs),
           "chain3-footer.eml": ac.chain(RAW, [s, s, s], recs) +
           b"footer\r\n",
           "list-mod.eml": ac.chain(RAW, [s, s], recs, edit=lambda i, r: (
               r.replace(b"Subject: hello", b"Subject: [l] hello") +
               b"footer\r\n") if i == 1 else r)}
    for name, m in out.items():
        with open(os.path.join("tests/arc", name), "wb") as f:
            f.write(lf(m))
    with open("tests/arc/key.txt", "w") as f:
        f.write(s.record + "\n")
    seeds = "tests/fuzz/corpus/arc/"
    os.makedirs(seeds, exist_ok=True)
    three = ac.chain(RAW, [s, s, s], recs)
    hdrs, body = ac.split(three)
    gap = [(n, v) for n, v in hdrs if not (
        n.lower().startswith(b"arc-") and re.match(rb"\s*i=2;", v))]
    seed = {"h-chain1": out["chain1.eml"], "h-chain2": out["chain2.eml"],
            "h-chain3-footer": out["chain3-footer.eml"],
            "h-gap": ac.join(gap, body),
            "h-dup": ac.join([hdrs[0]] + hdrs, body),
            "h-cv": out["chain2.eml"].replace(b"i=1; cv=none",
                                              b"i=1; cv=fail", 1)}
    for name, m in seed.items():
        with open(seeds + name, "wb") as f:
            f.write(lf(m))


if __name__ == "__main__":
    main()
