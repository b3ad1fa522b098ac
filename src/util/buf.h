/* buf.h - growable byte buffer with explicit length */
#ifndef AUTHMILTER_BUF_H
#define AUTHMILTER_BUF_H

#include <stdarg.h>
#include <stddef.h>

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
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
/* buf_append_byte_slow - buf_append_byte when the buffer must grow */
void buf_append_byte_slow(struct buf *b, unsigned char c);

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
