/* test_metrics.c - counters, histograms, the exposition text, and the
 * MetricsSocket parser */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_cache.h"
#include "metrics/metrics.h"
#include "metrics/metrics_addr.h"
#include "spf/spf.h"
#include "spf/spf_pool.h"
#include "util/buf.h"

#define THREADS 4
#define PER_THREAD 10000

/* has_line - the rendered text holds this exact line */
static bool
has_line(const struct buf *b, const char *line)
{
	const char *p = buf_cstr(b);
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == buf_cstr(b) || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

/* render - a fresh rendering */
static void
render(struct buf *b)
{
	buf_reset(b);
	metrics_render(b, 3);
}

static int
reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static void
test_messages_and_results(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	metrics_message(METRICS_STAGE_EOM, METRICS_VERDICT_REJECT, 1200);
	metrics_message(METRICS_STAGE_EOM, METRICS_VERDICT_REJECT, 30000);
	metrics_message(METRICS_STAGE_MAIL_FROM, METRICS_VERDICT_TEMPFAIL, 20000000);
	metrics_result(METRICS_METHOD_DMARC, "fail");
	metrics_result(METRICS_METHOD_SPF_HELO, "pass");
	metrics_result(METRICS_METHOD_SPF, "bogus-word-from-nowhere");
	metrics_result(METRICS_METHOD_ARC, NULL);
	render(&b);
	assert_true(has_line(&b, "authmilter_messages_total{stage=\"eom\",verdict=\"reject\"} 2"));
	assert_true(has_line(&b, "authmilter_messages_total{stage=\"mail_from\",verdict=\"tempfail\"} 1"));
	assert_true(has_line(&b, "authmilter_messages_total{stage=\"eom\",verdict=\"accept\"} 0"));
	assert_true(has_line(&b, "authmilter_results_total{method=\"dmarc\",result=\"fail\"} 1"));
	assert_true(has_line(&b, "authmilter_results_total{method=\"spf_helo\",result=\"pass\"} 1"));
	assert_true(has_line(&b, "authmilter_results_total{method=\"spf\",result=\"unknown\"} 1"));
	assert_true(has_line(&b, "authmilter_results_total{method=\"arc\",result=\"unknown\"} 1"));
	/* cumulative buckets; 20 s lands above every bound */
	assert_true(has_line(&b, "authmilter_message_duration_seconds_bucket{le=\"0.001000\"} 0"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_bucket{le=\"0.002500\"} 1"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_bucket{le=\"0.050000\"} 2"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_bucket{le=\"10.000000\"} 2"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_bucket{le=\"+Inf\"} 3"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_count 3"));
	assert_true(has_line(&b, "authmilter_message_duration_seconds_sum 20.031200"));
	assert_true(has_line(&b, "authmilter_connections_open 3"));
	assert_true(has_line(&b, "authmilter_build_info{version=\"" PACKAGE_VERSION "\"} 1"));
	buf_deinit(&b);
}

static void
test_dkim_dns_reports(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	metrics_dkim_signature("rsa-sha256", 2048);
	metrics_dkim_signature("rsa-sha256", 2047);
	metrics_dkim_signature("ed25519-sha256", 256);
	metrics_dkim_signature("rsa-md5", 0);
	metrics_dns_query();
	metrics_dns_query();
	metrics_dns_answer(DNS_R_TIMEOUT, 5000000);
	metrics_dns_answer(DNS_R_BOGUS, 100);
	metrics_dns_cancelled();
	metrics_dns_cache_hit();
	metrics_spf_result_kept();
	metrics_spf_result_kept();
	metrics_report_row_queued();
	metrics_report_row_queued();
	metrics_report_row_queued();
	metrics_report_rows_stored(2);
	metrics_report_row_dropped(METRICS_DROP_REFUSED);
	metrics_report_row_dropped(METRICS_DROP_QUEUE_FULL);
	metrics_report_row_dropped(METRICS_DROP_QUEUE_FULL);
	metrics_report_row_dropped(METRICS_DROP_COUNT);	/* ignored */
	metrics_config_loaded(false);
	render(&b);
	assert_true(has_line(&b, "authmilter_dkim_signatures_total{algorithm=\"rsa-sha256\",key_size=\"2048\"} 1"));
	assert_true(has_line(&b, "authmilter_dkim_signatures_total{algorithm=\"rsa-sha256\",key_size=\"1024\"} 1"));
	assert_true(has_line(&b, "authmilter_dkim_signatures_total{algorithm=\"ed25519-sha256\",key_size=\"256\"} 1"));
	assert_true(has_line(&b, "authmilter_dkim_signatures_total{algorithm=\"other\",key_size=\"unknown\"} 1"));
	assert_true(has_line(&b, "authmilter_dns_queries_total 2"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"timeout\"} 1"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"bogus\"} 1"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"servfail\"} 0"));
	assert_true(has_line(&b, "authmilter_dns_queries_cancelled_total 1"));
	assert_true(has_line(&b, "authmilter_dns_cache_hits_total 1"));
	assert_true(has_line(&b, "authmilter_spf_results_kept_total 2"));
	assert_true(has_line(&b, "authmilter_dns_answer_duration_seconds_bucket{le=\"0.000500\"} 1"));
	assert_true(has_line(&b, "authmilter_dns_answer_duration_seconds_bucket{le=\"5.000000\"} 2"));
	assert_true(has_line(&b, "authmilter_report_rows_queued_total 3"));
	assert_true(has_line(&b, "authmilter_report_rows_stored_total 2"));
	assert_true(has_line(&b, "authmilter_report_rows_dropped_total{reason=\"refused\"} 1"));
	assert_true(has_line(&b, "authmilter_report_rows_dropped_total{reason=\"queue_full\"} 2"));
	assert_true(has_line(&b, "authmilter_config_reloads_total{result=\"refused\"} 1"));
	assert_true(has_line(&b, "authmilter_config_last_reload_success_timestamp_seconds 0"));
	/* nothing was signed: the counters after the "other" ones are not
	 * read as more of them */
	assert_null(strstr(buf_cstr(&b), "authmilter_dkim_signed_total{"));
	metrics_config_started();
	render(&b);
	assert_true(has_line(&b, "authmilter_config_reloads_total{result=\"ok\"} 0"));
	assert_false(has_line(&b, "authmilter_config_last_reload_success_timestamp_seconds 0"));
	metrics_config_loaded(true);
	render(&b);
	assert_true(has_line(&b, "authmilter_config_reloads_total{result=\"ok\"} 1"));
	buf_deinit(&b);
}

static void
test_signing_keys(void **state)
{
	struct buf b = BUF_INIT;
	char dom[32];
	size_t i;

	(void)state;
	metrics_dkim_signed("example.com", "r1", "rsa-sha256");
	metrics_dkim_signed("example.com", "r1", "rsa-sha256");
	metrics_dkim_signed("example.com", "e1", "ed25519-sha256");
	metrics_dkim_signed("we\"ird\\.test", "s\n1", "rsa-sha256");
	render(&b);
	assert_true(has_line(&b, "authmilter_dkim_signed_total{domain=\"example.com\","
	    "selector=\"r1\",algorithm=\"rsa-sha256\"} 2"));
	assert_true(has_line(&b, "authmilter_dkim_signed_total{domain=\"example.com\","
	    "selector=\"e1\",algorithm=\"ed25519-sha256\"} 1"));
	assert_true(has_line(&b, "authmilter_dkim_signed_total{domain=\"we\\\"ird\\\\.test\","
	    "selector=\"s\\n1\",algorithm=\"rsa-sha256\"} 1"));
	/* past the table, keys count as "other" instead of growing it */
	for (i = 0; i < METRICS_MAX_SIGN_KEYS + 10; i++) {
		(void)snprintf(dom, sizeof(dom), "d%zu.test", i);
		metrics_dkim_signed(dom, "s", "rsa-sha256");
	}
	render(&b);
	assert_true(has_line(&b, "authmilter_dkim_signed_total{domain=\"other\","
	    "selector=\"other\",algorithm=\"rsa-sha256\"} 13"));
	buf_deinit(&b);
}

/* count_prefix - rendered lines starting with prefix */
static size_t
count_prefix(const struct buf *b, const char *prefix)
{
	const char *p = buf_cstr(b), *nl;
	size_t n = 0, len = strlen(prefix);

	for (;;) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		if ((nl = strchr(p, '\n')) == NULL)
			return n;
		p = nl + 1;
	}
}

/* a full table renders every key; one more of any algorithm is "other",
 * shown once it is counted at all */
static void
test_signing_table_full(void **state)
{
	struct buf b = BUF_INIT;
	char dom[32];
	size_t i;

	(void)state;
	for (i = 0; i < METRICS_MAX_SIGN_KEYS; i++) {
		(void)snprintf(dom, sizeof(dom), "d%zu.test", i);
		metrics_dkim_signed(dom, "s", "rsa-sha256");
	}
	render(&b);
	assert_int_equal(count_prefix(&b, "authmilter_dkim_signed_total{domain=\"d"),
	    METRICS_MAX_SIGN_KEYS);
	assert_null(strstr(buf_cstr(&b), "domain=\"other\""));
	metrics_dkim_signed("late.test", "s", "ed25519-sha256");
	render(&b);
	assert_true(has_line(&b, "authmilter_dkim_signed_total{domain=\"other\","
	    "selector=\"other\",algorithm=\"ed25519-sha256\"} 1"));
	assert_int_equal(count_prefix(&b, "authmilter_dkim_signed_total{domain=\"other\""), 1);
	buf_deinit(&b);
}

/* each class boundary: a key of exactly the size is in that class */
static void
test_keysize_classes(void **state)
{
	static const struct { unsigned bits; const char *cls; } cases[] = {
		{ 255, "lt1024" }, { 256, "256" }, { 257, "lt1024" },
		{ 1023, "lt1024" }, { 1024, "1024" }, { 2047, "1024" },
		{ 2048, "2048" }, { 3071, "2048" }, { 3072, "3072" },
		{ 4095, "3072" }, { 4096, "4096" }, { 4097, "gt4096" },
	};
	struct buf b = BUF_INIT;
	char line[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_reset();
		metrics_dkim_signature("rsa-sha256", cases[i].bits);
		render(&b);
		(void)snprintf(line, sizeof(line), "authmilter_dkim_signatures_total"
		    "{algorithm=\"rsa-sha256\",key_size=\"%s\"} 1", cases[i].cls);
		if (!has_line(&b, line))
			fail_msg("%u bits: no line [%s]", cases[i].bits, line);
	}
	buf_deinit(&b);
}

/* an enum value out of range counts nowhere: not in a neighbour's
 * counter, not in a histogram */
static void
test_out_of_range_ignored(void **state)
{
	struct buf before = BUF_INIT, after = BUF_INIT;

	(void)state;
	render(&before);
	metrics_message(METRICS_STAGE_COUNT, METRICS_VERDICT_ACCEPT, 100);
	metrics_message(METRICS_STAGE_EOM, METRICS_VERDICT_COUNT, 100);
	metrics_result(METRICS_METHOD_COUNT, "none");
	metrics_report_row_dropped(METRICS_DROP_COUNT);
	render(&after);
	assert_string_equal(buf_cstr(&before), buf_cstr(&after));
	/* an unknown DNS status still took time, but has no series */
	metrics_dns_answer((enum dns_status)(DNS_R_ERROR + 1), 100);
	render(&after);
	assert_true(has_line(&after, "authmilter_dns_answer_duration_seconds_count 1"));
	assert_true(has_line(&after, "authmilter_config_reloads_total{result=\"ok\"} 0"));
	assert_int_equal(count_prefix(&after, "authmilter_dns_answers_total{"),
	    DNS_R_ERROR + 1);
	buf_deinit(&before);
	buf_deinit(&after);
}

/* every label combination of a family is rendered, once */
static void
test_series_per_family(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	render(&b);
	assert_int_equal(count_prefix(&b, "authmilter_messages_total{"),
	    METRICS_STAGE_COUNT * METRICS_VERDICT_COUNT);
	assert_int_equal(count_prefix(&b, "authmilter_results_total{"),
	    METRICS_METHOD_COUNT * 9);
	assert_int_equal(count_prefix(&b, "authmilter_dkim_signatures_total{"),
	    4 * 8);
	assert_int_equal(count_prefix(&b, "authmilter_dns_answers_total{"),
	    DNS_R_ERROR + 1);
	assert_int_equal(count_prefix(&b, "authmilter_report_rows_dropped_total{"),
	    METRICS_DROP_COUNT);
	assert_true(has_line(&b, "authmilter_messages_total{stage=\"mail_from\",verdict=\"accept\"} 0"));
	assert_true(has_line(&b, "authmilter_results_total{method=\"spf\",result=\"none\"} 0"));
	assert_true(has_line(&b, "authmilter_dkim_signatures_total{algorithm=\"rsa-sha256\",key_size=\"unknown\"} 0"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"answer\"} 0"));
	assert_true(has_line(&b, "authmilter_dkim_sign_failures_total 0"));
	metrics_dkim_sign_failed();
	metrics_dkim_sign_failed();
	render(&b);
	assert_true(has_line(&b, "authmilter_dkim_sign_failures_total 2"));
	buf_deinit(&b);
}

/* bump - one thread's share of concurrent updates */
static void *
bump(void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		metrics_message(METRICS_STAGE_EOM, METRICS_VERDICT_ACCEPT, i);
		metrics_dkim_signed("example.com", i % 2 ? "a" : "b", "rsa-sha256");
	}
	return NULL;
}

static void
test_concurrent_updates_exact(void **state)
{
	pthread_t tid[THREADS];
	struct buf b = BUF_INIT;
	char line[160];
	size_t i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, bump, NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	render(&b);
	(void)snprintf(line, sizeof(line), "authmilter_messages_total{stage=\"eom\","
	    "verdict=\"accept\"} %d", THREADS * PER_THREAD);
	assert_true(has_line(&b, line));
	(void)snprintf(line, sizeof(line), "authmilter_dkim_signed_total{domain="
	    "\"example.com\",selector=\"a\",algorithm=\"rsa-sha256\"} %d",
	    THREADS * PER_THREAD / 2);
	assert_true(has_line(&b, line));
	buf_deinit(&b);
}

struct addr_case {
	const char *spec;
	const char *error;	/* NULL: accepted */
	int family;
	const char *addr;
	unsigned port;
};

static const struct addr_case addr_cases[] = {
	{ "inet:8895@127.0.0.1", NULL, AF_INET, "127.0.0.1", 8895 },
	{ "inet:8895", NULL, AF_INET, "127.0.0.1", 8895 },
	{ "inet6:9100@::1", NULL, AF_INET6, "::1", 9100 },
	{ "inet6:9100@[::1]", NULL, AF_INET6, "::1", 9100 },
	{ "inet6:1", NULL, AF_INET6, "::1", 1 },
	{ "inet:0@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet:65536@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet:123456@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet:@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet:80x@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet:80@", "missing", 0, NULL, 0 },
	{ "inet:80@localhost", "numeric IPv4", 0, NULL, 0 },
	{ "inet:80@::1", "numeric IPv4", 0, NULL, 0 },
	{ "inet6:80@127.0.0.1", "numeric IPv6", 0, NULL, 0 },
	{ "inet:80@1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25",
	  "over-long", 0, NULL, 0 },
	/* 64 characters: one more than the buffer holds with its NUL */
	{ "inet:80@1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.4567",
	  "over-long", 0, NULL, 0 },
	{ "inet:65535@127.0.0.1", NULL, AF_INET, "127.0.0.1", 65535 },
	/* ten digits would wrap an unsigned to 80 */
	{ "inet:4294967376@127.0.0.1", "port must be", 0, NULL, 0 },
	{ "inet6:80@[]", "missing", 0, NULL, 0 },
	{ "inet6:", "expected", 0, NULL, 0 },
	{ "unix:/run/x", "expected", 0, NULL, 0 },
	{ "inet:", "expected", 0, NULL, 0 },
	{ "", "expected", 0, NULL, 0 },
};

static void
test_addr_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char text[64] = "";
		const char *why;
		unsigned port = 0;

		/* what bind() gets must have no stale bytes (sin_zero) */
		memset(&ss, 0xa5, sizeof(ss));
		why = metrics_addr_parse(c->spec, strlen(c->spec), &ss, &len);

		if (c->error != NULL) {
			if (why == NULL || strstr(why, c->error) == NULL)
				fail_msg("%s: got [%s], want [%s]", c->spec,
				    why ? why : "accepted", c->error);
			continue;
		}
		if (why != NULL)
			fail_msg("%s: refused: %s", c->spec, why);
		assert_int_equal(ss.ss_family, c->family);
		if (c->family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)&ss;
			static const unsigned char zero[sizeof(s4->sin_zero)];

			(void)inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
			port = ntohs(s4->sin_port);
			assert_int_equal(len, sizeof(*s4));
			assert_memory_equal(s4->sin_zero, zero, sizeof(zero));
		} else {
			const struct sockaddr_in6 *s6 = (const void *)&ss;

			(void)inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
			port = ntohs(s6->sin6_port);
			assert_int_equal(len, sizeof(*s6));
			assert_int_equal(s6->sin6_flowinfo, 0);
			assert_int_equal(s6->sin6_scope_id, 0);
		}
		assert_string_equal(text, c->addr);
		assert_int_equal(port, c->port);
	}
	/* (ptr,len): bytes past len are not read */
	{
		struct sockaddr_storage ss;
		socklen_t len;

		assert_null(metrics_addr_parse("inet:8895@127.0.0.1junk", 19, &ss, &len));
	}
}

/* the resolver front (dns.c) counts: each lookup one query, each
 * answer one by status and in the latency histogram, each abandoned
 * query one cancelled; a bad name is a query answered "error"; a lookup
 * with a give-up time is waited for in slices, and counted alike */
static void
test_dns_front_counts(void **state)
{
	static const struct dns_fake_record zone[] = {
		{ "a.test", DNS_T_TXT, DNS_R_ANSWER, "x", 0, 0 },
	};
	struct dns_resolver *r = dns_resolver_new_fake(zone, 1, 300);
	struct dns_answer *a;
	struct dns_query *q;
	struct buf b = BUF_INIT;
	const _Atomic uint64_t never = 0;	/* no give-up time */

	(void)state;
	a = dns_lookup(r, "a.test", DNS_T_TXT, 0);
	dns_answer_free(&a);
	a = dns_lookup(r, "bad..test", DNS_T_TXT, 0);
	dns_answer_free(&a);
	q = dns_query_start(r, "a.test", DNS_T_TXT);
	a = dns_query_wait(&q, 0);
	dns_answer_free(&a);
	q = dns_query_start(r, "a.test", DNS_T_TXT);
	dns_query_cancel(&q);
	q = dns_query_start(r, "bad..test", DNS_T_TXT);	/* answered early */
	dns_query_cancel(&q);
	q = dns_query_start(r, "bad..test", DNS_T_TXT);
	a = dns_query_wait(&q, 0);
	dns_answer_free(&a);
	a = dns_lookup_until(r, "a.test", DNS_T_TXT, 0, &never);
	dns_answer_free(&a);
	render(&b);
	assert_true(has_line(&b, "authmilter_dns_queries_total 7"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"answer\"} 3"));
	assert_true(has_line(&b, "authmilter_dns_answers_total{status=\"error\"} 2"));
	assert_true(has_line(&b, "authmilter_dns_answer_duration_seconds_count 5"));
	assert_true(has_line(&b, "authmilter_dns_queries_cancelled_total 2"));
	dns_resolver_free(&r);
	buf_deinit(&b);
}

/* the callers count: an answer the in-process DNS cache gives back
 * (dns_cache.c) is one cache hit */
static void
test_dns_cache_counts_hit(void **state)
{
	struct dns_cache *c = dns_cache_new(DNS_CACHE_WAYS, 65536);
	struct dns_answer *a = dns_answer_new(DNS_R_ANSWER), *got;
	struct buf b = BUF_INIT;

	(void)state;
	a->ttl = 60;
	dns_cache_put(c, "kept.test", DNS_T_TXT, a, 1000);
	assert_null(dns_cache_get(c, "other.test", DNS_T_TXT, 2000));
	got = dns_cache_get(c, "kept.test", DNS_T_TXT, 2000);
	assert_non_null(got);
	render(&b);
	assert_true(has_line(&b, "authmilter_dns_cache_hits_total 1"));
	dns_answer_free(&got);
	dns_answer_free(&a);
	dns_cache_free(&c);
	buf_deinit(&b);
}

/* ... and an SPF evaluation answered from the results the pool's
 * checkers keep together (spf.c) is one kept result: the second of two
 * alike */
static void
test_spf_pool_counts_kept_result(void **state)
{
	static const struct dns_fake_record zone[] = {
		{ "pass.test", DNS_T_TXT, DNS_R_ANSWER,
		  "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
	};
	struct dns_resolver *r = dns_resolver_new_fake(zone, 1, 300);
	struct spf_pool *p = spf_pool_new(r, 1);
	struct spf_request req = { "192.0.2.1", "h.test", "a@pass.test",
	    SPF_ID_MAILFROM, 0 };
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct spf_checker *c = spf_pool_take(p, NULL, "mx.test");
		struct spf_result res;

		spf_check(c, &req, &res);
		assert_int_equal(res.res, SPF_RES_PASS);
		spf_result_deinit(&res);
		spf_pool_give(p, &c);
	}
	render(&b);
	assert_true(has_line(&b, "authmilter_spf_results_kept_total 1"));
	spf_pool_free(&p);
	dns_resolver_free(&r);
	buf_deinit(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_messages_and_results, reset, reset),
		cmocka_unit_test_setup_teardown(test_dkim_dns_reports, reset, reset),
		cmocka_unit_test_setup_teardown(test_signing_keys, reset, reset),
		cmocka_unit_test_setup_teardown(test_signing_table_full, reset, reset),
		cmocka_unit_test_setup_teardown(test_keysize_classes, reset, reset),
		cmocka_unit_test_setup_teardown(test_out_of_range_ignored, reset, reset),
		cmocka_unit_test_setup_teardown(test_series_per_family, reset, reset),
		cmocka_unit_test_setup_teardown(test_concurrent_updates_exact, reset, reset),
		cmocka_unit_test_setup_teardown(test_dns_front_counts, reset, reset),
		cmocka_unit_test_setup_teardown(test_dns_cache_counts_hit, reset, reset),
		cmocka_unit_test_setup_teardown(test_spf_pool_counts_kept_result, reset, reset),
		cmocka_unit_test(test_addr_parse),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
