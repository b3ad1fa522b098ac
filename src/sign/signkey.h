/* signkey.h - load a private signing key from a file, refusing files
 * other users could read */
#ifndef AUTHMILTER_SIGNKEY_H
#define AUTHMILTER_SIGNKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"

/* Smallest RSA key we sign with (RFC 8301 3.2: signers MUST use 1024). */
#define SIGNKEY_MIN_RSA_BITS 1024

/* Largest RSA key we sign with: authcheck genkey's upper bound and the
 * default DKIMMaxKeyBits, so our own verifier and other receivers (RFC
 * 8301 3.2 only asks them to handle up to 4096) can check the result. */
#define SIGNKEY_MAX_RSA_BITS 8192

/* Largest key file read (a 16384-bit RSA PEM is about 12 KiB). */
#define SIGNKEY_MAX_FILE (64 * 1024)

/*
 * signkey_load_file - read path (PEM, or base64 of DER or of a raw
 * Ed25519 seed: crypto_privkey_from_text). Refuses a file that is not a
 * regular file or whose mode lets group or others read or write it, and
 * a key signkey_check refuses.
 * Returns NULL and writes the reason to why (why_size bytes) on failure.
 */
struct crypto_privkey *signkey_load_file(const char *path, char *why,
    size_t why_size);

/*
 * signkey_check - whether k may sign: false for an RSA key under
 * SIGNKEY_MIN_RSA_BITS or over SIGNKEY_MAX_RSA_BITS, with the reason written to why (why_size bytes).
 */
bool signkey_check(const struct crypto_privkey *k, char *why,
    size_t why_size);

#endif
