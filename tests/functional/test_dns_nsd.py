#!/usr/bin/python3
"""test_dns_nsd.py - our libunbound resolver against Debian's nsd

Starts nsd (tests/lib/dns_nsd.py) on a loopback port with a zone under
.test, then looks names up with tests/spf/dns_query: answers, NXDOMAIN,
NODATA, multi-string TXT joined, a reverse name in 10.in-addr.arpa (a
zone libunbound would answer itself by default), and an SPF check of that
zone through tests/spf/spf_eval. Prints TAP; skips when nsd cannot start
unless CI=true.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get('top_srcdir', os.path.abspath(os.path.join(HERE, '..', '..')))
TOP_BUILD = os.environ.get('top_builddir', TOP_SRC)
sys.path.insert(0, os.path.join(TOP_SRC, 'tests', 'lib'))
import dns_nsd  # noqa: E402

ZONE = """$ORIGIN example.test.
$TTL 300
@       IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@       IN NS  ns.example.test.
ns      IN A   127.0.0.1
@       IN TXT "v=spf1 " "ip4:192.0.2.0/24 " "include:inc.example.test -all"
inc     IN TXT "v=spf1 ip6:2001:db8::/32 -all"
mail    IN A   192.0.2.25
mail    IN MX  10 mail.example.test.
"""

REV = """$ORIGIN 10.in-addr.arpa.
$TTL 300
@       IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@       IN NS  ns.example.test.
1.0.0   IN PTR mail.example.test.
"""

TESTS = [
    ('A answer', ['mail.example.test', 'A'], 'answer 300 insecure\n  192.0.2.25\n'),
    ('MX answer', ['mail.example.test', 'MX'], 'answer 300 insecure\n  10 mail.example.test\n'),
    ('TXT strings joined', ['example.test', 'TXT'],
     'answer 300 insecure\n  v=spf1 ip4:192.0.2.0/24 include:inc.example.test -all\n'),
    ('NXDOMAIN', ['nope.example.test', 'A'], 'nxdomain'),
    ('NODATA', ['mail.example.test', 'TXT'], 'nodata'),
]


def run(prog, args, stdin=None):
    """run - one tool run, bounded"""
    return subprocess.run([os.path.join(TOP_BUILD, 'tests', 'spf', prog)] + args,
                          input=stdin, capture_output=True, text=True,
                          timeout=60, check=False).stdout


def main():
    ci = os.environ.get('CI') == 'true'
    n = len(TESTS) + 4
    print('1..%d' % n)
    if not os.access(os.path.join(TOP_BUILD, 'tests', 'spf', 'dns_query'), os.X_OK):
        for i in range(n):
            print(('not ok %d - dns_query not built' if ci else
                   'ok %d - nsd # SKIP dns_query not built') % (i + 1))
        return 0
    try:
        with dns_nsd.NsdServer(ZONE, 'example.test') as ns, \
                dns_nsd.NsdServer(REV, '10.in-addr.arpa') as rev:
            nsarg = ['-n', '127.0.0.1@%d' % ns.port]
            for i, (name, q, want) in enumerate(TESTS):
                out = run('dns_query', nsarg + q)
                ok = out.startswith(want)
                print('%s %d - nsd: %s' % ('ok' if ok else 'not ok', i + 1, name))
                if not ok:
                    print('#   got %r' % out)
            i = len(TESTS)
            out = run('dns_query', ['-n', '::1@%d' % ns.port, 'mail.example.test', 'A'])
            print('%s %d - nsd: resolver on ::1' % (
                'ok' if out.startswith('answer') else 'not ok', i + 1))
            out = run('dns_query', ['-n', '127.0.0.1@%d' % rev.port,
                                    '1.0.0.10.in-addr.arpa', 'PTR'])
            print('%s %d - nsd: 10.in-addr.arpa PTR reaches the server' % (
                'ok' if 'mail.example.test' in out else 'not ok', i + 2))
            out = run('spf_eval', nsarg, '192.0.2.9\tmail.example.test\tu@example.test\n'
                      '2001:db8::9\tmail.example.test\tu@example.test\n')
            res = [line.split('\t')[0] for line in out.splitlines()]
            print('%s %d - nsd: SPF pass for IPv4 in record' % (
                'ok' if res[:1] == ['pass'] else 'not ok', i + 3))
            print('%s %d - nsd: SPF pass for IPv6 through include' % (
                'ok' if res[1:2] == ['pass'] else 'not ok', i + 4))
    except dns_nsd.NsdError as e:
        for i in range(n):
            print(('not ok %d - nsd: %s' if ci else 'ok %d - nsd # SKIP %s') % (i + 1, e))
    return 0


if __name__ == '__main__':
    sys.exit(main())
