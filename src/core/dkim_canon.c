/*
 * dkim_canon.c - DKIM canonicalization of header fields and streamed body
 *
 * Purpose: produce the exact bytes DKIM hashes (RFC 6376 3.4, 3.7), for
 * both verification and signing.
 *
 * Exported functions:
 *   dkim_canon_name     "simple" / "relaxed"
 *   dkim_canon_crlf     normalise bare LF to CRLF
 *   dkim_canon_header   one header field, simple or relaxed
 *   dkim_canon_select   fields named by h=, bottom up, with oversigning
 *   dkim_canon_strip_b  a signature field with its b= value removed
 *   dkim_canon_sig_hash a signature's header hash (h= fields, then itself)
 *   dkim_body_new/update/final/length/free   streamed body hash with l=
 *
 * The body canonicalizer keeps a constant amount of state whatever the
 * body size: trailing empty lines are counted, not stored, and emitted
 * only when content follows them, so they are handled across chunk
 * boundaries. Callers own every object they create; errors are impossible
 * (allocation failure aborts).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dkim_canon.h"
#include "core/dkim_sig.h"
#include "core/headers.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Bytes staged before each digest update. */
#define DKIM_BODY_STAGE 4096

struct dkim_body {
	enum dkim_canon canon;
	struct crypto_digest *digest;
	bool limited;
	uint64_t limit;
	uint64_t hashed;	/* bytes given to the digest */
	uint64_t total;		/* canonical bytes produced, limit or not */
	uint64_t empty_lines;	/* CRLFs held back (maybe trailing) */
	bool line_content;	/* current line has content */
	bool wsp;		/* relaxed: WSP run pending in this line */
	bool cr;		/* last byte was a CR */
	size_t stage_len;
	/* last: dkim_body_new zeroes every field before it */
	unsigned char stage[DKIM_BODY_STAGE];
};

/* dkim_canon_name - "simple" / "relaxed" */
const char *
dkim_canon_name(enum dkim_canon c)
{
	return c == DKIM_CANON_SIMPLE ? "simple" : "relaxed";
}

/* dkim_canon_crlf - append p with bare LF turned into CRLF; the text
 * between LFs is copied straight into out (headers rarely hold a bare LF,
 * but folded values from a milter often do) */
void
dkim_canon_crlf(const unsigned char *p, size_t len, struct buf *out)
{
	const unsigned char *end = p + len, *start = p, *lf;
	unsigned char *w;
	size_t n;

	/* out keeps room for the rest of p and the NUL: one more byte is
	 * reserved for each bare LF */
	buf_reserve(out, len);
	w = out->data + out->len;
	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n = (size_t)(lf - p);
		if (lf == start || lf[-1] != '\r') {
			out->len = (size_t)(w - out->data);
			buf_reserve(out, (size_t)(end - p) + 1);
			w = out->data + out->len;
			memcpy(w, p, n);
			w[n] = '\r';
			w[n + 1] = '\n';
			w += n + 2;
		} else {
			memcpy(w, p, n + 1);
			w += n + 1;
		}
		p = lf + 1;
	}
	memcpy(w, p, (size_t)(end - p));
	w += end - p;
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

/*
 * Sixteen bytes at a time for relaxed_span (body and header runs), with
 * the vector extension of GCC and Clang: the compiler turns it into SSE2
 * or NEON instructions, or into plain code where there are none. An
 * operation on a block works on each of its bytes; a comparison gives
 * 0xff where it holds, else 0. (Blocks of 32 bytes, and a mask to go on
 * inside a block after a CRLF, measured no better: with lines of ~78
 * bytes a CRLF interrupts every few blocks either way.)
 */
typedef unsigned char block16 __attribute__((vector_size(16)));

/* block_look - mark the bytes of q[0..16) that may end a relaxed run
 * (q[0..17) readable) with 0xff in look_r, as two 64-bit words; whether
 * any is marked. Marked: a byte below SP (CR, LF, HTAB and the other
 * controls), or a SP followed by a SP (or by a NUL: (v0 | v1) == SP is
 * the cheap test). A SP before CR, LF or HTAB is not marked: the byte
 * after it is, and run_goes_on looks back from there. Controls other
 * than CR, LF and HTAB, and a SP before a NUL, are false alarms that
 * only cost a look. */
static inline bool
block_look(const unsigned char *q, uint64_t look_r[2])
{
	block16 v0, v1, look;

	memcpy(&v0, q, sizeof(v0));
	memcpy(&v1, q + 1, sizeof(v1));
	look = (block16)((v0 < ' ') | ((v0 | v1) == ' '));
	memcpy(look_r, &look, sizeof(look));
	return (look_r[0] | look_r[1]) != 0;
}

/* first_marked - index of the first marked byte of a block_look result
 * that has one: the lowest-addressed byte is the least significant one
 * of a word on little-endian machines, the most significant one on
 * big-endian ones */
static inline size_t
first_marked(const uint64_t look[2])
{
	uint64_t w = look[0] != 0 ? look[0] : look[1];
	size_t base = look[0] != 0 ? 0 : 8;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return base + (size_t)__builtin_clzll(w) / 8;
#else
	return base + (size_t)__builtin_ctzll(w) / 8;
#endif
}

/* is_relaxed_content - a byte relaxed passes on as it is when it follows
 * content: not a line break byte, not WSP */
static inline bool
is_relaxed_content(unsigned char c)
{
	return c != '\r' && c != '\n' && !ascii_iswsp(c);
}

/* run_goes_on - judge q[k], a byte below SP or a SP not followed by
 * content, inside a relaxed run (k >= 1 and q[0..k) is a run, so q[k-1]
 * is content or a single SP). Returns where the run goes on from, or,
 * with *end_r set, where it ends: controls other than CR, LF and HTAB
 * stay in the run, and in a body (body) a CRLF between content; anything
 * else ends it, and a SP before it with it (trailing, or part of a WSP
 * run). */
static inline size_t
run_goes_on(const unsigned char *q, size_t n, size_t k, bool body,
    bool *end_r)
{
	unsigned char c = q[k];

	if (body && c == '\r' && n - k >= 3 && q[k + 1] == '\n' &&
	    q[k - 1] != ' ' &&
	    (q[k + 2] > ' ' || is_relaxed_content(q[k + 2])))
		return k + 3;
	if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
		return k + 1;
	*end_r = true;
	return c != ' ' && q[k - 1] == ' ' ? k - 1 : k;
}

/* relaxed_span - length of the run at q (q[0] is not WSP or LF, and
 * not a CR that starts a CRLF): content and single SPs between content.
 * It ends before a HTAB, a LF, a SP not followed by content within
 * q[0..n), or a CR, except in a body (body) a CR that starts a CRLF
 * followed by content and follows content (that CRLF is then
 * canonical). Blocks are skipped whole, or judged at their first marked
 * byte and taken up again after it: the run goes on past data controls
 * and, in a body, past a CRLF between content, so lines of text or
 * base64 make one run per chunk. Inlined into its two callers, each
 * with body a constant. */
static inline __attribute__((always_inline)) size_t
relaxed_span(const unsigned char *q, size_t n, bool body)
{
	uint64_t look[2];
	bool end = false;
	size_t i = 1, last;

	/* i >= 1 and q[0..i) is a run ending in content or, only before
	 * content, a single SP; blocks start at i <= last */
	last = n > 17 ? n - 17 : 0;
	while (i <= last) {
		if (!block_look(q + i, look)) {
			i += 16;
			continue;
		}
		i = run_goes_on(q, n, i + first_marked(look), body, &end);
		if (end)
			return i;
	}
	while (i < n) {
		unsigned char c = q[i];

		if (c > ' ') {
			i++;		/* most bytes: plain content */
			continue;
		}
		if (c == ' ' && n - i >= 2 && is_relaxed_content(q[i + 1])) {
			i += 2;	/* a single SP and the content after it */
			continue;
		}
		i = run_goes_on(q, n, i, body, &end);
		if (end)
			return i;
	}
	return n;
}

/* relaxed_run - relaxed_span of a body: CRLFs between content included */
static size_t
relaxed_run(const unsigned char *q, size_t n)
{
	return relaxed_span(q, n, true);
}

/* value_run - relaxed_span of a header value: a CRLF is unfolded, so it
 * ends the run */
static size_t
value_run(const unsigned char *q, size_t n)
{
	return relaxed_span(q, n, false);
}

/* relaxed_value - RFC 6376 3.4.2 on a header value, written at w (room
 * for len bytes): unfold, squeeze WSP, trim both ends. Text between
 * changes (words and the single SPs between them) is copied as one run.
 * Returns the end of what was written. */
static unsigned char *
relaxed_value(const unsigned char *v, size_t len, unsigned char *w)
{
	bool wsp = false, any = false;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = v[i];

		if (c == '\r' && i + 1 < len && v[i + 1] == '\n') {
			i += 2;		/* unfold: drop CRLF, keep a bare CR */
			continue;
		}
		if (c == '\n' || ascii_iswsp(c)) {
			/* a bare LF the caller left unnormalised is dropped */
			wsp = wsp || c != '\n';
			i++;
			continue;
		}
		/* a run: content, and single SPs followed by content; a bare
		 * CR ends it and starts the next one */
		n = value_run(v + i, len - i);
		if (wsp && any)
			*w++ = ' ';	/* in place of at least one WSP */
		wsp = false;
		any = true;
		memcpy(w, v + i, n);
		w += n;
		i += n;
	}
	return w;
}

/* header_room - bytes dkim_canon_header may append for a field: name,
 * ':', value and CRLF. It reserves no more than this, in one go or in
 * parts, so after buf_reserve(out, header_room(...)) it never moves
 * out's data (dkim_canon_sig_hash relies on that). */
static inline size_t
header_room(size_t name_len, size_t value_len)
{
	/* both lie in memory: the sum does not wrap */
	return name_len + value_len + 3;
}

/* dkim_canon_header - append one canonicalized header field. Relaxed
 * output is never longer than its input, so it is written straight into
 * one reservation of header_room. */
void
dkim_canon_header(enum dkim_canon c, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len, bool crlf,
    struct buf *out)
{
	unsigned char *w;
	size_t i, end;

	if (c == DKIM_CANON_SIMPLE) {
		buf_append(out, name, name_len);
		buf_append_byte(out, ':');
		buf_append(out, value, value_len);
		if (crlf)
			buf_append(out, "\r\n", 2);
		return;
	}
	buf_reserve(out, header_room(name_len, value_len));
	w = out->data + out->len;
	/* RFC 6376 3.4.2: "Name :" hashes as "name:" */
	end = headers_name_len(name, name_len);
	for (i = 0; i < end; i++)
		*w++ = ascii_tolower(name[i]);
	*w++ = ':';
	w = relaxed_value(value, value_len, w);
	if (crlf) {
		*w++ = '\r';
		*w++ = '\n';
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

/* dkim_canon_name_is - the field's name equals an h= name, ignoring case */
bool
dkim_canon_name_is(const struct dkim_header *h, const struct dkim_name *n)
{
	return headers_name_eq(h->name, h->name_len, n->p, n->len);
}

/* same_name - a[0..n) and b[0..n) equal, ASCII case ignored */
static bool
same_name(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_tolower(a[i]) != ascii_tolower(b[i]))
			return false;
	return true;
}

/* Marks a field dkim_canon_select has used: no name is that long. */
#define SELECT_USED SIZE_MAX
/* Fields whose name lengths dkim_canon_select keeps on the stack (a
 * message usually has 10-40 fields); more are allocated. */
#define SELECT_SMALL 64

/* dkim_canon_select - append the fields h= names, bottom up. Each
 * field's name length without trailing WSP is taken once, and a field
 * is compared byte by byte only with names of its length: comparing
 * every h= name with every field through headers_name_eq trimmed both
 * names each time (issue 18). The comparison is headers_name_eq's. */
void
dkim_canon_select(enum dkim_canon c, const struct dkim_header *hdrs,
    size_t nhdrs, size_t skip, const struct dkim_name *names, size_t nnames,
    struct buf *out)
{
	/* on the stack for the usual header count, no allocation */
	size_t len_small[SELECT_SMALL];
	size_t *len = nhdrs <= SELECT_SMALL ? len_small :
	    xreallocarray(NULL, nhdrs, sizeof(*len));
	size_t i, j;

	for (j = 0; j < nhdrs; j++)
		len[j] = j == skip ? SELECT_USED :
		    headers_name_len(hdrs[j].name, hdrs[j].name_len);
	for (i = 0; i < nnames; i++) {
		size_t want = headers_name_len(names[i].p, names[i].len);

		for (j = nhdrs; j-- > 0;) {
			if (len[j] != want ||
			    !same_name(hdrs[j].name, names[i].p, want))
				continue;
			len[j] = SELECT_USED;
			dkim_canon_header(c, hdrs[j].name, hdrs[j].name_len,
			    hdrs[j].value, hdrs[j].value_len, true, out);
			break;
		}
	}
	if (len != len_small)
		free(len);
}

/* dkim_canon_strip_b - append value without the b= value */
void
dkim_canon_strip_b(const unsigned char *value, size_t value_len,
    size_t b_start, size_t b_end, struct buf *out)
{
	if (b_start > b_end || b_end > value_len) {
		buf_append(out, value, value_len);	/* not ours to judge */
		return;
	}
	buf_append(out, value, b_start);
	buf_append(out, value + b_end, value_len - b_end);
}

size_t
dkim_canon_sig_hash(const struct dkim_sig *sig,
    const struct dkim_header *hdrs, size_t nhdrs, size_t own,
    struct buf *scratch, unsigned char out[CRYPTO_DIGEST_MAX])
{
	const struct dkim_header *self = &hdrs[own];
	struct crypto_digest *d;
	size_t len, vlen;

	/* The signature's value without b= goes first into scratch, and is
	 * read from there when its field is appended last; the hash skips
	 * it. Room for that field is made before: appending it then moves
	 * nothing, so no second buffer is needed. */
	buf_reset(scratch);
	dkim_canon_strip_b(self->value, self->value_len, sig->b_start,
	    sig->b_end, scratch);
	vlen = scratch->len;
	dkim_canon_select(sig->hcanon, hdrs, nhdrs, own, sig->names,
	    sig->nnames, scratch);
	buf_reserve(scratch, header_room(self->name_len, vlen));
	dkim_canon_header(sig->hcanon, self->name, self->name_len,
	    scratch->data, vlen, false, scratch);
	d = crypto_digest_new(sig->hash);
	crypto_digest_update(d, scratch->data + vlen, scratch->len - vlen);
	len = crypto_digest_final(d, out);
	crypto_digest_free(&d);
	return len;
}

/* dkim_body_new - a streaming body canonicalizer */
struct dkim_body *
dkim_body_new(enum dkim_canon c, enum crypto_hash hash, bool limited,
    uint64_t limit)
{
	struct dkim_body *b = xmalloc(sizeof(*b));

	/* every field but the stage: it is written before it is read, and
	 * zeroing its 4 KB cost more than hashing a short body (issue 18) */
	memset(b, 0, offsetof(struct dkim_body, stage));
	b->canon = c;
	b->digest = crypto_digest_new(hash);
	b->limited = limited;
	b->limit = limit;
	return b;
}

/* stage_flush - hand the staged bytes to the digest */
static void
stage_flush(struct dkim_body *b)
{
	crypto_digest_update(b->digest, b->stage, b->stage_len);
	b->stage_len = 0;
}

/* emit - one canonical byte; only the first l= bytes reach the digest */
static void
emit(struct dkim_body *b, unsigned char c)
{
	b->total++;
	if (b->limited && b->hashed >= b->limit)
		return;
	b->hashed++;
	b->stage[b->stage_len++] = c;
	if (b->stage_len == sizeof(b->stage))
		stage_flush(b);
}

/* emit_run_slow - emit_run when l= applies or the stage fills up */
static void
emit_run_slow(struct dkim_body *b, const unsigned char *p, size_t n)
{
	size_t take = n;

	b->total += n;
	if (b->limited)
		take = b->hashed >= b->limit ? 0 :
		    (uint64_t)n < b->limit - b->hashed ? n :
		    (size_t)(b->limit - b->hashed);
	b->hashed += take;
	if (take >= DKIM_BODY_STAGE) {
		/* a long run goes to the digest as it is, without a copy */
		stage_flush(b);
		crypto_digest_update(b->digest, p, take);
		return;
	}
	while (take > 0) {
		size_t k = sizeof(b->stage) - b->stage_len;

		if (k > take)
			k = take;
		memcpy(b->stage + b->stage_len, p, k);
		b->stage_len += k;
		p += k;
		take -= k;
		if (b->stage_len == sizeof(b->stage))
			stage_flush(b);
	}
}

/* emit_run - n canonical bytes at once; same effect as n emit() calls.
 * Inline for the common case, a run that fits the stage without l=: a
 * line end costs a store, not a call. */
static inline void
emit_run(struct dkim_body *b, const unsigned char *p, size_t n)
{
	if (!b->limited && n < sizeof(b->stage) - b->stage_len) {
		memcpy(b->stage + b->stage_len, p, n);
		b->stage_len += n;
		b->total += n;
		b->hashed += n;
		return;
	}
	emit_run_slow(b, p, n);
}

/* release_empty_lines - emit the held-back empty lines, a block of CRLFs
 * per digest copy rather than two calls per line (a hostile body may
 * hold back millions of them) */
static void
release_empty_lines(struct dkim_body *b)
{
#define CRLF4 "\r\n\r\n\r\n\r\n"
	static const char crlfs[] = CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4
	    CRLF4;
#undef CRLF4
	const uint64_t per_block = (sizeof(crlfs) - 1) / 2;

	while (b->empty_lines > 0) {
		uint64_t n = b->empty_lines < per_block ? b->empty_lines :
		    per_block;

		emit_run(b, (const unsigned char *)crlfs, (size_t)n * 2);
		b->empty_lines -= n;
	}
}

/* start_content - the current line gets content: release held-back empty
 * lines first, since they were not trailing after all */
static void
start_content(struct dkim_body *b)
{
	if (b->line_content)
		return;
	release_empty_lines(b);
	b->line_content = true;
}

/* content - one byte of line content (not part of a line break) */
static void
content(struct dkim_body *b, unsigned char c)
{
	if (b->canon == DKIM_CANON_RELAXED) {
		if (ascii_iswsp(c)) {
			b->wsp = true;	/* RFC 6376 3.4.4: runs become one SP,
					 * dropped at line end */
			return;
		}
		start_content(b);
		if (b->wsp)
			emit(b, ' ');
		b->wsp = false;
		emit(b, c);
		return;
	}
	start_content(b);
	emit(b, c);
}

/* line_end - a CRLF: emit it after content, hold it back otherwise */
static void
line_end(struct dkim_body *b)
{
	b->wsp = false;
	if (b->line_content) {
		emit_run(b, (const unsigned char *)"\r\n", 2);
		b->line_content = false;
	} else {
		b->empty_lines++;
	}
}

/*
 * Finding runs of plain content. A run starts with content and is a span
 * that canonicalization leaves unchanged, so it goes to the digest with
 * one copy (or none) instead of byte by byte. Under simple that is
 * everything up to a line break that is not a plain CRLF between two
 * lines with content: memchr finds each LF. Under relaxed a run also
 * stops at white space that changes (a HTAB, two WSP in a row, WSP before
 * the line break or at the end of the chunk); a single SP between two
 * content bytes is already canonical, so lines of text are one run, not
 * one per word. Whatever a run stops at goes through the byte-wise state
 * machine below (content, line_end), which carries state across chunks.
 */

/* simple_run - length of the run at q (q[0] is neither CR nor LF): up to
 * a line break, or across it when it is a CRLF ending a line with content
 * and content follows (canonical form is then the input itself). It stops
 * before a bare LF, a CRLF followed by a line break, and a CR that ends
 * the chunk (the next chunk decides what that CR is); a bare CR inside is
 * data. */
static size_t
simple_run(const unsigned char *q, size_t n)
{
	size_t e = 0;

	for (;;) {
		const unsigned char *lf = memchr(q + e, '\n', n - e);
		size_t k = lf != NULL ? (size_t)(lf - q) : n;

		/* q[e] is content, so the line q[e..k) is not empty */
		if (lf != NULL && q[k - 1] == '\r' && k + 1 < n &&
		    q[k + 1] != '\r' && q[k + 1] != '\n') {
			e = k + 1;
			continue;
		}
		return q[k - 1] == '\r' ? k - 1 : k;
	}
}

/* dkim_body_update - feed the next chunk of the raw body */
void
dkim_body_update(struct dkim_body *b, const unsigned char *p, size_t len)
{
	bool relaxed = b->canon == DKIM_CANON_RELAXED;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		/* Fast path: a run of plain content goes in as one block;
		 * exactly what content() would do byte by byte. */
		if (!b->cr && c != '\r' && c != '\n' &&
		    !(relaxed && ascii_iswsp(c))) {
			size_t n = relaxed ? relaxed_run(p + i, len - i) :
			    simple_run(p + i, len - i);

			start_content(b);
			if (b->wsp)
				emit(b, ' ');
			b->wsp = false;
			emit_run(b, p + i, n);
			i += n - 1;
			continue;
		}
		if (b->cr) {
			b->cr = false;
			if (c == '\n') {
				line_end(b);
				continue;
			}
			content(b, '\r');	/* a bare CR is data */
		}
		if (c == '\r')
			b->cr = true;
		else if (c == '\n')
			line_end(b);	/* bare LF: an MTA would send CRLF */
		else
			content(b, c);
	}
}

/* dkim_body_final - finish and write the hash */
size_t
dkim_body_final(struct dkim_body *b, unsigned char out[CRYPTO_DIGEST_MAX])
{
	if (b->cr) {
		b->cr = false;
		content(b, '\r');
	}
	/* An unterminated last line gets its CRLF (3.4.3, 3.4.4). */
	if (b->line_content)
		line_end(b);
	b->empty_lines = 0;	/* trailing empty lines are ignored */
	/* simple: an empty body is a single CRLF (3.4.3) */
	if (b->canon == DKIM_CANON_SIMPLE && b->total == 0) {
		emit(b, '\r');
		emit(b, '\n');
	}
	stage_flush(b);
	return crypto_digest_final(b->digest, out);
}

/* dkim_body_length - canonical body length seen so far */
uint64_t
dkim_body_length(const struct dkim_body *b)
{
	return b->total;
}

/* dkim_body_free - free a body canonicalizer */
void
dkim_body_free(struct dkim_body **bp)
{
	if (*bp == NULL)
		return;
	crypto_digest_free(&(*bp)->digest);
	xfree(bp);
}
