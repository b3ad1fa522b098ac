#!/usr/bin/python3
"""dns_server.py - a small authoritative DNS server for tests (loopback only)

Serves records from a zone description over UDP and TCP on 127.0.0.1 (and
::1 when available) on one port, counts every query it receives, and can
misbehave on purpose: never answer, SERVFAIL, truncated UDP answers, big
multi-string TXT records.

Zone description (YAML or JSON; the zonedata format of the RFC 7208 test
suite), a mapping from owner name to a list of entries:
    example.com:
      - TXT: v=spf1 -all            # one string, or a list of strings
      - SPF: v=spf1 -all            # type 99; also served as TXT when the
                                    # name has no TXT entry (suite rule)
      - TXT: NONE                   # no TXT (and no SPF copied into TXT)
      - A: 192.0.2.1                # or a list of addresses
      - AAAA: "2001:db8::1"
      - MX: [10, mx.example.com]
      - PTR: host.example.com
      - CNAME: other.example.com
      - TIMEOUT                     # never answer queries for types the
                                    # name has no records of (all, if none)
      - SERVFAIL                    # answer every query with SERVFAIL
      - TRUNCATE                    # UDP answers carry TC and no records
      - NOTCP                       # TCP queries get no answer: the
                                    # connection is closed (with TRUNCATE:
                                    # a server whose TCP is broken)
      - ONEHOP                      # an answer carries only this name's
                                    # CNAME, not the rest of the chain,
                                    # so the resolver asks for each hop
      - ANSWERONCE                  # the first query of each type is
                                    # answered, with TTL 0 (no cache
                                    # keeps it); later ones get SERVFAIL
Strings longer than 255 octets are split into several character-strings;
a list gives one character-string per item (["v=spf1 ", "-all"]), so a
record can be made of many strings. Several TXT entries at one name give
several records. A CNAME chain is followed inside one answer up to
MAX_CNAME_CHAIN hops (a loop ends there, as a NOERROR answer holding the
looping CNAMEs, which a resolver must reject).

Usage: dns_server.py --zone FILE [--port N] [--stats FILE] [--no-ipv6]
                     [--ttl SECONDS]
Prints "READY <port>" on stdout once listening. The stats file (JSON:
{"total": N, "queries": {"name TYPE": N}}) is rewritten after each query.
SIGHUP reloads the zone file; SIGTERM stops the server.
"""
import argparse
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import yaml

MAX_CNAME_CHAIN = 8
TTL = 300


def norm(name):
    """norm - canonical lower-case text form of a name, no final dot"""
    try:
        return dns.name.from_text(str(name)).to_text(omit_final_dot=True).lower()
    except Exception:
        return str(name).lower().rstrip('.')


def split_txt(strings):
    """split_txt - character-strings of at most 255 octets each"""
    if isinstance(strings, str):
        strings = [strings]
    out = []
    for s in strings:
        b = s.encode('utf-8', 'surrogateescape') if isinstance(s, str) else bytes(s)
        if not b:
            out.append(b'')
        while b:
            out.append(b[:255])
            b = b[255:]
    return out


def txt_rdata(rdtype, strings):
    """txt_rdata - a TXT/SPF rdata from raw strings"""
    parts = split_txt(strings) or [b'']     # a TXT has one string at least
    wire = b''.join(bytes([len(s)]) + s for s in parts)
    return dns.rdata.from_wire(dns.rdataclass.IN, rdtype, wire, 0, len(wire))


class Zone:
    """Zone - records and misbehaviour flags by owner name"""

    def __init__(self, data):
        self.records = {}   # name -> {rdtype: [rdata]}
        self.flags = {}     # name -> set of TIMEOUT/SERVFAIL/TRUNCATE
        self.none_txt = set()   # names with "TXT: NONE"
        if isinstance(data, dict) and 'zonedata' in data:
            data = data['zonedata']
        for owner, entries in (data or {}).items():
            name = norm(owner)
            recs = self.records.setdefault(name, {})
            flags = self.flags.setdefault(name, set())
            spf = []
            for e in entries or []:
                if isinstance(e, str):
                    flags.add(e.upper())
                    continue
                for t, v in e.items():
                    t = t.upper()
                    self.add(recs, t, v, spf, name)
            if spf and dns.rdatatype.TXT not in recs and name not in self.none_txt:
                recs[dns.rdatatype.TXT] = [txt_rdata(dns.rdatatype.TXT, v) for v in spf]

    def add(self, recs, t, v, spf, name=None):
        """add - one entry of the zone description"""
        if v == 'NONE':     # suite: explicitly no record of this type
            if t == 'TXT':
                self.none_txt.add(name)
            return
        if t in ('TXT', 'SPF'):
            rdtype = dns.rdatatype.from_text(t)
            recs.setdefault(rdtype, []).append(txt_rdata(rdtype, v))
            if t == 'SPF':
                spf.append(v)
            return
        rdtype = dns.rdatatype.from_text(t)
        if t == 'MX':
            texts = ['%d %s.' % (int(v[0]), str(v[1]).rstrip('.'))]
        elif t in ('PTR', 'CNAME', 'NS'):
            texts = [str(v).rstrip('.') + '.']
        else:
            texts = v if isinstance(v, list) else [v]
        for text in texts:
            try:
                rd = dns.rdata.from_text(dns.rdataclass.IN, rdtype, str(text))
            except Exception:
                continue    # the suite has deliberately broken names
            recs.setdefault(rdtype, []).append(rd)


class Server:
    """Server - shared state of the UDP and TCP listeners"""

    def __init__(self, zone_file, stats_file):
        self.zone_file = zone_file
        self.stats_file = stats_file
        self.lock = threading.Lock()
        self.total = 0
        self.counts = {}
        self.once_seen = set()      # (name, type) answered (ANSWERONCE)
        self.load()

    def load(self):
        """load - (re)read the zone description"""
        with open(self.zone_file) as f:
            zone = Zone(yaml.safe_load(f))
        with self.lock:
            self.zone = zone

    def answered_before(self, qname, qtype):
        """answered_before - True from the second query of this name and
        type on (ANSWERONCE)"""
        with self.lock:
            key = (qname, qtype)
            seen = key in self.once_seen
            self.once_seen.add(key)
            return seen

    def count(self, qname, qtype):
        """count - record one query and rewrite the stats file"""
        with self.lock:
            self.total += 1
            key = '%s %s' % (qname, dns.rdatatype.to_text(qtype))
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.stats_file:
                tmp = self.stats_file + '.tmp'
                with open(tmp, 'w') as f:
                    json.dump({'total': self.total, 'queries': self.counts}, f)
                os.replace(tmp, self.stats_file)

    def answer(self, wire, udp):
        """answer - the reply bytes for a query, None to stay silent, or b''
    to close a TCP connection unanswered (NOTCP)"""
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        if len(q.question) != 1:
            return None
        question = q.question[0]
        qname = norm(question.name.to_text())
        self.count(qname, question.rdtype)
        zone = self.zone
        flags = zone.flags.get(qname, set())
        recs = zone.records.get(qname, {})
        if 'TIMEOUT' in flags and question.rdtype not in recs and \
                dns.rdatatype.CNAME not in recs:
            return None     # suite rule: types without records time out
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA | dns.flags.RA
        if 'SERVFAIL' in flags or ('ANSWERONCE' in flags and
                                   self.answered_before(qname, question.rdtype)):
            r.set_rcode(dns.rcode.SERVFAIL)
            return r.to_wire()
        if not udp and 'NOTCP' in flags:
            return b''      # the TCP handler closes the connection
        if udp and 'TRUNCATE' in flags:
            r.flags |= dns.flags.TC
            return r.to_wire()
        self.fill(r, zone, question.name, question.rdtype)
        max_size = 65535
        if udp:
            max_size = max(512, q.payload if q.edns >= 0 else 512)
        try:
            return r.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            t = dns.message.make_response(q)
            t.flags |= dns.flags.AA | dns.flags.RA | dns.flags.TC
            return t.to_wire()

    def fill(self, r, zone, name, rdtype):
        """fill - answer section (following CNAMEs) and rcode"""
        for _ in range(MAX_CNAME_CHAIN):
            key = norm(name.to_text())
            recs = zone.records.get(key)
            if recs is None:
                if 'TIMEOUT' in zone.flags.get(key, set()):
                    return
                r.set_rcode(dns.rcode.NXDOMAIN)
                self.soa(r, name)
                return
            if rdtype in recs:
                rrset = r.find_rrset(r.answer, name, dns.rdataclass.IN, rdtype,
                                     create=True)
                once = 'ANSWERONCE' in zone.flags.get(key, set())
                for rd in recs[rdtype]:
                    rrset.add(rd, 0 if once else TTL)
                return
            cname = recs.get(dns.rdatatype.CNAME)
            if cname and rdtype != dns.rdatatype.CNAME:
                rrset = r.find_rrset(r.answer, name, dns.rdataclass.IN,
                                     dns.rdatatype.CNAME, create=True)
                rrset.add(cname[0], TTL)
                if 'ONEHOP' in zone.flags.get(key, set()):
                    return
                name = cname[0].target
                continue
            self.soa(r, name)   # NODATA
            return

    @staticmethod
    def soa(r, name):
        """soa - a negative-caching SOA at the top-level label"""
        labels = name.to_text(omit_final_dot=True).split('.')
        owner = dns.name.from_text(labels[-1] if labels[-1] else '.')
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA,
                                 'ns.test. hostmaster.test. 1 3600 600 86400 %d' % TTL)
        rrset = r.find_rrset(r.authority, owner, dns.rdataclass.IN,
                             dns.rdatatype.SOA, create=True)
        rrset.add(rd, TTL)


def make_handlers(server):
    """make_handlers - request handler classes bound to server"""

    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            out = server.answer(data, True)
            if out is not None:
                sock.sendto(out, self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            sock = self.request
            sock.settimeout(10)
            for _ in range(100):    # bounded queries per connection
                try:
                    hdr = self.recv_exact(sock, 2)
                    if hdr is None:
                        return
                    data = self.recv_exact(sock, struct.unpack('!H', hdr)[0])
                    if data is None:
                        return
                except OSError:
                    return
                out = server.answer(data, False)
                if out == b'':
                    return      # NOTCP: close without an answer
                if out is not None:
                    sock.sendall(struct.pack('!H', len(out)) + out)

        @staticmethod
        def recv_exact(sock, n):
            buf = b''
            while len(buf) < n:
                chunk = sock.recv(n - len(buf))
                if not chunk:
                    return None
                buf += chunk
            return buf

    return Udp, Tcp


class Udp4(socketserver.ThreadingUDPServer):
    allow_reuse_address = False
    daemon_threads = True


class Tcp4(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class Udp6(Udp4):
    address_family = socket.AF_INET6


class Tcp6(Tcp4):
    address_family = socket.AF_INET6


# A server restarted on its old port (an outage's end) may find it held
# for a moment by another socket that drew the same number: a resolver's
# query socket (libunbound picks random source ports) or a client's
# connection. Those end within seconds; the CI's valgrind run failed
# test_dns_recovery once on a port taken so.
FIXED_PORT_WAIT_S = 10


def listen(port, udp_h, tcp_h, ipv6):
    """listen - bind UDP+TCP (v4, and v6 when asked) on one port; a
    given port that is in use is tried again for FIXED_PORT_WAIT_S"""
    deadline = time.monotonic() + FIXED_PORT_WAIT_S
    for _ in range(50 if port == 0 else 1000):  # bounded either way
        servers = []
        try:
            u = Udp4(('127.0.0.1', port), udp_h)
            servers.append(u)
            p = u.server_address[1]
            servers.append(Tcp4(('127.0.0.1', p), tcp_h))
            if ipv6:
                try:
                    servers.append(Udp6(('::1', p), udp_h))
                    servers.append(Tcp6(('::1', p), tcp_h))
                except OSError:
                    pass    # no IPv6 loopback here
            return p, servers
        except OSError:
            for s in servers:
                s.server_close()
            if port != 0:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
    raise OSError('no free port')


def main():
    global TTL
    ap = argparse.ArgumentParser()
    ap.add_argument('--zone', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--stats')
    ap.add_argument('--no-ipv6', action='store_true')
    ap.add_argument('--ttl', type=int, default=TTL,
                    help='TTL of every answer (0: no resolver caches any)')
    args = ap.parse_args()
    TTL = args.ttl
    server = Server(args.zone, args.stats)
    udp_h, tcp_h = make_handlers(server)
    port, servers = listen(args.port, udp_h, tcp_h, not args.no_ipv6)
    # serve_forever checks for shutdown() every poll_interval: 0.5 s by
    # default, which made every stop take ~1 s (four servers in turn)
    for s in servers:
        threading.Thread(target=s.serve_forever, kwargs={'poll_interval': 0.05},
                         daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    signal.signal(signal.SIGHUP, lambda *a: server.load())
    if args.stats:
        server.count_file_init = True
        with open(args.stats, 'w') as f:
            json.dump({'total': 0, 'queries': {}}, f)
    print('READY %d' % port, flush=True)
    while not stop.wait(0.05):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()


if __name__ == '__main__':
    sys.exit(main())
