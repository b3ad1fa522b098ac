/* crypto_keygen.h - new DKIM private keys (for authcheck genkey) */
#ifndef AUTHMILTER_CRYPTO_KEYGEN_H
#define AUTHMILTER_CRYPTO_KEYGEN_H

#include <stdbool.h>

#include "crypto/crypto.h"
#include "util/buf.h"

/* Smallest RSA key we generate (RFC 8301 3.2 asks signers for 2048). */
#define CRYPTO_KEYGEN_MIN_RSA_BITS 2048
#define CRYPTO_KEYGEN_MAX_RSA_BITS 8192

/*
 * crypto_keygen_pem - generate a private key and append it to out as PEM:
 * RSA of bits bits (2048..8192) as a traditional "RSA PRIVATE KEY", or
 * Ed25519 (bits ignored) as PKCS#8 "PRIVATE KEY": the forms
 * crypto_privkey_from_pem loads. Returns false and sets *err_r (static
 * text) on failure. The caller should wipe out when done with it.
 */
bool crypto_keygen_pem(enum crypto_key_type type, unsigned bits,
    struct buf *out, const char **err_r);

#endif
