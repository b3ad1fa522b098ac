/*
 * spf_record.c - RFC 7208 record checks done before libspf2 sees a record
 *
 * Exported (spf_record.h): spf_record_is_spf, spf_record_check,
 * spf_macro_parse, spf_macro_string_ok, spf_macro_string_copy,
 * spf_macro_compiled_len, spf_domain_spec_ok, spf_domain_ok,
 * spf_split_dual_cidr, spf_cidr_parse.
 *
 * libspf2 accepts some invalid records, refuses some valid ones and has had
 * memory errors on hostile ones (CVE-2021-20314, CVE-2021-33912/33913,
 * CVE-2023-42118). So every record is checked here against the ABNF of
 * RFC 7208 section 12 and the modifier rules of section 6, and libspf2 gets
 * a normalised copy that avoids its known misjudgements:
 *   - redirect= is moved to the end and dropped when the record has an
 *     "all" mechanism (RFC 7208 6.1: redirect is then ignored);
 *   - unknown modifiers are dropped (RFC 7208 6: they are ignored);
 *   - ip4/ip6 networks with prefix length 0 become "all" for a client of
 *     that family and are dropped for the other family (libspf2 reads /0
 *     as "no prefix given", i.e. /32 or /128);
 *   - "a/0" for an IPv4 client becomes "exists:" of the same domain
 *     (any A record matches, RFC 7208 5.3); a//0, mx/0 and mx//0 become
 *     "exists:" of a marked name that spf_dns.c's DNS layer answers (see
 *     SPF_MARK_* in spf_record.h); the other family's prefix is dropped;
 *   - macro transformer digits are clamped to SPF_MACRO_MAX_DIGITS, and
 *     the reversal transformer "R" becomes "r";
 *   - a domain-spec loses its final "." (libspf2 compares it with one);
 *   - a domain-spec's literal run over 255 octets loses what RFC 7208
 *     7.3's cut would remove anyway (libspf2 refuses it; spf_fit.c).
 * Pure: no I/O, no globals. Invalid input yields false and a static reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_fit.h"
#include "spf/spf_record.h"
#include "util/str.h"

/* A parsed term, pointing into the record. */
struct term {
	const unsigned char *p;
	size_t len;
};

/* is_visible_literal - macro-literal of RFC 7208 7.1: %x21-24 / %x26-7E */
static bool
is_visible_literal(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '%';
}

/* is_delimiter - macro delimiter of RFC 7208 7.1 */
static bool
is_delimiter(unsigned char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	    c == '_' || c == '=';
}

bool
spf_macro_parse(const unsigned char *p, size_t len, struct spf_macro *m)
{
	size_t i = 3;

	if (len < 4 || p[0] != '%' || p[1] != '{')
		return false;
	memset(m, 0, sizeof(*m));
	m->letter = p[2];
	for (; i < len && ascii_isdigit(p[i]); i++, m->ndigits++)
		if (m->digits <= 100000)
			m->digits = m->digits * 10 + (unsigned long)(p[i] - '0');
	if (i < len && ascii_tolower(p[i]) == 'r') {
		m->reverse = true;
		i++;
	}
	m->delims = p + i;
	while (i < len && is_delimiter(p[i]))
		i++;
	m->ndelims = (size_t)(p + i - m->delims);
	if (i >= len || p[i] != '}')
		return false;
	m->len = i + 1;
	return true;
}

/*
 * macro_scan - check a macro-string (RFC 7208 7.1); with out non-NULL copy
 * it there with digits clamped and "R" as "r" (ABNF is case-blind;
 * libspf2 refuses "R"). *tail_expand_r is set to true when the string
 * ends with a macro-expand (domain-end's second form).
 */
static bool
macro_scan(const unsigned char *p, size_t len, bool in_exp, struct buf *out,
    bool *tail_expand_r)
{
	size_t i = 0;
	bool tail = false;

	while (i < len) {
		unsigned char c = p[i];
		struct spf_macro m;

		if (c != '%') {
			if (!is_visible_literal(c))
				return false;
			if (out != NULL)
				buf_append_byte(out, c);
			tail = false;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;	/* lone '%' at the end */
		c = p[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			if (out != NULL)
				buf_append(out, p + i, 2);
			tail = true;
			i += 2;
			continue;
		}
		if (!spf_macro_parse(p + i, len - i, &m))
			return false;
		c = ascii_tolower(m.letter);
		if (c == '\0' || (strchr("slodiphv", c) == NULL &&
		    !(in_exp && strchr("crt", c) != NULL)))
			return false;
		if (m.ndigits > 0 && m.digits == 0)
			return false;	/* RFC 7208 7.1: DIGIT must be nonzero */
		if (out != NULL) {
			buf_append(out, p + i, 3);
			if (m.ndigits > 0)
				buf_printf(out, "%lu", m.digits > SPF_MACRO_MAX_DIGITS ?
				    (unsigned long)SPF_MACRO_MAX_DIGITS : m.digits);
			if (m.reverse)
				buf_append_byte(out, 'r');
			buf_append(out, m.delims, m.ndelims);
			buf_append_byte(out, '}');
		}
		i += m.len;
		tail = true;
	}
	if (tail_expand_r != NULL)
		*tail_expand_r = tail;
	return true;
}

/* spf_macro_string_ok - validate a macro-string */
bool
spf_macro_string_ok(const unsigned char *p, size_t len, bool in_exp)
{
	return macro_scan(p, len, in_exp, NULL, NULL);
}

/* spf_macro_string_copy - validate a macro-string and copy it, clamped */
bool
spf_macro_string_copy(const unsigned char *p, size_t len, bool in_exp,
    struct buf *out)
{
	return macro_scan(p, len, in_exp, out, NULL);
}

/* literal_block - compiled size of a run of n literal bytes (none: no
 * block) */
static size_t
literal_block(size_t n)
{
	size_t b = SPF_MACRO_COMPILED_BLOCK;

	return n == 0 ? 0 : (b + n + b - 1) / b * b;
}

/* spf_macro_compiled_len - libspf2's compiled size of a macro-string */
size_t
spf_macro_compiled_len(const unsigned char *p, size_t len)
{
	const unsigned char *close;
	size_t total = 0, run = 0, i = 0;

	while (i < len) {
		unsigned char next = i + 1 < len ? p[i + 1] : '\0';

		if (p[i] != '%' || (next != '{' && next != '-')) {
			run++;		/* a byte, or "%%" / "%_" as one */
			i += p[i] == '%' && next != '\0' ? 2 : 1;
			continue;
		}
		if (next == '-') {
			run += 3;	/* "%20" */
			i += 2;
			continue;
		}
		/* a macro-expand ends the literal run */
		total += literal_block(run) + SPF_MACRO_COMPILED_BLOCK;
		run = 0;
		close = memchr(p + i, '}', len - i);
		i = close != NULL ? (size_t)(close - p) + 1 : len;
	}
	return total + literal_block(run);
}

/* toplabel_ok - RFC 7208 toplabel: alphanumerics with one ALPHA at least,
 * or alphanumerics with inner hyphens */
static bool
toplabel_ok(const unsigned char *p, size_t len)
{
	bool alpha = false, hyphen = false;
	size_t i;

	if (len == 0 || len > 63 || !ascii_isalnum(p[0]) ||
	    !ascii_isalnum(p[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (ascii_isalpha(p[i]))
			alpha = true;
		else if (p[i] == '-')
			hyphen = true;
		else if (!ascii_isdigit(p[i]))
			return false;
	}
	return alpha || hyphen;
}

/* domain_end_ok - domain-end = ( "." toplabel [ "." ] ) / macro-expand */
static bool
domain_end_ok(const unsigned char *p, size_t len, bool tail_expand)
{
	size_t end = len, dot;

	if (tail_expand)
		return true;
	if (end > 0 && p[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && p[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return false;	/* no "." before the top label */
	return toplabel_ok(p + dot, end - dot);
}

/* domain_spec_copy - check a domain-spec; copy it (clamped) to out
 * without a final "." (the same DNS name; libspf2 keeps the dot and then
 * never matches ptr:example.com. nor sets %{d} of include:example.com.
 * as the included domain's name) */
static bool
domain_spec_copy(const unsigned char *p, size_t len, struct buf *out)
{
	size_t mark = out != NULL ? out->len : 0;
	bool tail = false;

	if (len == 0 || !macro_scan(p, len, false, out, &tail) ||
	    !domain_end_ok(p, len, tail))
		return false;
	if (out != NULL && !tail && p[len - 1] == '.')
		buf_truncate(out, out->len - 1);
	/* a literal run libspf2 would refuse: RFC 7208 7.3's cut, early */
	if (out != NULL)
		buf_truncate(out, mark + spf_fit_domain_spec(out->data + mark,
		    out->len - mark));
	return true;
}

/* spf_domain_spec_ok - validate a domain-spec */
bool
spf_domain_spec_ok(const unsigned char *p, size_t len)
{
	return domain_spec_copy(p, len, NULL);
}

/* spf_domain_ok - RFC 7208 4.3 checks of an identity's domain: at most
 * 253 octets (one trailing dot aside), two labels or more, none empty or
 * over 63 octets, a valid top label. Label by label with memchr: this
 * runs for every record fetched, three or four times a message */
bool
spf_domain_ok(const char *domain)
{
	size_t len = strlen(domain), label;
	const char *p = domain, *end, *dot;
	unsigned labels = 0;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	end = domain + len;
	for (;;) {
		dot = memchr(p, '.', (size_t)(end - p));
		label = (size_t)((dot != NULL ? dot : end) - p);
		if (label == 0 || label > 63)
			return false;	/* empty or too long */
		labels++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (labels < 2)
		return false;
	return toplabel_ok((const unsigned char *)p, label);
}

/* spf_record_is_spf - "v=spf1" followed by SP or the end */
bool
spf_record_is_spf(const unsigned char *txt, size_t len)
{
	return len >= 6 && ascii_strncasecmp((const char *)txt, "v=spf1", 6) == 0 &&
	    (len == 6 || txt[6] == ' ');
}

/* spf_cidr_parse - "/" DIGITS without leading zeros, at most max */
bool
spf_cidr_parse(const unsigned char *p, size_t len, unsigned max,
    unsigned *v_r)
{
	unsigned v = 0;
	size_t i;

	if (len < 2 || len > 4 || p[0] != '/')
		return false;
	if (p[1] == '0' && len > 2)
		return false;
	for (i = 1; i < len; i++) {
		if (!ascii_isdigit(p[i]))
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max)
		return false;
	*v_r = v;
	return true;
}

/* ip4_ok - ip4-network: four dotted qnums, no leading zeros */
static bool
ip4_ok(const unsigned char *p, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < len && ascii_isdigit(p[i]) && i - start < 3)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && p[start] == '0'))
			return false;
		if (part < 3) {
			if (i >= len || p[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/* ip6_ok - ip6-network: an IPv6 address as inet_pton reads it */
static bool
ip6_ok(const unsigned char *p, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char addr[16];
	size_t i;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	for (i = 0; i < len; i++)
		if (!ascii_isalnum(p[i]) && p[i] != ':' && p[i] != '.')
			return false;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

bool
spf_split_dual_cidr(const unsigned char *p, size_t len, size_t *head_r,
    bool *has4, unsigned *c4, bool *has6, unsigned *c6)
{
	size_t end = len, j;

	*has4 = *has6 = false;
	/* "//m" at the very end */
	for (j = end; j > 0 && ascii_isdigit(p[j - 1]); j--)
		;
	if (j >= 2 && j < end && p[j - 1] == '/' && p[j - 2] == '/') {
		if (!spf_cidr_parse(p + j - 1, end - j + 1, 128, c6))
			return false;
		*has6 = true;
		end = j - 2;
	}
	for (j = end; j > 0 && ascii_isdigit(p[j - 1]); j--)
		;
	if (j >= 1 && j < end && p[j - 1] == '/') {
		if (!spf_cidr_parse(p + j - 1, end - j + 1, 32, c4))
			return false;
		*has4 = true;
		end = j - 1;
	}
	*head_r = end;
	return true;
}

/* append_qual - the qualifier of a directive, if one was written */
static void
append_qual(struct buf *out, unsigned char qual)
{
	buf_append_byte(out, ' ');
	if (qual != 0)
		buf_append_byte(out, qual);
}

/* check_a_mx - the a and mx mechanisms: [":" domain-spec] [dual-cidr] */
static bool
check_a_mx(const char *mech, unsigned char qual, const unsigned char *rest,
    size_t rlen, int client_af, struct buf *out, const char **why_r)
{
	size_t head;
	bool has4, has6;
	unsigned c4 = 32, c6 = 128;
	struct buf dom = BUF_INIT;
	bool ok = true, zero;

	if (!spf_split_dual_cidr(rest, rlen, &head, &has4, &c4, &has6, &c6)) {
		*why_r = "bad CIDR length";
		return false;
	}
	if (head > 0) {
		if (rest[0] != ':' || !domain_spec_copy(rest + 1, head - 1, &dom)) {
			*why_r = "bad domain-spec";
			buf_deinit(&dom);
			return false;
		}
	}
	zero = client_af == AF_INET ? (has4 && c4 == 0) : (has6 && c6 == 0);
	if (zero) {
		/* RFC 7208 5.3, 5.4: /0 matches when any address exists */
		const char *mark = NULL;

		if (strcmp(mech, "mx") == 0)
			mark = client_af == AF_INET ? SPF_MARK_MX_A : SPF_MARK_MX_AAAA;
		else if (client_af == AF_INET6)
			mark = SPF_MARK_ANY_AAAA;
		append_qual(out, qual);
		buf_append_str(out, "exists:");
		if (head > 0 && dom.len > 0 && dom.data[dom.len - 1] == '.')
			buf_truncate(&dom, dom.len - 1);
		buf_append_str(out, head > 0 ? buf_cstr(&dom) : "%{d}");
		if (mark != NULL) {
			buf_append_str(out, "." SPF_MARK_SEPARATOR ".");
			buf_append_str(out, mark);
		}
	} else {
		append_qual(out, qual);
		buf_append(out, mech, strlen(mech));
		if (head > 0) {
			buf_append_byte(out, ':');
			buf_append(out, dom.data, dom.len);
		}
		/* only the client family's prefix length matters; libspf2
		 * refuses /0, so the other family's is left out */
		if (client_af == AF_INET && has4)
			buf_printf(out, "/%u", c4);
		else if (client_af == AF_INET6 && has6)
			buf_printf(out, "//%u", c6);
	}
	buf_deinit(&dom);
	return ok;
}

/* check_ip - ip4 / ip6 mechanisms */
static bool
check_ip(bool v6, unsigned char qual, const unsigned char *rest, size_t rlen,
    int client_af, struct buf *out, const char **why_r)
{
	size_t j, netlen;
	unsigned cidr = v6 ? 128 : 32;
	bool has = false;

	if (rlen < 2 || rest[0] != ':') {
		*why_r = "ip4/ip6 without a network";
		return false;
	}
	for (j = rlen; j > 1 && rest[j - 1] != '/'; j--)
		;
	netlen = rlen - 1;
	if (j > 1) {
		if (!spf_cidr_parse(rest + j - 1, rlen - j + 1, v6 ? 128 : 32, &cidr)) {
			*why_r = "bad CIDR length";
			return false;
		}
		has = true;
		netlen = j - 2;
	}
	if (v6 ? !ip6_ok(rest + 1, netlen) : !ip4_ok(rest + 1, netlen)) {
		*why_r = v6 ? "bad ip6 network" : "bad ip4 network";
		return false;
	}
	if (has && cidr == 0) {
		/* libspf2 reads /0 as "none given"; rewrite it */
		if ((client_af == AF_INET6) == v6) {
			append_qual(out, qual);
			buf_append_str(out, "all");
		}
		return true;
	}
	append_qual(out, qual);
	buf_append_str(out, v6 ? "ip6" : "ip4");
	buf_append(out, rest, rlen);
	return true;
}

/* check_directive - one directive; appends its normalised form */
static bool
check_directive(const struct term *t, int client_af, struct buf *out,
    bool *has_all_r, const char **why_r)
{
	const unsigned char *p = t->p;
	size_t len = t->len, n = 0;
	unsigned char qual = 0;
	char mech[8];
	const unsigned char *rest;
	size_t rlen;

	/* memchr, not strchr: strchr would take a NUL for a qualifier */
	if (memchr("+-?~", p[0], 4) != NULL) {
		qual = p[0];
		p++;
		len--;
	}
	while (n < len && ascii_isalnum(p[n]))
		n++;
	if (n == 0 || n >= sizeof(mech)) {
		*why_r = "unknown mechanism";
		return false;
	}
	for (size_t i = 0; i < n; i++)
		mech[i] = (char)ascii_tolower(p[i]);
	mech[n] = '\0';
	rest = p + n;
	rlen = len - n;
	if (strcmp(mech, "all") == 0) {
		if (rlen != 0) {
			*why_r = "junk after all";
			return false;
		}
		*has_all_r = true;
		append_qual(out, qual);
		buf_append_str(out, "all");
		return true;
	}
	if (strcmp(mech, "include") == 0 || strcmp(mech, "exists") == 0) {
		if (rlen < 2 || rest[0] != ':') {
			*why_r = "include/exists without domain-spec";
			return false;
		}
		append_qual(out, qual);
		buf_append_str(out, mech);
		buf_append_byte(out, ':');
		if (!domain_spec_copy(rest + 1, rlen - 1, out)) {
			*why_r = "bad domain-spec";
			return false;
		}
		return true;
	}
	if (strcmp(mech, "a") == 0 || strcmp(mech, "mx") == 0)
		return check_a_mx(mech, qual, rest, rlen, client_af, out, why_r);
	if (strcmp(mech, "ptr") == 0) {
		append_qual(out, qual);
		buf_append_str(out, "ptr");
		if (rlen == 0)
			return true;
		buf_append_byte(out, ':');
		if (rest[0] != ':' || !domain_spec_copy(rest + 1, rlen - 1, out)) {
			*why_r = "bad ptr domain-spec";
			return false;
		}
		return true;
	}
	if (strcmp(mech, "ip4") == 0 || strcmp(mech, "ip6") == 0)
		return check_ip(mech[2] == '6', qual, rest, rlen, client_af, out,
		    why_r);
	*why_r = "unknown mechanism";
	return false;
}

/* modifier_name_len - length of name "=" when the term is a modifier */
static size_t
modifier_name_len(const struct term *t)
{
	size_t i;

	if (!ascii_isalpha(t->p[0]))
		return 0;
	for (i = 1; i < t->len; i++) {
		unsigned char c = t->p[i];

		if (c == '=')
			return i;
		if (!ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 0;
}

/* spf_record_check - validate and normalise one record */
bool
spf_record_check(const unsigned char *rec, size_t len, int client_af,
    struct buf *out_r, const char **why_r)
{
	struct buf redirect = BUF_INIT, exp = BUF_INIT;
	bool has_all = false, have_redirect = false, have_exp = false;
	size_t i = 6, nterms = 0;
	bool ok = true;

	buf_reset(out_r);
	if (len > SPF_RECORD_MAX_LEN) {
		*why_r = "record too long";
		return false;
	}
	if (!spf_record_is_spf(rec, len)) {
		*why_r = "not an SPF version 1 record";
		return false;
	}
	buf_append_str(out_r, "v=spf1");
	while (ok && i < len) {
		struct term t;
		size_t nl;

		if (rec[i] != ' ') {
			*why_r = "terms must be separated by spaces";
			ok = false;
			break;
		}
		while (i < len && rec[i] == ' ')
			i++;
		if (i == len)
			break;
		t.p = rec + i;
		while (i < len && rec[i] != ' ')
			i++;
		t.len = (size_t)(rec + i - t.p);
		if (++nterms > SPF_RECORD_MAX_TERMS) {
			*why_r = "too many terms";
			ok = false;
			break;
		}
		nl = modifier_name_len(&t);
		if (nl == 0) {
			ok = check_directive(&t, client_af, out_r, &has_all, why_r);
			continue;
		}
		if (nl == 8 && ascii_strncasecmp((const char *)t.p, "redirect", 8) == 0) {
			/* RFC 7208 6: at most once each */
			if (have_redirect ||
			    !domain_spec_copy(t.p + 9, t.len - 9, &redirect)) {
				*why_r = have_redirect ? "redirect twice" :
				    "bad redirect domain-spec";
				ok = false;
			}
			have_redirect = true;
		} else if (nl == 3 && ascii_strncasecmp((const char *)t.p, "exp", 3) == 0) {
			if (have_exp || !domain_spec_copy(t.p + 4, t.len - 4, &exp)) {
				*why_r = have_exp ? "exp twice" : "bad exp domain-spec";
				ok = false;
			}
			have_exp = true;
		} else if (!spf_macro_string_ok(t.p + nl + 1, t.len - nl - 1, false)) {
			*why_r = "bad macro-string in unknown modifier";
			ok = false;
		}
	}
	if (ok && i < len) {
		*why_r = "invalid character";
		ok = false;
	}
	if (ok && have_redirect && !has_all) {
		buf_append_str(out_r, " redirect=");
		buf_append(out_r, redirect.data, redirect.len);
	}
	if (ok && have_exp) {
		buf_append_str(out_r, " exp=");
		buf_append(out_r, exp.data, exp.len);
	}
	/* The /0 rewrites turn a 5-byte "a//0" into a 40-odd byte "exists:"
	 * term, so a short record can normalise to several times the cap
	 * (found by tests/fuzz/fuzz_spf_record). Hold the normalised record
	 * to the same cap: libspf2 only ever sees what we would accept from
	 * DNS, and its fixed-size compile buffers stay within their limits. */
	if (ok && out_r->len > SPF_RECORD_MAX_LEN) {
		*why_r = "record too long after normalisation";
		ok = false;
	}
	buf_deinit(&redirect);
	buf_deinit(&exp);
	if (!ok)
		buf_reset(out_r);
	return ok;
}
