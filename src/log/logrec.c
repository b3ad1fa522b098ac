/*
 * logrec.c - format one structured log record as key=value or as JSON.
 *
 * Exported (see logrec.h): logrec_init, logrec_add, logrec_add_uint,
 * logrec_format_kv, logrec_format_json, logrec_json_string.
 *
 * Pure formatting: no I/O, no globals. Values may come from mail (HELO,
 * envelope sender, DKIM d=), so both formats escape every byte a log
 * shipper could misread: the key=value form quotes any value with a
 * space, quote, backslash, '=' or a non-printable byte and writes such
 * bytes as \xHH (a CR/LF in a value can never start a forged log line);
 * JSON escapes control characters and replaces invalid UTF-8 with U+FFFD
 * so every line is valid JSON. Values are cut at LOGREC_VALUE_MAX bytes.
 */
#include "config.h"

#include <string.h>

#include "log/logrec.h"
#include "util/fmt.h"
#include "util/utf8.h"

#define CUT_MARK "..."

void
logrec_init(struct logrec *r)
{
	r->count = 0;
}

void
logrec_add(struct logrec *r, const char *key, const char *value)
{
	if (value == NULL || r->count >= LOGREC_MAX_FIELDS)
		return;
	r->f[r->count].key = key;
	r->f[r->count].value = value;
	r->f[r->count].number = 0;
	r->count++;
}

void
logrec_add_uint(struct logrec *r, const char *key, uint64_t value)
{
	if (r->count >= LOGREC_MAX_FIELDS)
		return;
	r->f[r->count].key = key;
	r->f[r->count].value = NULL;
	r->f[r->count].number = value;
	r->count++;
}

/* value_len - how much of v is kept; *cut_r says whether it was cut */
static size_t
value_len(const char *v, bool *cut_r)
{
	size_t n = strnlen(v, LOGREC_VALUE_MAX + 1);

	*cut_r = n > LOGREC_VALUE_MAX;
	return *cut_r ? LOGREC_VALUE_MAX - strlen(CUT_MARK) : n;
}

/*
 * What the key=value form does with a byte of a value: KV_PLAIN as it
 * is; KV_QUOTE forces quotes (space, '='); KV_ESCAPE forces quotes and
 * is written as \" \\ or \xHH. A table made by one expression, so a
 * value costs one load a byte.
 */
#define KV_PLAIN	0
#define KV_QUOTE	1
#define KV_ESCAPE	3	/* KV_QUOTE too */
#define KV_CLASS(c) ((c) < 0x20 || (c) >= 0x7f || (c) == '"' || \
	(c) == '\\' ? KV_ESCAPE : (c) == ' ' || (c) == '=' ? KV_QUOTE : KV_PLAIN)
#define KV_CLASS4(c) KV_CLASS(c), KV_CLASS((c) + 1), KV_CLASS((c) + 2), \
	KV_CLASS((c) + 3)
#define KV_CLASS16(c) KV_CLASS4(c), KV_CLASS4((c) + 4), KV_CLASS4((c) + 8), \
	KV_CLASS4((c) + 12)
#define KV_CLASS64(c) KV_CLASS16(c), KV_CLASS16((c) + 16), \
	KV_CLASS16((c) + 32), KV_CLASS16((c) + 48)

static const unsigned char kv_class[256] = {
	KV_CLASS64(0), KV_CLASS64(64), KV_CLASS64(128), KV_CLASS64(192)
};

/* kv_key - " key=" (no space before the first field) */
static void
kv_key(struct buf *out, bool first, const char *key)
{
	if (!first)
		buf_append_byte(out, ' ');
	buf_append_str(out, key);
	buf_append_byte(out, '=');
}

/* kv_field - one field, its value quoted and escaped when it needs it.
 * A plain value (most of them) is written with the key in one piece; a
 * quoted one is copied by runs between the bytes that need escaping,
 * not byte by byte (issue 18). */
static void
kv_field(struct buf *out, bool first, const char *key, const char *s)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t n, i, run, klen;
	unsigned cls = KV_PLAIN;
	unsigned char *p, *q;
	bool cut;

	n = value_len(s, &cut);
	for (i = 0; i < n; i++)
		cls |= kv_class[v[i]];
	if (!cut && cls == KV_PLAIN && n > 0) {
		klen = strlen(key);
		p = q = buf_space(out, klen + n + 2);
		if (!first)
			*q++ = ' ';
		memcpy(q, key, klen);
		q += klen;
		*q++ = '=';
		memcpy(q, v, n);
		buf_commit(out, (size_t)(q + n - p));
		return;
	}
	kv_key(out, first, key);
	buf_append_byte(out, '"');
	for (i = 0; i < n; i = run + 1) {
		for (run = i; run < n && kv_class[v[run]] != KV_ESCAPE; run++)
			;
		buf_append(out, v + i, run - i);
		if (run == n)
			break;
		if (v[run] == '"' || v[run] == '\\') {
			buf_append_byte(out, '\\');
			buf_append_byte(out, v[run]);
		} else {
			FMT_LIT(out, "\\x");
			fmt_hex2(out, v[run]);
		}
	}
	if (cut)
		FMT_LIT(out, CUT_MARK);
	buf_append_byte(out, '"');
}

void
logrec_format_kv(const struct logrec *r, struct buf *out)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (r->f[i].value != NULL) {
			kv_field(out, i == 0, r->f[i].key, r->f[i].value);
			continue;
		}
		kv_key(out, i == 0, r->f[i].key);
		fmt_uint(out, r->f[i].number);
	}
}

/* json_chars - s[0..n) escaped as the inside of a JSON string */
static void
json_chars(struct buf *out, const char *s, size_t n)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = v[i];
		size_t run;

		/* printable ASCII other than '"' and '\\' is copied as it
		 * is: a whole run with one append, not byte by byte */
		for (run = 0; i + run < n && v[i + run] >= 0x20 &&
		    v[i + run] < 0x7f && v[i + run] != '"' && v[i + run] != '\\';
		    run++)
			;
		if (run > 0) {
			buf_append(out, v + i, run);
			i += run;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf_append_byte(out, '\\');
			buf_append_byte(out, c);
		} else if (c == '\n') {
			FMT_LIT(out, "\\n");
		} else if (c == '\r') {
			FMT_LIT(out, "\\r");
		} else if (c == '\t') {
			FMT_LIT(out, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			FMT_LIT(out, "\\u00");
			fmt_hex2(out, c);
		} else {
			/* c >= 0x80: a valid UTF-8 sequence as it is */
			size_t len = utf8_seq_len(v + i, n - i);

			if (len == 0) {
				FMT_LIT(out, "\\ufffd");
				i++;
				continue;
			}
			buf_append(out, v + i, len);
			i += len;
			continue;
		}
		i++;
	}
}

void
logrec_json_string(struct buf *out, const char *s, size_t n)
{
	buf_append_byte(out, '"');
	json_chars(out, s, n);
	buf_append_byte(out, '"');
}

void
logrec_format_json(const struct logrec *r, const char *prefix,
    struct buf *out)
{
	size_t i;
	bool first = true;

	buf_append_byte(out, '{');
	if (prefix != NULL && *prefix != '\0') {
		buf_append_str(out, prefix);
		first = false;
	}
	for (i = 0; i < r->count; i++) {
		if (!first)
			buf_append_byte(out, ',');
		first = false;
		logrec_json_string(out, r->f[i].key, strlen(r->f[i].key));
		buf_append_byte(out, ':');
		if (r->f[i].value == NULL) {
			fmt_uint(out, r->f[i].number);
		} else {
			bool cut;
			size_t n = value_len(r->f[i].value, &cut);

			/* a sequence the cut splits becomes U+FFFD, as
			 * any other incomplete one */
			buf_append_byte(out, '"');
			json_chars(out, r->f[i].value, n);
			if (cut)
				FMT_LIT(out, CUT_MARK);
			buf_append_byte(out, '"');
		}
	}
	buf_append_byte(out, '}');
}
