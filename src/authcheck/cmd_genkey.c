/*
 * cmd_genkey.c - authcheck genkey: a new DKIM private key and the DNS
 * record that publishes its public half
 *
 * The private key is written as PEM (RSA: "RSA PRIVATE KEY", Ed25519:
 * PKCS#8 "PRIVATE KEY"), the forms the daemon's KeyFile/KeyTable load,
 * to --out (created with mode 0600, never overwriting) or to
 * SELECTOR.private in the current directory. The key is read back with
 * the daemon's own loader (crypto_privkey_from_pem) to get the public
 * half, so a key this prints is one the daemon can use. The record is
 * printed joined and in zone-file form (keyrecord.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authcheck/authcheck.h"
#include "authcheck/keyrecord.h"
#include "core/dkim_sig.h"
#include "crypto/crypto.h"
#include "crypto/crypto_keygen.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct genkey_args {
	enum crypto_key_type type;
	bool type_set;
	unsigned long bits;	/* as given: checked before any cast (a cast
				 * made 2^32 + 2048 into 2048) */
	const char *domain, *selector, *out;
	struct idna_name dn;	/* domain's A-label form */
};

/* write_key - create path (0600, must not exist) with the PEM text */
static bool
write_key(const char *path, const struct buf *pem)
{
	size_t done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "authcheck genkey: %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	/* the umask may only take bits away; make 0600 exact anyway */
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (done < pem->len) {
		ssize_t n = write(fd, pem->data + done, pem->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return true;
fail:
	fprintf(stderr, "authcheck genkey: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(path);
	return false;
}

/* parse_args - the genkey options; returns an exit code or -1 to go on */
static int
parse_args(int argc, char **argv, struct genkey_args *a, struct ac_common *co)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "bits", required_argument, NULL, 'b' },
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		AC_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:b:d:s:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "rsa") == 0)
				a->type = CRYPTO_KEY_RSA;
			else if (strcmp(optarg, "ed25519") == 0)
				a->type = CRYPTO_KEY_ED25519;
			else
				return ac_usage_error("genkey",
				    "--type must be rsa or ed25519");
			a->type_set = true;
			break;
		case 'b':
			a->bits = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				return ac_usage_error("genkey", "bad --bits");
			break;
		case 'd': a->domain = optarg; break;
		case 's': a->selector = optarg; break;
		case 'o': a->out = optarg; break;
		default:
			if (!ac_common_option(co, c, optarg))
				return ac_usage_error("genkey", "bad option");
		}
	}
	if (optind != argc)
		return ac_usage_error("genkey", "unexpected argument %s",
		    argv[optind]);
	if (!a->type_set || a->domain == NULL || a->selector == NULL)
		return ac_usage_error("genkey",
		    "--type, --domain and --selector are required");
	/* the key's DNS name is A-labels (RFC 8616 3), so is our d= */
	if (!ac_domain_arg(a->domain, &a->dn) || !dkim_domain_ok(a->selector))
		return ac_usage_error("genkey", "bad domain or selector name");
	a->domain = a->dn.ascii;
	if (a->type == CRYPTO_KEY_RSA && a->bits == 0)
		a->bits = CRYPTO_KEYGEN_MIN_RSA_BITS;
	if (a->type == CRYPTO_KEY_RSA && (a->bits < CRYPTO_KEYGEN_MIN_RSA_BITS ||
	    a->bits > CRYPTO_KEYGEN_MAX_RSA_BITS))
		return ac_usage_error("genkey",
		    "--bits must be 2048 to 8192 for rsa (RFC 8301)");
	if (a->type == CRYPTO_KEY_ED25519 && a->bits != 0 && a->bits != 256)
		return ac_usage_error("genkey", "ed25519 keys have 256 bits");
	return -1;
}

/* public_record - the record for the new key, read back through the
 * daemon's loader */
static bool
public_record(const struct buf *pem, struct buf *rec, unsigned *bits_r)
{
	struct crypto_privkey *k;
	const char *err = "";
	bool ok;

	k = crypto_privkey_from_pem(pem->data, pem->len, &err);
	if (k == NULL) {
		fprintf(stderr, "authcheck genkey: new key unreadable: %s\n", err);
		return false;
	}
	*bits_r = crypto_privkey_bits(k);
	ok = keyrecord_text(k, "genkey", rec);
	crypto_privkey_free(&k);
	return ok;
}

int
cmd_genkey(int argc, char **argv)
{
	struct genkey_args a;
	struct ac_common co;
	struct buf pem = BUF_INIT, rec = BUF_INIT;
	struct buf path = BUF_INIT;
	struct report r;
	struct rnode *k;
	const char *err = "";
	char *abs;
	unsigned bits = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&co, 0, sizeof(co));
	if ((rc = parse_args(argc, argv, &a, &co)) >= 0)
		return rc;
	if (a.out != NULL)
		buf_append_str(&path, a.out);
	else
		buf_printf(&path, "%s.private", a.selector);
	if (!crypto_keygen_pem(a.type, (unsigned)a.bits, &pem, &err)) {
		fprintf(stderr, "authcheck genkey: %s\n", err);
		return AC_EXIT_USAGE;
	}
	rc = AC_EXIT_USAGE;
	if (!public_record(&pem, &rec, &bits) ||
	    !write_key(buf_cstr(&path), &pem))
		goto out;
	report_init(&r);
	k = rn_obj(r.root, "key");
	rn_str(k, "file", "%s", buf_cstr(&path));
	rn_str(k, "type", "%s", a.type == CRYPTO_KEY_RSA ? "rsa" : "ed25519");
	rn_int(k, "bits", bits);
	rn_str(k, "format", "%s", a.type == CRYPTO_KEY_RSA ?
	    "PEM RSA PRIVATE KEY (PKCS#1)" : "PEM PRIVATE KEY (PKCS#8)");
	k = keyrecord_dns(r.root, a.selector, a.domain, buf_cstr(&rec));
	/* absolute: the daemon reads a relative KeyFile from its config
	 * file's directory, not from where genkey ran */
	abs = realpath(buf_cstr(&path), NULL);
	rn_str(k, "note", "publish the zone line, then sign with KeyFile %s "
	    "(selector %s, domain %s); once published, 'authcheck domain %s "
	    "--selector %s --key %s' checks the record against the key",
	    abs != NULL ? abs : buf_cstr(&path), a.selector, a.domain,
	    a.domain, a.selector, abs != NULL ? abs : buf_cstr(&path));
	free(abs);
	rc = ac_finish(&r, &co);
	report_deinit(&r);
out:
	/* the PEM held the private key: wipe it before freeing */
	if (pem.data != NULL)
		explicit_bzero(pem.data, pem.cap);
	buf_deinit(&pem);
	buf_deinit(&rec);
	buf_deinit(&path);
	return rc;
}
