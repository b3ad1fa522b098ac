/*
 * dkim_check.c - run the interop corpus through the DKIM verifier
 *
 * Usage: dkim_check CORPUSDIR (as written by gen_corpus.py). Reads
 * keys.txt (the pretend DNS), now.txt and manifest.txt, feeds every
 * message through the verifier in body chunks of varying size, and prints
 * TAP: one line per message comparing the results with the expected ones,
 * then "# verified N messages, M as expected". Exit status 0 when all
 * match, 1 otherwise, 2 when the corpus cannot be read.
 *
 * Usage: dkim_check --big MB - sign (with a key generated here) and verify
 * a message with an MB-megabyte body streamed in 64 KiB chunks, after a
 * 1 MB warm-up, and report as TAP whether the result is pass and how much
 * the process's peak RSS grew between the two (memory must stay flat).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "msgsplit.h"
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
	/* the corpus judges plain RFC 6376 (other verifiers agree on it):
	 * content after l= is "pass+l", as with DKIMAllowPartialBody yes */
	p.allow_partial_body = true;
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

/* Chunk the big-body check feeds, as a milter body callback would. */
#define BIG_CHUNK 65536

/* max_rss_kib - this process's peak resident set so far */
static long
max_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* big_message - sign and verify a message of mb megabytes, streamed */
static bool
big_message(const struct crypto_privkey *k, const char *rec, size_t mb,
    double *ms_r)
{
	static const char hdr[] = "From: big@example.com\r\n"
	    "To: someone@example.org\r\nSubject: large\r\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n";
	struct tk_sign_opts o = { "example.com", "big", NULL,
	    "from:to:subject:date", DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
	    CRYPTO_HASH_SHA256, false, 1700000000, 0 };
	static unsigned char chunk[BIG_CHUNK];
	unsigned char bh[CRYPTO_DIGEST_MAX];
	struct buf head = BUF_INIT;
	struct dkim_body *b;
	struct dkim_verify_params p;
	struct dkim_verifier *v;
	struct dns_answer a;
	struct dns_rr rr;
	struct msg_field f;
	const struct dkim_result *r;
	struct timespec t0, t1;
	size_t i, n = mb * 1024 * 1024 / BIG_CHUNK, pos = 0, bhlen;
	bool ok;

	for (i = 0; i < BIG_CHUNK; i++)	/* 64-byte lines of text */
		chunk[i] = i % 64 == 62 ? '\r' : i % 64 == 63 ? '\n' :
		    (unsigned char)('a' + i % 26);
	b = dkim_body_new(DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256, false, 0);
	for (i = 0; i < n; i++)
		dkim_body_update(b, chunk, BIG_CHUNK);
	bhlen = dkim_body_final(b, bh);
	if (!tk_sign_field((const unsigned char *)hdr, strlen(hdr), bh, bhlen,
	    dkim_body_length(b), k, &o, &head))
		return false;
	dkim_body_free(&b);
	buf_append_str(&head, hdr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dkim_verify_params_init(&p);
	p.now = 1700000000;
	v = dkim_verifier_new(&p);
	while (msg_next_field(head.data, head.len, &pos, &f) == 1)
		(void)dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len);
	memset(&a, 0, sizeof(a));
	memset(&rr, 0, sizeof(rr));
	a.status = DNS_R_ANSWER;
	a.count = 1;
	a.rr = &rr;
	rr.type = DNS_T_TXT;
	rr.text = (char *)rec;
	rr.text_len = strlen(rec);
	dkim_verifier_key_answer(v, 0, &a);
	dkim_verifier_eoh(v);
	for (i = 0; i < n; i++)
		dkim_verifier_body(v, chunk, BIG_CHUNK);
	dkim_verifier_eom(v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms_r = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	r = dkim_verifier_result(v, 0);
	ok = dkim_verifier_result_count(v) == 1 && r->result == DKIM_RES_PASS;
	dkim_verifier_free(&v);
	buf_deinit(&head);
	return ok;
}

/* big_check - the --big mode: warm up with 1 MB, then mb MB */
static int
big_check(size_t mb)
{
	struct crypto_privkey *k = tk_keygen("rsa", 2048);
	struct buf rec = BUF_INIT;
	long rss0, rss1, growth;
	double ms;
	bool ok1, ok2;

	tk_key_record(k, &rec);
	ok1 = big_message(k, buf_cstr(&rec), 1, &ms);
	rss0 = max_rss_kib();
	ok2 = big_message(k, buf_cstr(&rec), mb, &ms);
	rss1 = max_rss_kib();
	growth = rss1 - rss0;
	printf("1..2\n");
	printf("%s 1 - 1 MB streamed message verifies (peak RSS %ld KiB)\n",
	    ok1 ? "ok" : "not ok", rss0);
	printf("%s 2 - %zu MB streamed message verifies; peak RSS grew by "
	    "%ld KiB (%ld -> %ld KiB), %.0f ms\n",
	    ok2 && growth < 1024 ? "ok" : "not ok", mb, growth, rss0, rss1, ms);
	buf_deinit(&rec);
	crypto_privkey_free(&k);
	return ok1 && ok2 && growth < 1024 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct buf kt = BUF_INIT, mt = BUF_INIT, nt = BUF_INIT;
	static struct tk_key keys[CHECK_MAX_KEYS];
	static char *klines[CHECK_MAX_KEYS], *mlines[CHECK_MAX_LINES];
	size_t nkeys, nmsgs, i, good = 0;
	int64_t now;

	if (argc == 3 && strcmp(argv[1], "--big") == 0)
		return big_check((size_t)strtoul(argv[2], NULL, 10));
	if (argc != 2) {
		fprintf(stderr, "usage: dkim_check CORPUSDIR | --big MB\n");
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
