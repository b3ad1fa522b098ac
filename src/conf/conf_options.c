/*
 * conf_options.c - the table of every configuration option, and the typed
 * parsers and formatters the generic loader (conf.c) applies to it.
 *
 * To add an option: add a field to struct conf, a row here (name, type,
 * default, bounds), and a paragraph to contrib/authmilter.conf and
 * doc/authmilter.conf.5; if the daemon reads it only at start, also a row
 * in conf_restart.c (and authmilter(8) SIGNALS), so a reload says so. Defaults are written as config text and go
 * through the same parser as the file, so a default can never be a value
 * the file could not hold.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf/conf_options.h"
#include "core/idna.h"
#include "report/report_store.h"
#include "util/cidr.h"
#include "log/log.h"
#include "metrics/metrics_addr.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define FIELD(f) offsetof(struct conf, f)

/* Signed by default: RFC 6376 5.4.1's list of fields that SHOULD be
 * signed, plus the MIME fields that say how to read the body. */
#define SIGN_HEADERS_DEFAULT "From Reply-To Subject Date To Cc " \
	"Resent-Date Resent-From Resent-To Resent-Cc In-Reply-To References " \
	"List-Id List-Help List-Unsubscribe List-Subscribe List-Post " \
	"List-Owner List-Archive Message-ID Sender MIME-Version Content-Type " \
	"Content-Transfer-Encoding Content-ID Content-Description"
/* Oversigned by default: fields a reader relies on, which nobody on the
 * way should add (RFC 6376 8.15). */
#define OVERSIGN_HEADERS_DEFAULT "From Reply-To Subject Date To Cc " \
	"Sender Message-ID In-Reply-To References MIME-Version Content-Type"


static const char *const log_to_words[] = { "syslog", "stderr", NULL };
static const char *const log_level_words[] = { "error", "warn", "info", "debug", NULL };
/* order matches enum log_format */
static const char *const log_format_words[] = { "kv", "json", NULL };
/* orders match enum policy_spf_fail_action and enum policy_temp_action */
static const char *const spf_fail_words[] = { "mark", "reject", "reject-unless-dmarc-pass", NULL };
static const char *const temp_words[] = { "accept", "tempfail", NULL };
/* orders match enum dmarc_mode, enum policy_reject_action and
 * enum policy_quarantine_action */
static const char *const dmarc_mode_words[] = { "rfc9989", "rfc7489", NULL };
static const char *const reject_words[] = { "reject", "quarantine", "mark", NULL };
static const char *const quarantine_words[] = { "hold", "header", "mark", NULL };
static const char *const multi_from_words[] = { "strictest", "reject", NULL };
static const char *const bad_from_words[] = { "reject", "quarantine", "accept", NULL };
/* orders match conf_mode_sign/verify and conf_canon in conf.c */
static const char *const mode_words[] = { "sv", "vs", "s", "v", NULL };
/* order matches conf->arc_trusted_sealer_action (checks_arc.c) */
static const char *const arc_override_words[] = { "none", "quarantine", NULL };
/* order matches enum conf_arc_seal (conf_arc.h) */
static const char *const arc_seal_words[] = { "no", "verified", "outbound", NULL };
/* order matches conf->arc_seal_algorithm (conf_arc.c) */
static const char *const arc_alg_words[] = { "rsa-sha256", "ed25519-sha256", NULL };
static const char *const canon_words[] = { "simple", "relaxed",
	"simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed", NULL };

static const char *check_socket(const struct conf *c);
static const char *check_metrics_socket(const struct conf *c);
static const char *check_user(const struct conf *c);
static const char *check_pid_file(const struct conf *c);
static const char *check_trust_anchor_file(const struct conf *c);
static const char *check_psl_file(const struct conf *c);
static const char *check_authserv_id(const struct conf *c);
static const char *check_nameservers(const struct conf *c);
static const char *check_softfail(const struct conf *c);
static const char *check_key_bits(const struct conf *c);
static const char *check_report_store(const struct conf *c);
static const char *check_report_contact(const struct conf *c);
static const char *check_report_interval(const struct conf *c);
static const char *check_failure_reports(const struct conf *c);
static const char *check_sign_headers(const struct conf *c);
static const char *check_oversign_headers(const struct conf *c);
static const char *check_signature_ttl(const struct conf *c);

const struct conf_option conf_options[] = {
	{ "Socket", CONF_T_STRING, "inet:8891@127.0.0.1", FIELD(socket), 0, 0, NULL, check_socket },
	{ "SocketMode", CONF_T_OCTAL, "0660", FIELD(socket_mode), 0, 0777, NULL, NULL },
	{ "UserID", CONF_T_STRING, NULL, FIELD(user_id), 0, 0, NULL, check_user },
	{ "PidFile", CONF_T_STRING, NULL, FIELD(pid_file), 0, 0, NULL, check_pid_file },
	{ "ShutdownTimeout", CONF_T_DURATION, "30s", FIELD(shutdown_timeout_ms), 0, 3600000, NULL, NULL },
	{ "RunAsRoot", CONF_T_BOOL, "no", FIELD(run_as_root), 0, 0, NULL, NULL },
	{ "LogTo", CONF_T_WORD, "syslog", FIELD(log_to), 0, 0, log_to_words, NULL },
	{ "LogFacility", CONF_T_STRING, "mail", FIELD(log_facility), 0, 0, NULL, NULL },
	{ "LogLevel", CONF_T_WORD, "info", FIELD(log_level), 0, 0, log_level_words, NULL },
	{ "LogFormat", CONF_T_WORD, "kv", FIELD(log_format), 0, 0, log_format_words, NULL },
	{ "MetricsSocket", CONF_T_STRING, NULL, FIELD(metrics_socket), 0, 0, NULL, check_metrics_socket },
	{ "AuthservID", CONF_T_STRING, NULL, FIELD(authserv_id), 0, 0, NULL, check_authserv_id },
	{ "MaxHeaders", CONF_T_UINT, "1000", FIELD(max_headers), 10, 100000, NULL, NULL },
	{ "MaxHeaderBytes", CONF_T_UINT, "1048576", FIELD(max_header_bytes), 4096, 67108864, NULL, NULL },
	{ "MaxHeaderFieldBytes", CONF_T_UINT, "65536", FIELD(max_header_field_bytes), 1000, 1048575, NULL, NULL },
	{ "InternalHosts", CONF_T_NETS, "127.0.0.0/8 ::1", FIELD(internal_hosts), 0, 0, NULL, NULL },
	{ "PeerHosts", CONF_T_NETS, NULL, FIELD(peer_hosts), 0, 0, NULL, NULL },
	{ "Nameservers", CONF_T_LIST, NULL, FIELD(nameservers), 0, 0, NULL, check_nameservers },
	{ "DNSTimeout", CONF_T_DURATION, "5s", FIELD(dns_timeout_ms), 100, 60000, NULL, NULL },
	{ "TrustAnchorFile", CONF_T_STRING, NULL, FIELD(trust_anchor_file), 0, 0, NULL, check_trust_anchor_file },
	{ "DNSMaxTimePerMessage", CONF_T_DURATION, "30s", FIELD(dns_max_time_ms), 100, 600000, NULL, NULL },
	{ "SPFCheckHelo", CONF_T_BOOL, "yes", FIELD(spf_helo), 0, 0, NULL, NULL },
	{ "SPFFailAction", CONF_T_WORD, "mark", FIELD(spf_fail_action), 0, 0, spf_fail_words, NULL },
	{ "SPFSoftfailAction", CONF_T_WORD, "mark", FIELD(spf_softfail_action), 0, 0, spf_fail_words, check_softfail },
	{ "SPFTempErrorAction", CONF_T_WORD, "accept", FIELD(spf_temperror_action), 0, 0, temp_words, NULL },
	{ "ReceivedSPFHeader", CONF_T_BOOL, "no", FIELD(received_spf_header), 0, 0, NULL, NULL },
	{ "SPFMaxQueries", CONF_T_UINT, "128", FIELD(spf_max_queries), 10, 10000, NULL, NULL },
	{ "SPFMaxTime", CONF_T_DURATION, "20s", FIELD(spf_max_time_ms), 100, 120000, NULL, NULL },
	{ "DKIMMaxSignatures", CONF_T_UINT, "5", FIELD(dkim_max_signatures), 1, 50, NULL, NULL },
	{ "DKIMAllowSHA1", CONF_T_BOOL, "no", FIELD(dkim_allow_sha1), 0, 0, NULL, NULL },
	{ "DKIMAllowPartialBody", CONF_T_BOOL, "no", FIELD(dkim_allow_partial_body), 0, 0, NULL, NULL },
	{ "DKIMMinKeyBits", CONF_T_UINT, "1024", FIELD(dkim_min_key_bits), 1024, 16384, NULL, check_key_bits },
	{ "DKIMMaxKeyBits", CONF_T_UINT, "8192", FIELD(dkim_max_key_bits), 1024, 16384, NULL, NULL },
	{ "DKIMClockSkew", CONF_T_DURATION, "5m", FIELD(dkim_clock_skew_ms), 0, 86400000, NULL, NULL },
	{ "ARCVerify", CONF_T_BOOL, "yes", FIELD(arc_verify), 0, 0, NULL, NULL },
	{ "ARCMaxSets", CONF_T_UINT, "50", FIELD(arc_max_sets), 1, 50, NULL, NULL },
	{ "ARCMaxSignatures", CONF_T_UINT, "51", FIELD(arc_max_signatures), 2, 101, NULL, NULL },
	{ "ARCMaxHeaderBytes", CONF_T_UINT, "262144", FIELD(arc_max_header_bytes), 4096, 16777216, NULL, NULL },
	{ "ARCTrustedSealers", CONF_T_DOMAINS, NULL, FIELD(arc_trusted_sealers), 0, 0, NULL, NULL },
	{ "ARCTrustedSealerAction", CONF_T_WORD, "none", FIELD(arc_trusted_sealer_action), 0, 0, arc_override_words, NULL },
	{ "ARCSeal", CONF_T_WORD, "no", FIELD(arc_seal), 0, 0, arc_seal_words, NULL },
	{ "ARCSealAlgorithm", CONF_T_WORD, "rsa-sha256", FIELD(arc_seal_algorithm), 0, 0, arc_alg_words, NULL },
	{ "ARCSealDomain", CONF_T_STRING, NULL, FIELD(arc_seal_domain), 0, 0, NULL, NULL },
	{ "ARCSealSelector", CONF_T_STRING, NULL, FIELD(arc_seal_selector), 0, 0, NULL, NULL },
	{ "ARCSealKeyFile", CONF_T_STRING, NULL, FIELD(arc_seal_key_file), 0, 0, NULL, NULL },
	{ "ARCSealKeyName", CONF_T_STRING, NULL, FIELD(arc_seal_key_name), 0, 0, NULL, NULL },
	{ "DMARCMode", CONF_T_WORD, "rfc9989", FIELD(dmarc_mode), 0, 0, dmarc_mode_words, NULL },
	{ "DMARCRejectAction", CONF_T_WORD, "reject", FIELD(dmarc_reject_action), 0, 0, reject_words, NULL },
	{ "DMARCQuarantineAction", CONF_T_WORD, "hold", FIELD(dmarc_quarantine_action), 0, 0, quarantine_words, NULL },
	{ "DMARCTempErrorAction", CONF_T_WORD, "accept", FIELD(dmarc_temperror_action), 0, 0, temp_words, NULL },
	{ "DMARCMonitorOnly", CONF_T_BOOL, "no", FIELD(dmarc_monitor_only), 0, 0, NULL, NULL },
	{ "DMARCMultipleFrom", CONF_T_WORD, "strictest", FIELD(dmarc_multiple_from), 0, 0, multi_from_words, NULL },
	{ "DMARCBadFrom", CONF_T_WORD, "reject", FIELD(dmarc_bad_from), 0, 0, bad_from_words, NULL },
	{ "DMARCNeverReject", CONF_T_DOMAINS, NULL, FIELD(dmarc_never_reject), 0, 0, NULL, NULL },
	{ "DMARCAlwaysReject", CONF_T_DOMAINS, NULL, FIELD(dmarc_always_reject), 0, 0, NULL, NULL },
	{ "RejectText", CONF_T_STRING, NULL, FIELD(reject_text), 0, 0, NULL, NULL },
	{ "PSLFile", CONF_T_STRING, NULL, FIELD(psl_file), 0, 0, NULL, check_psl_file },
	{ "ReportStore", CONF_T_STRING, NULL, FIELD(report_store), 0, 0, NULL, check_report_store },
	{ "ReportQueueSize", CONF_T_UINT, "10000", FIELD(report_queue_size), 10, 1000000, NULL, NULL },
	{ "ReportStoreTimeout", CONF_T_DURATION, "60s", FIELD(report_store_timeout_ms), 1000, 3600000, NULL, NULL },
	{ "ReportOrgName", CONF_T_STRING, NULL, FIELD(report_org_name), 0, 0, NULL, NULL },
	{ "ReportContact", CONF_T_STRING, NULL, FIELD(report_contact), 0, 0, NULL, check_report_contact },
	{ "ReportInterval", CONF_T_UINT, "24", FIELD(report_interval_hours), 1, 24, NULL, check_report_interval },
	{ "ReportMaxSize", CONF_T_UINT, "10485760", FIELD(report_max_bytes), 10000, 1073741824, NULL, NULL },
	{ "ReportSendmail", CONF_T_STRING, "/usr/sbin/sendmail -t -oi", FIELD(report_sendmail), 0, 0, NULL, NULL },
	{ "FailureReports", CONF_T_BOOL, "no", FIELD(failure_reports), 0, 0, NULL, check_failure_reports },
	{ "FailureReportRate", CONF_T_UINT, "10", FIELD(failure_report_rate), 1, 10000, NULL, NULL },
	{ "FailureReportRedact", CONF_T_BOOL, "yes", FIELD(failure_report_redact), 0, 0, NULL, NULL },
	{ "Mode", CONF_T_WORD, "sv", FIELD(mode), 0, 0, mode_words, NULL },
	{ "Canonicalization", CONF_T_WORD, "relaxed/relaxed", FIELD(canonicalization), 0, 0, canon_words, NULL },
	{ "KeyTable", CONF_T_STRING, NULL, FIELD(key_table), 0, 0, NULL, NULL },
	{ "SigningTable", CONF_T_STRING, NULL, FIELD(signing_table), 0, 0, NULL, NULL },
	{ "MultipleSignatures", CONF_T_BOOL, "no", FIELD(multiple_signatures), 0, 0, NULL, NULL },
	{ "SignHeaders", CONF_T_LIST, SIGN_HEADERS_DEFAULT, FIELD(sign_headers), 0, 0, NULL, check_sign_headers },
	{ "OversignHeaders", CONF_T_LIST, OVERSIGN_HEADERS_DEFAULT, FIELD(oversign_headers), 0, 0, NULL, check_oversign_headers },
	/* at most 30 days: an expiry much longer limits replay little */
	{ "SignatureTTL", CONF_T_DURATION, "0", FIELD(signature_ttl_ms), 0, 2592000000, NULL, check_signature_ttl },
	{ "Domain", CONF_T_LIST, NULL, FIELD(sign_domains), 0, 0, NULL, NULL },
	{ "Selector", CONF_T_LIST, NULL, FIELD(sign_selectors), 0, 0, NULL, NULL },
	{ "KeyFile", CONF_T_LIST, NULL, FIELD(sign_key_files), 0, 0, NULL, NULL },
};
const size_t conf_option_count = sizeof(conf_options) / sizeof(conf_options[0]);

/* LogFacility is kept as text in the table row but stored as a number:
 * this is its only special case, handled in set/format below. */
#define IS_FACILITY(opt) ((opt)->offset == FIELD(log_facility))

const struct conf_option *
conf_option_find(const char *name)
{
	size_t i;

	for (i = 0; i < conf_option_count; i++)
		if (ascii_strcasecmp(conf_options[i].name, name) == 0)
			return &conf_options[i];
	return NULL;
}

/* edit_distance - edits (insert, delete, replace, swap two neighbours:
 * the usual typing slips) from a to b without case; more than max once
 * it is known to be. Rows of the dynamic programme, three kept. */
static size_t
edit_distance(const char *a, const char *b, size_t max)
{
	size_t rows[3][CONF_NAME_MAX + 1], la = strlen(a), lb = strlen(b), i, j;

	if (la > CONF_NAME_MAX || lb > CONF_NAME_MAX)
		return max + 1;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		size_t *cur = rows[i % 3], *prev = rows[(i - 1) % 3];
		size_t *prev2 = rows[(i + 1) % 3], best;
		unsigned char ca = ascii_tolower((unsigned char)a[i - 1]);

		cur[0] = best = i;
		for (j = 1; j <= lb; j++) {
			unsigned char cb = ascii_tolower((unsigned char)b[j - 1]);
			size_t v = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == ascii_tolower((unsigned char)b[j - 2]) &&
			    ascii_tolower((unsigned char)a[i - 2]) == cb &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return rows[la % 3][lb];
}

const struct conf_option *
conf_option_nearest(const char *name)
{
	const struct conf_option *found = NULL;
	size_t i, d, best = strlen(name) <= 6 ? 1 : 2;

	for (i = 0; i < conf_option_count; i++) {
		d = edit_distance(name, conf_options[i].name, best);
		if (d < best || (d == best && found == NULL)) {
			best = d;
			found = &conf_options[i];
		}
	}
	return found;
}

/* parse_bool - the usual spellings of yes and no */
static bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (ascii_strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (ascii_strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* parse_ulong - whole-string unsigned number in a base, no sign */
static bool
parse_ulong(const char *v, int base, unsigned long *out)
{
	char *end;

	if (!ascii_isdigit((unsigned char)*v))
		return false;
	errno = 0;
	*out = strtoul(v, &end, base);
	return errno == 0 && *end == '\0';
}

/* parse_duration - "5", "5s", "500ms", "2m", "1h" into milliseconds */
static bool
parse_duration(const char *v, unsigned long *ms)
{
	unsigned long n, mult;
	char *end;

	if (!ascii_isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0)
		return false;
	if (*end == '\0' || ascii_strcasecmp(end, "s") == 0)
		mult = 1000;
	else if (ascii_strcasecmp(end, "ms") == 0)
		mult = 1;
	else if (ascii_strcasecmp(end, "m") == 0)
		mult = 60000;
	else if (ascii_strcasecmp(end, "h") == 0)
		mult = 3600000;
	else
		return false;
	if (n > ULONG_MAX / mult)
		return false;
	*ms = n * mult;
	return true;
}

/* list_parse - split on spaces, tabs and commas */
static void
list_parse(struct conf_list *l, const char *v)
{
	const char *p = v;

	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		/* keep a NULL after the last item, for callers that want a
		 * NULL-ended array */
		l->items = xreallocarray(l->items, l->count + 2, sizeof(char *));
		l->items[l->count++] = xstrndup(p, n);
		l->items[l->count] = NULL;
		p += n;
	}
}

bool
conf_option_is_list(const struct conf_option *opt)
{
	return opt->type == CONF_T_LIST || opt->type == CONF_T_DOMAINS ||
	    opt->type == CONF_T_NETS;
}

/* name_bytes_ok - only what a mail domain is made of (letters, digits,
 * "-", "_", ".", and UTF-8 for U-labels): idna_domain takes any
 * printable label, so "*.example" (our DMARC lists cover subdomains
 * already) or an address "dmarc@example.net" loaded, and matched no
 * author or sealer ever */
static bool
name_bytes_ok(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x80 && !ascii_isalnum(*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return false;
	return true;
}

/* domains_to_alabels - each entry of l as idna_domain's lower-case
 * A-label form; NULL, or what is wrong with the first bad one */
static const char *
domains_to_alabels(struct conf_list *l, char *msg, size_t msg_size)
{
	struct idna_name name;
	const char *why;
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (!name_bytes_ok(l->items[i])) {
			(void)snprintf(msg, msg_size, "\"%.64s\" is not a domain "
			    "name (no wildcards or addresses: name the domain "
			    "itself)", l->items[i]);
			return msg;
		}
		if (idna_domain((const unsigned char *)l->items[i],
		    strlen(l->items[i]), &name, &why) != IDNA_OK) {
			(void)snprintf(msg, msg_size, "\"%.64s\" is not a domain "
			    "name (%s)", l->items[i], why);
			return msg;
		}
		free(l->items[i]);
		l->items[i] = xstrdup(name.ascii);
	}
	return NULL;
}

/* nets_problem - NULL when every entry of l is an address or network,
 * else the first bad one and what is wrong with it: a line of many
 * networks says which one to mend */
static const char *
nets_problem(const struct conf_list *l, char *msg, size_t msg_size)
{
	const char *why;
	size_t i;

	for (i = 0; i < l->count; i++) {
		if ((why = cidr_problem(l->items[i])) != NULL) {
			(void)snprintf(msg, msg_size, "\"%.64s\": %s",
			    l->items[i], why);
			return msg;
		}
	}
	return NULL;
}

void
conf_option_free(struct conf *c, const struct conf_option *opt)
{
	void *field = (char *)c + opt->offset;

	if (opt->type == CONF_T_STRING && !IS_FACILITY(opt)) {
		xfree((char **)field);
	} else if (conf_option_is_list(opt)) {
		struct conf_list *l = field;
		size_t i;

		for (i = 0; i < l->count; i++)
			free(l->items[i]);
		xfree(&l->items);
		l->count = 0;
	}
}

const char *
conf_option_set(struct conf *c, const struct conf_option *opt,
    const char *value, char *msg, size_t msg_size)
{
	void *field = (char *)c + opt->offset;
	unsigned long n;
	bool b;
	size_t i;

	if (*value == '\0' && !conf_option_is_list(opt))
		return "missing value";
	switch (opt->type) {
	case CONF_T_STRING:
		if (IS_FACILITY(opt)) {
			int f = log_facility_parse(value);

			if (f < 0)
				return "unknown syslog facility (use mail, daemon, user or local0-local7)";
			*(int *)field = f;
			return NULL;
		}
		conf_option_free(c, opt);
		*(char **)field = xstrdup(value);
		return NULL;
	case CONF_T_BOOL:
		if (!parse_bool(value, &b))
			return "expected yes or no";
		*(bool *)field = b;
		return NULL;
	case CONF_T_UINT:
	case CONF_T_OCTAL:
	case CONF_T_DURATION:
		if (opt->type == CONF_T_DURATION ? !parse_duration(value, &n) :
		    !parse_ulong(value, opt->type == CONF_T_OCTAL ? 8 : 10, &n)) {
			return opt->type == CONF_T_DURATION ?
			    "expected a duration such as 5s, 500ms or 2m" :
			    opt->type == CONF_T_OCTAL ? "expected an octal mode such as 0660" :
			    "expected a whole number";
		}
		if (n < opt->min || n > opt->max) {
			if (opt->type == CONF_T_DURATION)
				(void)snprintf(msg, msg_size, "must be between %lums and %lums",
				    opt->min, opt->max);
			else if (opt->type == CONF_T_OCTAL)
				(void)snprintf(msg, msg_size, "must be between %04lo and %04lo",
				    opt->min, opt->max);
			else
				(void)snprintf(msg, msg_size, "must be between %lu and %lu",
				    opt->min, opt->max);
			return msg;
		}
		*(unsigned *)field = (unsigned)n;
		return NULL;
	case CONF_T_WORD:
		for (i = 0; opt->words[i] != NULL; i++) {
			if (ascii_strcasecmp(value, opt->words[i]) == 0) {
				*(int *)field = (int)i;
				return NULL;
			}
		}
		{
			struct buf allowed = BUF_INIT;

			for (i = 0; opt->words[i] != NULL; i++)
				buf_printf(&allowed, "%s%s", i ? ", " : "", opt->words[i]);
			(void)snprintf(msg, msg_size, "expected one of: %s", buf_cstr(&allowed));
			buf_deinit(&allowed);
		}
		return msg;
	case CONF_T_LIST:
		conf_option_free(c, opt);
		list_parse(field, value);
		return NULL;
	case CONF_T_DOMAINS:
		conf_option_free(c, opt);
		list_parse(field, value);
		return domains_to_alabels(field, msg, msg_size);
	case CONF_T_NETS:
		conf_option_free(c, opt);
		list_parse(field, value);
		return nets_problem(field, msg, msg_size);
	}
	return "internal error: unknown option type";
}

void
conf_option_format(const struct conf *c, const struct conf_option *opt,
    struct buf *out)
{
	const void *field = (const char *)c + opt->offset;
	size_t i;

	switch (opt->type) {
	case CONF_T_STRING:
		if (IS_FACILITY(opt)) {
			static const char *const names[] = { "mail", "daemon",
			    "user", "local0", "local1", "local2", "local3",
			    "local4", "local5", "local6", "local7" };

			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (log_facility_parse(names[i]) == *(const int *)field)
					buf_append_str(out, names[i]);
			return;
		}
		if (*(char *const *)field != NULL)
			buf_append_str(out, *(char *const *)field);
		return;
	case CONF_T_BOOL:
		buf_append_str(out, *(const bool *)field ? "yes" : "no");
		return;
	case CONF_T_UINT:
		buf_printf(out, "%u", *(const unsigned *)field);
		return;
	case CONF_T_OCTAL:
		buf_printf(out, "%04o", *(const unsigned *)field);
		return;
	case CONF_T_DURATION: {
		unsigned ms = *(const unsigned *)field;

		if (ms % 1000 == 0)
			buf_printf(out, "%us", ms / 1000);
		else
			buf_printf(out, "%ums", ms);
		return;
	}
	case CONF_T_WORD:
		buf_append_str(out, opt->words[*(const int *)field]);
		return;
	case CONF_T_LIST:
	case CONF_T_DOMAINS:
	case CONF_T_NETS: {
		const struct conf_list *l = field;

		for (i = 0; i < l->count; i++)
			buf_printf(out, "%s%s", i ? " " : "", l->items[i]);
		return;
	}
	}
}

/* check_metrics_socket - inet:PORT@ADDR or inet6:PORT@ADDR, numeric */
static const char *
check_metrics_socket(const struct conf *c)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (c->metrics_socket == NULL)
		return NULL;
	return metrics_addr_parse(c->metrics_socket, strlen(c->metrics_socket),
	    &ss, &len);
}

/* check_socket - unix:/path, local:/path, inet:port@host, inet6:port@host */
static const char *
check_socket(const struct conf *c)
{
	const char *s = c->socket, *at, *p;
	struct in6_addr a6;
	struct in_addr a4;
	unsigned long port;
	char digits[8];
	size_t n;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0) {
		p = strchr(s, ':') + 1;
		if (*p != '/')
			return "unix socket path must be absolute (unix:/path)";
		/* a longer one cannot be bound: the start failed with "in
		 * use, or no permission?" after authmilter -t said OK */
		if (strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return "unix socket path too long for a socket address "
			    "(at most 107 bytes on Linux)";
		return NULL;
	}
	if (strncmp(s, "inet:", 5) == 0)
		p = s + 5;
	else if (strncmp(s, "inet6:", 6) == 0)
		p = s + 6;
	else
		return "expected unix:/path, inet:PORT@ADDRESS or inet6:PORT@ADDRESS";
	at = strchr(p, '@');
	n = at != NULL ? (size_t)(at - p) : strlen(p);
	if (n == 0 || n >= sizeof(digits))
		return "missing or bad port number";
	memcpy(digits, p, n);
	digits[n] = '\0';
	if (!parse_ulong(digits, 10, &port) || port == 0 || port > 65535)
		return "port must be a number from 1 to 65535";
	if (at != NULL && at[1] == '\0')
		return "missing address after @";
	/* the value runs to the end of the line: "@127.0.0.1 extra" passed
	 * here and libmilter failed the start ("in use, or no permission?") */
	if (at != NULL && strpbrk(at + 1, " \t") != NULL)
		return "white space after @ADDRESS (one host name or IP address; "
		    "a comment starts with #)";
	/* libmilter binds inet: to IPv4 and inet6: to IPv6 only; the other
	 * family's literal failed the start ("in use, or no permission?") */
	if (at != NULL && p == s + 5 && inet_pton(AF_INET6, at + 1, &a6) == 1)
		return "an IPv6 address needs inet6:PORT@ADDRESS";
	if (at != NULL && p == s + 6 && inet_pton(AF_INET, at + 1, &a4) == 1)
		return "an IPv4 address needs inet:PORT@ADDRESS";
	return NULL;
}

/* check_user - UserID is user or user:group, and both must exist */
static const char *
check_user(const struct conf *c)
{
	char name[256];
	const char *colon;
	size_t n;

	if (c->user_id == NULL)
		return NULL;
	colon = strchr(c->user_id, ':');
	n = colon != NULL ? (size_t)(colon - c->user_id) : strlen(c->user_id);
	if (n == 0 || n >= sizeof(name))
		return "expected user or user:group";
	memcpy(name, c->user_id, n);
	name[n] = '\0';
	if (getpwnam(name) == NULL)
		return "no such user";
	if (colon != NULL && getgrnam(colon + 1) == NULL)
		return "no such group";
	return NULL;
}

/* absolute_problem - a file the daemon opens after it went into the
 * background, where it runs in /: a relative name would be looked for
 * there (a PidFile written to /, a PSLFile not found), or, in the
 * foreground, in whatever directory it was started from */
static const char *
absolute_problem(const char *path)
{
	if (path != NULL && path[0] != '/')
		return "must be an absolute file name";
	return NULL;
}

static const char *
check_pid_file(const struct conf *c)
{
	return absolute_problem(c->pid_file);
}

/* readable_problem - an absolute file the daemon reads at start. Nothing
 * else opens it before then: libunbound only notes a trust anchor's name
 * and fails every lookup later, and a missing PSLFile stopped the start
 * with neither file nor line, both after authmilter -t said OK.
 * O_NONBLOCK: a FIFO opened to read waits for a writer, which held -t,
 * the start and a reload's signal loop; it is refused, as a directory
 * (which opens, then loads nothing) is */
static const char *
readable_problem(const char *path)
{
	const char *why = absolute_problem(path);
	struct stat st;
	int fd;

	if (why != NULL || path == NULL)
		return why;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? "no such file" : errno == EACCES ?
		    "cannot be read (permission denied)" : "cannot be opened";
	if (fstat(fd, &st) != 0)
		why = "cannot be opened";
	else if (S_ISFIFO(st.st_mode))
		why = "is a FIFO, not a file";
	else if (S_ISDIR(st.st_mode))
		why = "is a directory, not a file";
	(void)close(fd);
	return why;
}

static const char *
check_trust_anchor_file(const struct conf *c)
{
	return readable_problem(c->trust_anchor_file);
}

static const char *
check_psl_file(const struct conf *c)
{
	return readable_problem(c->psl_file);
}

/* Longest AuthservID: a host name is at most 253 octets; the id shares
 * the first line of our A-R and AAR, which must stay within 998 */
#define AUTHSERV_ID_MAX 255

/* check_authserv_id - RFC 8601 2.2: we accept a host-name-like token, so
 * the header never needs quoting for it and our own headers are easy to
 * recognise when we remove forgeries. */
const char *
conf_authserv_id_problem(const char *id)
{
	const unsigned char *p;

	if (strlen(id) > AUTHSERV_ID_MAX)
		return "at most 255 characters (a host name)";
	for (p = (const unsigned char *)id; *p != '\0'; p++) {
		if (!ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
			return "use letters, digits, dots, hyphens and underscores only";
	}
	return NULL;
}

static const char *
check_authserv_id(const struct conf *c)
{
	return c->authserv_id == NULL ? NULL :
	    conf_authserv_id_problem(c->authserv_id);
}

/* check_nameservers - each entry is an IP address, optionally @port */
static const char *
check_nameservers(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nameservers.count; i++) {
		char host[INET6_ADDRSTRLEN + 8], *at;
		unsigned char addr[16];
		unsigned long port;

		if (strlen(c->nameservers.items[i]) >= sizeof(host))
			return "expected ip or ip@port";
		(void)snprintf(host, sizeof(host), "%s", c->nameservers.items[i]);
		at = strchr(host, '@');
		if (at != NULL) {
			*at++ = '\0';
			if (!parse_ulong(at, 10, &port) || port == 0 || port > 65535)
				return "port after @ must be 1 to 65535";
		}
		if (inet_pton(AF_INET, host, addr) != 1 &&
		    inet_pton(AF_INET6, host, addr) != 1)
			return "expected ip or ip@port (an IP address, not a name)";
	}
	return NULL;
}

/* check_softfail - softfail never rejects outright (RFC 7208 8.5) */
static const char *
check_softfail(const struct conf *c)
{
	if (c->spf_softfail_action == 1)
		return "use mark or reject-unless-dmarc-pass (RFC 7208 8.5: softfail is not a reason to reject by itself)";
	return NULL;
}

/* check_key_bits - the bounds must make sense together */
static const char *
check_key_bits(const struct conf *c)
{
	if (c->dkim_min_key_bits > c->dkim_max_key_bits)
		return "DKIMMinKeyBits is larger than DKIMMaxKeyBits";
	return NULL;
}

/* check_report_store - a store name we can open */
static const char *
check_report_store(const struct conf *c)
{
	return c->report_store != NULL ? report_store_spec_ok(c->report_store) :
	    NULL;
}

/* check_report_contact - an address with a domain: it is the reports'
 * From and its domain names us in file names and Subjects (RFC 9990) */
static const char *
check_report_contact(const struct conf *c)
{
	const char *at;

	if (c->report_contact == NULL)
		return NULL;
	at = strrchr(c->report_contact, '@');
	if (at == NULL || at == c->report_contact || at[1] == '\0' ||
	    strchr(at + 1, '.') == NULL ||
	    strpbrk(c->report_contact, " \t<>\"\r\n,;") != NULL)
		return "expected a plain address such as dmarc-reports@example.net";
	return NULL;
}

/* field_names_problem - each item a header field name (RFC 5322 3.6.8:
 * printable ASCII but ':'); "From:To", h='s own spelling, would go into
 * h= as three names while the signer hashed none of them */
static const char *
field_names_problem(const struct conf_list *l)
{
	const unsigned char *p;
	size_t i;

	for (i = 0; i < l->count; i++)
		for (p = (const unsigned char *)l->items[i]; *p != '\0'; p++)
			if (*p < 33 || *p > 126 || *p == ':')
				return "a name with ':' or a character outside "
				    "printable ASCII is not a header field name "
				    "(write the names apart: From To Subject)";
	return NULL;
}

static const char *
check_sign_headers(const struct conf *c)
{
	return field_names_problem(&c->sign_headers);
}

static const char *
check_oversign_headers(const struct conf *c)
{
	return field_names_problem(&c->oversign_headers);
}

/* check_signature_ttl - x= counts seconds: 1500ms would be written as
 * x= one second after t=, 500ms as x= equal to t=, which RFC 6376 3.5
 * forbids */
static const char *
check_signature_ttl(const struct conf *c)
{
	if (c->signature_ttl_ms % 1000 != 0)
		return "must be whole seconds (x= counts seconds)";
	return NULL;
}

/* check_report_interval - periods start on UTC hour boundaries and tile
 * the day (RFC 9990: a day, or a shorter interval that divides it) */
static const char *
check_report_interval(const struct conf *c)
{
	if (24 % c->report_interval_hours != 0)
		return "use 1, 2, 3, 4, 6, 8, 12 or 24 (hours that divide a day)";
	return NULL;
}

/* check_failure_reports - they need a From address */
static const char *
check_failure_reports(const struct conf *c)
{
	if (c->failure_reports && c->report_contact == NULL)
		return "needs ReportContact (the From of the reports)";
	return NULL;
}
