/*
 * dkim_check.c - run the interop corpus through the DKIM verifier
 *
 * Usage: dkim_check CORPUSDIR (as written by gen_corpus.py). Reads
 * keys.txt (the pretend DNS), now.txt and manifest.txt, feeds every
 * message through the verifier in body chunks of varying size, and prints
 * TAP: one line per message comparing the results with the expected ones,
 * then "# verified N messages, M as expected". Exit status 0 when all
 * match, 1 otherwise, 2 when the corpus cannot be read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* Most keys and manifest lines the corpus may hold. */
#define CHECK_MAX_KEYS 256
#define CHECK_MAX_LINES 4096

/* slurp - read a whole file into b; false when it cannot be read */
static bool
slurp(const char *dir, const char *name, struct buf *b)
{
	char path[4096];
	unsigned char chunk[65536];
	size_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return false;
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return true;
}

/* split_lines - cut text into NUL-terminated lines in place */
static size_t
split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text, *nl;

	while (*p != '\0' && n < max) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*p != '\0')
			lines[n++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

/* parse_status - keys.txt status word */
static enum dns_status
parse_status(const char *s)
{
	if (strcmp(s, "answer") == 0)
		return DNS_R_ANSWER;
	if (strcmp(s, "nodata") == 0)
		return DNS_R_NODATA;
	if (strcmp(s, "timeout") == 0)
		return DNS_R_TIMEOUT;
	if (strcmp(s, "servfail") == 0)
		return DNS_R_SERVFAIL;
	return DNS_R_NXDOMAIN;
}

/* describe - the outcome in manifest notation */
static void
describe(const struct tk_outcome *o, struct buf *b)
{
	size_t i;

	if (o->count == 0)
		buf_append_str(b, "none");
	for (i = 0; i < o->count; i++) {
		if (i > 0)
			buf_append_byte(b, ';');
		buf_append_str(b, dkim_res_name(o->r[i].result));
		if (o->r[i].l_partial)
			buf_append_str(b, "+l");
		if (o->reason[i][0] != '\0')
			buf_printf(b, ":%s", o->reason[i]);
	}
	if (o->ignored > 0)
		buf_printf(b, ";ignored=%zu", o->ignored);
}

/* check_one - verify one message; true when it matches */
static bool
check_one(const char *dir, char *line, size_t n, int64_t now,
    const struct tk_key *keys, size_t nkeys)
{
	char *file = line, *expected, *desc, *tab;
	struct buf msg = BUF_INIT, got = BUF_INIT;
	struct dkim_verify_params p;
	struct tk_outcome o;
	bool ok;

	if ((tab = strchr(file, '\t')) == NULL)
		return false;
	*tab = '\0';
	expected = tab + 1;
	if ((tab = strchr(expected, '\t')) == NULL)
		return false;
	*tab = '\0';
	desc = tab + 1;
	if ((tab = strchr(desc, '\t')) != NULL)
		*tab = '\0';
	if (!slurp(dir, file, &msg)) {
		printf("not ok %zu - %s: cannot read\n", n, file);
		return false;
	}
	dkim_verify_params_init(&p);
	p.now = now;
	/* chunk sizes 1..~4 KiB and whole, so boundaries fall everywhere */
	tk_verify(msg.data, msg.len, &p, n % 5 == 0 ? 0 : (n * 97) % 4099 + 1,
	    keys, nkeys, &o);
	describe(&o, &got);
	ok = strcmp(buf_cstr(&got), expected) == 0;
	if (ok)
		printf("ok %zu - %s %s: %s\n", n, file, desc, expected);
	else
		printf("not ok %zu - %s %s: got %s, want %s\n", n, file, desc,
		    buf_cstr(&got), expected);
	buf_deinit(&msg);
	buf_deinit(&got);
	return ok;
}

int
main(int argc, char **argv)
{
	struct buf kt = BUF_INIT, mt = BUF_INIT, nt = BUF_INIT;
	static struct tk_key keys[CHECK_MAX_KEYS];
	static char *klines[CHECK_MAX_KEYS], *mlines[CHECK_MAX_LINES];
	size_t nkeys, nmsgs, i, good = 0;
	int64_t now;

	if (argc != 2) {
		fprintf(stderr, "usage: dkim_check CORPUSDIR\n");
		return 2;
	}
	if (!slurp(argv[1], "keys.txt", &kt) ||
	    !slurp(argv[1], "manifest.txt", &mt) ||
	    !slurp(argv[1], "now.txt", &nt)) {
		fprintf(stderr, "dkim_check: cannot read corpus in %s\n",
		    argv[1]);
		return 2;
	}
	now = strtoll(buf_cstr(&nt), NULL, 10);
	nkeys = split_lines((char *)kt.data, klines, CHECK_MAX_KEYS);
	for (i = 0; i < nkeys; i++) {
		char *t1 = strchr(klines[i], '\t'), *t2;

		if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL)
			return 2;
		*t1 = *t2 = '\0';
		keys[i].name = klines[i];
		keys[i].status = parse_status(t1 + 1);
		keys[i].txt = t2 + 1;
	}
	nmsgs = split_lines((char *)mt.data, mlines, CHECK_MAX_LINES);
	printf("1..%zu\n", nmsgs);
	for (i = 0; i < nmsgs; i++)
		if (check_one(argv[1], mlines[i], i + 1, now, keys, nkeys))
			good++;
	printf("# verified %zu messages, %zu as expected\n", nmsgs, good);
	buf_deinit(&kt);
	buf_deinit(&mt);
	buf_deinit(&nt);
	return good == nmsgs ? 0 : 1;
}
