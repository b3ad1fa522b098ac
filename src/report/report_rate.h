/* report_rate.h - the failure reports' rate limit (RFC 9991): so many
 * reports per policy domain in each hour, for the REPORT_RATE_DOMAINS
 * domains seen last */
#ifndef AUTHMILTER_REPORT_RATE_H
#define AUTHMILTER_REPORT_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define REPORT_RATE_DOMAINS	1024	/* domains the rate limit tracks */

struct report_rate;

/* report_rate_new - per_hour reports for each domain and hour */
struct report_rate *report_rate_new(unsigned per_hour);

/*
 * report_rate_take - count one report for domain in hour (any clock's
 * hour number; a new one starts the count again): false when it is over
 * the limit. A domain not tracked takes a free slot, or when none is
 * left that of the domain counted longest ago.
 */
bool report_rate_take(struct report_rate *r, const char *domain,
    int64_t hour);

void report_rate_free(struct report_rate **rp);

#endif
