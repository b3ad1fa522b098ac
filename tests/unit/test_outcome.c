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
	/* the ARC result and conf a row lends are not the session's */
	ck->arc = NULL;
	r->s->msg.conf = NULL;
	session_free(&r->s);
}

/* What one author's DMARC evaluation found. */
struct author_fact {
	enum dmarc_res result;
	enum dmarc_policy policy;
	const char *reason, *from;
};

/* One log line: the message's state, and what the line must say. */
struct line_case {
	const char *name;
	enum metrics_stage stage;
	bool stopping;			/* outcome_stopping with stopping_from */
	const char *qid, *stopping_from, *auth_user;
	bool client;			/* mx.example [192.0.2.1], helo.example */
	bool spf_done, spf_helo_done;
	enum spf_res spf, spf_helo;
	const char *spf_reason;
	enum verdict_kind kind, intended;
	const char *why;		/* NULL: "pass" */
	unsigned forged_ar;
	bool capped;
	const char *sign_skip, *signed_as;
	bool exempt, skip_verify;
	const char *exempt_why;
	bool dmarc_evaluated;
	size_t authors, chosen;
	const char *from_problem;
	struct author_fact author[2];
	const struct arc_result *arc;
	bool seal_key;			/* a sealing key is configured */
	const char *has[18];		/* " key=value" items it carries */
	const char *lacks[8];		/* keys it does not name */
};

static const struct arc_result arc_pass = { .res = ARC_RES_PASS,
	.reason = "", .sets = 2 };

#define CLIENT_ITEMS "client_name=mx.example", "client_ip=192.0.2.1", \
	"helo=helo.example"
#define FAILING_AUTHOR { DMARC_RES_FAIL, DMARC_POLICY_REJECT, \
	"no aligned identifier passed", "example.com" }
/* a message refused while stopping, its queue id and sender as given,
 * and as the line must name them */
#define STOPPING(NAME, QID, FROM, WANT_QID, WANT_FROM) { NAME, \
	METRICS_STAGE_MAIL_FROM, .stopping = true, .qid = QID, \
	.stopping_from = FROM, .client = true, .has = { CLIENT_ITEMS, \
	WANT_QID, WANT_FROM, "stage=mail_from", "verdict=tempfail", \
	"why=stopping" } }
/* an SPF result at MAIL FROM with a reason, and the item naming it
 * (NULL: no spf_reason at all) */
#define SPF_REASON(NAME, RES, REASON, ITEM) { NAME, \
	METRICS_STAGE_MAIL_FROM, .spf_done = true, .spf = RES, \
	.spf_reason = REASON, .spf_helo_done = true, \
	.spf_helo = SPF_RES_PASS, .has = { "spf_helo=pass", ITEM }, \
	.lacks = { ITEM == NULL ? "spf_reason" : NULL } }

static const struct line_case lines[] = {
	/* at MAIL FROM: the envelope, SPF and the verdict; nothing of the
	 * end; spf_reason only for errors */
	{ "mail-from", METRICS_STAGE_MAIL_FROM, .client = true,
	    .spf_done = true, .spf = SPF_RES_FAIL, .spf_reason = "not listed",
	    .kind = VERDICT_REJECT, .intended = VERDICT_REJECT,
	    .why = "spf-fail",
	    .has = { "qid=NOQUEUE", "stage=mail_from", CLIENT_ITEMS,
	    "from=a@example.com", "spf=fail", "verdict=reject",
	    "why=spf-fail" },
	    .lacks = { "auth", "spf_reason", "spf_helo", "dkim", "sign",
	    "forged_ar_removed", "headers_over_cap", "would" } },
	/* spf_reason tells a temperror or permerror with a reason apart */
	SPF_REASON("spf-temperror-reason", SPF_RES_TEMPERROR, "DNS timeout",
	    "spf_reason=\"DNS timeout\""),
	SPF_REASON("spf-permerror-reason", SPF_RES_PERMERROR, "two records",
	    "spf_reason=\"two records\""),
	SPF_REASON("spf-permerror-empty-reason", SPF_RES_PERMERROR, "", NULL),
	SPF_REASON("spf-temperror-no-reason", SPF_RES_TEMPERROR, NULL, NULL),
	SPF_REASON("spf-softfail-reason", SPF_RES_SOFTFAIL, "not listed", NULL),

	/* at the end: DKIM none without lists, signing, the forged A-R
	 * count, the header cap, what monitor mode would have done */
	{ "eom", METRICS_STAGE_EOM, .qid = "4AbC", .auth_user = "alice",
	    .forged_ar = 2, .capped = true, .intended = VERDICT_QUARANTINE,
	    .why = "dmarc-quarantine",
	    .has = { "qid=4AbC", "stage=eom", "client_name=unknown",
	    "client_ip=local", "helo=\"\"", "auth=alice", "spf=none",
	    "dkim=none", "sign=no", "sign_skip=\"not reached\"",
	    "forged_ar_removed=2", "headers_over_cap=yes", "verdict=accept",
	    "would=quarantine" },
	    .lacks = { "dkim_d", "dkim_reason", "dmarc" } },
	{ "eom-sign-skipped", METRICS_STAGE_EOM, .sign_skip = "no key",
	    .has = { "sign_skip=\"no key\"" } },
	{ "eom-signed", METRICS_STAGE_EOM, .sign_skip = "no key",
	    .signed_as = "x",	/* any record */
	    .has = { "sign=x" }, .lacks = { "sign_skip" } },

	/* exempt and Mode-skipped messages say so instead of results */
	{ "exempt", METRICS_STAGE_EOM, .exempt = true, .skip_verify = true,
	    .exempt_why = "auth", .has = { "exempt=auth", "verify=no" },
	    .lacks = { "verify_skip", "spf", "dkim" } },
	{ "mode-skipped", METRICS_STAGE_EOM, .skip_verify = true,
	    .exempt_why = "auth", .has = { "verify_skip=Mode" },
	    .lacks = { "exempt", "spf" } },

	/* DMARC: no usable author, one author, several authors */
	{ "dmarc-several-author-domains", METRICS_STAGE_EOM,
	    .dmarc_evaluated = true,
	    .has = { "dmarc=permerror",
	    "dmarc_reason=\"several author domains\"" } },
	{ "dmarc-from-problem", METRICS_STAGE_EOM, .dmarc_evaluated = true,
	    .authors = 1, .from_problem = "no From",
	    .has = { "dmarc_reason=\"no From\"" } },
	{ "dmarc-one-author", METRICS_STAGE_EOM, .dmarc_evaluated = true,
	    .authors = 1, .author = { FAILING_AUTHOR },
	    .has = { "dmarc=fail", "dmarc_from=example.com",
	    "dmarc_policy=reject",
	    "dmarc_reason=\"no aligned identifier passed\"" },
	    .lacks = { "dmarc_authors" } },
	{ "dmarc-two-authors", METRICS_STAGE_EOM, .dmarc_evaluated = true,
	    .authors = 2, .chosen = 1, .author = { FAILING_AUTHOR,
	    { DMARC_RES_PASS, DMARC_POLICY_NONE, "aligned identifier passed",
	    "example.net" } },
	    .has = { "dmarc=pass", "dmarc_from=example.net",
	    "dmarc_authors=example.com:fail,example.net:pass" } },

	/* a message refused while stopping: the sender without its
	 * brackets */
	STOPPING("stopping", "Q1", "<b@example.org>", "qid=Q1",
	    "from=b@example.org"),
	STOPPING("stopping-null-sender", "", "<>", "qid=NOQUEUE", "from=\"\""),
	STOPPING("stopping-bare-sender", NULL, "c@example.org", "qid=NOQUEUE",
	    "from=c@example.org"),
	STOPPING("stopping-no-sender", NULL, NULL, "qid=NOQUEUE",
	    "from=\"\""),
	STOPPING("stopping-lone-bracket", NULL, "<", "qid=NOQUEUE", "from=<"),
	STOPPING("stopping-unclosed", NULL, "<d@example.org", "qid=NOQUEUE",
	    "from=<d@example.org"),

	/* ARC's result and the sealing state are on the end line: sealing
	 * only when a sealing key is configured */
	{ "arc", METRICS_STAGE_EOM, .arc = &arc_pass,
	    .has = { "arc=pass", "arc_sets=2" }, .lacks = { "arc_seal" } },
	{ "arc-sealing", METRICS_STAGE_EOM, .arc = &arc_pass, .seal_key = true,
	    .has = { "arc=pass", "arc_sets=2", "arc_seal=no",
	    "arc_seal_skip=\"not reached\"" } },
};

/* set_dmarc - the DMARC evaluation c describes, in d */
static void
set_dmarc(struct checks_dmarc *d, const struct line_case *c)
{
	size_t i;

	d->evaluated = c->dmarc_evaluated;
	d->author_count = c->authors;
	d->chosen = c->chosen;
	d->from_problem = c->from_problem;
	for (i = 0; i < c->authors && c->author[i].from != NULL; i++) {
		memset(&d->authors[i].res, 0, sizeof(d->authors[i].res));
		d->authors[i].res.result = c->author[i].result;
		d->authors[i].res.disposition = c->author[i].policy;
		d->authors[i].res.reason = c->author[i].reason;
		(void)snprintf(d->authors[i].res.header_from,
		    sizeof(d->authors[i].res.header_from), "%s",
		    c->author[i].from);
	}
}

/* set_message - r's session in the state c describes */
static void
set_message(struct report *r, const struct line_case *c,
    struct checks_arc *arc, struct conf *conf)
{
	struct message *m = &r->s->msg;

	r->stopping = c->stopping;
	r->stopping_from = c->stopping_from;
	m->queue_id = (char *)c->qid;
	m->auth_user = (char *)c->auth_user;
	if (c->client) {
		session_set_client(r->s, "mx.example", "192.0.2.1");
		session_set_helo(r->s, "helo.example");
	}
	m->checks.spf_mailfrom_done = c->spf_done;
	m->checks.spf_mailfrom.res = c->spf;
	m->checks.spf_mailfrom.reason = c->spf_reason;
	m->checks.spf_helo_done = c->spf_helo_done;
	m->checks.spf_helo.res = c->spf_helo;
	r->v.kind = c->kind;
	r->v.intended = c->intended;
	if (c->why != NULL)
		r->v.why = c->why;
	m->forged_ar_count = c->forged_ar;
	m->headers_capped = c->capped;
	m->signing.skip_why = c->sign_skip;
	if (c->signed_as != NULL)
		buf_append_str(&m->signing.done, c->signed_as);
	m->checks.exempt = c->exempt;
	m->checks.skip_verify = c->skip_verify;
	m->checks.exempt_why = c->exempt_why;
	set_dmarc(&m->checks.dmarc, c);
	if (c->arc != NULL) {
		memset(arc, 0, sizeof(*arc));
		arc->res = c->arc;
		m->checks.arc = arc;
	}
	if (c->seal_key) {
		memset(conf, 0, sizeof(*conf));
		conf->arc_seal_key = (const struct crypto_privkey *)conf;
		m->conf = conf;		/* any key */
	}
}

/* check_line - the line carries every item and names no key c says it
 * must not; the row named where it fails */
static void
check_line(const struct line_case *c, const char *line)
{
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(c->has) / sizeof(c->has[0]); i++) {
		if (c->has[i] == NULL)
			continue;
		ok = has(line, c->has[i]);
		if (!ok)
			print_message("row %s: no %s in %s", c->name, c->has[i],
			    line);
		assert_true(ok);
	}
	for (i = 0; i < sizeof(c->lacks) / sizeof(c->lacks[0]); i++) {
		if (c->lacks[i] == NULL)
			continue;
		ok = !has_key(line, c->lacks[i]);
		if (!ok)
			print_message("row %s: %s= in %s", c->name, c->lacks[i],
			    line);
		assert_true(ok);
	}
	/* every line but the stopping one times the message */
	assert_true(c->stopping || has_key(line, "ms"));
}

static void
test_lines(void **state)
{
	struct report r;
	struct checks_arc arc;
	struct conf conf;
	size_t i;
	char *line;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		report_new(&r, lines[i].stage);
		set_message(&r, &lines[i], &arc, &conf);
		line = run_report(&r);
		check_line(&lines[i], line);
		free(line);
		report_free(&r);
	}
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
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_quiet_below_info),
		cmocka_unit_test(test_metrics_counted),
		cmocka_unit_test(test_duration_observed),
	};

	return cmocka_run_group_tests_name("outcome", tests, setup, NULL);
}
