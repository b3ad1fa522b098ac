#!/usr/bin/python3
"""test_spf_scenarios.py - SPF results of issue 3 through src/spf and a DNS server

Serves a zone from tests/lib/dns_server.py on loopback and evaluates, with
one shared resolver (tests/spf/spf_eval -s): pass, fail, softfail,
neutral, none, permerror (syntax error, too many lookups, include loop,
void lookups, mx/0 over eleven MX names), mx/0 and mx//0 (any address of
the client's family at an MX host), temperror (a name that never
answers: the answer comes within the DNS timeout plus a margin), IPv6
and IPv4-mapped clients, the null sender (postmaster@HELO), a flattened
ip6 record too large for libspf2 (shrunk for the client), and the
shared cache (a second identical check sends no query to the server). evaluate() is the one function that
turns requests into results. Prints TAP.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get('top_srcdir', os.path.abspath(os.path.join(HERE, '..', '..')))
TOP_BUILD = os.environ.get('top_builddir', TOP_SRC)
sys.path.insert(0, os.path.join(TOP_SRC, 'tests', 'lib'))
import dns_testserver  # noqa: E402
import time_scale  # noqa: E402

DNS_TIMEOUT_MS = 1000
# the sanitizer and valgrind runs are several times slower: the margin
# widens with their time scale
MARGIN_MS = int(time_scale.scaled(500))

ZONE = """
pass.example.test:
  - TXT: "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"
softfail.example.test:
  - TXT: "v=spf1 ~all"
neutral.example.test:
  - TXT: "v=spf1 ?all"
none.example.test:
  - A: 192.0.2.1
syntax.example.test:
  - TXT: "v=spf1 ip4:192.0.2.300 -all"
loop.example.test:
  - TXT: "v=spf1 include:loop2.example.test -all"
loop2.example.test:
  - TXT: "v=spf1 include:loop.example.test -all"
many.example.test:
  - TXT: "v=spf1 a:a1.example.test a:a2.example.test a:a3.example.test a:a4.example.test a:a5.example.test a:a6.example.test a:a7.example.test a:a8.example.test a:a9.example.test a:a10.example.test a:a11.example.test -all"
void.example.test:
  - TXT: "v=spf1 a:v1.example.test a:v2.example.test a:v3.example.test -all"
dead.example.test:
  - TXT: "v=spf1 include:silent.example.test -all"
silent.example.test:
  - TIMEOUT
helo.example.test:
  - TXT: "v=spf1 a -all"
  - A: 192.0.2.44
"""
for i in range(1, 12):
    ZONE += 'a%d.example.test:\n  - A: 198.51.100.%d\n' % (i, i)
# mx/0 and mx//0 (any address of the family at any MX host): two MX
# hosts with IPv4 addresses only, and eleven MX names, over RFC 7208
# 4.6.4's limit of ten
ZONE += ('mx0.example.test:\n  - TXT: "v=spf1 mx/0 -all"\n'
         '  - MX: [10, a1.example.test]\n  - MX: [20, a2.example.test]\n'
         'mx0v6.example.test:\n  - TXT: "v=spf1 mx//0 -all"\n'
         '  - MX: [10, a1.example.test]\n'
         'mx0many.example.test:\n  - TXT: "v=spf1 mx/0 -all"\n')
for i in range(1, 12):
    ZONE += '  - MX: [%d, a%d.example.test]\n' % (i, i)
# a flattened record of 30 ip6 networks written with six groups: too
# large for libspf2 as it is, so it is shrunk for the one client (the
# networks that cannot match it dropped)
BIG6 = 'v=spf1 ' + ' '.join('ip6:2001:db8:%x:5678:9abc:def0::/96' % (0x1000 + i)
                            for i in range(30)) + ' -all'
ZONE += 'big6.example.test:\n  - TXT: [%s]\n' % ', '.join(
    '"%s"' % BIG6[i:i + 200] for i in range(0, len(BIG6), 200))

# label, client ip, helo, mail from, wanted result
CASES = [
    ('pass', '192.0.2.10', 'h.example.test', 'u@pass.example.test', 'pass'),
    ('fail', '198.51.100.10', 'h.example.test', 'u@pass.example.test', 'fail'),
    ('softfail', '192.0.2.10', 'h.example.test', 'u@softfail.example.test', 'softfail'),
    ('neutral', '192.0.2.10', 'h.example.test', 'u@neutral.example.test', 'neutral'),
    ('none', '192.0.2.10', 'h.example.test', 'u@none.example.test', 'none'),
    ('permerror syntax error', '192.0.2.10', 'h.example.test',
     'u@syntax.example.test', 'permerror'),
    ('permerror too many lookups', '198.51.100.11', 'h.example.test',
     'u@many.example.test', 'permerror'),
    ('permerror include loop', '192.0.2.10', 'h.example.test',
     'u@loop.example.test', 'permerror'),
    ('permerror void lookups', '192.0.2.10', 'h.example.test',
     'u@void.example.test', 'permerror'),
    ('ipv6 client', '2001:db8::25', 'h.example.test', 'u@pass.example.test', 'pass'),
    ('ipv4-mapped client', '::ffff:192.0.2.10', 'h.example.test',
     'u@pass.example.test', 'pass'),
    ('null sender uses helo', '192.0.2.44', 'helo.example.test', '', 'pass'),
    ('null sender helo fail', '192.0.2.45', 'helo.example.test', '', 'fail'),
    ('mx/0: any IPv4 client when an MX host has an A record', '203.0.113.9',
     'h.example.test', 'u@mx0.example.test', 'pass'),
    ('mx//0: an IPv6 client when no MX host has an AAAA record',
     '2001:db8::9', 'h.example.test', 'u@mx0v6.example.test', 'fail'),
    ('mx/0 with eleven MX names: permerror (RFC 7208 4.6.4)', '203.0.113.9',
     'h.example.test', 'u@mx0many.example.test', 'permerror'),
    ('flattened ip6 record too large for libspf2: shrunk, pass',
     '2001:db8:101d:5678:9abc:def0::7', 'h.example.test',
     'u@big6.example.test', 'pass'),
    ('flattened ip6 record too large for libspf2: shrunk, fail',
     '2001:db8:9999::7', 'h.example.test', 'u@big6.example.test', 'fail'),
]


def evaluate(ns_addr, requests):
    """evaluate - [(result, seconds)] for requests [(ip, helo, from)], one
    shared resolver for all of them"""
    prog = os.path.join(TOP_BUILD, 'tests', 'spf', 'spf_eval')
    p = subprocess.Popen([prog, '-s', '-n', ns_addr, '-t', str(DNS_TIMEOUT_MS)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    out = []
    try:
        for ip, helo, mfrom in requests:
            t0 = time.monotonic()
            p.stdin.write('%s\t%s\t%s\n' % (ip, helo, mfrom))
            p.stdin.flush()
            line = p.stdout.readline()
            out.append((line.split('\t')[0] if line else 'no-result',
                        time.monotonic() - t0))
    finally:
        p.stdin.close()
        p.wait(timeout=time_scale.scaled(30))
    return out


def main():
    prog = os.path.join(TOP_BUILD, 'tests', 'spf', 'spf_eval')
    ci = os.environ.get('CI') == 'true'
    n = len(CASES) + 2
    print('1..%d' % n)
    if not os.access(prog, os.X_OK):
        for i in range(n):
            print(('not ok %d - spf_eval not built' if ci else
                   'ok %d - spf # SKIP spf_eval not built') % (i + 1))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        zone = os.path.join(tmp, 'zone.yml')
        with open(zone, 'w') as f:
            f.write(ZONE)
        try:
            with dns_testserver.DnsServer(zone) as srv:
                ns = '127.0.0.1@%d' % srv.port
                res = evaluate(ns, [c[1:4] for c in CASES])
                for i, (c, (got, _)) in enumerate(zip(CASES, res)):
                    print('%s %d - %s: got %s want %s' % (
                        'ok' if got == c[4] else 'not ok', i + 1, c[0], got, c[4]))
                k = len(CASES)
                # temperror in time, then the shared cache
                req = ('192.0.2.10', 'h.example.test', 'u@dead.example.test')
                (got, secs), = evaluate(ns, [req])
                ok = got == 'temperror' and secs * 1000 <= DNS_TIMEOUT_MS + MARGIN_MS
                print('%s %d - temperror from a silent server within %d+%d ms (%d ms)' % (
                    'ok' if ok else 'not ok', k + 1, DNS_TIMEOUT_MS, MARGIN_MS,
                    secs * 1000))
                before = srv.stats()['total']
                req = ('192.0.2.10', 'h.example.test', 'u@pass.example.test')
                r2 = evaluate(ns, [req, req])
                mid = srv.stats()['total']
                ok = [r for r, _ in r2] == ['pass', 'pass'] and mid - before == 1
                print('%s %d - second identical check sends no query (%d sent)' % (
                    'ok' if ok else 'not ok', k + 2, mid - before))
        except dns_testserver.ServerError as e:
            for i in range(n):
                print(('not ok %d - %s' if ci else 'ok %d - spf # SKIP %s') % (i + 1, e))
    return 0


if __name__ == '__main__':
    sys.exit(main())
