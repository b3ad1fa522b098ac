/*
 * fuzz_headers.c - header fields as the milter receives them: the input
 * is a header block, split into fields where a line does not start with
 * WSP (RFC 5322 2.2.3), each value kept with its folds as libmilter
 * delivers it (bare LF or CRLF). Fields are stored in arrival order,
 * counted by name, brought to CRLF form and canonicalized (simple, and
 * relaxed, which unfolds and squeezes white space) as DKIM hashes them.
 * Invariants: the stored value equals the input; every field is counted
 * under its name; a name with white space before the colon ("From :",
 * RFC 5322 4.5.1) is the same name without it; a relaxed field holds no
 * LF but its final CRLF, no WSP run and no WSP at either end of the value.
 * Each field is also redacted as a failure report copies it (RFC 6590):
 * "Name:", CR and LF only as CRLF before WSP or at the end, and redacting
 * the result again changes nothing.
 * The fields hidden after a bare CR (headers_hidden_next) lie inside the
 * value, in order, each with a name free of CR, LF and ':'.
 */
#include "config.h"

#include "core/dkim_canon.h"
#include "core/headers.h"
#include "fuzz.h"
#include "report/report_afrf.h"
#include "report/report_redact.h"
#include "util/buf.h"
#include "util/str.h"

#define FUZZ_HEADERS_MAX 256

/* field_len - bytes up to the '\n' that ends the field (not a fold) */
static size_t
field_len(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' && (i + 1 == n || !ascii_iswsp(p[i + 1])))
			return i;
	return n;
}

/* check_relaxed - the invariants above on one relaxed field */
static void
check_relaxed(const unsigned char *f, size_t len)
{
	const unsigned char *colon = memchr(f, ':', len);
	size_t i;

	if (len < 3 || colon == NULL || f[len - 2] != '\r' || f[len - 1] != '\n')
		abort();
	for (i = (size_t)(colon - f) + 1; i < len - 2; i++) {
		if (f[i] == '\n' || f[i] == '\t')
			abort();
		if (f[i] == ' ' && (i == (size_t)(colon - f) + 1 ||
		    i + 1 == len - 2 || f[i + 1] == ' '))
			abort();
	}
}

/* check_redacted - the redaction invariants above on one field */
static void
check_redacted(const char *name, const unsigned char *v, size_t len)
{
	struct buf once = BUF_INIT, twice = BUF_INIT;
	size_t nlen = strlen(name), i, vstart;

	report_redact_header(&once, name, v, len, true);
	if (once.len < nlen + 3 || memcmp(once.data, name, nlen) != 0 ||
	    once.data[nlen] != ':' || once.data[once.len - 2] != '\r' ||
	    once.data[once.len - 1] != '\n')
		abort();
	for (i = nlen + 1; i < once.len - 2; i++) {
		if (once.data[i] == '\r' && (once.data[i + 1] != '\n' ||
		    !ascii_iswsp(once.data[i + 2])))
			abort();	/* a CR that is not a fold */
		if (once.data[i] == '\n' && once.data[i - 1] != '\r')
			abort();	/* a bare LF */
	}
	/* the value as written, with the space the first pass may have put
	 * after the colon: it starts with WSP, so none is added again */
	vstart = nlen + 1;
	report_redact_header(&twice, name, once.data + vstart,
	    once.len - vstart - 2, true);
	if (twice.len != once.len || memcmp(twice.data, once.data, once.len) != 0)
		abort();
	buf_deinit(&once);
	buf_deinit(&twice);
}

/* check_hidden - the hidden-field invariants above on one value */
static void
check_hidden(const unsigned char *v, size_t len)
{
	struct header_hidden hid;
	size_t pos = 0, last = 0;

	while (headers_hidden_next(v, len, &pos, &hid)) {
		if (hid.name < v + last || hid.name_len == 0 ||
		    hid.value != hid.name + hid.name_len + 1 ||
		    hid.value + hid.value_len > v + len ||
		    hid.value + hid.value_len != v + pos || pos <= last ||
		    memchr(hid.name, ':', hid.name_len) != NULL ||
		    memchr(hid.name, '\r', hid.name_len) != NULL ||
		    memchr(hid.name, '\n', hid.name_len) != NULL ||
		    hid.kind != headers_kind(hid.name, hid.name_len))
			abort();
		last = pos;
	}
	if (pos != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena;
	struct headers h;
	struct buf simple, relaxed, crlf;
	size_t count = 0;

	/* small blocks: the fuzzer exercises growth and big fields */
	arena_init(&arena, 256, 512);
	headers_init(&h, &arena);
	buf_init(&simple);
	buf_init(&relaxed);
	buf_init(&crlf);
	while (size > 0 && count++ < FUZZ_HEADERS_MAX) {
		size_t len = field_len(data, size), nlen, vlen, mark;
		const uint8_t *colon = memchr(data, ':', len);
		const struct header *f;
		unsigned char *value;
		char *name;

		if (colon != NULL && colon != data &&
		    memchr(data, '\0', (size_t)(colon - data)) == NULL) {
			nlen = (size_t)(colon - data);
			vlen = len - nlen - 1;
			name = (char *)fuzz_copy(data, nlen + 1);
			name[nlen] = '\0';
			value = fuzz_copy(colon + 1, vlen);
			f = headers_add(&h, name, value, vlen);
			if (f->value_len != vlen ||
			    memcmp(f->value, value, vlen) != 0 ||
			    strcmp(f->name, name) != 0 ||
			    headers_name_index(&h, f) == 0 ||
			    headers_count_named(&h, name) <
			    headers_name_index(&h, f) ||
			    !headers_name_eq((unsigned char *)name, nlen,
			    (unsigned char *)name, headers_name_len(
			    (unsigned char *)name, nlen)))
				abort();
			buf_reset(&crlf);
			dkim_canon_crlf(value, vlen, &crlf);
			dkim_canon_header(DKIM_CANON_SIMPLE,
			    (unsigned char *)name, nlen, crlf.data, crlf.len,
			    true, &simple);
			mark = relaxed.len;
			dkim_canon_header(DKIM_CANON_RELAXED,
			    (unsigned char *)name, nlen, crlf.data, crlf.len,
			    true, &relaxed);
			/* names with WSP or CR inside are not checked: the
			 * milter never hands us one; trailing WSP (the
			 * obsolete "Name :") is, relaxed drops it */
			if (strcspn(name, " \t\r\n") ==
			    headers_name_len((unsigned char *)name, nlen))
				check_relaxed(relaxed.data + mark,
				    relaxed.len - mark);
			check_redacted(name, value, vlen);
			check_hidden(value, vlen);
			free(value);
			free(name);
		}
		data += len;
		size -= len;
		if (size > 0) {
			data++;
			size--;
		}
	}
	buf_deinit(&simple);
	buf_deinit(&relaxed);
	buf_deinit(&crlf);
	headers_deinit(&h);
	arena_deinit(&arena);
	return 0;
}
