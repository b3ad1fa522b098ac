/*
 * dkim_key.c - DKIM key record parsing (RFC 6376 3.6.1, RFC 8463 4)
 *
 * Purpose: turn the TXT record found at selector._domainkey.domain into a
 * usable public key plus the flags that restrict it.
 *
 * Exported functions:
 *   dkim_key_parse   parse a record; revoked, syntax and key errors
 *   dkim_key_deinit  free the public key
 *
 * Callers guarantee p[0..len) is readable; no NUL is needed. The struct
 * owns the public key. Errors are a status plus a static reason.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dkim_key.h"
#include "core/tagvalue.h"
#include "util/str.h"

/* Largest decoded p= we accept: a 16384-bit RSA SPKI is about 2 KiB;
 * anything far larger is not a key anyone can use (CPU protection). */
#define DKIM_KEY_MAX_DER 4096

/* list_has - the colon-separated list (WSP allowed) has word, ignoring
 * ASCII case */
static bool
list_has(const struct tagvalue *t, const char *word)
{
	size_t start = 0;

	while (start <= t->value_len) {
		const unsigned char *c = memchr(t->value + start, ':',
		    t->value_len - start);
		size_t end = c ? (size_t)(c - t->value) : t->value_len;
		size_t s = start, e = end;

		while (s < e && t->value[s] <= ' ')
			s++;
		while (e > s && t->value[e - 1] <= ' ')
			e--;
		if (ascii_memcaseeq(t->value + s, e - s, word))
			return true;
		start = end + 1;
	}
	return false;
}

/* set_why - store a reason and return a status */
static enum dkim_key_status
set_why(const char **why_r, enum dkim_key_status st, const char *why)
{
	*why_r = why;
	return st;
}

/* parse_flags - k=, h=, s=, t= */
static enum dkim_key_status
parse_flags(const struct tagvalue_list *l, struct dkim_key *key,
    const char **why_r)
{
	const struct tagvalue *t;

	key->type = CRYPTO_KEY_RSA;
	if ((t = tagvalue_find(l, "k", 0)) != NULL) {
		if (ascii_memcaseeq(t->value, t->value_len, "rsa"))
			key->type = CRYPTO_KEY_RSA;
		else if (ascii_memcaseeq(t->value, t->value_len, "ed25519"))
			key->type = CRYPTO_KEY_ED25519;
		else
			return set_why(why_r, DKIM_KEY_E_TYPE,
			    "unknown key type");
	}
	key->allow_sha1 = key->allow_sha256 = true;
	if ((t = tagvalue_find(l, "h", 0)) != NULL) {
		key->allow_sha1 = list_has(t, "sha1");
		key->allow_sha256 = list_has(t, "sha256");
	}
	if ((t = tagvalue_find(l, "s", 0)) != NULL &&
	    !list_has(t, "*") && !list_has(t, "email"))
		return set_why(why_r, DKIM_KEY_E_SERVICE,
		    "key not for email");
	if ((t = tagvalue_find(l, "t", 0)) != NULL) {
		key->testing = list_has(t, "y");
		key->strict = list_has(t, "s");
	}
	return DKIM_KEY_OK;
}

/* parse_p - p=: empty means revoked, else base64 of the key. Only the
 * key object comes from crypto's cache; every flag of the record was
 * judged above for this message. */
static enum dkim_key_status
parse_p(const struct tagvalue *t, struct dkim_key *key, const char **why_r)
{
	if (t->value_len == 0)
		return set_why(why_r, DKIM_KEY_REVOKED, "key revoked");
	switch (crypto_pubkey_from_base64(key->type, t->value, t->value_len,
	    DKIM_KEY_MAX_DER, &key->pk)) {
	case CRYPTO_PUBKEY_OK:
		return DKIM_KEY_OK;
	case CRYPTO_PUBKEY_E_BASE64:
		return set_why(why_r, DKIM_KEY_E_KEY, "bad base64 in key p=");
	case CRYPTO_PUBKEY_E_SIZE:
		return set_why(why_r, DKIM_KEY_E_KEY, "key too large");
	default:
		return set_why(why_r, DKIM_KEY_E_KEY,
		    key->type == CRYPTO_KEY_RSA ? "key p= is not an RSA key" :
		    "key p= is not an Ed25519 key");
	}
}

/* dkim_key_parse - parse one key record */
enum dkim_key_status
dkim_key_parse(const unsigned char *p, size_t len, struct dkim_key *key,
    const char **why_r)
{
	struct tagvalue_list list, *l = &list;	/* see dkim_sig_parse */
	const struct tagvalue *t;
	enum dkim_key_status st;
	const char *why = "malformed key record";

	memset(key, 0, sizeof(*key));
	if (tagvalue_parse(p, len, 0, l, &why) != TAGVALUE_OK) {
		st = set_why(&why, DKIM_KEY_E_SYNTAX, "malformed key record");
		goto out;
	}
	/*
	 * v= is optional; when present it must be "DKIM1" (3.6.1). The RFC
	 * also says it MUST come first, but mandates discarding only records
	 * whose v= has another value; keys published as "k=rsa; v=DKIM1;
	 * p=..." exist and dkimpy and Mail::DKIM accept them, so do we.
	 */
	if ((t = tagvalue_find(l, "v", 0)) != NULL &&
	    !tagvalue_value_eq(t, "DKIM1")) {
		st = set_why(&why, DKIM_KEY_E_VERSION, "bad key version");
		goto out;
	}
	if ((st = parse_flags(l, key, &why)) != DKIM_KEY_OK)
		goto out;
	if ((t = tagvalue_find(l, "p", 0)) == NULL) {
		st = set_why(&why, DKIM_KEY_E_SYNTAX, "key record without p=");
		goto out;
	}
	st = parse_p(t, key, &why);
out:
	*why_r = why;
	return st;
}

/* dkim_key_deinit - free the public key */
void
dkim_key_deinit(struct dkim_key *key)
{
	crypto_pubkey_free(&key->pk);
}
