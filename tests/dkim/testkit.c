/*
 * testkit.c - DKIM test helpers (see testkit.h)
 *
 * Exported: tk_verify, tk_body_digest, tk_body_digest_chunked, tk_keygen,
 * tk_key_record, tk_sign_field, tk_sign. Test code only:
 * it includes OpenSSL to generate keys, which src/ never does outside
 * src/crypto/.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "msgsplit.h"
#include "testkit.h"
#include "util/xmalloc.h"

/* copy_str - bounded copy for the outcome arrays */
static void
copy_str(char *dst, size_t n, const char *src)
{
	(void)snprintf(dst, n, "%s", src ? src : "");	/* truncation ok */
}

/* answer_for - the DNS answer the key table gives for name */
static void
answer_for(const struct tk_key *keys, size_t nkeys, const char *name,
    struct dns_answer *a, struct dns_rr *rr)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	memset(rr, 0, sizeof(*rr));
	a->status = DNS_R_NXDOMAIN;
	for (i = 0; i < nkeys; i++) {
		if (strcasecmp(keys[i].name, name) != 0)
			continue;
		a->status = keys[i].status;
		if (keys[i].status == DNS_R_ANSWER) {
			rr->type = DNS_T_TXT;
			rr->text = (char *)keys[i].txt;
			rr->text_len = strlen(keys[i].txt);
			a->count = 1;
			a->rr = rr;
		}
		return;
	}
}

/* tk_verify - run a message through the verifier */
void
tk_verify(const unsigned char *msg, size_t len,
    const struct dkim_verify_params *params, size_t chunk,
    const struct tk_key *keys, size_t nkeys, struct tk_outcome *out)
{
	struct dkim_verifier *v = dkim_verifier_new(params);
	struct msg_field f;
	size_t pos = 0, i;
	int rc, idx, sigs[TK_MAX_RESULTS];
	size_t nsigs = 0;

	memset(out, 0, sizeof(*out));
	while ((rc = msg_next_field(msg, len, &pos, &f)) == 1) {
		idx = dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len);
		if (idx >= 0 && nsigs < TK_MAX_RESULTS)
			sigs[nsigs++] = idx;
	}
	if (rc < 0)
		out->parse_error = 1;
	/* answers before the body, as an async lookup would arrive */
	for (i = 0; i < nsigs; i++) {
		const char *q = dkim_verifier_key_name(v, sigs[i]);
		struct dns_answer a;
		struct dns_rr rr;

		if (i < TK_MAX_RESULTS && q != NULL)
			copy_str(out->key_name[i], sizeof(out->key_name[i]), q);
		if (q == NULL)
			continue;
		answer_for(keys, nkeys, q, &a, &rr);
		dkim_verifier_key_answer(v, sigs[i], &a);
	}
	dkim_verifier_eoh(v);
	if (chunk == 0)
		chunk = len + 1;
	while (pos < len) {
		size_t n = len - pos < chunk ? len - pos : chunk;

		dkim_verifier_body(v, msg + pos, n);
		pos += n;
	}
	dkim_verifier_eom(v);
	out->count = dkim_verifier_result_count(v);
	out->ignored = dkim_verifier_ignored(v);
	for (i = 0; i < out->count && i < TK_MAX_RESULTS; i++) {
		out->r[i] = *dkim_verifier_result(v, i);
		copy_str(out->reason[i], sizeof(out->reason[i]),
		    out->r[i].reason);
		copy_str(out->domain[i], sizeof(out->domain[i]),
		    out->r[i].domain);
		out->r[i].reason = out->reason[i];
		out->r[i].domain = out->domain[i];
		out->r[i].selector = out->r[i].auid = out->r[i].b8 = NULL;
	}
	dkim_verifier_free(&v);
}

/* tk_body_digest - a body through dkim_body_*, cut where asked */
size_t
tk_body_digest(enum dkim_canon c, const unsigned char *in, size_t len,
    const size_t *cuts, size_t ncuts, bool limited, uint64_t limit,
    unsigned char out[CRYPTO_DIGEST_MAX], uint64_t *total_r)
{
	struct dkim_body *b = dkim_body_new(c, CRYPTO_HASH_SHA256, limited,
	    limit);
	size_t pos = 0, k, n;

	for (k = 0; k <= ncuts; k++) {
		size_t next = k < ncuts ? cuts[k] : len;

		dkim_body_update(b, in + pos, next - pos);
		pos = next;
	}
	n = dkim_body_final(b, out);
	*total_r = dkim_body_length(b);
	dkim_body_free(&b);
	return n;
}

/* tk_body_digest_chunked - a body through dkim_body_* in equal chunks */
size_t
tk_body_digest_chunked(enum dkim_canon c, const unsigned char *in,
    size_t len, size_t chunk, bool limited, uint64_t limit,
    unsigned char out[CRYPTO_DIGEST_MAX], uint64_t *total_r)
{
	size_t *cuts, ncuts = 0, pos, n;

	if (chunk == 0 || chunk > len)
		chunk = len + 1;
	cuts = xreallocarray(NULL, len / chunk + 1, sizeof(*cuts));
	for (pos = chunk; pos < len; pos += chunk)
		cuts[ncuts++] = pos;
	n = tk_body_digest(c, in, len, cuts, ncuts, limited, limit, out,
	    total_r);
	free(cuts);
	return n;
}

/* tk_keygen - a fresh private key */
struct crypto_privkey *
tk_keygen(const char *type, unsigned bits)
{
	EVP_PKEY *pkey;
	BIO *bio = BIO_new(BIO_s_mem());
	struct crypto_privkey *k;
	const char *err = NULL;
	char *pem;
	long n;

	if (strcmp(type, "ed25519") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pkey == NULL || bio == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	n = BIO_get_mem_data(bio, &pem);
	k = crypto_privkey_from_pem((const unsigned char *)pem, (size_t)n,
	    &err);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	if (k == NULL)
		abort();
	return k;
}

/* tk_key_record - the TXT record for a key */
void
tk_key_record(const struct crypto_privkey *k, struct buf *out)
{
	struct buf der = BUF_INIT;

	crypto_privkey_public_der(k, &der);
	buf_printf(out, "v=DKIM1; k=%s; p=",
	    crypto_privkey_type(k) == CRYPTO_KEY_RSA ? "rsa" : "ed25519");
	crypto_base64_encode(der.data, der.len, out);
	buf_deinit(&der);
}

/* collect - the message's fields and body start */
static size_t
collect(const unsigned char *msg, size_t len, struct dkim_header *h,
    size_t max, size_t *body)
{
	struct msg_field f;
	size_t n = 0, pos = 0;

	while (msg_next_field(msg, len, &pos, &f) == 1 && n < max) {
		h[n].name = f.name;
		h[n].name_len = f.name_len;
		h[n].value = f.value;
		h[n].value_len = f.value_len;
		n++;
	}
	*body = pos;
	return n;
}

/* split_names - h= into names (points into s) */
static size_t
split_names(const char *s, struct dkim_name *names, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		const char *c = strchr(s, ':');
		size_t l = c ? (size_t)(c - s) : strlen(s);

		names[n].p = (const unsigned char *)s;
		names[n].len = l;
		n++;
		s += l;
		if (*s == ':')
			s++;
	}
	return n;
}

/* tk_sign_field - the DKIM-Signature field for a header block (fields
 * only, CRLF) and a body hash computed by the caller */
bool
tk_sign_field(const unsigned char *hdr, size_t hlen, const unsigned char *bh,
    size_t bhlen, uint64_t blen, const struct crypto_privkey *k,
    const struct tk_sign_opts *o, struct buf *out)
{
	struct dkim_header hdrs[256];
	struct dkim_name names[64];
	unsigned char hd[CRYPTO_DIGEST_MAX];
	size_t nh, nn, hdlen, unused;
	struct buf val = BUF_INIT, hashed = BUF_INIT, sig = BUF_INIT;
	struct crypto_digest *d;
	bool rsa = crypto_privkey_type(k) == CRYPTO_KEY_RSA;
	bool ok;

	nh = collect(hdr, hlen, hdrs, 256, &unused);
	nn = split_names(o->headers, names, 64);
	buf_printf(&val, " v=1; a=%s-%s; c=%s/%s; d=%s; s=%s;\r\n\t",
	    rsa ? "rsa" : "ed25519",
	    o->hash == CRYPTO_HASH_SHA1 ? "sha1" : "sha256",
	    dkim_canon_name(o->hcanon), dkim_canon_name(o->bcanon),
	    o->domain, o->selector);
	if (o->auid)
		buf_printf(&val, "i=%s; ", o->auid);
	if (o->use_l)
		buf_printf(&val, "l=%llu; ", (unsigned long long)blen);
	if (o->t)
		buf_printf(&val, "t=%lld; ", (long long)o->t);
	if (o->x)
		buf_printf(&val, "x=%lld; ", (long long)o->x);
	buf_printf(&val, "h=%s;\r\n\tbh=", o->headers);
	crypto_base64_encode(bh, bhlen, &val);
	buf_append_str(&val, ";\r\n\tb=");
	dkim_canon_select(o->hcanon, hdrs, nh, SIZE_MAX, names, nn, &hashed);
	dkim_canon_header(o->hcanon, (const unsigned char *)"DKIM-Signature",
	    14, val.data, val.len, false, &hashed);
	d = crypto_digest_new(o->hash);
	crypto_digest_update(d, hashed.data, hashed.len);
	hdlen = crypto_digest_final(d, hd);
	crypto_digest_free(&d);
	ok = crypto_sign(k, o->hash, hd, hdlen, &sig);
	if (ok) {
		buf_append_str(out, "DKIM-Signature:");
		buf_append(out, val.data, val.len);
		crypto_base64_encode(sig.data, sig.len, out);
		buf_append_str(out, "\r\n");
	}
	buf_deinit(&val);
	buf_deinit(&hashed);
	buf_deinit(&sig);
	return ok;
}

/* tk_sign - sign a message with the core's canonicalization */
bool
tk_sign(const unsigned char *msg, size_t len, const struct crypto_privkey *k,
    const struct tk_sign_opts *o, struct buf *out)
{
	struct dkim_header hdrs[256];
	struct dkim_body *body;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	size_t bstart, bhlen;
	uint64_t blen;

	(void)collect(msg, len, hdrs, 256, &bstart);
	body = dkim_body_new(o->bcanon, o->hash, false, 0);
	dkim_body_update(body, msg + bstart, len - bstart);
	bhlen = dkim_body_final(body, bh);
	blen = dkim_body_length(body);
	dkim_body_free(&body);
	if (!tk_sign_field(msg, bstart, bh, bhlen, blen, k, o, out))
		return false;
	buf_append(out, msg, len);
	return true;
}
