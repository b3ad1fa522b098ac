/*
 * crypto_privkey.c - DKIM and ARC signing keys and signing (OpenSSL 3)
 *
 * Exported functions (declared in crypto.h):
 *   crypto_privkey_from_pem      RSA or Ed25519 private key from PEM
 *   crypto_privkey_from_text     PEM, or base64 of DER or of an Ed25519 seed
 *   crypto_privkey_type/bits/public_der/free
 *   crypto_privkey_matches       is a DKIM p= key this private key's half
 *   crypto_sign                  counterpart of crypto_verify
 *
 * Private key material lives only inside OpenSSL's EVP_PKEY, which
 * clears it when freed (BN_clear_free for RSA, secure clear for
 * Ed25519); PEM text is parsed from the caller's buffer without copies,
 * and a decoded base64 key is wiped before its buffer is freed. Keys are
 * loaded at start and reload, never per message.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "util/xmalloc.h"

/* no_passphrase - PEM password callback that refuses, so an encrypted key
 * fails instead of prompting on a terminal */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* another_pem_key - does bio hold one more private key after the one
 * just read? Certificates and other blocks are skipped, as on the first
 * read; the failed read's "no start line" is cleared */
static bool
another_pem_key(BIO *bio)
{
	EVP_PKEY *next = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
	    NULL);

	ERR_clear_error();
	if (next == NULL)
		return false;
	EVP_PKEY_free(next);
	return true;
}

/* encrypted_pem - does the PEM text hold an encrypted private key:
 * PKCS#8's ENCRYPTED PRIVATE KEY block, or a traditional block with
 * a Proc-Type: 4,ENCRYPTED line */
static bool
encrypted_pem(const unsigned char *p, size_t len)
{
	static const char pkcs8[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
	static const char traditional[] = "Proc-Type: 4,ENCRYPTED";

	return memmem(p, len, pkcs8, sizeof(pkcs8) - 1) != NULL ||
	    memmem(p, len, traditional, sizeof(traditional) - 1) != NULL;
}

/* wrap_pkey - our handle for an RSA or Ed25519 EVP_PKEY (takes it) */
static struct crypto_privkey *
wrap_pkey(EVP_PKEY *pkey, const char **err_r)
{
	struct crypto_privkey *k;
	int id = EVP_PKEY_get_base_id(pkey);

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		*err_r = "private key is neither RSA nor Ed25519";
		return NULL;
	}
	k = xmalloc(sizeof(*k));
	k->pkey = pkey;
	k->type = id == EVP_PKEY_RSA ? CRYPTO_KEY_RSA : CRYPTO_KEY_ED25519;
	return k;
}

/* crypto_privkey_from_pem - RSA or Ed25519 private key from PEM */
struct crypto_privkey *
crypto_privkey_from_pem(const unsigned char *p, size_t len, const char **err_r)
{
	EVP_PKEY *pkey;
	BIO *bio;

	if (len == 0 || len > (size_t)1024 * 1024) {
		*err_r = "empty or oversized key file";
		return NULL;
	}
	bio = BIO_new_mem_buf(p, (int)len);
	if (bio == NULL)
		abort();
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (pkey != NULL && another_pem_key(bio)) {
		/* "cat new.pem >> key.pem" in a rotation: the first, old,
		 * key would go on signing, and nothing would say so */
		BIO_free(bio);
		EVP_PKEY_free(pkey);
		*err_r = "more than one private key in the file";
		return NULL;
	}
	BIO_free(bio);
	if (pkey == NULL) {
		*err_r = encrypted_pem(p, len) ?
		    "the key is encrypted, and a daemon cannot ask for its "
		    "passphrase: write it out without one (openssl pkey -in "
		    "FILE -out NEWFILE), readable by the daemon's user only" :
		    "not a PEM private key";
		return NULL;
	}
	return wrap_pkey(pkey, err_r);
}

/* ed25519_from_raw - a 32-byte seed, or seed || public (64 bytes, the
 * libsodium form) whose public half must match */
static EVP_PKEY *
ed25519_from_raw(const unsigned char *p, size_t len)
{
	unsigned char pub[CRYPTO_ED25519_KEY_LEN];
	size_t n = sizeof(pub);
	EVP_PKEY *pkey;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, p, 32);
	if (pkey == NULL || len == 32)
		return pkey;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1 ||
	    n != sizeof(pub) || memcmp(pub, p + 32, 32) != 0) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/* crypto_privkey_from_text - PEM; else base64 of a DER private key
 * (PKCS#1 RSAPrivateKey or PKCS#8), or of a raw Ed25519 seed (32 bytes,
 * as dkimpy and several OpenDKIM set-ups keep it) or seed || public */
struct crypto_privkey *
crypto_privkey_from_text(const unsigned char *p, size_t len,
    const char **err_r)
{
	struct buf raw = BUF_INIT;
	EVP_PKEY *pkey = NULL;

	if (len >= 10 && memmem(p, len, "-----BEGIN", 10) != NULL)
		return crypto_privkey_from_pem(p, len, err_r);
	if (len == 0 || len > (size_t)1024 * 1024) {
		*err_r = "empty or oversized key";
		return NULL;
	}
	if (!crypto_base64_decode(p, len, &raw)) {
		*err_r = "neither PEM nor base64";
		buf_deinit(&raw);
		return NULL;
	}
	if (raw.len == 32 || raw.len == 64)
		pkey = ed25519_from_raw(raw.data, raw.len);
	else if (raw.len > 0 && raw.len < (size_t)LONG_MAX) {
		const unsigned char *q = raw.data;

		pkey = d2i_AutoPrivateKey(NULL, &q, (long)raw.len);
	}
	OPENSSL_cleanse(raw.data, raw.len);
	buf_deinit(&raw);
	if (pkey == NULL) {
		*err_r = "base64 key is not a DER private key or an Ed25519 seed";
		return NULL;
	}
	return wrap_pkey(pkey, err_r);
}

/* crypto_privkey_type - RSA or Ed25519 */
enum crypto_key_type
crypto_privkey_type(const struct crypto_privkey *k)
{
	return k->type;
}

/* crypto_privkey_bits - key size in bits */
unsigned
crypto_privkey_bits(const struct crypto_privkey *k)
{
	return crypto_pkey_bits(k->pkey);
}

/* crypto_privkey_public_der - append the public half in key-record form */
void
crypto_privkey_public_der(const struct crypto_privkey *k, struct buf *out)
{
	if (k->type == CRYPTO_KEY_RSA) {
		int n = i2d_PUBKEY(k->pkey, NULL);
		unsigned char *q;

		if (n <= 0)
			abort();
		buf_reserve(out, (size_t)n);
		q = out->data + out->len;
		if (i2d_PUBKEY(k->pkey, &q) != n)
			abort();
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	} else {
		size_t n = CRYPTO_ED25519_KEY_LEN;

		buf_reserve(out, n);
		if (EVP_PKEY_get_raw_public_key(k->pkey, out->data + out->len,
		    &n) != 1 || n != CRYPTO_ED25519_KEY_LEN)
			abort();
		out->len += n;
		out->data[out->len] = '\0';
	}
}

/* crypto_privkey_matches - pub is k's public half: EVP_PKEY_eq compares
 * the type and the public components (1 equal, 0 not, <0 not comparable) */
bool
crypto_privkey_matches(const struct crypto_privkey *k,
    const struct crypto_pubkey *pub)
{
	return k->type == pub->type && EVP_PKEY_eq(k->pkey, pub->pkey) == 1;
}

/* crypto_sign - sign a digest and append the signature */
bool
crypto_sign(const struct crypto_privkey *k, enum crypto_hash hash,
    const unsigned char *digest, size_t digest_len, struct buf *out)
{
	size_t n = 0;
	bool ok = false;

	if (digest_len != crypto_hash_len(hash))
		return false;
	if (k->type == CRYPTO_KEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);

		if (ctx == NULL)
			return false;
		if (EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, crypto_hash_md(hash)) == 1 &&
		    EVP_PKEY_sign(ctx, NULL, &n, digest, digest_len) == 1) {
			buf_reserve(out, n);
			if (EVP_PKEY_sign(ctx, out->data + out->len, &n, digest,
			    digest_len) == 1)
				ok = true;
		}
		EVP_PKEY_CTX_free(ctx);
	} else {
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();

		if (mctx == NULL)
			return false;
		if (EVP_DigestSignInit(mctx, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestSign(mctx, NULL, &n, digest, digest_len) == 1) {
			buf_reserve(out, n);
			if (EVP_DigestSign(mctx, out->data + out->len, &n,
			    digest, digest_len) == 1)
				ok = true;
		}
		EVP_MD_CTX_free(mctx);
	}
	if (ok) {
		out->len += n;
		out->data[out->len] = '\0';
	}
	return ok;
}

/* crypto_privkey_free - free and wipe a private key */
void
crypto_privkey_free(struct crypto_privkey **kp)
{
	if (*kp == NULL)
		return;
	EVP_PKEY_free((*kp)->pkey);	/* clears the key material */
	OPENSSL_cleanse(*kp, sizeof(**kp));
	xfree(kp);
}
