/*
 * keyrecord.c - the DKIM key record for a private key, in the forms an
 * operator publishes: the record text and a zone-file line.
 *
 * The record is checked with dkim_key_parse, the verifier's parser, so
 * what authcheck prints is what authmilter would accept from DNS.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authcheck/keyrecord.h"
#include "core/dkim_key.h"
#include "crypto/crypto.h"

/* RFC 1035 3.3: one character-string holds at most 255 bytes */
#define TXT_STRING_MAX 255

bool
keyrecord_text(const struct crypto_privkey *k, const char *cmd,
    struct buf *rec)
{
	struct buf der = BUF_INIT;
	struct dkim_key key;
	const char *err = "";
	size_t start = rec->len;
	bool ok;

	crypto_privkey_public_der(k, &der);
	buf_printf(rec, "v=DKIM1; k=%s; p=",
	    crypto_privkey_type(k) == CRYPTO_KEY_RSA ? "rsa" : "ed25519");
	crypto_base64_encode(der.data, der.len, rec);
	buf_deinit(&der);
	memset(&key, 0, sizeof(key));
	ok = dkim_key_parse(rec->data + start, rec->len - start, &key,
	    &err) == DKIM_KEY_OK;
	dkim_key_deinit(&key);
	if (!ok)
		fprintf(stderr, "authcheck %s: record does not parse: %s\n",
		    cmd, err);
	return ok;
}

/* zone_strings - record as "..." "..." strings of <= 255 bytes each */
static void
zone_strings(const char *record, struct buf *out)
{
	size_t len = strlen(record), off = 0;

	while (off < len) {
		size_t n = len - off < TXT_STRING_MAX ? len - off :
		    TXT_STRING_MAX;

		buf_printf(out, "%s\"%.*s\"", off > 0 ? " " : "", (int)n,
		    record + off);
		off += n;
	}
}

struct rnode *
keyrecord_dns(struct rnode *parent, const char *selector, const char *domain,
    const char *record)
{
	struct buf zone = BUF_INIT;
	struct rnode *d = rn_obj(parent, "dns");

	zone_strings(record, &zone);
	rn_str(d, "name", "%s._domainkey.%s", selector, domain);
	rn_str(d, "record", "%s", record);
	rn_str(d, "zone_line", "%s._domainkey.%s. IN TXT ( %s )", selector,
	    domain, buf_cstr(&zone));
	buf_deinit(&zone);
	return d;
}
