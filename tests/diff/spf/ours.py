"""ours.py - authmilter's SPF results for one SMTP case: src/authcheck's
"authcheck message" (the milter's SPF code) against the loopback server

check(authcheck, msg, port, ip, helo, mailfrom) -> {'spf': result of the
MAIL FROM identity (the HELO one for a null sender), 'spf_helo': result
of the HELO identity or None, <key>_reason and <key>_terms (DNS terms
and void lookups counted) for each, 'error': text when the run failed}.
"""
import json
import subprocess

RECEIVER = 'receiver.test'
# pyspf's limit (oracle.py, lifetime 5 s): with a shorter one a loaded
# machine made authmilter alone time out now and then (a temperror
# against pyspf's none: seed 215, the twenty-fourth session's hunt). The
# generator makes no TIMEOUT answers, so no case waits this long.
DNS_TIMEOUT_MS = 5000


def check(authcheck, msg, port, ip, helo, mailfrom, explanation=False):
    """check - run authcheck on one case; see the module comment"""
    args = [authcheck, 'message', msg, '--ip', ip, '--helo', helo,
            '--mail-from', mailfrom, '--nameserver', '127.0.0.1@%d' % port,
            '--timeout', str(DNS_TIMEOUT_MS), '--json',
            '--authserv-id', RECEIVER]
    try:
        p = subprocess.run(args, capture_output=True, text=True,
                           errors='replace', timeout=60)
    except subprocess.TimeoutExpired:
        return {'error': 'authcheck timed out'}
    if p.returncode not in (0, 1, 3) or 'Sanitizer' in p.stderr:
        return {'error': 'authcheck exit %d: %s' % (p.returncode,
                                                    p.stderr[-300:])}
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return {'error': 'authcheck printed no JSON: ' + p.stderr[-300:]}
    out = {}
    for key in ('spf', 'spf_helo'):
        s = doc.get(key) or {}
        out[key] = s.get('result')
        out[key + '_reason'] = s.get('reason')
        out[key + '_terms'] = (s.get('dns_terms'), s.get('void_lookups'))
        if explanation:
            out[key + '_explanation'] = s.get('explanation')
    if out['spf'] is None:
        out['error'] = 'no SPF result in the JSON'
    return out
