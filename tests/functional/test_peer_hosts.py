#!/usr/bin/python3
"""test_peer_hosts - PeerHosts (OpenDKIM's PeerList) through the daemon
over the milter protocol: mail from a peer passes through untouched.

A spoofed message for a p=reject domain, carrying a forged
Authentication-Results field with our authserv-id, is rejected from an
outside client; from a peer the daemon answers accept at MAIL FROM and
sees nothing more (no DNS query, no field added, the forged one not
removed: test_postfix_dmarc and test_sendmail see it delivered), on
every message of a connection. A peer that is also in InternalHosts, or that
authenticates, is not signed for: a peer is checked first (a plain
internal client is signed, so the signing set-up works). The log line
says exempt=peer and why=peer. A reload that drops PeerHosts applies at
once (an IPv6 peer, not internal, is then verified and rejected); a bad
entry is a config error with file and line.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

# waits widen under the sanitizer and valgrind builds
SCALE = time_scale.factor()

try:
    import dkim_keys
    import yaml
    HAVE_LIBS = None
except ImportError as e:
    HAVE_LIBS = "python3-yaml, python3-cryptography (%s)" % e

AUTHSERV = "mx.peer.test"
PEER_IP = "10.8.0.5"
PEER6_IP = "2001:db8::25"
INTERNAL_IP = "10.9.0.5"
OUTSIDE_IP = "198.51.100.66"
NAMES = [
    "outside client: the spoofed p=reject message is rejected",
    "peer: accepted at MAIL FROM, the rest of the message not seen",
    "peer: nothing looked up in DNS for it (not verified)",
    "peer: the next message on the connection is passed through too",
    "peer: the log line says exempt=peer, verify=no, why=peer",
    "internal client: its mail is signed (the set-up signs)",
    "peer also in InternalHosts: passed through, not signed",
    "peer that authenticates: passed through, not signed",
    "reload without PeerHosts: an IPv6 peer's spoofed message, passed "
    "before, is rejected",
    "a bad PeerHosts entry: a config error with file, line, the entry "
    "and what is wrong",
]


def msg(dom, n, forged=False):
    head = ("Authentication-Results: %s; dmarc=pass header.from=%s\r\n"
            % (AUTHSERV, dom)) if forged else ""
    return (head + "From: boss@%s\r\nTo: staff@peer.test\r\nSubject: m%d\r\n"
            "Message-ID: <m%d.%s@x.test>\r\n\r\nPay this invoice.\r\n"
            % (dom, n, n, dom)).encode()


def main():
    t = TAP()
    if not t.need(check=lambda: HAVE_LIBS or daemon.missing(),
                  what="PeerHosts tests", tests=NAMES):
        return t.done()
    tmp = tmpdir.make("authmilter-peer-")
    try:
        pem, _ = dkim_keys.rsa_key_pair()
        key = os.path.join(tmp, "sign.pem")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        zone = {"reject.test": [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}],
                "_dmarc.reject.test": [{"TXT": "v=DMARC1; p=reject"}]}
        zpath = os.path.join(tmp, "zone.yaml")
        with open(zpath, "w") as f:
            yaml.safe_dump(zone, f)
        with dns_testserver.DnsServer(zpath) as srv:
            opts = {"Nameservers": "127.0.0.1@%d" % srv.port,
                    "DNSTimeout": "1s", "AuthservID": AUTHSERV,
                    "InternalHosts": "127.0.0.1 10.0.0.0/8",
                    "PeerHosts": "10.8.0.0/16 2001:db8::25",
                    "Domain": "sign.test", "Selector": "s1",
                    "KeyFile": key}
            with daemon.Daemon(options=opts) as d:
                run(t, d, opts, srv)
    finally:
        tmpdir.remove(tmp)
    return t.done()


def signed(res):
    return any(n.lower() == "dkim-signature" for n, _ in res.added_headers +
               [(h[1], h[2]) for h in res.inserted_headers])


def run(t, d, opts, srv):
    res = d.send_message(msg("reject.test", 1, forged=True),
                         client_ip=OUTSIDE_IP, mail_from="<x@reject.test>")
    t.is_eq(res.disposition, "reject", NAMES[0])
    c = d.client()
    try:
        # the server writes its counts after answering
        time.sleep(0.3 * SCALE)
        queries = srv.stats()["total"]
        # a MAIL FROM domain not looked up before: verified, it would
        # be asked for (no cached answer)
        first = c.send_message(msg("reject.test", 2, forged=True),
                               client_ip=PEER_IP, queue_id="PEER1",
                               mail_from="<x@unseen.test>")
        t.ok(first.verdict == "accept" and first.stage == "mail", NAMES[1],
             diag=repr(first))
        # the MTA keeps the message as it is (its forged A-R included:
        # the e2e tests see it delivered); here, nothing was checked
        time.sleep(0.3 * SCALE)
        t.is_eq(srv.stats()["total"], queries, NAMES[2])
        second = c.send_message(msg("reject.test", 3), client_ip=PEER_IP,
                                queue_id="PEER2", mail_from="<y@reject.test>")
        t.ok(second.verdict == "accept" and second.stage == "mail" and
             second.actions == [], NAMES[3], diag=repr(second))
    finally:
        c.close()
    line = d.wait_for_log(r"qid=PEER1 .*")
    text = line.group(0) if line else ""
    t.ok(re.search(r"stage=mail_from .*exempt=peer verify=no "
                   r"verdict=accept why=peer", text) and "spf=" not in text
         and d.wait_for_log(r"qid=PEER2 .*why=peer"), NAMES[4],
         diag=text or d.log_tail(4))
    res = d.send_message(msg("sign.test", 4), client_ip=INTERNAL_IP,
                         mail_from="<a@sign.test>")
    t.ok(res.disposition == "accept" and signed(res), NAMES[5],
         diag=repr(res))
    res = d.send_message(msg("sign.test", 5), client_ip=PEER_IP,
                         mail_from="<a@sign.test>")
    t.ok(res.stage == "mail" and not signed(res), NAMES[6], diag=repr(res))
    res = d.send_message(msg("sign.test", 6), client_ip=PEER_IP,
                         mail_from="<a@sign.test>",
                         macros={"{auth_authen}": "alice"})
    t.ok(res.stage == "mail" and not signed(res), NAMES[7], diag=repr(res))
    before = d.send_message(msg("reject.test", 7, forged=True),
                            client_ip=PEER6_IP, mail_from="<x@reject.test>")
    mark = len(d.log())
    d.write_config({k: v for k, v in opts.items() if k != "PeerHosts"})
    d.reload()
    d.wait_for_log(r"configuration reloaded", 5 * SCALE, start=mark)
    res = d.send_message(msg("reject.test", 8, forged=True),
                         client_ip=PEER6_IP, mail_from="<x@reject.test>")
    t.ok(before.stage == "mail" and before.verdict == "accept" and
         res.disposition == "reject", NAMES[8],
         diag="%r, then %r" % (before, res))
    r = d.check_config(dict(opts, PeerHosts="10.8.0.0/16 10.8.0.300"))
    t.ok(r.returncode != 0 and re.search(
        r'check\.conf:\d+: PeerHosts: "10\.8\.0\.300": not an IPv4 address',
        r.stderr), NAMES[9], diag=r.stderr)


if __name__ == "__main__":
    sys.exit(main())
