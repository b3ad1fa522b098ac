/*
 * msgfile.c - a message file split into header fields and body the way
 * the milter receives them
 *
 * Exported: msgfile_read, msgfile_free (msgfile.h).
 *
 * The daemon gets each header field as name and value (with the leading
 * space, Postfix's SMFIP_HDR_LEADSPC) and the body with CRLF line ends;
 * files on disk usually have LF. Lines are converted the way an MTA
 * sending the file over SMTP would: every LF not preceded by CR gets one.
 * NUL bytes in a header value end that value (the milter protocol
 * carries C strings). Owns all it returns.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/msgfile.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* slurp - the whole file, bounded by MSGFILE_MAX_BYTES */
static int
slurp(const char *path, struct buf *raw, const char **err_r)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char chunk[65536];
	size_t n;

	if (fp == NULL) {
		*err_r = strerror(errno);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (raw->len + n > MSGFILE_MAX_BYTES) {
			*err_r = "message file larger than 256 MiB";
			break;
		}
		buf_append(raw, chunk, n);
	}
	if (ferror(fp))
		*err_r = strerror(errno);
	if (fp != stdin)
		(void)fclose(fp);
	return *err_r != NULL ? -1 : 0;
}

/* line_end - end of the line at p (index of LF, or end), and the length
 * of the line without its CRLF/LF */
static size_t
line_end(const struct buf *raw, size_t p, size_t *content_r)
{
	const unsigned char *nl = memchr(raw->data + p, '\n', raw->len - p);
	size_t end = nl != NULL ? (size_t)(nl - raw->data) : raw->len;
	size_t content = end - p;

	if (content > 0 && raw->data[end - 1] == '\r')
		content--;
	*content_r = content;
	return nl != NULL ? end + 1 : end;
}

/* is_field_start - "name:" with a printable, colon-free name (RFC 5322
 * 2.2 ftext) */
static bool
is_field_start(const unsigned char *p, size_t len, size_t *colon_r)
{
	size_t i;

	for (i = 0; i < len && p[i] != ':'; i++)
		if (p[i] < 33 || p[i] > 126)
			break;
	/* "Name :" with white space before the colon is tolerated too */
	while (i < len && ascii_iswsp(p[i]))
		i++;
	if (i == 0 || i >= len || p[i] != ':')
		return false;
	*colon_r = i;
	return true;
}

/* field_end - the field being read gets its value: the text up to a
 * NUL, see above */
static void
field_end(struct msgfile *m, struct buf *cur)
{
	if (m->count > 0 && m->fields[m->count - 1].value == NULL)
		m->fields[m->count - 1].value = xstrdup(buf_cstr(cur));
	buf_reset(cur);
}

/* add_field - a new field from its first line; its value grows in cur
 * until field_end (copying it on each continuation line made a header
 * of many folded lines take time quadratic in its size) */
static void
add_field(struct msgfile *m, struct buf *cur, const unsigned char *p,
    size_t len, size_t colon)
{
	struct msgfile_field *f;
	size_t nlen = colon;

	field_end(m, cur);
	m->fields = xreallocarray(m->fields, m->count + 1, sizeof(*m->fields));
	f = &m->fields[m->count++];
	while (nlen > 0 && ascii_iswsp(p[nlen - 1]))
		nlen--;
	f->name = xstrndup((const char *)p, nlen);
	f->value = NULL;
	buf_append(cur, p + colon + 1, len - colon - 1);
}

/* fold_into - a continuation line joins the field being read after
 * "\r\n" */
static void
fold_into(struct buf *cur, const unsigned char *p, size_t len)
{
	buf_append(cur, "\r\n", 2);
	buf_append(cur, p, len);
}

/* body_crlf - append raw[p..] with bare LF turned into CRLF */
static void
body_crlf(const struct buf *raw, size_t p, struct buf *body)
{
	size_t i;

	for (i = p; i < raw->len; i++) {
		if (raw->data[i] == '\n' && (i == p || raw->data[i - 1] != '\r'))
			buf_append_byte(body, '\r');
		buf_append_byte(body, raw->data[i]);
	}
}

int
msgfile_read(const char *path, struct msgfile *m, const char **err_r)
{
	struct buf raw = BUF_INIT, cur = BUF_INIT;
	size_t p = 0, next, len, colon;

	memset(m, 0, sizeof(*m));
	*err_r = NULL;
	if (slurp(path, &raw, err_r) != 0) {
		buf_deinit(&raw);
		return -1;
	}
	/* an mbox "From sender date" line, not a "From :" field (white
	 * space before the colon is tolerated below) */
	if (raw.len >= 5 && memcmp(raw.data, "From ", 5) == 0) {
		next = line_end(&raw, 0, &len);
		if (!is_field_start(raw.data, len, &colon))
			p = next;
	}
	while (p < raw.len) {
		const unsigned char *line = raw.data + p;

		next = line_end(&raw, p, &len);
		if (len == 0) {		/* the empty line ends the header */
			p = next;
			break;
		}
		if (ascii_iswsp(line[0]) && m->count > 0)
			fold_into(&cur, line, len);
		else if (is_field_start(line, len, &colon) &&
		    m->count < MSGFILE_MAX_FIELDS)
			add_field(m, &cur, line, len, colon);
		else
			break;		/* not a header field: body starts here */
		p = next;
	}
	field_end(m, &cur);
	buf_deinit(&cur);
	body_crlf(&raw, p, &m->body);
	buf_deinit(&raw);
	return 0;
}

void
msgfile_free(struct msgfile *m)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		free(m->fields[i].name);
		free(m->fields[i].value);
	}
	free(m->fields);
	buf_deinit(&m->body);
	memset(m, 0, sizeof(*m));
}
