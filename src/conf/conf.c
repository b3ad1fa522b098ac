/*
 * conf.c - load, check and print the configuration file.
 *
 * conf_load reads "Name value" lines: names are case-insensitive, "#"
 * starts a comment at the start of a line or after white space, blank lines
 * are ignored. Each name must be in the option table (conf_options.c);
 * values are parsed by type. A scalar option given twice is an error (the
 * second line is usually a forgotten edit); list options accumulate. Every
 * problem is reported as "file:line: what is wrong", and loading goes on to
 * report all of them. Unset options take their defaults, then each
 * option's check runs. The result is an immutable snapshot shared by
 * reference count (conf_ref/conf_unref).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_arc.h"
#include "conf/conf_options.h"
#include "report/report_shown.h"
#include "sign/sign_setup.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* A config line longer than this is certainly a mistake. */
#define CONF_LINE_MAX 8192

/* default_host_name - the fully qualified host name, for AuthservID */
static char *
default_host_name(void)
{
	char host[256];
	struct addrinfo hints, *res = NULL;
	char *name;

	if (gethostname(host, sizeof(host) - 1) != 0)
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL)
		return xstrdup(host);
	/* A short name: ask the resolver (usually /etc/hosts) for the FQDN. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL)
		name = xstrdup(res->ai_canonname);
	else
		name = xstrdup(host);
	if (res != NULL)
		freeaddrinfo(res);
	return name;
}

/* conf_free - release every field and the struct */
static void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < conf_option_count; i++)
		conf_option_free(c, &conf_options[i]);
	sign_setup_free(&c->sign);
	conf_arc_free(c);
	cidr_list_deinit(&c->internal_nets);
	cidr_list_deinit(&c->peer_nets);
	free(c->option_line);
	free(c->file);
	free(c);
}

struct conf *
conf_ref(struct conf *c)
{
	atomic_fetch_add_explicit((_Atomic int *)&c->refcnt, 1, memory_order_relaxed);
	return c;
}

void
conf_unref(struct conf **cp)
{
	struct conf *c = *cp;

	*cp = NULL;
	if (c == NULL)
		return;
	if (atomic_fetch_sub_explicit((_Atomic int *)&c->refcnt, 1,
	    memory_order_acq_rel) == 1)
		conf_free(c);
}

/* strip_comment - cut a "#" comment at line start or after white space */
static void
strip_comment(char *line)
{
	char *p;

	for (p = line; *p != '\0'; p++) {
		if (*p == '#' && (p == line || ascii_iswsp((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* parse_line - apply one line; returns NULL or what is wrong */
static const char *
parse_line(struct conf *c, char *line, bool *seen, unsigned *seen_line,
    unsigned lineno, char *msg, size_t msg_size)
{
	const struct conf_option *opt;
	char *name = line, *value;
	size_t idx;

	value = name + strcspn(name, " \t");
	if (*value != '\0')
		*value++ = '\0';
	while (ascii_iswsp((unsigned char)*value))
		value++;
	opt = conf_option_find(name);
	if (opt == NULL) {
		/* errors reach the log on reload: never echo the text, it
		 * may be e.g. a line of a key pasted by mistake; file:line
		 * says where, and a known name it is close to (only our own
		 * text) says what was probably meant */
		const struct conf_option *near = conf_option_nearest(name);

		if (near != NULL)
			(void)snprintf(msg, msg_size, "unknown option (text not "
			    "shown); did you mean %s?", near->name);
		else
			(void)snprintf(msg, msg_size, "unknown option (text not shown)");
		return msg;
	}
	idx = (size_t)(opt - conf_options);
	if (seen[idx] && !conf_option_is_list(opt)) {
		(void)snprintf(msg, msg_size, "%s is already set at line %u",
		    opt->name, seen_line[idx]);
		return msg;
	}
	if (*value == '\0') {
		(void)snprintf(msg, msg_size, "%s: missing value", opt->name);
		return msg;
	}
	if (conf_option_is_list(opt)) {
		/* accumulate: parse into a scratch copy, check it alone (so a
		 * bad entry is reported at its own line, not at the option's
		 * last one), then append */
		struct conf_list *l = (struct conf_list *)((char *)c + opt->offset);
		struct conf_list saved = *l;
		char detail[256];
		const char *why;
		size_t i;

		l->items = NULL;
		l->count = 0;
		why = conf_option_set(c, opt, value, detail, sizeof(detail));
		if (why == NULL && opt->check != NULL)
			why = opt->check(c);
		if (why != NULL) {
			conf_option_free(c, opt);
			*l = saved;
			(void)snprintf(msg, msg_size, "%s: %s", opt->name, why);
			return msg;
		}
		saved.items = xreallocarray(saved.items, saved.count + l->count + 1,
		    sizeof(char *));
		for (i = 0; i < l->count; i++)
			saved.items[saved.count++] = l->items[i];
		saved.items[saved.count] = NULL;
		free(l->items);
		*l = saved;
	} else {
		char detail[256];
		const char *why = conf_option_set(c, opt, value, detail, sizeof(detail));

		if (why != NULL) {
			(void)snprintf(msg, msg_size, "%s: %s", opt->name, why);
			return msg;
		}
	}
	seen[idx] = true;
	seen_line[idx] = lineno;
	return NULL;
}

/* named - is opt one of names (NULL-ended; NULL: none)? */
static bool
named(const struct conf_option *opt, const char *const *names)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(opt->name, *names) == 0)
			return true;
	return false;
}

/* apply_defaults_and_checks - fill unset options, then validate each but
 * those named in unchecked */
static bool
apply_defaults_and_checks(struct conf *c, const bool *seen,
    const unsigned *seen_line, const char *const *unchecked, struct buf *err)
{
	char msg[512];
	bool ok = true;
	size_t i;

	for (i = 0; i < conf_option_count; i++) {
		const struct conf_option *opt = &conf_options[i];

		if (!seen[i] && opt->default_value != NULL &&
		    conf_option_set(c, opt, opt->default_value, msg, sizeof(msg)) != NULL)
			abort();	/* a bad default in the table is our bug */
	}
	if (c->authserv_id == NULL)
		c->authserv_id = default_host_name();
	for (i = 0; i < conf_option_count; i++) {
		const struct conf_option *opt = &conf_options[i];
		const char *why;

		if (opt->check == NULL || named(opt, unchecked) ||
		    (why = opt->check(c)) == NULL)
			continue;
		if (seen[i])
			buf_printf(err, "%s:%u: %s: %s\n", c->file, seen_line[i], opt->name, why);
		else
			buf_printf(err, "%s: %s (default): %s\n", c->file, opt->name, why);
		ok = false;
	}
	return ok;
}

bool
conf_mode_sign(const struct conf *c)
{
	return c->mode != 3;		/* "v" */
}

bool
conf_mode_verify(const struct conf *c)
{
	return c->mode != 2;		/* "s" */
}

void
conf_canon(const struct conf *c, int *header_r, int *body_r)
{
	/* simple, relaxed, then the four header/body pairs; a single word
	 * is the header's and the body stays simple, as in OpenDKIM and
	 * the c= tag (RFC 6376 3.5) */
	static const int h[] = { 0, 1, 0, 0, 1, 1 }, b[] = { 0, 0, 0, 1, 0, 1 };

	*header_r = h[c->canonicalization];
	*body_r = b[c->canonicalization];
}

/* where - "file:line" of an option, or "file" when it took its default */
static char *
where(const struct conf *c, const unsigned *seen_line, const char *name)
{
	const struct conf_option *opt = conf_option_find(name);
	struct buf b = BUF_INIT;
	unsigned line = seen_line[opt - conf_options];

	if (line > 0)
		buf_printf(&b, "%s:%u", c->file, line);
	else
		buf_printf(&b, "%s", c->file);
	return buf_steal(&b);
}

/* load_signing - tables and keys, once per load (never per message) */
static bool
load_signing(struct conf *c, const unsigned *seen_line, struct buf *err)
{
	struct sign_setup_input in;
	const char *slash = strrchr(c->file, '/');
	char *w[7];
	bool ok;
	size_t i;

	memset(&in, 0, sizeof(in));
	/* relative names are the config file's neighbours */
	w[3] = slash != NULL ? xstrndup(c->file, (size_t)(slash - c->file)) :
	    NULL;
	in.base_dir = w[3] != NULL && *w[3] != '\0' ? w[3] : (slash ? "/" : NULL);
	in.key_table = c->key_table;
	in.where_key_table = w[0] = where(c, seen_line, "KeyTable");
	in.signing_table = c->signing_table;
	in.where_signing_table = w[1] = where(c, seen_line, "SigningTable");
	in.multiple_signatures = c->multiple_signatures;
	in.domains = (const char *const *)c->sign_domains.items;
	in.ndomains = c->sign_domains.count;
	in.selectors = (const char *const *)c->sign_selectors.items;
	in.nselectors = c->sign_selectors.count;
	in.key_files = (const char *const *)c->sign_key_files.items;
	in.nkey_files = c->sign_key_files.count;
	w[2] = where(c, seen_line, c->sign_key_files.count ? "KeyFile" :
	    c->sign_selectors.count ? "Selector" : "Domain");
	in.where_inline = w[2];
	in.where_domain = w[4] = where(c, seen_line, "Domain");
	in.where_selector = w[5] = where(c, seen_line, "Selector");
	in.where_key_file = w[6] = where(c, seen_line, "KeyFile");
	ok = sign_setup_load(&in, &c->sign, err);
	for (i = 0; i < 7; i++)
		free(w[i]);
	return ok;
}

/* load_nets - a host list (InternalHosts, PeerHosts) parsed once per
 * load, so a message is matched against bytes, not text (a bad entry
 * was already reported at its line, with what is wrong: nets_problem) */
static bool
load_nets(struct conf *c, const unsigned *seen_line, const char *name,
    const struct conf_list *hosts, struct cidr_list *nets, struct buf *err)
{
	size_t bad = 0;
	char *w;

	if (cidr_list_parse(nets, (const char *const *)hosts->items,
	    hosts->count, &bad))
		return true;
	w = where(c, seen_line, name);
	buf_printf(err, "%s: %s: entry %zu is not an IP address or network\n",
	    w, name, bad + 1);
	free(w);
	return false;
}

/* load_arc_seal - the ARC sealing key, once per load (conf_arc.c) */
static bool
load_arc_seal(struct conf *c, const unsigned *seen_line, struct buf *err)
{
	char *w[] = { where(c, seen_line, "ARCSeal"),
		where(c, seen_line, "ARCSealDomain"),
		where(c, seen_line, "ARCSealSelector"),
		where(c, seen_line, "ARCSealKeyFile"),
		where(c, seen_line, "ARCSealKeyName") };
	struct conf_arc_where at = { w[0], w[1], w[2], w[3], w[4] };
	char *wv = where(c, seen_line, "ARCVerify");
	size_t i;
	bool ok;

	/* a seal records our verification (cv=), and a trusted sealer is
	 * known only from a verified chain */
	if (!c->arc_verify && (c->arc_seal != CONF_ARC_SEAL_NO ||
	    c->arc_trusted_sealers.count > 0)) {
		buf_printf(err, "%s: ARCVerify no, but %s needs the ARC chain "
		    "verified\n", wv, c->arc_seal != CONF_ARC_SEAL_NO ? "ARCSeal" :
		    "ARCTrustedSealers");
		ok = false;
	} else
		ok = conf_arc_load(c, &at, err);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		free(w[i]);
	free(wv);
	return ok;
}

/* open_conf - the file for reading, or NULL with why in err. O_NONBLOCK:
 * opening a FIFO waits for a writer, which at a reload (SIGHUP) held the
 * daemon's signal loop until the next signal; a FIFO is refused */
static FILE *
open_conf(const char *path, struct buf *err)
{
	struct stat st;
	FILE *fp;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		buf_printf(err, "%s: is a FIFO, not a file\n", path);
		(void)close(fd);
		return NULL;
	}
	/* blocking reads again, for a terminal or other device */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((fp = fdopen(fd, "r")) == NULL) {
		buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		(void)close(fd);
	}
	return fp;
}

bool
conf_load(const char *path, struct conf **conf_r, struct buf *err)
{
	return conf_load_authserv(path, NULL, conf_r, err);
}

/* load - conf_load, AuthservID replaced unless NULL, the options named
 * in unchecked not checked */
static bool
load(const char *path, const char *authserv_id,
    const char *const *unchecked, struct conf **conf_r, struct buf *err)
{
	bool *seen = xcalloc(conf_option_count, sizeof(bool));
	unsigned *seen_line = xcalloc(conf_option_count, sizeof(unsigned));
	struct conf *c = xcalloc(1, sizeof(*c));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	bool ok = true;
	FILE *fp;

	c->refcnt = 1;
	c->file = xstrdup(path);
	*conf_r = NULL;
	if ((fp = open_conf(path, err)) == NULL) {
		ok = false;
		goto out;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		char msg[512], *text;
		const char *why;

		lineno++;
		if (n > CONF_LINE_MAX) {
			buf_printf(err, "%s:%u: line longer than %d bytes\n", path,
			    lineno, CONF_LINE_MAX);
			ok = false;
			continue;
		}
		if (memchr(line, '\0', (size_t)n) != NULL) {
			buf_printf(err, "%s:%u: NUL byte in line\n", path, lineno);
			ok = false;
			continue;
		}
		/* a byte order mark would make the first name unknown */
		text = line + (lineno == 1 ? str_bom_len(line) : 0);
		strip_comment(text);
		str_trim(text);
		if (*text == '\0')
			continue;
		c->lines_set++;
		why = parse_line(c, text, seen, seen_line, lineno, msg, sizeof(msg));
		if (why != NULL) {
			buf_printf(err, "%s:%u: %s\n", path, lineno, why);
			ok = false;
		}
	}
	if (ferror(fp)) {
		buf_printf(err, "%s: read error: %s\n", path, strerror(errno));
		ok = false;
	}
	(void)fclose(fp);
	if (authserv_id != NULL) {
		free(c->authserv_id);
		c->authserv_id = xstrdup(authserv_id);
	}
	/* Check even after errors, so one run reports every problem. */
	if (!apply_defaults_and_checks(c, seen, seen_line, unchecked, err))
		ok = false;
	else if (ok && (!load_nets(c, seen_line, "InternalHosts",
	    &c->internal_hosts, &c->internal_nets, err) ||
	    !load_nets(c, seen_line, "PeerHosts", &c->peer_hosts, &c->peer_nets,
	    err)))
		ok = false;
	else if (ok && !load_signing(c, seen_line, err))
		ok = false;
	else if (ok && !load_arc_seal(c, seen_line, err))
		ok = false;
out:
	free(line);
	free(seen);
	c->option_line = seen_line;	/* conf_free frees it */
	if (!ok) {
		conf_free(c);
		return false;
	}
	*conf_r = c;
	return true;
}

bool
conf_load_authserv(const char *path, const char *authserv_id,
    struct conf **conf_r, struct buf *err)
{
	return load(path, authserv_id, NULL, conf_r, err);
}

bool
conf_load_unchecked(const char *path, const char *const *unchecked,
    struct conf **conf_r, struct buf *err)
{
	const char *const *name;

	/* a misspelt name would skip nothing, and the file it was meant
	 * for would be said twice: refuse it where a test sees it */
	for (name = unchecked; name != NULL && *name != NULL; name++)
		if (conf_option_find(*name) == NULL) {
			buf_printf(err, "%s: internal error: no option %s to "
			    "leave unchecked\n", path, *name);
			*conf_r = NULL;
			return false;
		}
	return load(path, NULL, unchecked, conf_r, err);
}

char *
conf_where(const struct conf *c, const char *name)
{
	return where(c, c->option_line, name);
}

void
conf_print(const struct conf *c, FILE *out)
{
	struct buf value = BUF_INIT;
	size_t i;

	(void)fprintf(out, "# effective configuration from %s\n", c->file);
	for (i = 0; i < conf_option_count; i++) {
		buf_reset(&value);
		conf_option_format(c, &conf_options[i], &value);
		/* -t's output goes to terminals and journals: no password */
		if (value.len > 0 && strcmp(conf_options[i].name,
		    "ReportStore") == 0) {
			char *shown = report_store_shown(buf_cstr(&value));

			buf_reset(&value);
			buf_append_str(&value, shown);
			free(shown);
		}
		if (value.len == 0)
			(void)fprintf(out, "# %s (not set)\n", conf_options[i].name);
		else
			(void)fprintf(out, "%s %s\n", conf_options[i].name, buf_cstr(&value));
	}
	buf_reset(&value);
	sign_setup_describe(c->sign, &value);
	(void)fprintf(out, "# %s\n", buf_cstr(&value));
	buf_deinit(&value);
}
