/*
 * crypto_keycache.h - decoded public keys, remembered by type and bytes
 *
 * Internal to src/crypto. OpenSSL 3 decodes a SubjectPublicKeyInfo through
 * its generic decoder framework, which costs about a million instructions
 * per key: more than the RSA verification itself. DKIM keys repeat from
 * message to message (one selector signs a domain's mail), so a decoded
 * key is kept and shared: the same DER bytes always give the same key.
 * Ed25519 keys are cheaper to build (about 10,000 instructions) but
 * repeat as much, so they are kept too. The key type is part of the
 * name: the same bytes as an RSA and as an Ed25519 key are two entries.
 * Thread-safe; a fixed number of entries, the least recently used in a
 * set replaced.
 */
#ifndef AUTHMILTER_CRYPTO_KEYCACHE_H
#define AUTHMILTER_CRYPTO_KEYCACHE_H

#include <stddef.h>

#include <openssl/evp.h>

/* Added to an EVP_PKEY id, the entry is named by the base64 text of the
 * key's bytes rather than by the bytes (crypto_pubkey_from_base64). */
#define KEYCACHE_BASE64 0x40000000

/* crypto_keycache_get - the key of type (EVP_PKEY_RSA, EVP_PKEY_ED25519)
 * decoded from exactly these bytes, with a reference for the caller
 * (EVP_PKEY_free), or NULL when not cached */
EVP_PKEY *crypto_keycache_get(int type, const unsigned char *der,
    size_t len);
/* crypto_keycache_put - remember a key of type decoded from these bytes;
 * the cache takes its own reference */
void crypto_keycache_put(int type, const unsigned char *der, size_t len,
    EVP_PKEY *pkey);

#endif
