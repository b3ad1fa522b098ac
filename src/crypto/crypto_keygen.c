/*
 * crypto_keygen.c - generate DKIM private keys with OpenSSL
 *
 * Exported: crypto_keygen_pem (see crypto_keygen.h).
 *
 * Kept apart from crypto.c so key generation, which only the command-line
 * tool needs, does not grow the verifier's module. The key lives in an
 * EVP_PKEY (cleared by OpenSSL when freed) and leaves as PEM text in the
 * caller's buffer; callers load it back with crypto_privkey_from_pem to
 * get the public half, which also proves the daemon can read the file.
 */
#include "config.h"

#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/crypto_keygen.h"

/* generate - a fresh EVP_PKEY of the asked type, NULL on failure */
static EVP_PKEY *
generate(enum crypto_key_type type, unsigned bits)
{
	if (type == CRYPTO_KEY_ED25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

/* crypto_keygen_pem - new private key as PEM */
bool
crypto_keygen_pem(enum crypto_key_type type, unsigned bits, struct buf *out,
    const char **err_r)
{
	EVP_PKEY *pkey;
	BIO *bio;
	char *p = NULL;
	long n;
	int ok;

	if (type == CRYPTO_KEY_RSA && (bits < CRYPTO_KEYGEN_MIN_RSA_BITS ||
	    bits > CRYPTO_KEYGEN_MAX_RSA_BITS)) {
		*err_r = "RSA key size must be 2048 to 8192 bits";
		return false;
	}
	if ((pkey = generate(type, bits)) == NULL) {
		*err_r = "key generation failed";
		return false;
	}
	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		abort();	/* out of memory, as xmalloc */
	/* RSA in the traditional PKCS#1 form, Ed25519 only exists as PKCS#8 */
	if (type == CRYPTO_KEY_RSA)
		ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL,
		    0, NULL, NULL);
	else
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
		    NULL);
	EVP_PKEY_free(pkey);
	if (ok != 1 || (n = BIO_get_mem_data(bio, &p)) <= 0) {
		BIO_free(bio);
		*err_r = "cannot write the key as PEM";
		return false;
	}
	buf_append(out, p, (size_t)n);
	BIO_free(bio);
	return true;
}
