#!/usr/bin/python3
"""test_diff_spf.py - SPF differential suite: authmilter against pyspf

Part 1, random: tests/diff/spf/gen.py makes seeded SPF set-ups (a, mx,
ip4, ip6, ptr, include, exists, redirect, all with qualifiers; macros;
nested includes; the 10-term and void-lookup limits at and around their
edges; NXDOMAIN, NODATA, SERVFAIL, several and broken records; IPv4, IPv6
and IPv4-mapped clients), served together by tests/lib/dns_server.py on
127.0.0.1. Each case is checked by authmilter ("authcheck message" of
top_builddir, tests/diff/spf/ours.py) and by pyspf (python3-spf,
tests/diff/spf/oracle.py, same server), for the MAIL FROM identity (HELO
for a null sender) and the HELO one. The generator holds only what RFC
7208 and both sides agree on, so any differing result code fails, and
so does a differing explanation where both say fail (exp= texts of words
and macros; compared without case, libspf2's and pyspf's default texts
taken as none). The sanity floor: both sides answered every case, each
result code occurs often enough, and so do the limits and their edges
(our JSON's reason, dns_terms and void_lookups) and explanations.

Part 2, fixed: tests/diff/spf/cases/*.yml, one zone (dns_server.py
format) and case each: ip, helo, mailfrom, identity (mailfrom|helo),
expect (authmilter's result code), optional expect_explanation,
known_divergent (true: expect is today's libspf2 result, the comment says
what RFC 7208 wants), pyspf (its answer, not checked). Checked against
authmilter only.

Environment: DIFF_SEED (default 7208) and DIFF_COUNT (scenarios, default
500) for longer hunts; DIFF_KEEP=1 keeps the work directory (zones,
discrepancies.json) and prints its path. Default run: 22-24 s on the
2-core build machine with other jobs running (load 5); 40 s with a
differential hunt beside it.
"""
import concurrent.futures
import glob
import importlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # nothing written into top_srcdir
HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get('top_srcdir') or os.path.join(HERE, '..', '..')
TOP_BUILD = os.environ.get('top_builddir') or TOP_SRC
DIFF_DIR = os.path.join(TOP_SRC, 'tests', 'diff', 'spf')
sys.path.insert(0, os.path.join(TOP_SRC, 'tests', 'lib'))
sys.path.insert(0, DIFF_DIR)
from tap import TAP  # noqa: E402

AUTHCHECK = os.path.join(TOP_BUILD, 'src', 'authcheck', 'authcheck')
SEED = int(os.environ.get('DIFF_SEED', '7208'))
COUNT = int(os.environ.get('DIFF_COUNT', '500'))
BATCH = 100          # scenarios per zone (one DNS server each)
WORKERS = 4
MAX_SHOWN = 20
EXP_FLOOR = 0.01     # share of evaluations giving an explanation to compare
# libspf2's own explanation when there is no usable exp= text
LIBSPF2_DEFAULT_EXP = re.compile(r" is not one of \S+'s designated mail "
                                 r"servers$")
# the sanity floor: share of evaluations each result must reach
FLOOR = {'pass': 0.10, 'fail': 0.06, 'softfail': 0.03, 'permerror': 0.03,
         'temperror': 0.01, 'neutral': 0.01, 'none': 0.01}
# ... and so must the limits and their edges
LIMITS = {'terms>10': 0.005, 'void>2': 0.003, 'terms=10': 0.003,
          'void=2': 0.003}
LIMITS_TEXT = {'terms>10': 'permerror, over 10 DNS terms',
               'void>2': 'permerror, over 2 void lookups',
               'terms=10': 'no error at exactly 10 DNS terms',
               'void=2': 'no error at exactly 2 void lookups'}
MESSAGE = 'From: a@from.invalid\nSubject: spf\nMessage-ID: <spf@diff>\n\nx\n'
M = {}      # modules loaded once the prerequisites are known to be there


def prerequisites():
    """prerequisites - None when the Python modules load, else why not"""
    try:
        for mod in ('yaml', 'dns.resolver', 'spf', 'dns_testserver', 'gen',
                    'oracle', 'ours'):
            M[mod] = importlib.import_module(mod)
    except ImportError as e:
        return 'python3-spf, python3-dnspython, python3-yaml (%s)' % e
    return None


def evaluate(port, msg, case):
    """evaluate - one case by both sides; -> a row per identity"""
    ip, helo, mf = case
    a = M['ours'].check(AUTHCHECK, msg, port, ip, helo, mf, explanation=True)
    idents = [('mailfrom' if mf else 'helo(null)', 'spf', mf)]
    if mf:
        idents.append(('helo', 'spf_helo', ''))
    rows = []
    for ident, key, sender in idents:
        code, exp = M['oracle'].check(port, ip, sender, helo)
        rows.append({'case': case, 'identity': ident, 'ours': a.get(key),
                     'ours_exp': a.get(key + '_explanation'),
                     'reason': a.get(key + '_reason') or '',
                     'terms': a.get(key + '_terms') or (None, None),
                     'pyspf': code, 'pyspf_exp': exp,
                     'error': a.get('error')})
    return rows


def limit_kind(row):
    """limit_kind - which limit or edge the row reached, or None"""
    terms, voids = row['terms']
    if 'too many DNS-querying terms' in row['reason']:
        return 'terms>10'
    if 'too many void lookups' in row['reason']:
        return 'void>2'
    if row['ours'] != 'permerror' and terms == 10:
        return 'terms=10'
    if row['ours'] != 'permerror' and voids == 2:
        return 'void=2'
    return None


def recipe(scen):
    """recipe - what the generator did: its notes, SPF records, failures"""
    out = list(scen['recipe'])
    for name, entries in sorted(scen['zone'].items()):
        for e in entries:
            if not isinstance(e, dict):
                out.append('%s: %s' % (name, e))
            elif 'TXT' in e:
                txt = e['TXT'] if isinstance(e['TXT'], str) else \
                    '"' + '" "'.join(e['TXT']) + '"'
                if txt.lower().lstrip('"').startswith('v=spf1'):
                    out.append('%s: %s' % (name, txt))
    return out


def run_random(work, msg):
    """run_random - generate, serve and evaluate; -> (scenarios, rows)"""
    rng = random.Random(SEED)
    scens = [M['gen'].make_scenario(rng, i) for i in range(COUNT)]
    rows = []
    for b0 in range(0, COUNT, BATCH):
        zone = {}
        for s in scens[b0:b0 + BATCH]:
            for k, v in s['zone'].items():
                zone.setdefault(k, []).extend(v)
        zpath = os.path.join(work, 'zone-%d.json' % b0)
        with open(zpath, 'w') as f:
            json.dump(zone, f)
        with M['dns_testserver'].DnsServer(zpath) as srv:
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
                futs = [(i, ex.submit(evaluate, srv.port, msg, c))
                        for i in range(b0, min(COUNT, b0 + BATCH))
                        for c in scens[i]['cases']]
                for i, fu in futs:
                    for row in fu.result():
                        row['scenario'] = i
                        rows.append(row)
    return scens, rows


def random_part(t, work, msg):
    """random_part - the differential run and its sanity floor"""
    scens, rows = run_random(work, msg)
    counts, limits = {}, {}
    for r in rows:
        counts[r['ours']] = counts.get(r['ours'], 0) + 1
        k = limit_kind(r)
        limits[k] = limits.get(k, 0) + 1
    t.diag('seed %d, %d scenarios, %d evaluations; authmilter said:'
           % (SEED, COUNT, len(rows)))
    for k in sorted(counts, key=str):
        t.diag('  %-10s %d' % (k, counts[k]))
    for k in LIMITS:
        t.diag('  %s: %d' % (LIMITS_TEXT[k], limits.get(k, 0)))
    errors = [r for r in rows if r['error']]
    t.ok(rows and not errors, 'authmilter gave an SPF result for every case',
         diag=lambda: '\n'.join('%s: %s' % (r['case'], r['error'])
                                for r in errors[:MAX_SHOWN]))
    crashed = [r for r in rows if not r['pyspf'] or
               r['pyspf'].startswith('crash')]
    t.ok(rows and not crashed, 'pyspf answered every case (%d)' % len(rows),
         diag=lambda: '\n'.join('%s: %s' % (r['case'], r['pyspf'])
                                for r in crashed[:MAX_SHOWN]))
    low = ['%s %d < %.0f%%' % (k, counts.get(k, 0), 100 * f)
           for k, f in sorted(FLOOR.items())
           if counts.get(k, 0) < f * len(rows)]
    low += ['%s %d < %.1f%%' % (LIMITS_TEXT[k], limits.get(k, 0), 100 * f)
            for k, f in LIMITS.items() if limits.get(k, 0) < f * len(rows)]
    t.ok(rows and not low, 'sanity floor: every result code, limit and '
         'edge occurs often enough', diag=', '.join(low))
    diffs = [r for r in rows if r['ours'] != r['pyspf'] and not r['error']]
    shown = []
    for r in diffs[:MAX_SHOWN]:
        shown.append('scenario %d %s ip=%s helo=%s mailfrom=%r: authmilter '
                     '%s, pyspf %s' % (r['scenario'], r['identity'],
                                       r['case'][0], r['case'][1],
                                       r['case'][2], r['ours'], r['pyspf']))
        shown.extend('    ' + x for x in recipe(scens[r['scenario']]))
    t.ok(not diffs, 'no discrepancies with pyspf (%d evaluations, %d '
         'differ)' % (len(rows), len(diffs)), diag='\n'.join(shown))
    explanations_part(t, scens, rows)
    if diffs and os.environ.get('DIFF_KEEP'):
        with open(os.path.join(work, 'discrepancies.json'), 'w') as f:
            json.dump([dict(r, zone=scens[r['scenario']]['zone'])
                       for r in diffs], f, indent=1)


def explanations_part(t, scens, rows):
    """explanations_part - where both sides say fail, the same explanation
    (RFC 7208 6.2, macros by 7.3), compared without case: pyspf writes an
    IPv6 %{i} and URL escapes in upper case, libspf2 escapes in lower case
    (DNS names and hex digits are case-blind); a floor of explanations
    with macros so the comparison cannot go empty"""
    both = [r for r in rows if r['ours'] == r['pyspf'] == 'fail']
    for r in both:
        if r['ours_exp'] and LIBSPF2_DEFAULT_EXP.search(r['ours_exp']):
            r['ours_exp'] = None    # as pyspf's default: no exp= text
    texts = [r for r in both if r['ours_exp'] and r['pyspf_exp']]
    t.diag('%d fail results, %d with an explanation from exp= on both '
           'sides (every generated one has macros)' % (len(both),
                                                        len(texts)))
    t.ok(len(texts) >= EXP_FLOOR * len(rows), 'sanity floor: explanations '
         'compared (%d)' % len(texts))
    # without case: pyspf writes %{i}'s IPv6 nibbles in upper case (RFC
    # 7208 7.4's example has them in lower case, as we do); our escapes'
    # upper-case hex is checked by test_spf_check
    diffs = [r for r in both if (r['ours_exp'] or '').lower() !=
             (r['pyspf_exp'] or '').lower()]
    shown = []
    for r in diffs[:MAX_SHOWN]:
        shown.append('scenario %d %s ip=%s helo=%s mailfrom=%r: authmilter '
                     '%r, pyspf %r' % (r['scenario'], r['identity'],
                                       r['case'][0], r['case'][1],
                                       r['case'][2], r['ours_exp'],
                                       r['pyspf_exp']))
        shown.extend('    ' + x for x in recipe(scens[r['scenario']]))
    t.ok(not diffs, 'explanations agree with pyspf (%d compared, %d '
         'differ)' % (len(both), len(diffs)), diag='\n'.join(shown))


def fixed_case(path, msg):
    """fixed_case - one tests/diff/spf/cases file -> (ok, name, diag)"""
    with open(path) as f:
        c = M['yaml'].safe_load(f)
    work = tempfile.mkdtemp(prefix='diff-spf-case-')
    try:
        zpath = os.path.join(work, 'zone.json')
        with open(zpath, 'w') as f:
            json.dump(c['zone'], f)
        with M['dns_testserver'].DnsServer(zpath) as srv:
            a = M['ours'].check(AUTHCHECK, msg, srv.port, c['ip'], c['helo'],
                                c['mailfrom'], explanation=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    key = 'spf_helo' if c.get('identity') == 'helo' else 'spf'
    got, got_exp = a.get(key), a.get(key + '_explanation')
    want_exp = c.get('expect_explanation')
    ok = got == c['expect'] and not a.get('error') and \
        (want_exp is None or got_exp == want_exp)
    name = '%s: %s%s' % (os.path.basename(path), c['expect'],
                         ' (known divergent)' if c.get('known_divergent')
                         else '')
    diag = 'expected %s%s, authmilter gave %s (explanation %r) %s' % (
        c['expect'], ' / %r' % want_exp if want_exp else '', got, got_exp,
        a.get('error') or '')
    return ok, name, diag


def main():
    t = TAP()
    t.skip_if_wrapped("SPF differential")
    if not t.need(files=[AUTHCHECK], check=prerequisites,
                  what='SPF differential', tests=['SPF differential suite']):
        t.done()
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix='diff-spf-')
    msg = os.path.join(work, 'msg.eml')
    with open(msg, 'w') as f:
        f.write(MESSAGE)
    try:
        random_part(t, work, msg)
        cases = sorted(glob.glob(os.path.join(DIFF_DIR, 'cases', '*.yml')))
        t.ok(len(cases) >= 20, 'fixed cases found (%d)' % len(cases))
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
            for ok, name, diag in ex.map(lambda p: fixed_case(p, msg), cases):
                t.ok(ok, name, diag=diag)
    finally:
        if os.environ.get('DIFF_KEEP'):
            t.diag('work directory kept: ' + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    t.diag('%.1f s' % (time.monotonic() - t0))
    t.done()


if __name__ == '__main__':
    main()
