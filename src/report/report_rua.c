/*
 * report_rua.c - parse rua= into mail destinations with their size
 * limits, and judge the external-destination verification record.
 *
 *   report_rua_parse        "mailto:a@b!10m, mailto:c@d" -> destinations
 *   report_rua_verify_name  the TXT name that authorises a destination
 *   report_rua_judge        is the destination authorised, and overridden
 *
 * Hostile records (rua is data published by anyone) give fewer or no
 * destinations, never a crash: lengths are capped, percent escapes that
 * decode to control characters, spaces or header syntax are refused.
 */
#include "config.h"

#include <string.h>

#include "core/dmarc_record.h"
#include "report/report_rua.h"
#include "util/str.h"

/* parse_size - "10", "10k", "5m", "1g", "1t" -> bytes; false if bad.
 * Any number of digits (RFC 9989 4.8: 1*DIGIT; a URI whose size had 13
 * was dropped); a size past 2^64 bytes is no limit at all, not one that
 * wrapped. */
static bool
parse_size(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0, mul = 1, d;
	bool over = false;
	size_t i;

	if (n == 0)
		return false;
	switch (ascii_tolower((unsigned char)p[n - 1])) {
	case 'k': mul = 1ULL << 10; n--; break;
	case 'm': mul = 1ULL << 20; n--; break;
	case 'g': mul = 1ULL << 30; n--; break;
	case 't': mul = 1ULL << 40; n--; break;
	default: break;
	}
	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (!ascii_isdigit((unsigned char)p[i]))
			return false;
		d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	*out = over || v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
	return true;
}

/* parse_one - one URI (p, n, already trimmed) into d */
static bool
parse_one(const char *p, size_t n, struct report_dest *d)
{
	const char *bang;
	size_t i, o = 0, ulen;
	char *at;

	if (n < 8 || ascii_strncasecmp(p, "mailto:", 7) != 0)
		return false;
	p += 7;
	n -= 7;
	bang = memchr(p, '!', n);
	ulen = bang != NULL ? (size_t)(bang - p) : n;
	d->max_bytes = 0;
	if (bang != NULL && !parse_size(bang + 1, n - ulen - 1, &d->max_bytes))
		return false;
	for (i = 0; i < ulen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '?')
			break;	/* hfields are not ours to follow */
		if (c == '%' && i + 2 < ulen &&
		    ascii_hex_value((unsigned char)p[i + 1]) >= 0 &&
		    ascii_hex_value((unsigned char)p[i + 2]) >= 0) {
			c = (unsigned char)(ascii_hex_value((unsigned char)p[i + 1]) * 16 +
			    ascii_hex_value((unsigned char)p[i + 2]));
			i += 2;
		}
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c) != NULL)
			return false;
		if (o + 1 >= sizeof(d->addr))
			return false;
		d->addr[o++] = (char)c;
	}
	d->addr[o] = '\0';
	at = strrchr(d->addr, '@');
	if (at == NULL || at == d->addr || at[1] == '\0' ||
	    strchr(at + 1, '.') == NULL || strchr(d->addr, '@') != at)
		return false;
	str_lower(at + 1);
	d->host = at + 1;
	return true;
}

size_t
report_rua_parse(const char *rua, struct report_dest *dests, size_t max)
{
	const char *p = rua, *end, *comma;
	size_t n = 0;

	if (rua == NULL)
		return 0;
	while (*p != '\0' && n < max) {
		comma = strchr(p, ',');
		end = comma != NULL ? comma : p + strlen(p);
		while (p < end && ascii_iswsp((unsigned char)*p))
			p++;
		while (end > p && ascii_iswsp((unsigned char)end[-1]))
			end--;
		if (parse_one(p, (size_t)(end - p), &dests[n]))
			n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return n;
}

bool
report_rua_verify_name(struct buf *out, const char *policy_domain,
    const char *host)
{
	buf_truncate(out, 0);
	buf_printf(out, "%s._report._dmarc.%s", policy_domain, host);
	return out->len <= 253;
}

bool
report_rua_judge(const char *const *txt, const size_t *len, size_t n,
    enum report_tag tag, struct report_dest *dest, const char **why_r)
{
	struct report_dest over[REPORT_RUA_MAX];
	struct dmarc_record rec;
	const char *why, *uris;
	size_t i, k, m;
	bool ok = false;

	*why_r = "no v=DMARC1 record";
	for (i = 0; i < n && !ok; i++) {
		if (!dmarc_record_is_dmarc((const unsigned char *)txt[i], len[i]))
			continue;
		ok = true;
		if (dmarc_record_parse((const unsigned char *)txt[i], len[i],
		    DMARC_MODE_RFC9989, &rec, &why) == DMARC_REC_OK) {
			uris = tag == REPORT_TAG_RUF ? rec.ruf : rec.rua;
			m = uris != NULL ?
			    report_rua_parse(uris, over, REPORT_RUA_MAX) : 0;
			for (k = 0; k < m; k++)
				if (strcmp(over[k].host, dest->host) != 0)
					ok = false;	/* loop or indirect abuse */
			if (!ok)
				*why_r = tag == REPORT_TAG_RUF ?
				    "its ruf names another host" :
				    "its rua names another host";
			if (ok && m > 0) {
				*dest = over[0];
				dest->host = strrchr(dest->addr, '@') + 1;
			}
		}
		dmarc_record_clear(&rec);
	}
	return ok;
}
