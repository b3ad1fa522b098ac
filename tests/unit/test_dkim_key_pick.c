/* test_dkim_key_pick.c - which of several key records at one selector is
 * the key: the rule itself, and DKIM and ARC verification both using it
 * (a revoked record anywhere revokes, whatever the answer's order) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../dkim/msgsplit.h"
#include "core/arc_verify.h"
#include "core/dkim_key_pick.h"
#include "core/dkim_verify.h"

#define ARC_NOW 1800000000	/* chain1.eml's signatures are valid then */
#define MAX_FIELDS 64
#define REVOKED "v=DKIM1; k=rsa; p="
#define BAD_B64 "v=DKIM1; k=rsa; p=!!"

/* read_fixture - tests/arc/name, NUL-terminated, malloc'd */
static char *
read_fixture(const char *name, size_t *len_r)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") :
	    TOP_SRCDIR;
	char path[1024];
	char *data;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/arc/%s", top, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	if (len_r != NULL)
		*len_r = (size_t)n;
	return data;
}

/* usable_key - the fixture's RSA key record (one line) */
static char *
usable_key(void)
{
	char *rec = read_fixture("key.txt", NULL);
	char *nl = strchr(rec, '\n');

	if (nl != NULL)
		*nl = '\0';
	return rec;
}

/* txt_answer - an answer of n TXT records recs[0..n) into a and rr */
static void
txt_answer(struct dns_answer *a, struct dns_rr *rr, const char *const *recs,
    size_t n)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	memset(rr, 0, n * sizeof(*rr));
	a->status = DNS_R_ANSWER;
	a->count = n;
	a->rr = rr;
	for (i = 0; i < n; i++) {
		rr[i].type = DNS_T_TXT;
		rr[i].text = (char *)(uintptr_t)recs[i];
		rr[i].text_len = strlen(recs[i]);
	}
}

/* pick - dkim_key_pick of recs; the index of the record judged (-1:
 * none) into *judged_r */
static enum dkim_key_status
pick(const char *const *recs, size_t n, const char **why_r, int *judged_r)
{
	struct dns_answer a;
	struct dns_rr rr[4];
	const struct dns_rr *judged = NULL;
	struct dkim_key key;
	enum dkim_key_status st;

	assert_true(n <= 4);
	txt_answer(&a, rr, recs, n);
	st = dkim_key_pick(&a, &key, why_r, &judged);
	*judged_r = judged != NULL ? (int)(judged - rr) : -1;
	if (st == DKIM_KEY_OK)
		assert_non_null(key.pk);
	else
		assert_null(key.pk);
	dkim_key_deinit(&key);
	return st;
}

static void
test_the_rule(void **state)
{
	char *rec = usable_key();
	const char *why;
	int judged;
	struct {
		const char *recs[3];
		size_t n;
		enum dkim_key_status st;
		const char *why;
		int judged;
	} cases[] = {
		{ { rec }, 1, DKIM_KEY_OK, "", 0 },
		/* revoked before or after a usable key: revoked both ways */
		{ { REVOKED, rec }, 2, DKIM_KEY_REVOKED, "key revoked", 0 },
		{ { rec, REVOKED }, 2, DKIM_KEY_REVOKED, "key revoked", 1 },
		{ { BAD_B64, rec, REVOKED }, 3, DKIM_KEY_REVOKED,
		  "key revoked", 2 },
		/* an unusable record does not hide a usable one */
		{ { BAD_B64, rec }, 2, DKIM_KEY_OK, "", 1 },
		{ { rec, rec }, 2, DKIM_KEY_OK, "", 0 },
		/* none usable: the first one's reason */
		{ { BAD_B64, "v=spf1 -all" }, 2, DKIM_KEY_E_KEY,
		  "bad base64 in key p=", 0 },
		{ { NULL }, 0, DKIM_KEY_E_SYNTAX, "no key", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(pick(cases[i].recs, cases[i].n, &why,
		    &judged), cases[i].st);
		assert_string_equal(why, cases[i].why);
		assert_int_equal(judged, cases[i].judged);
	}
	free(rec);
}

/* only TXT records are judged */
static void
test_other_types_skipped(void **state)
{
	const char *recs[2] = { REVOKED, BAD_B64 };
	const struct dns_rr *judged;
	struct dns_answer a;
	struct dns_rr rr[2];
	struct dkim_key key;
	const char *why;

	(void)state;
	txt_answer(&a, rr, recs, 2);
	rr[0].type = DNS_T_CNAME;
	assert_int_equal(dkim_key_pick(&a, &key, &why, &judged),
	    DKIM_KEY_E_KEY);
	assert_ptr_equal(judged, &rr[1]);
	rr[1].text = NULL;
	assert_int_equal(dkim_key_pick(&a, &key, &why, &judged),
	    DKIM_KEY_E_SYNTAX);
	assert_null(judged);
}

/* dkim_result_of - a DKIM signature (whose hashes match nothing) with a
 * key answer of recs: the result and the record judged into record */
static enum dkim_res
dkim_result_of(const char *const *recs, size_t n, char *record, size_t size)
{
	static const char sig[] = " v=1; a=rsa-sha256; c=relaxed/relaxed;"
	    " d=example.com; s=sel; h=from;"
	    " bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA";
	static const char from[] = " a@example.com";
	struct dkim_verify_params p;
	struct dkim_verifier *v;
	const struct dkim_result *r;
	struct dns_answer a;
	struct dns_rr rr[3];
	enum dkim_res res;
	int idx;

	dkim_verify_params_init(&p);
	v = dkim_verifier_new(&p);
	idx = dkim_verifier_header(v, (const unsigned char *)"DKIM-Signature",
	    14, (const unsigned char *)sig, strlen(sig));
	assert_int_equal(idx, 0);
	(void)dkim_verifier_header(v, (const unsigned char *)"From", 4,
	    (const unsigned char *)from, strlen(from));
	txt_answer(&a, rr, recs, n);
	dkim_verifier_key_answer(v, idx, &a);
	dkim_verifier_eoh(v);
	dkim_verifier_body(v, (const unsigned char *)"Hi.\r\n", 5);
	dkim_verifier_eom(v);
	r = dkim_verifier_result(v, 0);
	assert_non_null(r);
	res = r->result;
	snprintf(record, size, "%s: %s", r->reason, r->key_record);
	dkim_verifier_free(&v);
	return res;
}

static void
test_dkim_uses_the_rule(void **state)
{
	char *rec = usable_key();
	const char *after[2] = { rec, REVOKED }, *before[2] = { REVOKED, rec };
	char got[1024], want[1024];

	(void)state;
	/* the usable key alone is used: only the hash fails */
	assert_int_equal(dkim_result_of(after, 1, got, sizeof(got)),
	    DKIM_RES_FAIL);
	snprintf(want, sizeof(want), ": %s", rec);
	assert_non_null(strstr(got, want));
	assert_int_equal(dkim_result_of(after, 2, got, sizeof(got)),
	    DKIM_RES_PERMERROR);
	assert_string_equal(got, "key revoked: " REVOKED);
	assert_int_equal(dkim_result_of(before, 2, got, sizeof(got)),
	    DKIM_RES_PERMERROR);
	assert_string_equal(got, "key revoked: " REVOKED);
	free(rec);
}

/* arc_reason_of - chain1.eml (which passes with the fixture key) with
 * every key answered by recs: "" on pass, else the reason */
static const char *
arc_reason_of(const char *const *recs, size_t n, char *out, size_t size)
{
	struct dkim_header h[MAX_FIELDS];
	struct arc_verify_params p;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg_field f;
	struct dns_answer a;
	struct dns_rr rr[3];
	size_t len, pos = 0, nh = 0;
	char *m = read_fixture("chain1.eml", &len);

	arc_verify_params_init(&p);
	p.now = ARC_NOW;
	v = arc_verifier_new(&p);
	txt_answer(&a, rr, recs, n);
	while (msg_next_field((const unsigned char *)m, len, &pos, &f) == 1) {
		int idx = arc_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len);

		if (idx >= 0)
			arc_verifier_key_answer(v, idx, &a);
		assert_true(nh < MAX_FIELDS);
		h[nh].name = f.name;
		h[nh].name_len = f.name_len;
		h[nh].value = f.value;
		h[nh++].value_len = f.value_len;
	}
	arc_verifier_eoh(v, h, nh, true);
	arc_verifier_body(v, (const unsigned char *)m + pos, len - pos);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_non_null(r);
	assert_true(r->res == (*r->reason == '\0' ? ARC_RES_PASS :
	    ARC_RES_FAIL));
	snprintf(out, size, "%s", r->reason);
	arc_verifier_free(&v);
	free(m);
	return out;
}

static void
test_arc_uses_the_rule(void **state)
{
	char *rec = usable_key();
	const char *after[2] = { rec, REVOKED }, *before[2] = { REVOKED, rec };
	char got[256];

	(void)state;
	assert_string_equal(arc_reason_of(after, 1, got, sizeof(got)), "");
	assert_string_equal(arc_reason_of(after, 2, got, sizeof(got)),
	    "ARC-Message-Signature i=1: key revoked");
	assert_string_equal(arc_reason_of(before, 2, got, sizeof(got)),
	    "ARC-Message-Signature i=1: key revoked");
	free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_rule),
		cmocka_unit_test(test_other_types_skipped),
		cmocka_unit_test(test_dkim_uses_the_rule),
		cmocka_unit_test(test_arc_uses_the_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
