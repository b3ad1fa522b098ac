/* buf.h - growable byte buffer with explicit length */
#ifndef AUTHMILTER_BUF_H
#define AUTHMILTER_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/*
 * A buffer holds len payload bytes in data[0..len-1] and always keeps a NUL
 * at data[len], so text can be handed to C string functions. data is NULL
 * only before the first append. Size arithmetic is checked in one place
 * (buf_reserve), which aborts on overflow like the allocation wrappers.
 */
struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
/* buf_deinit - release the storage; the buffer is empty and reusable */
void buf_deinit(struct buf *b);
/* buf_reset - drop the payload but keep the storage */
void buf_reset(struct buf *b);
/* buf_reserve - make room for extra more bytes (plus the NUL) */
void buf_reserve(struct buf *b, size_t extra);
/* buf_append_slow - buf_append when the buffer must grow */
void buf_append_slow(struct buf *b, const void *p, size_t n);
/* buf_append_byte_slow - buf_append_byte when the buffer must grow */
void buf_append_byte_slow(struct buf *b, unsigned char c);

/*
 * buf_append - append p[0..n). Inline, with the growth out of line: the
 * A-R header, the log line and canonicalization make a hundred or more
 * small appends a message, and a call plus buf_reserve each cost more
 * than the copy (issue 18).
 */
static inline void
buf_append(struct buf *b, const void *p, size_t n)
{
	/* room for the n bytes and the NUL after them (cap == 0 when data
	 * == NULL, so a first append always takes the slow path) */
	if (b->cap - b->len > n) {
		if (n > 0)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	buf_append_slow(b, p, n);
}

/* buf_append_str - append the C string s (without its NUL) */
static inline void
buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/*
 * buf_append_byte - append one byte. Inline, with the growth out of line:
 * canonicalization and base64 append byte by byte, and a call per byte
 * cost more than the byte (issue 18).
 */
static inline void
buf_append_byte(struct buf *b, unsigned char c)
{
	/* room for the byte and the NUL after it (cap == 0 when data == NULL) */
	if (b->cap - b->len >= 2) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_append_byte_slow(b, c);
}
/*
 * buf_space / buf_commit - write in place: buf_space makes room for n
 * more bytes and the NUL and returns where they go; after writing k <= n
 * of them there, buf_commit(b, k) adds them to the payload. For a
 * formatter that knows a piece's size: one room check, not one an
 * append (issue 18).
 */
static inline unsigned char *
buf_space(struct buf *b, size_t n)
{
	if (b->cap - b->len <= n)
		buf_reserve(b, n);
	return b->data + b->len;
}

static inline void
buf_commit(struct buf *b, size_t k)
{
	b->len += k;
	b->data[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* buf_truncate - shorten the payload to len bytes (len <= b->len) */
void buf_truncate(struct buf *b, size_t len);
/* buf_cstr - the payload as a NUL-terminated string ("" when empty) */
const char *buf_cstr(const struct buf *b);
/* buf_steal - hand the storage to the caller as a C string; b is reset */
char *buf_steal(struct buf *b);

#endif
