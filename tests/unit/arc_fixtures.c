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
arcfx_split(struct arcfx_msg *m)
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
			assert_true(m->nh < ARCFX_MAX_FIELDS);
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
load_raw(struct arcfx_msg *m, const char *name)
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
arcfx_load(struct arcfx_msg *m, const char *name)
{
	load_raw(m, name);
	arcfx_split(m);
}

char *
arcfx_key_record(void)
{
	struct arcfx_msg k;
	char *nl;

	load_raw(&k, "key.txt");
	if ((nl = strchr(k.data, '\n')) != NULL)
		*nl = '\0';
	return k.data;
}

/* arcfx_judge - run a message through a verifier; keys answered with status
 * st (and the fixture key when DNS_R_ANSWER) */
static const struct arc_result *
judge_key(struct arc_verifier *v, struct arcfx_msg *m, enum dns_status st,
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
arcfx_judge(struct arc_verifier *v, struct arcfx_msg *m, enum dns_status st,
    const char *rec)
{
	return judge_key(v, m, st, rec, "f1._domainkey.fuzz.example");
}

const struct arc_result *
arcfx_judge_seal(struct arc_verifier *v, struct arcfx_msg *m, const char *rec)
{
	return judge_key(v, m, DNS_R_ANSWER, rec, "s1._domainkey.seal.example");
}

struct arc_verifier *
arcfx_verifier(size_t max_sets, size_t max_sigs, size_t max_bytes)
{
	struct arc_verify_params p;

	arc_verify_params_init(&p);
	p.now = ARCFX_NOW;
	if (max_sets)
		p.max_sets = max_sets;
	if (max_sigs)
		p.max_signatures = max_sigs;
	if (max_bytes)
		p.max_header_bytes = max_bytes;
	return arc_verifier_new(&p);
}

/* arcfx_lf - the sealed text in the fixtures' form: CRLF -> LF */
void
arcfx_lf(char *w)
{
	char *x;

	for (x = w; *x; x++)
		if (*x == '\r')
			memmove(x, x + 1, strlen(x));
}

/* arcfx_seal_key - an RSA key made here; its key record in rec */
struct crypto_privkey *
arcfx_seal_key(struct buf *rec)
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

/* arcfx_plain_msg - the unsealed message the sealing tests start from */
void
arcfx_plain_msg(struct arcfx_msg *m)
{
	m->data = strdup("From: a@a.example\nSubject: hi\nTo: b@b.example\n\n"
	    "body\n");
	assert_non_null(m->data);
	m->len = strlen(m->data);
	arcfx_split(m);
}

/* arcfx_body_hash - m's body hash as every ARC set here signs it (relaxed,
 * SHA-256) into bh; its length */
size_t
arcfx_body_hash(const struct arcfx_msg *m, unsigned char bh[CRYPTO_DIGEST_MAX])
{
	struct dkim_body *b = dkim_body_new(DKIM_CANON_RELAXED,
	    CRYPTO_HASH_SHA256, false, 0);
	size_t n;

	dkim_body_update(b, m->body, m->body_len);
	n = dkim_body_final(b, bh);
	dkim_body_free(&b);
	return n;
}

/* arcfx_judge_sealed - s made of the sealed text w, judged by a new verifier
 * (*v, the caller frees it) with the seal key's record rec */
const struct arc_result *
arcfx_judge_sealed(struct arcfx_msg *s, char *w, struct arc_verifier **v,
    const char *rec, const char *label)
{
	const struct arc_result *r;

	s->data = w;
	s->len = strlen(w);
	arcfx_split(s);
	*v = arcfx_verifier(0, 0, 0);
	r = arcfx_judge_seal(*v, s, rec);
	print_message("%s: arc=%s (%s)\n", label, arc_res_name(r->res),
	    r->reason);
	return r;
}

/* arcfx_answer - answer lookup idx of v with status st and up to two records,
 * each a TXT record, "A" (an A record) or "CNAME:text" (a CNAME record
 * with text); the records are in an array of their exact size, as the
 * resolver gives them */
void
arcfx_answer(struct arc_verifier *v, int idx, enum dns_status st,
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
struct crypto_privkey *arcfx_bkeys[2];

struct buf arcfx_brecs[2];

void
arcfx_bkeys_make(void)
{
	struct buf pem = BUF_INIT, der = BUF_INIT;
	const char *err = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (arcfx_bkeys[i] != NULL)
			continue;
		buf_reset(&pem);
		buf_reset(&der);
		assert_true(crypto_keygen_pem(CRYPTO_KEY_RSA, 2048, &pem,
		    &err));
		arcfx_bkeys[i] = crypto_privkey_from_pem(pem.data, pem.len,
		    &err);
		assert_non_null(arcfx_bkeys[i]);
		crypto_privkey_public_der(arcfx_bkeys[i], &der);
		buf_init(&arcfx_brecs[i]);
		buf_append_str(&arcfx_brecs[i], "v=DKIM1; k=rsa; p=");
		crypto_base64_encode(der.data, der.len, &arcfx_brecs[i]);
	}
	buf_deinit(&pem);
	buf_deinit(&der);
}
