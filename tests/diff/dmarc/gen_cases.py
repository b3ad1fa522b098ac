#!/usr/bin/python3
"""gen_cases.py - seeded DMARC cases and their RFC reading

    cases, zone = generate(seed, count, keydir)

Each case is a message (DKIM-signed by dkimpy with keys from keydir), an
envelope (client IP, HELO, MAIL FROM) and the DMARC records it meets;
zone is one tests/lib/dns_server.py zone for all of them (every case has
its own domains, c<N>.<tld> and x<N>.<tld>). Same seed, same cases.

The vocabulary is limited to what RFC 7489, RFC 9989 and Mail::DMARC
1.20211209 read alike (last session's differential run): one well-formed
record ("v=DMARC1; p=..." first, p always valid) at the organizational
domain, or at both the organizational and the author domain, or none;
sp= (valid), adkim/aspf r|s, np= (author names all exist, so np never
applies), rua/ruf mailto: at the org domain, fo/ri and unknown tags
with plain values (sometimes 33-80 of them, or one of 4-6 KB), non-DMARC TXT beside the record; SPF pass/fail/none
and 0-3 DKIM signatures (good or wrong key) from the author domain, its
org domain, siblings, children or an unrelated org; domain case in From.
Left out on purpose (oracle quirks or RFC-divergent, see the test's
docstring): records at the author only, several records, split strings,
white space around '=' or leading, version spelling, tag-name/value case,
invalid or missing p/sp, pct, t, psd, duplicate tags, rua schemes.

expect(case) is the RFC reading for this vocabulary (RFC 9989 4.7-4.10,
RFC 7489 6.3-6.6): result pass|fail|none, the policy applied and whether
sp= chose it, the policy domain.
"""
import os
import random

import dkim_keys  # tests/lib: the caller puts it on sys.path

GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
SPF = "v=spf1 ip4:192.0.2.0/24 -all"
POL = ("none", "quarantine", "reject")


def pick(R, weighted):
    """pick - one value of [(weight, value)]"""
    x = R.random() * sum(w for w, _ in weighted)
    for w, v in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][1]


def record(R, org):
    """record - one DMARC record text and its reading {p, sp, adkim, aspf}"""
    rd = {"p": R.choice(POL), "sp": None, "adkim": "r", "aspf": "r"}
    tags = [("p", rd["p"])]
    if R.random() < 0.45:
        rd["sp"] = R.choice(POL)
        tags.append(("sp", rd["sp"]))
    for t in ("adkim", "aspf"):
        if R.random() < 0.4:
            rd[t] = R.choice("rs")
            tags.append((t, rd[t]))
    if R.random() < 0.1:
        tags.append(("np", R.choice(POL)))
    if R.random() < 0.3:
        tags.append(("rua", "mailto:dmarc@" + org))
    if R.random() < 0.1:
        tags.append(("ruf", "mailto:forensic@" + org))
    if R.random() < 0.1:
        tags.append(("fo", R.choice(["0", "1", "d:s"])))
    if R.random() < 0.05:
        tags.append(("ri", "86400"))
    if R.random() < 0.1:
        tags.append((R.choice(["foo", "x1", "ext_tag"]), R.choice(["bar", "1"])))
    # neither RFC limits a record's length or tag count (bugs fixed in
    # 01ba08d: over 4,096 bytes or 32 tags, the rest was lost)
    if R.random() < 0.03:
        tags += [("u%d" % i, "1") for i in range(R.randrange(33, 80))]
    if R.random() < 0.02:
        tags.append(("zpad", "a" * R.randrange(4000, 6000)))
    head, rest = tags[:1], tags[1:]
    R.shuffle(rest)     # p stays right after v (RFC 7489 6.4 ABNF order)
    sep = R.choice(["; ", ";"])
    txt = sep.join(["v=DMARC1"] + ["%s=%s" % kv for kv in head + rest])
    if R.random() < 0.3:
        txt += ";"
    return txt, rd


def case_name(R, s):
    """case_name - a domain, sometimes in another case (RFC 9989 3.2: case-blind)"""
    return s.upper() if R.random() < 0.1 else s


def generate(seed, count, keydir):
    """generate - (cases, zone) for seed and count"""
    import dkim
    R = random.Random(seed)
    pem, pub = dkim_keys.key_pair_from_file(os.path.join(keydir, "rsa1024.pem"))
    _, wrong_pub = dkim_keys.key_pair_from_file(os.path.join(keydir, "rsa2048.pem"))
    zone, cases = {}, []
    for n in range(count):
        tld = pick(R, [(50, "com"), (15, "org"), (15, "net"), (20, "co.uk")])
        org = "c%d.%s" % (n, tld)
        ext = "x%d.%s" % (n, R.choice(["net", "co.uk"]))
        author = pick(R, [(35, org), (40, "mail." + org), (25, "a.mail." + org)])
        where = pick(R, [(12, "none"), (50, "org"), (38, "both")])
        if author == org and where == "both":
            where = "org"
        recs = {}
        if where != "none":
            recs[org] = record(R, org)
        if where == "both":
            recs[author] = record(R, org)
        for d, (txt, _) in recs.items():
            zone.setdefault("_dmarc." + d, []).append({"TXT": txt})
        for d in {org, author}:
            if R.random() < 0.1:
                zone.setdefault("_dmarc." + d, []).append(
                    {"TXT": R.choice(["v=spf1 -all", "hello world"])})

        spf_choice = pick(R, [(25, "exact"), (20, "org"), (12, "sibling"), (8, "child"),
                              (20, "other"), (5, "other-sub"), (10, "nospf")])
        mfrom = {"exact": author, "org": org, "sibling": "bounce." + org,
                 "child": "bn." + author, "other": ext, "other-sub": "bn." + ext,
                 "nospf": "ns." + org}[spf_choice]
        spf_pass = spf_choice != "nospf" and R.random() < 0.6
        spf = "none" if spf_choice == "nospf" else ("pass" if spf_pass else "fail")

        sigs = []
        for _ in range(pick(R, [(30, 0), (40, 1), (20, 2), (10, 3)])):
            dch = pick(R, [(30, "exact"), (20, "org"), (10, "sibling"), (8, "child"),
                           (25, "other"), (7, "other-sub")])
            d = {"exact": author, "org": org, "sibling": "dk." + org,
                 "child": "dk." + author, "other": ext, "other-sub": "dk." + ext}[dch]
            good = R.random() < 0.85
            sigs.append({"d": d, "choice": dch, "sel": "s1" if good else "bad",
                         "result": "pass" if good else "fail"})

        # every name exists (A), all but ns.<org> publish SPF, keys published
        for nm in {org, author, ext, "bounce." + org, "bn." + author, "bn." + ext,
                   "ns." + org, "dk." + org, "dk." + author, "dk." + ext}:
            ent = zone.setdefault(nm, [])
            ent.append({"A": "192.0.2.1"})
            if not nm.startswith("ns."):
                ent.append({"TXT": SPF})
        for s in sigs:
            zone.setdefault("s1._domainkey." + s["d"], [{"TXT": "v=DKIM1; k=rsa; p=" + pub}])
            zone.setdefault("bad._domainkey." + s["d"],
                            [{"TXT": "v=DKIM1; k=rsa; p=" + wrong_pub}])

        raw = ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\nSubject: case %d\r\n"
               "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <c%d@x.test>\r\n\r\n"
               "Hello Bob,\r\ncase %d.\r\n" % (case_name(R, author), n, n, n)).encode()
        for s in sigs:
            sig = dkim.sign(raw, s["sel"].encode(), case_name(R, s["d"]).encode(), pem,
                            include_headers=[b"from", b"to", b"subject", b"date"],
                            canonicalize=(b"relaxed", b"relaxed"))
            raw = sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw
        cases.append({
            "id": n, "org": org, "ext": ext, "author": author, "where": where,
            "records": {d: t for d, (t, _) in recs.items()},
            "reading": {d: rd for d, (_, rd) in recs.items()},
            "ip": GOOD_IP if spf_pass else BAD_IP, "helo": "mx." + ext,
            "mail_from": "bounce@" + case_name(R, mfrom), "mfrom": mfrom,
            "spf_choice": spf_choice, "spf": spf, "sigs": sigs,
            "msg": raw.replace(b"\r\n", b"\n"),
        })
    return cases, zone


def org_of(case, d):
    """org_of - the organizational domain of a name of this case: PSL
    (RFC 7489 3.2) and DNS Tree Walk (RFC 9989 4.10.2, the record at the
    org domain is always there when any is) give the same here"""
    d = d.lower()
    for o in (case["org"], case["ext"]):
        if d == o or d.endswith("." + o):
            return o
    return d


def expect(case):
    """expect - the RFC reading: {result, policy, chooser, pdom}"""
    author = case["author"]
    if case["where"] == "none":
        return {"result": "none", "policy": None, "chooser": None, "pdom": None}
    pdom = author if author in case["reading"] else case["org"]
    rd = case["reading"][pdom]
    chooser = "sp" if pdom != author and rd["sp"] else "p"
    ids = []
    if case["spf"] == "pass":
        ids.append((case["mfrom"], rd["aspf"] == "s"))
    ids += [(s["d"], rd["adkim"] == "s") for s in case["sigs"] if s["result"] == "pass"]
    ok = any(d.lower() == author or
             (not strict and org_of(case, d) == org_of(case, author))
             for d, strict in ids)
    return {"result": "pass" if ok else "fail", "policy": rd[chooser],
            "chooser": chooser, "pdom": pdom}


def short(txt):
    """short - a record for the eye: long padding and tag runs counted"""
    import re
    txt = re.sub(r"a{20,}", lambda m: "a<%d times>" % len(m.group(0)), txt)
    return re.sub(r"(?:u\d+=1(?:; ?|$)){5,}", lambda m: "<%d unknown tags u*=1>; "
                  % m.group(0).count("="), txt)


def recipe(case):
    """recipe - one line saying what the generator did"""
    return ("case %d: From %s; records %s; MAIL FROM %s (%s) SPF %s; DKIM %s"
            % (case["id"], case["author"],
               "; ".join("_dmarc.%s '%s'" % (d, short(t))
                         for d, t in case["records"].items()) or "none",
               case["mfrom"], case["spf_choice"], case["spf"],
               ", ".join("d=%s(%s) %s" % (s["d"], s["choice"], s["result"])
                         for s in case["sigs"]) or "none"))


if __name__ == "__main__":
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "lib"))
    cs, _ = generate(int(sys.argv[1]), int(sys.argv[2]),
                     os.path.join(here, "..", "..", "dkim", "keys"))
    for c in cs:
        print(recipe(c), "->", expect(c))
