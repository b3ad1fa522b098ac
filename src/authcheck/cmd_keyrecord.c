/*
 * cmd_keyrecord.c - authcheck keyrecord: the DNS record for a DKIM
 * private key that already exists (a key carried over from OpenDKIM,
 * or one whose genkey output was lost)
 *
 * The key is read with the daemon's own loader (signkey_load_file): the
 * same formats, and the same refusals (a key group or others may read,
 * RSA outside 1024-8192 bits), so a key this prints a record for is
 * one the daemon will sign with. Nothing is looked up in DNS: authcheck
 * domain --selector S --key FILE compares with what is published.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "authcheck/authcheck.h"
#include "authcheck/keyrecord.h"
#include "core/dkim_sig.h"
#include "crypto/crypto.h"
#include "sign/signkey.h"
#include "util/buf.h"

struct keyrecord_args {
	const char *key, *domain, *selector;
	struct idna_name dn;	/* domain's A-label form */
};

/* parse_args - the keyrecord options; returns an exit code or -1 to go
 * on */
static int
parse_args(int argc, char **argv, struct keyrecord_args *a,
    struct ac_common *co)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		AC_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:d:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 'd': a->domain = optarg; break;
		case 's': a->selector = optarg; break;
		default:
			if (!ac_common_option(co, c, optarg))
				return ac_usage_error("keyrecord",
				    "bad option");
		}
	}
	if (optind != argc)
		return ac_usage_error("keyrecord", "unexpected argument %s",
		    argv[optind]);
	if (a->key == NULL || a->domain == NULL || a->selector == NULL)
		return ac_usage_error("keyrecord",
		    "--key, --domain and --selector are required");
	if (!ac_domain_arg(a->domain, &a->dn) || !dkim_domain_ok(a->selector))
		return ac_usage_error("keyrecord",
		    "bad domain or selector name");
	a->domain = a->dn.ascii;
	return -1;
}

int
cmd_keyrecord(int argc, char **argv)
{
	struct keyrecord_args a;
	struct ac_common co;
	struct crypto_privkey *k;
	struct buf rec = BUF_INIT;
	struct report r;
	struct rnode *n;
	char why[256];
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&co, 0, sizeof(co));
	if ((rc = parse_args(argc, argv, &a, &co)) >= 0)
		return rc;
	k = signkey_load_file(a.key, why, sizeof(why));
	if (k == NULL) {
		fprintf(stderr, "authcheck keyrecord: %s: %s\n", a.key, why);
		return AC_EXIT_USAGE;
	}
	rc = AC_EXIT_USAGE;
	if (!keyrecord_text(k, "keyrecord", &rec))
		goto out;
	report_init(&r);
	n = rn_obj(r.root, "key");
	rn_str(n, "file", "%s", a.key);
	rn_str(n, "type", "%s", crypto_privkey_type(k) == CRYPTO_KEY_RSA ?
	    "rsa" : "ed25519");
	rn_int(n, "bits", crypto_privkey_bits(k));
	n = keyrecord_dns(r.root, a.selector, a.domain, buf_cstr(&rec));
	rn_str(n, "note", "once published, 'authcheck domain %s --selector "
	    "%s --key %s' checks the record against the key", a.domain,
	    a.selector, a.key);
	rc = ac_finish(&r, &co);
	report_deinit(&r);
out:
	crypto_privkey_free(&k);
	buf_deinit(&rec);
	return rc;
}
