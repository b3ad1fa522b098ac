/*
 * crypto_keycache.h - decoded RSA public keys, remembered by their DER
 *
 * Internal to src/crypto. OpenSSL 3 decodes a SubjectPublicKeyInfo through
 * its generic decoder framework, which costs about a million instructions
 * per key: more than the RSA verification itself. DKIM keys repeat from
 * message to message (one selector signs a domain's mail), so a decoded
 * key is kept and shared: the same DER bytes always give the same key.
 * Thread-safe; a fixed number of entries, the least recently used in a
 * set replaced.
 */
#ifndef AUTHMILTER_CRYPTO_KEYCACHE_H
#define AUTHMILTER_CRYPTO_KEYCACHE_H

#include <stddef.h>

#include <openssl/evp.h>

/* crypto_keycache_get - the key decoded from exactly these DER bytes, with
 * a reference for the caller (EVP_PKEY_free), or NULL when not cached */
EVP_PKEY *crypto_keycache_get(const unsigned char *der, size_t len);
/* crypto_keycache_put - remember a key decoded from these DER bytes; the
 * cache takes its own reference */
void crypto_keycache_put(const unsigned char *der, size_t len, EVP_PKEY *pkey);

#endif
