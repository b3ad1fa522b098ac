"""gen - the seeded case generator of the ARC differential suite.

make_case(rng, K, idx) -> (raw message, recipe dict), K from
keyset.keys(). Same seed, same messages: fixed keys, t= pinned to T0,
RSA PKCS#1 v1.5 signatures are deterministic.

A case is a chain of 1-5 sets, each sealed by dkimpy or by arcseal,
with one mutation (12 % two). The vocabulary holds only changes on which
RFC 8617 (with RFC 6376 for the signatures) and dkimpy 1.1 agree; what
last session's classification (tests/diff/arc/fixed.py lists it) showed
as a dkimpy quirk or an RFC-judged difference is left out on purpose:
physically reordered ARC fields, AMS written so that its raw value lacks
" i=N;" (dkimpy IndexError), "Name :" fields, white space after b=, key
h=sha1, i= values like +1 / 1.0 / " 1", AAR whose i= is not first or has
no ";", invalid tag names, ARC fields without i=, cv=/a= case, v=2, c=
on the AS, AMS without c=, anything malformed or expired in an OLDER AMS
(RFC 8617 5.2 checks only the newest), 51 sets, t= in the future, x=
within dkimpy's 10 h slop, l= beyond the body, ed25519 (dkimpy's ARC is
rsa-sha256 only).
"""
import re

import arcseal as A
import keyset

T0 = 1764000000                 # t= of every set: 2025-11-24, in the past
X_FUTURE = 4102444800           # 2100-01-01
X_PAST = T0 + 86400             # long expired, beyond any slop
GOOD, BADKEYS = keyset.GOOD, keyset.BADKEYS


def base_message(rng, n):
    subj = rng.choice([b"hello", b"Re: [list] minutes", b"  spaced   subject",
                       b"=?utf-8?q?caf=C3=A9?="])
    body = rng.choice([b"Hello list,\r\nhi.\r\n",
                       b"line with trailing space   \r\n\r\n\r\n", b"",
                       b"a\tb  c\r\n" * 5, b"no final newline"])
    return (b"From: Alice <alice@author.example>\r\n"
            b"To: list@list.example\r\nSubject: " + subj + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <%d@author.example>\r\n\r\n" % n + body)


class Case:
    """a chain being planned: per hop its key, sealer, knobs"""

    def __init__(self, rng, K, n, idx):
        self.rng, self.K = rng, K
        self.raw = base_message(rng, idx)
        self.n = 0
        self.sealers, self.dkimpy, self.knobs, self.inst = [], [], [], []
        for _ in range(n):
            self.add_hop()
        if rng.random() < 0.1:
            self.sealers[rng.randrange(n)] = "r2048"
        self.edits = {}     # hop k -> fn(raw), before hop k seals (k=n: after)
        self.post = []      # fns(raw) after the last seal
        self.desc = []
        self.copied = []    # ARC fields M_dup_arc copied (name, value)

    def add_hop(self):
        self.n += 1
        self.sealers.append(self.rng.choice(GOOD))
        self.dkimpy.append(self.rng.random() < 0.45)
        self.knobs.append({})
        self.inst.append(None)

    def at_least(self, n):
        while self.n < n:
            self.add_hop()

    def own(self, k=None):
        """hop k (random if None) sealed by arcseal (it has knobs)"""
        k = self.rng.randrange(self.n) if k is None else k
        self.dkimpy[k] = False
        return k

    def newest(self):
        return self.own(self.n - 1)


def build(c):
    raw = c.raw
    for k in range(c.n):
        if k in c.edits:
            raw = c.edits[k](raw)
        key = c.K[c.sealers[k]]
        kn = dict(c.knobs[k])
        cv = kn.pop("cv", "none" if k == 0 else "pass")
        if c.dkimpy[k] and not kn and c.inst[k] is None and key.kind == "rsa":
            raw = A.dkimpy_seal(raw, key, cv, T0)
            continue
        c.dkimpy[k] = False
        if "ams_key" in kn:
            kn["ams_key"] = c.K[kn["ams_key"]]
        raw = A.seal(raw, key, cv, kn.pop("t", T0), inst=c.inst[k], **kn)
    if c.n in c.edits:
        raw = c.edits[c.n](raw)
    for f in c.post:
        raw = f(raw)
    return raw


# ------------------------------------------------------------ mutations
# each takes the Case and plans one change, appending its description
def footer(raw):
    return raw + b"-- \r\nlist footer\r\n"


def retitle(raw):
    h, b = A.split(raw)
    return A.join([(n, b" [list]" + v if n.lower() == b"subject" else v)
                   for n, v in h], b)


def arc_idx(h):
    return [i for i, (n, _v) in enumerate(h) if n.strip().lower() in A.ARC_NAMES]


def M_clean(c):
    c.desc.append("clean chain")


def M_body_after(c):
    k = c.rng.randint(1, c.n)
    c.edits[k] = footer
    c.desc.append("body footer added after hop %d of %d" % (k, c.n))


def M_header_after(c):
    k = c.rng.randint(1, c.n)
    c.edits[k] = retitle
    c.desc.append("Subject changed after hop %d of %d" % (k, c.n))


def M_remove_arc(c):
    """one ARC field removed; never a field M_dup_arc copied: removing the
    original would leave its copy as a mere reorder (left out, see the
    module comment)"""
    def f(raw):
        h, b = A.split(raw)
        j = c.rng.choice([i for i in arc_idx(h) if h[i] not in c.copied])
        c.desc.append("removed %s i=%s" % (h[j][0].decode(),
                                           A.inst_of(h[j][1])))
        del h[j]
        return A.join(h, b)
    c.post.append(f)


def M_dup_arc(c):
    def f(raw):
        h, b = A.split(raw)
        j = c.rng.choice(arc_idx(h))
        where = c.rng.choice(["top", "adjacent", "bottom"])
        c.desc.append("duplicated %s i=%s at %s" % (
            h[j][0].decode(), A.inst_of(h[j][1]), where))
        c.copied.append(h[j])
        h.insert({"top": 0, "adjacent": j, "bottom": len(h)}[where], h[j])
        return A.join(h, b)
    c.post.append(f)


def M_swap_inst(c):
    """i= of two instances exchanged on AS, AMS or whole sets, not
    resealed (AAR alone left out: with equal payloads it is a reorder)"""
    c.at_least(2)

    def f(raw):
        h, b = A.split(raw)
        x, y = c.rng.sample(range(1, c.n + 1), 2)
        which = c.rng.choice(["set", "as", "ams"])
        kinds = {"set": A.ARC_NAMES, "as": (b"arc-seal",),
                 "ams": (b"arc-message-signature",)}[which]
        out = []
        for n, v in h:
            i = A.inst_of(v)
            if n.strip().lower() in kinds and i in (x, y):
                v = re.sub(rb"i=%d\b" % i, b"i=%d" % (y if i == x else x), v,
                           count=1)
            out.append((n, v))
        c.desc.append("swapped i=%d and i=%d on %s fields" % (x, y, which))
        return A.join(out, b)
    c.post.append(f)


def M_cv_pass_on_1(c):
    c.own(0)
    c.knobs[0]["cv"] = "pass"
    c.desc.append("instance 1 sealed with cv=pass")


def M_cv_none_gt1(c):
    c.at_least(2)
    k = c.own(c.rng.randint(1, c.n - 1))
    c.knobs[k]["cv"] = "none"
    c.desc.append("instance %d sealed with cv=none" % (k + 1))


def M_cv_fail(c):
    c.at_least(2)
    k = c.own(c.rng.randint(1, c.n - 1))
    own = c.rng.random() < 0.5
    c.knobs[k].update(cv="fail", own_scope=own)
    if c.rng.random() < 0.5:
        c.edits[k] = footer
    c.desc.append("instance %d sealed cv=fail (seal covers %s)" % (
        k + 1, "its own set" if own else "all sets"))


def M_cv_text(c):
    k = c.own()
    txt = c.rng.choice([" none", " pass", "foo", "", "passed", "pass fail",
                        "temperror", "neutral"])
    if txt.strip() in ("none", "pass"):
        txt = " " + ("none" if k == 0 else "pass")
    c.knobs[k]["cv_text"] = txt
    c.desc.append("instance %d cv=%r" % (k + 1, txt))


def M_i_gap(c):
    c.at_least(2)
    k = c.rng.randint(1, c.n - 1)
    for j in range(k, c.n):
        c.inst[j] = j + 2
        c.own(j)
    c.desc.append("i= gap: instance %d skipped" % (k + 1))


def M_i_dup(c):
    c.at_least(2)
    k = c.rng.randint(1, c.n - 1)
    for j in range(k, c.n):
        c.inst[j] = j
        c.own(j)
    c.desc.append("i= duplicate: hop %d reuses instance %d" % (k + 1, k))


def M_i_over_50(c):
    mode = c.rng.choice(["single-51", "single-99", "jump-to-51"])
    if mode == "jump-to-51":
        c.inst[-1] = 51
        c.own(c.n - 1)
    else:
        c.n, c.sealers, c.knobs = 1, c.sealers[:1], [{}]
        c.dkimpy, c.inst = [False], [int(mode.split("-")[1])]
        c.edits = {}
    c.desc.append("instance over 50: %s" % mode)


def M_i_zeros(c):
    """a leading zero: i=01"""
    k = c.own()
    txt = "0%d" % (k + 1)        # 1*2DIGIT (RFC 8617 4.2.1)
    c.knobs[k]["i_text"] = txt
    c.desc.append("instance %d written i=%s on AAR, AMS and AS" % (k + 1, txt))


def M_as_format(c):
    k = c.own()
    kind = c.rng.choice(["fold", "ws", "fold+ws", "tabs", "lead-fold",
                         "b-fold"])
    f = {"fold": lambda: A.Fmt(fold_every=c.rng.randint(1, 3)),
         "ws": lambda: A.Fmt(sep=c.rng.choice([b" ;  ", b";", b" ; "]),
                             eq=c.rng.choice([b" = ", b"= ", b" ="]),
                             lead=c.rng.choice([b"  ", b"", b"\t"])),
         "fold+ws": lambda: A.Fmt(sep=b" ; ", eq=b" =\r\n\t", fold_every=2,
                                  b_fold=20),
         "tabs": lambda: A.Fmt(sep=b";\t", eq=b"=\t", lead=b"\t"),
         "lead-fold": lambda: A.Fmt(lead=b"\r\n "),
         "b-fold": lambda: A.Fmt(b_fold=c.rng.choice([1, 7, 40]))}[kind]()
    c.knobs[k]["as_fmt"] = f
    c.desc.append("instance %d ARC-Seal written with %s" % (k + 1, kind))


def M_ams_format(c):
    """only forms that keep " i=N;" in the raw AMS (dkimpy needs it):
    folds with a space, not a tab"""
    k = c.own()
    kind = c.rng.choice(["fold", "lead-fold", "b-fold"])
    c.knobs[k]["ams_fmt"] = {
        "fold": A.Fmt(fold_every=c.rng.randint(1, 3), fold=b"\r\n "),
        "lead-fold": A.Fmt(lead=b"\r\n "),
        "b-fold": A.Fmt(b_fold=c.rng.choice([1, 7, 40]))}[kind]
    c.desc.append("instance %d AMS written with %s" % (k + 1, kind))


def M_refold_post(c):
    """an ARC field rewritten after sealing, its relaxed form kept"""
    def f(raw):
        h, b = A.split(raw)
        j = c.rng.choice(arc_idx(h))
        n, v = h[j]
        how = c.rng.choice(["fold-after-semicolons", "double-spaces",
                            "tab-for-space", "leading-space",
                            "fold-inside-b", "name-case"])
        ams = n.lower() == b"arc-message-signature"
        if how == "tab-for-space" and ams:     # keep " i=N;" (dkimpy)
            how = "double-spaces"
        if how == "fold-after-semicolons":
            v = v.replace(b"; ", b";\r\n " if ams else b";\r\n\t")
        elif how == "double-spaces":
            v = v.replace(b" ", b"  ")
        elif how == "tab-for-space":
            v = v.replace(b" ", b"\t")
        elif how == "leading-space":
            v = b"   " + v.lstrip(b" ")
        elif how == "fold-inside-b":
            m = re.search(rb"\bb=([A-Za-z0-9+/=]{10})", v)
            if m:
                v = v[:m.end() - 5] + b"\r\n\t" + v[m.end() - 5:]
        else:
            n = c.rng.choice([n.upper(), n.lower()])
        c.desc.append("post-seal %s on %s i=%s" % (how, h[j][0].decode(),
                                                  A.inst_of(h[j][1])))
        h[j] = (n, v)
        return A.join(h, b)
    c.post.append(f)


def M_h_arc(c):
    """AMS h= naming ARC or A-R fields; ARC-Seal (RFC 8617 4.1.2: MUST
    NOT) only on the newest AMS"""
    extra = c.rng.choice([b"arc-authentication-results",
                          b"ARC-Authentication-Results",
                          b"arc-message-signature", b"arc-seal", b"ARC-Seal",
                          b"authentication-results"])
    k = c.newest() if extra.lower() == b"arc-seal" else c.own()
    if extra == b"arc-message-signature" and k == 0:
        extra = b"arc-authentication-results"
    c.knobs[k]["h"] = (b"from", b"to", b"subject", extra)
    c.desc.append("instance %d AMS h= includes %s" % (k + 1, extra.decode()))


def M_field_missing(c):
    k = c.own()
    kind = c.rng.choice(["aar", "ams", "as"])
    c.knobs[k]["omit"] = (kind,)
    c.desc.append("instance %d sealed without its %s" % (k + 1, kind.upper()))


def M_badkey(c):
    k = c.own()
    bad = c.rng.choice(BADKEYS)
    which = c.rng.choice(["as", "ams", "both"])
    if which == "ams":
        c.knobs[k]["ams_key"] = bad
    else:
        c.sealers[k] = bad
        if which == "as":
            c.knobs[k]["ams_key"] = c.rng.choice(GOOD)
    c.desc.append("instance %d %s signed with key %s" % (
        k + 1, {"as": "AS", "ams": "AMS", "both": "AS and AMS"}[which], bad))


def M_unknown_tags(c):
    k = c.own()
    tags = c.rng.choice([[("foo", b"bar")], [("zz", b"")],
                         [("x_1", b"y"), ("q9", b"a b")],
                         [("foo", b"bar=baz")], [("v", b"1")]])
    where = c.rng.choice(["as", "ams", "both"])
    if where in ("as", "both"):
        c.knobs[k]["as_extra"] = tags
    if where in ("ams", "both"):
        c.knobs[k]["ams_extra"] = tags
    c.desc.append("instance %d extra tags %r on %s" % (k + 1, tags, where))


def M_dup_tag(c):
    """a tag twice (RFC 6376 3.2: invalid); in an AMS only the newest"""
    where = c.rng.choice(["as", "ams"])
    k = c.newest() if where == "ams" else c.own()
    key = c.K[c.sealers[k]]
    tag = c.rng.choice([("d", key.domain.encode()),
                        ("s", key.selector.encode()), ("t", b"%d" % T0)])
    c.knobs[k][where + "_extra"] = [tag]
    c.desc.append("instance %d %s has tag %s= twice" % (k + 1, where, tag[0]))


def M_drop_tag(c):
    """a required tag left out; in an AMS only the newest"""
    where = c.rng.choice(["ams", "as"])
    k = c.newest() if where == "ams" else c.own()
    tag = c.rng.choice(["d", "s", "h", "bh", "a", "b"] if where == "ams"
                       else ["d", "s", "a", "cv", "b"])
    c.knobs[k][where + "_drop"] = (tag,)
    c.desc.append("instance %d %s without %s=" % (k + 1, where.upper(), tag))


def M_upper_tags(c):
    """a tag name in upper case (tag names are case-sensitive, RFC 6376
    3.2); AMS only the newest, never C= (c= absent is a judged case)"""
    where = c.rng.choice(["as", "ams"])
    if where == "as":
        k = c.own()
        tag = c.rng.choice(["i", "cv", "d", "a", "b", "s", "t"])
    else:
        k = c.newest()
        tag = c.rng.choice(["i", "d", "a", "b", "s", "h", "bh", "t"])
    c.knobs[k][where + "_fmt"] = A.Fmt(upper=[tag])
    c.desc.append("instance %d %s tag name %s= in upper case" %
                  (k + 1, where.upper(), tag.upper()))


def M_ams_canon(c):
    k = c.own()
    canon = c.rng.choice(["simple/simple", "relaxed/simple", "simple/relaxed",
                          "relaxed/relaxed"])
    c.knobs[k]["canon"] = canon
    c.desc.append("instance %d AMS c=%s" % (k + 1, canon))


def M_as_c_relaxed(c):
    k = c.own()
    c.knobs[k]["as_extra"] = [("c", b"relaxed/relaxed")]
    c.desc.append("instance %d AS carries c=relaxed/relaxed" % (k + 1))


def M_times(c):
    mode = c.rng.choice(["t-400days", "ams-x-future", "ams-x-expired"])
    k = c.newest() if mode == "ams-x-expired" else c.own()
    if mode == "t-400days":
        c.knobs[k]["t"] = T0 - 400 * 86400
    else:
        c.knobs[k]["ams_x"] = X_FUTURE if mode == "ams-x-future" else X_PAST
    c.desc.append("instance %d timestamps: %s" % (k + 1, mode))


def M_aar_form(c):
    """AAR spellings RFC 8617 4.1.1 allows (arc-info = instance [CFWS]
    ";"), incl. the comments around i= authmilter once refused"""
    k = c.own()
    i = k + 1
    v = c.rng.choice([b" i = %d ; mx.x; spf=pass" % i,
                      b" I=%d; mx.x; spf=pass" % i,
                      b" (comment) i=%d; mx.x; spf=pass" % i,
                      b" i=%d (c); mx.x; spf=pass" % i,
                      b"i=%d;mx.x;spf=pass" % i,
                      b" i=%d;" % i,
                      b" i=%d; mx.x; none" % i,
                      b" i=%d; mx.x; spf=pass header.i=@x; i=7" % i,
                      b" i=%d; mx.x;\r\n\tdkim=pass header.d=x\r\n\t(c)" % i])
    c.knobs[k]["aar"] = v
    c.desc.append("instance %d AAR value %r" % (i, v))


def M_i_not_first(c):
    """i= moved inside the tag list, never last in an AMS (dkimpy looks
    for " i=N;")"""
    k = c.own()
    where = c.rng.choice(["as", "ams", "both"])
    pos = {}
    if where in ("as", "both"):
        pos["as"] = c.rng.randint(1, 6)
    if where in ("ams", "both"):
        pos["ams"] = c.rng.randint(1, 6)
    c.knobs[k]["i_pos"] = pos
    c.desc.append("instance %d i= moved to %r" % (k + 1, pos))


def M_comment_before_i(c):
    """a comment before i= in AS/AMS: tag lists have no comments"""
    k = c.own()
    where = c.rng.choice(["as", "ams"])
    c.knobs[k][where + "_fmt"] = A.Fmt(lead=b" (hop) ")
    c.desc.append("instance %d %s starts with a comment" % (k + 1,
                                                            where.upper()))


def M_d_case(c):
    k = c.own()
    where = c.rng.choice(["as", "ams"])
    c.knobs[k][where + "_d"] = c.K[c.sealers[k]].domain.upper()
    c.desc.append("instance %d %s d= in upper case" % (k + 1, where.upper()))


def M_l_tag(c):
    k = c.own()
    blen = len(A.canon_body(A.split(c.raw)[1], "relaxed"))
    c.knobs[k]["ams_l"] = c.rng.choice([blen, max(0, blen - 3)])
    if c.rng.random() < 0.5:
        c.edits[c.n] = footer
    c.desc.append("instance %d AMS l=%d%s" % (
        k + 1, c.knobs[k]["ams_l"],
        ", footer after the last hop" if c.n in c.edits else ""))


def M_bogus_arc(c):
    """an extra ARC-like field that has an i= (one without is judged)"""
    def f(raw):
        add = c.rng.choice([
            b"ARC-Seal: i=0; cv=none; a=rsa-sha256; d=x; s=y; b=AAAA\r\n",
            b"ARC-Foo: i=1; x\r\n", b"ARC-Seal-Extra: i=1; x\r\n",
            b"Arc-Authentication-Results: i=%d; mx.x; spf=pass\r\n"
            % (c.n + 1)])
        c.desc.append("extra field on top: %r" % add)
        return add + raw
    c.post.append(f)


def M_strip_newest(c):
    c.at_least(2)

    def f(raw):
        h, b = A.split(raw)
        return A.join([x for x in h if not (
            x[0].strip().lower() in A.ARC_NAMES and
            A.inst_of(x[1]) == c.n)], b)
    c.post.append(f)
    c.desc.append("newest set (i=%d) stripped after sealing" % c.n)


def M_lf_only(c):
    c.post.append(lambda raw: raw.replace(b"\r\n", b"\n"))
    c.desc.append("LF line ends")


def M_other_headers(c):
    def f(raw):
        add = c.rng.choice([b"Received: from a by b; Sat, 28 Nov 2026",
                            b"Authentication-Results: mx.example; arc=pass",
                            b"DKIM-Signature: v=1; junk",
                            b"To: second@list.example",
                            b"Subject: second subject"])
        pos = c.rng.choice(["top", "bottom"])
        c.desc.append("added %r at %s" % (add, pos))
        h, b = A.split(raw)
        n, _, v = add.partition(b":")
        h.insert(0 if pos == "top" else len(h), (n, v))
        return A.join(h, b)
    c.post.append(f)


def M_corrupt_sig(c):
    """one base64 character of an AS b=, an AMS b= or bh= changed after
    sealing; an older AMS is not checked (RFC 8617 5.2)"""
    def f(raw):
        h, b = A.split(raw)
        j = c.rng.choice(arc_idx(h))
        n, v = h[j]
        tag = rb"bh" if n.lower() == b"arc-message-signature" and \
            c.rng.random() < 0.4 else rb"b"
        m = re.search(rb"(?:^|[;\s])" + tag + rb"=([A-Za-z0-9+/])", v)
        if not m:
            return raw
        p = m.start(1)
        v = v[:p] + (b"A" if v[p:p + 1] != b"A" else b"B") + v[p + 1:]
        c.desc.append("%s= of %s i=%s changed" % (tag.decode(), n.decode(),
                                                  A.inst_of(v)))
        h[j] = (n, v)
        return A.join(h, b)
    c.post.append(f)


# name, planner, weight; "shape" ones change the number of hops and are
# applied first so that a later "newest" choice stays the newest
MUTATIONS = [
    ("clean", M_clean, 6), ("body_after", M_body_after, 5),
    ("header_after", M_header_after, 4), ("remove_arc", M_remove_arc, 4),
    ("dup_arc", M_dup_arc, 4), ("swap_inst", M_swap_inst, 3),
    ("cv_pass_on_1", M_cv_pass_on_1, 2), ("cv_none_gt1", M_cv_none_gt1, 2),
    ("cv_fail", M_cv_fail, 4), ("cv_text", M_cv_text, 3),
    ("i_gap", M_i_gap, 3), ("i_dup", M_i_dup, 3),
    ("i_over_50", M_i_over_50, 2), ("i_zeros", M_i_zeros, 2),
    ("as_format", M_as_format, 4), ("ams_format", M_ams_format, 3),
    ("refold_post", M_refold_post, 5), ("h_arc", M_h_arc, 4),
    ("field_missing", M_field_missing, 3), ("badkey", M_badkey, 8),
    ("unknown_tags", M_unknown_tags, 3), ("dup_tag", M_dup_tag, 2),
    ("drop_tag", M_drop_tag, 4), ("upper_tags", M_upper_tags, 3),
    ("ams_canon", M_ams_canon, 4), ("as_c_relaxed", M_as_c_relaxed, 1),
    ("times", M_times, 3), ("aar_form", M_aar_form, 5),
    ("i_not_first", M_i_not_first, 3),
    ("comment_before_i", M_comment_before_i, 2), ("d_case", M_d_case, 2),
    ("l_tag", M_l_tag, 2), ("bogus_arc", M_bogus_arc, 2),
    ("strip_newest", M_strip_newest, 2), ("lf_only", M_lf_only, 1),
    ("other_headers", M_other_headers, 2), ("corrupt_sig", M_corrupt_sig, 4),
]
SHAPE = ("swap_inst", "cv_none_gt1", "cv_fail", "i_gap", "i_dup",
         "strip_newest")
ALONE = ("i_over_50",)          # rebuilds the chain: never combined


def make_case(rng, K, idx):
    c = Case(rng, K, rng.choice([1, 1, 2, 2, 3, 3, 4, 5]), idx)
    names = [m[0] for m in MUTATIONS]
    weights = [m[2] for m in MUTATIONS]
    picks = [rng.choices(range(len(names)), weights)[0]]
    if rng.random() < 0.12 and names[picks[0]] not in ALONE:
        p = rng.choices(range(len(names)), weights)[0]
        if names[p] not in ALONE:
            picks.append(p)
    picks.sort(key=lambda p: names[p] not in SHAPE)
    for p in picks:
        MUTATIONS[p][1](c)
    raw = build(c)
    return raw, {"hops": c.n, "sealers": c.sealers, "by_dkimpy": c.dkimpy,
                 "inst": c.inst, "mutations": [names[p] for p in picks],
                 "desc": c.desc}
