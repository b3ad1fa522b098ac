/*
 * test_dns_unbound.c - the libunbound resolver against a real DNS server
 *
 * Starts tests/lib/dns_server.py on a free loopback port (UDP+TCP,
 * 127.0.0.1 and ::1) and checks: a resolver on 127.0.0.1 and ::1 works,
 * .test names and RFC 1918 reverse names reach it, the cache is shared (the
 * server counts one query for many lookups), timeouts hold against a silent
 * server, NXDOMAIN/NODATA/SERVFAIL are told apart, multi-string TXT records
 * are joined (also over TCP after truncation), and many threads can look up,
 * time out and cancel at once. Skips with a reason when the server cannot
 * start, except under CI=true, where that fails.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_budget.h"
#include "dns/dns_int.h"
#include "metrics/metrics.h"
#include "util/buf.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

#define START_TIMEOUT_MS 10000
#define TIMEOUT_MS 500
#define MARGIN_MS 300
#define STRESS_THREADS 8
#define STRESS_ROUNDS 25

struct server {
	pid_t pid;
	int port;
	char dir[64];
	char zone[128];
	char stats[128];
};

static struct server srv;
static bool server_up;

static const char zone_text[] =
    "www.example.test:\n"
    "  - A: 192.0.2.10\n"
    "  - AAAA: \"2001:db8::10\"\n"
    "cached.test:\n"
    "  - TXT: v=spf1 -all\n"
    "multi.test:\n"
    "  - TXT: [\"v=spf1 \", \"ip4:192.0.2.0/24 \", \"-all\"]\n"
    "nodata.test:\n"
    "  - A: 192.0.2.20\n"
    "servfail.test:\n"
    "  - SERVFAIL\n"
    "silent.test:\n"
    "  - TIMEOUT\n"
    "trunc.test:\n"
    "  - TRUNCATE\n"
    "  - TXT: over-tcp\n"
    "1.2.0.10.in-addr.arpa:\n"
    "  - PTR: host.internal.test\n"
    "mx.test:\n"
    "  - MX: [10, mail.example.test]\n";

/* write_file - create path with text */
static bool
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

/* big_zone_entry - a TXT of 12 strings of 250 octets (3000 octets: more
 * than an EDNS UDP answer holds, so it comes over TCP) */
static void
append_big_txt(char *buf, size_t size)
{
	size_t len = strlen(buf), i;

	len += (size_t)snprintf(buf + len, size - len, "big.test:\n  - TXT: [");
	for (i = 0; i < 12; i++) {
		buf[len++] = '"';
		memset(buf + len, 'a' + (int)i, 250);
		len += 250;
		buf[len++] = '"';
		if (i < 11)
			buf[len++] = ',';
	}
	len += (size_t)snprintf(buf + len, size - len, "]\n");
	buf[len] = '\0';
}

/* start_server - run dns_server.py and read its READY line (bounded) */
static bool
start_server(void)
{
	char script[512], line[64], zone[8192];
	int pfd[2];
	size_t got = 0;
	uint64_t deadline;

	strcpy(srv.dir, "/tmp/authmilter-dnsXXXXXX");
	if (mkdtemp(srv.dir) == NULL)
		return false;
	snprintf(srv.zone, sizeof(srv.zone), "%s/zone.yml", srv.dir);
	snprintf(srv.stats, sizeof(srv.stats), "%s/stats.json", srv.dir);
	snprintf(zone, sizeof(zone), "%s", zone_text);
	append_big_txt(zone, sizeof(zone));
	if (!write_file(srv.zone, zone))
		return false;
	snprintf(script, sizeof(script), "%s/tests/lib/dns_server.py",
	    getenv("top_srcdir") != NULL ? getenv("top_srcdir") : TOP_SRCDIR);
	if (access(script, R_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
		return false;
	if (pipe(pfd) != 0)
		return false;
	srv.pid = fork();
	if (srv.pid < 0)
		return false;
	if (srv.pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl("/usr/bin/python3", "python3", script, "--zone", srv.zone,
		    "--stats", srv.stats, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	deadline = clock_mono_ms() + START_TIMEOUT_MS;
	while (got < sizeof(line) - 1 && clock_mono_ms() < deadline) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(pfd[0], line + got, 1);
		if (n <= 0)
			break;
		if (line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	close(pfd[0]);
	if (sscanf(line, "READY %d", &srv.port) != 1)
		return false;
	return true;
}

/* stop_server - SIGTERM our server (by PID), then reap it, bounded;
 * remove its directory (also when the server never started) */
static void
stop_server(void)
{
	int i, st;

	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		for (i = 0; i < 50; i++) {
			if (waitpid(srv.pid, &st, WNOHANG) == srv.pid) {
				srv.pid = 0;
				break;
			}
			usleep(100000);
		}
	}
	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, &st, 0);
		srv.pid = 0;
	}
	if (srv.zone[0] != '\0') {	/* set once mkdtemp made the dir */
		unlink(srv.zone);
		unlink(srv.stats);
		rmdir(srv.dir);
		srv.zone[0] = '\0';
	}
}

static int
group_setup(void **state)
{
	(void)state;
	server_up = start_server();
	if (!server_up)
		stop_server();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	stop_server();
	return 0;
}

/* need_server - skip (or fail under CI=true) without the server */
#define need_server() do { \
	if (!server_up) { \
		const char *ci = getenv("CI"); \
		if (ci != NULL && strcmp(ci, "true") == 0) \
			fail_msg("test DNS server did not start (CI=true)"); \
		print_message("# SKIP test DNS server (python3 dns_server.py) did not start\n"); \
		skip(); \
	} \
} while (0)

/* resolver_at - a resolver forwarding to addr@port */
static struct dns_resolver *
resolver_at(const char *addr, unsigned timeout_ms)
{
	char ns0[80];
	char *ns[1] = { ns0 };
	struct dns_config cfg = { ns, 1, timeout_ms, NULL };
	const char *err = NULL;
	struct dns_resolver *r;

	snprintf(ns0, sizeof(ns0), "%s@%d", addr, srv.port);
	r = dns_resolver_new(&cfg, &err);
	assert_non_null(r);
	return r;
}

/* server_count - queries the server saw for "name TYPE" */
static unsigned long
server_count(const char *key)
{
	char buf[16384], pat[256], *p;
	size_t n;
	FILE *f = fopen(srv.stats, "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(buf, pat);
	return p != NULL ? strtoul(p + strlen(pat), NULL, 10) : 0;
}

static void
test_resolver_on_127_0_0_1_answers(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	const unsigned char want[4] = { 192, 0, 2, 10 };

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 2000);
	a = dns_lookup(r, "www.example.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->count, 1);
	assert_memory_equal(a->rr[0].addr, want, 4);
	assert_true(a->ttl > 0);
	assert_false(a->secure);
	dns_answer_free(&a);
	a = dns_lookup(r, "mx.test", DNS_T_MX, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->rr[0].pref, 10);
	assert_string_equal(a->rr[0].text, "mail.example.test");
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

static void
test_resolver_on_ipv6_loopback_answers(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 sa;

	(void)state;
	need_server();
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_loopback;
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (s >= 0)
			close(s);
		print_message("# SKIP no IPv6 loopback\n");
		skip();
	}
	close(s);
	r = resolver_at("::1", 2000);
	a = dns_lookup(r, "www.example.test", DNS_T_AAAA, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->rr[0].addr[15], 0x10);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

static void
test_test_and_private_reverse_names_reach_server(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	unsigned long before;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 2000);
	before = server_count("1.2.0.10.in-addr.arpa PTR");
	a = dns_lookup(r, "1.2.0.10.in-addr.arpa", DNS_T_PTR, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "host.internal.test");
	dns_answer_free(&a);
	assert_int_equal(server_count("1.2.0.10.in-addr.arpa PTR"), before + 1);
	/* names libunbound would answer itself by default */
	a = dns_lookup(r, "nothing.invalid", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_NXDOMAIN);
	dns_answer_free(&a);
	assert_true(server_count("nothing.invalid A") >= 1);
	a = dns_lookup(r, "localhost", DNS_T_A, 0);
	dns_answer_free(&a);
	assert_true(server_count("localhost A") >= 1);
	a = dns_lookup(r, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0);
	dns_answer_free(&a);
	assert_true(server_count("1.2.0.192.in-addr.arpa PTR") >= 1);
	dns_resolver_free(&r);
}

static void
test_statuses_told_apart(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 2000);
	a = dns_lookup(r, "nope.example.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_NXDOMAIN);
	dns_answer_free(&a);
	a = dns_lookup(r, "nodata.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_NODATA);
	dns_answer_free(&a);
	a = dns_lookup(r, "servfail.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_SERVFAIL);
	dns_answer_free(&a);
	a = dns_lookup(r, "bad..name", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_ERROR);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

static void
test_txt_strings_joined(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	size_t i;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 3000);
	a = dns_lookup(r, "multi.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
	dns_answer_free(&a);
	a = dns_lookup(r, "big.test", DNS_T_TXT, 0);	/* TC, then TCP */
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->rr[0].text_len, 3000);
	for (i = 0; i < 12; i++)
		assert_int_equal(a->rr[0].text[i * 250 + 249], 'a' + (int)i);
	dns_answer_free(&a);
	a = dns_lookup(r, "trunc.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "over-tcp");
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

struct lookup_arg {
	struct dns_resolver *r;
	const char *name;
	enum dns_status status;
};

static void *
lookup_thread(void *p)
{
	struct lookup_arg *la = p;
	struct dns_answer *a = dns_lookup(la->r, la->name, DNS_T_TXT, 0);

	la->status = a->status;
	dns_answer_free(&a);
	return NULL;
}

static void
test_cache_shared_between_threads(void **state)
{
	struct dns_resolver *r;
	struct lookup_arg args[4];
	pthread_t th[4];
	unsigned long before;
	int i;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 2000);
	before = server_count("cached.test TXT");
	args[0] = (struct lookup_arg){ r, "cached.test", DNS_R_ERROR };
	lookup_thread(&args[0]);
	assert_int_equal(args[0].status, DNS_R_ANSWER);
	for (i = 0; i < 4; i++) {
		args[i] = (struct lookup_arg){ r, "cached.test", DNS_R_ERROR };
		assert_int_equal(pthread_create(&th[i], NULL, lookup_thread, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].status, DNS_R_ANSWER);
	}
	/* five lookups, one query at the server */
	assert_int_equal(server_count("cached.test TXT"), before + 1);
	assert_int_equal(dns_resolver_lookups(r), 5);
	dns_resolver_free(&r);
}

/* assert_same_answer - two answers with the same status and records */
static void
assert_same_answer(const struct dns_answer *a, const struct dns_answer *b)
{
	size_t i;

	assert_int_equal(a->status, b->status);
	assert_int_equal(a->secure, b->secure);
	assert_int_equal(a->count, b->count);
	for (i = 0; i < a->count; i++) {
		assert_int_equal(a->rr[i].type, b->rr[i].type);
		assert_int_equal(a->rr[i].pref, b->rr[i].pref);
		assert_memory_equal(a->rr[i].addr, b->rr[i].addr, 16);
		assert_int_equal(a->rr[i].text_len, b->rr[i].text_len);
		if (a->rr[i].text_len > 0)
			assert_memory_equal(a->rr[i].text, b->rr[i].text,
			    a->rr[i].text_len);
	}
}

/* The in-process cache (dns_cache.c) answers a repeated question in the
 * caller's thread with what libunbound answered the first time: same
 * records, TTL not above the first, names compared without case and final
 * dot; NXDOMAIN and NODATA are kept (for the SOA's negative TTL, RFC 2308),
 * failures never. */
/* a spent message budget still takes an answer the process keeps, and
 * asks the server nothing for one it does not */
/* queries_counted - authmilter_dns_queries_total as a scrape shows it */
static unsigned long long
queries_counted(void)
{
	static const char series[] = "\nauthmilter_dns_queries_total ";
	struct buf b = BUF_INIT;
	const char *p;
	unsigned long long n = 0;

	metrics_render(&b, 0);
	p = strstr(buf_cstr(&b), series);
	if (p != NULL)
		n = strtoull(p + strlen(series), NULL, 10);
	buf_deinit(&b);
	return n;
}

static void
test_spent_budget_takes_cached(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	struct dns_budget b;
	unsigned long before;
	unsigned long long counted;
	uint64_t lookups;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 2000);
	a = dns_lookup(r, "mx.test", DNS_T_MX, 0);	/* now kept */
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	dns_budget_init(&b, 100);
	dns_budget_charge(&b, 100);
	before = server_count("mx.test MX");
	counted = queries_counted();
	lookups = dns_resolver_lookups(r);
	a = dns_budget_lookup(&b, r, "mx.test", DNS_T_MX, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "mail.example.test");
	dns_answer_free(&a);
	assert_int_equal(server_count("mx.test MX"), before);
	/* not asked of the server, but a query all the same */
	assert_int_equal(queries_counted(), counted + 1);
	assert_int_equal(dns_resolver_lookups(r), lookups + 1);
	before = server_count("multi.test TXT");
	a = dns_budget_lookup(&b, r, "multi.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	dns_answer_free(&a);
	assert_int_equal(server_count("multi.test TXT"), before);
	dns_resolver_free(&r);
}

static void
test_in_process_cache_same_answers(void **state)
{
	static const struct {
		const char *name, *again;
		uint16_t type;
		bool kept;
	} q[] = {
		{ "www.example.test", "WWW.Example.TEST.", DNS_T_A, true },
		{ "www.example.test", "www.example.test", DNS_T_AAAA, true },
		{ "multi.test", "Multi.Test", DNS_T_TXT, true },
		{ "big.test", "big.test.", DNS_T_TXT, true },
		{ "mx.test", "mx.test", DNS_T_MX, true },
		{ "1.2.0.10.in-addr.arpa", "1.2.0.10.IN-ADDR.ARPA", DNS_T_PTR, true },
		/* negative answers too: the HELO and SPF names of a warm
		 * message that do not exist must not cost a round trip */
		{ "no-such-name.test", "No-Such-Name.test.", DNS_T_TXT, true },
		{ "nodata.test", "nodata.test", DNS_T_TXT, true },
		{ "servfail.test", "servfail.test", DNS_T_TXT, false },
	};
	struct dns_resolver *r;
	size_t i;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 3000);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct dns_answer *a, *b;
		uint64_t hits;

		struct dns_query *dq;

		print_message("# %s\n", q[i].name);
		a = dns_lookup(r, q[i].name, q[i].type, 0);
		hits = dns_resolver_cache_hits(r);
		b = dns_lookup(r, q[i].again, q[i].type, 0);
		assert_same_answer(a, b);
		assert_int_equal(dns_resolver_cache_hits(r), hits + (q[i].kept ? 1 : 0));
		if (q[i].kept)
			assert_true(b->ttl > 0 && b->ttl <= a->ttl);
		dns_answer_free(&b);
		/* the asynchronous calls give the same from the cache, and
		 * a hit that is cancelled is freed */
		hits = dns_resolver_cache_hits(r);
		dq = dns_query_start(r, q[i].again, q[i].type);
		b = dns_query_wait(&dq, 0);
		assert_null(dq);
		assert_same_answer(a, b);
		dq = dns_query_start(r, q[i].name, q[i].type);
		dns_query_cancel(&dq);
		assert_null(dq);
		assert_int_equal(dns_resolver_cache_hits(r),
		    hits + (q[i].kept ? 2 : 0));
		dns_answer_free(&a);
		dns_answer_free(&b);
	}
	/* another type of a cached name is another question */
	{
		struct dns_answer *a;
		uint64_t hits = dns_resolver_cache_hits(r);

		a = dns_lookup(r, "multi.test", DNS_T_A, 0);
		assert_int_equal(a->status, DNS_R_NODATA);
		assert_int_equal(dns_resolver_cache_hits(r), hits);
		dns_answer_free(&a);
	}
	dns_resolver_free(&r);
}

static void
test_timeout_honoured_against_silent_server(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	struct dns_query *q[10];
	uint64_t t0, dt;
	int i;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", TIMEOUT_MS);
	t0 = clock_mono_ms();
	a = dns_lookup(r, "silent.test", DNS_T_TXT, 0);
	dt = clock_mono_ms() - t0;
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_in_range(dt, TIMEOUT_MS - 10, TIMEOUT_MS + MARGIN_MS);
	dns_answer_free(&a);
	/* ten parallel async queries time out together, not one after another */
	t0 = clock_mono_ms();
	for (i = 0; i < 10; i++)
		q[i] = dns_query_start(r, i % 2 ? "silent.test" : "x.silent.test",
		    DNS_T_TXT);
	for (i = 0; i < 10; i++) {
		a = dns_query_wait(&q[i], 0);
		assert_int_equal(a->status, i % 2 ? DNS_R_TIMEOUT : DNS_R_NXDOMAIN);
		dns_answer_free(&a);
	}
	assert_true(clock_mono_ms() - t0 <= TIMEOUT_MS + MARGIN_MS);
	/* a caller's shorter limit */
	t0 = clock_mono_ms();
	a = dns_lookup(r, "silent.test", DNS_T_A, 100);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_true(clock_mono_ms() - t0 <= 100 + MARGIN_MS);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

static void *
stress_thread(void *p)
{
	struct dns_resolver *r = p;
	int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		struct dns_query *q = dns_query_start(r, "silent.test", DNS_T_A);
		struct dns_answer *a;

		if (i % 3 == 0) {
			dns_query_cancel(&q);
		} else {
			a = dns_query_wait(&q, 20);
			dns_answer_free(&a);
		}
		a = dns_lookup(r, i % 2 ? "cached.test" : "nope.test", DNS_T_TXT, 0);
		dns_answer_free(&a);
	}
	return NULL;
}

static void
test_threads_lookup_timeout_and_cancel_at_once(void **state)
{
	struct dns_resolver *r;
	pthread_t th[STRESS_THREADS];
	int i;

	(void)state;
	need_server();
	r = resolver_at("127.0.0.1", 1000);
	for (i = 0; i < STRESS_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, stress_thread, r), 0);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(dns_resolver_lookups(r),
	    STRESS_THREADS * STRESS_ROUNDS * 2);
	dns_resolver_free(&r);
	assert_null(r);
}

/* blocked_mask - SigBlk of thread tid from /proc (0 when unreadable) */
static unsigned long long
blocked_mask(const char *tid)
{
	char path[128], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			break;
	fclose(f);
	return mask;
}

static void
test_resolver_threads_block_signals(void **state)
{
	struct dns_resolver *r;
	struct dns_answer *a;
	unsigned long long want = (1ULL << (SIGHUP - 1)) | (1ULL << (SIGINT - 1)) |
	    (1ULL << (SIGTERM - 1));
	char self[32];
	struct dirent *e;
	DIR *d;
	int others = 0;

	(void)state;
	need_server();
	if ((d = opendir("/proc/self/task")) == NULL) {
		print_message("# SKIP no /proc\n");
		skip();
	}
	r = resolver_at("127.0.0.1", 2000);
	/* the first query makes libunbound start its own thread too */
	a = dns_lookup(r, "www.example.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	assert_int_equal(blocked_mask(self) & want, 0);	/* main: not blocked */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
			continue;
		print_message("# thread %s\n", e->d_name);
		assert_int_equal(blocked_mask(e->d_name) & want, want);
		others++;
	}
	closedir(d);
	assert_true(others >= 2);	/* ours and libunbound's */
	dns_resolver_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolver_on_127_0_0_1_answers),
		cmocka_unit_test(test_resolver_on_ipv6_loopback_answers),
		cmocka_unit_test(test_test_and_private_reverse_names_reach_server),
		cmocka_unit_test(test_statuses_told_apart),
		cmocka_unit_test(test_txt_strings_joined),
		cmocka_unit_test(test_cache_shared_between_threads),
		cmocka_unit_test(test_in_process_cache_same_answers),
		cmocka_unit_test(test_spent_budget_takes_cached),
		cmocka_unit_test(test_timeout_honoured_against_silent_server),
		cmocka_unit_test(test_threads_lookup_timeout_and_cancel_at_once),
		cmocka_unit_test(test_resolver_threads_block_signals),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
