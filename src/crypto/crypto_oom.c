/*
 * crypto_oom.c - OpenSSL's allocations, watched, so that memory running
 * out inside OpenSSL never passes for a bad key or signature.
 *
 * Exported functions:
 *   crypto_abort_on_oom   start the watch (crypto.h; the daemon, first
 *                         thing in main)
 *   crypto_oom_check      after a failure of OpenSSL's: abort when one of
 *                         its allocations ever failed (crypto_oom.h)
 */
#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "crypto/crypto.h"
#include "crypto/crypto_oom.h"

/*
 * OpenSSL's allocations, watched. OpenSSL reports a failed allocation as
 * the failure of whatever it was doing: a DKIM key that does not decode
 * ("key p= is not an RSA key", dkim=permerror), a key size or exponent
 * it cannot read, a signature that does not verify; so one failed malloc
 * turned a signed message into a DMARC reject (found by failing the Nth
 * allocation of a message, N swept). A failure inside its one-time
 * set-up (config and digests, on the first message) even left every
 * later key failing to decode. Most of its allocation failures it
 * survives with the right result (caches, lookups it retries), so
 * aborting on each would restart the daemon for nothing. Instead a
 * failed allocation is remembered for the life of the process, and from
 * then on any of those failures aborts as xmalloc does: the MTA gets its
 * milter default (tempfail) and the restart brings a fresh OpenSSL,
 * never a wrong verdict. (Doing the set-up at start instead cost 2 MB of
 * resident memory.) OpenSSL asks for 0 bytes at times and expects NULL.
 */
static atomic_bool ossl_alloc_failed;

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	void *p = n == 0 ? NULL : malloc(n);

	(void)file;
	(void)line;
	if (p == NULL && n != 0)
		atomic_store(&ossl_alloc_failed, true);
	return p;
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;

	(void)file;
	(void)line;
	if (n == 0) {
		free(p);
		return NULL;
	}
	if ((q = realloc(p, n)) == NULL)
		atomic_store(&ossl_alloc_failed, true);
	return q;
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* crypto_abort_on_oom - watch OpenSSL's allocations from now on; false
 * when OpenSSL had allocated already (too late to change) */
bool
crypto_abort_on_oom(void)
{
	return CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc,
	    ossl_free) == 1;
}

/* crypto_oom_check - see crypto_oom.h */
void
crypto_oom_check(void)
{
	if (!atomic_load(&ossl_alloc_failed))
		return;
	(void)fprintf(stderr, "authmilter: out of memory inside OpenSSL\n");
	abort();
}
