/*
 * main.c - start-up, privilege drop, signals and reload.
 *
 * Order matters: read and check the config; detach unless -f; open the
 * milter socket and write the pid file while still root; drop privileges;
 * then run libmilter in its own thread while this (main) thread handles
 * signals. libmilter's threads are born with SIGHUP/SIGTERM/SIGINT blocked
 * and this thread never blocks them once libmilter runs, and libmilter's
 * own signal thread, which would take SIGHUP as "stop", does not wait for
 * them (daemon/milter_sigwait.c): only this thread takes them.
 *
 * SIGHUP re-reads the config: a broken file is logged and refused, the old
 * config stays. SIGTERM and SIGINT tempfail new messages, let the
 * messages in flight finish (up to ShutdownTimeout), stop accepting
 * connections and exit, leaving idle ones to the kernel. If libmilter's
 * listener gives up on its own, the daemon lets the messages in flight
 * finish the same way and exits with status 1.
 * daemon/as_root does the steps taken as root (socket, pid file, the
 * drop); daemon/service tells systemd (when it listens) READY,
 * RELOADING/READY around a reload and STOPPING, and feeds its watchdog.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf/conf.h"
#include "conf/conf_warn.h"
#include "conf/conf_live.h"
#include "conf/conf_restart.h"
#include "crypto/crypto.h"
#include "daemon/as_root.h"
#include "daemon/config_check.h"
#include "daemon/detach.h"
#include "daemon/fd_limit.h"
#include "daemon/milter_listening.h"
#include "daemon/service.h"
#include "sign/sign_setup.h"
#include "dns/dns.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "metrics/metrics_http.h"
#include "milter/checks.h"
#include "milter/milter.h"
#include "milter/session.h"
#include "milter/milter_stop.h"
#include "milter/report_hook.h"
#include "report/report_writer.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/std_fds.h"
#include "util/thread_stack.h"
#include "util/unreadable.h"
#include "util/xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/authmilter.conf"

static int signal_pipe[2] = { -1, -1 };

/* usage - print the synopsis */
static void
usage(FILE *out)
{
	(void)fprintf(out,
	    "usage: authmilter [-f] [-t [-q]] [-c file]\n"
	    "       authmilter -V | -h\n"
	    "  -c file  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -f       stay in the foreground\n"
	    "  -t       check the configuration, print it, and exit\n"
	    "  -q       with -t: print only warnings and errors\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit (also --help)\n");
}

/* absolute_config - the -c file as an absolute name, for the daemon:
 * it changes to / when it detaches, and a reload (SIGHUP) would open a
 * relative name, and the relative key files next to it, from there.
 * Not realpath: a symbolic link re-pointed before a reload is followed.
 * Kept for the process's life (static: no leak to report at exit). */
static const char *
absolute_config(const char *path)
{
	static char *kept;
	struct buf b = BUF_INIT;
	char *cwd;

	if (path[0] == '/')
		return path;
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	buf_printf(&b, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
	free(cwd);
	free(kept);
	kept = buf_steal(&b);
	return kept;
}

/* load_config - load and check; on failure print every problem */
static struct conf *
load_config(const char *path, bool to_log)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	if (!conf_load(path, &c, &err)) {
		char *line, *save = NULL;

		for (line = strtok_r((char *)err.data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (to_log)
				log_error("%s", line);
			else
				(void)fprintf(stderr, "%s\n", line);
		}
		buf_deinit(&err);
		return NULL;
	}
	buf_deinit(&err);
	return c;
}

/* check_reloadable - after the privilege drop, load the configuration
 * once more as UserID, as a SIGHUP will. A file only root can read (a key
 * that authcheck genkey wrote as root, mode 0600) passes at start, read
 * as root, and would make every reload fail; say so now, with the
 * reason, rather than at the first reload. */
static void
check_reloadable(const char *path, const struct conf *c)
{
	struct buf err = BUF_INIT;
	struct conf *again;
	char *line, *save = NULL;

	if (conf_load(path, &again, &err)) {
		conf_unref(&again);
		buf_deinit(&err);
		return;
	}
	for (line = strtok_r((char *)err.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_warn("a reload (SIGHUP) as %s would be refused: %s",
		    c->user_id, line);
	buf_deinit(&err);
}

/* start_resolver - the one shared DNS resolver for SPF, DKIM and DMARC.
 * Made after the fork and the privilege drop: its threads must belong to
 * the daemon, and it needs no privileges. Block the signals this thread
 * handles so the resolver's threads never take them. */
static struct dns_resolver *
start_resolver(const struct conf *c)
{
	struct dns_config dc;
	struct dns_resolver *r;
	const char *err = "unknown error", *unreadable;
	sigset_t set, old;

	/* the resolver's reason would not name the file */
	if (c->trust_anchor_file != NULL && (unreadable =
	    file_unreadable(c->trust_anchor_file)) != NULL)
		log_fatal("TrustAnchorFile %s: %s", c->trust_anchor_file,
		    unreadable);
	memset(&dc, 0, sizeof(dc));
	dc.nameservers = c->nameservers.items;
	dc.nameserver_count = c->nameservers.count;
	dc.timeout_ms = c->dns_timeout_ms;
	dc.trust_anchor_file = c->trust_anchor_file;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	r = dns_resolver_new(&dc, &err);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == NULL)
		log_fatal("cannot start the DNS resolver: %s", err);
	return r;
}

/* on_signal - async-signal-safe: hand the signal number to the main loop */
static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(signal_pipe[1], &b, 1);
	errno = saved;
}

/* stderr_log_to_syslog - LogTo stderr in a daemon going to the
 * background: its stderr becomes /dev/null, which would swallow every
 * line from then on; say so on the terminal and log to syslog instead */
static void
stderr_log_to_syslog(void)
{
	struct conf *c = conf_live_get();

	if (c->log_to == CONF_LOG_STDERR) {
		log_info("LogTo stderr without -f: the log goes to syslog from "
		    "here on (-f keeps it on stderr)");
		log_open("authmilter", LOG_SINK_SYSLOG, c->log_facility);
	}
	conf_unref(&c);
}

/* Written to the self-pipe when smfi_main returns: not a signal number. */
#define LISTENER_ENDED	0
/* how long start-up waits for libmilter's listener (ms) */
#define LISTENER_START_MS	10000

/*
 * milter_thread - run libmilter until smfi_stop. smfi_main also returns
 * on its own when libmilter's listener gives up (16 failed poll, accept
 * or thread starts in a row, with sleeps of 1..16 s between them); the
 * byte on the self-pipe then wakes the main loop, which exits non-zero
 * so a supervisor restarts the daemon instead of it living on deaf.
 */
static void *
milter_thread(void *arg)
{
	int *rc = arg;
	unsigned char b = LISTENER_ENDED;

	milter_listening_thread();
	*rc = smfi_main();
	milter_listening_ended();
	(void)!write(signal_pipe[1], &b, 1);
	return NULL;
}

/* log_warning - start-up and reload: a warning in the log */
static void
log_warning(const char *where, const char *text, void *ctx)
{
	(void)ctx;
	log_warn("%s: %s", where, text);
}

/* log_signing - what the live snapshot signs with (keys are loaded),
 * and what in it is probably not meant (conf_warnings) */
static void
log_signing(void)
{
	struct conf *c = conf_live_get();
	struct buf b = BUF_INIT;

	sign_setup_describe(c->sign, &b);
	log_info("%s", buf_cstr(&b));
	buf_deinit(&b);
	(void)conf_warnings(c, log_warning, NULL);
	conf_unref(&c);
}

/* warn_restart_only - name the changed options a reload cannot apply */
static void
warn_restart_only(const struct conf *running, const struct conf *reloaded)
{
	struct buf names = BUF_INIT;

	if (conf_restart_changed(running, reloaded, &names) > 0)
		log_warn("changed, but read only at start (the running values "
		    "stay until a restart): %s", buf_cstr(&names));
	buf_deinit(&names);
}

/* reload - SIGHUP: install a new config only if it loads cleanly;
 * true when it did. started is the snapshot the daemon started with:
 * the options read only at start are compared with it, not with the
 * last reload's, whose values for them never took effect. */
static bool
reload(const char *path, const struct conf *started)
{
	struct conf *c = load_config(path, true);

	if (c == NULL) {
		log_error("reload of %s refused; the running configuration stays", path);
		metrics_config_loaded(false);
		return false;
	}
	/* A file caught empty (truncated while written, a failed copy) would
	 * put every option to its default: signing off, other InternalHosts.
	 * A start may use the defaults; a running daemon keeps its own. */
	if (c->lines_set == 0) {
		log_error("reload of %s refused: the file sets no option (empty, "
		    "or caught while being written?); the running configuration "
		    "stays", path);
		conf_unref(&c);
		metrics_config_loaded(false);
		return false;
	}
	warn_restart_only(started, c);
	log_set_level((enum log_level)c->log_level);
	log_set_format((enum log_format)c->log_format);
	conf_live_set(c);
	metrics_config_loaded(true);
	log_info("configuration reloaded from %s", path);
	log_signing();
	return true;
}

/*
 * A message's last reply (to its end of message, or the 451 to a MAIL
 * FROM refused during the stop) is written by libmilter after our
 * callback returns; the exit leaves connections still open to the
 * kernel, so it gives those writes this long first.
 */
#define REPLY_SETTLE_MS 100

/* sleep_ms - sleep for ms milliseconds */
static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* next_signal - the next signal from the self-pipe within ms
 * milliseconds, or -1 */
static int
next_signal(unsigned ms)
{
	struct pollfd p = { signal_pipe[0], POLLIN, 0 };
	unsigned char sig;

	if (poll(&p, 1, (int)ms) <= 0 || read(signal_pipe[0], &sig, 1) != 1)
		return -1;
	return sig;
}

/*
 * stop_messages - refuse new messages and let those in flight finish, up
 * to timeout_ms, or until a second SIGTERM or SIGINT says not to wait
 * (an operator's second Ctrl-C). Idle connections are not waited for:
 * the MTA keeps them for its SMTP sessions (Postfix one per session, a
 * load generator for good), so waiting for them made every restart under
 * load take the whole ShutdownTimeout. A MAIL FROM on one gets 451 4.3.2
 * until the exit, and the MTA applies its milter default action after it.
 */
static void
stop_messages(int sig, unsigned timeout_ms)
{
	uint64_t end = clock_mono_ms() + timeout_ms, now;
	unsigned n = session_stop_messages();
	int again = -1;

	if (sig != 0)
		log_info("signal %d: stopping; %u message(s) in flight, new "
		    "ones tempfailed", sig, n);
	else
		log_info("stopping; %u message(s) in flight, new ones "
		    "tempfailed", n);
	while (session_in_flight() > 0 && (now = clock_mono_ms()) < end &&
	    again != SIGTERM && again != SIGINT) {
		again = next_signal(end - now < 50 ? (unsigned)(end - now) : 50);
		if (again == SIGHUP)
			log_info("signal %d: no reload, the daemon is stopping",
			    again);
	}
	if ((n = session_in_flight()) > 0 && (again == SIGTERM || again == SIGINT))
		log_warn("signal %d again: not waiting for the %u message(s) "
		    "in flight; their connections are cut off", again, n);
	else if (n > 0)
		log_warn("%u message(s) still in flight after ShutdownTimeout; "
		    "their connections are cut off", n);
	if (session_active() > 0)
		sleep_ms(REPLY_SETTLE_MS);
}

/* install_signal_handlers - route SIGHUP/SIGTERM/SIGINT to the self-pipe.
 * Done first thing in main, so a signal sent during start-up is not lost
 * and never kills the daemon by its default action. */
static void
install_signal_handlers(void)
{
	struct sigaction sa;

	if (pipe(signal_pipe) != 0)
		log_fatal("pipe: %s", strerror(errno));
	(void)fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/*
	 * SA_NODEFER: the main thread never blocks these signals, not even
	 * while the handler runs, so a second SIGHUP during the first one's
	 * handler is delivered at once rather than left pending (it once went
	 * to libmilter's signal thread and stopped the daemon, status 0).
	 * on_signal is reentrant: one write.
	 */
	sa.sa_flags = SA_NODEFER;
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
}

/*
 * run - start libmilter in a thread and serve signals until told to stop.
 * started is the configuration the daemon started with (its socket,
 * resolver, ... stay until a restart); background: detached (no -f),
 * stderr about to go to /dev/null.
 * Returns the exit status; *left_r gets the connections still open at the
 * end (idle ones, or ones with a message past ShutdownTimeout; no new one
 * can start by then: the gate is closed).
 */
static int
run(const char *config_path, const struct conf *started, bool background,
    unsigned *left_r)
{
	sigset_t set;
	pthread_attr_t attr;
	pthread_t tid;
	int milter_rc = MI_FAILURE, stop = 0;
	bool ended = false;	/* smfi_main returned without our smfi_stop */
	struct service *svc;

	/*
	 * libmilter's threads (its signal thread and one per connection)
	 * start from the milter thread and inherit its mask: it is born with
	 * these blocked. This thread never blocks them, not even for the
	 * pthread_create: a SIGHUP arriving while it did (the socket already
	 * accepts then) stayed pending for the process, for whichever thread
	 * waited for it first.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* The threads started from here on, libmilter's one per connection
	 * above all, get stacks glibc can keep for reuse (util/thread_stack.h);
	 * the long-lived threads started before keep the default. */
	if (!thread_stack_set_default(THREAD_STACK_CONNECTIONS))
		log_warn("cannot set the stack size of connection threads; "
		    "they keep the default");
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setsigmask_np(&attr, &set) != 0 ||
	    pthread_create(&tid, &attr, milter_thread, &milter_rc) != 0)
		log_fatal("cannot start the milter thread");
	(void)pthread_attr_destroy(&attr);
	/* READY=1 and "started" once libmilter has started too: its worker
	 * pool's pipe and threads come before its listener's loop. Bounded:
	 * a libmilter that selects rather than polls never says so. A
	 * listener that ended is the signal loop's business. */
	if (!milter_listening_wait(LISTENER_START_MS))
		log_warn("libmilter's listener did not start within %u ms; "
		    "ready anyway", LISTENER_START_MS);

	log_info("%s started", PACKAGE_STRING);
	log_signing();
	/* READY=1 last: in the background, once the log has gone over to
	 * syslog and the starting process is released, so start-up has
	 * ended when the service manager hears it */
	if (background)
		stderr_log_to_syslog();
	detach_ready();
	svc = service_ready(started->socket);
	while (!stop) {
		unsigned char sig;
		ssize_t n = read(signal_pipe[0], &sig, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sig == LISTENER_ENDED) {
			ended = true;
			break;
		} else if (sig == SIGHUP) {
			service_reloading(svc);
			service_reloaded(svc, reload(config_path, started));
		} else {
			stop = sig;
		}
	}
	/* libmilter's worker pool stops serving open connections once
	 * smfi_stop is called, so the messages in flight finish first. */
	{
		struct conf *c = conf_live_get();

		service_stopping(svc, c->shutdown_timeout_ms);
		stop_messages(stop, c->shutdown_timeout_ms);
		conf_unref(&c);
	}
	/* A connection accepted from here on is refused at negotiation. */
	(void)session_close_gate();
	if (!ended)
		milter_stop(started->socket);
	(void)pthread_join(tid, NULL);
	service_free(&svc);
	*left_r = session_active();
	/*
	 * smfi_main returned on its own. MI_FAILURE: its listener gave up;
	 * exit 1 so a supervisor restarts us. MI_SUCCESS: something stopped
	 * libmilter (its signal thread did on a signal before
	 * daemon/milter_sigwait.c kept it from waiting for them); taken as a
	 * requested stop.
	 */
	if (ended && milter_rc != MI_SUCCESS) {
		log_error("libmilter's listener gave up (see its message before "
		    "this); exiting with status 1 so that the daemon is "
		    "restarted");
		return 1;
	}
	if (ended) {
		log_info("libmilter stopped on its own; stopping");
		return 0;
	}
	/*
	 * libmilter's listener checks the stop flag, then takes its lock; if
	 * smfi_stop closes the socket in between (more likely when threads
	 * run slowly, as under valgrind), it reports a failure. The stop was
	 * ours, so that is not an error exit.
	 */
	if (stop && milter_rc != MI_SUCCESS)
		log_debug("libmilter found its socket closed while stopping");
	return stop || milter_rc == MI_SUCCESS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	bool foreground = false, check_only = false, quiet = false,
	    writer_left = false;
	bool was_root;
	struct dns_resolver *resolver;
	struct metrics_server *metrics;
	struct report_writer *reports = NULL;
	struct report_failures *failures = NULL;
	struct conf *c;
	const char *sock_path, *psl_why;
	unsigned left = 0;
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, rc;

	/* before anything is opened: with 0, 1 or 2 closed at start the
	 * signal pipe took their place, and detaching (or a log line)
	 * then replaced (wrote into) it; see util/std_fds.h */
	if (!std_fds_open()) {
		(void)fprintf(stderr, "authmilter: /dev/null: %s\n",
		    strerror(errno));
		return 1;
	}
	/* next: libunbound and libpq initialise OpenSSL as well; before
	 * OpenSSL's first allocation (nothing to log to yet if too late) */
	(void)crypto_abort_on_oom();
	crypto_keep_at_exit();
	/* --help as well: authcheck and authmilter-report take it, and it is
	 * what a postmaster types first */
	while ((ch = getopt_long(argc, argv, "c:fqthV", longs, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'V':
			(void)printf("%s\n", PACKAGE_STRING);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (quiet && !check_only)) {
		usage(stderr);
		return 2;
	}

	if (!check_only) {
		if ((config_path = absolute_config(config_path)) == NULL) {
			(void)fprintf(stderr, "authmilter: cannot name the "
			    "current directory: %s\n", strerror(errno));
			return 1;
		}
		install_signal_handlers();
	}
	c = load_config(config_path, false);
	if (c == NULL)
		return 1;
	if (check_only) {
		rc = config_check(c, config_path, quiet);
		conf_unref(&c);
		return rc;
	}

	if (as_root_refused(c) != NULL) {
		(void)fprintf(stderr, "%s: %s\n", config_path, as_root_refused(c));
		conf_unref(&c);
		return 1;
	}
	log_open("authmilter", c->log_to == CONF_LOG_STDERR ? LOG_SINK_STDERR :
	    LOG_SINK_SYSLOG, c->log_facility);
	log_set_level((enum log_level)c->log_level);
	log_set_format((enum log_format)c->log_format);
	if (!foreground)
		detach_start();
	if (!milter_register())
		return 1;
	fd_limit_raise();	/* before any connection */
	as_root_open_socket(c);
	if (c->pid_file != NULL)
		as_root_write_pid_file(c->pid_file);
	metrics = metrics_server_start(c);
	as_root_prepare_report_store(c);
	was_root = geteuid() == 0;
	as_root_drop_privileges(c);
	if (was_root && c->user_id != NULL && geteuid() != 0)
		check_reloadable(config_path, c);
	conf_live_set(conf_ref(c));
	resolver = start_resolver(c);
	checks_set_resolver(resolver);
	if (!checks_dmarc_init(c->psl_file, &psl_why))
		log_fatal("PSLFile %s: %s", c->psl_file ? c->psl_file :
		    "(system)", psl_why ? psl_why :
		    "cannot load the Public Suffix List");

	if (c->report_store != NULL)
		reports = report_writer_start(c->report_store,
		    c->report_store_timeout_ms, c->report_queue_size,
		    c->report_interval_hours);
	report_hook_set_writer(reports);
	if (c->failure_reports) {
		struct report_failure_config fc = { c->report_contact,
			c->report_sendmail, c->failure_report_rate, c->psl_file };

		failures = report_failures_start(&fc, resolver);
	}
	report_hook_set_failures(failures);

	rc = run(config_path, c, !foreground, &left);

	sock_path = milter_socket_unix_path(c->socket);
	if (sock_path != NULL)
		(void)unlink(sock_path);
	if (c->pid_file != NULL && unlink(c->pid_file) != 0 && errno != ENOENT)
		log_warn("cannot remove PidFile %s: %s", c->pid_file, strerror(errno));
	if (left > 0) {
		/*
		 * Connections still open (idle ones, which the stop does not
		 * wait for, or ones with a message past ShutdownTimeout)
		 * can still call back, and a message uses the resolver,
		 * the Public Suffix List, the configuration, the metrics
		 * counters, the report queue and OpenSSL: freeing them (or
		 * running exit's handlers, OpenSSL's among them) under those
		 * threads is a use after free. Leave them to the kernel, but
		 * first let the writer store the report rows already queued
		 * and the failure-report thread send the reports queued
		 * (each bounded: a slow store or MTA cannot hold the exit up
		 * for long).
		 */
		log_info("%u connection(s) still open; exiting without freeing "
		    "the state they use", left);
		(void)report_writer_close(reports, REPORT_CLOSE_MS);
		report_failures_close(failures, REPORT_CLOSE_MS);
		if (metrics != NULL)
			metrics_server_log_dropped();
		_exit(rc);
	}
	report_hook_set_writer(NULL);
	report_hook_set_failures(NULL);
	writer_left = !report_writer_stop(&reports, REPORT_CLOSE_MS);
	report_failures_stop(&failures, REPORT_CLOSE_MS);
	checks_set_resolver(NULL);
	checks_dmarc_deinit();
	dns_resolver_free(&resolver);
	metrics_server_free(&metrics);
	conf_unref(&c);
	conf_live_clear();
	log_info("stopped");
	if (writer_left)
		_exit(rc);	/* the writer may be inside libpq and OpenSSL */
	return rc;
}
