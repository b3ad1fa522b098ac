/*
 * nullmilter.c - a libmilter milter that does nothing, for the floor
 * measurement of benchmarks: protocol plus libmilter cost, no checks.
 *
 * It negotiates like a real verifying milter (it asks to add headers and
 * to see every event, with replies, so it sees every header and every body
 * chunk), touches each byte it is given, and accepts every message at
 * end-of-message. It adds no header, so a chain with it is unchanged.
 * This plain mode stays the floor of issue 7's tables. It has no DATA
 * callback, so libmilter declines DATA: behind Postfix, which writes the
 * macros of declined steps without waiting and keeps Nagle on, its
 * content then waits ~40 ms for the delayed ACK. Use -R behind Postfix.
 *
 * With -R it is instead the floor that negotiates exactly like authmilter
 * (issue 18): the same actions, skipped steps, no-reply steps
 * (SMFIP_NR_*), leading-space header values and macro lists, taken from
 * the daemon's own src/milter/negotiate.h; it keeps per-connection state
 * as authmilter does, answers "continue" at end of message as authmilter
 * does when it accepts (so the MTA may reuse the connection), and does
 * nothing else. Subtracting its CPU from authmilter's leaves the cost of
 * our own work.
 *
 * With -C (implies -R, "nullC") it also does the crypto floor's work for
 * each message (nullcrypto.h): a verification per DKIM-Signature, the
 * header and body hashes. Subtracting its CPU from authmilter's leaves
 * our work beyond the crypto. It prints its totals when it stops.
 *
 * With -A (implies -C, "nullA") it also makes the output every message
 * costs authmilter: it inserts an Authentication-Results field of the
 * median size authmilter adds to the bench corpus, and writes a log line
 * of the median size of authmilter's to stderr, in one writev as
 * authmilter's log does. The texts are fixed: what is left in authmilter
 * beyond nullA is our own work to produce them, not the I/O.
 *
 * With -B US (implies -A, "nullB") it also spends US microseconds of its
 * thread's CPU at each end of message, doing nothing useful. With US the
 * run's authmilter - nullA, nullB costs what authmilter costs, spent
 * plainly: if its p99 is then authmilter's, authmilter's latency is its
 * CPU cost alone (the share of two cores each message waits for), not
 * locks, memory or the way its work is spread over the callbacks.
 *
 * usage: nullmilter -s SOCKET [-T SECONDS] [-R | -C | -A | -B US]
 *   SOCKET as libmilter takes it: inet:PORT@HOST, unix:PATH.
 * Exported: nothing (a program). Ownership: per-connection state is one
 * counter struct (with -C its crypto state), freed at close. Errors:
 * start-up failures exit 1.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "milter/negotiate.h"
#include "nullcrypto.h"

/* -R: negotiate like authmilter (see the top of the file) */
static bool like_authmilter;
/* -C: and do the crypto floor's work */
static bool with_crypto;
/* -A: and insert an A-R field and log a line for each message */
static bool with_output;
/* -B US: and spend US microseconds of CPU at each end of message */
static long burn_us;

/* -A's texts: as long as the medians of authmilter's A-R field value
 * (263 bytes) and log line (451 bytes, newline included) over the bench
 * corpus */
static char output_ar[] =
    " bench.test;\n\tspf=pass smtp.mailfrom=bmx.mike.example;\n"
    "\tspf=none smtp.helo=mta-10-12-0-1.mike.example;\n"
    "\tdkim=pass header.d=hotel.example header.s=s2048 header.a=rsa-sha256 header.b=QCEpy2H2;\n"
    "\tarc=none;\n\tdmarc=pass (p=quarantine dis=none) header.from=hotel.example";
static const char output_log[] =
    "2026-12-03T22:33:19 nullmilter[1]: info: qid=000000000002 stage=eom "
    "client_name=mta-10-0-0-2.alpha.example client_ip=10.0.0.2 "
    "helo=mta-10-0-0-2.alpha.example from=bounce-4@alpha.example spf=pass "
    "spf_helo=none dkim=none dmarc=pass dmarc_from=alpha.example "
    "dmarc_policy=none dmarc_reason=\"aligned identifier passed\" sign=no "
    "sign_skip=external forged_ar_removed=0 verdict=accept why=pass ms=4 size=13765 hdrs=12 "
    "dkim_domains=none arc=none arc_chain=none\n";
_Static_assert(sizeof(output_ar) - 1 == 263 && sizeof(output_log) - 1 == 451,
    "-A's texts are the medians' sizes");
static char r_macros_envfrom[] = NEGOTIATE_MACROS_ENVFROM;
static char r_macros_eoh[] = NEGOTIATE_MACROS_EOH;
static char r_macros_eom[] = NEGOTIATE_MACROS_EOM;

/* Per-connection counters: what a real milter would keep per message. */
struct null_ctx {
	unsigned long headers;
	unsigned long body_bytes;
	unsigned long sum;
	unsigned long noreply;	/* -R: the SMFIP_NR_* steps the MTA granted */
	struct nullcrypto_msg *crypto;	/* -C: this message's crypto work */
};

/* r_go_on - -R: "continue" for a step, said the way the MTA agreed to */
static sfsistat
r_go_on(const struct null_ctx *n, unsigned long nr_step)
{
	return n != NULL && (n->noreply & nr_step) != 0 ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE;
}

/* r_negotiate - -R: answer the MTA's offer exactly as authmilter does */
static sfsistat
r_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct null_ctx *n;

	(void)f2;
	(void)f3;
	if (!negotiate_flags(f0, f1, pf0, pf1, pf2, pf3))
		return SMFIS_REJECT;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return SMFIS_REJECT;
	if (with_crypto && (n->crypto = calloc(1, sizeof(*n->crypto))) == NULL) {
		free(n);
		return SMFIS_REJECT;
	}
	n->noreply = f1 & NEGOTIATE_NOREPLY_STEPS;
	if (smfi_setpriv(ctx, n) != MI_SUCCESS) {
		free(n->crypto);
		free(n);
		return SMFIS_REJECT;
	}
	(void)smfi_setsymlist(ctx, SMFIM_ENVFROM, r_macros_envfrom);
	(void)smfi_setsymlist(ctx, SMFIM_EOH, r_macros_eoh);
	(void)smfi_setsymlist(ctx, SMFIM_EOM, r_macros_eom);
	return SMFIS_CONTINUE;
}

/* r_connect - -R: nothing to do (state was made at negotiation) */
static sfsistat
r_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	(void)host;
	(void)sa;
	return r_go_on(smfi_getpriv(ctx), SMFIP_NR_CONN);
}

/* r_helo - -R: nothing to do */
static sfsistat
r_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return r_go_on(smfi_getpriv(ctx), SMFIP_NR_HELO);
}

/* r_envfrom - -R: MAIL FROM keeps its reply, as authmilter's does;
 * -C: a new message */
static sfsistat
r_envfrom(SMFICTX *ctx, char **argv)
{
	struct null_ctx *n = smfi_getpriv(ctx);

	(void)argv;
	if (n != NULL && n->crypto != NULL)
		nullcrypto_start(n->crypto);
	return SMFIS_CONTINUE;
}

/* r_header - -R: nothing to do; -C: note the header */
static sfsistat
r_header(SMFICTX *ctx, char *name, char *value)
{
	struct null_ctx *n = smfi_getpriv(ctx);

	if (n != NULL && n->crypto != NULL)
		nullcrypto_header(n->crypto, name, value);
	return r_go_on(n, SMFIP_NR_HDR);
}

/* r_eoh - -R: nothing to do */
static sfsistat
r_eoh(SMFICTX *ctx)
{
	return r_go_on(smfi_getpriv(ctx), SMFIP_NR_EOH);
}

/* r_body - -R: nothing to do; -C: hash the chunk */
static sfsistat
r_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct null_ctx *n = smfi_getpriv(ctx);

	if (n != NULL && n->crypto != NULL)
		nullcrypto_body(n->crypto, p, len);
	return r_go_on(n, SMFIP_NR_BODY);
}

/* r_output - -A: the field and the log line of one message */
static void
r_output(SMFICTX *ctx)
{
	struct iovec iov = { (void *)output_log, sizeof(output_log) - 1 };

	(void)smfi_insheader(ctx, 0, (char *)"Authentication-Results", output_ar);
	(void)!writev(STDERR_FILENO, &iov, 1);
}

/* -B's work: steps of a chain of multiplications, each needing the one
 * before (no compiler or processor can skip or overlap them); how many a
 * microsecond takes is measured once at start (burn_calibrate) */
static volatile uint64_t burn_sink;
static double burn_steps_per_us;

/* burn_steps - n steps of the chain */
static void
burn_steps(uint64_t n)
{
	uint64_t x = burn_sink, i;

	for (i = 0; i < n; i++)
		x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	burn_sink = x;
}

/* burn_thread_us - this thread's CPU time so far, microseconds */
static double
burn_thread_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* burn_calibrate - steps a microsecond of CPU, on this machine now: the
 * burn itself then makes no system call, so it costs plain user CPU
 * (timing each burn with clock_gettime would add kernel entries) */
static void
burn_calibrate(void)
{
	uint64_t n = 1 << 20;
	double t0, spent;

	for (;;) {
		t0 = burn_thread_us();
		burn_steps(n);
		spent = burn_thread_us() - t0;
		if (spent >= 50000 || n >= (UINT64_C(1) << 34))
			break;
		n *= 2;
	}
	burn_steps_per_us = spent > 0 ? (double)n / spent : 1000;
}

/* burn_cpu - -B: spend about us microseconds of this thread's CPU */
static void
burn_cpu(long us)
{
	burn_steps((uint64_t)(us * burn_steps_per_us));
}

/* r_eom - -R: "continue", as authmilter answers a message it accepts;
 * -C: after the message's hashes and verifications (a failed one is
 * counted in the totals, the answer stays the same); -A: and its output;
 * -B: and the CPU it is told to spend */
static sfsistat
r_eom(SMFICTX *ctx)
{
	struct null_ctx *n = smfi_getpriv(ctx);

	if (n != NULL && n->crypto != NULL)
		(void)nullcrypto_eom(n->crypto);
	if (with_output)
		r_output(ctx);
	if (burn_us > 0)
		burn_cpu(burn_us);
	return SMFIS_CONTINUE;
}

/* null_get - the connection's counters */
static struct null_ctx *
null_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* null_connect - allocate the per-connection counters */
static sfsistat
null_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct null_ctx *n = calloc(1, sizeof(*n));

	(void)host;
	(void)sa;
	if (n == NULL)
		return SMFIS_TEMPFAIL;
	smfi_setpriv(ctx, n);
	return SMFIS_CONTINUE;
}

/* null_envfrom - start a message */
static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	struct null_ctx *n = null_get(ctx);

	(void)argv;
	if (n != NULL)
		n->headers = n->body_bytes = n->sum = 0;
	return SMFIS_CONTINUE;
}

/* null_header - count one header field */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	struct null_ctx *n = null_get(ctx);

	if (n != NULL) {
		n->headers++;
		n->sum += strlen(name) + strlen(value);
	}
	return SMFIS_CONTINUE;
}

/* null_body - read every byte of one body chunk */
static sfsistat
null_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct null_ctx *n = null_get(ctx);
	size_t i;

	if (n != NULL) {
		n->body_bytes += len;
		for (i = 0; i < len; i++)
			n->sum += p[i];
	}
	return SMFIS_CONTINUE;
}

/* null_eom - accept the message */
static sfsistat
null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

/* null_close - free the counters */
static sfsistat
null_close(SMFICTX *ctx)
{
	struct null_ctx *n = null_get(ctx);

	if (n != NULL && n->crypto != NULL) {
		nullcrypto_free(n->crypto);
		free(n->crypto);
	}
	free(n);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* main - options, register with libmilter, serve until stopped */
int
main(int argc, char **argv)
{
	struct smfiDesc desc;
	const char *sock = NULL;
	int c, rc, timeout = 30;

	while ((c = getopt(argc, argv, "s:T:RCAB:")) != -1) {
		switch (c) {
		case 'R': like_authmilter = true; break;
		case 'C': like_authmilter = with_crypto = true; break;
		case 'A': like_authmilter = with_crypto = with_output = true; break;
		case 's': sock = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		case 'B':
			like_authmilter = with_crypto = with_output = true;
			burn_us = atol(optarg);
			if (burn_us <= 0 || burn_us > 1000000) {
				sock = NULL;	/* a typo, not a floor */
				optind = argc;
			}
			break;
		default: sock = NULL; optind = argc; break;
		}
	}
	if (sock == NULL) {
		fprintf(stderr, "usage: nullmilter -s SOCKET [-T SECONDS] [-R | -C | -A | -B US]\n");
		return 1;
	}
	if (burn_us > 0)
		burn_calibrate();
	if (with_crypto && !nullcrypto_init()) {
		fprintf(stderr, "nullmilter: -C: cannot make or use the keys (OpenSSL)\n");
		return 1;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = (char *)"nullmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS;
	desc.xxfi_connect = null_connect;
	desc.xxfi_envfrom = null_envfrom;
	desc.xxfi_header = null_header;
	desc.xxfi_body = null_body;
	desc.xxfi_eom = null_eom;
	desc.xxfi_close = null_close;
	if (like_authmilter) {
		desc.xxfi_flags = NEGOTIATE_ACTIONS;
		desc.xxfi_negotiate = r_negotiate;
		desc.xxfi_connect = r_connect;
		desc.xxfi_helo = r_helo;
		desc.xxfi_envfrom = r_envfrom;
		desc.xxfi_header = r_header;
		desc.xxfi_eoh = r_eoh;
		desc.xxfi_body = r_body;
		desc.xxfi_eom = r_eom;
	}
	if (smfi_setconn((char *)sock) == MI_FAILURE || smfi_settimeout(timeout) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot set up %s\n", sock);
		return 1;
	}
	if (smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot open %s\n", sock);
		return 1;
	}
	rc = smfi_main() == MI_SUCCESS ? 0 : 1;
	if (with_crypto)
		nullcrypto_totals(stderr);
	return rc;
}
