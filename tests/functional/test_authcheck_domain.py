#!/usr/bin/python3
"""test_authcheck_domain - authcheck domain explains records and warns

Zones on a loopback DNS server (tests/lib/dns_server.py). Every warning
is triggered by one domain and not triggered by its near miss (exactly
10 DNS-querying terms, exactly 2 void lookups, a 1024-bit key, an
authorized external rua, p=quarantine...), and a clean domain gives no
warning and exit 0. Also checked: the include tree and its counts, the
DMARC record for the domain, its subdomains and the org domain found by
the tree walk, key details, DNS failure (exit 3) and usage errors (2).
"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import authcheck_env  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    from cryptography.hazmat.primitives import serialization
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-cryptography (%s)" % e

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "dkim", "keys")


def pub(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        priv = serialization.load_pem_private_key(f.read(), password=None)
    der = priv.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def ed_pub():
    from cryptography.hazmat.primitives.asymmetric import ed25519
    with open(os.path.join(KEYS, "ed25519.seed")) as f:
        seed = base64.b64decode(f.read().strip())
    k = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return base64.b64encode(k.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def dmarc(p="reject", extra=""):
    return [{"TXT": "v=DMARC1; p=%s%s" % (p, extra)}]


def zone():
    z = {}

    def dom(name, spf, dm=None, mx=True):
        z[name] = ([{"MX": [10, "mx." + name]}] if mx else []) + \
            [{"TXT": s} for s in (spf if isinstance(spf, list) else [spf])]
        z["mx." + name] = [{"A": "192.0.2.25"}]
        z["_dmarc." + name] = dm or dmarc()

    # clean: include tree, a, mx; 2048 and ed25519 keys; external rua
    # with its authorization record
    dom("good.test", "v=spf1 mx ip4:192.0.2.0/24 include:_spf.good.test -all",
        dmarc("reject", "; sp=quarantine; rua=mailto:d@good.test,"
              "mailto:agg@reports.example"))
    z["_spf.good.test"] = [{"TXT": "v=spf1 a:mx.good.test ~all"}]
    z["good.test._report._dmarc.reports.example"] = [{"TXT": "v=DMARC1"}]
    z["s2048._domainkey.good.test"] = [{"TXT": "v=DKIM1; k=rsa; p=" +
                                        pub("rsa2048.pem")}]
    z["s1024._domainkey.good.test"] = [{"TXT": "v=DKIM1; k=rsa; t=y; p=" +
                                        pub("rsa1024.pem")}]
    z["ed._domainkey.good.test"] = [{"TXT": "v=DKIM1; k=ed25519; p=" +
                                     ed_pub()}]
    z["gone._domainkey.good.test"] = [{"TXT": "v=DKIM1; p="}]
    z["sub.good.test"] = [{"A": "192.0.2.30"}]
    # SPF mistakes
    dom("multi.test", ["v=spf1 -all", "v=spf1 ip4:192.0.2.1 -all"])
    dom("plusall.test", "v=spf1 ip4:192.0.2.1 +all")
    dom("bareall.test", "v=spf1 all")
    dom("minusall.test", "v=spf1 ip4:192.0.2.1 -all")
    dom("ptrmacro.test", "v=spf1 ptr:%{d}.example.net -all")
    hosts = ["h%d.many.test" % i for i in range(11)]
    for h in hosts:
        z[h] = [{"A": "192.0.2.40"}]
    dom("many.test", "v=spf1 " + " ".join("a:" + h for h in hosts) + " -all")
    dom("ten.test", "v=spf1 " + " ".join("a:" + h for h in hosts[:8]) +
        " include:_spf.good.test -all")
    dom("void.test", "v=spf1 a:nx1.void.test a:nx2.void.test "
        "a:nx3.void.test -all")
    dom("twovoid.test", "v=spf1 a:nx1.void.test a:nx2.void.test -all")
    dom("deadinc.test", "v=spf1 include:nothing.test -all")
    dom("loop.test", "v=spf1 include:_a.loop.test -all")
    z["_a.loop.test"] = [{"TXT": "v=spf1 include:loop.test ~all"}]
    dom("diamond.test", "v=spf1 include:_spf.good.test "
        "include:_b.diamond.test -all")
    z["_b.diamond.test"] = [{"TXT": "v=spf1 include:_spf.good.test ~all"}]
    # DMARC mistakes
    dom("none.test", "v=spf1 -all", dmarc("none"))
    dom("np.test", "v=spf1 -all", dmarc("reject", "; sp=quarantine; np=none"))
    z["sub.np.test"] = [{"A": "192.0.2.30"}]
    dom("quar.test", "v=spf1 -all", dmarc("quarantine"))
    dom("rua.test", "v=spf1 -all",
        dmarc("reject", "; rua=mailto:agg@reports.example"))
    dom("nodmarc.test", "v=spf1 -all")
    dom("nospf.test", "site-verification=abc", dmarc("reject"))
    dom("baddmarc.test", "v=spf1 -all", [{"TXT": "v=DMARC1; p=bogus"}])
    z["_dmarc.nodmarc.test"] = [{"TXT": "not dmarc"}]
    # small key
    dom("keys.test", "v=spf1 -all")
    z["s512._domainkey.keys.test"] = [{"TXT": "v=DKIM1; k=rsa; p=" +
                                       pub("rsa512.pem")}]
    # two records at one selector name (the results are undefined,
    # RFC 6376 3.6.2.2): both shown
    z["dup._domainkey.keys.test"] = [{"TXT": "v=DKIM1; k=rsa; p=" +
                                      pub("rsa2048.pem")},
                                     {"TXT": "v=DKIM1; p="}]
    # a key record carrying a C1 control (CSI, a terminal escape) and a
    # byte that is no UTF-8 (served as the raw byte 0xff)
    z["c1._domainkey.keys.test"] = [{"TXT": "v=DKIM1; k=rsa; n=x\u009b2Jy"
                                     "\udcffz; p=" + pub("rsa2048.pem")}]
    # 25 MX hosts: the addresses of the first 20 are looked up
    z["manymx.test"] = [{"MX": [10 + i, "mx%d.manymx.test" % i]}
                        for i in range(25)] + [{"TXT": "v=spf1 -all"}]
    for i in range(25):
        z["mx%d.manymx.test" % i] = [{"A": "192.0.2.25"}]
    # DNS trouble
    # an IDN domain, published under its A-label
    dom("xn--bcher-kva.test", "v=spf1 -all", dmarc("quarantine"))
    z["broken.test"] = ["SERVFAIL"]
    dom("mxfail.test", "v=spf1 -all")
    z["mx.mxfail.test"] = ["SERVFAIL"]
    # the tree walk's parent query fails (as a server authoritative for
    # the child zone only answers for _dmarc.<parent>)
    dom("sub.walkfail.test", "v=spf1 -all")
    z["_dmarc.walkfail.test"] = ["SERVFAIL"]
    return z


def run(env, domain, *sel):
    args = ["domain", domain]
    for s in sel:
        args += ["--selector", s]
    rc, out, doc = env.run(args)
    return rc, doc or {}


def main():
    t = TAP()
    if not t.need(check=lambda: authcheck_env.missing() or HAVE_LIBS,
                  what="authcheck domain tests"):
        t.done()
    try:
        env = authcheck_env.AuthcheckEnv(zone()).__enter__()
    except Exception as e:
        t.need(check=lambda reason=str(e): reason, what="DNS server")
        t.done()
    try:
        cases(t, env)
    finally:
        env.__exit__(None, None, None)
    t.done()


def private(name):
    """a test key copied with mode 0600, as the daemon's loader wants"""
    path = os.path.join(tmpdir.make("authcheck-key-"), name)
    with open(os.path.join(KEYS, name), "rb") as f:
        data = f.read()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def key_files(t, env):
    """--key: is the published key the public half of the signing key?
    A rotation that changed one and not the other fails every signature"""
    W = authcheck_env.warnings
    k2048, k1024 = private("rsa2048.pem"), private("rsa1024.pem")
    rc, _, doc = env.run(["domain", "good.test", "--selector", "s2048",
                          "--key", k2048, "--selector", "s1024"])
    keys = (doc or {}).get("dkim_keys") or [{}, {}]
    t.ok(rc == 0 and keys[0].get("key_file_matches") == "yes" and
         "key_file_matches" not in keys[1] and
         "dkim-key-mismatch" not in W(doc or {}),
         "--key: the matching private key, exit 0", diag=repr(doc))
    rc, _, doc = env.run(["domain", "good.test", "--selector", "s2048",
                          "--key", k1024])
    keys = (doc or {}).get("dkim_keys") or [{}]
    t.ok(rc == 1 and keys[0].get("key_file_matches") == "no" and
         "dkim-key-mismatch" in W(doc or {}),
         "--key: another key than the one published warns "
         "dkim-key-mismatch, exit 1", diag=repr(doc))
    rc, _, doc = env.run(["domain", "good.test", "--selector", "ed",
                          "--key", private("ed25519.seed")])
    keys = (doc or {}).get("dkim_keys") or [{}]
    t.ok(rc == 0 and keys[0].get("key_file_matches") == "yes",
         "--key: an Ed25519 seed matches its record", diag=repr(doc))
    rc, _, doc = env.run(["domain", "good.test", "--selector", "ed",
                          "--key", k2048])
    t.ok(rc == 1 and "dkim-key-mismatch" in W(doc or {}),
         "--key: an RSA key for an Ed25519 record is a mismatch",
         diag=repr(doc))
    for args in (["--key", k2048, "--selector", "s2048"],
                 ["--selector", "s2048", "--key", k2048, "--key", k2048],
                 ["--selector", "s2048", "--key", k2048 + ".none"]):
        rc, _, _ = authcheck_env.run_plain(["domain", "good.test"] + args)
        t.is_eq(rc, 2, "--key usage error exit 2: %s" % " ".join(
            a.replace(os.path.dirname(k2048) + "/", "") for a in args))


def cases(t, env):
    W = authcheck_env.warnings
    # a clean domain
    rc, doc = run(env, "good.test", "s2048", "s1024", "ed", "gone")
    t.ok(rc == 0 and W(doc) == set(), "clean domain: no warnings, exit 0",
         diag=repr(doc.get("warnings")))
    mx = doc.get("mx", {}).get("hosts", [{}])
    t.ok(mx[0].get("host") == "mx.good.test" and mx[0].get("preference") == 10
         and mx[0].get("ipv4_addresses") == 1, "MX host listed", diag=repr(mx))
    spf = doc.get("spf", {})
    tree = spf.get("tree", {})
    inc = [x for x in tree.get("terms", []) if "include" in x]
    t.ok(spf.get("dns_terms") == 3 and spf.get("dns_terms_limit") == 10 and
         spf.get("void_lookups") == 0 and inc and
         inc[0]["include"].get("record") == "v=spf1 a:mx.good.test ~all",
         "SPF include tree: record of the include, 3 DNS terms",
         diag=repr(spf))
    dm = doc.get("dmarc", {})
    t.ok(dm.get("p") == "reject" and dm.get("sp") == "quarantine" and
         dm.get("org_domain") == "good.test" and
         dm.get("applies_to_domain", "").startswith("reject") and
         dm.get("applies_to_subdomains", "").startswith("quarantine"),
         "DMARC: p for the domain, sp for subdomains, org domain",
         diag=repr(dm))
    rua = dm.get("rua", [])
    t.ok(len(rua) == 2 and "present" in rua[1].get("authorization", ""),
         "external rua with its authorization record", diag=repr(rua))
    keys = {k.get("selector"): k for k in doc.get("dkim_keys", [])}
    t.ok(keys.get("s2048", {}).get("bits") == 2048 and
         keys["s2048"].get("type") == "rsa" and
         keys.get("ed", {}).get("type") == "ed25519" and
         keys["ed"].get("bits") == 256 and
         keys.get("s1024", {}).get("bits") == 1024 and
         any("t=y" in f for f in keys["s1024"].get("flags", [])) and
         keys.get("gone", {}).get("status", "").startswith("revoked"),
         "DKIM keys: type, size, flags, revoked", diag=repr(keys))

    # subdomain without its own record: the org domain's sp applies
    rc, doc = run(env, "sub.good.test")
    dm = doc.get("dmarc", {})
    t.ok(dm.get("policy_domain") == "good.test" and
         dm.get("org_domain") == "good.test" and
         dm.get("applies_to_domain", "").startswith("quarantine (sp="),
         "subdomain: policy of the org domain by the tree walk",
         diag=repr(dm))

    # a name that does not exist gets np=, and is told so (it was
    # called sp=); one that exists gets sp=
    rc, doc = run(env, "nx.np.test")
    dm = doc.get("dmarc", {})
    t.ok(dm.get("applies_to_domain", "").startswith("none (np=") and
         "dmarc-p-none" in W(doc),
         "nonexistent subdomain: np= applies and is named", diag=repr(dm))
    rc, doc = run(env, "sub.np.test")
    t.ok(doc.get("dmarc", {}).get("applies_to_domain", "").startswith(
         "quarantine (sp="), "existing subdomain: sp= applies",
         diag=repr(doc.get("dmarc")))

    # each warning, triggered and not
    for dom, code, near in (
            ("multi.test", "spf-multiple-records", "minusall.test"),
            ("plusall.test", "spf-plus-all", "minusall.test"),
            ("bareall.test", "spf-plus-all", "minusall.test"),
            ("many.test", "spf-too-many-lookups", "ten.test"),
            ("void.test", "spf-void-lookups", "twovoid.test"),
            ("deadinc.test", "spf-include-missing", "good.test"),
            ("loop.test", "spf-include-loop", "diamond.test"),
            ("none.test", "dmarc-p-none", "quar.test"),
            ("rua.test", "dmarc-rua-unauthorized", "good.test"),
            ("nodmarc.test", "dmarc-missing", "quar.test"),
            ("nospf.test", "spf-missing", "minusall.test"),
            ("baddmarc.test", "dmarc-invalid", "quar.test")):
        rc, doc = run(env, dom)
        t.ok(rc == 1 and code in W(doc), "%s warns %s" % (dom, code),
             diag=repr(doc.get("warnings")))
        rc, doc = run(env, near)
        t.ok(code not in W(doc), "%s does not warn %s" % (near, code),
             diag=repr(doc.get("warnings")))
    # an unusable record is a permerror, not a policy of none
    rc, doc = run(env, "baddmarc.test")
    t.ok("dmarc-p-none" not in W(doc) and "permerror" in doc.get(
         "dmarc", {}).get("why", ""), "baddmarc.test: permerror, not p=none",
         diag=repr(doc.get("dmarc")))
    rc, doc = run(env, "many.test")
    t.is_eq(doc.get("spf", {}).get("dns_terms"), 11, "many.test: 11 terms")
    rc, doc = run(env, "ten.test")
    t.ok(rc == 0 and doc.get("spf", {}).get("dns_terms") == 10,
         "ten.test: 10 terms (8 a, an include and its a)",
         diag=repr(doc.get("spf")))
    rc, doc = run(env, "diamond.test")
    t.ok(rc == 0 and doc.get("spf", {}).get("dns_terms") == 5,
         "diamond.test: a record included twice is counted twice",
         diag=repr(doc.get("spf")))
    rc, doc = run(env, "void.test")
    t.is_eq(doc.get("spf", {}).get("void_lookups"), 3, "void.test: 3 voids")
    rc, doc = run(env, "keys.test", "s512")
    t.ok(rc == 1 and "dkim-key-small" in W(doc),
         "512-bit key warns dkim-key-small", diag=repr(doc))
    rc, doc = run(env, "good.test", "s1024")
    t.ok("dkim-key-small" not in W(doc), "1024-bit key does not warn")
    rc, doc = run(env, "good.test", "missing")
    t.ok(rc == 1 and "dkim-key-missing" in W(doc), "missing selector warns")

    key_files(t, env)

    # several records at one name, a term with two notes: each is
    # shown, and the JSON repeats no key in an object (a parser kept
    # only the last record or note)
    def unique(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("repeated key in %r" % keys)
        return dict(pairs)
    docs = {}
    for dom, sel, what, recs in (
            ("multi.test", [], "two SPF records",
             ['"v=spf1 -all"', '"v=spf1 ip4:192.0.2.1 -all"']),
            ("keys.test", ["dup"], "two key records",
             ['"v=DKIM1; p="', '"v=DKIM1; k=rsa; p=MII']),
            ("ptrmacro.test", [], "ptr with macros: both notes",
             ["ptr is slow", "has macros"])):
        rc, out, _ = env.run(["domain", dom] + sum((["--selector", x]
                                                     for x in sel), []))
        try:
            doc = json.loads(out, object_pairs_hook=unique)
            err = None
        except ValueError as e:
            doc, err = {}, str(e)
        docs[dom] = doc
        t.ok(err is None and all(r in out for r in recs),
             "%s: every record shown, no key repeated" % what,
             diag=err or out)
    keys = (docs["keys.test"].get("dkim_keys") or [{}])[0]
    judged = sorted(k.get("status", "")[:7] for k in
                    [keys] + (keys.get("more_records") or []))
    t.ok(judged == ["ok", "revoked"], "two key records: each judged, the "
         "first at the top, the other in more_records", diag=repr(keys))

    # human output
    rc, out, _ = authcheck_env.run_plain(
        ["domain", "plusall.test", "--nameserver", env.nameserver])
    t.ok(rc == 1 and "warnings:" in out and "code: spf-plus-all" in out and
         "1 warning, 0 failed checks" in out, "human output lists warnings",
         diag=out)

    # what a record says reaches the terminal without controls: no C1
    # CSI (U+009B, UTF-8 c2 9b), and the stray byte as "?"
    p = subprocess.run([authcheck_env.binary(), "domain", "keys.test",
                        "--selector", "c1", "--nameserver", env.nameserver],
                       capture_output=True, timeout=60)
    t.ok(b"n=x2Jy?z; p=" in p.stdout and b"\xc2\x9b" not in p.stdout and
         b"\xff" not in p.stdout, "human output drops C1 controls, shows a "
         "stray byte as ?", diag=repr(p.stdout[-400:]))

    # the MX hosts' address lookups are bounded (each may take the
    # whole --timeout, and an RRset can hold thousands of hosts)
    rc, doc = run(env, "manymx.test")
    hosts = doc.get("mx", {}).get("hosts", [])
    looked = [h for h in hosts if "ipv4_addresses" in h]
    t.ok(len(hosts) == 25 and len(looked) == 20 and
         all("not looked up" in h.get("why", "") for h in hosts
             if h not in looked), "25 MX hosts: addresses of 20 looked up",
         diag=repr(hosts[-6:]))

    # a U-label argument is looked up as its A-labels, as mail is
    rc, doc = run(env, "B\u00fccher.test.")
    t.ok(doc.get("domain") == "xn--bcher-kva.test" and
         doc.get("domain_unicode") == "b\u00fccher.test" and
         doc.get("dmarc", {}).get("p") == "quarantine" and
         doc.get("spf", {}).get("tree", {}).get("record") == "v=spf1 -all",
         "U-label domain: records of its A-label form, both forms shown",
         diag="rc %r %r" % (rc, doc))
    for bad in ("p\u0430ypal.test", "\u2603.test", "xn--zzzzzz.test"):
        rc, _, _ = authcheck_env.run_plain(["domain", bad])
        t.is_eq(rc, 2, "invalid IDN %r: usage error exit 2" % bad)

    # DNS failure and usage errors
    rc, doc = run(env, "broken.test")
    t.is_eq(rc, 3, "SERVFAIL: exit 3 (DNS temporary failure)")
    rc, doc = run(env, "sub.walkfail.test")
    t.ok(rc == 3 and "_dmarc.walkfail.test TXT: servfail" in
         doc.get("dmarc", {}).get("why", ""),
         "DMARC walk SERVFAIL at a parent: exit 3, why names the query",
         diag="rc %r %r" % (rc, doc.get("dmarc")))
    # an MX host whose address lookup fails has not "no address"
    rc, doc = run(env, "mxfail.test")
    mx = doc.get("mx", {}).get("hosts", [{}])
    t.ok(rc == 3 and "mx-no-address" not in W(doc) and
         "servfail" in mx[0].get("why", "").lower(),
         "MX host address SERVFAIL: exit 3, no mx-no-address warning",
         diag="rc %r %r" % (rc, doc))
    for args in (["domain"], ["domain", "a..b"], ["domain", "x.test", "--bogus"],
                 ["nosuch"]):
        rc, _, _ = authcheck_env.run_plain(args)
        t.is_eq(rc, 2, "usage error exit 2: %s" % " ".join(args))


main()
