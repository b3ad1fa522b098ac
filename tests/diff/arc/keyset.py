"""keyset - the keys of the ARC differential suite and their records.

keys() -> {name: arcseal.Key}: five hop keys r1..r5 (three fixed RSA
keys under keys/, two reused under other names), a 2048-bit one, a
512-bit one, an ed25519 one (fixed seed), and keys whose published
record is wrong in some way (the private key works; only the record
differs). records(K) -> ({key name: TXT} for dkimpy's dnsfunc, the same
as a zone for tests/lib/dns_server.py, with a SERVFAIL name and an SPF
record beside one key).
"""
import arcseal as A

GOOD = ["r1", "r2", "r3", "r4", "r5"]
BADKEYS = ["nokey", "malformed_b64", "revoked", "badver", "tlsrpt", "ktype",
           "unknownk", "v_not_first", "no_v", "ws_record", "small",
           "unknown_tag_rec", "trunc_p", "upper_tags_rec", "servfail",
           "empty_txt", "two_recs", "s_email", "t_y"]


def keys():
    K = {}
    for i, pem in enumerate(("hop1", "hop2", "hop3", "hop1", "hop2"), 1):
        K["r%d" % i] = A.Key("hop%d.example" % i, "s%d" % i, pem)
    K["r2048"] = A.Key("big.example", "b1", "big")
    K["small"] = A.Key("small.example", "k", "small")
    for name in BADKEYS:
        if name != "small":
            K[name] = A.Key(name.replace("_", "-") + ".example", "k", "hop3")
    K["ed1"] = A.Key("ed1.example", "e1", ed_seed=b"authmilter diff arc ed1")
    K["hsha1"] = A.Key("hsha1.example", "k", "hop3")    # fixed cases only
    return K


def records(K):
    """the published keys: good ones as made, the others wrong on purpose"""
    recs = {}
    for n in GOOD + ["r2048", "small", "ed1"]:
        recs[K[n].name] = K[n].record

    def rsa(name, fmt):
        recs[K[name].name] = fmt % K[name].p
    recs[K["malformed_b64"].name] = "v=DKIM1; k=rsa; p=" + \
        K["malformed_b64"].p[:40] + "!!**" + K["malformed_b64"].p[44:]
    recs[K["revoked"].name] = "v=DKIM1; k=rsa; p="
    rsa("badver", "v=DKIM2; k=rsa; p=%s")
    rsa("tlsrpt", "v=DKIM1; k=rsa; s=tlsrpt; p=%s")
    rsa("s_email", "v=DKIM1; k=rsa; s=email; p=%s")
    rsa("t_y", "v=DKIM1; k=rsa; t=y; p=%s")
    rsa("ktype", "v=DKIM1; k=ed25519; p=%s")
    rsa("unknownk", "v=DKIM1; k=foo; p=%s")
    rsa("hsha1", "v=DKIM1; h=sha1; k=rsa; p=%s")       # fixed cases only
    rsa("v_not_first", "k=rsa; v=DKIM1; p=%s")
    rsa("no_v", "p=%s")
    pp = K["ws_record"].p
    recs[K["ws_record"].name] = " v = DKIM1 ;  k = rsa ; p = " + pp[:30] + \
        " " + pp[30:60] + "\t" + pp[60:] + " ; "
    rsa("unknown_tag_rec", "v=DKIM1; k=rsa; zz=top; p=%s")
    recs[K["trunc_p"].name] = "v=DKIM1; k=rsa; p=" + K["trunc_p"].p[:-20]
    rsa("upper_tags_rec", "V=DKIM1; K=rsa; P=%s")
    recs[K["empty_txt"].name] = ""
    rsa("two_recs", "v=DKIM1; k=rsa; p=%s")
    zone = {n: [{"TXT": v}] for n, v in recs.items()}
    # an SPF record beside the key: a resolver hands both, the key wins
    zone[K["two_recs"].name].insert(0, {"TXT": "v=spf1 -all"})
    zone[K["servfail"].name] = ["SERVFAIL"]
    # nokey: no record at all
    return recs, zone
