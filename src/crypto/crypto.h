/* crypto.h - digests, DKIM public/private keys, signatures, base64
 *
 * The only interface to OpenSSL. Everything the DKIM core needs from
 * cryptography goes through here: SHA-1/SHA-256 digests, public keys from
 * DKIM key records (RSA and Ed25519), verification, signing with private
 * keys loaded from PEM, and base64 as used in DKIM tags.
 */
#ifndef AUTHMILTER_CRYPTO_H
#define AUTHMILTER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Largest digest we produce (SHA-256). */
#define CRYPTO_DIGEST_MAX 32
/* Raw Ed25519 public key size (RFC 8032 5.1.5, RFC 8463 4). */
#define CRYPTO_ED25519_KEY_LEN 32

enum crypto_hash {
	CRYPTO_HASH_SHA1,
	CRYPTO_HASH_SHA256
};

enum crypto_key_type {
	CRYPTO_KEY_RSA,
	CRYPTO_KEY_ED25519
};

struct crypto_digest;
struct crypto_pubkey;
struct crypto_privkey;

/* crypto_abort_on_oom - watch OpenSSL's allocations: once one has
 * failed, a key that does not decode or a signature that does not verify
 * aborts (as xmalloc does) instead of passing for a bad key or
 * signature. Call before any use of OpenSSL in the process; false when
 * that was too late. */
bool crypto_abort_on_oom(void);

/* crypto_keep_at_exit - ask OpenSSL for no cleanup at exit: threads of a
 * multi-threaded program may still be ending then. Call before any other
 * use of OpenSSL in the process (libraries' included): the first
 * initialisation decides. */
void crypto_keep_at_exit(void);

/* crypto_hash_len - output size in bytes of a hash (20 or 32) */
size_t crypto_hash_len(enum crypto_hash hash);

/* crypto_digest_new - start a digest; never returns NULL (aborts on
 * allocation failure like xmalloc) */
struct crypto_digest *crypto_digest_new(enum crypto_hash hash);
/* crypto_digest_update - add n bytes */
void crypto_digest_update(struct crypto_digest *d, const void *p, size_t n);
/* crypto_digest_final - write the digest to out (CRYPTO_DIGEST_MAX bytes of
 * room) and return its length; the context must not be updated again */
size_t crypto_digest_final(struct crypto_digest *d,
    unsigned char out[CRYPTO_DIGEST_MAX]);
/* crypto_digest_free - free the context; NULLs *dp */
void crypto_digest_free(struct crypto_digest **dp);

/* crypto_pubkey_from_der - an RSA public key from DER: a
 * SubjectPublicKeyInfo (RFC 6376 3.6.1) or, as some publish it, a bare
 * PKCS#1 RSAPublicKey. Returns NULL when the bytes are neither or hold a
 * key that is not RSA. */
struct crypto_pubkey *crypto_pubkey_from_der(const unsigned char *p,
    size_t len);
/* crypto_pubkey_from_ed25519 - an Ed25519 public key from its raw 32 bytes
 * (RFC 8463 4.2); NULL when len is wrong or the point is invalid */
struct crypto_pubkey *crypto_pubkey_from_ed25519(const unsigned char *p,
    size_t len);

enum crypto_pubkey_status {
	CRYPTO_PUBKEY_OK = 0,
	CRYPTO_PUBKEY_E_BASE64,	/* the text is not base64 */
	CRYPTO_PUBKEY_E_SIZE,	/* it decodes to more than max_len bytes */
	CRYPTO_PUBKEY_E_KEY	/* the bytes are not a key of the type */
};

/* crypto_pubkey_from_base64 - a key of type from the base64 of its bytes
 * (white space ignored), as a DKIM key record's p= carries them: for RSA
 * what crypto_pubkey_from_der takes, for Ed25519 the 32 raw bytes. At most
 * max_len decoded bytes are accepted. Keys are remembered by type and
 * text, so a text seen before costs neither decoding nor building the key.
 * *k_r is set (owned by the caller) only on CRYPTO_PUBKEY_OK. */
enum crypto_pubkey_status crypto_pubkey_from_base64(enum crypto_key_type type,
    const unsigned char *p, size_t len, size_t max_len,
    struct crypto_pubkey **k_r);
enum crypto_key_type crypto_pubkey_type(const struct crypto_pubkey *k);
/* crypto_pubkey_bits - modulus size for RSA, 256 for Ed25519 */
unsigned crypto_pubkey_bits(const struct crypto_pubkey *k);
/* Largest RSA public exponent verified with, in bits. Verifying costs
 * about one modular multiplication per exponent bit: keys use 65537 (17
 * bits), but a record may publish an exponent as long as the modulus,
 * which made each signature cost some 180 times as much CPU (6 ms instead
 * of 0.03 ms for 3072 bits), 0.3 s a message with 50 signatures. OpenSSL
 * itself refuses more than 64 bits for moduli over 3072 bits; this
 * applies the same bound to every size. */
#define CRYPTO_RSA_MAX_EXPONENT_BITS 64
/* crypto_pubkey_exponent_too_large - an RSA key whose public exponent
 * is longer than that (false for Ed25519) */
bool crypto_pubkey_exponent_too_large(const struct crypto_pubkey *k);
void crypto_pubkey_free(struct crypto_pubkey **kp);

/* crypto_verify - check sig over a precomputed digest of hash type hash.
 * RSA: PKCS#1 v1.5 with the DigestInfo of hash (RFC 8017 8.2.2).
 * Ed25519: pure Ed25519 over the digest bytes themselves (RFC 8463 3).
 * Returns true only for a valid signature. */
bool crypto_verify(const struct crypto_pubkey *k, enum crypto_hash hash,
    const unsigned char *digest, size_t digest_len,
    const unsigned char *sig, size_t sig_len);

/* crypto_privkey_from_pem - an RSA or Ed25519 private key from PEM text
 * (PKCS#8 or traditional RSA); a second private key in the text is an
 * error. Returns NULL and sets *err_r (static text) on failure. The key material is cleared when freed. */
struct crypto_privkey *crypto_privkey_from_pem(const unsigned char *p,
    size_t len, const char **err_r);
/* crypto_privkey_from_text - PEM as above; otherwise base64 (whitespace
 * ignored) of a DER private key (PKCS#1 RSA or PKCS#8) or of a raw
 * Ed25519 key: the 32-byte seed, or seed and public key (64 bytes). The
 * forms OpenDKIM's KeyTable and dkimpy accept. NULL and *err_r on failure. */
struct crypto_privkey *crypto_privkey_from_text(const unsigned char *p,
    size_t len, const char **err_r);
enum crypto_key_type crypto_privkey_type(const struct crypto_privkey *k);
unsigned crypto_privkey_bits(const struct crypto_privkey *k);
/* crypto_privkey_public_der - append the public half as DER
 * SubjectPublicKeyInfo (RSA) or the raw 32 bytes (Ed25519), the form a
 * DKIM key record's p= carries */
void crypto_privkey_public_der(const struct crypto_privkey *k,
    struct buf *out);
/* crypto_privkey_matches - whether pub is the public half of k (same
 * type and key); false for a key of the other type */
bool crypto_privkey_matches(const struct crypto_privkey *k,
    const struct crypto_pubkey *pub);
/* crypto_sign - sign a precomputed digest (same schemes as crypto_verify)
 * and append the signature to out; false on failure */
bool crypto_sign(const struct crypto_privkey *k, enum crypto_hash hash,
    const unsigned char *digest, size_t digest_len, struct buf *out);
/* crypto_privkey_free - free and wipe; NULLs *kp */
void crypto_privkey_free(struct crypto_privkey **kp);

/* crypto_base64_decode - decode base64, ignoring SP, HTAB, CR and LF
 * anywhere (FWS, RFC 6376 3.5 b=). Padding must be correct and last.
 * Appends to out; returns false (out keeps what it had before) on a
 * character outside the alphabet or a bad length or padding. */
bool crypto_base64_decode(const unsigned char *p, size_t len,
    struct buf *out);
/* crypto_base64_encode - append the base64 form of p, no line breaks */
void crypto_base64_encode(const unsigned char *p, size_t len,
    struct buf *out);

#endif
