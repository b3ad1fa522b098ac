/*
 * arc_trust.c - trusted ARC sealers (RFC 8617 7.2: a receiver may use
 * the AAR of an intermediary it trusts when local policy says so).
 *
 * Exported functions:
 *   arc_trust_find         the newest trusted set vouching for an author
 *   arc_trust_aar_vouches  read one AAR payload for a pass of the author
 *   arc_trust_result_of    the result of one method in an A-R value
 *
 * Only a chain that passed is read: then every seal from the trusted
 * set up to the newest verified, so its AAR is what that sealer wrote.
 * That AAR is about the message as the sealer saw it: it counts only
 * when the set's AMS still verifies over the whole body (no l= short of
 * it: nobody changed the message since) or every newer set is by a
 * trusted sealer too.
 * The AAR is parsed just enough (RFC 8601 2.2 resinfo: method=result
 * followed by ptype.property=value, CFWS around each "=") to find dmarc/dkim/spf passes (and
 * a dmarc=fail for the author, which no such pass outweighs); comments
 * and quoted strings are skipped, a malformed AAR vouches for nothing.
 * Pure: no I/O, no allocation.
 */
#include "config.h"

#include <string.h>

#include "core/arc_trust.h"
#include "core/dkim_sig.h"
#include "util/cfws.h"
#include "util/str.h"

/* Deeper comment nesting than this is hostile: the AAR counts for nothing */
#define ARC_TRUST_MAX_DEPTH 8
/* Longest token kept (a domain, or local@domain) */
#define ARC_TRUST_MAX_TOKEN 320

struct tok {
	const char *p;
	size_t len;
};

/* One resinfo: method, result and the properties we look at. */
struct resinfo {
	struct tok method, result;
	struct tok from, d, i, mailfrom;
};

/* skip_quoted - p[*i] is '"'; skip the quoted string */
static bool
skip_quoted(const char *p, size_t len, size_t *i)
{
	for ((*i)++; *i < len; (*i)++) {
		if (p[*i] == '\\' && *i + 1 < len) {
			(*i)++;
			continue;
		}
		if (p[*i] == '"') {
			(*i)++;
			return true;
		}
	}
	return false;
}

/* tok_is - a token equals s, ASCII case ignored */
static bool
tok_is(struct tok t, const char *s)
{
	return ascii_memcaseeq((const unsigned char *)t.p, t.len, s);
}

/* skip_cfws - move *i past CFWS; false for a hostile or unended
 * comment */
static bool
skip_cfws(const char *p, size_t len, size_t *i)
{
	return cfws_skip((const unsigned char *)p, len, i,
	    ARC_TRUST_MAX_DEPTH);
}

/* word_char - c may be in a method, result, ptype or property name */
static bool
word_char(char c)
{
	return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '(' &&
	    c != '"' && c != '=' && c != '.' && c != '/' && c != ';';
}

/* read_word - a method, version, result, ptype or property at p[*i] */
static struct tok
read_word(const char *p, size_t len, size_t *i)
{
	struct tok t = { p + *i, 0 };

	while (*i < len && word_char(p[*i]))
		(*i)++;
	t.len = (size_t)(p + *i - t.p);
	return t;
}

/* read_pvalue - a property's value at p[*i]: a token, a domain, a
 * local-part "@" domain (the local-part may be a quoted string), or a
 * quoted string, whose quotes are dropped. It ends at CFWS; false for a
 * quoted string that does not end. */
static bool
read_pvalue(const char *p, size_t len, size_t *i, struct tok *v)
{
	size_t start = *i;

	while (*i < len && p[*i] != ' ' && p[*i] != '\t' && p[*i] != '\r' &&
	    p[*i] != '\n' && p[*i] != '(') {
		if (p[*i] == '"') {
			if (!skip_quoted(p, len, i))
				return false;
		} else
			(*i)++;
	}
	v->p = p + start;
	v->len = *i - start;
	if (v->len >= 2 && v->p[0] == '"' && v->p[v->len - 1] == '"' &&
	    memchr(v->p + 1, '"', v->len - 2) == NULL) {
		v->p++;
		v->len -= 2;
	}
	return true;
}

/* keep_property - note ptype.property=value if it is one we look at;
 * a value longer than a kept token counts as absent */
static void
keep_property(struct tok ptype, struct tok property, struct tok value,
    struct resinfo *r)
{
	if (value.len > ARC_TRUST_MAX_TOKEN)
		return;
	if (tok_is(ptype, "header") && tok_is(property, "from"))
		r->from = value;
	else if (tok_is(ptype, "header") && tok_is(property, "d"))
		r->d = value;
	else if (tok_is(ptype, "header") && tok_is(property, "i"))
		r->i = value;
	else if (tok_is(ptype, "smtp") && tok_is(property, "mailfrom"))
		r->mailfrom = value;
}

/* read_property - one piece after the result at p[*i] (*i < len, CFWS
 * skipped): reason=value, ptype.property=value, or a stray word, "=",
 * "." or quoted string, passed over. False for a malformed comment or
 * quoted string. */
static bool
read_property(const char *p, size_t len, size_t *i, struct resinfo *r)
{
	struct tok ptype, property = { NULL, 0 }, value;

	ptype = read_word(p, len, i);
	if (ptype.len == 0) {
		if (p[*i] == '"')
			return skip_quoted(p, len, i);
		(*i)++;
		return true;
	}
	if (!skip_cfws(p, len, i))
		return false;
	if (*i < len && p[*i] == '.') {
		(*i)++;
		if (!skip_cfws(p, len, i))
			return false;
		property = read_word(p, len, i);
		if (!skip_cfws(p, len, i))
			return false;
	}
	if (*i == len || p[*i] != '=')
		return true;
	(*i)++;
	if (!skip_cfws(p, len, i) || !read_pvalue(p, len, i, &value))
		return false;
	if (property.len > 0)
		keep_property(ptype, property, value, r);
	return true;
}

/* parse_resinfo - one resinfo p[0..len) (between semicolons), RFC 8601
 * 2.2: method ["/" version] "=" result, then reason=value and
 * ptype.property=value, with CFWS allowed around each "=", "/" and ".":
 * a sealer may write "dmarc = fail", and its veto must still count. */
static bool
parse_resinfo(const char *p, size_t len, struct resinfo *r)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	if (!skip_cfws(p, len, &i))
		return false;
	r->method = read_word(p, len, &i);
	if (r->method.len == 0 || !skip_cfws(p, len, &i))
		return false;
	if (i < len && p[i] == '/') {
		i++;
		if (!skip_cfws(p, len, &i) || read_word(p, len, &i).len == 0 ||
		    !skip_cfws(p, len, &i))
			return false;
	}
	if (i == len || p[i] != '=')
		return false;
	i++;
	if (!skip_cfws(p, len, &i))
		return false;
	r->result = read_word(p, len, &i);
	if (r->result.len == 0)
		return false;
	while (skip_cfws(p, len, &i)) {
		if (i == len)
			return true;
		if (!read_property(p, len, &i, r))
			return false;
	}
	return false;
}

/* Whom a pass must be for: the author domain and its organizational
 * domain ("" when unknown), and the strict alignment the author's DMARC
 * record asks (ARC_TRUST_STRICT_DKIM, _SPF). */
struct author {
	const char *domain, *org;
	unsigned strict;
};

/* aligned - x (a domain, or text after its last '@') is within the
 * author's organizational domain, or within the author domain itself
 * when that is unknown; strict: it is the author domain (RFC 9989
 * strict alignment) */
static bool
aligned(struct tok x, const struct author *a, bool strict)
{
	char buf[ARC_TRUST_MAX_TOKEN + 1];
	const char *at = NULL;
	size_t k;

	for (k = 0; k < x.len; k++)
		if (x.p[k] == '@')
			at = x.p + k;
	if (at != NULL) {
		x.len -= (size_t)(at + 1 - x.p);
		x.p = at + 1;
	}
	if (x.len == 0 || x.len > ARC_TRUST_MAX_TOKEN)
		return false;
	memcpy(buf, x.p, x.len);
	buf[x.len] = '\0';
	if (!dkim_domain_ok(buf) || strchr(buf, '.') == NULL)
		return false;
	if (strict)
		return ascii_strcasecmp(buf, a->domain) == 0;
	return dkim_domain_within(buf, a->org != NULL && *a->org != '\0' ?
	    a->org : a->domain);
}

/* vouches - does one resinfo record a pass for the author? */
static const char *
vouches(const struct resinfo *r, const struct author *author)
{
	bool sd = (author->strict & ARC_TRUST_STRICT_DKIM) != 0;
	bool ss = (author->strict & ARC_TRUST_STRICT_SPF) != 0;

	if (!tok_is(r->result, "pass"))
		return NULL;
	if (tok_is(r->method, "dmarc") && r->from.len > 0 &&
	    ascii_memcaseeq((const unsigned char *)r->from.p, r->from.len,
	    author->domain))
		return "dmarc=pass";
	/* DMARC aligns the signing domain d=; the AUID's domain may sit
	 * below it (RFC 6376 3.5), so header.i=@bank.co.uk beside
	 * header.d=co.uk says nothing for bank.co.uk. header.i counts only
	 * from a verifier that records no header.d. */
	if (tok_is(r->method, "dkim") && (r->d.len > 0 ?
	    aligned(r->d, author, sd) :
	    r->i.len > 0 && aligned(r->i, author, sd)))
		return "dkim=pass";
	if (tok_is(r->method, "spf") && r->mailfrom.len > 0 &&
	    aligned(r->mailfrom, author, ss))
		return "spf=pass";
	return NULL;
}

/* find_resinfo - the first resinfo of an A-R payload for which match()
 * is true; false for none (or a malformed payload) */
static bool
find_resinfo(const char *aar, size_t len,
    bool (*match)(const struct resinfo *, const void *), const void *arg,
    struct resinfo *r)
{
	size_t i = 0, start = 0, n = 0;
	bool id_done = false;

	while (i <= len && n < ARC_TRUST_MAX_RESINFO) {
		if (i < len && aar[i] == '(') {
			if (!cfws_skip((const unsigned char *)aar, len, &i,
			    ARC_TRUST_MAX_DEPTH))
				return false;
			continue;
		}
		if (i < len && aar[i] == '"') {
			if (!skip_quoted(aar, len, &i))
				return false;
			continue;
		}
		if (i == len || aar[i] == ';') {
			/* the first piece is the authserv-id */
			if (id_done && parse_resinfo(aar + start, i - start, r) &&
			    match(r, arg))
				return true;
			id_done = true;
			n++;
			start = i + 1;
		}
		i++;
	}
	return false;
}

/* vouch_match - find_resinfo test: a pass for the author (arg) */
static bool
vouch_match(const struct resinfo *r, const void *arg)
{
	return vouches(r, arg) != NULL;
}

/* dmarc_fail_match - find_resinfo test: dmarc=fail for the author (arg) */
static bool
dmarc_fail_match(const struct resinfo *r, const void *arg)
{
	const struct author *a = arg;

	return tok_is(r->method, "dmarc") && tok_is(r->result, "fail") &&
	    r->from.len > 0 && ascii_memcaseeq((const unsigned char *)r->from.p,
	    r->from.len, a->domain);
}

/* method_match - find_resinfo test: the method is arg */
static bool
method_match(const struct resinfo *r, const void *arg)
{
	return tok_is(r->method, arg);
}

/* arc_trust_result_of - the result of the first resinfo of method */
bool
arc_trust_result_of(const char *ar, size_t len, const char *method,
    char *out, size_t out_size)
{
	struct resinfo r;

	if (!find_resinfo(ar, len, method_match, method, &r) ||
	    r.result.len >= out_size)
		return false;
	memcpy(out, r.result.p, r.result.len);
	out[r.result.len] = '\0';
	return true;
}

/* arc_trust_aar_vouches - read one AAR payload */
bool
arc_trust_aar_vouches(const char *aar, size_t len, const char *author,
    const char *author_org, unsigned strict, const char **what_r)
{
	struct author a = { author, author_org, strict };
	struct resinfo r, failed;

	if (!find_resinfo(aar, len, vouch_match, &a, &r))
		return false;
	/* the sealer judged DMARC itself and it failed: its DKIM or SPF
	 * pass was not aligned as the author's record asks (adkim=s,
	 * aspf=s), which the relaxed reading here cannot tell */
	if (find_resinfo(aar, len, dmarc_fail_match, &a, &failed))
		return false;
	*what_r = vouches(&r, &a);
	return true;
}

/* is_trusted - a sealer (ARC-Seal d=) is in the trusted list */
static bool
is_trusted(const char *sealer, const char *const *trusted, size_t ntrusted)
{
	size_t j;

	for (j = 0; j < ntrusted; j++)
		if (ascii_strcasecmp(sealer, trusted[j]) == 0)
			return true;
	return false;
}

/* arc_trust_find - the newest trusted set vouching for the author. Its
 * AAR speaks for the message only while the message is what that sealer
 * passed on: its AMS still verifies, or every newer set is a trusted
 * one. A pass of the seals alone is not enough: anyone can take a
 * message a trusted list sealed, rewrite it under the same From and add
 * a set of their own, and the chain still passes. */
bool
arc_trust_find(const struct arc_result *r, const char *const *trusted,
    size_t ntrusted, const char *author, const char *author_org,
    unsigned strict, struct arc_trust *out)
{
	bool newer_trusted = true;	/* every set above k is trusted */
	size_t k;

	if (r == NULL || r->res != ARC_RES_PASS || author == NULL ||
	    *author == '\0')
		return false;
	for (k = r->nset; k > 0; k--) {
		const struct arc_set_result *s = &r->set[k - 1];
		const char *what;

		if (!is_trusted(s->as_domain, trusted, ntrusted)) {
			newer_trusted = false;
			continue;
		}
		/* under an untrusted set, the message must be all the
		 * trusted AMS signed: a pass, and no body after its l= */
		if (!newer_trusted && (strcmp(s->ams_result, "pass") != 0 ||
		    s->ams_partial))
			continue;
		if (arc_trust_aar_vouches(s->aar, strlen(s->aar), author,
		    author_org, strict, &what)) {
			out->instance = s->instance;
			out->sealer = s->as_domain;
			out->what = what;
			return true;
		}
	}
	return false;
}
