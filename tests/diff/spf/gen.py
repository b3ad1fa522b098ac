"""gen.py - seeded random SPF set-ups for tests/functional/test_diff_spf.py

make_scenario(rng, idx) -> {'zone': {name: [entries]}, 'cases':
[(ip, helo, mailfrom)], 'recipe': [str]}: a zone in the format of
tests/lib/dns_server.py and the SMTP cases to check against it. Names are
unique per scenario (s<idx><abc>.test), client addresses too, so many
scenarios can share one zone. Every loop is bounded.

The vocabulary holds only what RFC 7208, libspf2 (behind src/spf) and pyspf
agree on. Left out on purpose (tests/diff/spf/cases/ pins most of them):
  libspf2 bugs mended in src/spf are in: macros libspf2 splits,
    refuses or escapes wrongly (',' and '/' delimiters, upper-case
    letters with RFC 3986 escaping, in records and explanations), and
    names over 253 octets after expansion (RFC 7208 7.3 cuts labels off
    the left), but only a one-label macro before a literal of at most
    252, one a scenario: pyspf cuts one label and no more, so longer
    cuts and literal runs over libspf2's 255 (src/spf/spf_fit.c) are
    pinned in cases rfc-36 and rfc-36b instead; records still over
    libspf2's 511 octets of compiled mechanisms once the ip4/ip6 terms
    that cannot match are dropped (permerror, spf_compiled.c; flattened
    records of up to 1,500 octets of networks are in), and records over
    our own bound for libspf2's buffers (SPF_RECORD_MAX_LEN, 2,048
    octets, or 128 terms: permerror);
  mx with a host that SERVFAILs: we try the hosts in preference order and
    stop at a match (pass when a better host matches), pyspf looks them
    all up first (temperror);
  ours, kept as is: void lookups of MX/PTR host names (so MX hosts and
    PTR names always have A and AAAA);
  pyspf quirks: a MAIL FROM domain ending in '.' (none; RFC 7208 4.3
    goes on with the same name), delimiters on %{v}, quoted local parts,
    '%%', %{d0},
    "?exists" without a domain, senders without a local part,
    include:%{d}, a redirect= left unused by a matching mechanism when
    the limit is near (so redirect= only where the whole tree has at most
    10 DNS terms), DNS errors on the PTR lookup or on A lookups of PTR
    names (temperror; RFC 7208 5.5: no match, skip the name);
  timing: TIMEOUT answers (the result would depend on the clock);
  RFC-ambiguous: %{p} (which of several validated names is chosen),
    more than 10 PTR names (which 10 depends on answer
    order), include loops.
In, because RFC 7208 and both agree: mechanism names in any case, V=SPF1,
upper-case macro letters (URL escaping of RFC 3986, over local-parts
with ' ! * ~),
a final "." on a:, mx: and ptr: domain-specs (libspf2 never matched
ptr:<domain>., mended in src/spf/spf_record.c),
/0 prefixes, MX sets of 9 to 11 (over 10: permerror, 4.6.4), IPv4-mapped
IPv6 clients (section 5: evaluated as IPv4), CNAME chains, split TXT
strings, unknown modifiers, clear syntax errors (SYNTAX).
"""
import ipaddress
import re

QUALS = ['', '', '', '+', '-', '~', '?']
ALLS = ['-all', '-all', '-all', '~all', '?all', '+all', 'all']
# macro letters, transformers and delimiters all three agree on
LETTERS = 'slodivh'
DELIMS = ['', '', '', '.', '-', '+', '_', '=', '.-', '-+_=', ',', '/',
          ',.', '+/']
# macros that expand to one label (no '.' in the value they keep)
ONE_LABEL_MACROS = ['%{v}', '%{d1}', '%{o1}', '%{h1}', '%{i1}', '%{V}',
                    '%{D1}', '%{d1r}', '%{l1}', '%{o1r}']
LOCALS = ['user', 'user', 'user', 'first.last', 'a+tag', 'a_b-c', 'x=y',
          'Mixed.Case', 'a.b.c.d.e', 'o-n.e+t_w=o', "o'brien", 'wow!now',
          'a*b.c', 'x~y']
# what URL escaping keeps (RFC 3986 2.3)
UNRESERVED = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
                       '0123456789-._~')


def url_escape(text):
    """url_escape - RFC 7208 7.3's escaping of an upper-case macro"""
    return ''.join(ch if ch in UNRESERVED else
                   ''.join('%%%02X' % b for b in ch.encode())
                   for ch in text)


def expand(spec, ip, sender, domain, helo):
    """expand - RFC 7208 7.3 for the vocabulary above (the positive
    answers of exists: are seeded with it; it is not compared)"""
    local, _, odom = sender.rpartition('@')
    addr = ipaddress.ip_address(ip)
    if addr.version == 6 and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    if addr.version == 4:
        i, v = str(addr), 'in-addr'
    else:
        i, v = '.'.join(addr.exploded.replace(':', '')), 'ip6'
    vals = {'s': sender, 'l': local, 'o': odom, 'd': domain, 'i': i,
            'v': v, 'h': helo}
    out, k = [], 0
    while k < len(spec):
        if spec.startswith('%{', k):
            end = spec.index('}', k)
            body = spec[k + 2:end]
            letter, rest = body[0].lower(), body[1:]
            escape = body[0].isupper()
            digits = ''
            while rest and rest[0].isdigit():
                digits, rest = digits + rest[0], rest[1:]
            rev = rest[:1].lower() == 'r'
            delims = rest[1:] if rev else rest
            parts = [vals[letter]]
            for dch in (delims or '.'):
                parts = [p for q in parts for p in q.split(dch)]
            if rev:
                parts.reverse()
            if digits:
                parts = parts[-int(digits):]
            joined = '.'.join(parts)
            out.append(url_escape(joined) if escape else joined)
            k = end + 1
        else:
            out.append(spec[k])
            k += 1
    return ''.join(out)


def cut_253(name):
    """cut_253 - RFC 7208 7.3: labels off the left while over 253"""
    while len(name) > 253 and '.' in name:
        name = name.split('.', 1)[1]
    return name


class Scenario:
    """Scenario - one set-up: its zone, clients and notes"""

    def __init__(self, rng, idx):
        self.rng = rng
        self.base = 's%d%s.test' % (idx, ''.join(rng.choice('abcdefgh')
                                                 for _ in range(3)))
        self.zone = {}
        self.n = 0
        self.recipe = []
        self.long_used = False  # a long macro domain-spec was written
        self.exists = []        # (spec, domain of its record, for a:)
        self.v4 = ['10.%d.%d.%d' % (idx >> 8 & 255, idx & 255, k)
                   for k in (10, 20, 30)]
        self.v6 = ['2001:db8:%x::%x' % (idx, k) for k in (0x10, 0x20)]
        self.clients = []
        self.mx_hosts = []      # names MX answers give (a: of them counts)
        self.limit_mx = []

    # ---- zone helpers ----------------------------------------------
    def name(self, pfx):
        """name - a new name under the scenario's base domain"""
        self.n += 1
        return '%s%d.%s' % (pfx, self.n, self.base)

    def add(self, name, entry):
        """add - one zone entry at name"""
        self.zone.setdefault(name, []).append(entry)

    def other4(self):
        """other4 - an IPv4 address no client has"""
        return '203.0.113.%d' % self.rng.randrange(1, 255)

    def other6(self):
        """other6 - an IPv6 address no client has"""
        return '2001:db8:ffff::%x' % self.rng.randrange(1, 65535)

    def addresses(self, name, hit, both=False):
        """addresses - A/AAAA at name; hit: include a client's address; both: always
        both families (names whose void answers we leave out)"""
        r = self.rng
        c4 = [c for c in self.clients if '.' in c] or [self.other4()]
        c6 = [c for c in self.clients if ':' in c] or [self.other6()]
        v4 = [self.other4() for _ in range(r.randint(0, 2))]
        v6 = [self.other6() for _ in range(r.randint(0, 1))]
        if hit:
            v4.append(r.choice(c4))
            v6.append(r.choice(c6))
        if both or not v4 and not v6:
            v4 = v4 or [self.other4()]
            v6 = v6 or [self.other6()]
        if v4:
            self.add(name, {'A': sorted(set(v4))})
        if v6:
            self.add(name, {'AAAA': sorted(set(v6))})

    def host(self, void_ok=True):
        """host - a name for a:, sometimes void, a CNAME (chain) or
        failing; void_ok False: never void"""
        r = self.rng
        n = self.name('h')
        x = r.random()
        if void_ok and x < 0.06:
            return n                              # NXDOMAIN (void)
        if void_ok and x < 0.09:
            self.add(n, {'TXT': 'no address'})    # NODATA (void)
            return n
        if x < 0.12:
            self.add(n, 'SERVFAIL')
            return n
        if x < 0.2:
            tgt = self.name('t')
            self.addresses(tgt, r.random() < 0.5, both=True)
            if r.random() < 0.3:
                hop, tgt = tgt, self.name('t')
                self.add(tgt, {'CNAME': hop})
            self.add(n, {'CNAME': tgt})
            return n
        self.addresses(n, r.random() < 0.4)
        return n

    # ---- terms -------------------------------------------------------
    def cidr(self, fam):
        """cidr - a prefix length for family fam, often none"""
        r = self.rng
        if r.random() < 0.6:
            return ''
        if fam == 4:
            return '/%d' % r.choice([0, 8, 16, 24, 24, 28, 31, 32])
        return '/%d' % r.choice([0, 32, 48, 64, 64, 96, 127, 128])

    def dual(self):
        """dual - a dual-cidr-length for a/mx, often none"""
        r = self.rng
        x = r.random()
        if x < 0.6:
            return ''
        c4 = self.cidr(4)
        if x < 0.8:
            return c4
        return c4 + '//%d' % r.choice([0, 48, 64, 128])

    def dot(self):
        """dot - now and then the final "." a domain-spec may end in (RFC
        7208 7.1 domain-end): the same name"""
        return '.' if self.rng.random() < 0.15 else ''

    def macro(self):
        """macro - one macro-expand of the agreed vocabulary"""
        r = self.rng
        letter = r.choice(LETTERS)
        digit = str(r.choice([1, 2, 3, 5, 9, 30])) if r.random() < 0.4 else ''
        rev = 'r' if r.random() < 0.4 else ''
        delim = r.choice(DELIMS) if r.random() < 0.4 else ''
        if letter == 'v':
            delim = ''      # pyspf ignores them on %{v} (cases/ pins it)
        if r.random() < 0.25:
            letter = letter.upper()     # URL-escaped (RFC 7208 7.3)
        return '%{' + letter + digit + rev + delim + '}'

    def long_spec(self):
        """long_spec - a one-label macro and a literal of 236-252 octets:
        expanded, often over 253 octets, and one label off the left (the
        macro's) brings it within (pyspf cuts no more than one)"""
        r = self.rng
        suffix = '.%s.%s' % (r.choice(['_spf', 'x', 'ok']), self.base)
        want = r.randint(236, 252)
        labels = []
        while want - len('.' + '.'.join(labels) + suffix) > 64:
            labels.append(''.join(r.choice('abcdefghij')
                                  for _ in range(r.randint(40, 63))))
        room = want - len('.' + '.'.join(labels + ['']) + suffix)
        if room > 0:
            labels.append('k' * room)
        self.recipe.append('long macro domain-spec')
        return r.choice(ONE_LABEL_MACROS) + '.' + '.'.join(labels) + suffix

    def macro_spec(self):
        """macro_spec - a domain-spec of one or two macros and a suffix,
        now and then a long one"""
        r = self.rng
        # one a scenario: two in a record pass libspf2's 511 octets of
        # compiled mechanisms (permerror, src/spf/spf_compiled.c)
        if not self.long_used and r.random() < 0.08:
            self.long_used = True
            return self.long_spec()
        parts = [self.macro() for _ in range(r.choice([1, 1, 2]))]
        return '.'.join(parts) + '.%s.%s' % (r.choice(['_spf', 'x', 'ok']),
                                            self.base)

    def mx_name(self, own=None):
        """mx_name - a name with MX records (hosts always resolve in both
        families), sometimes void or failing; own: that name (bare mx)"""
        r = self.rng
        n = own or self.name('m')
        x = r.random()
        if own is None and x < 0.06:
            return n                        # NXDOMAIN (void)
        if x < 0.1:
            self.add(n, {'TXT': 'no mx'})   # NODATA (void)
            return n
        if x < 0.12:
            self.add(n, 'SERVFAIL')
            return n
        k = r.choice([9, 10, 10, 11]) if r.random() < 0.08 else r.randint(1, 3)
        for j in range(k):
            h = self.name('mh')
            self.mx_hosts.append(h)
            self.addresses(h, r.random() < 0.3, both=True)
            self.add(n, {'MX': [10 + j, h]})
        return n

    def ptr_setup(self):
        """ptr_setup - PTR records of the clients, once; the names always
        resolve (in both families), some to the client"""
        if getattr(self, 'ptr_done', False):
            return
        self.ptr_done = True
        r = self.rng
        for c in self.clients:
            ip = ipaddress.ip_address(c)
            rev = ip.reverse_pointer
            if r.random() < 0.15:
                continue                    # no PTR (NXDOMAIN)
            for j in range(r.randint(1, 3)):
                h = r.choice(['p%d.%s' % (j, self.base),
                              'p%d.ptr.%s' % (j, self.base),
                              'p%d.%s.example' % (j, self.base.split('.')[0])])
                self.add(rev, {'PTR': h})
                if r.random() < 0.7:
                    self.add(h, {'A' if ip.version == 4 else 'AAAA': c})
                self.addresses(h, False, both=True)

    def spf_name(self, budget, depth):
        """spf_name - a name for include:/redirect= (a record spending at
        most budget DNS terms, or none, or failing); -> (name, spent)"""
        r = self.rng
        n = self.name('spf')
        x = r.random()
        if x < 0.04:
            return n, 0                    # NXDOMAIN
        if x < 0.07:
            self.add(n, {'TXT': 'not spf'})
            return n, 0
        if x < 0.09:
            self.add(n, 'SERVFAIL')
            return n, 0
        rec, used = self.record(n, budget, depth)
        self.publish(n, rec)
        return n, used

    def term(self, domain, budget, depth):
        """term - one mechanism of a record for domain -> (text, DNS terms
        spent, an include's record included)"""
        r = self.rng
        q = r.choice(QUALS)
        x = r.random()
        if budget < 1:
            x = r.random() * 0.28
        c4 = [c for c in self.clients if '.' in c]
        c6 = [c for c in self.clients if ':' in c]
        if x < 0.18:
            ip = r.choice(c4) if c4 and r.random() < 0.5 else self.other4()
            return q + 'ip4:' + ip + self.cidr(4), 0
        if x < 0.28:
            ip = r.choice(c6) if c6 and r.random() < 0.5 else self.other6()
            return q + 'ip6:' + ip + self.cidr(6), 0
        if x < 0.44:
            if r.random() < 0.25:
                if domain not in self.own_addr:
                    self.own_addr.add(domain)
                    if r.random() < 0.9:
                        self.addresses(domain, r.random() < 0.4)
                return q + 'a' + self.dual(), 1
            return q + 'a:' + self.host() + self.dot() + self.dual(), 1
        if x < 0.55:
            if r.random() < 0.25:
                if domain not in self.own_mx:
                    self.own_mx.add(domain)
                    self.mx_name(domain)
                return q + 'mx' + self.dual(), 1
            return q + 'mx:' + self.mx_name() + self.dot() + self.dual(), 1
        if x < 0.6:
            self.ptr_setup()
            t = 'ptr'
            if r.random() < 0.5:
                t += ':' + r.choice([self.base, 'ptr.' + self.base,
                                     self.base.split('.')[0] + '.example'])
                t += self.dot()
            return q + t, 1
        if x < 0.72:
            if r.random() < 0.4:
                n = self.name('e')
                if r.random() < 0.6:
                    self.add(n, {'A': '127.0.0.2'})
                return q + 'exists:' + n, 1
            spec = self.macro_spec()
            self.exists.append((spec, domain, False))
            return q + 'exists:' + spec, 1
        if x < 0.8 and r.random() < 0.5:
            spec = self.macro_spec()
            self.exists.append((spec, domain, True))
            return q + 'a:' + spec + self.dual(), 1
        if x < 0.92 and depth < 3 and budget >= 2:
            n, used = self.spf_name(budget - 1, depth + 1)
            return q + 'include:' + n, 1 + used
        if x < 0.96:
            return q + r.choice(self.SYNTAX) % {'b': self.base}, 0
        if self.mx_hosts and r.random() < 0.5:
            return q + 'a:' + r.choice(self.mx_hosts) + self.dual(), 1
        return q + 'a:' + self.host(void_ok=False), 1

    def flattened(self):
        """flattened - ip4/ip6 terms as SPF flattening services publish
        them, past libspf2's 511 octets of compiled mechanisms (8 an ip4
        term, 20 an ip6 one), so src/spf drops those that cannot match
        (spf_shrink.c); now and then one covers a client. At most 1,500
        octets of text: the record stays within SPF_RECORD_MAX_LEN"""
        r = self.rng
        out, compiled, text = [], 0, 0
        while compiled < 560 and text < 1500:
            q = r.choice(QUALS)
            if r.random() < 0.02 and self.clients:
                c = r.choice(self.clients)
                fam = 6 if ':' in c else 4
                t = q + 'ip%d:' % fam + c + self.cidr(fam)
            elif r.random() < 0.6:
                fam = 4
                t = q + 'ip4:198.51.%d.%d/%d' % (
                    r.randrange(256), r.randrange(0, 256, 16),
                    r.choice([24, 28, 32]))
            else:
                fam = 6
                t = q + 'ip6:2001:db8:%x:%x::/%d' % (
                    0x8000 + r.randrange(0x7fff), r.randrange(65536),
                    r.choice([48, 56, 64, 128]))
            out.append(t)
            compiled += 8 if fam == 4 else 20
            text += len(t) + 1
        self.recipe.append('flattened: %d networks' % len(out))
        return out

    # clear syntax errors: permerror from all three
    SYNTAX = ['ip4:192.0.2.300', 'ip4:192.0.2.1/33', 'ip6:2001:db8::1/129',
              'a/33', 'mx//129', 'moo', 'ip4', 'ip4:', 'a:%(b)s:25',
              'ptr/24', 'include:', 'a:%%{x}.%(b)s', 'exists:%%{i',
              'ip4:%(b)s', 'a:%(b)s/24//', '-all:x', 'a::%(b)s']

    def record(self, domain, budget, depth):
        """record - an SPF record for domain whose whole tree spends at
        most budget DNS terms -> (text, terms spent at worst)"""
        r = self.rng
        terms, used = [], 0
        for _ in range(r.choice([0, 1, 2, 2, 3, 3, 4, 5])):
            t, u = self.term(domain, budget - used, depth)
            if r.random() < 0.05:   # mechanism names are case-blind
                m = re.match(r'([-+~?]?)([a-z0-9]+)(.*)$', t)
                if m:   # not a SYNTAX term such as "--all:x"
                    t = m.group(1) + r.choice([str.upper, str.capitalize])(
                        m.group(2)) + m.group(3)
            terms.append(t)
            used += u
        if r.random() < 0.06:
            at = r.randint(0, len(terms))
            terms[at:at] = self.flattened()
        if r.random() < 0.6:
            terms.append(r.choice(ALLS))
        if depth < 3 and budget - used >= 2 and r.random() < 0.15:
            n, u = self.spf_name(budget - used - 1, depth + 1)
            terms.append('redirect=' + n)
            used += 1 + u
        if r.random() < (0.4 if depth == 0 else 0.15):
            terms.append('exp=' + self.exp_name())
        if r.random() < 0.08:
            terms.append(r.choice(['foo=bar', 'x-y.z=%{d}', 'moo=',
                                   'ra=postmaster']))
        if r.random() < 0.2:
            r.shuffle(terms)
        ver = 'V=SPF1' if r.random() < 0.04 else 'v=spf1'
        return ' '.join([ver] + terms), used

    def exp_name(self):
        """exp_name - a name for exp= and, mostly, its explanation: fixed
        texts or words and macros of the vocabulary"""
        n = self.name('x')
        r = self.rng
        if r.random() < 0.3:
            self.add(n, {'TXT': r.choice([
                'not allowed for %{d}', '%{i} may not send for %{o}',
                'helo %{h} sender %{s}'])})
        elif r.random() < 0.85:
            words = [self.macro() if r.random() < 0.6 else r.choice(
                ['not', 'allowed:', 'see', 'x=%{d}', '%_', '%-'])
                for _ in range(r.randint(1, 4))]
            self.add(n, {'TXT': ' '.join(words)})
        return n

    def publish(self, name, rec):
        """publish - rec as TXT at name, maybe in several strings, maybe
        next to other TXT records (a second SPF one: permerror)"""
        r = self.rng
        if r.random() < 0.1 and len(rec) > 8:
            k = r.randint(1, min(3, len(rec) - 1))
            cuts = sorted(r.sample(range(1, len(rec)), k))
            self.add(name, {'TXT': [rec[i:j] for i, j in
                                    zip([0] + cuts, cuts + [len(rec)])]})
        else:
            self.add(name, {'TXT': rec})
        x = r.random()
        if x < 0.15:
            self.add(name, {'TXT': 'site-verification=%s' % name})
        elif x < 0.19:
            self.add(name, {'TXT': r.choice(['v=spf1 -all', 'v=spf1'])})
        elif x < 0.22:
            self.add(name, {'TXT': r.choice(['v=spf10 +all', 'v=spf1-all',
                                             'spf2.0/pra +all'])})

    # ---- records built around the limits --------------------------------
    def filler(self, void):
        """filler - a DNS term that does not match; void: one whose lookup
        is void"""
        r = self.rng
        if void:
            n = self.name('v')
            if r.random() < 0.3:
                self.add(n, {'TXT': 'nothing'})
            return r.choice(['a:', 'a:', 'exists:', 'mx:']) + n
        n = self.name('f')
        if r.random() < 0.3:
            h = self.name('fh')
            self.addresses(h, False, both=True)
            self.add(n, {'MX': [10, h]})
            self.limit_mx.append(h)
            return 'mx:' + n
        if self.limit_mx and r.random() < 0.3:
            return 'a:' + r.choice(self.limit_mx)
        self.addresses(n, False, both=True)
        return 'a:' + n

    def limit_terms(self, n, voids, depth, subs):
        """limit_terms - terms spending exactly n DNS terms (voids of them void), some in
        nested includes (no all there: a miss goes on); subs collects the
        term lists of the included records"""
        r = self.rng
        terms = []
        while n > 0:
            if depth < 3 and n >= 3 and r.random() < 0.3:
                k = r.randint(1, n - 1)
                kv = r.randint(0, min(voids, k))
                sub = self.limit_terms(k, kv, depth + 1, subs)
                name = self.name('spf')
                subs.append((name, sub))
                terms.append('include:' + name)
                n, voids = n - k - 1, voids - kv
            else:
                v = voids > 0 and r.random() < voids / n
                terms.append(self.filler(v))
                n, voids = n - 1, voids - v
        return terms

    def limit_record(self):
        """limit_record - a record tree built to spend 8 to 12 DNS terms
        (or 1 to 4 void lookups), a matching mechanism anywhere or none"""
        r = self.rng
        kind = r.choice(['terms', 'terms', 'void'])
        if kind == 'terms':
            n, voids = r.choice([8, 9, 10, 10, 11, 11, 12]), 0
        else:
            n, voids = r.randint(3, 8), r.choice([1, 2, 2, 3, 3, 4])
        self.recipe.append('limit:%s terms=%d voids=%d' % (kind, n, voids))
        subs = []
        top = self.limit_terms(n, voids, 0, subs)
        # the matching mechanism somewhere, or none
        if r.random() < 0.8:
            pick = r.randrange(len(subs) + 1)
            tl = top if pick == len(subs) else subs[pick][1]
            c = r.choice(self.clients)
            tl.insert(r.randint(0, len(tl)),
                      ('ip4:' if '.' in c else 'ip6:') + c)
        for name, sub in subs:
            self.publish(name, ' '.join(['v=spf1'] + sub))
        return ' '.join(['v=spf1'] + top + [r.choice(['-all', '~all'])])


def make_scenario(rng, idx):
    """make_scenario - see the module comment"""
    sc = Scenario(rng, idx)
    sc.own_addr, sc.own_mx = set(), set()
    r = rng
    x = r.random()
    sc.clients.append(r.choice(sc.v4) if x < 0.6 else r.choice(sc.v6))
    if r.random() < 0.5:
        sc.clients.append(r.choice([c for c in sc.v4 + sc.v6
                                    if c not in sc.clients]))
    if r.random() < 0.25:
        rec = sc.limit_record()
    else:
        rec, _ = sc.record(sc.base, 10, 0)
    if r.random() < 0.03:
        sc.add(sc.base, 'SERVFAIL')
        sc.recipe.append('top record SERVFAIL')
    else:
        sc.publish(sc.base, rec)
    helo = 'mail.' + sc.base
    y = r.random()
    if y < 0.4:
        hrec, _ = sc.record(helo, 10, 1)
        sc.publish(helo, hrec)
    elif y < 0.55:
        helo = sc.base
    cases = []
    for c in sc.clients:
        dom = sc.base.upper() if r.random() < 0.05 else sc.base
        mf = '' if r.random() < 0.12 else r.choice(LOCALS) + '@' + dom
        if '.' in c and r.random() < 0.1:
            c = '::ffff:' + c       # an IPv4 client seen on an IPv6 socket
        cases.append((c, helo, mf))
    # positive answers for some exists:/a: names built from macros
    for spec, domain, is_a in sc.exists:
        for c, h, mf in cases:
            for sender in (mf or 'postmaster@' + h, 'postmaster@' + h):
                if r.random() < 0.5:
                    name = cut_253(expand(spec, c, sender, domain,
                                          h).lower())
                    if len(name) <= 253 and '..' not in name:
                        sc.add(name, {('AAAA' if ':' in c else 'A') if is_a
                                      else 'A': c if is_a else '127.0.0.2'})
    return {'zone': sc.zone, 'cases': cases, 'recipe': sc.recipe}
