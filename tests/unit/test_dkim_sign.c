/* test_dkim_sign.c - the DKIM signer (core/dkim_sign.c): h= lists,
 * RFC 8463 known answers, round trips through our own verifier for both
 * algorithms and every canonicalization, folding, x= expiry, refusals */
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
#include "../dkim/testkit.h"
#include "core/dkim_sig.h"
#include "core/dkim_sign.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#define U(s) ((const unsigned char *)(s))

/* RFC 8463 Appendix A: the unsigned message, the Ed25519 seed (A.2) and
 * its published public key and the body hash (A.3). */
static const char rfc_msg[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n"
    "\r\n";
#define RFC_SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define RFC_PUB "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RFC_BH "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
#define RFC_T 1528637909

static const char *const sign_default[] = { "From", "To", "Subject", "Date",
	"Message-ID", "Cc", "Reply-To" };
static const char *const over_default[] = { "From", "Subject", "Reply-To" };

/* split - the header fields of msg, and where the body starts */
static size_t
split(const char *msg, struct dkim_header *h, size_t max, size_t *body)
{
	struct msg_field f;
	size_t n = 0, pos = 0, len = strlen(msg);

	while (msg_next_field(U(msg), len, &pos, &f) == 1 && n < max) {
		h[n].name = f.name;
		h[n].name_len = f.name_len;
		h[n].value = f.value;
		h[n].value_len = f.value_len;
		n++;
	}
	*body = pos;
	return n;
}

/* body_hash - the streamed body hash of msg's body */
static size_t
body_hash(const char *msg, size_t body, enum dkim_canon c,
    unsigned char bh[CRYPTO_DIGEST_MAX])
{
	struct dkim_body *b = dkim_body_new(c, CRYPTO_HASH_SHA256, false, 0);
	size_t n;

	dkim_body_update(b, U(msg + body), strlen(msg) - body);
	n = dkim_body_final(b, bh);
	dkim_body_free(&b);
	return n;
}

static struct crypto_privkey *
rfc_key(void)
{
	const char *err = NULL;
	struct crypto_privkey *k = crypto_privkey_from_text(U(RFC_SEED),
	    strlen(RFC_SEED), &err);

	if (k == NULL)
		fail_msg("RFC 8463 seed: %s", err);
	return k;
}

static void
params_init(struct dkim_sign_params *p, const struct crypto_privkey *k)
{
	memset(p, 0, sizeof(*p));
	p->domain = "football.example.com";
	p->selector = "brisbane";
	p->key = k;
	p->hcanon = p->bcanon = DKIM_CANON_RELAXED;
	p->sign_headers = sign_default;
	p->nsign = 7;
	p->oversign_headers = over_default;
	p->noversign = 3;
	p->t = RFC_T;
}

/* sign_msg - msg with a new signature on top, into out */
static bool
sign_msg(const char *msg, const struct dkim_sign_params *p, struct buf *out,
    const char **why)
{
	struct dkim_header h[64];
	unsigned char bh[CRYPTO_DIGEST_MAX];
	struct buf v = BUF_INIT;
	size_t body, n = split(msg, h, 64, &body);
	size_t bhlen = body_hash(msg, body, p->bcanon, bh);
	bool ok = dkim_sign_field(p, h, n, bh, bhlen, &v, why);

	if (ok) {
		buf_append_str(out, "DKIM-Signature:");
		buf_append(out, v.data, v.len);
		buf_append_str(out, "\r\n");
		buf_append_str(out, msg);
	}
	buf_deinit(&v);
	return ok;
}

static void
test_rfc8463_seed_and_body_hash(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct buf pub = BUF_INIT, b64 = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	struct dkim_header h[16];
	size_t body, n;

	(void)state;
	assert_int_equal(crypto_privkey_type(k), CRYPTO_KEY_ED25519);
	crypto_privkey_public_der(k, &pub);
	crypto_base64_encode(pub.data, pub.len, &b64);
	assert_string_equal(buf_cstr(&b64), RFC_PUB);
	(void)split(rfc_msg, h, 16, &body);
	n = body_hash(rfc_msg, body, DKIM_CANON_RELAXED, bh);
	buf_reset(&b64);
	crypto_base64_encode(bh, n, &b64);
	assert_string_equal(buf_cstr(&b64), RFC_BH);
	buf_deinit(&pub);
	buf_deinit(&b64);
	crypto_privkey_free(&k);
}

static void
test_hlist_table(void **state)
{
	static const struct {
		const char *label;
		const char *msg;	/* header block */
		const char *const sign[4];
		const char *const over[4];
		const char *want;	/* "" when refused */
	} cases[] = {
		{ "signed and oversigned",
		  "From: a@x\r\nTo: b\r\nTo: c\r\nSubject: s\r\nReceived: r\r\n\r\n",
		  { "From", "To", "Subject", "Cc" }, { "From", "Subject", "Reply-To" },
		  "From:From:To:To:Subject:Subject:Reply-To" },
		{ "From signed even when unlisted",
		  "From: a@x\r\nSubject: s\r\n\r\n",
		  { "Subject" }, { NULL }, "From:Subject" },
		{ "names listed twice count once, case ignored",
		  "from: a@x\r\nSUBJECT: s\r\n\r\n",
		  { "From", "subject", "Subject" }, { "SUBJECT" },
		  "From:subject:subject" },
		{ "Date and Message-ID absent: not oversigned (Sendmail "
		  "adds them after the milter), present: oversigned",
		  "From: a@x\r\nResent-Date: d\r\n\r\n",
		  { "From", "Resent-Date" },
		  { "Date", "message-id", "Resent-Date", "Subject" },
		  "From:Resent-Date:Resent-Date:Subject" },
		{ "absent and not oversigned: left out",
		  "From: a@x\r\n\r\n", { "From", "Cc" }, { NULL }, "From" },
		{ "no From: nothing to sign",
		  "Subject: s\r\n\r\n", { "From", "Subject" }, { NULL }, "" },
		{ "Authentication-Results never signed nor oversigned",
		  "From: a@x\r\nAuthentication-Results: mx; spf=pass\r\n\r\n",
		  { "From", "Authentication-Results" },
		  { "authentication-results" }, "From" },
		{ "trace fields: the present ones signed, none oversigned",
		  "From: a@x\r\nReceived: r1\r\nReceived: r2\r\n"
		  "dkim-signature: v=1\r\n\r\n",
		  { "From", "Received" },
		  { "Received", "DKIM-Signature", "ARC-Seal", "Subject" },
		  "From:Received:Received:DKIM-Signature:Subject" },
		{ "every trace field, oversigned only",
		  "From: a@x\r\nReturn-Path: <a@x>\r\nReceived-SPF: pass\r\n"
		  "ARC-Message-Signature: i=1\r\n\r\n",
		  { "From" },
		  { "Return-Path", "received-spf", "ARC-Message-Signature",
		    "ARC-Authentication-Results" },
		  "From:Return-Path:received-spf:ARC-Message-Signature" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_header h[16];
		struct dkim_sign_params p;
		struct buf out = BUF_INIT;
		size_t body, n = split(cases[i].msg, h, 16, &body), cnt;

		params_init(&p, NULL);
		for (j = 0; j < 4 && cases[i].sign[j] != NULL; j++)
			;
		p.sign_headers = cases[i].sign;
		p.nsign = j;
		for (j = 0; j < 4 && cases[i].over[j] != NULL; j++)
			;
		p.oversign_headers = cases[i].over;
		p.noversign = j;
		cnt = dkim_sign_hlist(&p, h, n, &out);
		if (strcmp(buf_cstr(&out), cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].label,
			    buf_cstr(&out), cases[i].want);
		assert_int_equal(cnt == 0, *cases[i].want == '\0');
		buf_deinit(&out);
	}
}

static void
test_hlist_cap(void **state)
{
	struct buf msg = BUF_INIT, out = BUF_INIT;
	struct dkim_header *h = calloc(DKIM_SIG_MAX_HNAMES + 2, sizeof(*h));
	struct dkim_sign_params p;
	const char *why = NULL;
	size_t i, body, n;

	(void)state;
	buf_append_str(&msg, "From: a@x\r\n");
	for (i = 0; i < DKIM_SIG_MAX_HNAMES; i++)
		buf_append_str(&msg, "To: b\r\n");
	buf_append_str(&msg, "\r\n");
	n = split(buf_cstr(&msg), h, DKIM_SIG_MAX_HNAMES + 2, &body);
	params_init(&p, NULL);
	assert_int_equal(dkim_sign_hlist(&p, h, n, &out), 0);
	assert_int_equal(out.len, 0);
	assert_false(dkim_sign_field(&p, h, n, U(""), 32, &out, &why));
	assert_string_equal(why, "too many header fields to sign");
	free(h);
	buf_deinit(&msg);
	buf_deinit(&out);
}

/* verify_at - our verifier's verdict on a signed message at now */
static enum dkim_res
verify_at(const struct buf *m, const char *name, const char *rec,
    int64_t now)
{
	struct tk_key keys[1] = { { name, DNS_R_ANSWER, rec } };
	struct dkim_verify_params vp;
	struct tk_outcome o;

	dkim_verify_params_init(&vp);
	vp.now = now;
	tk_verify(m->data, m->len, &vp, 7, keys, 1, &o);
	assert_int_equal(o.count, 1);
	return o.r[0].result;
}

/* verify_one - our verifier's verdict a minute after signing */
static enum dkim_res
verify_one(const struct buf *m, const char *name, const char *rec)
{
	return verify_at(m, name, rec, RFC_T + 60);
}

static void
test_round_trip_both_algorithms(void **state)
{
	static const enum dkim_canon c[4][2] = {
		{ DKIM_CANON_RELAXED, DKIM_CANON_RELAXED },
		{ DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
		{ DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
		{ DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED },
	};
	struct crypto_privkey *keys[2];
	size_t i, j;

	(void)state;
	keys[0] = rfc_key();
	keys[1] = tk_keygen("rsa", 2048);
	for (i = 0; i < 2; i++) {
		struct buf rec = BUF_INIT;

		tk_key_record(keys[i], &rec);
		for (j = 0; j < 4; j++) {
			struct dkim_sign_params p;
			struct buf m = BUF_INIT;
			const char *why = NULL;
			char *tampered, *at;

			params_init(&p, keys[i]);
			p.hcanon = c[j][0];
			p.bcanon = c[j][1];
			p.auid = "joe@football.example.com";
			assert_true(sign_msg(rfc_msg, &p, &m, &why));
			if (verify_one(&m, "brisbane._domainkey.football.example.com",
			    buf_cstr(&rec)) != DKIM_RES_PASS)
				fail_msg("key %zu canon %zu: our signature does not "
				    "verify:\n%s", i, j, buf_cstr(&m));
			/* an added Subject above the signed one must break it:
			 * Subject is oversigned */
			tampered = strdup(buf_cstr(&m));
			assert_non_null(tampered);
			at = strstr(tampered, "From: Joe");
			assert_non_null(at);
			{
				struct buf t = BUF_INIT;

				buf_append(&t, tampered, (size_t)(at - tampered));
				buf_append_str(&t, "Subject: free money\r\n");
				buf_append_str(&t, at);
				assert_int_equal(verify_one(&t,
				    "brisbane._domainkey.football.example.com",
				    buf_cstr(&rec)), DKIM_RES_FAIL);
				buf_deinit(&t);
			}
			free(tampered);
			buf_deinit(&m);
		}
		buf_deinit(&rec);
		crypto_privkey_free(&keys[i]);
	}
}

/* assert_lines_fit - no line of a DKIM-Signature value longer than 78
 * columns, counting the field name (RFC 5322 2.1.1) */
static void
assert_lines_fit(const char *value)
{
	size_t col = strlen("DKIM-Signature:");

	for (; *value != '\0'; value++) {
		if (*value == '\n')
			col = 0;
		else if (*value == '\t')
			col += 8;
		else
			col++;
		assert_true(col <= 78);
	}
}

/* The whole field for fixed inputs: Ed25519 is deterministic, so this is
 * a golden of tag order, folding and signature together (checked once
 * with dkimpy when recorded; test_round_trip checks it with our own
 * verifier). */
static const char golden[] =
    " v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    "\t d=football.example.com; s=brisbane; t=1528637909; h=From:From:To:\r\n"
    "\tSubject:Subject:Date:Message-ID:Reply-To; bh=2jUSOH9NhtVGCQWNr9BrIAP\r\n"
    "\treKQjO6Sn7XIkfJVOzv8=; b=96jLWOKhulOiI/H/wr3FyRHFMqnBxj34GGI4TaGed77\r\n"
    "\tSharU/WNHFvJq9v86eJ5QZ6WqnRdwMkhcCwMmcuJDDQ==";

static void
test_golden_field_and_folding(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct dkim_sign_params p;
	struct dkim_header h[16];
	unsigned char bh[CRYPTO_DIGEST_MAX];
	struct buf v = BUF_INIT;
	const char *why = NULL;
	size_t body, n = split(rfc_msg, h, 16, &body);
	size_t bhlen = body_hash(rfc_msg, body, DKIM_CANON_RELAXED, bh);

	(void)state;
	params_init(&p, k);
	assert_true(dkim_sign_field(&p, h, n, bh, bhlen, &v, &why));
	if (strcmp(buf_cstr(&v), golden) != 0)
		fail_msg("got:\n%s\nwant:\n%s", buf_cstr(&v), golden);
	assert_lines_fit(buf_cstr(&v));
	buf_deinit(&v);
	crypto_privkey_free(&k);
}

/* i= is dkim-quoted-printable (RFC 6376 3.5, 2.11): a SigningTable
 * signer whose local-part holds '=', ';' or SP was written as it is, so
 * ';' cut the tag list (every verifier failed it) and OpenDKIM, which
 * decodes i=, gave permerror for "=li" */
static void
test_auid_quoted_printable(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct dkim_sign_params p;
	struct buf m = BUF_INIT, rec = BUF_INIT;
	const char *why = NULL;

	(void)state;
	tk_key_record(k, &rec);
	params_init(&p, k);
	p.auid = "bounce=list;x y@football.example.com";
	assert_true(sign_msg(rfc_msg, &p, &m, &why));
	if (strstr(buf_cstr(&m),
	    " i=bounce=3Dlist=3Bx=20y@football.example.com;") == NULL)
		fail_msg("i= not encoded:\n%s", buf_cstr(&m));
	assert_int_equal(verify_one(&m, "brisbane._domainkey.football.example.com",
	    buf_cstr(&rec)), DKIM_RES_PASS);
	buf_deinit(&m);
	buf_deinit(&rec);
	crypto_privkey_free(&k);
}

/* field_of - the field dkim_sign_field makes of rfc_msg with p */
static void
field_of(const struct dkim_sign_params *p, struct buf *v)
{
	struct dkim_header h[16];
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const char *why = NULL;
	size_t body, n = split(rfc_msg, h, 16, &body);
	size_t bhlen = body_hash(rfc_msg, body, p->bcanon, bh);

	buf_reset(v);
	if (!dkim_sign_field(p, h, n, bh, bhlen, v, &why))
		fail_msg("signing failed: %s", why);
}

/* i= escapes DEL and 8-bit bytes too; an i= run of 900 octets is
 * written, one more is left out (the line limit, RFC 5322 2.1.1); t=0
 * means no t= */
static void
test_auid_and_t_edges(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct dkim_sign_params p;
	struct buf v = BUF_INIT;
	char auid[1000];
	/* " i=" + local-part + "@football.example.com" + ";" */
	size_t local = 900 - 3 - 21 - 1;

	(void)state;
	params_init(&p, k);
	p.auid = "a\x7f\xc3\xa9~@football.example.com";
	field_of(&p, &v);
	if (strstr(buf_cstr(&v), " i=a=7F=C3=A9~@football.example.com;") == NULL)
		fail_msg("i= not encoded:\n%s", buf_cstr(&v));

	memset(auid, 'a', local + 1);
	(void)strcpy(auid + local, "@football.example.com");
	p.auid = auid;
	field_of(&p, &v);
	assert_non_null(strstr(buf_cstr(&v), " i=aaaa"));
	(void)strcpy(auid + local + 1, "@football.example.com");
	field_of(&p, &v);
	assert_null(strstr(buf_cstr(&v), " i="));

	params_init(&p, k);
	p.t = 0;
	field_of(&p, &v);
	assert_null(strstr(buf_cstr(&v), " t="));
	buf_deinit(&v);
	crypto_privkey_free(&k);
}

/* SignatureTTL: x= is t= plus the TTL (RFC 6376 3.5), folded like the
 * other tags; none for a TTL of 0, nor without t= (a verifier compares
 * them), nor in an ARC-Message-Signature. Our verifier passes the
 * signature up to x= plus its clock skew and refuses it after. */
static void
test_expiry_x(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct dkim_sign_params p;
	struct buf v = BUF_INIT, m = BUF_INIT, rec = BUF_INIT;
	const char *why = NULL, *key = "brisbane._domainkey.football.example.com";
	char want[64];
	int64_t skew = DKIM_VERIFY_CLOCK_SKEW;

	(void)state;
	params_init(&p, k);
	p.ttl = 86400;
	field_of(&p, &v);
	(void)snprintf(want, sizeof(want), " t=%lld; x=%lld;",
	    (long long)RFC_T, (long long)RFC_T + 86400);
	if (strstr(buf_cstr(&v), want) == NULL)
		fail_msg("no%s in:\n%s", want, buf_cstr(&v));
	assert_lines_fit(buf_cstr(&v));

	tk_key_record(k, &rec);
	assert_true(sign_msg(rfc_msg, &p, &m, &why));
	assert_int_equal(verify_at(&m, key, buf_cstr(&rec),
	    RFC_T + 86400 + skew), DKIM_RES_PASS);
	assert_int_not_equal(verify_at(&m, key, buf_cstr(&rec),
	    RFC_T + 86400 + skew + 1), DKIM_RES_PASS);

	p.ttl = 0;
	field_of(&p, &v);
	assert_null(strstr(buf_cstr(&v), " x="));
	p.ttl = 86400;
	p.t = 0;
	field_of(&p, &v);
	assert_null(strstr(buf_cstr(&v), " x="));
	p.t = RFC_T;
	p.kind = DKIM_SIG_KIND_ARC_AMS;
	p.instance = 1;
	field_of(&p, &v);
	assert_non_null(strstr(buf_cstr(&v), " t="));
	assert_null(strstr(buf_cstr(&v), " x="));
	buf_deinit(&v);
	buf_deinit(&m);
	buf_deinit(&rec);
	crypto_privkey_free(&k);
}

/* The first line is counted from the field name ("DKIM-Signature: ",
 * "ARC-Message-Signature: "): d= stays on it when it ends at the fold
 * column, one octet more moves it to the next line */
static void
test_first_line_fold_column(void **state)
{
	static const struct {
		enum dkim_sig_kind kind;
		const char *domain;
		bool fits;
	} cases[] = {
		/* 16 + 42 (" v=1; a=...; c=relaxed/relaxed;") + 18 = 76 */
		{ DKIM_SIG_KIND_DKIM, "abcdefghi.test", true },
		{ DKIM_SIG_KIND_DKIM, "abcdefghij.test", false },
		/* 23 + 42 + 11 = 76 */
		{ DKIM_SIG_KIND_ARC_AMS, "abc.cde", true },
		{ DKIM_SIG_KIND_ARC_AMS, "abcd.cde", false },
	};
	struct crypto_privkey *k = rfc_key();
	struct buf v = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_sign_params p;
		char want[80];
		const char *eol;

		params_init(&p, k);
		p.kind = cases[i].kind;
		p.instance = 1;
		p.domain = cases[i].domain;
		field_of(&p, &v);
		eol = strstr(buf_cstr(&v), "\r\n");
		assert_non_null(eol);
		(void)snprintf(want, sizeof(want), "relaxed/relaxed;%s%s%s",
		    cases[i].fits ? " d=" : "", cases[i].fits ?
		    cases[i].domain : "", cases[i].fits ? ";" : "");
		if ((size_t)(eol - buf_cstr(&v)) < strlen(want) ||
		    strncmp(eol - strlen(want), want, strlen(want)) != 0)
			fail_msg("%s: first line does not end in \"%s\":\n%s",
			    cases[i].domain, want, buf_cstr(&v));
	}
	buf_deinit(&v);
	crypto_privkey_free(&k);
}

static void
test_refusals(void **state)
{
	struct crypto_privkey *k = rfc_key();
	struct dkim_sign_params p;
	struct buf m = BUF_INIT;
	const char *why = NULL;

	(void)state;
	params_init(&p, k);
	p.domain = "bad..example";
	assert_false(sign_msg(rfc_msg, &p, &m, &why));
	assert_string_equal(why, "bad d= or s= name");
	params_init(&p, k);
	assert_false(sign_msg("Subject: x\r\n\r\nbody\r\n", &p, &m, &why));
	assert_string_equal(why, "no From field");
	assert_int_equal(m.len, 0);
	buf_deinit(&m);
	crypto_privkey_free(&k);
}

static void
test_key_text_forms(void **state)
{
	static const char *const bad[] = { "", "not base64 !", "AAAA",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" };
	struct crypto_privkey *k, *k2;
	struct buf raw = BUF_INIT, both = BUF_INIT, pub = BUF_INIT;
	const char *err = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		assert_null(crypto_privkey_from_text(U(bad[i]), strlen(bad[i]), &err));
		assert_non_null(err);
	}
	/* seed || public (64 bytes) is accepted only when the halves match */
	k = rfc_key();
	assert_true(crypto_base64_decode(U(RFC_SEED), strlen(RFC_SEED), &raw));
	crypto_privkey_public_der(k, &raw);
	crypto_base64_encode(raw.data, raw.len, &both);
	k2 = crypto_privkey_from_text(both.data, both.len, &err);
	assert_non_null(k2);
	crypto_privkey_public_der(k2, &pub);
	assert_memory_equal(pub.data, raw.data + 32, 32);
	crypto_privkey_free(&k2);
	raw.data[40] ^= 1;
	buf_reset(&both);
	crypto_base64_encode(raw.data, raw.len, &both);
	assert_null(crypto_privkey_from_text(both.data, both.len, &err));
	buf_deinit(&raw);
	buf_deinit(&both);
	buf_deinit(&pub);
	crypto_privkey_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8463_seed_and_body_hash),
		cmocka_unit_test(test_hlist_table),
		cmocka_unit_test(test_hlist_cap),
		cmocka_unit_test(test_round_trip_both_algorithms),
		cmocka_unit_test(test_golden_field_and_folding),
		cmocka_unit_test(test_auid_quoted_printable),
		cmocka_unit_test(test_auid_and_t_edges),
		cmocka_unit_test(test_expiry_x),
		cmocka_unit_test(test_first_line_fold_column),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_key_text_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
