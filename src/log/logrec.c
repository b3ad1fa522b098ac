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
 *
 * A line has a budget (the caller's max: the log keeps a line within
 * PIPE_BUF so a pipe or stream socket takes it whole). A hostile message
 * sets many values, each up to the cut and up to four times longer once
 * escaped, so a line can pass it: then the longest values are cut
 * further, each to the same length, so that together they fit (the
 * short ones stay whole), always before a whole escape or UTF-8
 * sequence and ending in "..." like the first cut: the line stays one
 * that a shipper parses, with every key in its place. A line within the
 * budget (all but hostile ones) is formatted once, as before; the check
 * is one comparison after it.
 */
#include "config.h"

#include <string.h>

#include "log/logrec.h"
#include "util/fmt.h"
#include "util/utf8.h"

#define CUT_MARK "..."
/* What a value cut to fit the line takes at least: "..." with its
 * quotes, in both formats */
#define CUT_VALUE_MIN (strlen(CUT_MARK) + 2)

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
static inline __attribute__((always_inline)) void
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

/* kv_escaped_len - how many bytes c takes inside a quoted value */
static size_t
kv_escaped_len(unsigned char c)
{
	if (kv_class[c] != KV_ESCAPE)
		return 1;
	return c == '"' || c == '\\' ? 2 : 4;
}

/* kv_cost - how many bytes kv_field writes for s after the '=' (counted,
 * not formatted: no third copy of kv_field) */
static size_t
kv_cost(const char *s)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t n, i, len = 0;
	unsigned cls = KV_PLAIN;
	bool cut;

	n = value_len(s, &cut);
	for (i = 0; i < n; i++) {
		cls |= kv_class[v[i]];
		len += kv_escaped_len(v[i]);
	}
	if (!cut && cls == KV_PLAIN && n > 0)
		return n;
	return len + strlen("\"\"") + (cut ? strlen(CUT_MARK) : 0);
}

/* kv_value_cut - s as a quoted value of at most max bytes (at least
 * CUT_VALUE_MIN), cut before a whole escape and ending in "..." */
static void
kv_value_cut(struct buf *out, const char *s, size_t max)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t n, i, room;
	bool cut;

	n = value_len(s, &cut);
	/* what is left for the text between the quote and `..."` */
	room = max > CUT_VALUE_MIN ? max - CUT_VALUE_MIN : 0;
	buf_append_byte(out, '"');
	/* byte by byte: only lines over the budget come here */
	for (i = 0; i < n && kv_escaped_len(v[i]) <= room; i++) {
		room -= kv_escaped_len(v[i]);
		if (kv_class[v[i]] != KV_ESCAPE) {
			buf_append_byte(out, v[i]);
		} else if (v[i] == '"' || v[i] == '\\') {
			buf_append_byte(out, '\\');
			buf_append_byte(out, v[i]);
		} else {
			FMT_LIT(out, "\\x");
			fmt_hex2(out, v[i]);
		}
	}
	FMT_LIT(out, CUT_MARK);
	buf_append_byte(out, '"');
}

/* kv_fields - every field; a string value whose cost (bytes after the
 * '=') is over cap is cut to cap (cost NULL: none is). Inlined, with
 * kv_field, into both callers: the common line's copy, cost a constant
 * NULL, tests nothing more a field than before the budget (callgrind:
 * the same instructions a line) */
static inline __attribute__((always_inline)) void
kv_fields(const struct logrec *r, const size_t *cost, size_t cap,
    struct buf *out)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (r->f[i].value == NULL) {
			kv_key(out, i == 0, r->f[i].key);
			fmt_uint(out, r->f[i].number);
		} else if (cost != NULL && cost[i] > cap) {
			kv_key(out, i == 0, r->f[i].key);
			kv_value_cut(out, r->f[i].value, cap);
		} else {
			kv_field(out, i == 0, r->f[i].key, r->f[i].value);
		}
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

/* json_string_cut - s[0..n) as a JSON string of at most max bytes (at
 * least CUT_VALUE_MIN) ending in "...": cut before a whole escape or
 * UTF-8 sequence, so the string stays valid and no character is split */
static void
json_string_cut(struct buf *out, const char *s, size_t n, size_t max)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t end, i, unit, mark;

	/* where the text must end to leave room for `..."` */
	end = out->len + (max > CUT_VALUE_MIN ? max - CUT_VALUE_MIN : 0) + 1;
	buf_append_byte(out, '"');
	for (i = 0; i < n; i += unit) {
		/* one character: an ASCII byte, a valid sequence, or one
		 * byte of an invalid one (written as U+FFFD) */
		unit = v[i] < 0x80 ? 1 : utf8_seq_len(v + i, n - i);
		if (unit == 0)
			unit = 1;
		mark = out->len;
		json_chars(out, s + i, unit);
		if (out->len > end) {
			buf_truncate(out, mark);
			break;
		}
	}
	FMT_LIT(out, CUT_MARK);
	buf_append_byte(out, '"');
}

void
logrec_json_string_max(struct buf *out, const char *s, size_t n,
    size_t max, bool cut)
{
	size_t start = out->len;

	if (!cut) {
		logrec_json_string(out, s, n);
		if (out->len - start <= max)
			return;
		buf_truncate(out, start);
	}
	json_string_cut(out, s, n, max);
}

/* json_value - a string field's value, cut at LOGREC_VALUE_MAX */
static inline void
json_value(struct buf *out, const char *s)
{
	bool cut;
	size_t n = value_len(s, &cut);

	/* a sequence the cut splits becomes U+FFFD, as any other
	 * incomplete one */
	buf_append_byte(out, '"');
	json_chars(out, s, n);
	if (cut)
		FMT_LIT(out, CUT_MARK);
	buf_append_byte(out, '"');
}

/* json_fields - the object; a string value whose cost is over cap is
 * cut to cap (cost NULL: none is). Inlined into both callers, as
 * kv_fields is. */
static inline __attribute__((always_inline)) void
json_fields(const struct logrec *r, const char *prefix, const size_t *cost,
    size_t cap, struct buf *out)
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
		} else if (cost != NULL && cost[i] > cap) {
			bool cut;
			size_t n = value_len(r->f[i].value, &cut);

			json_string_cut(out, r->f[i].value, n, cap);
		} else {
			json_value(out, r->f[i].value);
		}
	}
	buf_append_byte(out, '}');
}

/*
 * value_cap - the longest cap that fits: the string values, each cut to
 * cap bytes when it costs more (and then at least CUT_VALUE_MIN), take
 * at most room bytes together. cost[i] is what value i takes whole (0
 * for a number). Water filling: the long values get one length, the
 * short ones stay whole. CUT_VALUE_MIN when even that does not fit.
 */
static size_t
value_cap(const struct logrec *r, const size_t *cost, size_t room)
{
	size_t lo = CUT_VALUE_MIN, hi = 0, mid, sum, i;

	for (i = 0; i < r->count; i++)
		if (cost[i] > hi)
			hi = cost[i];
	/* the largest cap in [lo, hi] whose sum fits; a dozen rounds */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		for (sum = 0, i = 0; i < r->count; i++)
			sum += cost[i] < mid ? cost[i] : mid;
		if (sum <= room)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * fit_line - out[start..) is a line of r longer than max: format it again
 * with the longest string values cut to fit. What each value takes is
 * counted (kv) or formatted alone (JSON): a second and third pass, only
 * for these rare lines.
 */
static void
fit_line(const struct logrec *r, const char *prefix, size_t max,
    struct buf *out, size_t start, bool json)
{
	size_t cost[LOGREC_MAX_FIELDS], values = 0, fixed, cap, i;
	struct buf one = BUF_INIT;

	for (i = 0; i < r->count; i++) {
		cost[i] = 0;
		if (r->f[i].value == NULL)
			continue;
		if (json) {
			buf_reset(&one);
			json_value(&one, r->f[i].value);
			cost[i] = one.len;
		} else {
			cost[i] = kv_cost(r->f[i].value);
		}
		values += cost[i];
	}
	buf_deinit(&one);
	fixed = out->len - start - values;
	cap = value_cap(r, cost, max > fixed ? max - fixed : 0);
	buf_truncate(out, start);
	if (json)
		json_fields(r, prefix, cost, cap, out);
	else
		kv_fields(r, cost, cap, out);
}

void
logrec_format_kv(const struct logrec *r, size_t max, struct buf *out)
{
	size_t start = out->len;

	kv_fields(r, NULL, 0, out);
	if (out->len - start > max)
		fit_line(r, NULL, max, out, start, false);
}

void
logrec_format_json(const struct logrec *r, const char *prefix, size_t max,
    struct buf *out)
{
	size_t start = out->len;

	json_fields(r, prefix, NULL, 0, out);
	if (out->len - start > max)
		fit_line(r, prefix, max, out, start, true);
}
