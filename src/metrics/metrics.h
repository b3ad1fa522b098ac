/* metrics.h - the daemon's counters and histograms, for GET /metrics
 *
 * Every update is a relaxed C11 atomic add on a process-wide counter: no
 * lock, no allocation (except the first time a signing key is seen), safe
 * from any thread. The HTTP thread (metrics_http.c) reads them with
 * metrics_render. Label values come only from the fixed enums below and
 * from our own configuration (signing domain/selector), never from mail,
 * so the number of series cannot grow with the traffic.
 *
 * Callers outside the milter layer:
 *   reports (DMARC aggregate rows): metrics_report_row_queued() when a row
 *   enters the report writer's queue, metrics_report_rows_stored(n) when
 *   the store has n more, metrics_report_row_dropped(reason) when one is
 *   thrown away: the queue was full (never queued) or the store refused
 *   it (queued, never stored). So queued = stored + dropped{refused} +
 *   rows still waiting. All are exposed at 0 until called.
 *   ARC: metrics_result(METRICS_METHOD_ARC, "pass") per message evaluated.
 */
#ifndef AUTHMILTER_METRICS_H
#define AUTHMILTER_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/buf.h"

/* Where a message got its verdict. */
enum metrics_stage {
	METRICS_STAGE_MAIL_FROM = 0,	/* refused at MAIL FROM: SPF, a stop */
	METRICS_STAGE_EOM,		/* end of message */
	METRICS_STAGE_COUNT
};

/* Verdicts (mirrors enum verdict_kind in policy/policy.h). */
enum metrics_verdict {
	METRICS_VERDICT_ACCEPT = 0,
	METRICS_VERDICT_REJECT,
	METRICS_VERDICT_TEMPFAIL,
	METRICS_VERDICT_QUARANTINE,
	METRICS_VERDICT_QUARANTINE_HEADER,
	METRICS_VERDICT_COUNT
};

/* Authentication methods with results. */
enum metrics_method {
	METRICS_METHOD_SPF = 0,
	METRICS_METHOD_SPF_HELO,
	METRICS_METHOD_DKIM,
	METRICS_METHOD_DMARC,
	METRICS_METHOD_ARC,
	METRICS_METHOD_COUNT
};

/* Most signing keys counted separately; further ones count as "other". */
#define METRICS_MAX_SIGN_KEYS 256

/* metrics_message - one message finished (or was refused at MAIL FROM)
 * with verdict after elapsed_us microseconds of our own time */
void metrics_message(enum metrics_stage stage, enum metrics_verdict verdict,
    uint64_t elapsed_us);
/* metrics_result - one result of a method; result is an RFC 8601 word
 * ("pass", "fail", "softfail", "neutral", "none", "policy", "temperror",
 * "permerror"); any other word counts as "unknown" */
void metrics_result(enum metrics_method method, const char *result);
/* metrics_dkim_signature - one DKIM signature seen; algorithm is the a=
 * tag (anything but rsa-sha256, rsa-sha1, ed25519-sha256 is "other"),
 * key_bits the key size (0: no key read) */
void metrics_dkim_signature(const char *algorithm, unsigned key_bits);
/* metrics_dkim_signed - we signed with a key of our configuration
 * (domain and selector from the config, never from mail). Copies the
 * strings the first time a key is seen. */
void metrics_dkim_signed(const char *domain, const char *selector,
    const char *algorithm);
/* metrics_dkim_sign_failed - a signature we meant to make failed */
void metrics_dkim_sign_failed(void);
/* metrics_dns_query - one lookup asked of the resolver */
void metrics_dns_query(void);
/* metrics_dns_answer - one lookup finished with status after elapsed_us */
void metrics_dns_answer(enum dns_status status, uint64_t elapsed_us);
/* metrics_dns_cancelled - one lookup abandoned before its answer */
void metrics_dns_cancelled(void);
/* metrics_dns_cache_hit - one answer came from the in-process cache */
void metrics_dns_cache_hit(void);
/* metrics_spf_result_kept - one SPF evaluation answered from the results
 * kept while their DNS answers live (spf_results.h) */
void metrics_spf_result_kept(void);
/* metrics_config_started - the configuration the daemon started with:
 * the last-success timestamp is now; no reload is counted, as none
 * happened (a restart would read as one on a dashboard) */
void metrics_config_started(void);
/* metrics_config_loaded - a reload was accepted (ok) or refused; an
 * accepted one sets the last-success timestamp to now */
void metrics_config_loaded(bool ok);
/* why a DMARC report row was thrown away */
enum metrics_drop {
	METRICS_DROP_QUEUE_FULL,	/* the writer's queue was full */
	METRICS_DROP_REFUSED,		/* the store refused the row */
	METRICS_DROP_COUNT
};

/* metrics_report_row_queued / _rows_stored / _row_dropped - DMARC report
 * rows (see above) */
void metrics_report_row_queued(void);
void metrics_report_rows_stored(unsigned n);
void metrics_report_row_dropped(enum metrics_drop why);

/* metrics_render - append every metric in the Prometheus text format
 * (version 0.0.4) to out; connections_open is the current gauge value */
void metrics_render(struct buf *out, unsigned connections_open);
/* metrics_reset - zero every counter and free the signing-key table
 * (at exit, so leak checkers see nothing; and between unit tests). Only
 * when no other thread updates metrics. */
void metrics_reset(void);
/* metrics_now_us - monotonic microseconds (for elapsed times) */
uint64_t metrics_now_us(void);

#endif
