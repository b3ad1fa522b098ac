/*
 * fuzz_authres.c - Authentication-Results forgery detection (RFC 8601
 * 5). Input: first line the authserv-id, the rest the received field
 * value, which is also folded again as ARCSeal outbound folds the A-R it
 * copies (lines within 998 octets where a blank allows). Also builds our
 * own header from input words (method, result, property values, comment,
 * reason) and checks that hostile words cannot stop our own field from
 * being recognised as ours, nor (with our own methods and results) take
 * a line of it past RFC 5322's 998 octets, nor put a byte that is not
 * UTF-8 or a control byte in it.
 * The words are the input's first four lines: a result and value, a
 * comment and header.from, a header.d value, and a reason.
 */
#include "config.h"

#include "core/authres.h"
#include "fuzz.h"
#include "util/str.h"
#include "util/utf8.h"

#define OUR_ID "mx.example.net"
/* RFC 5322 2.1.1, and what precedes our value on the first line of the
 * longest field that carries it (the AAR of the 50th ARC set) */
#define LINE_MAX_OCTETS 998
#define FIRST_LINE_PREFIX (sizeof("ARC-Authentication-Results: i=50; ") - 1)

/* check_lines - abort when a line of hdr passes the limit */
static void
check_lines(const char *hdr)
{
	size_t len = FIRST_LINE_PREFIX;

	for (; *hdr != '\0'; hdr++) {
		if (*hdr == '\n')
			len = 0;
		else if (++len > LINE_MAX_OCTETS)
			abort();
	}
}

/* check_utf8 - abort when hdr holds a byte that is not UTF-8 or a
 * control byte other than the folding LF and TAB (whatever the values
 * given to the builder) */
static void
check_utf8(const char *hdr)
{
	const unsigned char *p = (const unsigned char *)hdr;
	size_t left = strlen(hdr), len;

	while (left > 0) {
		len = utf8_seq_len(p, left);
		if (len == 0 || (*p < 0x20 && *p != '\n' && *p != '\t') ||
		    *p == 0x7f)
			abort();
		p += len;
		left -= len;
	}
}

/*
 * check_refolded - abort unless out is in with line breaks added, each
 * before a blank, none leaving a line of blanks alone, and unless every
 * line over the limit has no blank with text before and after it (where
 * a break could have gone, unless right after a bare CR). Line lengths count as check_lines does; a
 * CR before LF is neither length nor text.
 */
static void
check_refolded(const unsigned char *in, size_t n, const struct buf *out)
{
	size_t i, q = 0, len = FIRST_LINE_PREFIX;
	bool text = false, gap = false, foldable = false, added = false;

	for (i = 0; i <= out->len; i++) {
		unsigned char c = i < out->len ? out->data[i] : '\n';

		if (c == '\n') {
			if ((len > LINE_MAX_OCTETS && foldable) || (added && !text))
				abort();
			if (i == out->len)
				break;
			added = q >= n || in[q] != '\n';
			if (added && (i + 1 >= out->len ||
			    !ascii_iswsp(out->data[i + 1])))
				abort();
			if (!added)
				q++;
			len = 0;
			text = gap = foldable = false;
			continue;
		}
		if (q >= n || in[q] != c)
			abort();
		q++;
		if (c == '\r' && i + 1 < out->len && out->data[i + 1] == '\n')
			continue;
		len++;
		if (ascii_iswsp(c)) {
			/* no break right after a bare CR: it would end a line */
			gap = gap || (text && out->data[i - 1] != '\r');
		} else {
			foldable = foldable || gap;
			text = true;
		}
	}
	if (q != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size, idlen;
	char *id = fuzz_next_line(&p, &n, &idlen);
	unsigned char *value = fuzz_copy(p, n);
	char *w[4];
	struct authres ar;
	struct buf folded = BUF_INIT;
	const char *hdr;
	size_t i;

	(void)authres_is_ours(value, n, id);
	(void)authres_is_ours(value, n, OUR_ID);
	(void)authres_value_is_token(id);
	authres_fold_received(value, n, &folded);
	check_refolded(value, n, &folded);
	buf_deinit(&folded);

	p = data;
	n = size;
	for (i = 0; i < 4; i++)
		w[i] = fuzz_next_line(&p, &n, NULL);
	authres_init(&ar, OUR_ID);
	authres_add(&ar, "dkim", w[0]);
	authres_add_comment(&ar, w[1]);
	authres_add_prop(&ar, "header", "d", w[2]);
	authres_add_reason(&ar, w[3]);
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", w[0]);
	hdr = authres_finish(&ar);
	if (!authres_is_ours((const unsigned char *)hdr, strlen(hdr), OUR_ID))
		abort();
	authres_deinit(&ar);

	authres_init(&ar, OUR_ID);
	authres_add(&ar, "dkim", "pass");
	authres_add_comment(&ar, w[1]);
	authres_add_prop(&ar, "header", "d", w[2]);
	authres_add_reason(&ar, w[3]);
	authres_add_prop(&ar, "header", "b", w[0]);
	authres_add(&ar, "dmarc", "fail");
	authres_add_comment(&ar, w[0]);
	authres_add_prop(&ar, "header", "from", w[1]);
	hdr = authres_finish(&ar);
	check_lines(hdr);
	check_utf8(hdr);
	authres_deinit(&ar);
	for (i = 0; i < 4; i++)
		free(w[i]);
	free(value);
	free(id);
	return 0;
}
