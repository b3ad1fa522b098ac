/* conf.h - the configuration: one immutable, reference-counted snapshot */
#ifndef AUTHMILTER_CONF_H
#define AUTHMILTER_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/cidr.h"

struct crypto_privkey;

struct sign_setup;

enum conf_log_to { CONF_LOG_SYSLOG = 0, CONF_LOG_STDERR };

/* A list of words from a list-valued option; items[count] is NULL (or
 * items is NULL when the list is empty). */
struct conf_list {
	char **items;
	size_t count;
};

/*
 * Every field is filled from the option table in conf_options.c, which
 * names each option, its type, default and bounds. After conf_load
 * returns, a snapshot is never modified; share it with conf_ref and
 * release it with conf_unref.
 */
struct conf {
	int refcnt;			/* atomic; see conf_ref */
	char *file;			/* where it was read from */
	unsigned *option_line;		/* per conf_options row: its line, 0 unset */

	/* daemon */
	char *socket;
	unsigned socket_mode;
	char *user_id;
	char *pid_file;
	unsigned shutdown_timeout_ms;
	bool run_as_root;		/* may keep running as root (default no) */

	/* logging */
	int log_to;			/* enum conf_log_to */
	int log_facility;		/* syslog facility value */
	int log_level;			/* enum log_level */
	int log_format;			/* enum log_format */

	/* monitoring */
	char *metrics_socket;		/* inet:PORT@ADDR of GET /metrics; NULL: off */

	/* Authentication-Results */
	char *authserv_id;

	/* caps on what one message may make us keep */
	unsigned max_headers;
	unsigned max_header_bytes;
	unsigned max_header_field_bytes;	/* one field, name to last line */

	/* who is exempt from verification (signed instead, later) */
	struct conf_list internal_hosts;	/* addresses and CIDR nets */
	struct cidr_list internal_nets;	/* the same, parsed at load */
	/* whose mail passes through untouched (OpenDKIM's PeerList) */
	struct conf_list peer_hosts;
	struct cidr_list peer_nets;

	/* DNS */
	struct conf_list nameservers;	/* ip or ip@port; empty: resolv.conf */
	unsigned dns_timeout_ms;
	char *trust_anchor_file;
	unsigned dns_max_time_ms;	/* DNS waiting one message may cause */

	/* SPF */
	bool spf_helo;			/* also check the HELO identity */
	int spf_fail_action;		/* enum policy_spf_fail_action */
	int spf_softfail_action;	/* mark or reject-unless-dmarc-pass */
	int spf_temperror_action;	/* enum policy_temp_action */
	bool received_spf_header;
	unsigned spf_max_queries;
	unsigned spf_max_time_ms;

	/* DKIM verification */
	unsigned dkim_max_signatures;
	bool dkim_allow_sha1;
	bool dkim_allow_partial_body;	/* l= short of the body may pass */
	unsigned dkim_min_key_bits;
	unsigned dkim_max_key_bits;
	unsigned dkim_clock_skew_ms;

	/* ARC verification (RFC 8617) */
	bool arc_verify;		/* ARCVerify: judge ARC chains, arc= */
	unsigned arc_max_sets;		/* more ARC sets: arc=fail */
	unsigned arc_max_signatures;	/* AS/AMS checks per message */
	unsigned arc_max_header_bytes;	/* all ARC fields together */

	/* trusted ARC sealers (RFC 8617 7.2) */
	struct conf_list arc_trusted_sealers;	/* AS d= domains */
	int arc_trusted_sealer_action;	/* 0 none, 1 quarantine */

	/* ARC sealing (RFC 8617 5.1), see conf_arc.c */
	int arc_seal;			/* enum conf_arc_seal */
	int arc_seal_algorithm;		/* 0 rsa-sha256, 1 ed25519-sha256 */
	char *arc_seal_domain;
	char *arc_seal_selector;
	char *arc_seal_key_file;
	char *arc_seal_key_name;	/* a KeyTable entry instead */
	/* what seals (conf_arc_load): NULL key: not sealing */
	const struct crypto_privkey *arc_seal_key;
	struct crypto_privkey *arc_seal_key_owned;	/* from ARCSealKeyFile */
	const char *arc_seal_d, *arc_seal_s;	/* d= and s= */

	/* DMARC */
	int dmarc_mode;			/* enum dmarc_mode */
	int dmarc_reject_action;	/* enum policy_reject_action */
	int dmarc_quarantine_action;	/* enum policy_quarantine_action */
	int dmarc_temperror_action;	/* enum policy_temp_action */
	bool dmarc_monitor_only;
	int dmarc_multiple_from;	/* 0 strictest, 1 reject */
	int dmarc_bad_from;		/* enum policy_bad_from_action */
	struct conf_list dmarc_never_reject;
	struct conf_list dmarc_always_reject;
	char *reject_text;
	char *psl_file;

	/* DMARC aggregate reports (RFC 9990): recording and the report job */
	char *report_store;		/* "sqlite:PATH"; NULL: no recording */
	unsigned report_queue_size;	/* rows waiting for the writer */
	unsigned report_store_timeout_ms; /* a PostgreSQL statement's answer */
	char *report_org_name;		/* org_name of our reports */
	char *report_contact;		/* email of our reports, and From */
	unsigned report_interval_hours;	/* period length, divides 24 */
	unsigned report_max_bytes;	/* largest report message we send */
	char *report_sendmail;		/* command that submits a report */
	bool failure_reports;		/* RFC 9991 failure reports (ruf) */
	unsigned failure_report_rate;	/* per policy domain and hour */
	bool failure_report_redact;	/* hide local-parts of addresses */

	/* DKIM signing (OpenDKIM's option names) */
	int mode;			/* index into "sv", "vs", "s", "v" */
	int canonicalization;		/* see conf_canon() */
	char *key_table;		/* data set spec */
	char *signing_table;
	bool multiple_signatures;
	struct conf_list sign_headers;
	struct conf_list oversign_headers;
	unsigned signature_ttl_ms;	/* SignatureTTL: x= is t= + this; 0 none */
	struct conf_list sign_domains;	/* Domain */
	struct conf_list sign_selectors;	/* Selector */
	struct conf_list sign_key_files;	/* KeyFile */
	struct sign_setup *sign;	/* built from the above; NULL: off */
	unsigned lines_set;		/* option lines in the file */
};

/* conf_mode_sign / conf_mode_verify - Mode has s / v */
bool conf_mode_sign(const struct conf *c);
bool conf_mode_verify(const struct conf *c);
/* conf_canon - Canonicalization as header and body: 0 simple, 1 relaxed */
void conf_canon(const struct conf *c, int *header_r, int *body_r);

/* conf_load - read and check a config file. On success returns true and a
 * snapshot with one reference in *conf_r. On failure returns false and
 * appends "file:line: what is wrong" lines to err (several if several
 * lines are wrong). */
bool conf_load(const char *path, struct conf **conf_r, struct buf *err);
/* conf_load_authserv - conf_load with AuthservID set to authserv_id
 * whatever the file says (authcheck's --authserv-id): the host name is
 * then never looked up, nor checked */
bool conf_load_authserv(const char *path, const char *authserv_id,
    struct conf **conf_r, struct buf *err);
/* conf_load_unchecked - conf_load without the checks of the options
 * named in unchecked (NULL-ended): authmilter -t, loading the file as
 * UserID, checks PSLFile and TrustAnchorFile with the start's loaders
 * and says each file once. A name that is no option is refused (false,
 * an internal error in err). */
bool conf_load_unchecked(const char *path, const char *const *unchecked,
    struct conf **conf_r, struct buf *err);
/* conf_ref - take another reference; conf_unref - drop one, NULLs *cp */
struct conf *conf_ref(struct conf *c);
void conf_unref(struct conf **cp);
/* conf_print - write the effective configuration, every option */
void conf_print(const struct conf *c, FILE *out);
/* conf_where - "file:line" of the option called name, "file" when it took
 * its default: for errors found after the load (the caller frees it) */
char *conf_where(const struct conf *c, const char *name);

#endif
