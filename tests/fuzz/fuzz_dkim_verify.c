/*
 * fuzz_dkim_verify.c - whole DKIM verifications (RFC 6376): two key TXT
 * records (line 1 answers selectors beginning a-m, line 2 the others),
 * then a message (header fields, a blank line, the body; a field line
 * ends at '\n', a '\r' before it dropped, continuation lines folded back
 * in CRLF form) through dkim_verifier: signature parsing, header and
 * body hashing with the body-hash cap, key judging (size, exponent
 * bound), the hidden-From scan of headers_field_init, signatures
 * beyond the cap admitted at eoh (dkim_verifier_admit: those whose d=
 * begins with a-m are preferred; the cap is 1-20 by the field count),
 * and dkim_verifier_detail.
 * Invariants: at most DKIM_VERIFY_MAX_BODIES body hashers; admitted
 * signatures get consecutive indices, at most
 * DKIM_VERIFY_EXTRA_PREFERRED, and count as ignored no more; a pass has no
 * reason and its computed body hash is its bh=; a signature refused for
 * too many body hashes shows no computed hash; the body fed in two
 * chunks gives the same results as in one.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/dkim_verify.h"
#include "core/headers.h"
#include "dns/dns.h"
#include "fuzz.h"
#include "util/buf.h"

#define FUZZ_DKIM_MAX_FIELDS 200

struct field {
	char name[80];
	size_t start, len;	/* the value in the values buffer */
};

/* split - the header block's fields into f, values (CRLF-folded) into
 * vals; returns the body offset */
static size_t
split(const uint8_t *p, size_t n, struct field *f, size_t *nf,
    struct buf *vals)
{
	size_t i = 0, e, end, colon;
	bool dropped = false;

	*nf = 0;
	while (i < n) {
		for (e = i; e < n && p[e] != '\n'; e++)
			;
		end = e > i && p[e - 1] == '\r' ? e - 1 : e;
		if (end == i)		/* blank line: the body follows */
			return e + 1 <= n ? e + 1 : n;
		if ((p[i] == ' ' || p[i] == '\t') && *nf > 0) {
			if (!dropped) {
				buf_append(vals, "\r\n", 2);
				buf_append(vals, p + i, end - i);
			}
		} else if (*nf < FUZZ_DKIM_MAX_FIELDS) {
			for (colon = i; colon < end && p[colon] != ':' &&
			    colon - i < sizeof(f->name) - 1; colon++)
				;
			memcpy(f[*nf].name, p + i, colon - i);
			f[*nf].name[colon - i] = '\0';
			f[*nf].start = vals->len;
			if (colon < end)
				buf_append(vals, p + colon + 1, end - colon - 1);
			(*nf)++;
			dropped = false;
		} else {
			dropped = true;
		}
		if (*nf > 0)
			f[*nf - 1].len = vals->len - f[*nf - 1].start;
		i = e + 1;
	}
	return n;
}

/* prefer_a_to_m - dkim_verifier_admit's callback */
static bool
prefer_a_to_m(const char *d, void *arg)
{
	(void)arg;
	return *d >= 'a' && *d <= 'm';
}

/* admit - signatures beyond the cap, preferred ones taken at eoh */
static void
admit(struct dkim_verifier *v, struct dns_answer *keys)
{
	int idx[DKIM_VERIFY_EXTRA_PREFERRED];
	size_t i, before = dkim_verifier_ignored(v), n;
	const char *name;

	n = dkim_verifier_admit(v, prefer_a_to_m, NULL, idx);
	if (n > DKIM_VERIFY_EXTRA_PREFERRED ||
	    dkim_verifier_ignored(v) != before - n)
		abort();
	for (i = 0; i < n; i++) {
		if (i > 0 && idx[i] != idx[i - 1] + 1)
			abort();
		if ((name = dkim_verifier_key_name(v, idx[i])) == NULL)
			continue;
		dkim_verifier_key_answer(v, idx[i],
		    &keys[*name >= 'a' && *name <= 'm' ? 0 : 1]);
	}
}

/* verify - one verification, the body split at cut; the verifier is
 * returned for the caller to check and free */
static struct dkim_verifier *
verify(const struct field *f, size_t nf, const struct buf *vals,
    const uint8_t *body, size_t body_len, size_t cut,
    struct dns_answer *keys)
{
	struct dkim_verify_params p;
	struct dkim_verifier *v;
	struct header h;
	size_t i;

	dkim_verify_params_init(&p);
	p.now = 1528637909;	/* RFC 8463's example's t= */
	p.max_signatures = 1 + nf % 20;
	p.max_header_bytes = 64 * 1024;
	v = dkim_verifier_new(&p);
	for (i = 0; i < nf; i++) {
		const char *name;
		int idx;

		headers_field_init(&h, f[i].name, vals->data + f[i].start,
		    f[i].len);
		if (h.hides_from != headers_hides_from(h.value, h.value_len))
			abort();
		idx = dkim_verifier_field(v, &h);
		if (idx < 0 || (name = dkim_verifier_key_name(v, idx)) == NULL)
			continue;
		dkim_verifier_key_answer(v, idx,
		    &keys[*name >= 'a' && *name <= 'm' ? 0 : 1]);
	}
	admit(v, keys);
	dkim_verifier_eoh(v);
	if (dkim_verifier_body_hashers(v) > DKIM_VERIFY_MAX_BODIES)
		abort();
	dkim_verifier_body(v, body, cut);
	dkim_verifier_body(v, body + cut, body_len - cut);
	dkim_verifier_eom(v);
	return v;
}

/* check - the invariants of one result */
static void
check(const struct dkim_verifier *v, size_t i, struct buf *store)
{
	const struct dkim_result *r = dkim_verifier_result(v, i);
	struct dkim_detail d;

	if (r == NULL || r->reason == NULL || r->domain == NULL)
		abort();
	dkim_verifier_detail(v, i, store, &d);
	if (d.canon == NULL || d.body_hash == NULL ||
	    d.body_hash_computed == NULL)
		abort();
	if (r->result == DKIM_RES_PASS && (*r->reason != '\0' ||
	    *d.body_hash_computed == '\0' ||
	    strcmp(d.body_hash, d.body_hash_computed) != 0))
		abort();
	if (strcmp(r->reason, "too many body hashes") == 0 &&
	    (r->result != DKIM_RES_POLICY || *d.body_hash_computed != '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct field f[FUZZ_DKIM_MAX_FIELDS];
	struct buf vals = BUF_INIT, store = BUF_INIT;
	struct dns_answer keys[2];
	struct dns_rr rr[2];
	struct dkim_verifier *one, *two;
	size_t nf, body, i, klen[2];
	char *k[2];

	k[0] = fuzz_next_line(&data, &size, &klen[0]);
	k[1] = fuzz_next_line(&data, &size, &klen[1]);
	memset(keys, 0, sizeof(keys));
	memset(rr, 0, sizeof(rr));
	for (i = 0; i < 2; i++) {
		rr[i].type = DNS_T_TXT;
		rr[i].text = k[i];
		rr[i].text_len = klen[i];
		keys[i].status = DNS_R_ANSWER;
		keys[i].count = 1;
		keys[i].rr = &rr[i];
	}
	buf_append(&vals, "", 1);	/* never a NULL data to add to */
	body = split(data, size, f, &nf, &vals);
	one = verify(f, nf, &vals, data + body, size - body, size - body,
	    keys);
	two = verify(f, nf, &vals, data + body, size - body,
	    (size - body) / 3, keys);
	if (dkim_verifier_result_count(one) != dkim_verifier_result_count(two))
		abort();
	for (i = 0; i < dkim_verifier_result_count(one); i++) {
		const struct dkim_result *a = dkim_verifier_result(one, i);
		const struct dkim_result *b = dkim_verifier_result(two, i);

		check(one, i, &store);
		if (a->result != b->result || strcmp(a->reason, b->reason) != 0)
			abort();
	}
	dkim_verifier_free(&one);
	dkim_verifier_free(&two);
	buf_deinit(&store);
	buf_deinit(&vals);
	free(k[0]);
	free(k[1]);
	return 0;
}
