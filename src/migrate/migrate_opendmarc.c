/*
 * migrate_opendmarc.c - the OpenDMARC mapper: every option of
 * opendmarc.conf(5) that only OpenDMARC has, with what becomes of it
 * (RejectFailures, HoldQuarantinedMessages and RejectMultiValueFrom turn
 * into the DMARC actions; IgnoreHosts joins InternalHosts ...).
 *
 * Exported (migrate_int.h): migrate_opendmarc_rules and its count.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_options.h"
#include "migrate/hostlist.h"
#include "migrate/migrate_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* What replaces OpenDMARC's reporting: not carried over automatically,
 * since both need an address only the admin can choose. */
#define R_FAILREPORT "set FailureReports yes and ReportContact (the From of the reports) by hand: authmilter sends RFC 9991 failure reports itself, by the record's fo= and ruf="
#define R_HISTORY "authmilter records aggregate-report rows in its own store (ReportStore, e.g. sqlite:/var/lib/authmilter/reports.db) and sends them with authmilter-report(8); set ReportStore and ReportContact by hand"

/* r_reject_failures - OpenDMARC rejects (and tempfails) only when asked */
static void
r_reject_failures(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!migrate_bool(m, e, &b))
		return;
	if (b) {
		(void)migrate_set(m, e, "DMARCRejectAction", "reject", NULL);
		(void)migrate_set(m, e, "DMARCTempErrorAction", "tempfail",
		    "OpenDMARC temp-fails when evaluation cannot complete");
	} else {
		(void)migrate_set(m, e, "DMARCRejectAction", "mark",
		    "OpenDMARC only adds its header unless RejectFailures is on");
	}
}

static void
r_hold(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	bool b;

	(void)r;
	if (!migrate_bool(m, e, &b))
		return;
	(void)migrate_set(m, e, "DMARCQuarantineAction", b ? "hold" : "mark", NULL);
}

static void
r_multi_from(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!migrate_bool(m, e, &b))
		return;
	if (b)
		(void)migrate_set(m, e, "DMARCMultipleFrom", "reject", NULL);
	else
		migrate_drop(m, e, "OpenDMARC skips such messages; authmilter evaluates "
		    "every author domain and applies the strictest result");
}

static void
r_psl(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	(void)r;
	(void)migrate_set(m, e, "PSLFile", e->value, NULL);
}

static void
r_never_reject(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char *v = migrate_commas_to_spaces(e->value);

	(void)r;
	(void)migrate_set(m, e, "DMARCNeverReject", v, "close, not equal: OpenDMARC "
	    "ignored mail from exactly these domains; authmilter still "
	    "evaluates and reports it but never rejects or holds it, and "
	    "subdomains of these domains too");
	free(v);
}

const struct rule migrate_opendmarc_rules[] = {
	{ "IgnoreHosts", DMARC, migrate_r_hosts, "OpenDMARC ignored these clients; authmilter does not verify InternalHosts either (and signs their mail when signing is set up)", NULL },
	{ "RejectFailures", DMARC, r_reject_failures, NULL, NULL },
	{ "HoldQuarantinedMessages", DMARC, r_hold, NULL, NULL },
	{ "RejectMultiValueFrom", DMARC, r_multi_from, NULL, NULL },
	{ "IgnoreAuthenticatedClients", DMARC, migrate_r_always_yes, "authmilter never verifies SMTP-authenticated clients (it signs their mail)", NULL },
	{ "SPFSelfValidate", DMARC, migrate_r_always_yes, "authmilter always checks SPF itself and never reads other hosts' SPF results", NULL },
	{ "SPFIgnoreResults", DMARC, migrate_r_always_yes, "authmilter always checks SPF itself and never reads other hosts' SPF results", NULL },
	{ "PublicSuffixList", DMARC, r_psl, NULL, NULL },
	{ "IgnoreMailFrom", DMARC, r_never_reject, NULL, NULL },
	{ "TrustedAuthservIDs", DMARC, migrate_r_drop, "authmilter never trusts Authentication-Results from other hosts: it checks SPF and DKIM itself", NULL },
	{ "RejectString", DMARC, migrate_r_drop, "RejectText is fixed text (no %s); the built-in reply names the domain", NULL },
	{ "FailureReports", DMARC, migrate_r_drop, R_FAILREPORT, NULL },
	{ "FailureReportsBcc", DMARC, migrate_r_drop, R_FAILREPORT, NULL },
	{ "FailureReportsOnNone", DMARC, migrate_r_drop, R_FAILREPORT, NULL },
	{ "FailureReportsSentBy", DMARC, migrate_r_drop, R_FAILREPORT, NULL },
	{ "CopyFailuresTo", DMARC, migrate_r_drop, R_FAILREPORT, NULL },
	{ "ReportCommand", DMARC, migrate_r_drop, "reports are submitted with ReportSendmail (default /usr/sbin/sendmail -t -oi); set it by hand if yours differs", NULL },
	{ "HistoryFile", DMARC, migrate_r_drop, R_HISTORY, NULL },
	{ "RecordAllMessages", DMARC, migrate_r_drop, R_HISTORY, NULL },
	{ "IgnoreMailTo", DMARC, migrate_r_drop, R_HISTORY, NULL },
	{ "DomainWhitelist", DMARC, migrate_r_drop, "no counterpart", NULL },
	{ "DomainWhitelistFile", DMARC, migrate_r_drop, "no counterpart", NULL },
	{ "DomainWhitelistSize", DMARC, migrate_r_drop, "no counterpart", NULL },
};
const size_t migrate_opendmarc_rule_count =
    sizeof(migrate_opendmarc_rules) / sizeof(migrate_opendmarc_rules[0]);
