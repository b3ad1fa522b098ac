#!/usr/bin/python3
"""test_spf_rfc7208.py - the RFC 7208 conformance suite through src/spf

For each scenario of the published suite (shared/rfc7208/rfc7208-tests.yml,
or $RFC7208_SUITE), its zone data is served by tests/lib/dns_server.py on a
loopback port (TIMEOUT entries: names that never answer) and every test is
evaluated by evaluate_spf(). A test passes when the result is one of the
acceptable ones. Prints TAP and "# SCORE rfc7208: N/TOTAL".

evaluate_spf() is the one place that turns cases into results; it uses the
tests/spf/spf_eval driver, and can be swapped for a milter-protocol client.
Known failures (tests/spf/KNOWN_FAILURES) are reported as TODO, so they do
not fail the run, but still count against the score.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get('top_srcdir', os.path.abspath(os.path.join(HERE, '..', '..')))
TOP_BUILD = os.environ.get('top_builddir', TOP_SRC)
sys.path.insert(0, os.path.join(TOP_SRC, 'tests', 'lib'))
import dns_testserver  # noqa: E402

DNS_TIMEOUT_MS = 1500
EVAL_TIMEOUT_S = 300


def suite_path():
    """suite_path - where the RFC 7208 suite lives"""
    env = os.environ.get('RFC7208_SUITE')
    if env:
        return env
    for p in (os.path.join(TOP_SRC, '..', 'shared', 'rfc7208', 'rfc7208-tests.yml'),
              '/work/shared/rfc7208/rfc7208-tests.yml'):
        if os.path.exists(p):
            return p
    return None


def known_failures():
    """known_failures - test names listed in tests/spf/KNOWN_FAILURES"""
    names = set()
    path = os.path.join(TOP_SRC, 'tests', 'spf', 'KNOWN_FAILURES')
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith('#'):
                    names.add(line.split()[0])
    return names


def evaluate_spf(ns_addr, cases):
    """evaluate_spf - results for cases (dicts: host, helo, mailfrom) with
    the DNS server at ns_addr ("ip@port"); returns [(result, explanation)]"""
    prog = os.path.join(TOP_BUILD, 'tests', 'spf', 'spf_eval')
    lines = ''.join('%s\t%s\t%s\n' % (c['host'], c.get('helo', ''),
                                      c.get('mailfrom', '')) for c in cases)
    out = subprocess.run([prog, '-n', ns_addr, '-t', str(DNS_TIMEOUT_MS)],
                         input=lines, capture_output=True, text=True,
                         timeout=EVAL_TIMEOUT_S, check=False)
    results = []
    for line in out.stdout.splitlines():
        f = line.split('\t')
        results.append((f[0], f[1] if len(f) > 1 else '', f[2] if len(f) > 2 else ''))
    while len(results) < len(cases):
        results.append(('no-result', '', out.stderr.strip()[:200]))
    return results


def evaluate_via_milter(ns_addr, cases):
    """evaluate_via_milter - the same cases sent through the built daemon
    over the milter protocol (one daemon per scenario: a fresh resolver
    cache for each zone); the result is read back from the spf= entry of
    the Authentication-Results header the daemon adds."""
    import daemon
    opts = {'Nameservers': ns_addr, 'DNSTimeout': '%dms' % DNS_TIMEOUT_MS,
            'SPFCheckHelo': 'no', 'InternalHosts': '100.64.255.254/32'}
    results = []
    raw = (b'From: suite@example.invalid\r\nSubject: rfc7208\r\n'
           b'Message-ID: <s@example.invalid>\r\n\r\nbody\r\n')
    with daemon.Daemon(options=opts) as d:
        for c in cases:
            try:
                client = d.client()
                try:
                    res = client.send_message(
                        raw, client_ip=c['host'], helo=c.get('helo', '') or 'unknown',
                        mail_from='<%s>' % c.get('mailfrom', ''))
                finally:
                    client.close()
                vals = res.header_values('Authentication-Results')
                m = re.search(r'\bspf=([a-z]+)', vals[0] if vals else '')
                results.append((m.group(1) if m else 'no-result', '',
                                '' if m else repr(res)))
            except Exception as e:  # a broken case must not stop the suite
                results.append(('no-result', '', str(e)))
    return results


def results_of(scenarios, evaluate):
    """results_of - every scenario's cases through evaluate, each against
    a DNS server with its zone: a list of result lists, one a scenario"""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for si, sc in enumerate(scenarios):
            zone = os.path.join(tmp, 'zone%d.yml' % si)
            with open(zone, 'w') as f:
                yaml.safe_dump(sc.get('zonedata') or {}, f)
            cases = list(sc['tests'].values())
            try:
                with dns_testserver.DnsServer(zone) as srv:
                    out.append(evaluate('127.0.0.1@%d' % srv.port, cases))
            except dns_testserver.ServerError as e:
                out.append([('no-result', '', str(e))] * len(cases))
    return out


def run_suite(scenarios, all_results, label, known, start):
    """run_suite - TAP from start+1 for the results of every case"""
    n, passed, exp_total, exp_ok = start, 0, 0, 0
    for sc, results in zip(scenarios, all_results):
        names = list(sc['tests'].keys())
        cases = [sc['tests'][k] for k in names]
        for name, case, (res, exp, why) in zip(names, cases, results):
            n += 1
            want = case['result']
            want = want if isinstance(want, list) else [want]
            ok = res in want
            passed += ok
            todo = ' # TODO known failure' if (not ok and name in known) else ''
            print('%s %d - %s %s: %s got %s want %s%s' % (
                'ok' if ok else 'not ok', n, label, sc['description'], name,
                res, '/'.join(want), todo))
            if not ok:
                print('#   %s' % why)
            want_exp = case.get('explanation')
            if ok and res == 'fail' and want_exp is not None and exp:
                # informational: the suite's explanation texts
                exp_total += 1
                if exp == want_exp or (want_exp == 'DEFAULT' and
                                       exp.endswith('designated mail servers')):
                    exp_ok += 1
                else:
                    print('#   explanation %r, suite has %r' % (exp, want_exp))
    if exp_total:
        print('# explanations as in the suite: %d/%d' % (exp_ok, exp_total))
    return passed


def main():
    path = suite_path()
    prog = os.path.join(TOP_BUILD, 'tests', 'spf', 'spf_eval')
    ci = os.environ.get('CI') == 'true'
    if path is None or not os.access(prog, os.X_OK):
        reason = 'suite file missing' if path is None else 'spf_eval not built'
        print('1..1')
        print(('not ok 1 - rfc7208 suite: %s' if ci else 'ok 1 - rfc7208 suite # SKIP %s') % reason)
        return 0
    with open(path) as f:
        scenarios = [s for s in yaml.safe_load_all(f) if s]
    total = sum(len(s['tests']) for s in scenarios)
    known = known_failures()
    # Twice: through the SPF module directly, then through the daemon
    # over the milter protocol (what the MTA sees).
    print('1..%d' % (2 * total))
    sys.stdout.flush()
    # the two share nothing and mostly wait on DNS (timeouts, a daemon's
    # start per scenario): both at once, reported one after the other
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        direct_run = ex.submit(results_of, scenarios, evaluate_spf)
        via_run = ex.submit(results_of, scenarios, evaluate_via_milter)
    direct = run_suite(scenarios, direct_run.result(), 'spf-module', known, 0)
    via = run_suite(scenarios, via_run.result(), 'daemon', known, total)
    print('# SCORE rfc7208 (spf module): %d/%d' % (direct, total))
    print('# SCORE rfc7208 (daemon over milter protocol): %d/%d' % (via, total))
    return 0


if __name__ == '__main__':
    sys.exit(main())
