"""sign_corpus - varied unsigned messages for the signing interop tests
(tests/functional/test_dkim_sign.py, tests/e2e/test_postfix_sign.py).

messages(n, seed) returns n (label, bytes) pairs, deterministic for a
seed: sizes from empty to about 1 MB, MIME multipart, folded and
repeated header fields, odd header name case, 8-bit (UTF-8 and Latin-1)
bodies, lines with trailing white space, bodies without a final CRLF, and
trailing empty lines. Every message has one From in From_domain.
"""

import random

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango "
         "Grüße Ærøskøbing naïve café").split()


def _line(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _text(rng, lines, width=10, encoding="utf-8"):
    return "\r\n".join(_line(rng, rng.randint(1, width))
                       for _ in range(lines)).encode(encoding, "replace")


def _headers(rng, i, from_domain, fold, dup, oddcase):
    subj = "message %d %s" % (i, _line(rng, rng.randint(1, 12)))
    h = []
    if dup:
        h.append(b"Received: from a.example (a.example [192.0.2.7])\r\n"
                 b"\tby b.example; Sat, 28 Nov 2026 09:00:00 +0000")
        h.append(b"Received: from c.example by a.example")
    fromname = "Alice %d" % i
    h.append(("%s: %s <alice%d@%s>" % ("FROM" if oddcase else "From",
                                      fromname, i, from_domain)).encode())
    if fold:
        h.append(("To: bob@example.net,\r\n carol@example.net,\r\n"
                  "\tdave@example.net").encode())
        h.append(("Subject: " + subj[:20] + "\r\n " + subj[20:]).encode(
            "utf-8"))
    else:
        h.append(b"To: bob@example.net")
        h.append(("subject: " if oddcase else "Subject: ").encode() +
                 subj.encode("utf-8"))
    if dup:
        h.append(b"Cc: one@example.net")
        h.append(b"Cc:  two@example.net  ")
    h.append(b"Date: Sat, 28 Nov 2026 10:%02d:00 +0000" % (i % 60))
    h.append(b"Message-ID: <sign-%d@%s>" % (i, from_domain.encode()))
    return h


def _body(rng, i, kind):
    if kind == "empty":
        return b""
    if kind == "mime":
        b = b"=_b%d" % i
        return (b"--" + b + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: 8bit\r\n\r\n" +
                _text(rng, 5) + b"\r\n--" + b + b"\r\n"
                b"Content-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" +
                b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n" * 20 +
                b"--" + b + b"--\r\n")
    if kind == "latin1":
        return _text(rng, 8, encoding="latin-1") + b"\r\n"
    if kind == "noeol":
        return _text(rng, 4)           # no final CRLF
    if kind == "trailing":
        return _text(rng, 3) + b"\r\n\r\n\r\n\r\n"
    if kind == "wsp":
        return b"".join(_line(rng, 4).encode() + b" \t \r\n\t  x  \r\n"
                        for _ in range(6))
    if kind == "big":
        return _text(rng, 12000, width=12) + b"\r\n"
    if kind == "huge":
        return _text(rng, 20000, width=8) + b"\r\n" + b"z" * 300000 + b"\r\n"
    if kind == "longline":
        return b"x" * 5000 + b"\r\n" + _text(rng, 2) + b"\r\n"
    return _text(rng, rng.randint(1, 40)) + b"\r\n"


KINDS = ("plain", "empty", "mime", "latin1", "noeol", "trailing", "wsp",
         "big", "longline", "plain", "mime", "huge")


def messages(n, seed=6, from_domain="example.com"):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        fold, dup, odd = i % 2 == 0, i % 3 == 0, i % 5 == 0
        h = _headers(rng, i, from_domain, fold, dup, odd)
        if kind == "mime":
            h.append(b"MIME-Version: 1.0")
            h.append(b'Content-Type: multipart/mixed;\r\n boundary="=_b%d"'
                     % i)
        raw = b"\r\n".join(h) + b"\r\n\r\n" + _body(rng, i, kind)
        label = "%d-%s%s%s%s" % (i, kind, "-folded" if fold else "",
                                 "-dup" if dup else "", "-case" if odd else "")
        out.append((label, raw))
    return out
