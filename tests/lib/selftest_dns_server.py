#!/usr/bin/python3
"""selftest_dns_server - prove tests/lib/dns_server.py's answers and fault
modes by asking it directly with dnspython over UDP and TCP:
records and multi-string TXT, NXDOMAIN with a SOA, NODATA, TIMEOUT
(silence), SERVFAIL, TRUNCATE (TC over UDP, full answer over TCP),
TRUNCATE + NOTCP (TCP closed unanswered), CNAME chains in one answer,
ONEHOP (one hop per answer), ANSWERONCE (TTL 0, then SERVFAIL), a CNAME
loop (ends, holds the loop), an
answer too big for UDP (TC) and for any DNS message (TC over TCP), and
the query counts of the stats file; a server started on a port another
socket holds for a moment waits for it."""
import os
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tmpdir  # noqa: E402
from tap import TAP  # noqa: E402

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import yaml
    import dns_testserver
    HAVE = None
except ImportError as e:
    HAVE = "python3-dnspython and python3-yaml (%s)" % e

ZONE = {
    "txt.test": [{"TXT": "v=spf1 -all"}, {"A": "192.0.2.1"}],
    "many.test": [{"TXT": ["ab", "cd", "ef"]}],
    "silent.test": ["TIMEOUT"],
    "fail.test": ["SERVFAIL"],
    "tc.test": [{"TXT": "full answer"}, "TRUNCATE"],
    "tcbroken.test": [{"TXT": "never seen"}, "TRUNCATE", "NOTCP"],
    "c1.test": [{"CNAME": "c2.test"}],
    "c2.test": [{"CNAME": "c3.test"}],
    "c3.test": [{"TXT": "end of chain"}],
    "o1.test": [{"CNAME": "o2.test"}, "ONEHOP"],
    "o2.test": [{"TXT": "after one hop"}],
    "once.test": [{"TXT": "only once"}, {"A": "192.0.2.9"}, "ANSWERONCE"],
    "loop1.test": [{"CNAME": "loop2.test"}],
    "loop2.test": [{"CNAME": "loop1.test"}],
    "big.test": [{"TXT": ["%03d" % i + "b" * 250]} for i in range(20)],
    "huge.test": [{"TXT": ["%03d" % i + "h" * 247] + ["h" * 250] * 3}
                  for i in range(70)],
}


def ask(port, name, rdtype="TXT", tcp=False, timeout=2.0):
    """ask - the response, "timeout" or "closed" """
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    try:
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=port, timeout=timeout)
        return dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout,
                             ignore_trailing=True)
    except dns.exception.Timeout:
        return "timeout"
    except (EOFError, ConnectionError, socket.error):
        return "closed"


def txts(r):
    """txts - [[strings]] of the TXT records in an answer"""
    return [[s.decode() for s in rd.strings] for rrset in r.answer
            if rrset.rdtype == dns.rdatatype.TXT for rd in rrset]


def cnames(r):
    return [str(rrset.name).rstrip(".") for rrset in r.answer
            if rrset.rdtype == dns.rdatatype.CNAME]


def main():
    t = TAP()
    if not t.need(check=lambda: HAVE, what="dns_server self-test"):
        t.done()
    tmp = tmpdir.make("dns-selftest-")
    zpath = os.path.join(tmp, "zone.yaml")
    with open(zpath, "w") as f:
        yaml.safe_dump(ZONE, f)
    with dns_testserver.DnsServer(zpath) as srv:
        p = srv.port
        r = ask(p, "txt.test")
        t.ok(txts(r) == [["v=spf1 -all"]] and r.flags & dns.flags.AA,
             "TXT record answered, authoritative", diag=repr(r))
        t.is_eq(txts(ask(p, "many.test")), [["ab", "cd", "ef"]],
                "a list gives one character-string per item")
        r = ask(p, "nothere.test")
        t.ok(r.rcode() == dns.rcode.NXDOMAIN and r.authority,
             "unknown name: NXDOMAIN with a SOA", diag=repr(r))
        r = ask(p, "txt.test", "MX")
        t.ok(r.rcode() == dns.rcode.NOERROR and not r.answer,
             "no record of the type: NODATA", diag=repr(r))
        t.is_eq(ask(p, "silent.test", timeout=1.0), "timeout",
                "TIMEOUT: no answer over UDP")
        t.is_eq(ask(p, "silent.test", tcp=True, timeout=1.0), "timeout",
                "TIMEOUT: no answer over TCP (connection kept open)")
        t.is_eq(ask(p, "fail.test").rcode(), dns.rcode.SERVFAIL,
                "SERVFAIL answered")
        r = ask(p, "tc.test")
        t.ok(r.flags & dns.flags.TC and not r.answer,
             "TRUNCATE: UDP answer has TC and no records", diag=repr(r))
        t.is_eq(txts(ask(p, "tc.test", tcp=True)), [["full answer"]],
                "TRUNCATE: full answer over TCP")
        r = ask(p, "tcbroken.test")
        t.ok(r != "timeout" and r.flags & dns.flags.TC,
             "TRUNCATE + NOTCP: UDP answer has TC", diag=repr(r))
        t.is_eq(ask(p, "tcbroken.test", tcp=True), "closed",
                "TRUNCATE + NOTCP: TCP closed without an answer")
        r = ask(p, "c1.test")
        t.ok(cnames(r) == ["c1.test", "c2.test"] and
             txts(r) == [["end of chain"]],
             "CNAME chain followed inside one answer", diag=repr(r))
        r = ask(p, "o1.test")
        t.ok(cnames(r) == ["o1.test"] and not txts(r),
             "ONEHOP: only the first CNAME in the answer", diag=repr(r))
        t.is_eq(txts(ask(p, "o2.test")), [["after one hop"]],
                "ONEHOP: the target answers on its own")
        r = ask(p, "once.test")
        t.ok(txts(r) == [["only once"]] and r.answer[0].ttl == 0,
             "ANSWERONCE: the first query answered, TTL 0", diag=repr(r))
        r = ask(p, "once.test")
        t.ok(r != "timeout" and r.rcode() == dns.rcode.SERVFAIL,
             "ANSWERONCE: the second query of the type gets SERVFAIL",
             diag=repr(r))
        r = ask(p, "once.test", rdtype="A")
        t.ok(r != "timeout" and r.rcode() == dns.rcode.NOERROR and r.answer,
             "ANSWERONCE: counted by type", diag=repr(r))
        r = ask(p, "loop1.test")
        t.ok(r != "timeout" and r.rcode() == dns.rcode.NOERROR and
             sorted(cnames(r)) == ["loop1.test", "loop2.test"] and
             not txts(r), "CNAME loop: answer ends, holds the loop",
             diag=repr(r))
        r = ask(p, "big.test")
        t.ok(r.flags & dns.flags.TC, "answer over the EDNS size: TC over UDP",
             diag=repr(r))
        t.is_eq(len(txts(ask(p, "big.test", tcp=True))), 20,
                "the same answer whole over TCP (20 records)")
        r = ask(p, "huge.test", tcp=True)
        t.ok(r not in ("timeout", "closed") and r.flags & dns.flags.TC and
             not r.answer, "answer over 64 KiB: TC even over TCP",
             diag=repr(r))
        st = srv.stats()
        t.ok(st["queries"].get("txt.test TXT") == 1 and
             st["queries"].get("silent.test TXT") == 2,
             "stats count each query", diag=repr(st))
    port_held_at_restart(t, zpath)
    t.done()


def port_held_at_restart(t, zpath):
    """port_held_at_restart - a server started on a given port (the end
    of an outage in test_dns_recovery and the adversity soak) waits for
    it while another socket holds it for a moment: in CI a resolver's
    query socket drew that number during the outage, the restart failed
    and the test died (dns_server.py FIXED_PORT_WAIT_S)"""
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    release = threading.Timer(0.5, holder.close)
    release.start()
    try:
        with dns_testserver.DnsServer(zpath, port=port, stats=False) as srv:
            t.ok(srv.port == port and
                 txts(ask(port, "txt.test")) == [["v=spf1 -all"]],
                 "a given port held for 0.5 s: the server waits, then "
                 "answers on it", diag="port %d, got %d" % (port, srv.port))
    except dns_testserver.ServerError as e:
        t.ok(False, "a given port held for 0.5 s: the server waits, then "
             "answers on it", diag=str(e))
    finally:
        release.join()


if __name__ == "__main__":
    main()
