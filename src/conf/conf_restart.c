/*
 * conf_restart.c - the options a reload cannot apply, and which of them
 * a new config file changes.
 *
 * The daemon reads these once, while it starts: the socket and the
 * privilege drop, the log sink, the resolver, the PSL, the metrics
 * listener and the report threads. A reload installs the rest and keeps
 * the running values of these; the operator is told which ones changed,
 * so a new resolver address or ReportStore is never ignored in silence.
 * Values are compared as config text (conf_option_format), so every
 * option type compares the same way.
 */
#include "config.h"

#include <string.h>

#include "conf/conf_options.h"
#include "conf/conf_restart.h"

/* failure_only: read at start only by the failure-report thread, so a
 * change matters only while FailureReports is on (authmilter-report
 * reads the file anew on each run). */
static const struct {
	const char *name;
	bool failure_only;
} restart_only[] = {
	{ "Socket", false }, { "SocketMode", false }, { "UserID", false },
	{ "RunAsRoot", false }, { "PidFile", false }, { "LogTo", false },
	{ "LogFacility", false }, { "MetricsSocket", false },
	{ "Nameservers", false }, { "DNSTimeout", false },
	{ "TrustAnchorFile", false }, { "PSLFile", false },
	{ "ReportStore", false }, { "ReportQueueSize", false },
	{ "ReportStoreTimeout", false },
	{ "FailureReports", false }, { "FailureReportRate", true },
	{ "ReportContact", true }, { "ReportSendmail", true },
};

/* same_value - true when opt's value is the same in both configs */
static bool
same_value(const struct conf *a, const struct conf *b,
    const struct conf_option *opt)
{
	struct buf ta = BUF_INIT, tb = BUF_INIT;
	bool same;

	conf_option_format(a, opt, &ta);
	conf_option_format(b, opt, &tb);
	same = strcmp(buf_cstr(&ta), buf_cstr(&tb)) == 0;
	buf_deinit(&ta);
	buf_deinit(&tb);
	return same;
}

size_t
conf_restart_changed(const struct conf *running, const struct conf *reloaded,
    struct buf *out)
{
	bool failure = running->failure_reports || reloaded->failure_reports;
	size_t i, n = 0;

	for (i = 0; i < sizeof(restart_only) / sizeof(restart_only[0]); i++) {
		const struct conf_option *opt =
		    conf_option_find(restart_only[i].name);

		if (opt == NULL || (restart_only[i].failure_only && !failure) ||
		    same_value(running, reloaded, opt))
			continue;
		if (n++ > 0)
			buf_append_byte(out, ' ');
		buf_append_str(out, opt->name);
	}
	return n;
}
