/* report_row.h - one DMARC evaluation as the aggregate-report store keeps it
 *
 * The daemon fills a row at end of message from what DMARC evaluated
 * (milter/report_hook.c), hands it to the writer queue (report_queue.h),
 * and the writer thread inserts it (report_store.h). Fixed-size fields:
 * a row is one allocation, and text longer than a field is cut (domains
 * cannot be longer; rua/ruf beyond REPORT_URI_SIZE lose their tail).
 */
#ifndef AUTHMILTER_REPORT_ROW_H
#define AUTHMILTER_REPORT_ROW_H

#include <stdint.h>

#define REPORT_DOMAIN_SIZE	256	/* 253 + NUL, rounded */
#define REPORT_QID_SIZE		64
#define REPORT_IP_SIZE		64	/* printable IPv4/IPv6 */
#define REPORT_URI_SIZE		1024	/* rua= / ruf= as published */
#define REPORT_WORD_SIZE	32	/* p=, fo=, result names ... */
#define REPORT_COMMENT_SIZE	128
#define REPORT_MAX_DKIM		8	/* signatures kept per message */

struct report_dkim {
	char domain[REPORT_DOMAIN_SIZE];	/* d= */
	char selector[REPORT_DOMAIN_SIZE];	/* s= */
	char result[REPORT_WORD_SIZE];		/* RFC 8601 2.7.1 name */
};

struct report_row {
	int64_t arrival;			/* Unix time */
	char queue_id[REPORT_QID_SIZE];
	char source_ip[REPORT_IP_SIZE];
	char header_from[REPORT_DOMAIN_SIZE];
	char envelope_from[REPORT_DOMAIN_SIZE];	/* "" for the null sender */
	char policy_domain[REPORT_DOMAIN_SIZE];
	/* the policy record as published ("" when the tag was absent) */
	char p[REPORT_WORD_SIZE], sp[REPORT_WORD_SIZE], np[REPORT_WORD_SIZE];
	char adkim[2], aspf[2];			/* "r" or "s" */
	char testing[2];			/* "y" or "n" */
	char psd[2];				/* "y", "n" or "u" */
	char fo[REPORT_WORD_SIZE];
	int pct;				/* RFC 7489 pct= (100 when absent) */
	char rua[REPORT_URI_SIZE], ruf[REPORT_URI_SIZE];
	char discovery[REPORT_WORD_SIZE];	/* "treewalk" or "psl" */
	/* the evaluation */
	char dmarc_result[REPORT_WORD_SIZE];	/* pass, fail, temperror ... */
	int dkim_aligned, spf_aligned;		/* 0 or 1 */
	char disposition[REPORT_WORD_SIZE];	/* none, quarantine, reject */
	char override_type[REPORT_WORD_SIZE];	/* "" or local_policy, ... */
	char override_comment[REPORT_COMMENT_SIZE];
	/* SPF as DMARC used it (RFC 9990: the MAIL FROM identity) */
	char spf_domain[REPORT_DOMAIN_SIZE];
	char spf_scope[REPORT_WORD_SIZE];	/* "mfrom" or "helo" */
	char spf_result[REPORT_WORD_SIZE];
	/* DKIM, one entry per signature */
	unsigned dkim_count;
	struct report_dkim dkim[REPORT_MAX_DKIM];
};

/* report_row_copy_text - copy src into a field of size n, cutting what
 * does not fit (at a character's start) and replacing with '?' control
 * characters (tab, newline: the store's encoded DKIM list stays
 * parseable) and bytes that are not UTF-8 (a PostgreSQL store refuses
 * them, and an XML report must not carry them) */
void report_row_copy_text(char *dst, size_t n, const char *src);

#endif
