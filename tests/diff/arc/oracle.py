"""oracle - the two ARC verdicts the suite compares, as "pass", "fail" or
"none" (no chain) plus a reason:
    ours(path, port)      authmilter: `authcheck message FILE --json`
                          with --nameserver 127.0.0.1@PORT (the loopback
                          tests/lib/dns_server.py); "error" when it gave
                          no report or a sanitizer spoke
    dkimpy(raw, records)  dkim.arc_verify, keys answered from the same
                          records; a Python exception is "crash"
"""
import json

import authcheck_env

TIMEOUT_S = 30


def ours(path, port):
    args = ["message", path, "--json", "--nameserver", "127.0.0.1@%d" % port,
            "--timeout", "2000", "--ip", "192.0.2.7", "--helo",
            "mx.list.example", "--mail-from", "bounce@list.example"]
    try:
        rc, out, err = authcheck_env.run_plain(args, timeout=TIMEOUT_S)
    except Exception as e:  # noqa: BLE001 - a timeout is a verdict too
        return "error", "%s: %s" % (type(e).__name__, e)
    if rc == authcheck_env.SANITIZER_RC:
        return "error", "sanitizer report: " + err[-300:]
    try:
        arc = json.loads(out).get("arc") or {}
    except ValueError:
        return "error", "rc=%d no JSON: %s" % (rc, err[-300:])
    return arc.get("result", "absent"), arc.get("reason", "")


def dkimpy(raw, records):
    import dkim

    def dnsfunc(name, timeout=5):
        n = name.decode() if isinstance(name, bytes) else name
        rec = records.get(n.rstrip(".").lower())
        return rec.encode() if rec is not None else None
    try:
        cv, _res, why = dkim.arc_verify(raw, dnsfunc=dnsfunc)
    except Exception as e:  # noqa: BLE001 - reported, never hidden
        return "crash", "%s: %s" % (type(e).__name__, e)
    if cv == dkim.CV_Pass:
        return "pass", str(why)
    if cv == dkim.CV_None:
        return "none", str(why)
    return "fail", str(why)
