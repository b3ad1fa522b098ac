/*
 * fuzz_dkim_key.c - DKIM key records from DNS TXT (RFC 6376 3.6.1,
 * RFC 8463): tags, k=/h=/s=/t= lists and p= base64 handed to OpenSSL.
 * Invariant: OK comes with a public key, REVOKED and errors without.
 */
#include "config.h"

#include "core/dkim_key.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_key key;
	const char *why = NULL;
	enum dkim_key_status st;

	memset(&key, 0, sizeof(key));
	st = dkim_key_parse(data, size, &key, &why);
	if ((st == DKIM_KEY_OK) != (key.pk != NULL))
		abort();
	dkim_key_deinit(&key);
	return 0;
}
