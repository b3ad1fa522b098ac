/* spf_fit.c - long literal runs in domain-specs cut early (see spf_fit.h) */
#include "config.h"

#include <string.h>

#include "spf/spf_fit.h"
#include "spf/spf_record.h"
#include "util/str.h"

/* token - the macro-text token at p[i] (i < len): its length in the text,
 * what it stands for in the expanded name (*decoded_r octets), and
 * whether it is a macro-expand, which ends a literal run */
static size_t
token(const unsigned char *p, size_t len, size_t i, size_t *decoded_r,
    bool *macro_r)
{
	const unsigned char *close;

	*macro_r = false;
	*decoded_r = 1;
	if (p[i] != '%' || i + 1 >= len)
		return 1;
	switch (p[i + 1]) {
	case '{':
		*macro_r = true;
		*decoded_r = 0;
		close = memchr(p + i, '}', len - i);
		return close != NULL ? (size_t)(close - (p + i)) + 1 : len - i;
	case '-':
		*decoded_r = 3;		/* "%20" */
		return 2;
	default:
		return 2;		/* "%%" or "%_": one octet */
	}
}

size_t
spf_fit_domain_spec(unsigned char *spec, size_t len)
{
	size_t i = 0, run_start = 0, run_len = 0, long_start = 0, long_end = 0;
	size_t long_len = 0, cut, cur, n, d;
	bool macro;

	/* the right-most literal run over the limit: what stands left of
	 * it is cut in any case */
	while (i < len) {
		n = token(spec, len, i, &d, &macro);
		if (macro) {
			run_start = i + n;
			run_len = 0;
		} else {
			run_len += d;
			if (run_len > SPF_FIT_LITERAL_MAX) {
				long_start = run_start;
				long_end = i + n;
				long_len = run_len;
			}
		}
		i += n;
	}
	if (long_len == 0)
		return len;
	/* (long_end and long_len followed the run to its end) its leftmost
	 * labels go while it is over the name limit */
	cut = long_start;
	cur = long_start;
	while (long_len > SPF_FIT_NAME_MAX) {
		size_t dropped = 0;

		for (i = cur; i < long_end && spec[i] != '.'; i += n) {
			n = token(spec, long_end, i, &d, &macro);
			dropped += d;
		}
		/* no label boundary left, or none after it (the name would
		 * lose its domain-end, RFC 7208 7.1): libspf2 refuses */
		if (i >= long_end || memchr(spec + i + 1, '.', len - i - 1) == NULL)
			return len;
		long_len -= dropped + 1;
		cur = cut = i + 1;
	}
	memmove(spec, spec + cut, len - cut);
	return len - cut;
}

/* spec_of - where term p[0..len)'s domain-spec starts (*start_r) and how
 * long it is, 0 when the term has none */
static size_t
spec_of(const unsigned char *p, size_t len, size_t *start_r)
{
	static const char *const names[] = {
		"include:", "exists:", "ptr:", "a:", "mx:", "redirect=", "exp=",
	};
	size_t i, k, q = len > 0 && memchr("+-?~", p[0], 4) != NULL ? 1 : 0;
	unsigned c4, c6;
	bool has4, has6;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t n = strlen(names[k]);

		if (len - q <= n)
			continue;
		for (i = 0; i < n && ascii_tolower(p[q + i]) == names[k][i]; i++)
			;
		if (i < n)
			continue;
		*start_r = q + n;
		len -= q + n;
		/* a and mx take a CIDR length after the domain-spec */
		if (names[k][0] == 'a' || names[k][0] == 'm')
			(void)spf_split_dual_cidr(p + q + n, len, &len, &has4, &c4,
			    &has6, &c6);
		return len;
	}
	return 0;
}

void
spf_fit_record(struct buf *rec, size_t from)
{
	size_t i = from;

	while (i < rec->len) {
		unsigned char *t = rec->data + i;
		const unsigned char *space = memchr(t, ' ', rec->len - i);
		size_t tlen = space != NULL ? (size_t)(space - t) : rec->len - i;
		size_t start = 0, slen = spec_of(t, tlen, &start), fit;

		if (slen > SPF_FIT_LITERAL_MAX &&
		    (fit = spf_fit_domain_spec(t + start, slen)) < slen) {
			/* close the gap the cut left in the record */
			memmove(t + start + fit, t + start + slen,
			    rec->len - (i + start + slen));
			buf_truncate(rec, rec->len - (slen - fit));
			tlen -= slen - fit;
		}
		i += tlen + 1;
	}
}
