/*
 * report_main.c - authmilter-report: the DMARC aggregate report job.
 *
 *   authmilter-report [-c FILE] [--dry-run --out DIR] [--period BEGIN END]
 *   authmilter-report [-c FILE] --expire DAYS
 *   authmilter-report [-c FILE] --stats
 *
 * Reads the daemon's configuration (ReportStore, ReportContact, ...),
 * opens the store and runs report_job.c. Exit status: 0 all done, 1 some
 * report failed (retried next run) or a store error, 2 usage or
 * configuration error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libpsl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "core/orgdomain.h"
#include "log/log.h"
#include "report/report_job.h"
#include "report/report_shown.h"
#include "util/buf.h"
#include "util/std_fds.h"

#define DEFAULT_CONFIG SYSCONFDIR "/authmilter.conf"

struct args {
	const char *config, *out_dir;
	bool dry_run, stats, have_period, have_expire;
	int64_t begin, end;
	unsigned expire_days;
};

static void
usage(FILE *f)
{
	(void)fprintf(f,
	    "usage: authmilter-report [-c file] [--dry-run --out dir]"
	    " [--period begin end]\n"
	    "       authmilter-report [-c file] --expire days\n"
	    "       authmilter-report [-c file] --stats\n"
	    "       authmilter-report -V | -h\n"
	    "  -c file          configuration (default %s)\n"
	    "  --dry-run        write reports to --out, send nothing, record nothing\n"
	    "  --out dir        where --dry-run writes .xml.gz and .eml files\n"
	    "  --period b e     only the period [b, e) (Unix times)\n"
	    "  --expire days    delete rows older than days\n"
	    "  --stats          rows per policy domain\n"
	    "  -V               the version\n"
	    "  -h, --help       this text\n", DEFAULT_CONFIG);
}

/* the last second of year 9999: report periods are epoch seconds, and
 * one past this is a typo, not a period (strtoll would clamp an
 * overflowing one to its maximum without a word) */
#define LAST_TIME_T_ACCEPTED 253402300799LL

/* parse_i64 - a whole decimal number from 0 to LAST_TIME_T_ACCEPTED */
static bool
parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v > LAST_TIME_T_ACCEPTED)
		return false;
	*out = v;
	return true;
}

/* bad_usage - say what is wrong with the command line; false */
static bool bad_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static bool
bad_usage(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("authmilter-report: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	return false;
}

/* parse_period - --period BEGIN END (optarg and the next word) */
static bool
parse_period(int argc, char **argv, struct args *a)
{
	const char *end;

	if (optind >= argc)
		return bad_usage("--period needs BEGIN and END");
	end = argv[optind++];
	if (!parse_i64(optarg, &a->begin) || !parse_i64(end, &a->end))
		return bad_usage("--period %s %s: BEGIN and END are Unix times, "
		    "whole seconds from 0 to %lld", optarg, end,
		    LAST_TIME_T_ACCEPTED);
	if (a->end <= a->begin)
		return bad_usage("--period %s %s: END must be after BEGIN",
		    optarg, end);
	a->have_period = true;
	return true;
}

/* parse_args - false on a usage error, after saying what it is (getopt
 * says it for an unknown option) */
static bool
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longs[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "period", required_argument, NULL, 'p' },
		{ "expire", required_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int64_t v;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hV", longs, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config = optarg; break;
		case 'n': a->dry_run = true; break;
		case 'o': a->out_dir = optarg; break;
		case 's': a->stats = true; break;
		case 'p':
			if (!parse_period(argc, argv, a))
				return false;
			break;
		case 'e':
			if (!parse_i64(optarg, &v) || v < 1 || v > 36500)
				return bad_usage("--expire %s: a number of days "
				    "from 1 to 36500", optarg);
			a->expire_days = (unsigned)v;
			a->have_expire = true;
			break;
		case 'V':
			(void)printf("%s\n", PACKAGE_STRING);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return false;
		}
	}
	if (optind != argc)
		return bad_usage("unexpected argument: %s", argv[optind]);
	if (a->dry_run && a->out_dir == NULL)
		return bad_usage("--dry-run needs --out DIR (where the reports "
		    "are written)");
	if (!a->dry_run && a->out_dir != NULL)
		return bad_usage("--out is for --dry-run (reports are sent "
		    "otherwise)");
	return true;
}

/* load - the configuration, with what the job needs; NULL after saying why */
static struct conf *
load(const struct args *a)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	struct stat sb;

	if (!conf_load(a->config, &c, &err)) {
		(void)fprintf(stderr, "%s", buf_cstr(&err));
		buf_deinit(&err);
		return NULL;
	}
	buf_deinit(&err);
	if (c->report_store == NULL) {
		(void)fprintf(stderr, "%s: ReportStore is not set: nothing is "
		    "recorded, nothing to report\n", a->config);
		conf_unref(&c);
	} else if (c->report_contact == NULL && !a->stats && !a->have_expire) {
		(void)fprintf(stderr, "%s: ReportContact is not set: reports need "
		    "a contact address\n", a->config);
		conf_unref(&c);
	} else if (a->dry_run && (stat(a->out_dir, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode))) {
		(void)fprintf(stderr, "--out %s: not a directory\n", a->out_dir);
		conf_unref(&c);
	}
	return c;
}

/* run_reports - resolver, PSL, the job */
static int
run_reports(struct conf *c, struct report_store *st, const struct args *a)
{
	struct report_job_opts o;
	struct dns_config dc;
	struct dns_resolver *r;
	psl_ctx_t *psl;
	const char *err = "unknown error";
	char host[HOST_NAME_MAX + 1], claimer[HOST_NAME_MAX + 32];
	int rc;

	memset(&dc, 0, sizeof(dc));
	dc.nameservers = c->nameservers.items;
	dc.nameserver_count = c->nameservers.count;
	dc.timeout_ms = c->dns_timeout_ms;
	dc.trust_anchor_file = c->trust_anchor_file;
	/* a PSLFile the daemon would refuse is refused here too: a
	 * configuration error */
	psl = c->psl_file != NULL ? orgdomain_psl_load(c->psl_file, &err) :
	    psl_latest(NULL);
	if (psl == NULL && c->psl_file != NULL) {
		log_error("PSLFile %s: %s", c->psl_file, err);
		return 2;
	}
	r = dns_resolver_new(&dc, &err);
	if (r == NULL) {
		log_error("cannot start the DNS resolver: %s", err);
		if (psl != NULL)
			psl_free(psl);
		return 1;
	}
	if (gethostname(host, sizeof(host)) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(claimer, sizeof(claimer), "%s:%ld", host, (long)getpid());
	memset(&o, 0, sizeof(o));
	o.conf = c;
	o.resolver = r;
	o.psl = psl != NULL ? psl : psl_builtin();
	o.dry_run = a->dry_run;
	o.out_dir = a->out_dir;
	o.have_period = a->have_period;
	o.begin = a->begin;
	o.end = a->end;
	o.now = (int64_t)time(NULL);
	o.claimer = claimer;
	rc = report_job_run(st, &o);
	if (psl != NULL)
		psl_free(psl);
	dns_resolver_free(&r);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct conf *c;
	struct report_store *st;
	struct report_db_opts db_opts;
	struct buf why = BUF_INIT;
	int rc;

	/* a store connection or report file opened as stdout or stderr
	 * when they were closed at start: see util/std_fds.h */
	if (!std_fds_open()) {
		(void)fprintf(stderr, "authmilter-report: /dev/null: %s\n",
		    strerror(errno));
		return 1;
	}
	/* a submission command that exits without reading all of the
	 * message must fail that report, not kill the job */
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.config = DEFAULT_CONFIG;
	if (!parse_args(argc, argv, &a)) {
		usage(stderr);
		return 2;
	}
	if ((c = load(&a)) == NULL)
		return 2;
	/* run by hand (stderr a terminal): the lines go where the person
	 * reading them is, whatever LogTo says for the timer's runs */
	log_open("authmilter-report", c->log_to == CONF_LOG_STDERR ||
	    isatty(STDERR_FILENO) ? LOG_SINK_STDERR : LOG_SINK_SYSLOG,
	    c->log_facility);
	log_set_level((enum log_level)c->log_level);
	db_opts.timeout_ms = c->report_store_timeout_ms;
	db_opts.app_name = "authmilter-report";
	/* only the daemon, which collects the rows, makes the store */
	st = report_store_open_existing(c->report_store, &db_opts, &why);
	if (st == NULL) {
		char *shown = report_store_shown(c->report_store);
		char *at = conf_where(c, "ReportStore");

		log_error("%s: ReportStore %s: %s", at, shown, buf_cstr(&why));
		free(at);
		free(shown);
		buf_deinit(&why);
		conf_unref(&c);
		return 1;
	}
	if (a.stats)
		rc = report_job_stats(st, stdout);
	else if (a.have_expire)
		rc = report_job_expire(st, a.expire_days, (int64_t)time(NULL));
	else
		rc = run_reports(c, st, &a);
	report_store_close(&st);
	buf_deinit(&why);
	conf_unref(&c);
	return rc;
}
