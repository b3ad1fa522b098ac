/*
 * crypto_int.h - what crypto.c and crypto_privkey.c share, internal to
 * src/crypto: the key handles behind crypto.h's opaque types, a key's
 * size and the OpenSSL digest of a hash
 */
#ifndef AUTHMILTER_CRYPTO_INT_H
#define AUTHMILTER_CRYPTO_INT_H

#include <stdbool.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

struct crypto_pubkey {
	EVP_PKEY *pkey;
	enum crypto_key_type type;
	bool huge_exponent;	/* RSA e over CRYPTO_RSA_MAX_EXPONENT_BITS */
};

struct crypto_privkey {
	EVP_PKEY *pkey;
	enum crypto_key_type type;
};

/* crypto_pkey_bits - an OpenSSL key's size in bits, 0 when unknown */
unsigned crypto_pkey_bits(const EVP_PKEY *pkey);
/* crypto_hash_md - OpenSSL's (legacy, looked-up-per-use) digest object */
const EVP_MD *crypto_hash_md(enum crypto_hash hash);

#endif
