#!/usr/bin/python3
"""selftest_milter_client - prove tests/lib/milter_client.py against real
milters, without authmilter.

Three parts, all printing TAP:
  1. pure functions: socket specs, message splitting, applying header
     modifications like Postfix, Postfix spec conversion;
  2. the scripted libmilter program tests/lib/testmilter.c (built here) on
     inet, inet6 and unix sockets: negotiation, macro lists, every verdict,
     every header action, quarantine, progress, 64 KiB body chunks,
     SMFIP_HDR_LEADSPC, SMFIP_NR_HDR, several messages per connection,
     and a read timeout against a silent server;
  3. Debian's OpenDKIM: its Authentication-Results insert and forged A-R
     removal, and a DKIM-Signature that python3-dkim verifies on the
     message the client rebuilt (so headers and body come out byte-exact).
Prerequisites missing (cc + libmilter-dev, opendkim, python3-dkim) skip on
a laptop and fail under CI=true.
"""

import os
import socket
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import daemon  # noqa: E402
import milter_client as mc  # noqa: E402
from silent_server import SilentServer  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()


def free_port_tests():
    """free_port: below the ephemeral range, bindable, for IPv4 and IPv6;
    the range read from a file, Linux's default without one"""
    low, high = mc.ephemeral_range()
    ports = [mc.free_port() for _ in range(20)]
    t.ok(all(mc.PICK_LOW <= p < low for p in ports),
         "free_port: 20 picks below the ephemeral range (%d-%d)" % (low, high),
         diag=repr(ports))
    t.ok(len(set(ports)) > 1, "free_port: picks at random", diag=repr(ports))
    p = mc.free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
        bound = True
    except OSError:
        bound = False
    finally:
        s.close()
    t.ok(bound, "free_port: the port picked can be bound")
    p6 = mc.free_port(socket.AF_INET6, "::1") if socket.has_ipv6 else 0
    t.ok(not socket.has_ipv6 or mc.PICK_LOW <= p6 < low,
         "free_port: an IPv6 pick on ::1 too", diag=repr(p6))
    t.is_eq(mc.ephemeral_range("/nonexistent/ip_local_port_range"),
            (32768, 60999), "ephemeral_range: Linux's default without /proc")


def pure_tests():
    """pure_tests - functions that need no process."""
    t.is_eq(mc.parse_socket_spec("inet:8891@127.0.0.1"),
            (socket.AF_INET, ("127.0.0.1", 8891)), "spec inet:PORT@HOST")
    t.is_eq(mc.parse_socket_spec("inet:8891"),
            (socket.AF_INET, ("127.0.0.1", 8891)), "spec inet:PORT")
    t.is_eq(mc.parse_socket_spec("inet6:8891@[::1]"),
            (socket.AF_INET6, ("::1", 8891, 0, 0)), "spec inet6:PORT@[::1]")
    t.is_eq(mc.parse_socket_spec("unix:/run/m.sock"),
            (socket.AF_UNIX, "/run/m.sock"), "spec unix:/path")
    t.is_eq(mc.parse_socket_spec("local:/run/m.sock"),
            (socket.AF_UNIX, "/run/m.sock"), "spec local:/path")
    t.is_eq(mc.parse_socket_spec("/run/m.sock"),
            (socket.AF_UNIX, "/run/m.sock"), "spec bare path")
    bad = 0
    for spec in ("inet:x@127.0.0.1", "tcp:1@h", "nonsense", "inet:0@h",
                 "inet:70000@h"):
        try:
            mc.parse_socket_spec(spec)
        except ValueError:
            bad += 1
    t.is_eq(bad, 5, "bad socket specs raise ValueError")
    free_port_tests()
    t.is_eq(daemon.to_postfix_spec("inet:10025@127.0.0.1"),
            "inet:127.0.0.1:10025", "postfix spec for inet")
    t.is_eq(daemon.to_postfix_spec("inet6:10025@::1"),
            "inet:[::1]:10025", "postfix spec for inet6")
    t.is_eq(daemon.to_postfix_spec("unix:/x/y.sock"), "unix:/x/y.sock",
            "postfix spec for unix")

    raw = (b"From: a@example.org\r\nSubject: one\r\n two\r\n"
           b"X-Tab:\tv\nA-R: x\n\nline1\nline2")
    hdrs, body = mc.split_message(raw)
    t.is_eq(hdrs, [("From", " a@example.org"), ("Subject", " one\n two"),
                   ("X-Tab", "\tv"), ("A-R", " x")],
            "split_message keeps folding as \\n and raw values")
    t.is_eq(body, b"line1\r\nline2\r\n", "split_message body gets CRLF")
    hdrs, body = mc.split_message(b"From: a\n")
    t.is_eq((hdrs, body), ([("From", " a")], b""), "message without body")
    hdrs, body = mc.split_message(b"no header line\nx: y\n")
    t.is_eq((hdrs, body), ([], b"no header line\r\nx: y\r\n"),
            "a non-header first line starts the body")

    H = [("Received", " r1"), ("Authentication-Results", " mx; a"),
         ("From", " f"), ("Authentication-Results", " mx; b")]
    A = mc.Action
    got = mc.apply_modifications(H, [
        A("chgheader", "Authentication-Results", "", 2),
        A("chgheader", "authentication-results", "", 1),
        A("insheader", "Authentication-Results", "mx; new", 0),
        A("addheader", "X-End", "e"),
        A("insheader", "X-Far", "far", 99),
    ])
    t.is_eq(got, [("Authentication-Results", " mx; new"),
                  ("Received", " r1"), ("From", " f"), ("X-End", " e"),
                  ("X-Far", " far")],
            "apply: deletions by name index, insert at 0, add, insert "
            "past end appends")
    got = mc.apply_modifications(H, [
        A("chgheader", "From", "changed", 0),
        A("chgheader", "X-Missing", "appended", 1),
        A("chgheader", "X-Missing2", "", 1)])
    t.is_eq(got[2], ("From", " changed"), "apply: index 0 means the first")
    t.is_eq(got[-1], ("X-Missing", " appended"),
            "apply: changing a missing header appends it; deleting one is "
            "a no-op")
    got = mc.apply_modifications([], [A("addheader", "X", " lead")],
                                 leadspc=True)
    t.is_eq(mc.render_headers(got), b"X: lead\r\n",
            "leadspc: milter values are used verbatim")
    t.is_eq(mc.render_headers([("S", " a\n b")]), b"S: a\r\n b\r\n",
            "render_headers folds with CRLF")


def timeout_test():
    """timeout_test - a silent milter gives MilterTimeout, promptly."""
    s = SilentServer()
    c = mc.MilterClient("inet:%d@127.0.0.1" % s.port, timeout=1.0)
    t0 = time.monotonic()
    try:
        c.connect()
        ok, what = False, "no exception"
    except mc.MilterTimeout as e:
        ok, what = True, str(e)
    except Exception as e:  # noqa: BLE001 - report any other failure
        ok, what = False, repr(e)
    took = time.monotonic() - t0
    c.close()
    s.close()
    t.ok(ok and took < 5, "silent milter: MilterTimeout within bound",
         diag="%s after %.1fs" % (what, took))
    c = mc.MilterClient("inet:%d@127.0.0.1" % mc.free_port(), timeout=1.0)
    try:
        c.connect()
        ok = False
    except mc.MilterError:
        ok = True
    t.ok(ok, "connection refused raises MilterError")


MSG = (b"From: Alice <alice@example.org>\n"
       b"To: bob@example.net\n"
       b"Subject: harness self-test\n"
       b"Message-ID: <selftest@example.org>\n"
       b"Date: Sat, 28 Nov 2026 12:00:00 +0000\n")


def summary(res):
    """summary - the X-Test-Milter value of a result, or ""."""
    v = res.header_values("X-Test-Milter")
    return v[0] if v else ""


def testmilter_tests(path, sock_kind):
    """testmilter_tests - one socket kind against the scripted milter."""
    tag = "[%s] " % sock_kind
    with daemon.Daemon({"LeadingSpace": "no"}, socket=sock_kind,
                       binary=path) as d:
        c = d.client(timeout=10)
        t.is_eq(c.version, 6, tag + "negotiated protocol version 6")
        t.ok(c.actions & mc.SMFIF_ADDHDRS and c.actions & mc.SMFIF_CHGHDRS
             and c.actions & mc.SMFIF_QUARANTINE,
             tag + "milter requested add/change headers and quarantine",
             diag=hex(c.actions))
        t.is_eq(c.symlists.get(b"M"), {"i", "auth_authen", "mail_addr"},
                tag + "SMFIR_SETSYMLIST macro list for MAIL parsed")
        raw = MSG + (b"X-Test-Action: addheader X-Added hello world\n"
                     b"X-Test-Action: chgheader 1 Subject\n"
                     b"X-Test-Action: insheader 2 X-Ins inserted\n"
                     b"X-Test-Action: progress\n"
                     b"X-Test-Action: quarantine held by test\n"
                     b"\nbody\n")
        r = c.send_message(raw, client_ip="192.0.2.7",
                           client_name="mail.example.org",
                           macros={"{auth_authen}": "alice", "i": "QID1",
                                   "j": "mx.test.example"})
        s = summary(r)
        t.ok("client=<192.0.2.7>" in s and "name=<mail.example.org>" in s
             and "auth=<alice>" in s and "i=<QID1>" in s
             and "j=<mx.test.example>" in s,
             tag + "connect/mail/eom macros reach the milter", diag=s)
        t.is_eq((r.verdict, r.stage, r.disposition),
                ("continue", "eom", "quarantine"),
                tag + "quarantine: continue at eom, disposition quarantine")
        t.is_eq(r.quarantine, "held by test", tag + "quarantine reason")
        t.is_eq(r.added_headers, [("X-Added", "hello world")],
                tag + "SMFIR_ADDHEADER collected")
        t.is_eq(r.deleted_headers, [(1, "Subject")],
                tag + "SMFIR_CHGHEADER deletion collected")
        names = [n for n, _v in r.headers]
        t.ok(names[0] == "X-Test-Milter" and names[2] == "X-Ins"
             and "Subject" not in names and names[-1] == "X-Added",
             tag + "modifications applied to the header list", diag=names)
        t.ok(r.message.startswith(b"X-Test-Milter: client=") and
             r.message.endswith(b"\r\n\r\nbody\r\n"),
             tag + "resulting message rendered with CRLF",
             diag=r.message[:300])
        t.ok("lead=41" in s, tag + "without HDR_LEADSPC the leading space "
             "is removed ('A' of 'Alice' seen first)", diag=s)

        r = c.send_message(MSG + b"X-Test-Action: reply 550 5.7.1 go away\n"
                           b"\nb\n")
        t.is_eq((r.verdict, r.disposition, r.code, r.text),
                ("replycode", "reject", "550", "5.7.1 go away"),
                tag + "SMFIR_REPLYCODE 550 at eom")
        r = c.send_message(MSG + b"X-Test-Action: reply 451 4.7.0 later\n"
                           b"\nb\n")
        t.is_eq((r.disposition, r.code), ("tempfail", "451"),
                tag + "SMFIR_REPLYCODE 451 is a tempfail")
        for word in ("reject", "tempfail", "discard", "accept"):
            r = c.send_message(MSG + b"X-Test-Action: " + word.encode() +
                               b"\n\nb\n")
            t.is_eq((r.verdict, r.stage), (word, "eom"),
                    tag + "plain verdict %s at eom" % word)
        r = c.send_message(MSG + b"\nb\n", mail_from="reject-mail@x.test")
        t.is_eq((r.stage, r.disposition, r.code), ("mail", "reject", "550"),
                tag + "reject at MAIL ends the message")
        r = c.send_message(MSG + b"\nb\n",
                           rcpts=["reject-rcpt@x.test", "ok@x.test"])
        t.ok(r.disposition == "accept" and len(r.rejected_rcpts) == 1
             and "rcpts=1" in summary(r),
             tag + "one rejected recipient, message goes on",
             diag=repr(r))
        r = c.send_message(MSG + b"\nb\n", rcpts=["reject-rcpt@x.test"])
        t.is_eq((r.stage, r.disposition), ("rcpt", "reject"),
                tag + "all recipients rejected ends the message")
        big = b"".join(b"%07d abcdefghijklmnopqrstuvwxyz0123456789\n" % i
                       for i in range(4000))
        r = c.send_message(MSG + b"\n" + big)
        want = len(big.replace(b"\n", b"\r\n"))
        t.ok("body=%d " % want in summary(r),
             tag + "body of %d bytes sent in 65535-byte chunks" % want,
             diag=summary(r))
        r = c.send_message(MSG + b"\n" + big, eom_body=True)
        t.ok("body=%d " % want in summary(r),
             tag + "Postfix style: body remainder inside SMFIC_BODYEOB",
             diag=summary(r))
        r = c.send_message(MSG + b"\nb\n", client_ip="2001:db8::25")
        t.ok(r.disposition == "accept",
             tag + "several messages on one connection")
        c.quit()

        r = d.send_message(MSG + b"\nb\n", client_ip="2001:db8::25")
        t.ok("client=<IPv6:2001:db8::25>" in summary(r),
             tag + "IPv6 client: {client_addr} in Postfix's IPv6: form",
             diag=summary(r))
        r = d.send_message(MSG + b"\nb\n", client_ip="/var/run/x.sock")
        t.is_eq(r.disposition, "accept", tag + "unix-family client")
        t.ok(d.wait_for_log(r"testmilter: abort", 2) is not None,
             tag + "SMFIC_ABORT sent after an early verdict",
             diag=d.log_tail)


def hostile_tests(path):
    """hostile_tests - raw packets for fault tests reach the milter."""
    with daemon.Daemon({}, binary=path) as d:
        c = d.client(timeout=3)
        c.send_raw(b"\xff\xff\xff\xf0C")
        try:
            c.read_response(mc.SMFIC_CONNECT)
            ok = False
        except mc.MilterError:
            ok = True
        c.close()
        t.ok(ok, "send_raw: a packet claiming ~4 GiB ends the connection")
        c = d.client(timeout=3)
        c.send_packet(mc.SMFIC_HELO, b"no-connect-first\0")
        try:
            resp = c.read_response(mc.SMFIC_HELO)
            ok = resp.verdict in ("continue", "reject", "tempfail")
        except mc.MilterError:
            ok = True
        c.close()
        t.ok(ok and d.running() and
             d.send_message(MSG + b"\nb\n").disposition == "accept",
             "send_packet: out-of-order command answered or refused; "
             "the milter still serves")


def maxdata_tests(path):
    """maxdata_tests - a 100 KB header against libmilter's packet limit.

    libmilter drops the connection on a packet over its default 64 KiB;
    after smfi_setmaxdatasize(1 MiB) the same header passes even though
    the MTA (this client, like Postfix) offers no SMFIP_MDS_* flag.
    """
    big = MSG + b"X-Big: " + b"x" * 100000 + b"\n\nb\n"
    with daemon.Daemon({}, binary=path) as d:
        try:
            d.send_message(big, timeout=5)
            ok = False
        except mc.MilterError:
            ok = True
        t.ok(ok, "100 KB header: libmilter's default limit drops the "
             "connection (MilterError)")
    with daemon.Daemon({"MaxDataSize": "1048576"}, binary=path) as d:
        r = d.send_message(big, timeout=5)
        t.ok(r.disposition == "accept" and "headers=6" in summary(r),
             "100 KB header passes after smfi_setmaxdatasize(1 MiB)",
             diag=repr(r))


def leadspc_tests(path):
    """leadspc_tests - HDR_LEADSPC and NR_HDR negotiated."""
    with daemon.Daemon({"LeadingSpace": "yes", "NoReplyHeaders": "yes"},
                       binary=path) as d:
        c = d.client()
        t.ok(c.leadspc and c.has(mc.SMFIP_NR_HDR),
             "SMFIP_HDR_LEADSPC and SMFIP_NR_HDR negotiated",
             diag=hex(c.protocol))
        r = c.send_message(MSG + b"X-Test-Action: addheader X-A v\n\nb\n")
        s = summary(r)
        t.ok("lead=20" in s, "with HDR_LEADSPC the value keeps its space",
             diag=s)
        t.ok(b"\r\nX-A:v\r\n" in r.message and
             r.message.startswith(b"X-Test-Milter: client="),
             "with HDR_LEADSPC milter values are rendered verbatim",
             diag=r.message[:400])
        t.is_eq(r.disposition, "accept", "no per-header replies: in sync")
        c.quit()


ODK_CONF = {
    "Syslog": "no", "Background": "no", "Socket": "{spec}",
    "PidFile": "{pid}", "UserID": "root", "Mode": "sv",
    "AuthservID": "mx.odk.test", "AlwaysAddARHeader": "yes",
    "RemoveARFrom": "mx.odk.test", "Domain": "example.org",
    "Selector": "s1", "KeyFile": "{tmp}/s1.key",
    "InternalHosts": "127.0.0.1", "RequireSafeKeys": "false",
    "Canonicalization": "relaxed/simple",
}


def opendkim_tests():
    """opendkim_tests - a real Debian milter."""
    names = ["opendkim: A-R inserted at the top", "opendkim: forged A-R "
             "with its authserv-id deleted", "opendkim: other A-R kept",
             "opendkim: DKIM-Signature inserted",
             "python3-dkim verifies the rebuilt signed message"]
    try:
        import dkim
        have_dkim = None
    except ImportError:
        have_dkim = "python3-dkim"
    if not t.need(tools=["opendkim", "openssl"], what="OpenDKIM test",
                  check=lambda: have_dkim, tests=names):
        return
    d = daemon.Daemon({}, command=["opendkim", "-x", "{conf}", "-f"],
                      defaults=ODK_CONF)
    key = os.path.join(d.tmp, "s1.key")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"],
                   capture_output=True, check=True, timeout=60)
    pub = subprocess.run(["openssl", "rsa", "-in", key, "-pubout",
                          "-outform", "DER"], capture_output=True,
                         check=True, timeout=60).stdout
    import base64
    txt = b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub)
    with d:
        raw = (b"Authentication-Results: mx.odk.test; dkim=pass "
               b"header.d=forged.example\n"
               b"Authentication-Results: other.test; spf=pass\n" + MSG +
               b"\nHello.\n")
        r = d.send_message(raw, client_ip="192.0.2.1")
        ars = r.header_values("Authentication-Results")
        t.ok(r.headers[0][0] == "Authentication-Results" and
             ars[0].startswith("mx.odk.test;") and "dkim=none" in ars[0],
             names[0], diag=lambda: "%r\n%s" % (r, d.log_tail()))
        t.ok(not any("forged.example" in v for v in ars), names[1],
             diag=repr(ars))
        t.ok(any(v.startswith("other.test") for v in ars), names[2],
             diag=repr(ars))
        r = d.send_message(MSG + b"\nHello.\nSecond line.\n",
                           client_ip="127.0.0.1")
        t.ok(r.inserted_headers and
             r.inserted_headers[0][1] == "DKIM-Signature", names[3],
             diag=repr(r))
        ok = dkim.verify(r.message,
                         dnsfunc=lambda name, timeout=5: txt)
        t.ok(ok, names[4], diag=r.message.decode("utf-8", "replace"))


def main():
    pure_tests()
    timeout_test()
    path, why = daemon.build_testmilter()
    live = ["testmilter: live tests"]
    parts = []
    if t.need(check=lambda: why, what="scripted test milter",
              tests=live):
        parts = [("testmilter [%s]" % k, lambda k=k: testmilter_tests(path, k))
                 for k in ("inet", "inet6", "unix")]
        parts.append(("testmilter leadspc", lambda: leadspc_tests(path)))
        parts.append(("testmilter raw packets", lambda: hostile_tests(path)))
        parts.append(("testmilter max data", lambda: maxdata_tests(path)))
    parts.append(("opendkim", opendkim_tests))
    for name, part in parts:
        try:
            part()
        except Exception:  # noqa: BLE001 - one failure, then go on
            t.ok(False, name + " ran to the end",
                 diag=traceback.format_exc())
    t.done()


if __name__ == "__main__":
    main()
