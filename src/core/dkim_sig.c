/*
 * dkim_sig.c - DKIM-Signature header field parsing (RFC 6376 3.5)
 *
 * Purpose: turn a DKIM-Signature value into a struct dkim_sig, checking
 * every known tag strictly and ignoring unknown ones.
 *
 * Exported functions:
 *   dkim_sig_init/deinit   lifetime of a struct dkim_sig
 *   dkim_sig_parse         parse a field value
 *   dkim_sig_parse_arc     parse an ARC-Message-Signature or ARC-Seal
 *                          (RFC 8617 4.1: i= is the instance, no v=)
 *   dkim_sig_check_time    judge t= and x= against an injected clock
 *   dkim_alg_name          algorithm names
 * (the names in it, d=, s=, i='s domain, are checked by dkim_names.c)
 *
 * Callers guarantee the value bytes are readable; no NUL is needed. The
 * struct owns its strings and buffers. Errors come back as a status plus a
 * static reason; a malformed value never crashes, it is a permerror.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dkim_names.h"
#include "core/dkim_sig.h"
#include "core/tagvalue.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* l= is at most 76 digits (RFC 6376 3.5); we saturate beyond 2^64-1. */
#define DKIM_SIG_MAX_L_DIGITS 76

/* dkim_sig_init - an empty signature */
void
dkim_sig_init(struct dkim_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	buf_init(&sig->b);
	buf_init(&sig->bh);
	sig->hcanon = DKIM_CANON_SIMPLE;
	sig->bcanon = DKIM_CANON_SIMPLE;
}

/* dkim_sig_deinit - free what the signature holds */
void
dkim_sig_deinit(struct dkim_sig *sig)
{
	buf_deinit(&sig->b);
	buf_deinit(&sig->bh);
	free(sig->block);
	free(sig->idn);
	dkim_sig_init(sig);
}

/* dkim_alg_name - algorithm names */
const char *
dkim_alg_name(enum dkim_alg alg)
{
	switch (alg) {
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	default:
		return "unknown";
	}
}

/* value_is - the tag value equals s ignoring ASCII case */
static bool
value_is(const unsigned char *p, size_t len, const char *s)
{
	return ascii_memcaseeq(p, len, s);
}

/* parse_digits - 1..maxdigits decimal digits, saturating at UINT64_MAX */
static bool
parse_digits(const struct tagvalue *t, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (t->value_len == 0 || t->value_len > maxdigits)
		return false;
	for (i = 0; i < t->value_len; i++) {
		unsigned d;

		if (!ascii_isdigit(t->value[i]))
			return false;
		d = (unsigned)(t->value[i] - '0');
		/* 19 digits never reach UINT64_MAX: the division that
		 * guards saturation is needed only beyond (l=) */
		if (i < 19)
			v = v * 10 + d;
		else
			v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * parse_time - t= or x= (RFC 6376 3.5): decimal seconds, any number of
 * digits. Leading zeros do not count; beyond DKIM_SIG_TIME_DIGITS
 * significant digits (10^18 s, past any int64 clock) the value is
 * DKIM_SIG_TIME_INFINITE. RFC 6376 3.5 wants values up to at least 10^12
 * (13 digits, 40 bits) handled, and lets longer ones be infinite rather
 * than malformed: an x= of 13 digits is a signature that never expires.
 */
static bool
parse_time(const struct tagvalue *t, int64_t *out)
{
	int64_t v = 0;
	size_t i, digits = 0;

	if (t->value_len == 0)
		return false;
	for (i = 0; i < t->value_len; i++) {
		if (!ascii_isdigit(t->value[i]))
			return false;
		if (digits == 0 && t->value[i] == '0')
			continue;
		if (++digits <= DKIM_SIG_TIME_DIGITS)
			v = v * 10 + (t->value[i] - '0');
	}
	*out = digits > DKIM_SIG_TIME_DIGITS ? DKIM_SIG_TIME_INFINITE : v;
	return true;
}

/* parse_alg - a= (RFC 6376 3.5, RFC 8463 3) */
static bool
parse_alg(const struct tagvalue *t, struct dkim_sig *sig)
{
	if (value_is(t->value, t->value_len, "rsa-sha256")) {
		sig->alg = DKIM_ALG_RSA_SHA256;
		sig->hash = CRYPTO_HASH_SHA256;
		sig->key_type = CRYPTO_KEY_RSA;
	} else if (value_is(t->value, t->value_len, "rsa-sha1")) {
		sig->alg = DKIM_ALG_RSA_SHA1;
		sig->hash = CRYPTO_HASH_SHA1;
		sig->key_type = CRYPTO_KEY_RSA;
	} else if (value_is(t->value, t->value_len, "ed25519-sha256")) {
		sig->alg = DKIM_ALG_ED25519_SHA256;
		sig->hash = CRYPTO_HASH_SHA256;
		sig->key_type = CRYPTO_KEY_ED25519;
	} else {
		return false;
	}
	return true;
}

/* canon_word - "simple" or "relaxed" */
static bool
canon_word(const unsigned char *p, size_t len, enum dkim_canon *c)
{
	if (value_is(p, len, "simple"))
		*c = DKIM_CANON_SIMPLE;
	else if (value_is(p, len, "relaxed"))
		*c = DKIM_CANON_RELAXED;
	else
		return false;
	return true;
}

/* parse_canon - c= header[/body]; body defaults to simple (3.5) */
static bool
parse_canon(const struct tagvalue *t, struct dkim_sig *sig)
{
	const unsigned char *slash = memchr(t->value, '/', t->value_len);

	if (slash == NULL)
		return canon_word(t->value, t->value_len, &sig->hcanon);
	return canon_word(t->value, (size_t)(slash - t->value), &sig->hcanon) &&
	    canon_word(slash + 1, t->value_len - (size_t)(slash + 1 - t->value),
	    &sig->bcanon);
}

/* trim - strip FWS from both ends of p[*start..*end) */
static void
trim(const unsigned char *p, size_t *start, size_t *end)
{
	while (*start < *end && (ascii_iswsp(p[*start]) || p[*start] == '\r' ||
	    p[*start] == '\n'))
		(*start)++;
	while (*end > *start && (ascii_iswsp(p[*end - 1]) ||
	    p[*end - 1] == '\r' || p[*end - 1] == '\n'))
		(*end)--;
}

/* parse_query - q= must offer dns/txt (3.5) */
static bool
parse_query(const struct tagvalue *t)
{
	size_t start = 0;

	while (start <= t->value_len) {
		const unsigned char *colon = memchr(t->value + start, ':',
		    t->value_len - start);
		size_t end = colon ? (size_t)(colon - t->value) : t->value_len;
		size_t s = start, e = end;

		trim(t->value, &s, &e);
		if (value_is(t->value + s, e - s, "dns/txt"))
			return true;
		start = end + 1;
	}
	return false;
}

/*
 * The tags a signature parser reads, found in one pass over the list:
 * a tagvalue_find per tag (strlen and a scan of every tag, ~12 lookups
 * per signature) cost more than the pass (issue 18). The strict parse
 * has already refused repeated tags (RFC 6376 3.2), so each slot holds
 * the only tag of its name; names are case-sensitive, unknown ones are
 * ignored.
 */
struct sig_tags {
	const struct tagvalue *a, *b, *bh, *c, *cv, *d, *h, *i, *l, *q, *s,
	    *t, *v, *x;
	/* copies of d= s= i= h= and room for h='s names, made by
	 * copy_values; each goes into the struct dkim_sig only when its
	 * tag is judged */
	char *d_copy, *s_copy, *i_copy, *h_copy;
	struct dkim_name *names;
};

/* is_ftext - field name characters (RFC 5322 3.6.8) */
static bool
is_ftext(unsigned char c)
{
	return (dkim_sig_classes[c] & DKIM_SIG_C_FTEXT) != 0;
}

/* count_names - how many entries h= can hold at most: one more than its
 * colons, capped at DKIM_SIG_MAX_HNAMES */
static size_t
count_names(const unsigned char *p, size_t len)
{
	size_t n = 1;
	const unsigned char *colon;

	while (n < DKIM_SIG_MAX_HNAMES && (colon = memchr(p, ':', len)) != NULL) {
		n++;
		len -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	return n;
}

/* is_hfws - white space around names in h=: FWS, bare CR or LF too */
static bool
is_hfws(unsigned char c)
{
	return (dkim_sig_classes[c] & DKIM_SIG_C_FWS) != 0;
}

/* parse_h - h= (tg->h, present) into a copied list of names; From must
 * be there. The name array (copy_values) is sized from the colons:
 * zeroing room for DKIM_SIG_MAX_HNAMES names cost ~4,400 instructions
 * per signature (issue 18); the loop fills every entry it counts. One
 * pass over the value: white space, a run of ftext (the name), white
 * space, then ':' or the end; anything else there makes the name
 * invalid, nothing at all makes it empty (a trim, a memchr and a check
 * per name cost three passes). */
static enum dkim_sig_status
parse_h(const struct sig_tags *tg, struct dkim_sig *sig, const char **why_r)
{
	const unsigned char *hp = (const unsigned char *)tg->h_copy;
	size_t len = tg->h->value_len, i = 0, n = 0;
	bool from = false;

	sig->h = tg->h_copy;
	sig->names = tg->names;
	for (;;) {
		size_t s, e;

		while (i < len && is_hfws(hp[i]))
			i++;
		for (s = i; i < len && is_ftext(hp[i]); i++)
			;
		e = i;
		while (i < len && is_hfws(hp[i]))
			i++;
		if (i < len && hp[i] != ':') {
			*why_r = "invalid header name in h=";
			return DKIM_SIG_E_SYNTAX;
		}
		if (s == e) {
			*why_r = "empty header name in h=";
			return DKIM_SIG_E_SYNTAX;
		}
		if (n == DKIM_SIG_MAX_HNAMES) {
			*why_r = "too many names in h=";
			return DKIM_SIG_E_SYNTAX;
		}
		sig->names[n].p = hp + s;
		sig->names[n].len = e - s;
		if (value_is(hp + s, e - s, "from"))
			from = true;
		n++;
		if (i == len)
			break;
		i++;		/* the ':' */
	}
	sig->nnames = n;
	if (!from) {
		*why_r = "From not signed";
		return DKIM_SIG_E_FROM;
	}
	return DKIM_SIG_OK;
}

/* qp_decode - dkim-quoted-printable (2.11) decoded in place: whitespace
 * dropped, =XX made its octet; false for a broken or NUL escape.
 * *eight_bit: an escape made a byte 0x80-0xff */
static bool
qp_decode(char *v, bool *eight_bit)
{
	char *w = v;
	int hi, lo;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			continue;
		if (*v != '=') {
			*w++ = *v;
			continue;
		}
		hi = ascii_hex_value((unsigned char)v[1]);
		lo = hi < 0 ? -1 : ascii_hex_value((unsigned char)v[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;
		*eight_bit |= hi >= 8;
		*w++ = (char)(hi * 16 + lo);
		v += 2;
	}
	*w = '\0';
	return true;
}

/* parse_auid - i= (tg->i, present) must be [local-part] "@" domain
 * within d= (3.5), once decoded: it is dkim-quoted-printable, so a
 * signer may have written any octet of it as =XX */
static enum dkim_sig_status
parse_auid(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const char *at;
	bool eight_bit = tg->i->eight_bit;

	sig->i = tg->i_copy;
	if (!qp_decode(sig->i, &eight_bit)) {
		*why_r = "malformed i=";
		return DKIM_SIG_E_SYNTAX;
	}
	at = strrchr(sig->i, '@');
	if (at == NULL) {
		*why_r = "malformed i=";
		return DKIM_SIG_E_SYNTAX;
	}
	/* the local part may be UTF-8 (RFC 8616 5, RFC 6532 3.2) */
	sig->i_domain = at + 1;
	/* 8-bit bytes as written or made by =XX escapes: the domain may
	 * be a U-label */
	if (eight_bit && str_has_non_ascii(sig->i_domain,
	    strlen(sig->i_domain)) &&
	    !dkim_name_alabels(&sig->idn, DKIM_IDN_I, &sig->i_domain)) {
		*why_r = "malformed i=";
		return DKIM_SIG_E_SYNTAX;
	}
	if (!dkim_domain_ok(sig->i_domain)) {
		*why_r = "malformed i=";
		return DKIM_SIG_E_SYNTAX;
	}
	if (!dkim_domain_within(sig->i_domain, sig->d)) {
		*why_r = "i= not within d=";
		return DKIM_SIG_E_AUID;
	}
	return DKIM_SIG_OK;
}

/* set_b8 - the first 8 characters of b=, whitespace skipped */
static void
set_b8(const struct tagvalue *t, struct dkim_sig *sig)
{
	size_t i, n = 0;

	for (i = 0; i < t->value_len && n < 8; i++)
		if (t->value[i] > ' ')
			sig->b8[n++] = (char)t->value[i];
	sig->b8[n] = '\0';
}


/* one_letter_slot - the slot of a one-letter tag name, or NULL */
static const struct tagvalue **
one_letter_slot(struct sig_tags *tg, unsigned char c)
{
	switch (c) {
	case 'a': return &tg->a;
	case 'b': return &tg->b;
	case 'c': return &tg->c;
	case 'd': return &tg->d;
	case 'h': return &tg->h;
	case 'i': return &tg->i;
	case 'l': return &tg->l;
	case 'q': return &tg->q;
	case 's': return &tg->s;
	case 't': return &tg->t;
	case 'v': return &tg->v;
	case 'x': return &tg->x;
	default: return NULL;
	}
}

/* tag_slot - the slot for a tag name, or NULL for a tag we ignore */
static const struct tagvalue **
tag_slot(struct sig_tags *tg, const unsigned char *name, size_t len)
{
	if (len == 1)
		return one_letter_slot(tg, name[0]);
	if (len == 2 && name[0] == 'b' && name[1] == 'h')
		return &tg->bh;
	if (len == 2 && name[0] == 'c' && name[1] == 'v')
		return &tg->cv;
	return NULL;
}

/* index_tags - fill tg from the good tags of l, first of a name wins (as
 * tagvalue_find would find it) */
static void
index_tags(const struct tagvalue_list *l, struct sig_tags *tg)
{
	size_t i;

	memset(tg, 0, sizeof(*tg));
	for (i = 0; i < l->count; i++) {
		const struct tagvalue **slot;

		if (l->tag[i].problem != NULL)
			continue;
		slot = tag_slot(tg, l->tag[i].name, l->tag[i].name_len);
		if (slot != NULL && *slot == NULL)
			*slot = &l->tag[i];
	}
}

/* value_room - bytes a NUL-terminated copy of t's value takes (0: none) */
static size_t
value_room(const struct tagvalue *t)
{
	return t != NULL ? t->value_len + 1 : 0;
}

/* put_value - copy t's value to *w, NUL-terminated; NULL when no tag */
static char *
put_value(const struct tagvalue *t, char **w)
{
	char *c = *w;

	if (t == NULL)
		return NULL;
	memcpy(c, t->value, t->value_len);
	c[t->value_len] = '\0';
	*w = c + t->value_len + 1;
	return c;
}

/*
 * copy_values - one allocation, sig->block, for the copies of d=, s=,
 * i= (with_i) and h= and for the array of h='s names (its size bound by
 * the colons). They were four strdups and an array per signature, with
 * a 3.6 KB tag list on top (issue 18). The values are tag values, so
 * the sizes cannot overflow.
 */
static void
copy_values(struct sig_tags *tg, bool with_i, struct dkim_sig *sig)
{
	size_t nnames = tg->h != NULL ? count_names(tg->h->value,
	    tg->h->value_len) : 0;
	size_t size = nnames * sizeof(*tg->names) + value_room(tg->d) +
	    value_room(tg->s) + (with_i ? value_room(tg->i) : 0) +
	    value_room(tg->h);
	char *w;

	if (size == 0)
		return;
	sig->block = xmalloc(size);
	tg->names = nnames > 0 ? sig->block : NULL;
	w = (char *)sig->block + nnames * sizeof(*tg->names);
	tg->d_copy = put_value(tg->d, &w);
	tg->s_copy = put_value(tg->s, &w);
	if (with_i)
		tg->i_copy = put_value(tg->i, &w);
	tg->h_copy = put_value(tg->h, &w);
}

/* required - a tag that must be present; sets *why_r when it is not */
static const struct tagvalue *
required(const struct tagvalue *t, const char **why_r, const char *why)
{
	if (t == NULL)
		*why_r = why;
	return t;
}

/* parse_ids - d= and s= (needed even when later tags fail) */
static enum dkim_sig_status
parse_ids(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *d = tg->d;
	const struct tagvalue *s = tg->s;

	sig->d = tg->d_copy;
	sig->s = tg->s_copy;
	if (d == NULL || s == NULL) {
		*why_r = d == NULL ? "missing d=" : "missing s=";
		return DKIM_SIG_E_SYNTAX;
	}
	if ((d->eight_bit && !dkim_name_alabels(&sig->idn, DKIM_IDN_D,
	    (const char **)&sig->d)) || !dkim_domain_ok(sig->d)) {
		*why_r = "malformed d=";
		return DKIM_SIG_E_SYNTAX;
	}
	if ((s->eight_bit && !dkim_name_alabels(&sig->idn, DKIM_IDN_S,
	    (const char **)&sig->s)) || !dkim_domain_ok(sig->s) ||
	    strlen(sig->s) + strlen(sig->d) + 12 > DKIM_MAX_DNS_NAME) {
		*why_r = "malformed s=";
		return DKIM_SIG_E_SYNTAX;
	}
	return DKIM_SIG_OK;
}

/* parse_a_b - a= and b=, which every DKIM-shaped field has */
static enum dkim_sig_status
parse_a_b(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t;

	if ((t = required(tg->a, why_r, "missing a=")) == NULL)
		return DKIM_SIG_E_SYNTAX;
	if (!parse_alg(t, sig)) {
		*why_r = "unsupported algorithm";
		return DKIM_SIG_E_ALG;
	}
	if ((t = required(tg->b, why_r, "missing b=")) == NULL)
		return DKIM_SIG_E_SYNTAX;
	set_b8(t, sig);
	sig->b_start = t->raw_start;
	sig->b_end = t->raw_end;
	if (!crypto_base64_decode(t->value, t->value_len, &sig->b) ||
	    sig->b.len == 0) {
		*why_r = "bad base64 in b=";
		return DKIM_SIG_E_SYNTAX;
	}
	return DKIM_SIG_OK;
}

/* parse_bh_c_q - bh=, c=, q= (the body side of a signature) */
static enum dkim_sig_status
parse_bh_c_q(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t;

	if ((t = required(tg->bh, why_r, "missing bh=")) == NULL)
		return DKIM_SIG_E_SYNTAX;
	if (!crypto_base64_decode(t->value, t->value_len, &sig->bh) ||
	    sig->bh.len == 0) {
		*why_r = "bad base64 in bh=";
		return DKIM_SIG_E_SYNTAX;
	}
	if ((t = tg->c) != NULL && !parse_canon(t, sig)) {
		*why_r = "unsupported canonicalization";
		return DKIM_SIG_E_CANON;
	}
	if ((t = tg->q) != NULL && !parse_query(t)) {
		*why_r = "unsupported query method";
		return DKIM_SIG_E_QUERY;
	}
	return DKIM_SIG_OK;
}

/* parse_crypto_tags - v=, a=, b=, bh=, c=, q= */
static enum dkim_sig_status
parse_crypto_tags(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t;
	enum dkim_sig_status st;

	if ((t = required(tg->v, why_r, "missing v=")) == NULL)
		return DKIM_SIG_E_SYNTAX;
	if (!tagvalue_value_eq(t, "1")) {
		*why_r = "unsupported version";
		return DKIM_SIG_E_VERSION;
	}
	if ((st = parse_a_b(tg, sig, why_r)) != DKIM_SIG_OK)
		return st;
	return parse_bh_c_q(tg, sig, why_r);
}

/* parse_limits - l=, t=, x= */
static enum dkim_sig_status
parse_limits(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t;

	if ((t = tg->l) != NULL) {
		if (!parse_digits(t, DKIM_SIG_MAX_L_DIGITS, &sig->l)) {
			*why_r = "malformed l=";
			return DKIM_SIG_E_SYNTAX;
		}
		sig->has_l = true;
	}
	if ((t = tg->t) != NULL) {
		if (!parse_time(t, &sig->t)) {
			*why_r = "malformed t=";
			return DKIM_SIG_E_SYNTAX;
		}
		sig->has_t = true;
	}
	if ((t = tg->x) != NULL) {
		if (!parse_time(t, &sig->x)) {
			*why_r = "malformed x=";
			return DKIM_SIG_E_SYNTAX;
		}
		sig->has_x = true;
	}
	return DKIM_SIG_OK;
}

/*
 * dkim_sig_parse - parse a DKIM-Signature value.
 * The tag list (~3.6 KB) is on the stack: a malloc and free of it per
 * signature cost more than the parse of most tags (issue 18), and a
 * worker thread's stack has megabytes; the list dies with the call.
 */
enum dkim_sig_status
dkim_sig_parse(const unsigned char *value, size_t len, struct dkim_sig *sig,
    const char **why_r)
{
	struct tagvalue_list list, *l = &list;
	struct sig_tags tags, *tg = &tags;
	const struct tagvalue *t;
	enum dkim_sig_status st;
	const char *why = "malformed tag list";
	enum tagvalue_status lst = tagvalue_parse(value, len,
	    TAGVALUE_UTF8, l, &why);

	index_tags(l, tg);
	copy_values(tg, true, sig);
	if (lst != TAGVALUE_OK) {
		const char *ignored;

		/* still name the signer from the tags before the error */
		(void)parse_ids(tg, sig, &ignored);
		st = DKIM_SIG_E_SYNTAX;
		goto out;
	}
	if ((st = parse_ids(tg, sig, &why)) != DKIM_SIG_OK ||
	    (st = parse_crypto_tags(tg, sig, &why)) != DKIM_SIG_OK)
		goto out;
	if ((t = required(tg->h, &why, "missing h=")) == NULL) {
		st = DKIM_SIG_E_SYNTAX;
		goto out;
	}
	if ((st = parse_h(tg, sig, &why)) != DKIM_SIG_OK ||
	    (st = parse_limits(tg, sig, &why)) != DKIM_SIG_OK)
		goto out;
	sig->i_domain = sig->d;
	if (tg->i != NULL && (st = parse_auid(tg, sig, &why)) != DKIM_SIG_OK)
		goto out;
out:
	*why_r = why;
	return st;
}

/* dkim_sig_check_time - judge t= and x= against now. The skew is taken
 * from the side of now, never added to t= or x=: those reach
 * DKIM_SIG_TIME_INFINITE (INT64_MAX), and now is a clock reading. */
bool
dkim_sig_check_time(const struct dkim_sig *sig, int64_t now, int64_t skew,
    const char **why_r)
{
	if (skew < 0)
		skew = 0;
	if (sig->has_t && sig->has_x && sig->x <= sig->t) {
		*why_r = "x= not after t=";
		return false;
	}
	if (sig->has_x && sig->x < now - skew) {
		*why_r = "signature expired";
		return false;
	}
	if (sig->has_t && sig->t > now + skew) {
		*why_r = "signature timestamp in the future";
		return false;
	}
	return true;
}

/* parse_instance - ARC i= (RFC 8617 4.2.1): 1..DKIM_ARC_MAX_INSTANCE */
static enum dkim_sig_status
parse_instance(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t = required(tg->i, why_r, "missing i=");
	uint64_t v;

	if (t == NULL)
		return DKIM_SIG_E_SYNTAX;
	if (!parse_digits(t, DKIM_ARC_INSTANCE_DIGITS, &v) || v == 0) {
		*why_r = "malformed ARC instance i=";
		return DKIM_SIG_E_SYNTAX;
	}
	/* kept when out of range, so the caller can say "too many sets" */
	sig->instance = (unsigned)v;
	if (v > DKIM_ARC_MAX_INSTANCE) {
		*why_r = "ARC instance i= over 50";
		return DKIM_SIG_E_SYNTAX;
	}
	return DKIM_SIG_OK;
}

/* parse_cv - ARC-Seal cv= (RFC 8617 4.1.3) */
static enum dkim_sig_status
parse_cv(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	const struct tagvalue *t = required(tg->cv, why_r, "missing cv=");

	if (t == NULL)
		return DKIM_SIG_E_SYNTAX;
	if (value_is(t->value, t->value_len, "none"))
		sig->cv = DKIM_ARC_CV_NONE;
	else if (value_is(t->value, t->value_len, "pass"))
		sig->cv = DKIM_ARC_CV_PASS;
	else if (value_is(t->value, t->value_len, "fail"))
		sig->cv = DKIM_ARC_CV_FAIL;
	else {
		*why_r = "unknown cv= value";
		return DKIM_SIG_E_SYNTAX;
	}
	return DKIM_SIG_OK;
}

/* parse_ams_tags - the DKIM part of an ARC-Message-Signature: bh= c= q=
 * h= l= t= x= as in DKIM; h= need not name From (RFC 8617 4.1.2) but
 * must not name ARC-Seal (RFC 8617 4.1.2, 5.1.2) */
static enum dkim_sig_status
parse_ams_tags(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	enum dkim_sig_status st;
	size_t i;

	if ((st = parse_bh_c_q(tg, sig, why_r)) != DKIM_SIG_OK)
		return st;
	if (required(tg->h, why_r, "missing h=") == NULL)
		return DKIM_SIG_E_SYNTAX;
	st = parse_h(tg, sig, why_r);
	if (st != DKIM_SIG_OK && st != DKIM_SIG_E_FROM)
		return st;
	for (i = 0; i < sig->nnames; i++)
		if (value_is(sig->names[i].p, sig->names[i].len, "arc-seal")) {
			*why_r = "AMS h= names ARC-Seal";
			return DKIM_SIG_E_SYNTAX;
		}
	return parse_limits(tg, sig, why_r);
}

/* parse_as_tags - the rest of an ARC-Seal: cv= and t=; no h= (RFC 8617
 * 4.1.3); header canonicalization is always relaxed (5.1.1) */
static enum dkim_sig_status
parse_as_tags(const struct sig_tags *tg, struct dkim_sig *sig,
    const char **why_r)
{
	enum dkim_sig_status st;

	if (tg->h != NULL) {
		*why_r = "h= not allowed in ARC-Seal";
		return DKIM_SIG_E_SYNTAX;
	}
	if ((st = parse_cv(tg, sig, why_r)) != DKIM_SIG_OK)
		return st;
	sig->hcanon = DKIM_CANON_RELAXED;
	sig->bcanon = DKIM_CANON_RELAXED;
	return parse_limits(tg, sig, why_r);
}

/* dkim_sig_parse_arc - parse an ARC-Message-Signature or ARC-Seal */
enum dkim_sig_status
dkim_sig_parse_arc(const unsigned char *value, size_t len,
    enum dkim_sig_kind kind, struct dkim_sig *sig, const char **why_r)
{
	struct tagvalue_list list, *l = &list;
	struct sig_tags tags, *tg = &tags;
	enum dkim_sig_status st;
	const char *why = "malformed tag list";
	enum tagvalue_status lst = tagvalue_parse(value, len,
	    TAGVALUE_UTF8, l, &why);

	index_tags(l, tg);
	copy_values(tg, false, sig);
	if (lst != TAGVALUE_OK) {
		const char *ignored;

		(void)parse_ids(tg, sig, &ignored);
		(void)parse_instance(tg, sig, &ignored);
		st = DKIM_SIG_E_SYNTAX;
		goto out;
	}
	/* the instance first: a set whose field lacks d= or s= is still a
	 * set, for the chain's structure (RFC 8617 5.2) */
	if ((st = parse_instance(tg, sig, &why)) != DKIM_SIG_OK ||
	    (st = parse_ids(tg, sig, &why)) != DKIM_SIG_OK ||
	    (st = parse_a_b(tg, sig, &why)) != DKIM_SIG_OK)
		goto out;
	sig->i_domain = sig->d;
	if (kind == DKIM_SIG_KIND_ARC_SEAL)
		st = parse_as_tags(tg, sig, &why);
	else
		st = parse_ams_tags(tg, sig, &why);
out:
	*why_r = why;
	return st;
}
