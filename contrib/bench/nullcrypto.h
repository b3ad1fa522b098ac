/*
 * nullcrypto.h - the crypto floor's work, done inside a null milter
 *
 * nullmilter -C ("nullC") is nullmilter -R plus the work the crypto floor
 * of run-bench.sh counts for the corpus (gencorpus.py's model): for each
 * DKIM-Signature header one public-key verification of its algorithm
 * (rsa-sha256 or ed25519-sha256) and one SHA-256 over ~600 bytes of
 * header text, and, when the message has a signature, one SHA-256 over
 * its body. Subtracting nullC's CPU from authmilter's leaves our work
 * beyond the crypto itself, measured rather than estimated from openssl
 * speed.
 *
 * The keys are made at start-up (nullcrypto_init); every verification
 * must succeed, so the work is really done. Thread-safe: one
 * struct nullcrypto_msg per connection, the totals under a lock.
 */
#ifndef NULLCRYPTO_H
#define NULLCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Header bytes hashed per signature, as gencorpus.py counts them. */
#define NULLCRYPTO_HEADER_BYTES 600

struct nullcrypto_msg {
	void *body;		/* EVP_MD_CTX *, made when the first signature is seen */
	unsigned rsa;		/* DKIM-Signature headers with a=rsa-sha256 */
	unsigned ed25519;	/* ... with a=ed25519-sha256 */
	size_t hashed;		/* bytes fed to SHA-256 for this message */
	size_t header_len;
	unsigned char header[NULLCRYPTO_HEADER_BYTES];
};

/* nullcrypto_init - keys and signatures to verify; false on failure */
bool nullcrypto_init(void);

/* nullcrypto_start - a new message on this connection */
void nullcrypto_start(struct nullcrypto_msg *m);

/* nullcrypto_header - one header field as the MTA passed it */
void nullcrypto_header(struct nullcrypto_msg *m, const char *name, const char *value);

/* nullcrypto_body - one body chunk */
void nullcrypto_body(struct nullcrypto_msg *m, const unsigned char *p, size_t len);

/* nullcrypto_eom - the hashes and verifications of the message; false if
 * one failed (counted in the totals) */
bool nullcrypto_eom(struct nullcrypto_msg *m);

/* nullcrypto_free - what the connection holds */
void nullcrypto_free(struct nullcrypto_msg *m);

/* nullcrypto_totals - one line: messages, verifications, bytes hashed,
 * failures */
void nullcrypto_totals(FILE *out);

#endif
