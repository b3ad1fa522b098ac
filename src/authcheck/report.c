/*
 * report.c - the result tree of an authcheck command and its two printed
 * forms
 *
 * Exported (report.h): report_init/deinit, rn_obj, rn_list, rn_str,
 * rn_int, rn_bool, report_warn, report_fail, report_print.
 *
 * Nodes are kept in insertion order; a parent owns its children. Strings
 * may come from DNS or a message, so the JSON writer escapes controls,
 * quotes and backslashes and replaces bytes that are not valid UTF-8;
 * the human form drops controls (C1 too) and shows such bytes as '?'.
 * Allocation failure aborts (xmalloc).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/report.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

enum rkind { RN_OBJ, RN_LIST, RN_STR, RN_INT, RN_BOOL };

struct rnode {
	enum rkind kind;
	char *key;
	char *str;
	long long num;
	struct rnode *first, *last, *next;
};

/* node_new - a child of parent (may be NULL for the root) */
static struct rnode *
node_new(struct rnode *parent, enum rkind kind, const char *key)
{
	struct rnode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->key = key != NULL ? xstrdup(key) : NULL;
	if (parent != NULL) {
		if (parent->last != NULL)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
	}
	return n;
}

/* node_free - free n and everything below */
static void
node_free(struct rnode *n)
{
	while (n != NULL) {
		struct rnode *next = n->next;

		node_free(n->first);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->root = node_new(NULL, RN_OBJ, NULL);
}

void
report_deinit(struct report *r)
{
	node_free(r->root);
	memset(r, 0, sizeof(*r));
}

struct rnode *
rn_obj(struct rnode *parent, const char *key)
{
	return node_new(parent, RN_OBJ, key);
}

struct rnode *
rn_list(struct rnode *parent, const char *key)
{
	return node_new(parent, RN_LIST, key);
}

void
rn_str(struct rnode *parent, const char *key, const char *fmt, ...)
{
	struct rnode *n = node_new(parent, RN_STR, key);
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append_str(&b, "");		/* "" when empty, never NULL */
	n->str = buf_steal(&b);
}

void
rn_int(struct rnode *parent, const char *key, long long v)
{
	node_new(parent, RN_INT, key)->num = v;
}

void
rn_bool(struct rnode *parent, const char *key, bool v)
{
	node_new(parent, RN_BOOL, key)->num = v;
}

void
report_warn(struct report *r, const char *code, const char *fmt, ...)
{
	struct rnode *w;
	struct buf b = BUF_INIT;
	va_list ap;

	if (r->warnings == NULL)
		r->warnings = rn_list(r->root, "warnings");
	w = rn_obj(r->warnings, NULL);
	rn_str(w, "code", "%s", code);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rn_str(w, "text", "%s", buf_cstr(&b));
	buf_deinit(&b);
	r->nwarnings++;
}

void
report_fail(struct report *r)
{
	r->nfailures++;
}

/* json_string - s as a JSON string */
static void
json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, l;

	fputc('"', out);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
			i++;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			fputs(c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((l = utf8_seq_len(p + i, n - i)) == 0) {
			fputs("\\ufffd", out);
			i++;
		} else {
			fwrite(p + i, 1, l, out);
			i += l;
		}
	}
	fputc('"', out);
}

/* json_node - one value, indented by depth */
static void
json_node(FILE *out, const struct rnode *n, int depth)
{
	const struct rnode *c;
	bool obj = n->kind == RN_OBJ;

	switch (n->kind) {
	case RN_STR:
		json_string(out, n->str);
		return;
	case RN_INT:
		fprintf(out, "%lld", n->num);
		return;
	case RN_BOOL:
		fputs(n->num ? "true" : "false", out);
		return;
	default:
		break;
	}
	if (n->first == NULL) {
		fputs(obj ? "{}" : "[]", out);
		return;
	}
	fputc(obj ? '{' : '[', out);
	for (c = n->first; c != NULL; c = c->next) {
		fprintf(out, "\n%*s", (depth + 1) * 2, "");
		if (obj) {
			json_string(out, c->key != NULL ? c->key : "");
			fputs(": ", out);
		}
		json_node(out, c, depth + 1);
		if (c->next != NULL)
			fputc(',', out);
	}
	fprintf(out, "\n%*s%c", depth * 2, "", obj ? '}' : ']');
}

/* text_value - a string for people: a folded value continues on an
 * indented line; other controls, the C1 ones (U+0080-U+009F, which a
 * terminal may act on as ESC sequences) too, are dropped, and a byte
 * that is no UTF-8 shows as '?' */
static void
text_value(FILE *out, const char *s, int depth)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, l;

	while (i < n) {
		l = utf8_seq_len(p + i, n - i);
		if (p[i] == '\n')
			fprintf(out, "\n%*s", depth * 2 + 4, "");
		else if (l == 0)
			fputc('?', out);
		else if (!(l == 1 && (p[i] < 0x20 || p[i] == 0x7f)) &&
		    !(l == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
			fwrite(p + i, 1, l, out);
		i += l > 0 ? l : 1;
	}
}

/* text_node - "key: value" lines; objects and lists indent their
 * children, list items start with "- " */
static void
text_node(FILE *out, const struct rnode *n, int depth, bool item)
{
	const struct rnode *c;
	const char *lead = item ? "- " : "";

	fprintf(out, "%*s%s", depth * 2, "", lead);
	if (n->key != NULL)
		fprintf(out, "%s:", n->key);
	switch (n->kind) {
	case RN_STR:
		fputs(n->key != NULL ? " " : "", out);
		text_value(out, n->str, depth);
		fputc('\n', out);
		return;
	case RN_INT:
		fprintf(out, "%s%lld\n", n->key != NULL ? " " : "", n->num);
		return;
	case RN_BOOL:
		fprintf(out, "%s%s\n", n->key != NULL ? " " : "",
		    n->num ? "yes" : "no");
		return;
	default:
		break;
	}
	if (n->first == NULL) {
		fputs(n->kind == RN_OBJ ? " -\n" : " (none)\n", out);
		return;
	}
	/* an item that is an object: its first line follows the "- " */
	if (item && n->key == NULL && n->kind == RN_OBJ) {
		c = n->first;
		text_node(out, c, 0, false);
		for (c = c->next; c != NULL; c = c->next)
			text_node(out, c, depth + 1, false);
		return;
	}
	fputc('\n', out);
	for (c = n->first; c != NULL; c = c->next)
		text_node(out, c, depth + 1, n->kind == RN_LIST);
}

void
report_print(const struct report *r, FILE *out, bool json)
{
	const struct rnode *c;

	if (json) {
		json_node(out, r->root, 0);
		fputc('\n', out);
		return;
	}
	/* the findings first, then the warnings, then the summary */
	for (c = r->root->first; c != NULL; c = c->next)
		if (c != r->warnings && strcmp(c->key, "exit_code") != 0)
			text_node(out, c, 0, false);
	if (r->warnings != NULL)
		text_node(out, r->warnings, 0, false);
	fprintf(out, "%u warning%s, %u failed check%s%s\n", r->nwarnings,
	    r->nwarnings == 1 ? "" : "s", r->nfailures,
	    r->nfailures == 1 ? "" : "s",
	    r->tempfail ? ", DNS temporary failure" : "");
}
