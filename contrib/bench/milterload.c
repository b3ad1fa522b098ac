/*
 * milterload.c - a milter load generator that talks to milters the way
 * Postfix does, for benchmarks.
 *
 * It speaks the Sendmail 8 milter protocol, version 6, itself (no
 * libmilter): OPTNEG with the actions and protocol masks Postfix offers,
 * the milter's macro lists (SMFIR_SETSYMLIST in the OPTNEG reply), its
 * "do not send" and "will not reply" flags, SMFIP_HDR_LEADSPC and
 * SMFIR_SKIP; then per message CONNECT, HELO, MAIL, RCPT, DATA, each
 * HEADER, EOH, BODY in chunks of at most 65535 bytes, EOM, the
 * modification requests and the final verdict; ABORT at the end of each
 * transaction and QUIT at the end of a connection, as Postfix does.
 *
 * Several sockets form a chain: envelope events go to milter 1 then milter
 * 2 event by event; the content goes to milter 1 completely, its header
 * edits (add, insert, change, delete) and body replacement are applied,
 * and then the edited message goes to milter 2, as an MTA applies them.
 *
 * N worker threads each run their own connection(s) to the chain and take
 * messages from the corpus in a fixed round-robin order; with -m N the
 * messages of one connection come from one client (sessions.c). Every run is
 * bounded in time (-t) and in message count (-n); every socket read and
 * write is bounded by the I/O timeout (-T).
 *
 * With -P ("as Postfix") it sends what a real Postfix 3.7 smtpd and
 * cleanup send, as seen through contrib/bench/postfix-milter-trace.py:
 * Postfix's own default connect macros, a macro packet for every stage
 * even when empty or when the milter declined the step, macros tagged
 * with the letter of the command they precede (L, N, B, E), the RCPT
 * and DATA macros in a write of their own (smtpd hands the milter to
 * cleanup there), and two ABORTs then QUIT at the end of the session;
 * -W MS waits that long at each point where Postfix waits for its SMTP
 * client, so the milter sleeps and wakes per step as under Postfix.
 *
 * Output: a human summary and one "RESULT key=value ..." line for scripts;
 * optionally (-o FILE) one JSON object per message with its verdict and
 * header edits, for result checking.
 *
 * Exported: nothing (a program). Depends on libc and pthreads only.
 * Ownership: the corpus is loaded once, read-only, shared by all threads;
 * each thread owns its connections and scratch buffers.
 * Errors: connection, I/O, timeout and protocol errors are counted per
 * message, the thread's connections are closed and the run carries on.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sessions.h"

/* Protocol constants (Sendmail 8 milter protocol, version 6). */
#define SMFI_PROT_VERSION 6

#define SMFIC_ABORT 'A'
#define SMFIC_BODY 'B'
#define SMFIC_CONNECT 'C'
#define SMFIC_MACRO 'D'
#define SMFIC_BODYEOB 'E'
#define SMFIC_HELO 'H'
#define SMFIC_HEADER 'L'
#define SMFIC_MAIL 'M'
#define SMFIC_EOH 'N'
#define SMFIC_OPTNEG 'O'
#define SMFIC_QUIT 'Q'
#define SMFIC_RCPT 'R'
#define SMFIC_DATA 'T'

#define SMFIR_ADDRCPT '+'
#define SMFIR_DELRCPT '-'
#define SMFIR_ADDRCPT_PAR '2'
#define SMFIR_SHUTDOWN '4'
#define SMFIR_ACCEPT 'a'
#define SMFIR_REPLBODY 'b'
#define SMFIR_CONTINUE 'c'
#define SMFIR_DISCARD 'd'
#define SMFIR_CHGFROM 'e'
#define SMFIR_CONN_FAIL 'f'
#define SMFIR_ADDHEADER 'h'
#define SMFIR_INSHEADER 'i'
#define SMFIR_CHGHEADER 'm'
#define SMFIR_PROGRESS 'p'
#define SMFIR_QUARANTINE 'q'
#define SMFIR_REJECT 'r'
#define SMFIR_SKIP 's'
#define SMFIR_TEMPFAIL 't'
#define SMFIR_REPLYCODE 'y'

#define SMFIF_ADDHDRS 0x001u
#define SMFIF_CHGBODY 0x002u
#define SMFIF_ADDRCPT 0x004u
#define SMFIF_DELRCPT 0x008u
#define SMFIF_CHGHDRS 0x010u
#define SMFIF_QUARANTINE 0x020u
#define SMFIF_CHGFROM 0x040u
#define SMFIF_ADDRCPT_PAR 0x080u
#define SMFIF_SETSYMLIST 0x100u

#define SMFIP_NOCONNECT 0x000001u
#define SMFIP_NOHELO 0x000002u
#define SMFIP_NOMAIL 0x000004u
#define SMFIP_NORCPT 0x000008u
#define SMFIP_NOBODY 0x000010u
#define SMFIP_NOHDRS 0x000020u
#define SMFIP_NOEOH 0x000040u
#define SMFIP_NR_HDR 0x000080u
#define SMFIP_NOUNKNOWN 0x000100u
#define SMFIP_NODATA 0x000200u
#define SMFIP_SKIP 0x000400u
#define SMFIP_RCPT_REJ 0x000800u
#define SMFIP_NR_CONN 0x001000u
#define SMFIP_NR_HELO 0x002000u
#define SMFIP_NR_MAIL 0x004000u
#define SMFIP_NR_RCPT 0x008000u
#define SMFIP_NR_DATA 0x010000u
#define SMFIP_NR_UNKN 0x020000u
#define SMFIP_NR_EOH 0x040000u
#define SMFIP_NR_BODY 0x080000u
#define SMFIP_HDR_LEADSPC 0x100000u

/* What Postfix offers with milter_protocol = 6. */
#define OFFER_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | \
	SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)
#define OFFER_PROTO (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | \
	SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA | \
	SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
	SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | \
	SMFIP_NR_BODY | SMFIP_HDR_LEADSPC)

/* Macro classes (SMFIM_*), the order of the OPTNEG symbol lists. */
enum { MC_CONNECT, MC_HELO, MC_ENVFROM, MC_ENVRCPT, MC_DATA, MC_EOM, MC_EOH, MC_COUNT };

/* Postfix's default macro lists, plus {client_addr} {client_name} at
 * connect as many sites configure; a milter's own list replaces one. */
static const char *const default_macros[MC_COUNT] = {
	"j {daemon_name} {daemon_addr} v _ {client_addr} {client_name}",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	"i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}",
	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	"i",
	"i",
	"i",
};
/* The SMFIC command letter each macro class is sent with. */
static const char macro_cmd[MC_COUNT] = { 'C', 'H', 'M', 'R', 'T', 'E', 'N' };

/* -P: Postfix 3.7's own milter_connect_macros default (no client_*). */
#define POSTFIX_CONNECT_MACROS "j {daemon_name} {daemon_addr} v _"

/* Limits. */
#define BODY_CHUNK 65535              /* Postfix MILTER_CHUNK_SIZE */
#define MAX_PACKET (64u * 1024 * 1024) /* largest reply packet we read */
#define MAX_CHAIN 8                   /* milters in a chain */
#define MAX_THREADS 1024
#define MAX_CORPUS 200000              /* files in the corpus directory */
#define MAX_FILE (32L * 1024 * 1024)  /* bytes in one corpus file */
#define MAX_HEADERS 1000              /* header fields per message */
#define MAX_RCPTS 100                 /* recipients per message */
#define MAX_SECONDS 86400
#define OUT_FLUSH (256 * 1024)        /* flush the write buffer past this */

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

/* die - print a message and exit 2 */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("milterload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* xmalloc - malloc that exits on failure */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* xrealloc - realloc that exits on failure */
static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* xstrndup - copy n bytes and a NUL */
static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* xstrdup - copy a string */
static char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* now_sec - monotonic clock in seconds */
static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Growable byte buffer with explicit length. */
struct bbuf {
	char *p;
	size_t len, cap;
};

/* bbuf_reserve - make room for n more bytes */
static void
bbuf_reserve(struct bbuf *b, size_t n)
{
	if (n > SIZE_MAX / 2 - b->len)
		die("buffer size overflow");
	if (b->len + n <= b->cap)
		return;
	while (b->cap < b->len + n)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = xrealloc(b->p, b->cap);
}

/* bbuf_add - append n bytes */
static void
bbuf_add(struct bbuf *b, const void *d, size_t n)
{
	bbuf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* bbuf_adds - append a string and its NUL */
static void
bbuf_adds(struct bbuf *b, const char *s)
{
	bbuf_add(b, s, strlen(s) + 1);
}

/* bbuf_free - release the storage */
static void
bbuf_free(struct bbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---------------------------------------------------------------------- */
/* Corpus                                                                  */

struct header {
	char *name;
	char *value;  /* text after the colon, leading space kept, folds as "\n" */
};

struct message {
	char *name;                /* file name */
	struct header *hdrs;
	size_t nhdrs;
	char *body;                /* CRLF line endings */
	size_t bodylen;
	char *client_ip, *client_name, *helo, *mail_from, *auth_authen;
	char **rcpts;
	size_t nrcpts;
	size_t size;               /* bytes of the file */
};

struct corpus {
	struct message *msgs;
	size_t n;
};

/* split_message - parse raw RFC 5322 text into header fields and a CRLF body */
static void
split_message(struct message *m, const char *raw, size_t len)
{
	size_t i = 0, cap = 0;
	struct bbuf body = { 0 };

	/* Header section: lines until an empty line. */
	while (i < len) {
		size_t eol = i, next;

		while (eol < len && raw[eol] != '\n')
			eol++;
		next = eol < len ? eol + 1 : eol;
		if (eol > i && raw[eol - 1] == '\r')
			eol--;
		if (eol == i) {         /* empty line: end of header */
			i = next;
			break;
		}
		if ((raw[i] == ' ' || raw[i] == '\t') && m->nhdrs > 0) {
			/* Continuation: join with "\n" as Postfix sends folds. */
			struct header *h = &m->hdrs[m->nhdrs - 1];
			size_t ol = strlen(h->value);

			h->value = xrealloc(h->value, ol + 1 + (eol - i) + 1);
			h->value[ol] = '\n';
			memcpy(h->value + ol + 1, raw + i, eol - i);
			h->value[ol + 1 + (eol - i)] = '\0';
		} else {
			const char *colon = memchr(raw + i, ':', eol - i);
			size_t nl;

			if (colon == NULL || m->nhdrs >= MAX_HEADERS) {
				/* Not a header line: treat the rest as body. */
				break;
			}
			nl = (size_t)(colon - (raw + i));
			while (nl > 0 && (raw[i + nl - 1] == ' ' || raw[i + nl - 1] == '\t'))
				nl--;
			if (m->nhdrs == cap) {
				cap = cap ? cap * 2 : 32;
				m->hdrs = xrealloc(m->hdrs, cap * sizeof(*m->hdrs));
			}
			m->hdrs[m->nhdrs].name = xstrndup(raw + i, nl);
			m->hdrs[m->nhdrs].value = xstrndup(colon + 1, (size_t)(raw + eol - colon - 1));
			m->nhdrs++;
		}
		i = next;
	}
	/* Body: every line ends in CRLF on the wire. */
	while (i < len) {
		size_t eol = i, next;

		while (eol < len && raw[eol] != '\n')
			eol++;
		next = eol < len ? eol + 1 : eol;
		if (eol > i && raw[eol - 1] == '\r')
			eol--;
		bbuf_add(&body, raw + i, eol - i);
		bbuf_add(&body, "\r\n", 2);
		i = next;
	}
	m->body = body.p;
	m->bodylen = body.len;
}

/* trim - strip leading and trailing white space in place */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* from_address - the addr-spec of the From field, for a default MAIL FROM */
static char *
from_address(const struct message *m)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		const char *v, *lt, *gt;

		if (strcasecmp(m->hdrs[i].name, "From") != 0)
			continue;
		v = m->hdrs[i].value;
		lt = strchr(v, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt)
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
		{
			char *c = xstrdup(v), *t = xstrdup(trim(c));

			free(c);
			return t;
		}
	}
	return xstrdup("");
}

/* read_file - whole file into memory, NULL when unreadable or too big */
static char *
read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *p;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size > MAX_FILE) {
		fclose(f);
		return NULL;
	}
	p = xmalloc((size_t)st.st_size + 1);
	*len_r = fread(p, 1, (size_t)st.st_size, f);
	p[*len_r] = '\0';
	fclose(f);
	return p;
}

/* load_sidecar - envelope from NAME.env: "key value" lines */
static void
load_sidecar(struct message *m, const char *path)
{
	size_t len;
	char *text = read_file(path, &len), *line, *save = NULL;

	if (text == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *k = trim(line), *v = k;

		if (*k == '#' || *k == '\0')
			continue;
		while (*v && *v != ' ' && *v != '\t' && *v != ':' && *v != '=')
			v++;
		if (*v)
			*v++ = '\0';
		v = trim(v);
		while (*v == ':' || *v == '=')
			v = trim(v + 1);
		if (strcmp(k, "client_ip") == 0) {
			free(m->client_ip);
			m->client_ip = xstrdup(v);
		} else if (strcmp(k, "client_name") == 0) {
			free(m->client_name);
			m->client_name = xstrdup(v);
		} else if (strcmp(k, "helo") == 0) {
			free(m->helo);
			m->helo = xstrdup(v);
		} else if (strcmp(k, "mail_from") == 0) {
			free(m->mail_from);
			m->mail_from = xstrdup(v);
		} else if (strcmp(k, "auth_authen") == 0) {
			free(m->auth_authen);
			m->auth_authen = xstrdup(v);
		} else if (strcmp(k, "rcpt") == 0 && m->nrcpts < MAX_RCPTS) {
			m->rcpts = xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(char *));
			m->rcpts[m->nrcpts++] = xstrdup(v);
		}
	}
	free(text);
}

/* strip_brackets - "<a@b>" -> "a@b", in a new string */
static char *
strip_brackets(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return xstrndup(s + 1, n - 2);
	return xstrdup(s);
}

/* cmp_names - qsort order for file names */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* corpus_load - every *.eml in dir, sorted by name, with sidecars */
static void
corpus_load(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (d == NULL)
		die("cannot open corpus directory %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0) {
			if (n >= MAX_CORPUS)
				die("more than %d messages in %s", MAX_CORPUS, dir);
			names = xrealloc(names, (n + 1) * sizeof(char *));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (n == 0)
		die("no *.eml files in %s", dir);
	qsort(names, n, sizeof(char *), cmp_names);
	c->msgs = xmalloc(n * sizeof(*c->msgs));
	memset(c->msgs, 0, n * sizeof(*c->msgs));
	c->n = n;
	for (i = 0; i < n; i++) {
		struct message *m = &c->msgs[i];
		size_t plen = strlen(dir) + strlen(names[i]) + 8, len;
		char *path = xmalloc(plen), *raw;

		(void)snprintf(path, plen, "%s/%s", dir, names[i]);
		raw = read_file(path, &len);
		if (raw == NULL)
			die("cannot read %s (missing or larger than %ld bytes)", path, MAX_FILE);
		m->name = names[i];
		m->size = len;
		split_message(m, raw, len);
		free(raw);
		(void)snprintf(path + strlen(path) - 4, 5, ".env");
		load_sidecar(m, path);
		free(path);
		if (m->client_ip == NULL)
			m->client_ip = xstrdup("192.0.2.1");
		if (m->client_name == NULL)
			m->client_name = xstrdup("unknown");
		if (m->helo == NULL)
			m->helo = xstrdup("client.example");
		if (m->mail_from == NULL) {
			char *a = from_address(m);
			size_t l = strlen(a) + 3;

			m->mail_from = xmalloc(l);
			(void)snprintf(m->mail_from, l, "<%s>", a);
			free(a);
		} else if (m->mail_from[0] != '<') {
			size_t l = strlen(m->mail_from) + 3;
			char *a = xmalloc(l);

			(void)snprintf(a, l, "<%s>", m->mail_from);
			free(m->mail_from);
			m->mail_from = a;
		}
		if (m->nrcpts == 0) {
			m->rcpts = xmalloc(sizeof(char *));
			m->rcpts[m->nrcpts++] = xstrdup("<postmaster@bench.test>");
		}
		for (size_t r = 0; r < m->nrcpts; r++) {
			if (m->rcpts[r][0] != '<') {
				size_t l = strlen(m->rcpts[r]) + 3;
				char *a = xmalloc(l);

				(void)snprintf(a, l, "<%s>", m->rcpts[r]);
				free(m->rcpts[r]);
				m->rcpts[r] = a;
			}
		}
	}
	free(names);
}

/* ---------------------------------------------------------------------- */
/* Options and shared state                                                */

enum sock_kind { SOCK_INET, SOCK_UNIX };

struct endpoint {
	char *spec;
	int family, socktype, protocol;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

static struct {
	struct endpoint ep[MAX_CHAIN];
	int nep;
	int concurrency;
	long per_conn;
	const char *corpus_dir;
	double seconds;
	long max_msgs;
	double io_timeout;
	const char *out_path;
	bool quiet;
	bool quickack;
	bool postfix;                  /* -P: send exactly what Postfix sends */
	double step_wait;              /* -W: seconds slept per SMTP wait (-P) */
	const char *myhostname;
} opt = { .quickack = true, .concurrency = 1, .per_conn = 1, .seconds = 10, .max_msgs = 1000000,
	  .io_timeout = 10, .myhostname = "mx.bench.test" };

static struct corpus corpus;
static atomic_long next_index;
static struct sessions *sessions;      /* -m N: messages grouped by client */
static bool by_client;                 /* a connection carries one client's messages */
static atomic_ulong next_session;
static double deadline;
static FILE *out_file;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

enum verdict { V_ACCEPT, V_REJECT, V_TEMPFAIL, V_DISCARD, V_QUARANTINE, V_ERROR, V_COUNT };
static const char *const verdict_names[V_COUNT] = {
	"accept", "reject", "tempfail", "discard", "quarantine", "error"
};

enum err_kind { E_CONNECT, E_IO, E_TIMEOUT, E_PROTOCOL, E_COUNT };
static const char *const err_names[E_COUNT] = { "connect", "io", "timeout", "protocol" };

enum edit_kind { ED_ADD, ED_INSERT, ED_CHANGE, ED_DELETE, ED_OTHER, ED_COUNT };
static const char *const edit_names[ED_COUNT] = { "add", "insert", "change", "delete", "other" };

/* parse_endpoint - inet:port@host, inet6:port@host, unix:path, local:path */
static void
parse_endpoint(struct endpoint *ep, const char *spec)
{
	const char *rest;

	ep->spec = xstrdup(spec);
	memset(&ep->addr, 0, sizeof(ep->addr));
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ep->addr;

		rest = strchr(spec, ':') + 1;
		if (strlen(rest) >= sizeof(su->sun_path))
			die("socket path too long: %s", rest);
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, rest, strlen(rest) + 1);
		ep->family = AF_UNIX;
		ep->socktype = SOCK_STREAM;
		ep->protocol = 0;
		ep->addrlen = sizeof(*su);
	} else if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
		struct addrinfo hints, *res = NULL;
		char *port, *host;
		int rc;

		rest = strchr(spec, ':') + 1;
		port = xstrdup(rest);
		host = strchr(port, '@');
		if (host == NULL)
			die("socket %s: expected inet:PORT@HOST", spec);
		*host++ = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = spec[4] == '6' ? AF_INET6 : AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(host, port, &hints, &res);
		if (rc != 0 || res == NULL)
			die("socket %s: %s", spec, gai_strerror(rc));
		memcpy(&ep->addr, res->ai_addr, res->ai_addrlen);
		ep->addrlen = res->ai_addrlen;
		ep->family = res->ai_family;
		ep->socktype = res->ai_socktype;
		ep->protocol = res->ai_protocol;
		freeaddrinfo(res);
		free(port);
	} else {
		die("socket %s: expected inet:PORT@HOST or unix:PATH", spec);
	}
}

/* ---------------------------------------------------------------------- */
/* Per-thread state                                                        */

enum mstate { MS_CLOSED, MS_OPEN, MS_ACCEPT_CON, MS_REJECT_CON };

struct mconn {
	int fd;
	bool tcp;
	enum mstate state;
	uint32_t version, actions, proto;
	char *macros[MC_COUNT];    /* names, space separated */
	struct bbuf out, in;
	long msgs;                 /* messages sent on this connection */
	bool connected_events;     /* CONNECT/HELO already sent */
	char conn_reply[512];      /* verdict text of a connection-level reply */
	enum verdict conn_verdict;
};

/* One header edit, kept for the result file. */
struct edit {
	int op;                    /* enum edit_kind */
	int milter;                /* 1-based */
	uint32_t index;
	char *name, *value;
};

struct worker {
	pthread_t tid;
	int id;
	struct mconn conn[MAX_CHAIN];
	/* Working copy of the message for the chain. */
	struct header *hdrs;
	size_t nhdrs, caphdrs;
	bool *owned;               /* hdrs[i] strings allocated by us */
	struct bbuf newbody;
	bool body_replaced;
	struct edit *edits;
	size_t nedits, capedits;
	char reply[512];
	unsigned long qid;
	unsigned long session;     /* number of the current connection (SMTP session) */
	long session_left;         /* -m N by client: messages the session may still send */
	long next_in_session;      /* -m N by client: the run number of its next message */
	/* Results. */
	double *lat;
	size_t nlat, caplat;
	long verdicts[V_COUNT];
	long errors[E_COUNT];
	long editcount[ED_COUNT];
	long messages;
	double bytes;              /* file sizes of the messages sent */
};

/* Outcome of one event. */
enum evres { EV_CONTINUE, EV_ACCEPT, EV_REJECT, EV_TEMPFAIL, EV_DISCARD, EV_SKIP, EV_FAIL };

/* worker_error - count an error of this kind */
static int
worker_error(struct worker *w, enum err_kind k)
{
	w->errors[k]++;
	return -1;
}

/* conn_close - close one milter connection without QUIT */
static void
conn_close(struct mconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = MS_CLOSED;
	c->out.len = 0;
	c->in.len = 0;
	for (int i = 0; i < MC_COUNT; i++) {
		free(c->macros[i]);
		c->macros[i] = NULL;
	}
}

/* conn_flush - write the whole output buffer */
static int
conn_flush(struct worker *w, struct mconn *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + off, c->out.len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return worker_error(w, (errno == EAGAIN || errno == EWOULDBLOCK) ? E_TIMEOUT : E_IO);
		off += (size_t)n;
	}
	c->out.len = 0;
	return 0;
}

/* put32 - append a network-order 32-bit number */
static void
put32(struct bbuf *b, uint32_t v)
{
	uint32_t n = htonl(v);

	bbuf_add(b, &n, 4);
}

/* get32 - read a network-order 32-bit number */
static uint32_t
get32(const char *p)
{
	uint32_t n;

	memcpy(&n, p, 4);
	return ntohl(n);
}

/* conn_packet - queue one packet: length, command, data */
static void
conn_packet(struct mconn *c, char cmd, const void *data, size_t len)
{
	put32(&c->out, (uint32_t)(len + 1));
	bbuf_add(&c->out, &cmd, 1);
	bbuf_add(&c->out, data, len);
}

/* read_full - read exactly n bytes */
static int
read_full(struct worker *w, int fd, char *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = recv(fd, p + off, n - off, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return worker_error(w, E_TIMEOUT);
		if (r <= 0)
			return worker_error(w, E_IO);
		off += (size_t)r;
	}
	return 0;
}

/* conn_read - one packet from the milter into c->in; returns its command */
static int
conn_read(struct worker *w, struct mconn *c, size_t *len_r)
{
	char hdr[4];
	uint32_t len;

	/* libmilter writes each edit and the verdict separately and does not
	 * set TCP_NODELAY: with our delayed ACKs its second write waits ~40 ms
	 * for Nagle. Acknowledge at once (unless -A) so the milter is timed,
	 * not the kernel's ACK timer. */
	if (opt.quickack && c->tcp) {
		int one = 1;

		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	if (read_full(w, c->fd, hdr, 4) < 0)
		return -1;
	len = get32(hdr);
	if (len < 1 || len > MAX_PACKET)
		return worker_error(w, E_PROTOCOL);
	c->in.len = 0;
	bbuf_reserve(&c->in, len + 1);
	if (read_full(w, c->fd, c->in.p, len) < 0)
		return -1;
	c->in.p[len] = '\0';          /* spare NUL for string parsing */
	*len_r = len - 1;
	return (unsigned char)c->in.p[0];
}

/* ---------------------------------------------------------------------- */
/* Macros                                                                  */

/* macro_value - the value of one macro for this message, or NULL */
static const char *
macro_value(struct worker *w, const struct message *m, const char *name, size_t rcpt,
	    char *tmp, size_t tmpsize)
{
	static const char *const fixed[][2] = {
		{ "{daemon_name}", "milterload" },
		{ "{daemon_addr}", "127.0.0.1" },
		{ "v", "milterload 1.0" },
		{ "{mail_mailer}", "smtp" },
		{ "{rcpt_mailer}", "smtp" },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i][0]) == 0)
			return fixed[i][1];
	if (strcmp(name, "j") == 0)
		return opt.myhostname;
	if (strcmp(name, "{client_addr}") == 0)
		return m->client_ip;
	if (strcmp(name, "{client_name}") == 0)
		return m->client_name;
	if (strcmp(name, "_") == 0) {
		(void)snprintf(tmp, tmpsize, "%s [%s]", m->client_name, m->client_ip); /* truncation harmless */
		return tmp;
	}
	if (strcmp(name, "i") == 0) {
		(void)snprintf(tmp, tmpsize, "%04X%08lX", (unsigned)w->id & 0xffff, w->qid);
		return tmp;
	}
	if (strcmp(name, "{auth_authen}") == 0 || strcmp(name, "{auth_author}") == 0)
		return m->auth_authen;
	if (strcmp(name, "{auth_type}") == 0)
		return m->auth_authen ? "PLAIN" : NULL;
	if (strcmp(name, "{mail_addr}") == 0 || strcmp(name, "{mail_host}") == 0 ||
	    strcmp(name, "{rcpt_addr}") == 0 || strcmp(name, "{rcpt_host}") == 0) {
		const char *a = name[1] == 'm' ? m->mail_from : m->rcpts[rcpt];
		char *s = strip_brackets(a);
		const char *at = strrchr(s, '@');

		if (strstr(name, "_host") != NULL)
			(void)snprintf(tmp, tmpsize, "%s", at ? at + 1 : ""); /* truncation harmless */
		else
			(void)snprintf(tmp, tmpsize, "%s", s); /* truncation harmless */
		free(s);
		return tmp;
	}
	return NULL;
}

/* send_macros - queue the SMFIC_MACRO packet of one class for command
 * letter cmd: if any macro is set, or always with -P (Postfix sends an
 * empty one, tagged with the command it precedes) */
static void
send_macros(struct worker *w, struct mconn *c, int cls, char cmd, const struct message *m,
	    size_t rcpt)
{
	const char *list = c->macros[cls] ? c->macros[cls] : default_macros[cls];
	struct bbuf b = { 0 };
	char name[128], tmp[1024];
	bool any = opt.postfix;

	if (opt.postfix && cls == MC_CONNECT && c->macros[cls] == NULL)
		list = POSTFIX_CONNECT_MACROS;
	bbuf_add(&b, opt.postfix ? &cmd : &macro_cmd[cls], 1);
	while (*list) {
		size_t n = 0;
		const char *v;

		while (*list == ' ' || *list == ',' || *list == '\t')
			list++;
		while (list[n] && list[n] != ' ' && list[n] != ',' && list[n] != '\t')
			n++;
		if (n == 0)
			break;
		if (n < sizeof(name) - 2) {
			/* A bare multi-letter name means {name}, as in libmilter. */
			if (n > 1 && list[0] != '{')
				(void)snprintf(name, sizeof(name), "{%.*s}", (int)n, list);
			else
				(void)snprintf(name, sizeof(name), "%.*s", (int)n, list);
			v = macro_value(w, m, name, rcpt, tmp, sizeof(tmp));
			/* Postfix has no queue id before the first valid RCPT
			 * (smtpd_delay_open_until_valid_rcpt): no i at MAIL,
			 * none in the RCPT macros either. */
			if (opt.postfix && strcmp(name, "i") == 0 &&
			    (cls == MC_ENVFROM || cls == MC_ENVRCPT))
				v = NULL;
			if (v != NULL) {
				bbuf_adds(&b, name);
				bbuf_adds(&b, v);
				any = true;
			}
		}
		list += n;
	}
	if (any)
		conn_packet(c, SMFIC_MACRO, b.p, b.len);
	bbuf_free(&b);
}

/* ---------------------------------------------------------------------- */
/* Negotiation and replies                                                 */

/* conn_open - connect to milter k and negotiate */
static int
conn_open(struct worker *w, int k)
{
	struct mconn *c = &w->conn[k];
	const struct endpoint *ep = &opt.ep[k];
	struct timeval tv;
	struct bbuf b = { 0 };
	size_t len, off;
	int cmd, one = 1;

	c->fd = socket(ep->family, ep->socktype | SOCK_CLOEXEC, ep->protocol);
	if (c->fd < 0)
		return worker_error(w, E_CONNECT);
	tv.tv_sec = (time_t)opt.io_timeout;
	tv.tv_usec = (suseconds_t)((opt.io_timeout - (double)tv.tv_sec) * 1e6);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->tcp = ep->family != AF_UNIX;
	if (c->tcp)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&ep->addr, ep->addrlen) != 0) {
		conn_close(c);
		return worker_error(w, E_CONNECT);
	}
	c->state = MS_OPEN;
	c->msgs = 0;
	c->connected_events = false;
	put32(&b, SMFI_PROT_VERSION);
	put32(&b, OFFER_ACTIONS);
	put32(&b, OFFER_PROTO);
	conn_packet(c, SMFIC_OPTNEG, b.p, b.len);
	bbuf_free(&b);
	if (conn_flush(w, c) < 0 || (cmd = conn_read(w, c, &len)) < 0) {
		conn_close(c);
		return -1;
	}
	if (cmd != SMFIC_OPTNEG || len < 12) {
		conn_close(c);
		return worker_error(w, E_PROTOCOL);
	}
	c->version = get32(c->in.p + 1);
	c->actions = get32(c->in.p + 5);
	c->proto = get32(c->in.p + 9);
	if (c->version < 2 || c->version > SMFI_PROT_VERSION ||
	    (c->actions & ~OFFER_ACTIONS) != 0 || (c->proto & ~OFFER_PROTO) != 0) {
		conn_close(c);
		return worker_error(w, E_PROTOCOL);
	}
	/* Optional macro lists: (class, "names\0") pairs. */
	off = 12;
	while (off + 4 < len) {
		uint32_t cls = get32(c->in.p + 1 + off);
		const char *s = c->in.p + 1 + off + 4;
		size_t sl = strnlen(s, len - off - 4);

		if (sl == len - off - 4) {   /* no NUL inside the packet */
			conn_close(c);
			return worker_error(w, E_PROTOCOL);
		}
		if (cls < MC_COUNT) {
			free(c->macros[cls]);
			c->macros[cls] = xstrdup(s);
		}
		off += 4 + sl + 1;
	}
	return 0;
}

/* parse_strings - split packet data into up to n NUL-terminated strings */
static bool
parse_strings(const char *p, size_t len, const char **out, size_t n)
{
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		size_t sl;

		if (off >= len)
			return false;
		sl = strnlen(p + off, len - off);
		if (sl == len - off)
			return false;
		out[i] = p + off;
		off += sl + 1;
	}
	return true;
}

/* unfold_crlf - a milter's header value with CRLF folds turned into "\n" */
static char *
unfold_crlf(const char *v, bool leadspc)
{
	size_t n = strlen(v), i, o = 0;
	char *r = xmalloc(n + 2);

	if (!leadspc)
		r[o++] = ' ';
	for (i = 0; i < n; i++)
		if (!(v[i] == '\r' && v[i + 1] == '\n'))
			r[o++] = v[i];
	r[o] = '\0';
	return r;
}

/* work_insert - put a header into the working copy at position pos */
static void
work_insert(struct worker *w, size_t pos, char *name, char *value)
{
	if (w->nhdrs == w->caphdrs) {
		w->caphdrs = w->caphdrs ? w->caphdrs * 2 : 64;
		w->hdrs = xrealloc(w->hdrs, w->caphdrs * sizeof(*w->hdrs));
		w->owned = xrealloc(w->owned, w->caphdrs * sizeof(*w->owned));
	}
	if (pos > w->nhdrs)
		pos = w->nhdrs;
	memmove(&w->hdrs[pos + 1], &w->hdrs[pos], (w->nhdrs - pos) * sizeof(*w->hdrs));
	memmove(&w->owned[pos + 1], &w->owned[pos], (w->nhdrs - pos) * sizeof(*w->owned));
	w->hdrs[pos].name = name;
	w->hdrs[pos].value = value;
	w->owned[pos] = true;
	w->nhdrs++;
}

/* work_free_at - release the strings of header pos if we own them */
static void
work_free_at(struct worker *w, size_t pos)
{
	if (w->owned[pos]) {
		free(w->hdrs[pos].name);
		free(w->hdrs[pos].value);
	}
}

/* record_edit - remember an edit for counting and the result file */
static void
record_edit(struct worker *w, int op, int milter, uint32_t index, const char *name,
	    const char *value)
{
	w->editcount[op]++;
	if (out_file == NULL)
		return;
	if (w->nedits == w->capedits) {
		w->capedits = w->capedits ? w->capedits * 2 : 16;
		w->edits = xrealloc(w->edits, w->capedits * sizeof(*w->edits));
	}
	w->edits[w->nedits].op = op;
	w->edits[w->nedits].milter = milter;
	w->edits[w->nedits].index = index;
	w->edits[w->nedits].name = xstrdup(name ? name : "");
	w->edits[w->nedits].value = xstrdup(value ? value : "");
	w->nedits++;
}

/* apply_edit - apply one EOM modification request to the working message */
static int
apply_edit(struct worker *w, int k, int cmd, const char *p, size_t len)
{
	const struct mconn *c = &w->conn[k];
	bool lead = (c->proto & SMFIP_HDR_LEADSPC) != 0;
	const char *s[2];
	uint32_t idx = 0;

	switch (cmd) {
	case SMFIR_ADDHEADER:
		if (!parse_strings(p, len, s, 2))
			return -1;
		work_insert(w, w->nhdrs, xstrdup(s[0]), unfold_crlf(s[1], lead));
		record_edit(w, ED_ADD, k + 1, 0, s[0], s[1]);
		return 0;
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (len < 4 || !parse_strings(p + 4, len - 4, s, 2))
			return -1;
		idx = get32(p);
		if (cmd == SMFIR_INSHEADER) {
			work_insert(w, idx, xstrdup(s[0]), unfold_crlf(s[1], lead));
			record_edit(w, ED_INSERT, k + 1, idx, s[0], s[1]);
			return 0;
		}
		{
			uint32_t want = idx == 0 ? 1 : idx, seen = 0;
			size_t i;

			for (i = 0; i < w->nhdrs; i++)
				if (strcasecmp(w->hdrs[i].name, s[0]) == 0 && ++seen == want)
					break;
			if (s[1][0] == '\0') {
				if (i < w->nhdrs) {
					work_free_at(w, i);
					memmove(&w->hdrs[i], &w->hdrs[i + 1], (w->nhdrs - i - 1) * sizeof(*w->hdrs));
					memmove(&w->owned[i], &w->owned[i + 1], (w->nhdrs - i - 1) * sizeof(*w->owned));
					w->nhdrs--;
				}
				record_edit(w, ED_DELETE, k + 1, idx, s[0], "");
			} else if (i < w->nhdrs) {
				char *name = xstrdup(w->hdrs[i].name);

				work_free_at(w, i);
				w->hdrs[i].name = name;
				w->hdrs[i].value = unfold_crlf(s[1], lead);
				w->owned[i] = true;
				record_edit(w, ED_CHANGE, k + 1, idx, s[0], s[1]);
			} else {
				/* Sendmail appends a header that is not there. */
				work_insert(w, w->nhdrs, xstrdup(s[0]), unfold_crlf(s[1], lead));
				record_edit(w, ED_CHANGE, k + 1, idx, s[0], s[1]);
			}
		}
		return 0;
	case SMFIR_REPLBODY:
		if (!w->body_replaced) {
			w->newbody.len = 0;
			w->body_replaced = true;
		}
		bbuf_add(&w->newbody, p, len);
		record_edit(w, ED_OTHER, k + 1, 0, "body", "");
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_CHGFROM:
		if (!parse_strings(p, len, s, 1))
			return -1;
		record_edit(w, ED_OTHER, k + 1, 0, cmd == SMFIR_CHGFROM ? "chgfrom" :
			    cmd == SMFIR_DELRCPT ? "delrcpt" : "addrcpt", s[0]);
		return 0;
	default:
		return -1;
	}
}

/* reply_code - classify an SMFIR_REPLYCODE text */
static enum evres
reply_code(struct worker *w, const char *p, size_t len)
{
	size_t n = strnlen(p, len);

	if (n < 3 || (p[0] != '4' && p[0] != '5'))
		return EV_FAIL;
	(void)snprintf(w->reply, sizeof(w->reply), "%.*s", (int)n, p); /* truncation harmless */
	return p[0] == '5' ? EV_REJECT : EV_TEMPFAIL;
}

/* event - queue one event (with macros) and, unless the milter said it will
 * not reply, wait for the reply. Returns the outcome, EV_FAIL on error. */
static enum evres
event(struct worker *w, int k, char cmd, int mclass, uint32_t nosend, uint32_t noreply,
      const struct message *m, size_t rcpt, const void *data, size_t len, bool *quarantine)
{
	struct mconn *c = &w->conn[k];
	size_t rlen;
	int r;

	/* Postfix sends the macros of a step even when the milter declined
	 * the step itself. */
	if ((c->proto & nosend) && !(opt.postfix && mclass >= 0))
		return EV_CONTINUE;
	if (mclass >= 0)
		send_macros(w, c, mclass, cmd, m, rcpt);
	if (c->proto & nosend)
		return EV_CONTINUE;
	conn_packet(c, cmd, data, len);
	if (c->proto & noreply) {
		if (c->out.len >= OUT_FLUSH && conn_flush(w, c) < 0)
			return EV_FAIL;
		return EV_CONTINUE;
	}
	if (conn_flush(w, c) < 0)
		return EV_FAIL;
	for (;;) {
		if ((r = conn_read(w, c, &rlen)) < 0)
			return EV_FAIL;
		switch (r) {
		case SMFIR_CONTINUE:
			return EV_CONTINUE;
		case SMFIR_ACCEPT:
			return EV_ACCEPT;
		case SMFIR_REJECT:
			(void)snprintf(w->reply, sizeof(w->reply), "550 5.7.1 Command rejected");
			return EV_REJECT;
		case SMFIR_TEMPFAIL:
			(void)snprintf(w->reply, sizeof(w->reply), "451 4.7.1 Service unavailable - try again later");
			return EV_TEMPFAIL;
		case SMFIR_DISCARD:
			return EV_DISCARD;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			(void)snprintf(w->reply, sizeof(w->reply), "421 4.7.0 Server closing connection");
			return EV_TEMPFAIL;
		case SMFIR_REPLYCODE: {
			enum evres v = reply_code(w, c->in.p + 1, rlen);

			if (v == EV_FAIL)
				worker_error(w, E_PROTOCOL);
			return v;
		}
		case SMFIR_SKIP:
			if (cmd != SMFIC_BODY || !(c->proto & SMFIP_SKIP)) {
				worker_error(w, E_PROTOCOL);
				return EV_FAIL;
			}
			return EV_SKIP;
		case SMFIR_PROGRESS:
			continue;
		case SMFIR_QUARANTINE:
			*quarantine = true;
			record_edit(w, ED_OTHER, k + 1, 0, "quarantine", c->in.p + 1);
			continue;
		default:
			if (cmd != SMFIC_BODYEOB || apply_edit(w, k, r, c->in.p + 1, rlen) < 0) {
				worker_error(w, E_PROTOCOL);
				return EV_FAIL;
			}
			continue;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* One message through the chain                                           */

/* json_str - write a JSON string; bytes outside ASCII as \u00XX */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* write_result - one JSON line for this message */
static void
write_result(struct worker *w, const struct message *m, enum verdict v, int by,
    double ms)
{
	size_t i;

	pthread_mutex_lock(&out_lock);
	fputs("{\"msg\":", out_file);
	json_str(out_file, m->name);
	fprintf(out_file, ",\"session\":%lu,\"verdict\":\"%s\",\"by\":%d,\"ms\":%.3f,\"reply\":",
		w->session, verdict_names[v], by, ms);
	json_str(out_file, v == V_REJECT || v == V_TEMPFAIL ? w->reply : "");
	fputs(",\"edits\":[", out_file);
	for (i = 0; i < w->nedits; i++) {
		fprintf(out_file, "%s{\"op\":\"%s\",\"milter\":%d,\"index\":%u,\"name\":",
			i ? "," : "", edit_names[w->edits[i].op], w->edits[i].milter,
			(unsigned)w->edits[i].index);
		json_str(out_file, w->edits[i].name);
		fputs(",\"value\":", out_file);
		json_str(out_file, w->edits[i].value);
		fputc('}', out_file);
	}
	fputs("]}\n", out_file);
	pthread_mutex_unlock(&out_lock);
}

/* reset_work - working copy = the corpus message */
static void
reset_work(struct worker *w, const struct message *m)
{
	size_t i;

	for (i = 0; i < w->nhdrs; i++)
		work_free_at(w, i);
	w->nhdrs = 0;
	if (w->caphdrs < m->nhdrs) {
		w->caphdrs = m->nhdrs;
		w->hdrs = xrealloc(w->hdrs, w->caphdrs * sizeof(*w->hdrs));
		w->owned = xrealloc(w->owned, w->caphdrs * sizeof(*w->owned));
	}
	memcpy(w->hdrs, m->hdrs, m->nhdrs * sizeof(*w->hdrs));
	memset(w->owned, 0, m->nhdrs * sizeof(*w->owned));
	w->nhdrs = m->nhdrs;
	w->body_replaced = false;
	for (i = 0; i < w->nedits; i++) {
		free(w->edits[i].name);
		free(w->edits[i].value);
	}
	w->nedits = 0;
	w->reply[0] = '\0';
}

/* close_all - QUIT (when asked) and close every connection of the chain */
static void
close_all(struct worker *w, bool quit)
{
	for (int k = 0; k < opt.nep; k++) {
		struct mconn *c = &w->conn[k];

		if (c->state == MS_CLOSED)
			continue;
		if (quit) {
			conn_packet(c, SMFIC_QUIT, NULL, 0);
			(void)conn_flush(w, c);
		}
		conn_close(c);
	}
}

/* postfix_wait - (-P) write what is queued for every milter, as Postfix
 * does before it waits for its SMTP client, then sleep -W; -1 on error */
static int
postfix_wait(struct worker *w)
{
	for (int k = 0; k < opt.nep; k++) {
		struct mconn *c = &w->conn[k];

		if (c->state != MS_CLOSED && c->out.len > 0 && conn_flush(w, c) < 0)
			return -1;
	}
	if (opt.step_wait > 0) {
		struct timespec ts;

		ts.tv_sec = (time_t)opt.step_wait;
		ts.tv_nsec = (long)((opt.step_wait - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return 0;
}

/* ev_to_verdict - final message verdict for a rejecting event outcome */
static enum verdict
ev_to_verdict(enum evres r)
{
	return r == EV_REJECT ? V_REJECT : r == EV_TEMPFAIL ? V_TEMPFAIL : V_DISCARD;
}

/* envelope - CONNECT, HELO (new connections), MAIL, RCPT, DATA, milter by
 * milter per event as Postfix does. Returns 0 to go on to the content,
 * 1 when the message got its verdict, -1 on error. */
static int
envelope(struct worker *w, const struct message *m, bool *done, enum verdict *v, int *by,
	 bool *quarantine)
{
	struct bbuf b = { 0 };
	int stage, k;
	enum evres r;
	size_t ri;

	for (stage = 0; stage < 5; stage++) {
		/* -P: RCPT waits for the client's next command. */
		if (opt.postfix && stage == 3 && postfix_wait(w) < 0) {
			bbuf_free(&b);
			return -1;
		}
		for (k = 0; k < opt.nep; k++) {
			struct mconn *c = &w->conn[k];

			if (c->state == MS_REJECT_CON) {
				*v = c->conn_verdict;
				(void)snprintf(w->reply, sizeof(w->reply), "%s", c->conn_reply);
				*by = k + 1;
				bbuf_free(&b);
				return 1;
			}
			if (c->state != MS_OPEN || done[k])
				continue;
			if (stage <= 1 && c->connected_events)
				continue;
			b.len = 0;
			r = EV_CONTINUE;
			switch (stage) {
			case 0: {
				bool v6 = strchr(m->client_ip, ':') != NULL;
				uint16_t port = htons(25000);

				bbuf_adds(&b, m->client_name);
				bbuf_add(&b, v6 ? "6" : "4", 1);
				bbuf_add(&b, &port, 2);
				bbuf_adds(&b, m->client_ip);
				r = event(w, k, SMFIC_CONNECT, MC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN,
					  m, 0, b.p, b.len, quarantine);
				break;
			}
			case 1:
				bbuf_adds(&b, m->helo);
				r = event(w, k, SMFIC_HELO, MC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO,
					  m, 0, b.p, b.len, quarantine);
				c->connected_events = true;
				break;
			case 2: {
				char size[40];

				(void)snprintf(size, sizeof(size), "SIZE=%zu", m->size);
				bbuf_adds(&b, m->mail_from);
				bbuf_adds(&b, size);
				r = event(w, k, SMFIC_MAIL, MC_ENVFROM, SMFIP_NOMAIL, SMFIP_NR_MAIL,
					  m, 0, b.p, b.len, quarantine);
				break;
			}
			case 3:
				for (ri = 0; ri < m->nrcpts && r == EV_CONTINUE; ri++) {
					b.len = 0;
					bbuf_adds(&b, m->rcpts[ri]);
					r = event(w, k, SMFIC_RCPT, MC_ENVRCPT, SMFIP_NORCPT, SMFIP_NR_RCPT,
						  m, ri, b.p, b.len, quarantine);
				}
				break;
			case 4:
				if (c->version >= 4)
					r = event(w, k, SMFIC_DATA, MC_DATA, SMFIP_NODATA, SMFIP_NR_DATA,
						  m, 0, NULL, 0, quarantine);
				break;
			}
			if (r == EV_FAIL) {
				bbuf_free(&b);
				return -1;
			}
			if (r == EV_ACCEPT) {
				if (stage <= 1)
					c->state = MS_ACCEPT_CON;
				done[k] = true;
			} else if (r == EV_REJECT || r == EV_TEMPFAIL || r == EV_DISCARD) {
				*v = ev_to_verdict(r);
				*by = k + 1;
				if (stage <= 1 && r != EV_DISCARD) {
					c->state = MS_REJECT_CON;
					c->conn_verdict = *v;
					(void)snprintf(c->conn_reply, sizeof(c->conn_reply), "%s", w->reply);
				}
				bbuf_free(&b);
				return 1;
			}
		}
	}
	bbuf_free(&b);
	return 0;
}

/* content - headers, EOH, body chunks and EOM to milter k, then its edits.
 * Returns the outcome of the milter's final reply. */
static enum evres
content(struct worker *w, int k, const struct message *m, bool *quarantine)
{
	struct mconn *c = &w->conn[k];
	struct bbuf b = { 0 };
	const char *body = w->body_replaced ? w->newbody.p : m->body;
	size_t bodylen = w->body_replaced ? w->newbody.len : m->bodylen;
	size_t i, off;
	enum evres r = EV_CONTINUE;
	bool lead = (c->proto & SMFIP_HDR_LEADSPC) != 0;

	/* This milter's edits arrive at EOM, after it has seen the headers. */
	for (i = 0; i < w->nhdrs && r == EV_CONTINUE; i++) {
		const char *val = w->hdrs[i].value;

		/* Sendmail (and Postfix) eat one space after the colon. */
		if (!lead && val[0] == ' ')
			val++;
		b.len = 0;
		bbuf_adds(&b, w->hdrs[i].name);
		bbuf_adds(&b, val);
		r = event(w, k, SMFIC_HEADER, MC_EOH, SMFIP_NOHDRS, SMFIP_NR_HDR, m, 0, b.p, b.len,
			  quarantine);
	}
	bbuf_free(&b);
	if (r == EV_CONTINUE)
		r = event(w, k, SMFIC_EOH, MC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH, m, 0, NULL, 0, quarantine);
	for (off = 0; off < bodylen && r == EV_CONTINUE; off += BODY_CHUNK) {
		size_t n = bodylen - off > BODY_CHUNK ? BODY_CHUNK : bodylen - off;

		r = event(w, k, SMFIC_BODY, MC_EOM, SMFIP_NOBODY, SMFIP_NR_BODY, m, 0, body + off, n,
			  quarantine);
	}
	if (r == EV_SKIP)
		r = EV_CONTINUE;
	if (r != EV_CONTINUE)
		return r;
	/* A body replacement is collected fresh by this milter's EOM. */
	if (w->body_replaced) {
		/* Keep the old text alive: move it aside while the milter may replace it. */
		struct bbuf old = w->newbody;

		w->newbody = (struct bbuf){ 0 };
		w->body_replaced = false;
		r = event(w, k, SMFIC_BODYEOB, MC_EOM, 0, 0, m, 0, NULL, 0, quarantine);
		if (!w->body_replaced) {
			bbuf_free(&w->newbody);
			w->newbody = old;
			w->body_replaced = true;
		} else {
			bbuf_free(&old);
		}
		return r;
	}
	return event(w, k, SMFIC_BODYEOB, MC_EOM, 0, 0, m, 0, NULL, 0, quarantine);
}

/* run_message - one message through the whole chain; false on error */
static bool
run_message(struct worker *w, const struct message *m)
{
	bool done[MAX_CHAIN] = { false }, quarantine = false, failed = false, opened = false;
	enum verdict v = V_ACCEPT;
	int by = 0, k, rc;
	double t0 = now_sec();

	w->qid++;
	reset_work(w, m);
	for (k = 0; k < opt.nep; k++)
		if (w->conn[k].state == MS_CLOSED) {
			if (conn_open(w, k) < 0) {
				failed = true;
				goto out;
			}
			opened = true;
		}
	/* -P: Postfix connects at the start of the SMTP session, then waits
	 * for EHLO and MAIL FROM. */
	if (opt.postfix && opened && postfix_wait(w) < 0) {
		failed = true;
		goto out;
	}
	rc = envelope(w, m, done, &v, &by, &quarantine);
	/* -P: smtpd flushes the RCPT and DATA macros when it hands the milter
	 * to cleanup, which sends the content once the client sent it all. */
	if (rc == 0 && opt.postfix && postfix_wait(w) < 0)
		rc = -1;
	if (rc < 0) {
		failed = true;
		goto out;
	}
	for (k = 0; rc == 0 && k < opt.nep; k++) {
		enum evres r;

		if (w->conn[k].state != MS_OPEN || done[k])
			continue;
		r = content(w, k, m, &quarantine);
		if (r == EV_FAIL) {
			failed = true;
			goto out;
		}
		done[k] = true;
		if (r == EV_REJECT || r == EV_TEMPFAIL || r == EV_DISCARD) {
			v = ev_to_verdict(r);
			by = k + 1;
			break;
		}
	}
	if (v == V_ACCEPT && quarantine)
		v = V_QUARANTINE;
	/* End of transaction: Postfix sends ABORT to every milter in a
	 * message state (libmilter resets on it), without a reply. */
	if (opt.postfix && postfix_wait(w) < 0) {
		failed = true;
		goto out;
	}
	for (k = 0; k < opt.nep; k++) {
		struct mconn *c = &w->conn[k];

		if (c->state == MS_OPEN || c->state == MS_ACCEPT_CON) {
			if (c->state == MS_OPEN)
				conn_packet(c, SMFIC_ABORT, NULL, 0);
			c->msgs++;
		}
	}
	/* -P: smtpd resets again when the client says QUIT: a second ABORT,
	 * written with the QUIT below. */
	if (opt.postfix) {
		if (postfix_wait(w) < 0) {
			failed = true;
			goto out;
		}
		for (k = 0; k < opt.nep; k++)
			if (w->conn[k].state == MS_OPEN)
				conn_packet(&w->conn[k], SMFIC_ABORT, NULL, 0);
	}
out:
	if (failed) {
		v = V_ERROR;
		close_all(w, false);
	} else {
		bool reuse = true;

		for (k = 0; k < opt.nep; k++)
			if (w->conn[k].state == MS_REJECT_CON || w->conn[k].msgs >= opt.per_conn)
				reuse = false;
		if (!reuse) {
			close_all(w, true);
		} else {
			for (k = 0; k < opt.nep; k++)
				if (w->conn[k].state != MS_CLOSED && conn_flush(w, &w->conn[k]) < 0) {
					close_all(w, false);
					break;
				}
		}
	}
	w->verdicts[v]++;
	w->messages++;
	w->bytes += (double)m->size;
	if (!failed) {
		if (w->nlat == w->caplat) {
			w->caplat = w->caplat ? w->caplat * 2 : 4096;
			w->lat = xrealloc(w->lat, w->caplat * sizeof(double));
		}
		w->lat[w->nlat++] = (now_sec() - t0) * 1000.0;
	}
	if (out_file)
		write_result(w, m, v, by, failed ? -1.0 : w->lat[w->nlat - 1]);
	return !failed;
}

/* connections_open - whether the worker is inside a session: some
 * milter connection is still open from the last message */
static bool
connections_open(const struct worker *w)
{
	for (int k = 0; k < opt.nep; k++)
		if (w->conn[k].state != MS_CLOSED)
			return true;
	return false;
}

/* next_message - the corpus message to send as message number I of the
 * run, in corpus order; a closed connection starts a new session */
static const struct message *
next_message(struct worker *w, long i)
{
	if (!connections_open(w))
		w->session = atomic_fetch_add(&next_session, 1);
	return &corpus.msgs[(size_t)i % corpus.n];
}

/* next_by_client - -m N by client: the next message of the worker's
 * session, or NULL when the -n bound is reached. Session S sends the
 * messages numbered S x N to S x N + N - 1 of the run (the last one
 * fewer, to end at -n), whichever worker runs it and whenever: so a run
 * bounded by -n sends the same messages every time, and instruction
 * counts (run-bench.sh --callgrind) compare like with like. A session
 * whose connection closed early (a reject) ends there. */
static const struct message *
next_by_client(struct worker *w)
{
	long first;

	if (!connections_open(w) || w->session_left <= 0) {
		if (connections_open(w))
			close_all(w, true);	/* a session cut short by -n */
		w->session = atomic_fetch_add(&next_session, 1);
		if (w->session >= (unsigned long)(opt.max_msgs + opt.per_conn - 1) /
		    (unsigned long)opt.per_conn)
			return NULL;
		first = (long)w->session * opt.per_conn;
		w->next_in_session = first;
		w->session_left = opt.max_msgs - first < opt.per_conn ?
		    opt.max_msgs - first : opt.per_conn;
	}
	w->session_left--;
	return &corpus.msgs[sessions_pick(sessions, w->session, w->next_in_session++)];
}

/* worker_main - take messages until either bound is reached */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	for (int k = 0; k < opt.nep; k++)
		w->conn[k].fd = -1;
	for (;;) {
		const struct message *m;
		long i;

		if (now_sec() >= deadline)
			break;
		if (by_client) {
			if ((m = next_by_client(w)) == NULL)
				break;
		} else {
			i = atomic_fetch_add(&next_index, 1);
			if (i >= opt.max_msgs)
				break;
			m = next_message(w, i);
		}
		if (!run_message(w, m)) {
			/* Back off a little so a dead milter does not spin us. */
			struct timespec ts = { 0, 2000000 };

			nanosleep(&ts, NULL);
		}
	}
	close_all(w, true);
	return NULL;
}

/* worker_free - release what a finished worker holds */
static void
worker_free(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nhdrs; i++)
		work_free_at(w, i);
	for (i = 0; i < w->nedits; i++) {
		free(w->edits[i].name);
		free(w->edits[i].value);
	}
	for (int k = 0; k < MAX_CHAIN; k++) {
		bbuf_free(&w->conn[k].out);
		bbuf_free(&w->conn[k].in);
		for (int m = 0; m < MC_COUNT; m++)
			free(w->conn[k].macros[m]);
	}
	free(w->hdrs);
	free(w->owned);
	free(w->edits);
	free(w->lat);
	bbuf_free(&w->newbody);
}

/* ---------------------------------------------------------------------- */
/* Main                                                                    */

/* cmp_double - qsort order for latencies */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* percentile - nearest-rank percentile of sorted values */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* usage - print the options and exit */
static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: milterload -s SOCKET [-s SOCKET ...] -d CORPUS [options]\n"
		"  -s SOCKET  milter socket: inet:PORT@HOST, inet6:PORT@HOST, unix:PATH;\n"
		"             repeat for a chain (milter 1, then milter 2, ...; max %d)\n"
		"  -d DIR     corpus: *.eml files, optional NAME.env sidecars\n"
		"  -c N       concurrency: worker threads (default 1, max %d)\n"
		"  -m N       messages per connection (default 1: a new connection\n"
		"             per message, as Postfix opens one per SMTP session)\n"
		"  -t SEC     time bound (default 10, max %d)\n"
		"  -n N       message-count bound (default 1000000)\n"
		"  -T SEC     I/O timeout per read or write (default 10)\n"
		"  -o FILE    write one JSON line per message: verdict and edits\n"
		"  -j NAME    value of macro j, our host name (default mx.bench.test)\n"
		"  -A         no TCP_QUICKACK: delayed ACKs as a plain MTA has them\n"
		"  -P         as Postfix 3.7: its macros, packets and writes, two\n"
		"             ABORTs and QUIT per SMTP session (one message each)\n"
		"  -W MS      with -P: wait MS milliseconds wherever Postfix waits\n"
		"             for its SMTP client (default 0)\n"
		"  -q         print only the RESULT line\n",
		MAX_CHAIN, MAX_THREADS, MAX_SECONDS);
	exit(code);
}

/* num_arg - a bounded number from an option argument */
static double
num_arg(const char *s, double lo, double hi, int optc)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		die("-%c %s: expected a number from %g to %g", optc, s, lo, hi);
	return v;
}

/* group_by_client - -m N (N > 1): put each connection's messages from
 * one client, as in an SMTP session (sessions.h); say when the corpus
 * does not allow it and messages of several clients share a connection */
static void
group_by_client(void)
{
	const char **keys;
	size_t i;

	if (opt.per_conn <= 1 || opt.postfix)
		return;
	keys = xmalloc(corpus.n * sizeof(*keys));
	for (i = 0; i < corpus.n; i++) {
		const struct message *m = &corpus.msgs[i];
		size_t l = strlen(m->client_ip) + strlen(m->client_name) + strlen(m->helo) + 3;
		char *k = xmalloc(l);

		(void)snprintf(k, l, "%s\n%s\n%s", m->client_ip, m->client_name, m->helo); /* sized above */
		keys[i] = k;
	}
	sessions = sessions_new(keys, corpus.n, opt.per_conn);
	for (i = 0; i < corpus.n; i++)
		free((char *)keys[i]);
	free(keys);
	by_client = sessions_by_client(sessions);
	if (!by_client)
		fprintf(stderr, "milterload: -m %ld: no client has two messages in this corpus: messages of "
			"several clients share a connection (the milter sees the first one's client for all)\n",
			opt.per_conn);
}

/* main - options, corpus, workers, summary */
int
main(int argc, char **argv)
{
	struct worker *w;
	long total = 0, verdicts[V_COUNT] = { 0 }, errors[E_COUNT] = { 0 }, edits[ED_COUNT] = { 0 };
	long nerr = 0;
	double *lat, t0, elapsed, bytes = 0, corpus_bytes = 0;
	size_t nlat = 0, i;
	int c, t;

	while ((c = getopt(argc, argv, "s:d:c:m:t:n:T:o:j:W:APqh")) != -1) {
		switch (c) {
		case 's':
			if (opt.nep >= MAX_CHAIN)
				die("at most %d sockets", MAX_CHAIN);
			parse_endpoint(&opt.ep[opt.nep++], optarg);
			break;
		case 'd': opt.corpus_dir = optarg; break;
		case 'c': opt.concurrency = (int)num_arg(optarg, 1, MAX_THREADS, c); break;
		case 'm': opt.per_conn = (long)num_arg(optarg, 1, 1e9, c); break;
		case 't': opt.seconds = num_arg(optarg, 0.1, MAX_SECONDS, c); break;
		case 'n': opt.max_msgs = (long)num_arg(optarg, 1, 1e12, c); break;
		case 'T': opt.io_timeout = num_arg(optarg, 0.1, 3600, c); break;
		case 'o': opt.out_path = optarg; break;
		case 'j': opt.myhostname = optarg; break;
		case 'q': opt.quiet = true; break;
		case 'A': opt.quickack = false; break;
		case 'P': opt.postfix = true; break;
		case 'W': opt.step_wait = num_arg(optarg, 0, 10000, c) / 1000.0; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || opt.nep == 0 || opt.corpus_dir == NULL)
		usage(2);
	/* Postfix: one milter connection per SMTP session, one message here. */
	if (opt.postfix && opt.per_conn != 1)
		die("-P sends one message per connection, as Postfix does: leave out -m");
	if (opt.step_wait > 0 && !opt.postfix)
		die("-W models Postfix's waits: use it with -P");
	corpus_load(&corpus, opt.corpus_dir);
	group_by_client();
	if (opt.out_path && (out_file = fopen(opt.out_path, "w")) == NULL)
		die("cannot write %s: %s", opt.out_path, strerror(errno));

	w = xmalloc((size_t)opt.concurrency * sizeof(*w));
	memset(w, 0, (size_t)opt.concurrency * sizeof(*w));
	t0 = now_sec();
	deadline = t0 + opt.seconds;
	for (t = 0; t < opt.concurrency; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0)
			die("cannot start thread %d", t);
	}
	for (t = 0; t < opt.concurrency; t++)
		pthread_join(w[t].tid, NULL);
	elapsed = now_sec() - t0;
	if (out_file && fclose(out_file) != 0)
		die("writing %s: %s", opt.out_path, strerror(errno));

	for (t = 0; t < opt.concurrency; t++) {
		total += w[t].messages;
		bytes += w[t].bytes;
		nlat += w[t].nlat;
		for (i = 0; i < V_COUNT; i++)
			verdicts[i] += w[t].verdicts[i];
		for (i = 0; i < E_COUNT; i++) {
			errors[i] += w[t].errors[i];
			nerr += w[t].errors[i];
		}
		for (i = 0; i < ED_COUNT; i++)
			edits[i] += w[t].editcount[i];
	}
	lat = xmalloc(nlat * sizeof(double));
	nlat = 0;
	for (t = 0; t < opt.concurrency; t++) {
		if (w[t].nlat)
			memcpy(lat + nlat, w[t].lat, w[t].nlat * sizeof(double));
		nlat += w[t].nlat;
	}
	qsort(lat, nlat, sizeof(double), cmp_double);

	{
		double rate = elapsed > 0 ? (double)nlat / elapsed : 0;
		double p50 = percentile(lat, nlat, 50), p99 = percentile(lat, nlat, 99);
		double mx = nlat ? lat[nlat - 1] : 0;

		if (!opt.quiet) {
			printf("milterload: %d milter(s), concurrency %d, %ld msg/conn, corpus %zu, %.2f s\n",
			       opt.nep, opt.concurrency, opt.per_conn, corpus.n, elapsed);
			if (by_client)
				printf("  sessions     one client per connection: %zu clients, %zu of them "
				       "with one message (sent again on their connection)\n",
				       sessions_clients(sessions), sessions_single(sessions));
			for (i = 0; i < corpus.n; i++)
				corpus_bytes += (double)corpus.msgs[i].size;
			printf("  messages     %ld done, %ld failed, %.0f bytes each on average "
			       "(the corpus: %.0f)\n", (long)nlat, verdicts[V_ERROR],
			       total ? bytes / (double)total : 0, corpus_bytes / (double)corpus.n);
			printf("  rate         %.1f msg/s\n", rate);
			printf("  latency ms   p50 %.3f  p99 %.3f  max %.3f\n", p50, p99, mx);
			printf("  verdicts    ");
			for (i = 0; i < V_COUNT - 1; i++)
				printf(" %s %ld", verdict_names[i], verdicts[i]);
			printf("\n  header edits");
			for (i = 0; i < ED_COUNT; i++)
				printf(" %s %ld", edit_names[i], edits[i]);
			printf("\n  errors      ");
			for (i = 0; i < E_COUNT; i++)
				printf(" %s %ld", err_names[i], errors[i]);
			printf("\n");
		}
		printf("RESULT messages=%zu failed=%ld elapsed=%.3f rate=%.1f p50=%.3f p99=%.3f max=%.3f",
		       nlat, verdicts[V_ERROR], elapsed, rate, p50, p99, mx);
		for (i = 0; i < V_COUNT - 1; i++)
			printf(" %s=%ld", verdict_names[i], verdicts[i]);
		for (i = 0; i < ED_COUNT; i++)
			printf(" hdr_%s=%ld", edit_names[i], edits[i]);
		printf(" errors=%ld clients=%zu msg_bytes=%.0f\n", nerr, by_client ? sessions_clients(sessions) : 0,
		       total ? bytes / (double)total : 0);
	}
	(void)total;
	(void)corpus_bytes;
	fflush(stdout);
	for (t = 0; t < opt.concurrency; t++)
		worker_free(&w[t]);
	free(w);
	free(lat);
	sessions_free(&sessions);
	return nerr > 0 && nlat == 0 ? 1 : 0;
}
