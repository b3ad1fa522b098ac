/*
 * metrics.c - process-wide counters and histograms, and their rendering
 * in the Prometheus text exposition format (version 0.0.4).
 *
 * Exported (see metrics.h): metrics_message, metrics_result,
 * metrics_dkim_signature, metrics_dkim_signed, metrics_dkim_sign_failed,
 * metrics_dns_query, metrics_dns_answer, metrics_dns_cancelled,
 * metrics_dns_cache_hit, metrics_spf_result_kept,
 * metrics_config_started, metrics_config_loaded, metrics_report_row_queued,
 * metrics_report_rows_stored, metrics_report_row_dropped, metrics_render,
 * metrics_reset,
 * metrics_now_us.
 *
 * Updates are relaxed atomic adds: the message path never takes a lock.
 * A scrape reads each counter once; counters only grow, so a scrape that
 * races an update shows the old or the new value, both true at some
 * instant. A histogram keeps one counter per bucket and renders the
 * cumulative sums, with _count equal to the +Inf bucket so the two always
 * agree. Signing keys live in a fixed open-addressing table whose slots
 * are claimed with compare-and-swap; their names come from our own
 * configuration, and past METRICS_MAX_SIGN_KEYS keys count as "other".
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/metrics.h"
#include "util/xmalloc.h"

typedef atomic_uint_least64_t counter_t;

#define INC(c) atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define ADD(c, n) atomic_fetch_add_explicit(&(c), (n), memory_order_relaxed)
#define GET(c) atomic_load_explicit(&(c), memory_order_relaxed)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Result words counted per method, then "unknown". */
static const char *const result_words[] = {
	"none", "pass", "fail", "softfail", "neutral", "policy",
	"temperror", "permerror", "unknown"
};
#define RESULT_COUNT NELEM(result_words)

static const char *const method_words[METRICS_METHOD_COUNT] = {
	"spf", "spf_helo", "dkim", "dmarc", "arc"
};
static const char *const stage_words[METRICS_STAGE_COUNT] = {
	"mail_from", "eom"
};
static const char *const drop_words[METRICS_DROP_COUNT] = {
	"queue_full", "refused"
};
static const char *const verdict_words[METRICS_VERDICT_COUNT] = {
	"accept", "reject", "tempfail", "quarantine", "quarantine_header"
};
static const char *const alg_words[] = {
	"rsa-sha256", "rsa-sha1", "ed25519-sha256", "other"
};
#define ALG_COUNT NELEM(alg_words)
/* Key size classes: the RSA sizes in use, ed25519's fixed 256 bits. */
static const char *const keysize_words[] = {
	"unknown", "256", "lt1024", "1024", "2048", "3072", "4096", "gt4096"
};
#define KEYSIZE_COUNT NELEM(keysize_words)
#define DNS_STATUS_COUNT (DNS_R_ERROR + 1)

/* Histogram bucket bounds in microseconds (rendered in seconds). */
static const uint64_t duration_bounds_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000, 10000000
};
#define BUCKETS NELEM(duration_bounds_us)

struct histogram {
	counter_t bucket[BUCKETS + 1];	/* last: above every bound */
	counter_t sum_us;
};

struct sign_key {
	char *domain, *selector;
	unsigned alg;			/* index into alg_words */
	counter_t count;
};

static struct {
	counter_t messages[METRICS_STAGE_COUNT][METRICS_VERDICT_COUNT];
	counter_t results[METRICS_METHOD_COUNT][RESULT_COUNT];
	counter_t dkim_sigs[ALG_COUNT][KEYSIZE_COUNT];
	counter_t dkim_sign_failed;
	counter_t dkim_signed_other[ALG_COUNT];
	counter_t dns_queries, dns_cancelled, dns_cache_hits;
	counter_t spf_results_kept;
	counter_t dns_answers[DNS_STATUS_COUNT];
	counter_t reloads_ok, reloads_refused;
	atomic_int_least64_t last_reload_ok;	/* Unix time, 0: never */
	counter_t report_rows_queued, report_rows_stored;
	counter_t report_rows_dropped[METRICS_DROP_COUNT];
	struct histogram message_time, dns_time;
} m;

static _Atomic(struct sign_key *) sign_keys[METRICS_MAX_SIGN_KEYS];

/* metrics_now_us - monotonic microseconds */
uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* observe - add one value to a histogram */
static void
observe(struct histogram *h, uint64_t us)
{
	size_t i;

	for (i = 0; i < BUCKETS && us > duration_bounds_us[i]; i++)
		;
	INC(h->bucket[i]);
	ADD(h->sum_us, us);
}

/* word_index - position of word in list[0..n), or n - 1 (the catch-all) */
static size_t
word_index(const char *const *list, size_t n, const char *word)
{
	size_t i;

	for (i = 0; word != NULL && i + 1 < n; i++)
		if (strcmp(list[i], word) == 0)
			return i;
	return n - 1;
}

/* keysize_class - index into keysize_words */
static size_t
keysize_class(unsigned bits)
{
	if (bits == 0)
		return 0;
	if (bits == 256)
		return 1;
	if (bits < 1024)
		return 2;
	if (bits < 2048)
		return 3;
	if (bits < 3072)
		return 4;
	if (bits < 4096)
		return 5;
	if (bits == 4096)
		return 6;
	return 7;
}

void
metrics_message(enum metrics_stage stage, enum metrics_verdict verdict,
    uint64_t elapsed_us)
{
	if ((unsigned)stage >= METRICS_STAGE_COUNT ||
	    (unsigned)verdict >= METRICS_VERDICT_COUNT)
		return;
	INC(m.messages[stage][verdict]);
	observe(&m.message_time, elapsed_us);
}

void
metrics_result(enum metrics_method method, const char *result)
{
	if ((unsigned)method >= METRICS_METHOD_COUNT)
		return;
	INC(m.results[method][word_index(result_words, RESULT_COUNT, result)]);
}

void
metrics_dkim_signature(const char *algorithm, unsigned key_bits)
{
	INC(m.dkim_sigs[word_index(alg_words, ALG_COUNT, algorithm)]
	    [keysize_class(key_bits)]);
}

/* key_hash - FNV-1a over domain, selector and algorithm */
static size_t
key_hash(const char *domain, const char *selector, size_t alg)
{
	uint64_t h = 1469598103934665603u;
	const char *parts[2] = { domain, selector };
	size_t i;

	for (i = 0; i < 2; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p != '\0'; p++)
			h = (h ^ *p) * 1099511628211u;
		h = (h ^ 0xff) * 1099511628211u;
	}
	h = (h ^ alg) * 1099511628211u;
	return (size_t)(h % METRICS_MAX_SIGN_KEYS);
}

void
metrics_dkim_signed(const char *domain, const char *selector,
    const char *algorithm)
{
	size_t alg = word_index(alg_words, ALG_COUNT, algorithm);
	size_t start = key_hash(domain, selector, alg), i;
	struct sign_key *fresh = NULL;

	for (i = 0; i < METRICS_MAX_SIGN_KEYS; i++) {
		_Atomic(struct sign_key *) *slot =
		    &sign_keys[(start + i) % METRICS_MAX_SIGN_KEYS];
		struct sign_key *k = atomic_load(slot);

		if (k == NULL) {
			if (fresh == NULL) {
				fresh = xcalloc(1, sizeof(*fresh));
				fresh->domain = xstrdup(domain);
				fresh->selector = xstrdup(selector);
				fresh->alg = (unsigned)alg;
			}
			if (atomic_compare_exchange_strong(slot, &k, fresh)) {
				INC(fresh->count);
				return;
			}
			/* another thread took the slot: k is its key */
		}
		if (k->alg == alg && strcmp(k->domain, domain) == 0 &&
		    strcmp(k->selector, selector) == 0) {
			if (fresh != NULL) {
				free(fresh->domain);
				free(fresh->selector);
				free(fresh);
			}
			INC(k->count);
			return;
		}
	}
	if (fresh != NULL) {
		free(fresh->domain);
		free(fresh->selector);
		free(fresh);
	}
	INC(m.dkim_signed_other[alg]);
}

void
metrics_dkim_sign_failed(void)
{
	INC(m.dkim_sign_failed);
}

void
metrics_dns_query(void)
{
	INC(m.dns_queries);
}

void
metrics_dns_answer(enum dns_status status, uint64_t elapsed_us)
{
	if ((unsigned)status < DNS_STATUS_COUNT)
		INC(m.dns_answers[status]);
	observe(&m.dns_time, elapsed_us);
}

void
metrics_dns_cancelled(void)
{
	INC(m.dns_cancelled);
}

void
metrics_dns_cache_hit(void)
{
	INC(m.dns_cache_hits);
}

void
metrics_spf_result_kept(void)
{
	INC(m.spf_results_kept);
}

void
metrics_config_started(void)
{
	atomic_store_explicit(&m.last_reload_ok, (int_least64_t)time(NULL),
	    memory_order_relaxed);
}

void
metrics_config_loaded(bool ok)
{
	if (!ok) {
		INC(m.reloads_refused);
		return;
	}
	INC(m.reloads_ok);
	atomic_store_explicit(&m.last_reload_ok, (int_least64_t)time(NULL),
	    memory_order_relaxed);
}

void
metrics_report_row_queued(void)
{
	INC(m.report_rows_queued);
}

void
metrics_report_rows_stored(unsigned n)
{
	atomic_fetch_add_explicit(&m.report_rows_stored, n,
	    memory_order_relaxed);
}

void
metrics_report_row_dropped(enum metrics_drop why)
{
	if ((unsigned)why < METRICS_DROP_COUNT)
		INC(m.report_rows_dropped[why]);
}

/* head - the HELP and TYPE lines of a metric family */
static void
head(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* label_value - a label value with \, " and newline escaped */
static void
label_value(struct buf *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			buf_append_byte(out, '\\');
		if (*v == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append_byte(out, (unsigned char)*v);
	}
}

/* seconds - microseconds as decimal seconds */
static void
seconds(struct buf *out, uint64_t us)
{
	buf_printf(out, "%llu.%06llu", (unsigned long long)(us / 1000000u),
	    (unsigned long long)(us % 1000000u));
}

/* render_histogram - buckets, sum and count of one histogram */
static void
render_histogram(struct buf *out, const char *name, const char *help,
    struct histogram *h)
{
	uint64_t cum = 0;
	size_t i;

	head(out, name, "histogram", help);
	for (i = 0; i < BUCKETS; i++) {
		cum += GET(h->bucket[i]);
		buf_printf(out, "%s_bucket{le=\"", name);
		seconds(out, duration_bounds_us[i]);
		buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
	}
	cum += GET(h->bucket[BUCKETS]);
	buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum ", name,
	    (unsigned long long)cum, name);
	seconds(out, GET(h->sum_us));
	buf_printf(out, "\n%s_count %llu\n", name, (unsigned long long)cum);
}

/* render_signed - authmilter_dkim_signed_total, one series per key */
static void
render_signed(struct buf *out)
{
	size_t i;

	head(out, "authmilter_dkim_signed_total", "counter",
	    "DKIM signatures made, by signing domain, selector and algorithm "
	    "of our configuration");
	for (i = 0; i < METRICS_MAX_SIGN_KEYS; i++) {
		struct sign_key *k = atomic_load(&sign_keys[i]);

		if (k == NULL)
			continue;
		buf_append_str(out, "authmilter_dkim_signed_total{domain=\"");
		label_value(out, k->domain);
		buf_append_str(out, "\",selector=\"");
		label_value(out, k->selector);
		buf_printf(out, "\",algorithm=\"%s\"} %llu\n", alg_words[k->alg],
		    (unsigned long long)GET(k->count));
	}
	for (i = 0; i < ALG_COUNT; i++)
		if (GET(m.dkim_signed_other[i]) > 0)
			buf_printf(out, "authmilter_dkim_signed_total{domain=\"other\","
			    "selector=\"other\",algorithm=\"%s\"} %llu\n", alg_words[i],
			    (unsigned long long)GET(m.dkim_signed_other[i]));
	head(out, "authmilter_dkim_sign_failures_total", "counter",
	    "DKIM signatures we meant to make and could not");
	buf_printf(out, "authmilter_dkim_sign_failures_total %llu\n",
	    (unsigned long long)GET(m.dkim_sign_failed));
}

/* render_messages - messages by stage and verdict, results by method */
static void
render_messages(struct buf *out)
{
	size_t i, j;

	head(out, "authmilter_messages_total", "counter",
	    "Messages judged, by the stage that decided and the verdict");
	for (i = 0; i < METRICS_STAGE_COUNT; i++)
		for (j = 0; j < METRICS_VERDICT_COUNT; j++)
			buf_printf(out, "authmilter_messages_total{stage=\"%s\","
			    "verdict=\"%s\"} %llu\n", stage_words[i], verdict_words[j],
			    (unsigned long long)GET(m.messages[i][j]));
	head(out, "authmilter_results_total", "counter",
	    "Authentication results, by method and result");
	for (i = 0; i < METRICS_METHOD_COUNT; i++)
		for (j = 0; j < RESULT_COUNT; j++)
			buf_printf(out, "authmilter_results_total{method=\"%s\","
			    "result=\"%s\"} %llu\n", method_words[i], result_words[j],
			    (unsigned long long)GET(m.results[i][j]));
	head(out, "authmilter_dkim_signatures_total", "counter",
	    "DKIM signatures verified, by algorithm and key size class (bits)");
	for (i = 0; i < ALG_COUNT; i++)
		for (j = 0; j < KEYSIZE_COUNT; j++)
			buf_printf(out, "authmilter_dkim_signatures_total{algorithm=\"%s\","
			    "key_size=\"%s\"} %llu\n", alg_words[i], keysize_words[j],
			    (unsigned long long)GET(m.dkim_sigs[i][j]));
	render_histogram(out, "authmilter_message_duration_seconds",
	    "Time the milter spent on a message, MAIL FROM to verdict",
	    &m.message_time);
}

/* render_dns - resolver counters and answer latency */
static void
render_dns(struct buf *out)
{
	size_t i;

	head(out, "authmilter_dns_queries_total", "counter",
	    "DNS lookups asked of the resolver");
	buf_printf(out, "authmilter_dns_queries_total %llu\n",
	    (unsigned long long)GET(m.dns_queries));
	head(out, "authmilter_dns_queries_cancelled_total", "counter",
	    "DNS lookups abandoned before their answer (no longer needed)");
	buf_printf(out, "authmilter_dns_queries_cancelled_total %llu\n",
	    (unsigned long long)GET(m.dns_cancelled));
	head(out, "authmilter_dns_cache_hits_total", "counter",
	    "DNS answers served from the in-process cache");
	buf_printf(out, "authmilter_dns_cache_hits_total %llu\n",
	    (unsigned long long)GET(m.dns_cache_hits));
	head(out, "authmilter_spf_results_kept_total", "counter",
	    "SPF evaluations answered from a result kept while the DNS answers "
	    "it read live");
	buf_printf(out, "authmilter_spf_results_kept_total %llu\n",
	    (unsigned long long)GET(m.spf_results_kept));
	head(out, "authmilter_dns_answers_total", "counter",
	    "DNS lookups finished, by outcome (timeout, servfail, bogus: DNSSEC "
	    "validation failed)");
	for (i = 0; i < DNS_STATUS_COUNT; i++)
		buf_printf(out, "authmilter_dns_answers_total{status=\"%s\"} %llu\n",
		    dns_status_name((enum dns_status)i),
		    (unsigned long long)GET(m.dns_answers[i]));
	render_histogram(out, "authmilter_dns_answer_duration_seconds",
	    "Time from asking a DNS lookup to its answer (or timeout)",
	    &m.dns_time);
}

void
metrics_render(struct buf *out, unsigned connections_open)
{
	size_t i;

	head(out, "authmilter_build_info", "gauge",
	    "Always 1; the version label says which build is running");
	buf_printf(out, "authmilter_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	render_messages(out);
	render_signed(out);
	render_dns(out);
	head(out, "authmilter_connections_open", "gauge",
	    "MTA connections open right now");
	buf_printf(out, "authmilter_connections_open %u\n", connections_open);
	head(out, "authmilter_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), accepted or refused");
	buf_printf(out, "authmilter_config_reloads_total{result=\"ok\"} %llu\n"
	    "authmilter_config_reloads_total{result=\"refused\"} %llu\n",
	    (unsigned long long)GET(m.reloads_ok),
	    (unsigned long long)GET(m.reloads_refused));
	head(out, "authmilter_config_last_reload_success_timestamp_seconds",
	    "gauge", "Unix time of the last configuration load accepted "
	    "(start-up or reload)");
	buf_printf(out, "authmilter_config_last_reload_success_timestamp_seconds "
	    "%lld\n", (long long)atomic_load(&m.last_reload_ok));
	head(out, "authmilter_report_rows_queued_total", "counter",
	    "DMARC aggregate report rows handed to the report writer");
	buf_printf(out, "authmilter_report_rows_queued_total %llu\n",
	    (unsigned long long)GET(m.report_rows_queued));
	head(out, "authmilter_report_rows_stored_total", "counter",
	    "DMARC aggregate report rows the report store has");
	buf_printf(out, "authmilter_report_rows_stored_total %llu\n",
	    (unsigned long long)GET(m.report_rows_stored));
	head(out, "authmilter_report_rows_dropped_total", "counter",
	    "DMARC aggregate report rows thrown away: the writer's queue was "
	    "full, or the store refused the row");
	for (i = 0; i < METRICS_DROP_COUNT; i++)
		buf_printf(out, "authmilter_report_rows_dropped_total{reason=\"%s\"} "
		    "%llu\n", drop_words[i],
		    (unsigned long long)GET(m.report_rows_dropped[i]));
}

void
metrics_reset(void)
{
	size_t i;

	for (i = 0; i < METRICS_MAX_SIGN_KEYS; i++) {
		struct sign_key *k = atomic_exchange(&sign_keys[i], NULL);

		if (k != NULL) {
			free(k->domain);
			free(k->selector);
			free(k);
		}
	}
	memset(&m, 0, sizeof(m));
}
