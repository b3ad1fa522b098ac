/*
 * migrate_main.c - authmilter-migrate: write an authmilter.conf equivalent
 * to an OpenDKIM + OpenDMARC setup.
 *
 * Reads opendkim.conf (-k, default /etc/opendkim.conf) and opendmarc.conf
 * (-m, default /etc/opendmarc.conf), maps each option (migrate.c), writes
 * the result to stdout or -o FILE, lists every option it could not carry
 * over on stderr (and as comments in the output), then checks the result
 * with authmilter's own loader - the same check as `authmilter -t`, which
 * also reads the KeyTable, SigningTable and keys it names.
 *
 * Exit status: 0 written and accepted; 1 usage or read error (nothing
 * written); 2 written, but authmilter would refuse it (errors on stderr).
 * A default path that does not exist is skipped with a note; a path given
 * on the command line must exist. "-k none" / "-m none" skip one program.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "migrate/migrate.h"
#include "migrate/oconf.h"
#include "migrate/outfile.h"
#include "util/buf.h"
#include "util/std_fds.h"

#define DEFAULT_OPENDKIM "/etc/opendkim.conf"
#define DEFAULT_OPENDMARC "/etc/opendmarc.conf"

/* usage - the help text */
static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: authmilter-migrate [-k opendkim.conf] [-m opendmarc.conf] "
	    "[-o file]\n"
	    "       authmilter-migrate -V | -h\n"
	    "  -k file  OpenDKIM configuration (default %s; \"none\": skip)\n"
	    "  -m file  OpenDMARC configuration (default %s; \"none\": skip)\n"
	    "  -o file  write the authmilter configuration here (default: "
	    "standard output)\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit (also --help)\n",
	    DEFAULT_OPENDKIM, DEFAULT_OPENDMARC);
}

/*
 * read_source - read one program's file into oc. Returns 1 read, 0
 * skipped (none, or a default path that is absent), -1 error.
 */
static int
read_source(const char *path, bool given, bool include, struct oconf *oc)
{
	struct buf err = BUF_INIT;
	int rc = 1;

	if (strcmp(path, "none") == 0)
		return 0;
	if (!given && access(path, F_OK) != 0 && errno == ENOENT) {
		fprintf(stderr, "authmilter-migrate: %s: not found, skipped\n", path);
		return 0;
	}
	if (!oconf_read(oc, path, include, &err)) {
		fprintf(stderr, "authmilter-migrate: %s", buf_cstr(&err));
		rc = -1;
	}
	buf_deinit(&err);
	return rc;
}

/*
 * check_result - load the text the way `authmilter -t` would: from path
 * when it was written to a regular file (errors then name that file),
 * else (path NULL) from a temporary copy: -o /dev/stdout read back a
 * pipe ("is a FIFO", status 2) or waited for a terminal, and -o
 * /dev/null checked an empty file (status 0 for a result authmilter
 * refuses). True when accepted.
 */
static bool
check_result(const char *path, const struct buf *text)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	bool ok, temp = path == NULL;
	char *tmp = NULL;

	if (temp) {
		if (!outfile_temp_copy(text, &tmp)) {
			fprintf(stderr, "authmilter-migrate: cannot check the result: "
			    "%s\n", strerror(errno));
			return false;
		}
		path = tmp;
	}
	ok = conf_load(path, &c, &err);
	if (!ok) {
		const char *p = buf_cstr(&err), *hit;
		size_t n = strlen(path);

		/* name the temporary copy as what it is: the output */
		fprintf(stderr, "authmilter-migrate: authmilter would refuse the "
		    "result:\n");
		while ((hit = strstr(p, path)) != NULL) {
			fprintf(stderr, "%.*s%s", (int)(hit - p), p,
			    temp ? "(output)" : path);
			p = hit + n;
		}
		fputs(p, stderr);
	}
	conf_unref(&c);
	buf_deinit(&err);
	if (temp)
		(void)unlink(tmp);
	free(tmp);
	return ok;
}

int
main(int argc, char **argv)
{
	const char *dkim = DEFAULT_OPENDKIM, *dmarc = DEFAULT_OPENDMARC;
	const char *out_path = NULL;
	bool dkim_given = false, dmarc_given = false, accepted, file;
	struct oconf dkim_oc = { NULL, 0 }, dmarc_oc = { NULL, 0 };
	struct migration *m;
	struct buf title = BUF_INIT, text = BUF_INIT;
	const struct strlist *dropped;
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, rk, rm;
	size_t i;

	/* the output file opened as stdout or stderr when they were
	 * closed at start: see util/std_fds.h */
	if (!std_fds_open()) {
		fprintf(stderr, "authmilter-migrate: /dev/null: %s\n",
		    strerror(errno));
		return 1;
	}
	while ((ch = getopt_long(argc, argv, "k:m:o:Vh", longs, NULL)) != -1) {
		switch (ch) {
		case 'k':
			dkim = optarg;
			dkim_given = true;
			break;
		case 'm':
			dmarc = optarg;
			dmarc_given = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'V':
			printf("authmilter-migrate %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	rk = read_source(dkim, dkim_given, true, &dkim_oc);
	rm = read_source(dmarc, dmarc_given, false, &dmarc_oc);
	if (rk < 0 || rm < 0 || (rk == 0 && rm == 0)) {
		if (rk == 0 && rm == 0)
			fprintf(stderr, "authmilter-migrate: nothing to migrate\n");
		oconf_deinit(&dkim_oc);
		oconf_deinit(&dmarc_oc);
		return 1;
	}
	m = migration_new();
	migration_add(m, MIGRATE_OPENDKIM, &dkim_oc);
	migration_add(m, MIGRATE_OPENDMARC, &dmarc_oc);
	migration_finish(m, rk > 0, rm > 0);
	buf_printf(&title, "from %s and %s", rk > 0 ? dkim : "(no OpenDKIM)",
	    rm > 0 ? dmarc : "(no OpenDMARC)");
	migration_render(m, buf_cstr(&title), &text);
	dropped = migration_dropped(m);
	for (i = 0; i < dropped->count; i++)
		fprintf(stderr, "authmilter-migrate: not carried over: %s\n",
		    dropped->items[i]);
	accepted = false;
	if (outfile_write(out_path, &text, &file))
		accepted = check_result(file ? out_path : NULL, &text);
	else
		dropped = NULL;
	migration_free(&m);
	oconf_deinit(&dkim_oc);
	oconf_deinit(&dmarc_oc);
	buf_deinit(&title);
	buf_deinit(&text);
	if (dropped == NULL)
		return 1;
	return accepted ? 0 : 2;
}
