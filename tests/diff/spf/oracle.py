"""oracle.py - pyspf (Debian python3-spf, /usr/bin/python3 only) asked
about the same zone, through the same loopback DNS server as authmilter

pyspf's DNS lookup function is replaced by one on a dnspython resolver
that asks only 127.0.0.1:<port> (no cache, no search list), so both sides
see the very same answers. check(port, ip, sender, helo) -> (result code,
explanation).
"""
import threading

import dns.exception
import dns.name
import dns.resolver
import spf

RECEIVER = 'receiver.test'
_local = threading.local()


def _resolver(port):
    r = getattr(_local, 'resolver', None)
    if r is None or r.port != port:
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ['127.0.0.1']
        r.port = port
        r.cache = None
        _local.resolver = r
    return r


def _lookup(name, qtype, strict=True, timeout=5):
    """what pyspf's own DNSLookup returns, from our server"""
    out = []
    try:
        for rd in _resolver(_local.port).resolve(name, qtype, search=False,
                                                  lifetime=timeout):
            if qtype in ('A', 'AAAA'):
                out.append(((name, qtype), rd.address))
            elif qtype == 'MX':
                out.append(((name, qtype), (rd.preference, rd.exchange)))
            elif qtype == 'PTR':
                out.append(((name, qtype), rd.target.to_text(True)))
            elif qtype in ('TXT', 'SPF'):
                out.append(((name, qtype), list(rd.strings)))
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        pass
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
        raise spf.TempError('DNS ' + str(e))
    except (dns.name.LabelTooLong, dns.name.NameTooLong,
            dns.name.EmptyLabel, UnicodeError):
        pass        # not a name that can be asked for: no answer
    return out


spf.DNSLookup = _lookup


def check(port, ip, sender, helo, timeout=5):
    """check - pyspf's result code ('crash:...' when it raised) and, for
    fail, the explanation from exp= (None when pyspf fell back on its
    default text: no exp= or no usable explanation)"""
    _local.port = port
    try:
        q = spf.query(i=ip, s=sender, h=helo, receiver=RECEIVER,
                      timeout=timeout, strict=True)
        res, _, exp = q.check()
    except Exception as e:      # a pyspf bug; reported as a discrepancy
        return 'crash:%s' % type(e).__name__, None
    if res != 'fail' or exp == spf.EXPLANATIONS['fail']:
        exp = None
    return res, exp
