/* dkim_key.h - DKIM key records (RFC 6376 3.6.1, RFC 8463 4) */
#ifndef AUTHMILTER_DKIM_KEY_H
#define AUTHMILTER_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"

struct dkim_key {
	enum crypto_key_type type;	/* k=, default rsa */
	bool allow_sha1;		/* h= (both true when h= is absent) */
	bool allow_sha256;
	bool testing;			/* t=y */
	bool strict;			/* t=s: i= domain must equal d= */
	struct crypto_pubkey *pk;	/* NULL when revoked or on error */
};

enum dkim_key_status {
	DKIM_KEY_OK = 0,
	DKIM_KEY_REVOKED,	/* empty p= (3.6.1) */
	DKIM_KEY_E_SYNTAX,	/* bad tag list, missing p= */
	DKIM_KEY_E_VERSION,	/* v= not DKIM1 */
	DKIM_KEY_E_TYPE,	/* unknown k= */
	DKIM_KEY_E_SERVICE,	/* s= excludes email */
	DKIM_KEY_E_KEY		/* p= not base64 or not a key of type k= */
};

/* dkim_key_parse - parse one TXT record (strings already joined). Unknown
 * tags and unknown h=/s=/t= list entries are ignored. On DKIM_KEY_OK,
 * key->pk is set and owned by key (free with dkim_key_deinit). *why_r
 * gets a static reason otherwise. */
enum dkim_key_status dkim_key_parse(const unsigned char *p, size_t len,
    struct dkim_key *key, const char **why_r);

/* dkim_key_deinit - free the public key; the struct may be reused */
void dkim_key_deinit(struct dkim_key *key);

#endif
