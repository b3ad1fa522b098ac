/*
 * spf_received.c - the Received-SPF field (RFC 7208 9.1) of a result.
 *
 * Exported (spf.h): spf_received_spf.
 *
 * Formatting only: the result and request come from spf_check; values
 * are dot-atoms or quoted strings, pairs too long for a line are left
 * out, bytes that are not UTF-8 become '?', and the field is folded for
 * the header.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "util/buf.h"
#include "util/fold.h"
#include "util/str.h"
#include "util/utf8.h"

/* Longest "; key=value" written in Received-SPF (append_pair): a path of
 * RFC 5321 4.5.3.1.3's 256 octets, quoted, fits */
#define RECEIVED_SPF_VALUE_MAX 300
/* Longest domain named in Received-SPF's comment: a domain name's 253 */
#define RECEIVED_SPF_DOMAIN_MAX 253

/* append_text - s with controls left out and the bytes in escape written
 * as quoted-pairs (RFC 5322 3.2.1), so a hostile HELO or MAIL FROM can
 * neither end a quoted string nor a comment early; a byte that starts no
 * UTF-8 character becomes '?', as in our A-R, so the field is UTF-8
 * (RFC 6532 3.2) */
static void
append_text(struct buf *b, const char *s, const char *escape)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	while (n > 0) {
		if (*p >= 0x80) {
			len = utf8_seq_len(p, n);
			if (len == 0) {
				buf_append_byte(b, '?');
				len = 1;
			} else {
				buf_append(b, p, len);
			}
			p += len;
			n -= len;
			continue;
		}
		if (*p >= 0x20 && *p != 0x7f) {
			if (strchr(escape, *p) != NULL)
				buf_append_byte(b, '\\');
			buf_append_byte(b, *p);
		}
		p++;
		n--;
	}
}

/* append_value - a key=value value: dot-atom as is, else quoted-string
 * with controls dropped (RFC 5322 3.2.3, 3.2.4). A dot-atom's dots are
 * between atext runs: none first, last or next to another */
static void
append_value(struct buf *b, const char *v)
{
	const char *p;
	bool atom = v[0] != '\0' && v[0] != '.';

	for (p = v; *p != '\0' && atom; p++)
		if (*p == '.' ? p[1] == '\0' || p[1] == '.' :
		    !ascii_isalnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) == NULL)
			atom = false;
	if (atom) {
		buf_append_str(b, v);
		return;
	}
	buf_append_byte(b, '"');
	append_text(b, v, "\"\\");
	buf_append_byte(b, '"');
}

/* append_pair - sep, then key=value; left out when that is over
 * RECEIVED_SPF_VALUE_MAX octets: RFC 7208 9.1 makes every pair optional,
 * and a MAIL FROM or HELO argument of kilobytes is one word that no
 * folding could bring within a line's 998 octets */
static void
append_pair(struct buf *b, const char *sep, const char *key, const char *v)
{
	size_t mark = b->len;

	buf_append_str(b, sep);
	buf_append_str(b, key);
	buf_append_byte(b, '=');
	append_value(b, v);
	if (b->len - mark > RECEIVED_SPF_VALUE_MAX)
		buf_truncate(b, mark);
}

/* spf_received_spf - Received-SPF field value (RFC 7208 9.1), folded */
char *
spf_received_spf(const struct spf_request *req, const struct spf_result *res,
    const char *receiver_host)
{
	struct buf b = BUF_INIT;
	const char *ip = req->client_ip != NULL ? req->client_ip : "";
	const char *rcv = receiver_host != NULL ? receiver_host : "localhost";
	const char *dom = res->domain != NULL ? res->domain : "";
	struct buf cm = BUF_INIT, folded = BUF_INIT;

	/* the comment names the domain: a HELO argument of kilobytes (the
	 * identity with a null sender) is no domain and one word no folding
	 * could bring within a line's 998 octets */
	if (strlen(dom) > RECEIVED_SPF_DOMAIN_MAX)
		dom = "an over-long name";

	switch (res->res) {
	case SPF_RES_PASS:
		buf_printf(&cm, "domain of %s designates %s as permitted sender",
		    dom, ip);
		break;
	case SPF_RES_FAIL:
	case SPF_RES_SOFTFAIL:
		buf_printf(&cm, "domain of %s does not designate %s as "
		    "permitted sender", dom, ip);
		break;
	case SPF_RES_NEUTRAL:
		buf_printf(&cm, "%s is neither permitted nor denied by domain "
		    "of %s", ip, dom);
		break;
	case SPF_RES_NONE:
		buf_printf(&cm, "domain of %s does not provide an SPF record",
		    dom);
		break;
	default:
		buf_printf(&cm, "error in processing during lookup of %s", dom);
		break;
	}
	buf_printf(&b, "%s (", spf_res_name(res->res));
	/* a comment's ( ) and \\ are quoted-pairs (RFC 7208 9.1, RFC 5322
	 * 3.2.2): dropped, they changed the text; raw, an unbalanced one
	 * ended the comment early */
	append_text(&b, rcv, "()\\");
	buf_append_str(&b, ": ");
	append_text(&b, buf_cstr(&cm), "()\\");
	buf_deinit(&cm);
	/* client-ip is always short, so the pairs after it start "; " */
	buf_append_byte(&b, ')');
	append_pair(&b, " ", "client-ip", ip);
	append_pair(&b, "; ", "envelope-from",
	    res->sender != NULL ? res->sender : "");
	append_pair(&b, "; ", "helo", req->helo != NULL ? req->helo : "");
	append_pair(&b, "; ", "receiver", rcv);
	append_pair(&b, "; ", "identity", req->identity == SPF_ID_HELO ?
	    "helo" : "mailfrom");
	if (res->res == SPF_RES_PERMERROR && res->reason != NULL)
		append_pair(&b, "; ", "problem", res->reason);
	buf_append_byte(&b, ';');
	fold_lines(b.data, b.len, sizeof("Received-SPF: ") - 1, &folded);
	buf_deinit(&b);
	return buf_steal(&folded);
}
