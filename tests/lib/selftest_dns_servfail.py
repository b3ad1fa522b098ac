#!/usr/bin/python3
"""selftest_dns_servfail - prove tests/lib/dns_servfail.py: the reply to
a query (header, flags, question kept, additional section dropped), the
queries it drops, and the live stub on loopback answering at once; and
that Daemon's default config points at it."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon  # noqa: E402
import dns_servfail  # noqa: E402
from tap import TAP  # noqa: E402

t = TAP()

# "_spf.example.org" TXT IN, RD set, with an EDNS OPT record after it
QUESTION = b"\x04_spf\x07example\x03org\x00" + struct.pack("!HH", 16, 1)
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


def query(ident=0x1234, flags=0x0100, qdcount=1, question=QUESTION,
          extra=OPT):
    return struct.pack("!HHHHHH", ident, flags, qdcount, 0, 0,
                       1 if extra else 0) + question + extra


def pure():
    r = dns_servfail.reply(query())
    head = struct.unpack("!HHHHHH", r[:12]) if r else None
    t.ok(r is not None and head[0] == 0x1234, "reply keeps the query's ID",
         diag=repr(r))
    flags = head[1] if head else 0
    t.ok(flags & 0x8000 and flags & 0x0080 and flags & 0x0100,
         "reply has QR and RA set and keeps RD", diag="flags %04x" % flags)
    t.is_eq(flags & 0x000F, 2, "reply's rcode is SERVFAIL")
    t.is_eq(head[2:] if head else None, (1, 0, 0, 0),
            "one question, no answer, authority or additional records")
    t.is_eq(r[12:] if r else None, QUESTION,
            "the question is echoed and the OPT record dropped")
    r = dns_servfail.reply(query(flags=0x2900))	# opcode 5 (UPDATE), RD
    t.is_eq(struct.unpack("!H", r[2:4])[0] if r else None, 0x8000 | 0x2900 |
            0x0080 | 2, "another opcode is kept and answered SERVFAIL too")
    for name, q in (("shorter than a header", query()[:11]),
                    ("a response", query(flags=0x8100)),
                    ("two questions", query(qdcount=2)),
                    ("a question cut short", query(extra=b"")[:-3]),
                    ("a compressed question name",
                     query(question=b"\xc0\x0c" + struct.pack("!HH", 1, 1)))):
        t.ok(dns_servfail.reply(q) is None, "dropped: " + name)


def live():
    port = dns_servfail.port()
    t.is_eq(dns_servfail.port(), port, "one stub per process (same port)")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        t0 = time.monotonic()
        s.sendto(query(ident=0xBEEF), ("127.0.0.1", port))
        data, _ = s.recvfrom(512)
        took = time.monotonic() - t0
        t.ok(data[:2] == b"\xbe\xef" and data[3] & 0x0F == 2 and took < 1,
             "the stub on 127.0.0.1 answers SERVFAIL at once",
             diag="%r after %.3f s" % (data, took))
        s.sendto(b"\x00\x01", ("127.0.0.1", port))
        s.sendto(query(ident=0xCAFE), ("127.0.0.1", port))
        data, _ = s.recvfrom(512)
        t.ok(data[:2] == b"\xca\xfe",
             "a runt datagram is dropped and the stub goes on answering",
             diag=repr(data))
    except OSError as e:
        t.ok(False, "the stub on 127.0.0.1 answers SERVFAIL at once",
             diag=str(e))
        t.ok(False, "a runt datagram is dropped and the stub goes on "
             "answering", diag=str(e))
    finally:
        s.close()
    d = daemon.Daemon({}, binary="/nonexistent/authmilter")
    try:
        t.is_eq(d.options.get("Nameservers"), "127.0.0.1@%d" % port,
                "Daemon's default Nameservers is the stub")
    finally:
        d.cleanup()


pure()
live()
t.done()
