/* test_dmarc_cases.c - run tests/dmarc/cases.txt in RFC 9989 and RFC 7489 mode
 *
 * Each case line becomes two tests (one per mode). The zone lines feed a
 * fake DNS; every author domain is evaluated twice, once with all
 * discovery names prefetched (as the glue does when From arrives) and
 * once strictly query by query; both must agree. See the file's header
 * for the format.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc_fakedns.h"

#ifndef DMARC_CASES_FILE
#define DMARC_CASES_FILE "tests/dmarc/cases.txt"
#endif
#define MAX_CASES	256
#define MAX_FROM	4

struct dcase {
	char label[128];
	char from[256];
	char spf[256];
	char dkim[512];
	char expect[2][128];
	int lineno;
};

struct run_state {
	const struct dcase *c;
	enum dmarc_mode mode;
};

static struct fake_dns fake;
static struct dcase cases[MAX_CASES];
static size_t ncases;
static const psl_ctx_t *psl;

/* trim - strip spaces both ends, in place */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* status_word - zone status words */
static int
status_word(const char *w, enum dns_status *st)
{
	static const struct { const char *w; enum dns_status st; } t[] = {
		{ "SERVFAIL", DNS_R_SERVFAIL }, { "TIMEOUT", DNS_R_TIMEOUT },
		{ "NXDOMAIN", DNS_R_NXDOMAIN }, { "NODATA", DNS_R_NODATA },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(w, t[i].w) == 0) {
			*st = t[i].st;
			return 1;
		}
	return 0;
}

/* load - read the table; aborts the program on a malformed line */
static void
load(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[2048];
	int lineno = 0;

	if (fp == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *s = trim(line), *f[6];
		size_t nf = 0;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "dns ", 4) == 0) {
			char name[260], type[8];
			int off = 0;
			enum dns_status st;
			const char *val;

			if (sscanf(s + 4, "%259s %7s %n", name, type, &off) != 2 ||
			    off == 0) {
				printf("Bail out! %s:%d: bad dns line\n", path, lineno);
				exit(1);
			}
			val = s + 4 + off;
			if (status_word(val, &st))
				fake_add(&fake, name, strcmp(type, "A") == 0 ?
				    DNS_T_A : DNS_T_TXT, st, NULL);
			else if (strcmp(type, "A") == 0)
				fake_add(&fake, name, DNS_T_A, DNS_R_ANSWER, NULL);
			else
				fake_add(&fake, name, DNS_T_TXT, DNS_R_ANSWER, val);
			continue;
		}
		if (strncmp(s, "case ", 5) != 0 || ncases >= MAX_CASES) {
			printf("Bail out! %s:%d: unknown line\n", path, lineno);
			exit(1);
		}
		s += 5;
		while (nf < 6) {
			char *bar = strstr(s, " | ");

			f[nf++] = s;
			if (bar == NULL)
				break;
			*bar = '\0';
			s = bar + 3;
		}
		if (nf != 6) {
			printf("Bail out! %s:%d: want 6 fields\n", path, lineno);
			exit(1);
		}
		{
			struct dcase *c = &cases[ncases++];

			snprintf(c->label, sizeof(c->label), "%s", trim(f[0]));
			snprintf(c->from, sizeof(c->from), "%s", trim(f[1]));
			snprintf(c->spf, sizeof(c->spf), "%s", trim(f[2]));
			snprintf(c->dkim, sizeof(c->dkim), "%s", trim(f[3]));
			snprintf(c->expect[0], sizeof(c->expect[0]), "%s", trim(f[4]));
			snprintf(c->expect[1], sizeof(c->expect[1]), "%s",
			    strcmp(trim(f[5]), "same") == 0 ? c->expect[0] : trim(f[5]));
			c->lineno = lineno;
		}
	}
	fclose(fp);
}

/* auth_word - pass / fail / temperror / none */
static enum dmarc_auth_res
auth_word(const char *w, size_t n)
{
	if (n == 4 && strncmp(w, "pass", 4) == 0)
		return DMARC_AUTH_PASS;
	if (n == 9 && strncmp(w, "temperror", 9) == 0)
		return DMARC_AUTH_TEMPERROR;
	if (n == 4 && strncmp(w, "none", 4) == 0)
		return DMARC_AUTH_NONE;
	return DMARC_AUTH_FAIL;
}

/* same_as_recomputed - the result dmarc_eval_result gave (kept from the
 * last dmarc_eval_next_query) equals a final computation from scratch:
 * an answer nobody asks for makes the eval compute again */
static void
same_as_recomputed(struct dmarc_eval *e, const struct dmarc_result *kept,
    int lineno)
{
	struct dns_answer none;
	struct dmarc_result again;

	memset(&none, 0, sizeof(none));
	none.status = DNS_R_NXDOMAIN;
	dmarc_eval_feed(e, "_dmarc.unasked.invalid", DNS_T_TXT, &none);
	dmarc_eval_result(e, &again);
	if (again.result != kept->result || again.p != kept->p ||
	    again.sp != kept->sp || again.policy != kept->policy ||
	    again.disposition != kept->disposition ||
	    again.spf_aligned != kept->spf_aligned ||
	    again.dkim_aligned != kept->dkim_aligned ||
	    again.testing != kept->testing ||
	    again.sampled_out != kept->sampled_out ||
	    again.author_nxdomain != kept->author_nxdomain ||
	    again.record != kept->record ||
	    strcmp(again.header_from, kept->header_from) != 0 ||
	    strcmp(again.policy_domain, kept->policy_domain) != 0 ||
	    strcmp(again.org_domain, kept->org_domain) != 0 ||
	    strcmp(again.reason, kept->reason) != 0)
		fail_msg("line %d: kept result differs from a recomputed one",
		    lineno);
}

/* roll50 - a pct roll of 50, counting how often it is asked for: a
 * roll costs the milter a getrandom call, so only a failing message
 * under a pct < 100 record may ask (issue 18) */
static unsigned roll_calls;

static unsigned
roll50(void)
{
	roll_calls++;
	return 50;
}

/* run_case - one case in one mode */
static void
run_case(void **state)
{
	const struct run_state *rs = *state;
	const struct dcase *c = rs->c;
	struct dmarc_dkim_id dk[16];
	char dkbuf[512], spfbuf[256], frombuf[256], got[300];
	struct dmarc_auth auth;
	struct dmarc_result res[MAX_FROM];
	struct dmarc_eval_opts o = { .mode = rs->mode, .psl = psl,
	    .pct_roll = roll50 };
	bool want_roll;
	size_t nd = 0, nfrom = 0, best;
	char *p, *tok, *save = NULL;
	const char *want = c->expect[rs->mode == DMARC_MODE_RFC7489];

	memset(&auth, 0, sizeof(auth));
	roll_calls = 0;
	/* SPF */
	snprintf(spfbuf, sizeof(spfbuf), "%s", c->spf);
	if ((p = strchr(spfbuf, ':')) != NULL) {
		*p++ = '\0';
		auth.spf = auth_word(spfbuf, strlen(spfbuf));
		if (strncmp(p, "<>:", 3) == 0) {
			auth.spf_mailfrom_domain = "";
			auth.spf_helo_domain = p + 3;
		} else {
			auth.spf_mailfrom_domain = p;
		}
	}
	/* DKIM */
	snprintf(dkbuf, sizeof(dkbuf), "%s", c->dkim);
	if (strcmp(dkbuf, "-") != 0) {
		for (tok = strtok_r(dkbuf, ",", &save); tok != NULL && nd < 16;
		    tok = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(tok, ':');

			assert_non_null(colon);
			dk[nd].res = auth_word(tok, (size_t)(colon - tok));
			dk[nd++].domain = colon + 1;
		}
	}
	auth.dkim = dk;
	auth.dkim_count = nd;
	/* every author domain, both driving styles */
	snprintf(frombuf, sizeof(frombuf), "%s", c->from);
	save = NULL;
	for (tok = strtok_r(frombuf, ",", &save); tok != NULL && nfrom < MAX_FROM;
	    tok = strtok_r(NULL, ",", &save)) {
		struct dmarc_eval *e1 = dmarc_eval_new(tok, &o);
		struct dmarc_eval *e2 = dmarc_eval_new(tok, &o);
		struct dmarc_result r2;

		fake_drive(&fake, e1, true, &auth, &res[nfrom]);
		fake_drive(&fake, e2, false, &auth, &r2);
		if (r2.result != res[nfrom].result ||
		    r2.disposition != res[nfrom].disposition)
			fail_msg("line %d: prefetch and sequential runs differ",
			    c->lineno);
		same_as_recomputed(e1, &res[nfrom], c->lineno);
		res[nfrom].record = NULL;
		dmarc_eval_free(&e1);
		dmarc_eval_free(&e2);
		nfrom++;
	}
	best = dmarc_result_strictest(res, nfrom);
	snprintf(got, sizeof(got), "%s/%s", dmarc_res_name(res[best].result),
	    res[best].disposition == DMARC_POLICY_UNSET ? "none" :
	    dmarc_policy_name(res[best].disposition));
	if (strchr(strchr(want, '/') + 1, '/') != NULL) {
		size_t l = strlen(got);

		snprintf(got + l, sizeof(got) - l, "/%s", res[best].policy_domain);
	}
	if (strcmp(got, want) != 0)
		fail_msg("line %d (%s): got %s (%s), want %s", c->lineno,
		    rs->mode == DMARC_MODE_RFC7489 ? "RFC 7489" : "RFC 9989",
		    got, res[best].reason, want);
	/* the table's pct < 100 records are the pct*.example.org ones */
	want_roll = rs->mode == DMARC_MODE_RFC7489 &&
	    res[best].result == DMARC_RES_FAIL &&
	    strncmp(c->from, "pct", 3) == 0;
	if ((roll_calls > 0) != want_roll)
		fail_msg("line %d: pct roll asked for %u times, want %s",
		    c->lineno, roll_calls, want_roll ? "some" : "none");
}

int
main(void)
{
	static struct CMUnitTest tests[2 * MAX_CASES];
	static struct run_state states[2 * MAX_CASES];
	static char names[2 * MAX_CASES][160];
	size_t i, m, n = 0;

	load(DMARC_CASES_FILE);
	psl = psl_builtin();
	if (psl == NULL) {
		printf("Bail out! libpsl has no built-in list\n");
		return 1;
	}
	for (i = 0; i < ncases; i++) {
		for (m = 0; m < 2; m++) {
			states[n].c = &cases[i];
			states[n].mode = m ? DMARC_MODE_RFC7489 : DMARC_MODE_RFC9989;
			snprintf(names[n], sizeof(names[n]), "%.120s [%s]",
			    cases[i].label, m ? "rfc7489" : "rfc9989");
			tests[n].name = names[n];
			tests[n].test_func = run_case;
			tests[n].initial_state = &states[n];
			n++;
		}
	}
	return _cmocka_run_group_tests("dmarc_cases", tests, n, NULL, NULL);
}
