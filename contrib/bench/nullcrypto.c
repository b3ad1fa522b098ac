/*
 * nullcrypto.c - the crypto floor's work, done inside a null milter
 *
 * See nullcrypto.h. The verification contexts are prepared once and kept
 * for reuse (util/spares), as authmilter keeps its own (src/crypto/
 * crypto_verifyctx.c) and as openssl speed measures: what is left in
 * nullC beyond nullR is the public-key and hash work itself.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "nullcrypto.h"
#include "util/spares.h"

static EVP_MD *sha256;
static EVP_PKEY *rsa_key, *ed_key;
static unsigned char digest[32];	/* what the signatures below sign */
static unsigned char rsa_sig[256], ed_sig[64];
static size_t rsa_sig_len, ed_sig_len;
/* prepared contexts: RSA (EVP_PKEY_CTX), Ed25519 (EVP_MD_CTX) */
static struct spares rsa_ctxs = SPARES_INIT(SPARES_MAX);
static struct spares ed_ctxs = SPARES_INIT(SPARES_MAX);

static pthread_mutex_t totals_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long total_msgs, total_rsa, total_ed, total_failed;
static unsigned long long total_hashed;

/* rsa_ctx_new - PKCS#1 v1.5 verification with SHA-256, as DKIM's */
static EVP_PKEY_CTX *
rsa_ctx_new(void)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa_key, NULL);

	if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, sha256) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

/* verify_rsa - one RSA-2048 verification of the start-up signature */
static bool
verify_rsa(void)
{
	EVP_PKEY_CTX *c = spares_take(&rsa_ctxs);
	bool ok;

	if (c == NULL && (c = rsa_ctx_new()) == NULL)
		return false;
	ok = EVP_PKEY_verify(c, rsa_sig, rsa_sig_len, digest, sizeof(digest)) == 1;
	if (!spares_give(&rsa_ctxs, c))
		EVP_PKEY_CTX_free(c);
	return ok;
}

/* verify_ed25519 - one Ed25519 verification of the start-up signature;
 * a kept context is re-initialised for its key with a NULL key */
static bool
verify_ed25519(void)
{
	EVP_MD_CTX *c = spares_take(&ed_ctxs);
	bool ok;

	if (c == NULL) {
		if ((c = EVP_MD_CTX_new()) == NULL)
			return false;
		if (EVP_DigestVerifyInit(c, NULL, NULL, NULL, ed_key) != 1) {
			EVP_MD_CTX_free(c);
			return false;
		}
	} else if (EVP_DigestVerifyInit(c, NULL, NULL, NULL, NULL) != 1) {
		EVP_MD_CTX_free(c);
		return false;
	}
	ok = EVP_DigestVerify(c, ed_sig, ed_sig_len, digest, sizeof(digest)) == 1;
	if (!spares_give(&ed_ctxs, c))
		EVP_MD_CTX_free(c);
	return ok;
}

/* sign_startup - the two signatures of DIGEST that every message verifies */
static bool
sign_startup(void)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(rsa_key, NULL);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	bool ok;

	rsa_sig_len = sizeof(rsa_sig);
	ed_sig_len = sizeof(ed_sig);
	ok = pc != NULL && mc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, sha256) == 1 &&
	    EVP_PKEY_sign(pc, rsa_sig, &rsa_sig_len, digest, sizeof(digest)) == 1 &&
	    EVP_DigestSignInit(mc, NULL, NULL, NULL, ed_key) == 1 &&
	    EVP_DigestSign(mc, ed_sig, &ed_sig_len, digest, sizeof(digest)) == 1;
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	return ok;
}

bool
nullcrypto_init(void)
{
	static const char seed[] = "nullC: the crypto floor's work";

	/* No clean-up at exit: woken at once by a connection after TERM
	 * (run-bench.sh's stop), nullmilter leaves smfi_main while libmilter's
	 * idle workers still hold OpenSSL's per-thread error state, and the
	 * clean-up would drop the key that reaches it (LeakSanitizer then
	 * reports 904 bytes a worker). The process's exit frees it all. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1 ||
	    (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    EVP_Digest(seed, sizeof(seed) - 1, digest, NULL, sha256, NULL) != 1)
		return false;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return rsa_key != NULL && ed_key != NULL && sign_startup() &&
	    verify_rsa() && verify_ed25519();
}

void
nullcrypto_start(struct nullcrypto_msg *m)
{
	EVP_MD_CTX *body = m->body;

	memset(m, 0, sizeof(*m));
	m->body = body;
	if (body != NULL && EVP_DigestInit_ex(body, sha256, NULL) != 1) {
		EVP_MD_CTX_free(body);
		m->body = NULL;
	}
}

/* is_fws - a character of folding white space */
static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* signature_alg - the a= tag of a DKIM-Signature value: 'r' for
 * rsa-sha256, 'e' for ed25519-sha256, 0 for anything else */
static char
signature_alg(const char *v)
{
	while (*v != '\0') {
		const char *name, *val;
		size_t nlen, vlen;

		while (is_fws(*v) || *v == ';')
			v++;
		name = v;
		while (*v != '\0' && *v != '=' && *v != ';' && !is_fws(*v))
			v++;
		nlen = (size_t)(v - name);
		while (is_fws(*v))
			v++;
		if (*v != '=')
			continue;
		v++;
		while (is_fws(*v))
			v++;
		val = v;
		while (*v != '\0' && *v != ';')
			v++;
		vlen = (size_t)(v - val);
		while (vlen > 0 && is_fws(val[vlen - 1]))
			vlen--;
		if (nlen == 1 && name[0] == 'a') {
			if (vlen == 10 && strncmp(val, "rsa-sha256", 10) == 0)
				return 'r';
			if (vlen == 14 && strncmp(val, "ed25519-sha256", 14) == 0)
				return 'e';
			return 0;
		}
	}
	return 0;
}

/* keep_header - the first NULLCRYPTO_HEADER_BYTES of header text, hashed
 * once per signature at end of message */
static void
keep_header(struct nullcrypto_msg *m, const char *s, size_t n)
{
	size_t room = sizeof(m->header) - m->header_len;

	if (n > room)
		n = room;
	memcpy(m->header + m->header_len, s, n);
	m->header_len += n;
}

void
nullcrypto_header(struct nullcrypto_msg *m, const char *name, const char *value)
{
	keep_header(m, name, strlen(name));
	keep_header(m, ":", 1);
	keep_header(m, value, strlen(value));
	keep_header(m, "\r\n", 2);
	if (strcasecmp(name, "DKIM-Signature") != 0)
		return;
	switch (signature_alg(value)) {
	case 'r': m->rsa++; break;
	case 'e': m->ed25519++; break;
	default: return;
	}
	if (m->body == NULL) {
		m->body = EVP_MD_CTX_new();
		if (m->body != NULL && EVP_DigestInit_ex(m->body, sha256, NULL) != 1) {
			EVP_MD_CTX_free(m->body);
			m->body = NULL;
		}
	}
}

void
nullcrypto_body(struct nullcrypto_msg *m, const unsigned char *p, size_t len)
{
	/* only a signed message has its body hashed */
	if (m->body == NULL || m->rsa + m->ed25519 == 0)
		return;
	if (EVP_DigestUpdate(m->body, p, len) == 1)
		m->hashed += len;
}

bool
nullcrypto_eom(struct nullcrypto_msg *m)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned i, failed = 0;

	if (m->rsa + m->ed25519 > 0 && m->body != NULL &&
	    EVP_DigestFinal_ex(m->body, out, NULL) != 1)
		failed++;
	for (i = 0; i < m->rsa + m->ed25519; i++) {
		if (EVP_Digest(m->header, sizeof(m->header), out, NULL, sha256, NULL) == 1)
			m->hashed += sizeof(m->header);
		else
			failed++;
		if (!(i < m->rsa ? verify_rsa() : verify_ed25519()))
			failed++;
	}
	pthread_mutex_lock(&totals_mu);
	total_msgs++;
	total_rsa += m->rsa;
	total_ed += m->ed25519;
	total_hashed += m->hashed;
	total_failed += failed;
	pthread_mutex_unlock(&totals_mu);
	return failed == 0;
}

void
nullcrypto_free(struct nullcrypto_msg *m)
{
	EVP_MD_CTX_free(m->body);
	m->body = NULL;
}

void
nullcrypto_totals(FILE *out)
{
	pthread_mutex_lock(&totals_mu);
	fprintf(out, "nullC: %lu messages, %lu rsa-sha256 and %lu ed25519-sha256 "
	    "verifications, %llu bytes hashed, %lu failed\n", total_msgs, total_rsa,
	    total_ed, total_hashed, total_failed);
	pthread_mutex_unlock(&totals_mu);
}
