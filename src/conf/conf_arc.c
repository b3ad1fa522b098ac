/*
 * conf_arc.c - ARC sealing settings (ARCSeal, ARCSealAlgorithm,
 * ARCSealDomain, ARCSealSelector, ARCSealKeyFile, or ARCSealKeyName).
 *
 * Exported functions:
 *   conf_arc_load     check the settings, load the key (once per load)
 *   conf_arc_warning  what authmilter -t should warn about
 *   conf_arc_free     wipe the key
 *
 * The key is read like a signing KeyFile (signkey_load_file: PEM, or
 * base64 of DER or of an Ed25519 seed; refused when group or others can
 * read it), at start-up and on reload, never per message; or it is an
 * entry of the signing KeyTable (ARCSealKeyName: its domain, selector and
 * key, already loaded with the table, which owns it). One algorithm
 * per seal (RFC 8617 allows one set per instance): rsa-sha256 unless
 * ed25519-sha256 is asked for, and the key must be of that type.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_arc.h"
#include "core/dkim_sig.h"
#include "crypto/crypto.h"
#include "sign/keytable.h"
#include "sign/sign_setup.h"
#include "sign/signkey.h"
#include "util/xmalloc.h"

/* key_path - the key file, relative names next to the config file */
static char *
key_path(const struct conf *c)
{
	const char *slash = strrchr(c->file, '/');
	struct buf b = BUF_INIT;

	if (c->arc_seal_key_file[0] == '/' || slash == NULL)
		return xstrdup(c->arc_seal_key_file);
	buf_append(&b, c->file, (size_t)(slash - c->file) + 1);
	buf_append_str(&b, c->arc_seal_key_file);
	return buf_steal(&b);
}

/* from_key_table - ARCSealKeyName: the KeyTable entry's d=, s=, key */
static bool
from_key_table(struct conf *c, const struct conf_arc_where *at,
    struct buf *err)
{
	const struct keytable_entry *e = sign_setup_key_entry(c->sign,
	    c->arc_seal_key_name);

	if (e == NULL) {
		buf_printf(err, "%s: ARCSealKeyName %s: no such KeyTable "
		    "entry%s\n", at->key_name, c->arc_seal_key_name,
		    c->key_table == NULL ? " (no KeyTable is set)" : "");
		return false;
	}
	if (strcmp(e->domain, "%") == 0) {
		buf_printf(err, "%s: ARCSealKeyName %s: a seal needs a fixed "
		    "domain, not %%\n", at->key_name, c->arc_seal_key_name);
		return false;
	}
	c->arc_seal_d = e->domain;
	c->arc_seal_s = e->selector;
	c->arc_seal_key = e->key;
	return true;
}

/* from_key_file - ARCSealDomain, ARCSealSelector, ARCSealKeyFile */
static bool
from_key_file(struct conf *c, const struct conf_arc_where *at,
    struct buf *err)
{
	char why[256], *path, *dom;
	const char *reason;

	if (c->arc_seal_domain == NULL || c->arc_seal_selector == NULL ||
	    c->arc_seal_key_file == NULL) {
		buf_printf(err, "%s: ARCSeal needs ARCSealDomain, "
		    "ARCSealSelector and ARCSealKeyFile (or ARCSealKeyName)\n",
		    at->seal);
		return false;
	}
	/* U-labels as A-labels, as Domain and the KeyTable take them: the
	 * form verifiers look d= up in (RFC 8616 3) */
	if ((dom = keytable_domain_dup(c->arc_seal_domain, &reason)) == NULL) {
		buf_printf(err, "%s: ARCSealDomain: not a valid DNS name%s%s%s\n",
		    at->domain, *reason != '\0' ? " (" : "", reason,
		    *reason != '\0' ? ")" : "");
		return false;
	}
	free(c->arc_seal_domain);
	c->arc_seal_domain = dom;
	if (!dkim_domain_ok(c->arc_seal_selector)) {
		buf_printf(err, "%s: ARCSealSelector: not a valid DNS name\n",
		    at->selector);
		return false;
	}
	path = key_path(c);
	c->arc_seal_key_owned = signkey_load_file(path, why, sizeof(why));
	if (c->arc_seal_key_owned == NULL) {
		buf_printf(err, "%s: ARCSealKeyFile %s: %s\n", at->key_file, path,
		    why);
		free(path);
		return false;
	}
	free(path);
	c->arc_seal_d = c->arc_seal_domain;
	c->arc_seal_s = c->arc_seal_selector;
	c->arc_seal_key = c->arc_seal_key_owned;
	return true;
}

bool
conf_arc_load(struct conf *c, const struct conf_arc_where *at,
    struct buf *err)
{
	enum crypto_key_type want;
	bool ok;

	if (c->arc_seal == CONF_ARC_SEAL_NO)
		return true;
	ok = c->arc_seal_key_name != NULL ? from_key_table(c, at, err) :
	    from_key_file(c, at, err);
	if (!ok)
		return false;
	want = c->arc_seal_algorithm == 1 ? CRYPTO_KEY_ED25519 :
	    CRYPTO_KEY_RSA;
	if (crypto_privkey_type(c->arc_seal_key) != want) {
		buf_printf(err, "%s: the ARC sealing key is not an %s key "
		    "(ARCSealAlgorithm %s)\n", c->arc_seal_key_name != NULL ?
		    at->key_name : at->key_file,
		    want == CRYPTO_KEY_RSA ? "RSA" : "Ed25519",
		    want == CRYPTO_KEY_RSA ? "rsa-sha256" : "ed25519-sha256");
		conf_arc_free(c);
		return false;
	}
	return true;
}

const char *
conf_arc_warning(const struct conf *c)
{
	if (c->arc_seal != CONF_ARC_SEAL_NO && c->arc_seal_algorithm == 1)
		return "ARCSealAlgorithm ed25519-sha256: verifiers without "
		    "RFC 8463 support will see a broken ARC chain";
	return NULL;
}

void
conf_arc_free(struct conf *c)
{
	crypto_privkey_free(&c->arc_seal_key_owned);
	c->arc_seal_key = NULL;
}
