/*
 * signkey.c - private keys for signing, read once at start-up or reload.
 *
 *   signkey_load_file   stat, permission check, read, parse, wipe
 *   signkey_check       refuse an RSA key too small or too large to sign with
 *
 * A key readable by group or others is refused rather than used: anyone
 * who can read it can sign mail as the domain. The file is opened first
 * and checked with fstat, so the checked file is the one read. The read
 * buffer is wiped before it is freed; the key itself lives in crypto/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign/signkey.h"
#include "util/xmalloc.h"

/* read_all - up to max bytes of fd into a fresh buffer; -1 on error */
static ssize_t
read_all(int fd, unsigned char *p, size_t max)
{
	size_t got = 0;

	while (got < max) {
		ssize_t n = read(fd, p + got, max - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* signkey_check - false, with the reason in why, for an RSA key under
 * SIGNKEY_MIN_RSA_BITS (RFC 8301 3.2 has verifiers fail its signatures)
 * or over SIGNKEY_MAX_RSA_BITS (our own verifier, at the default
 * DKIMMaxKeyBits, and many others refuse the key): every message signed
 * with it would fail DKIM, and DMARC with it */
bool
signkey_check(const struct crypto_privkey *k, char *why, size_t why_size)
{
	unsigned bits = crypto_privkey_bits(k);

	if (crypto_privkey_type(k) != CRYPTO_KEY_RSA)
		return true;
	if (bits < SIGNKEY_MIN_RSA_BITS) {
		(void)snprintf(why, why_size, "RSA key of %u bits: RFC 8301 3.2 "
		    "wants at least %d (2048 advised)", bits,
		    SIGNKEY_MIN_RSA_BITS);
		return false;
	}
	if (bits > SIGNKEY_MAX_RSA_BITS) {
		(void)snprintf(why, why_size, "RSA key of %u bits: over %d, "
		    "verifiers may refuse it (RFC 8301 3.2 asks them for up "
		    "to 4096; 2048 advised)", bits, SIGNKEY_MAX_RSA_BITS);
		return false;
	}
	return true;
}

struct crypto_privkey *
signkey_load_file(const char *path, char *why, size_t why_size)
{
	struct crypto_privkey *k = NULL;
	unsigned char *p;
	const char *err = NULL;
	char small[128];
	struct stat st;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading waits for a writer, so
	 * start-up or a reload hung before the regular-file check below;
	 * reads of a regular file ignore it */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		(void)snprintf(why, why_size, "cannot open key file %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)snprintf(why, why_size, "key file %s is not a regular file",
		    path);
		(void)close(fd);
		return NULL;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		(void)snprintf(why, why_size, "key file %s has mode %04o: group "
		    "or others may read it; chmod 600 it (owner: the daemon's user)",
		    path, (unsigned)(st.st_mode & 07777));
		(void)close(fd);
		return NULL;
	}
	if (st.st_size > SIGNKEY_MAX_FILE) {
		(void)snprintf(why, why_size, "key file %s is larger than %d bytes",
		    path, SIGNKEY_MAX_FILE);
		(void)close(fd);
		return NULL;
	}
	p = xmalloc(SIGNKEY_MAX_FILE + 1);
	n = read_all(fd, p, SIGNKEY_MAX_FILE);
	(void)close(fd);
	if (n < 0)
		(void)snprintf(why, why_size, "cannot read key file %s: %s", path,
		    strerror(errno));
	else if ((k = crypto_privkey_from_text(p, (size_t)n, &err)) == NULL)
		(void)snprintf(why, why_size, "key file %s: %s", path, err);
	else if (!signkey_check(k, small, sizeof(small))) {
		(void)snprintf(why, why_size, "key file %s: %s", path, small);
		crypto_privkey_free(&k);
	}
	explicit_bzero(p, SIGNKEY_MAX_FILE + 1);
	free(p);
	return k;
}
