"""dns_servfail.py - a resolver on loopback that fails every query at once

    port = dns_servfail.port()     # "Nameservers 127.0.0.1@PORT"

Daemon's default DNS. A port where nothing listens looks the same to the
daemon (every lookup is a temporary error), but libunbound does not give
up on an ICMP port-unreachable: it waits out DNSTimeout, so each message
cost a test three of them (SPF MAIL FROM, SPF HELO, DMARC). This answers
SERVFAIL to every query the moment it arrives, so the results stay
temperror and come back in a millisecond.

One UDP socket on 127.0.0.1 and one daemon thread per test process,
started on first use; it lives as long as the process. No dnspython:
the reply is the query's header with QR, RA and RCODE 2 set, and its
first question; anything shorter than a header or with a malformed
question is dropped (the resolver then times out, as it would against a
broken server).
"""
import socket
import struct
import threading

SERVFAIL = 2
_lock = threading.Lock()
_sock = None


def question_end(query):
    """question_end - offset just past the first question, or None."""
    pos = 12
    while pos < len(query):
        n = query[pos]
        if n == 0:
            end = pos + 1 + 4	# root label, then QTYPE and QCLASS
            return end if end <= len(query) else None
        if n & 0xC0:		# no compression in a question we answer
            return None
        pos += 1 + n
    return None


def reply(query):
    """reply - the SERVFAIL answer to one query (bytes), or None."""
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack("!HHH", query[:6])
    if flags & 0x8000 or qdcount != 1:	# a response, or not one question
        return None
    end = question_end(query)
    if end is None:
        return None
    # keep opcode and RD, set QR and RA, rcode SERVFAIL
    flags = 0x8000 | (flags & 0x7900) | 0x0080 | SERVFAIL
    return struct.pack("!HHHHHH", ident, flags, 1, 0, 0, 0) + query[12:end]


def _serve(sock):
    while True:
        try:
            query, peer = sock.recvfrom(4096)
        except OSError:
            return
        answer = reply(query)
        if answer is not None:
            try:
                sock.sendto(answer, peer)
            except OSError:
                pass


def port():
    """port - the stub's UDP port on 127.0.0.1, started on first call."""
    global _sock
    with _lock:
        if _sock is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            threading.Thread(target=_serve, args=(s,), name="dns_servfail",
                             daemon=True).start()
            _sock = s
        return _sock.getsockname()[1]
