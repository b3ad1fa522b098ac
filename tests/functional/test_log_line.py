#!/usr/bin/python3
"""test_log_line - the one info line per message, read from the daemon's
stderr: key=value by default (keys in the documented order, values from
mail quoted and escaped so they cannot forge keys or lines, a comma in a
DKIM d= or s= adding no item to the lists), one JSON
object per line with LogFormat json (after a reload), the MAIL FROM
refusal logged with stage=mail_from, and with LogTo syslog (the default)
the lines in syslog with their ident, facility and level. Records come from a DNS server on
loopback so every result is known. A message made so its line would
pass 4096 bytes (PIPE_BUF: a longer write to a pipe may be cut, and the
next line glued to the cut one) gets a line of at most 4096 bytes with
its newline, its longest values cut further and ending in "...", every
key once and in its place, still split by README's regular expression
or read by json.loads."""

import datetime
import json
import os
import re
import sys
import syslog
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dkim_keys  # noqa: E402
import dns_testserver  # noqa: E402
from shim import shim_env  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dkim  # noqa: F401
    import yaml  # noqa: F401
    HAVE_LIBS = None
except ImportError as e:  # reported through t.need below
    HAVE_LIBS = "python3-dkim and python3-yaml (%s)" % e

SCALE = time_scale.factor()
# The daemon's zone: a POSIX TZ string (no tzdata needed), UTC+05:30
TZ_POSIX, TZ_OFFSET = "IST-5:30", "+05:30"
GOOD_IP = "192.0.2.10"
BAD_IP = "198.51.100.66"
# The documented key order (authmilter(8), LOGGING).
KEY_ORDER = ("qid stage client_name client_ip helo from auth exempt verify "
             "verify_skip spf spf_helo spf_reason dkim dkim_d dkim_s "
             "dkim_reason dmarc "
             "dmarc_from dmarc_policy dmarc_reason dmarc_authors arc arc_sets arc_reason "
             "dmarc_override arc_sealer arc_sealer_i arc_sealer_saw sign sign_skip "
             "arc_seal arc_seal_skip "
             "forged_ar_removed headers_over_cap verdict would why ms").split()
KV = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ "]+)(?: |$)')
HOSTILE_HELO = 'evil "x" verdict=accept\\ \u00e9'
# PIPE_BUF: the longest line, its newline included, written whole
LINE_MAX = 4096
# Values a sender sets, each near the 1024-byte cut and most doubled by
# escaping (\" and \\): a line of about 7.5 KB without the bound
LONG_HELO = 'h"' * 510
LONG_NAME = '"\\' * 500
LONG_FROM = "a" * 990 + "@pass.test"
LONG_DOMAIN = ".".join(["l" * 60] * 4) + ".test"
# the keys such a message's line has (the short values among them kept)
LONG_KEYS = ("qid stage client_name client_ip helo from spf spf_helo dkim "
             "dkim_d dkim_s dkim_reason dmarc dmarc_from sign sign_skip "
             "forged_ar_removed verdict why ms").split()


def zone(pub):
    return {"pass.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
            "s1._domainkey.pass.test": [{"TXT": "v=DKIM1; k=rsa; p=" + pub}],
            "_dmarc.pass.test": [{"TXT": "v=DMARC1; p=reject"}],
            "reject.test": [{"TXT": "v=spf1 -all"}],
            "perm.test": [{"TXT": "v=spf1 ip4:192.0.2.300 -all"}]}


def msg(subject):
    return (b"From: Alice <alice@pass.test>\r\nTo: bob@example.net\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + subject.encode() + b"@x.test>\r\n\r\n"
            b"Hello Bob.\r\n")


def sign(raw, pem):
    """sign - raw signed by pass.test/s1 (dkim_keys.relaxed_signed)"""
    return dkim_keys.relaxed_signed(raw, "pass.test", pem)


def unquote(v):
    """unquote - a kv value as the documented escapes define it"""
    if not v.startswith('"'):
        return v
    out, i, body = bytearray(), 0, v[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\" and body[i + 1] == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif c == "\\":
            out += body[i + 1].encode()
            i += 2
        else:
            out += c.encode()
            i += 1
    return out.decode("utf-8", "replace")


def kv_record(log, qid):
    """kv_record - [(key, value)] of the message line carrying qid"""
    for line in log.splitlines():
        body = line.split(": info: ", 1)[-1]
        if body.startswith("qid=%s " % qid):
            pairs = KV.findall(body)
            rebuilt = " ".join("%s=%s" % p for p in pairs)
            return [(k, unquote(v)) for k, v in pairs], rebuilt == body
    return None, False


def in_order(keys):
    pos = [KEY_ORDER.index(k) if k in KEY_ORDER else -1 for k in keys]
    return -1 not in pos and pos == sorted(pos) and len(set(keys)) == len(keys)


def check_kv(t, d, pem):
    mark = len(d.log())
    d.send_message(sign(msg("kv"), pem), client_ip=GOOD_IP, helo=HOSTILE_HELO,
                   mail_from="<a@pass.test>", macros={"i": "KV1"})
    d.wait_for_log(r"qid=KV1 ", timeout=5 * SCALE, start=mark)
    pairs, whole = kv_record(d.log()[mark:], "KV1")
    t.ok(pairs is not None and whole, "kv: one line for the message, made "
         "only of key=value pairs", diag=d.log_tail(3))
    pairs = pairs or []
    rec = dict(pairs)
    t.ok(in_order([k for k, _ in pairs]), "kv: documented keys, documented "
         "order, no key twice", diag=repr([k for k, _ in pairs]))
    want = {"qid": "KV1", "stage": "eom", "client_ip": GOOD_IP,
            "from": "a@pass.test", "spf": "pass", "dkim": "pass",
            "dkim_d": "pass.test", "dkim_s": "s1", "dkim_reason": "-",
            "dmarc": "pass", "dmarc_from": "pass.test", "sign": "no",
            "forged_ar_removed": "0", "verdict": "accept"}
    bad = {k: rec.get(k) for k, v in want.items() if rec.get(k) != v}
    t.ok(not bad, "kv: every result and the verdict", diag=repr(bad))
    t.ok(re.fullmatch(r"\d+", rec.get("ms", "")) is not None,
         "kv: ms is a whole number of milliseconds", diag=rec.get("ms"))
    t.is_eq(rec.get("helo"), HOSTILE_HELO, "kv: a hostile HELO is quoted and "
            "escaped, and reads back exactly")
    t.is_eq([k for k, _ in pairs].count("verdict"), 1,
            "kv: a 'verdict=' inside a value does not make a second key")
    check_prefix(t, d, "KV1")


def check_prefix(t, d, qid):
    """check_prefix - the stderr prefix of the message line and of a later
    line: local time to the second with the zone's offset (the daemon
    runs in TZ, UTC+05:30: the half hour and the colon show), ident, the
    daemon's pid, the level (the time and pid are cached per second; they
    must still be right)"""
    prefix = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) "
                        r"authmilter\[(\d+)\]: (info|warn|error|debug): ")
    line = next((ln for ln in d.log().splitlines()
                 if ": info: qid=%s " % qid in ln), "")
    m = prefix.match(line)
    t.ok(m is not None and int(m.group(2)) == d.pid and
         m.group(3) == "info", "kv: the line starts with time, "
         "authmilter[pid] and the level", diag="%r pid %s" % (line, d.pid))
    if m is not None:
        t.ok(m.group(1).endswith(TZ_OFFSET) and
             abs(stamp_epoch(m.group(1)) - time.time()) < 60 * SCALE,
             "kv: the time is local time with its offset (RFC 3339), now",
             diag=m.group(1))


def stamp_epoch(text):
    """stamp_epoch - seconds since the epoch of an RFC 3339 time"""
    return datetime.datetime.fromisoformat(text).timestamp()


def check_json(t, d, pem, opts):
    d.write_config(dict(opts, LogFormat="json"))
    mark = len(d.log())
    d.reload()
    d.wait_for_log(r"configuration reloaded", timeout=5 * SCALE, start=mark)
    d.send_message(sign(msg("js"), pem), client_ip=GOOD_IP, helo=HOSTILE_HELO,
                   mail_from="<a@pass.test>", macros={"i": "JS1"})
    d.wait_for_log(r'"qid":"JS1"', timeout=5 * SCALE, start=mark)
    lines = [ln for ln in d.log()[mark:].splitlines() if ln.strip()]
    objs, bad = [], []
    for ln in lines:
        try:
            objs.append(json.loads(ln))
        except ValueError:
            bad.append(ln)
    t.ok(lines and not bad, "json: every line is one JSON object (%d lines)"
         % len(lines), diag=repr(bad[:3]))
    rec = next((o for o in objs if o.get("qid") == "JS1"), {})
    t.ok(rec.get("level") == "info" and rec.get("spf") == "pass" and
         rec.get("dkim") == "pass" and rec.get("dmarc") == "pass" and
         rec.get("verdict") == "accept" and rec.get("helo") == HOSTILE_HELO and
         isinstance(rec.get("ms"), int) and rec.get("pid") == d.pid and
         re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + re.escape(TZ_OFFSET),
                      rec.get("time", "")) and
         abs(stamp_epoch(rec["time"]) - time.time()) < 60 * SCALE and
         rec.get("ident") == "authmilter",
         "json: the message object carries the same keys, "
         "numbers as numbers, the hostile HELO exactly", diag=repr(rec))
    keys = [k for k in rec if k not in ("time", "ident", "pid", "level")]
    t.ok(in_order(keys), "json: documented keys in documented order",
         diag=repr(keys))
    t.ok(any(o.get("msg") == "configuration reloaded from %s" % d.conf_path
             and o.get("level") == "info" for o in objs),
         "json: ordinary lines are objects with level and msg",
         diag=repr(objs[:2]))


def long_message(pem):
    """long_message - a signed message with three malformed signatures
    whose d= and s= are long, and a long author domain"""
    sigs = b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; d=" +
                    (b"x%d" % i) * 200 + b".test; s=" + b"s\\" * 300 +
                    b"; c=relaxed/relaxed; h=from; bh=AAAA; b=AAAA\r\n"
                    for i in range(3))
    return sigs + msg("long").replace(b"alice@pass.test",
                                      b"alice@" + LONG_DOMAIN.encode())


def send_long(d, pem, qid, pattern):
    """send_long - send long_message; the line (bytes) that carries qid"""
    mark = len(d.log())
    d.send_message(long_message(pem), client_ip=GOOD_IP, helo=LONG_HELO,
                   client_name=LONG_NAME, mail_from="<%s>" % LONG_FROM,
                   macros={"i": qid})
    d.wait_for_log(pattern, timeout=5 * SCALE, start=mark)
    return next((ln for ln in d.log()[mark:].splitlines()
                 if re.search(pattern, ln)), "")


def cut_from(value, sent):
    """cut_from - value is sent itself, or a start of it ending in ..."""
    return value == sent or (value.endswith("...") and
                             sent.startswith(value[:-3]))


def check_long_kv(t, d, pem):
    """check_long_kv - a line that would be 7.5 KB fits PIPE_BUF and
    still splits into the documented keys"""
    line = send_long(d, pem, "LK1", r"qid=LK1 ")
    size = len(line.encode()) + 1
    t.ok(0 < size <= LINE_MAX, "kv long: the line is at most %d bytes with "
         "its newline (%d)" % (LINE_MAX, size), diag=line[:300])
    pairs, whole = kv_record(line, "LK1")
    pairs = pairs or []
    keys = [k for k, _ in pairs]
    rec = dict(pairs)
    t.ok(whole and in_order(keys) and set(LONG_KEYS) <= set(keys),
         "kv long: made only of key=value pairs, every key once, in its "
         "place", diag=repr(keys))
    t.ok(keys[-3:] == ["verdict", "why", "ms"] and
         rec.get("verdict") == "accept" and
         re.fullmatch(r"\d+", rec.get("ms", "")) is not None,
         "kv long: ends with verdict, why and ms", diag=repr(pairs[-3:]))
    t.ok(cut_from(rec.get("helo", ""), LONG_HELO) and
         cut_from(rec.get("client_name", ""), LONG_NAME) and
         rec.get("helo", "").endswith("...") and
         rec.get("client_ip") == GOOD_IP and rec.get("dmarc") == "none",
         "kv long: the long values cut further, ending in ..., the short "
         "ones kept", diag=repr({k: v[:40] for k, v in rec.items()}))


def check_long_json(t, d, pem):
    """check_long_json - the same message with LogFormat json: one
    object within PIPE_BUF"""
    line = send_long(d, pem, "LJ1", r'"qid":"LJ1"')
    size = len(line.encode()) + 1
    t.ok(0 < size <= LINE_MAX, "json long: the line is at most %d bytes "
         "with its newline (%d)" % (LINE_MAX, size), diag=line[-300:])
    try:
        pairs = json.loads(line, object_pairs_hook=list)
    except ValueError as e:
        pairs = []
        t.diag("json long: %s" % e)
    obj = dict(pairs)
    keys = [k for k, _ in pairs if k not in ("time", "ident", "pid", "level")]
    t.ok(set(LONG_KEYS) <= set(keys) and in_order(keys) and
         keys[-3:] == ["verdict", "why", "ms"] and
         isinstance(obj.get("ms"), int),
         "json long: one JSON object, every key once in its place, "
         "verdict why and ms last", diag=repr(keys))
    t.ok(cut_from(obj.get("helo", ""), LONG_HELO) and
         obj.get("helo", "").endswith("...") and
         cut_from(obj.get("client_name", ""), LONG_NAME) and
         obj.get("client_ip") == GOOD_IP,
         "json long: the long values cut further, the short ones kept",
         diag=repr({k: str(v)[:40] for k, v in obj.items()}))


def check_mail_from(t, d):
    mark = len(d.log())
    res = d.send_message(msg("mf"), client_ip=BAD_IP,
                         mail_from="<x@reject.test>", macros={"i": "MF1"})
    d.wait_for_log(r"qid=MF1 ", timeout=5 * SCALE, start=mark)
    pairs, _ = kv_record(d.log()[mark:], "MF1")
    rec = dict(pairs or [])
    t.ok(res.disposition == "reject" and rec.get("stage") == "mail_from" and
         rec.get("spf") == "fail" and rec.get("verdict") == "reject" and
         "dkim" not in rec and "sign" not in rec,
         "MAIL FROM refusal: stage=mail_from, SPF and verdict only",
         diag=repr(rec))


def check_spf_reason(t, d):
    """check_spf_reason - an SPF error says why; other results do not"""
    mark = len(d.log())
    d.send_message(msg("pe"), client_ip=BAD_IP, mail_from="<x@perm.test>",
                   macros={"i": "PE1"})
    d.wait_for_log(r"qid=PE1 ", timeout=5 * SCALE, start=mark)
    pairs, _ = kv_record(d.log()[mark:], "PE1")
    keys = [k for k, _ in pairs or []]
    rec = dict(pairs or [])
    t.ok(rec.get("spf") == "permerror" and rec.get("spf_reason") and
         in_order(keys), "spf=permerror: spf_reason says why, in its place",
         diag=repr(pairs))
    mark = len(d.log())
    d.send_message(msg("pa"), client_ip=GOOD_IP, mail_from="<a@pass.test>",
                   macros={"i": "PA1"})
    d.wait_for_log(r"qid=PA1 ", timeout=5 * SCALE, start=mark)
    pairs, _ = kv_record(d.log()[mark:], "PA1")
    rec = dict(pairs or [])
    t.ok(rec.get("spf") == "pass" and "spf_reason" not in rec,
         "spf=pass: no spf_reason", diag=repr(pairs))


def check_dkim_lists(t, d, pem):
    """check_dkim_lists - a malformed d= and s= with commas in them keep
    one item a signature in dkim_d and dkim_s: the sender cannot pair a
    result of the line with a domain of their choosing"""
    hostile = (b"DKIM-Signature: v=1; a=rsa-sha256; d=evil.example,bank.test;"
               b" s=x,s1; c=relaxed/relaxed; h=from; bh=AAAA; b=AAAA\r\n")
    mark = len(d.log())
    d.send_message(hostile + sign(msg("dl"), pem), client_ip=GOOD_IP,
                   mail_from="<a@pass.test>", macros={"i": "DL1"})
    d.wait_for_log(r"qid=DL1 ", timeout=5 * SCALE, start=mark)
    rec = dict(kv_record(d.log()[mark:], "DL1")[0] or [])
    lists = [rec.get(k, "").split(",") for k in ("dkim", "dkim_d", "dkim_s")]
    t.ok(lists[0] == ["permerror", "pass"] and
         lists[1] == ["evil.example?bank.test", "pass.test"] and
         lists[2] == ["x?s1", "s1"],
         "dkim lists: a comma inside d= or s= starts no item", diag=repr(rec))


SYSLOG_TESTS = ["LogTo syslog: openlog with the ident authmilter and the "
                "LogFacility (local3)",
                "LogTo syslog: the start line and the message's line at info",
                "LogTo syslog: a refused reload at err",
                "LogTo syslog: nothing of it on stderr"]


def check_syslog(t, opts, tmp):
    """LogTo syslog, the default: the lines reach syslog (a shim records
    the openlog and each syslog call) with the ident, facility and level
    they should have, and none goes to stderr."""
    capture = os.path.join(tmp, "syslog.txt")
    env = shim_env(t, tmp, "syslog_capture", SYSLOG_TESTS,
                   SYSLOG_CAPTURE_FILE=capture)
    if env is None:
        return
    o = dict(opts, LogTo="syslog", LogFacility="local3")
    d = daemon.Daemon(options=o, env=env)
    d.start()
    try:
        d.send_message(msg("sys"), client_ip=GOOD_IP,
                       mail_from="<a@pass.test>", macros={"i": "SYS1"})
        with open(d.conf_path, "a") as f:
            f.write("BrokenOption yes\n")
        d.reload()
        end = time.monotonic() + 5 * SCALE
        lines = []
        while time.monotonic() < end:
            with open(capture, errors="replace") as f:
                lines = f.read().splitlines()
            if any("refused" in x for x in lines):
                break
            time.sleep(0.05)
    finally:
        d.stop()
        d.cleanup()
    opened = [x.split() for x in lines if x.startswith("openlog ")]
    t.ok(any(o[1] == "authmilter" and int(o[3]) == syslog.LOG_LOCAL3
             for o in opened if len(o) == 4), SYSLOG_TESTS[0],
         diag=repr(opened))
    info = "%d " % syslog.LOG_INFO
    t.ok(any(x.startswith(info) and "started" in x for x in lines) and
         any(x.startswith(info) and "qid=SYS1 " in x for x in lines),
         SYSLOG_TESTS[1], diag="\n".join(lines[-8:]))
    err = "%d " % syslog.LOG_ERR
    t.ok(any(x.startswith(err) and "refused" in x for x in lines) and
         any(x.startswith(err) and "unknown option" in x for x in lines),
         SYSLOG_TESTS[2], diag="\n".join(lines[-8:]))
    t.ok("qid=SYS1" not in d.log() and "started" not in d.log(),
         SYSLOG_TESTS[3], diag=d.log_tail(5))


def main():
    t = TAP()
    if not t.need(check=lambda: daemon.missing() or HAVE_LIBS,
                  what="log line tests"):
        return t.done()
    tmp = tmpdir.make("authmilter-logline-")
    try:
        pem, pub = dkim_keys.rsa_key_pair()
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump(zone(pub), f)
        try:
            srv = dns_testserver.DnsServer(zpath).__enter__()
        except dns_testserver.ServerError as e:
            t.need(check=lambda reason=str(e): reason, what="DNS server")
            return t.done()
        opts = {"Nameservers": "127.0.0.1@%d" % srv.port, "DNSTimeout": "2s",
                "SPFFailAction": "reject", "LogLevel": "info"}
        try:
            with daemon.Daemon(options=opts, env={"TZ": TZ_POSIX}) as d:
                check_kv(t, d, pem)
                check_mail_from(t, d)
                check_spf_reason(t, d)
                check_dkim_lists(t, d, pem)
                check_long_kv(t, d, pem)
                check_json(t, d, pem, opts)
                check_long_json(t, d, pem)
            check_syslog(t, opts, tmp)
        finally:
            srv.stop()
    finally:
        tmpdir.remove(tmp)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
