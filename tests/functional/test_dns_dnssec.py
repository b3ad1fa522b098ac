#!/usr/bin/python3
"""test_dns_dnssec.py - DNSSEC status through our resolver (trust anchor)

Signs a small zone with ldns-keygen/ldns-signzone (Debian ldnsutils),
serves it with nsd on loopback, and looks names up with tests/spf/dns_query
given the zone's key as trust anchor: answers and NXDOMAIN are "secure";
the same zone with one record altered after signing gives "bogus". Prints
TAP; skips when ldnsutils or nsd is missing, unless CI=true.
"""
import os
import shutil
import subprocess
import sys
import tempfile

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
www     IN A   192.0.2.80
@       IN TXT "v=spf1 -all"
"""

N = 4


def skip_all(reason, first=0):
    """skip_all - tests first+1..N skipped (or failed under CI=true)"""
    ci = os.environ.get('CI') == 'true'
    for i in range(first, N):
        print(('not ok %d - dnssec: %s' if ci else 'ok %d - dnssec # SKIP %s') % (i + 1, reason))


def query(port, anchor, *args):
    """query - dns_query output with the trust anchor"""
    prog = os.path.join(TOP_BUILD, 'tests', 'spf', 'dns_query')
    return subprocess.run([prog, '-n', '127.0.0.1@%d' % port, '-a', anchor] + list(args),
                          capture_output=True, text=True, timeout=60, check=False).stdout


def main():
    print('1..%d' % N)
    keygen, signzone = shutil.which('ldns-keygen'), shutil.which('ldns-signzone')
    if not keygen or not signzone:
        skip_all('ldnsutils (ldns-keygen, ldns-signzone) not installed')
        return 0
    if not os.access(os.path.join(TOP_BUILD, 'tests', 'spf', 'dns_query'), os.X_OK):
        skip_all('dns_query not built')
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, 'zone'), 'w') as f:
            f.write(ZONE)
        key = subprocess.run([keygen, '-a', 'ED25519', '-k', 'example.test'], cwd=tmp,
                             capture_output=True, text=True, timeout=60).stdout.strip()
        subprocess.run([signzone, '-n', 'zone', key], cwd=tmp, capture_output=True,
                       timeout=60, check=False)
        signed_path = os.path.join(tmp, 'zone.signed')
        if not key or not os.path.exists(signed_path):
            skip_all('could not sign the zone')
            return 0
        with open(signed_path) as f:
            signed = f.read()
        anchor = os.path.join(tmp, key + '.key')
        results = []
        try:
            with dns_nsd.NsdServer(signed, 'example.test') as ns:
                out = query(ns.port, anchor, 'www.example.test', 'A')
                results.append((out.startswith('answer 300 secure\n  192.0.2.80'),
                                'signed answer is secure'))
                out = query(ns.port, anchor, 'example.test', 'TXT')
                results.append((out.startswith('answer 300 secure\n  v=spf1 -all'),
                                'signed TXT is secure'))
                out = query(ns.port, anchor, 'nope.example.test', 'A')
                results.append((out.startswith('nxdomain 300 secure'),
                                'signed NXDOMAIN is secure'))
            with dns_nsd.NsdServer(signed.replace('192.0.2.80', '192.0.2.81'),
                                   'example.test') as ns:
                out = query(ns.port, anchor, 'www.example.test', 'A')
                results.append((out.startswith('bogus'), 'altered record is bogus'))
        except dns_nsd.NsdError as e:
            error = str(e)
        else:
            error = None
        for i, (ok, name) in enumerate(results):
            print('%s %d - dnssec: %s' % ('ok' if ok else 'not ok', i + 1, name))
        if error is not None:
            skip_all(error, len(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
