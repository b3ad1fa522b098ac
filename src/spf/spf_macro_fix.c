/* spf_macro_fix.c - keep libspf2 off its macro-truncation bug (see
 * spf_macro_fix.h) */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "spf/spf_macro_fix.h"
#include "util/str.h"

/* count_in - how many bytes of s[0..n) are in the delimiter set */
static size_t
count_in(const char *s, size_t n, const char *delims, size_t ndelims)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (memchr(delims, s[i], ndelims) != NULL)
			k++;
	return k;
}

/* delimiters - how many delimiters the value of letter has; -1 for a
 * letter whose value is not known here */
static long
delimiters(char letter, const char *delims, size_t nd,
    const struct spf_macro_values *v)
{
	const char *s = v->sender != NULL ? v->sender : "";
	const char *at = strrchr(s, '@');
	size_t local = at != NULL ? (size_t)(at - s) : 0;
	const char *text;

	if (v->sender == NULL && (letter == 's' || letter == 'l' ||
	    letter == 'o'))
		return -1;
	switch (letter) {
	case 's':
		return (long)count_in(s, strlen(s), delims, nd);
	case 'l':
		return (long)count_in(s, local, delims, nd);
	case 'o':
		text = at != NULL ? at + 1 : s;
		return (long)count_in(text, strlen(text), delims, nd);
	case 'd':
		if (v->domain == NULL)
			return -1;
		return (long)count_in(v->domain, strlen(v->domain), delims, nd);
	case 'h':
		if (v->helo == NULL)
			return -1;
		return (long)count_in(v->helo, strlen(v->helo), delims, nd);
	case 'i':
		/* dotted quad, or 32 dotted nibbles: only '.' splits them */
		if (memchr(delims, '.', nd) == NULL)
			return 0;
		return v->af == AF_INET6 ? 31 : 3;
	case 'v':
		text = v->af == AF_INET6 ? "ip6" : "in-addr";
		return (long)count_in(text, strlen(text), delims, nd);
	default:
		return -1;	/* p, and c r t of explanations */
	}
}

bool
spf_macro_fix_digits(const char *rec, size_t len,
    const struct spf_macro_values *v, struct buf *out)
{
	size_t i = 0, copied = 0;
	bool changed = false;

	while (i < len) {
		size_t letter, digits, end, nd;
		unsigned long n = 0;
		long have;

		if (rec[i] != '%' || i + 1 >= len) {
			i++;
			continue;
		}
		if (rec[i + 1] != '{') {
			i += 2;		/* %% %_ %- */
			continue;
		}
		letter = i + 2;
		for (digits = end = letter + 1; end < len &&
		    ascii_isdigit((unsigned char)rec[end]); end++)
			n = n < 100000 ? n * 10 + (unsigned long)(rec[end] - '0') : n;
		if (end == digits) {
			i = end;	/* no digit: nothing to fix */
			continue;
		}
		/* the delimiters: after an optional 'r', up to '}' */
		{
			size_t d = end;

			if (d < len && ascii_tolower((unsigned char)rec[d]) == 'r')
				d++;
			for (nd = 0; d + nd < len && rec[d + nd] != '}'; nd++)
				;
			have = delimiters(ascii_tolower((unsigned char)
			    rec[letter]), nd > 0 ? rec + d : ".", nd > 0 ? nd :
			    1, v);
		}
		if (have >= 0 && n > (unsigned long)have) {
			buf_append(out, rec + copied, digits - copied);
			copied = end;	/* the digits are skipped */
			changed = true;
		}
		i = end;
	}
	if (changed)
		buf_append(out, rec + copied, len - copied);
	return changed;
}
