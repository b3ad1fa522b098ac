/*
 * test_outcome.c - the per-message log line outcome_report writes: each
 * key present only when it applies, with the value the message's state
 * gives; and the line of a message refused while the daemon stops.
 * DKIM's per-signature lists need a verifier and are left to the
 * functional tests.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "core/arc_verify.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "milter/checks_arc.h"
#include "milter/outcome.h"
#include "milter/session.h"
#include "util/buf.h"

/* What one report is made of. */
struct report {
	struct session *s;
	struct verdict v;
	enum metrics_stage stage;
	const char *stopping_from;	/* outcome_stopping's, when stopping */
	bool stopping;
};

/* run_report - the line of r, as the log writes it on stderr ("" when
 * nothing was logged) */
static char *
run_report(struct report *r)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	long n;
	char *text;

	assert_non_null(f);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	log_stderr_changed();
	if (r->stopping)
		outcome_stopping(r->s, r->s->msg.queue_id, r->stopping_from);
	else
		outcome_report(r->s, &r->v, r->stage);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	log_stderr_changed();
	close(saved);
	/* the line's storage is emptied for the next one */
	assert_int_equal(r->s->report_line.len, 0);
	n = (long)lseek(fileno(f), 0, SEEK_END);
	assert_true(n >= 0);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(pread(fileno(f), text, (size_t)n, 0), n);
	fclose(f);
	return text;
}

/* has - line carries " key=value" as a whole item */
static bool
has(const char *line, const char *item)
{
	size_t n = strlen(item);
	const char *p = line;

	while ((p = strstr(p, item)) != NULL) {
		if (p > line && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' ||
		    p[n] == '\0'))
			return true;
		p++;
	}
	return false;
}

/* has_key - line names key at all */
static bool
has_key(const char *line, const char *key)
{
	char item[64];

	(void)snprintf(item, sizeof(item), " %s=", key);
	return strstr(line, item) != NULL;
}

/* metric - the value of one counter line, e.g.
 * authmilter_results_total{method="dmarc",result="fail"} */
static unsigned long
metric(const char *series)
{
	struct buf out = BUF_INIT;
	const char *p;
	unsigned long v = 0;
	size_t n = strlen(series);

	metrics_render(&out, 0);
	for (p = buf_cstr(&out); p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			v = strtoul(p + n + 1, NULL, 10);
			break;
		}
	}
	buf_deinit(&out);
	return v;
}

/* report_new - a session with a message from a@example.com, accepted */
static void
report_new(struct report *r, enum metrics_stage stage)
{
	memset(r, 0, sizeof(*r));
	r->s = session_new();
	assert_non_null(r->s);
	r->s->msg_dirty = true;		/* session_free clears what we set */
	r->s->msg.mail_from = (char *)"a@example.com";
	r->stage = stage;
	r->v.kind = r->v.intended = VERDICT_ACCEPT;
	r->v.why = "pass";
}

static void
report_free(struct report *r)
{
	struct checks *ck = &r->s->msg.checks;

	ck->spf_mailfrom_done = ck->spf_helo_done = false;
	ck->dmarc.author_count = 0;
	session_free(&r->s);
}

/* at MAIL FROM: the envelope, SPF and the verdict; nothing of the end */
static void
test_mail_from_line(void **state)
{
	struct report r;
	char *line;

	(void)state;
	report_new(&r, METRICS_STAGE_MAIL_FROM);
	r.s->msg.checks.spf_mailfrom_done = true;
	r.s->msg.checks.spf_mailfrom.res = SPF_RES_FAIL;
	r.s->msg.checks.spf_mailfrom.reason = "not listed";
	r.v.kind = r.v.intended = VERDICT_REJECT;
	r.v.why = "spf-fail";
	session_set_client(r.s, "mx.example", "192.0.2.1");
	session_set_helo(r.s, "helo.example");
	line = run_report(&r);
	assert_true(has(line, "qid=NOQUEUE"));
	assert_true(has(line, "stage=mail_from"));
	assert_true(has(line, "client_name=mx.example"));
	assert_true(has(line, "client_ip=192.0.2.1"));
	assert_true(has(line, "helo=helo.example"));
	assert_true(has(line, "from=a@example.com"));
	assert_false(has_key(line, "auth"));
	assert_true(has(line, "spf=fail"));
	assert_false(has_key(line, "spf_reason"));	/* only for errors */
	assert_false(has_key(line, "spf_helo"));
	assert_false(has_key(line, "dkim"));
	assert_false(has_key(line, "sign"));
	assert_false(has_key(line, "forged_ar_removed"));
	assert_false(has_key(line, "headers_over_cap"));
	assert_true(has(line, "verdict=reject"));
	assert_false(has_key(line, "would"));
	assert_true(has(line, "why=spf-fail"));
	assert_true(has_key(line, "ms"));
	free(line);
	report_free(&r);
}

/* spf_reason tells a temperror or permerror with a reason apart */
static void
test_spf_reason(void **state)
{
	static const struct {
		enum spf_res res;
		const char *reason;
		bool logged;
	} cases[] = {
		{ SPF_RES_TEMPERROR, "DNS timeout", true },
		{ SPF_RES_PERMERROR, "two records", true },
		{ SPF_RES_PERMERROR, "", false },
		{ SPF_RES_TEMPERROR, NULL, false },
		{ SPF_RES_SOFTFAIL, "not listed", false },
	};
	struct report r;
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_new(&r, METRICS_STAGE_MAIL_FROM);
		r.s->msg.checks.spf_mailfrom_done = true;
		r.s->msg.checks.spf_mailfrom.res = cases[i].res;
		r.s->msg.checks.spf_mailfrom.reason = cases[i].reason;
		r.s->msg.checks.spf_helo_done = true;
		r.s->msg.checks.spf_helo.res = SPF_RES_PASS;
		line = run_report(&r);
		assert_int_equal(has_key(line, "spf_reason"), cases[i].logged);
		assert_true(has(line, "spf_helo=pass"));
		free(line);
		report_free(&r);
	}
}

/* at the end: DKIM none without lists, signing, the forged A-R count,
 * the header cap, what monitor mode would have done */
static void
test_eom_line(void **state)
{
	struct report r;
	char *line;

	(void)state;
	report_new(&r, METRICS_STAGE_EOM);
	r.s->msg.queue_id = (char *)"4AbC";
	r.s->msg.auth_user = (char *)"alice";
	r.s->msg.forged_ar_count = 2;
	r.s->msg.headers_capped = true;
	r.v.intended = VERDICT_QUARANTINE;
	r.v.why = "dmarc-quarantine";
	line = run_report(&r);
	assert_true(has(line, "qid=4AbC"));
	assert_true(has(line, "stage=eom"));
	assert_true(has(line, "client_name=unknown"));
	assert_true(has(line, "client_ip=local"));
	assert_true(has(line, "helo=\"\""));
	assert_true(has(line, "auth=alice"));
	assert_true(has(line, "spf=none"));
	assert_true(has(line, "dkim=none"));
	assert_false(has_key(line, "dkim_d"));
	assert_false(has_key(line, "dkim_reason"));
	assert_false(has_key(line, "dmarc"));
	assert_true(has(line, "sign=no"));
	assert_true(has(line, "sign_skip=\"not reached\""));
	assert_true(has(line, "forged_ar_removed=2"));
	assert_true(has(line, "headers_over_cap=yes"));
	assert_true(has(line, "verdict=accept"));
	assert_true(has(line, "would=quarantine"));
	free(line);
	report_free(&r);
	report_new(&r, METRICS_STAGE_EOM);
	r.s->msg.signing.skip_why = "no key";
	line = run_report(&r);
	assert_true(has(line, "sign_skip=\"no key\""));
	free(line);
	buf_append_str(&r.s->msg.signing.done, "x");	/* any record */
	line = run_report(&r);
	assert_true(has(line, "sign=x"));
	assert_false(has_key(line, "sign_skip"));
	free(line);
	report_free(&r);
}

/* exempt and Mode-skipped messages say so instead of results */
static void
test_not_verified(void **state)
{
	struct report r;
	char *line;

	(void)state;
	report_new(&r, METRICS_STAGE_EOM);
	r.s->msg.checks.exempt = true;
	r.s->msg.checks.skip_verify = true;
	r.s->msg.checks.exempt_why = "auth";
	line = run_report(&r);
	assert_true(has(line, "exempt=auth"));
	assert_true(has(line, "verify=no"));
	assert_false(has_key(line, "verify_skip"));
	assert_false(has_key(line, "spf"));
	assert_false(has_key(line, "dkim"));
	free(line);
	r.s->msg.checks.exempt = false;
	line = run_report(&r);
	assert_false(has_key(line, "exempt"));
	assert_true(has(line, "verify_skip=Mode"));
	assert_false(has_key(line, "spf"));
	free(line);
	report_free(&r);
}

/* DMARC: no usable author, one author, several authors */
static void
test_dmarc_keys(void **state)
{
	struct report r;
	struct checks_dmarc *d;
	char *line;

	(void)state;
	report_new(&r, METRICS_STAGE_EOM);
	d = &r.s->msg.checks.dmarc;
	d->evaluated = true;
	line = run_report(&r);
	assert_true(has(line, "dmarc=permerror"));
	assert_true(has(line, "dmarc_reason=\"several author domains\""));
	free(line);
	d->author_count = 1;
	d->from_problem = "no From";
	line = run_report(&r);
	assert_true(has(line, "dmarc_reason=\"no From\""));
	free(line);
	d->from_problem = NULL;
	memset(&d->authors[0].res, 0, sizeof(d->authors[0].res));
	d->authors[0].res.result = DMARC_RES_FAIL;
	d->authors[0].res.disposition = DMARC_POLICY_REJECT;
	d->authors[0].res.reason = "no aligned identifier passed";
	(void)snprintf(d->authors[0].res.header_from,
	    sizeof(d->authors[0].res.header_from), "example.com");
	line = run_report(&r);
	assert_true(has(line, "dmarc=fail"));
	assert_true(has(line, "dmarc_from=example.com"));
	assert_true(has(line, "dmarc_policy=reject"));
	assert_true(has(line, "dmarc_reason=\"no aligned identifier passed\""));
	assert_false(has_key(line, "dmarc_authors"));
	free(line);
	memset(&d->authors[1].res, 0, sizeof(d->authors[1].res));
	d->authors[1].res.result = DMARC_RES_PASS;
	d->authors[1].res.reason = "aligned identifier passed";
	(void)snprintf(d->authors[1].res.header_from,
	    sizeof(d->authors[1].res.header_from), "example.net");
	d->author_count = 2;
	d->chosen = 1;
	line = run_report(&r);
	assert_true(has(line, "dmarc=pass"));
	assert_true(has(line, "dmarc_from=example.net"));
	assert_true(has(line, "dmarc_authors=example.com:fail,example.net:pass"));
	free(line);
	report_free(&r);
}

/* below LogLevel info nothing is written */
static void
test_quiet_below_info(void **state)
{
	struct report r;
	char *line;

	(void)state;
	report_new(&r, METRICS_STAGE_EOM);
	log_set_level(LOG_LEVEL_WARN);
	line = run_report(&r);
	log_set_level(LOG_LEVEL_INFO);
	assert_string_equal(line, "");
	free(line);
	report_free(&r);
}

/* a message refused while stopping: the sender without its brackets */
static void
test_stopping_line(void **state)
{
	static const struct {
		const char *qid, *from, *want_qid, *want_from;
	} cases[] = {
		{ "Q1", "<b@example.org>", "qid=Q1", "from=b@example.org" },
		{ "", "<>", "qid=NOQUEUE", "from=\"\"" },
		{ NULL, "c@example.org", "qid=NOQUEUE", "from=c@example.org" },
		{ NULL, NULL, "qid=NOQUEUE", "from=\"\"" },
		{ NULL, "<", "qid=NOQUEUE", "from=<" },
		{ NULL, "<d@example.org", "qid=NOQUEUE", "from=<d@example.org" },
	};
	struct report r;
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_new(&r, METRICS_STAGE_MAIL_FROM);
		r.stopping = true;
		r.s->msg.queue_id = (char *)cases[i].qid;
		r.stopping_from = cases[i].from;
		session_set_client(r.s, "mx.example", "192.0.2.1");
		session_set_helo(r.s, "helo.example");
		line = run_report(&r);
		assert_true(has(line, "client_name=mx.example"));
		assert_true(has(line, "client_ip=192.0.2.1"));
		assert_true(has(line, "helo=helo.example"));
		assert_true(has(line, cases[i].want_qid));
		assert_true(has(line, cases[i].want_from));
		assert_true(has(line, "stage=mail_from"));
		assert_true(has(line, "verdict=tempfail"));
		assert_true(has(line, "why=stopping"));
		free(line);
		report_free(&r);
	}
}

/* ARC's result and the sealing state are on the end line: sealing only
 * when a sealing key is configured */
static void
test_arc_and_sealing(void **state)
{
	struct report r;
	struct checks_arc arc;
	struct arc_result res;
	struct conf c;
	char *line;

	(void)state;
	memset(&arc, 0, sizeof(arc));
	memset(&res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	res.res = ARC_RES_PASS;
	res.reason = "";
	res.sets = 2;
	arc.res = &res;
	report_new(&r, METRICS_STAGE_EOM);
	r.s->msg.checks.arc = &arc;
	line = run_report(&r);
	assert_true(has(line, "arc=pass"));
	assert_true(has(line, "arc_sets=2"));
	assert_false(has_key(line, "arc_seal"));
	free(line);
	c.arc_seal_key = (const struct crypto_privkey *)&c;	/* any key */
	r.s->msg.conf = &c;
	line = run_report(&r);
	assert_true(has(line, "arc_seal=no"));
	assert_true(has(line, "arc_seal_skip=\"not reached\""));
	free(line);
	r.s->msg.conf = NULL;
	r.s->msg.checks.arc = NULL;
	report_free(&r);
}

/* each report counts its message and results in the metrics */
static void
test_metrics_counted(void **state)
{
	struct report r;
	struct checks_dmarc *d;
	char *line;

	(void)state;
	metrics_reset();
	report_new(&r, METRICS_STAGE_EOM);
	r.s->msg.checks.spf_helo_done = true;
	r.s->msg.checks.spf_helo.res = SPF_RES_PASS;
	d = &r.s->msg.checks.dmarc;
	d->evaluated = true;
	line = run_report(&r);
	free(line);
	assert_int_equal(metric("authmilter_results_total{method=\"spf_helo\","
	    "result=\"pass\"}"), 1);
	assert_int_equal(metric("authmilter_results_total{method=\"dkim\","
	    "result=\"none\"}"), 1);
	assert_int_equal(metric("authmilter_results_total{method=\"dmarc\","
	    "result=\"permerror\"}"), 1);
	assert_int_equal(metric("authmilter_messages_total{stage=\"eom\","
	    "verdict=\"accept\"}"), 1);
	d->author_count = 1;
	memset(&d->authors[0].res, 0, sizeof(d->authors[0].res));
	d->authors[0].res.result = DMARC_RES_FAIL;
	d->authors[0].res.reason = "no aligned identifier passed";
	line = run_report(&r);
	free(line);
	assert_int_equal(metric("authmilter_results_total{method=\"dmarc\","
	    "result=\"fail\"}"), 1);
	report_free(&r);
	report_new(&r, METRICS_STAGE_MAIL_FROM);
	r.stopping = true;
	line = run_report(&r);
	free(line);
	assert_int_equal(metric("authmilter_messages_total{stage=\"mail_from\","
	    "verdict=\"tempfail\"}"), 1);
	report_free(&r);
	metrics_reset();
}

/* duration_sum - the seconds the duration histogram has summed */
static double
duration_sum(void)
{
	static const char name[] = "authmilter_message_duration_seconds_sum ";
	struct buf out = BUF_INIT;
	const char *p;
	double sum;

	metrics_render(&out, 0);
	p = strstr(buf_cstr(&out), name);
	assert_non_null(p);
	sum = strtod(p + strlen(name), NULL);
	buf_deinit(&out);
	return sum;
}

/* the message's duration goes to the histogram: from its start, as
 * the monotonic clock counts */
static void
test_duration_observed(void **state)
{
	struct report r;
	struct timespec now;
	char *line;
	double sum;

	(void)state;
	metrics_reset();
	report_new(&r, METRICS_STAGE_EOM);
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	/* 2 to 3 s ago, its nanoseconds large */
	r.s->msg.started.tv_sec = now.tv_sec - 3;
	r.s->msg.started.tv_nsec = 999999999;
	line = run_report(&r);
	free(line);
	assert_int_equal(metric("authmilter_message_duration_seconds_count"), 1);
	sum = duration_sum();
	assert_true(sum > 2.0 && sum < 3.5);
	/* a start after now counts as no time */
	r.s->msg.started.tv_sec = now.tv_sec + 100;
	line = run_report(&r);
	free(line);
	assert_int_equal(metric("authmilter_message_duration_seconds_count"), 2);
	assert_true(duration_sum() == sum);
	report_free(&r);
	metrics_reset();
}

static int
setup(void **state)
{
	(void)state;
	log_open("authmilter-test", LOG_SINK_STDERR, 0);
	log_set_level(LOG_LEVEL_INFO);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_from_line),
		cmocka_unit_test(test_spf_reason),
		cmocka_unit_test(test_eom_line),
		cmocka_unit_test(test_not_verified),
		cmocka_unit_test(test_dmarc_keys),
		cmocka_unit_test(test_quiet_below_info),
		cmocka_unit_test(test_stopping_line),
		cmocka_unit_test(test_arc_and_sealing),
		cmocka_unit_test(test_metrics_counted),
		cmocka_unit_test(test_duration_observed),
	};

	return cmocka_run_group_tests_name("outcome", tests, setup, NULL);
}
