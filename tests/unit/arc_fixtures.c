/* arc_fixtures.c - see arc_fixtures.h */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arc_fixtures.h"
#include "crypto/crypto_keygen.h"

void
split(struct msg *m)
{
	size_t i = 0;

	m->nh = 0;
	while (i < m->len) {
		size_t e = i;
		const char *colon;

		while (e < m->len && m->data[e] != '\n')
			e++;
		if (e == i) {
			m->body = (const unsigned char *)m->data + e + 1;
			m->body_len = m->len - e - 1;
			return;
		}
		if (m->data[i] == ' ' || m->data[i] == '\t') {
			struct dkim_header *l = &m->h[m->nh - 1];

			l->value_len = (size_t)((const unsigned char *)m->data +
			    e - l->value);
		} else {
			assert_true(m->nh < MAX_FIELDS);
			colon = memchr(m->data + i, ':', e - i);
			assert_non_null(colon);
			m->h[m->nh].name = (const unsigned char *)m->data + i;
			m->h[m->nh].name_len = (size_t)(colon - m->data - i);
			m->h[m->nh].value = (const unsigned char *)colon + 1;
			m->h[m->nh].value_len = (size_t)(m->data + e - colon - 1);
			m->nh++;
		}
		i = e + 1;
	}
	m->body = (const unsigned char *)m->data + m->len;
	m->body_len = 0;
}

static void
load_raw(struct msg *m, const char *name)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") :
	    TOP_SRCDIR;
	char path[1024];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/arc/%s", top, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	m->data = malloc((size_t)n + 1);
	assert_non_null(m->data);
	assert_int_equal(fread(m->data, 1, (size_t)n, f), (size_t)n);
	m->data[n] = '\0';
	m->len = (size_t)n;
	fclose(f);
}

void
load(struct msg *m, const char *name)
{
	load_raw(m, name);
	split(m);
}

char *
key_record(void)
{
	struct msg k;
	char *nl;

	load_raw(&k, "key.txt");
	if ((nl = strchr(k.data, '\n')) != NULL)
		*nl = '\0';
	return k.data;
}

/* judge - run a message through a verifier; keys answered with status
 * st (and the fixture key when DNS_R_ANSWER) */
static const struct arc_result *
judge_key(struct arc_verifier *v, struct msg *m, enum dns_status st,
    const char *rec, const char *keyname)
{
	struct dns_answer a;
	struct dns_rr rr;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&rr, 0, sizeof(rr));
	a.status = st;
	if (st == DNS_R_ANSWER) {
		rr.type = DNS_T_TXT;
		rr.text = (char *)(uintptr_t)rec;
		rr.text_len = strlen(rec);
		a.count = 1;
		a.rr = &rr;
	}
	for (i = 0; i < m->nh; i++) {
		int idx = arc_verifier_header(v, m->h[i].name, m->h[i].name_len,
		    m->h[i].value, m->h[i].value_len);

		if (idx >= 0) {
			assert_string_equal(arc_verifier_key_name(v, idx),
			    keyname);
			arc_verifier_key_answer(v, idx, &a);
		}
	}
	arc_verifier_eoh(v, m->h, m->nh, true);
	arc_verifier_body(v, m->body, m->body_len);
	arc_verifier_eom(v);
	return arc_verifier_result(v);
}

const struct arc_result *
judge(struct arc_verifier *v, struct msg *m, enum dns_status st,
    const char *rec)
{
	return judge_key(v, m, st, rec, "f1._domainkey.fuzz.example");
}

const struct arc_result *
judge_seal(struct arc_verifier *v, struct msg *m, const char *rec)
{
	return judge_key(v, m, DNS_R_ANSWER, rec, "s1._domainkey.seal.example");
}

struct arc_verifier *
verifier(size_t max_sets, size_t max_sigs, size_t max_bytes)
{
	struct arc_verify_params p;

	arc_verify_params_init(&p);
	p.now = NOW;
	if (max_sets)
		p.max_sets = max_sets;
	if (max_sigs)
		p.max_signatures = max_sigs;
	if (max_bytes)
		p.max_header_bytes = max_bytes;
	return arc_verifier_new(&p);
}

/* lf - the sealed text in the fixtures' form: CRLF -> LF */
void
lf(char *w)
{
	char *x;

	for (x = w; *x; x++)
		if (*x == '\r')
			memmove(x, x + 1, strlen(x));
}

/* seal_key - an RSA key made here; its key record in rec */
struct crypto_privkey *
seal_key(struct buf *rec)
{
	struct buf pem = BUF_INIT, der = BUF_INIT;
	struct crypto_privkey *key;
	const char *err = NULL;

	assert_true(crypto_keygen_pem(CRYPTO_KEY_RSA, 2048, &pem, &err));
	key = crypto_privkey_from_pem(pem.data, pem.len, &err);
	assert_non_null(key);
	crypto_privkey_public_der(key, &der);
	buf_append_str(rec, "v=DKIM1; k=rsa; p=");
	crypto_base64_encode(der.data, der.len, rec);
	buf_deinit(&pem);
	buf_deinit(&der);
	return key;
}

/* plain_msg - the unsealed message the sealing tests start from */
void
plain_msg(struct msg *m)
{
	m->data = strdup("From: a@a.example\nSubject: hi\nTo: b@b.example\n\n"
	    "body\n");
	assert_non_null(m->data);
	m->len = strlen(m->data);
	split(m);
}

/* body_hash - m's body hash as every ARC set here signs it (relaxed,
 * SHA-256) into bh; its length */
size_t
body_hash(const struct msg *m, unsigned char bh[CRYPTO_DIGEST_MAX])
{
	struct dkim_body *b = dkim_body_new(DKIM_CANON_RELAXED,
	    CRYPTO_HASH_SHA256, false, 0);
	size_t n;

	dkim_body_update(b, m->body, m->body_len);
	n = dkim_body_final(b, bh);
	dkim_body_free(&b);
	return n;
}

/* judge_sealed - s made of the sealed text w, judged by a new verifier
 * (*v, the caller frees it) with the seal key's record rec */
const struct arc_result *
judge_sealed(struct msg *s, char *w, struct arc_verifier **v,
    const char *rec, const char *label)
{
	const struct arc_result *r;

	s->data = w;
	s->len = strlen(w);
	split(s);
	*v = verifier(0, 0, 0);
	r = judge_seal(*v, s, rec);
	print_message("%s: arc=%s (%s)\n", label, arc_res_name(r->res),
	    r->reason);
	return r;
}

/* answer - answer lookup idx of v with status st and up to two records,
 * each a TXT record, "A" (an A record) or "CNAME:text" (a CNAME record
 * with text); the records are in an array of their exact size, as the
 * resolver gives them */
void
answer(struct arc_verifier *v, int idx, enum dns_status st,
    const char *rec0, const char *rec1)
{
	const char *recs[2] = { rec0, rec1 };
	struct dns_answer a;
	size_t i, n = (rec0 != NULL) + (rec1 != NULL);

	memset(&a, 0, sizeof(a));
	a.status = st;
	a.rr = n ? calloc(n, sizeof(*a.rr)) : NULL;
	for (i = 0; i < 2; i++) {
		struct dns_rr *rr = &a.rr[a.count];

		if (recs[i] == NULL)
			continue;
		if (strcmp(recs[i], "A") == 0) {
			rr->type = DNS_T_A;
		} else if (strncmp(recs[i], "CNAME:", 6) == 0) {
			rr->type = DNS_T_CNAME;
			rr->text = (char *)(uintptr_t)recs[i] + 6;
			rr->text_len = strlen(rr->text);
		} else {
			rr->type = DNS_T_TXT;
			rr->text = (char *)(uintptr_t)recs[i];
			rr->text_len = strlen(recs[i]);
		}
		a.count++;
	}
	arc_verifier_key_answer(v, idx, &a);
	free(a.rr);
}

/* Two sealing keys made here (2048 bits), by
 * selector k0 and k1 of seal.example */
struct crypto_privkey *bkeys[2];

struct buf brecs[2];

void
bkeys_make(void)
{
	struct buf pem = BUF_INIT, der = BUF_INIT;
	const char *err = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (bkeys[i] != NULL)
			continue;
		buf_reset(&pem);
		buf_reset(&der);
		assert_true(crypto_keygen_pem(CRYPTO_KEY_RSA, 2048, &pem,
		    &err));
		bkeys[i] = crypto_privkey_from_pem(pem.data, pem.len, &err);
		assert_non_null(bkeys[i]);
		crypto_privkey_public_der(bkeys[i], &der);
		buf_init(&brecs[i]);
		buf_append_str(&brecs[i], "v=DKIM1; k=rsa; p=");
		crypto_base64_encode(der.data, der.len, &brecs[i]);
	}
	buf_deinit(&pem);
	buf_deinit(&der);
}
