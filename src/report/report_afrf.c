/*
 * report_afrf.c - DMARC failure reports: the fo= decision (RFC 9989 4.7,
 * RFC 9991), the header redaction (RFC 6590) and the AFRF message
 * (RFC 6591 as RFC 9991 "Reporting Format Update" augments it).
 *
 *   report_fo_wants       fo=0/1/d/s against what the evaluation found
 *   report_redact_header  one original header field, local-parts hidden
 *   report_redact_text    the same for a value of ours (Subject, sender)
 *   report_afrf_spf_dns   one SPF-DNS field, quoted and folded
 *   report_afrf_build     the report message
 *
 * Pure: no I/O. Header values come from the message (hostile): they are
 * copied with their line breaks made CRLF, bare CR/LF and NUL dropped,
 * so they cannot end the header block early or start a MIME part. Text
 * that is not ASCII keeps to the rules of a message without SMTPUTF8:
 * the Subject goes in RFC 2047 encoded-words, a part holding 8-bit bytes
 * says 8bit, and bytes that are not UTF-8 in our own fields become '?'.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_afrf.h"
#include "report/report_mime.h"
#include "crypto/crypto.h"
#include "util/str.h"
#include "util/utf8.h"

const char *
report_afrf_identity_alignment(bool dkim_aligned_pass, bool spf_aligned_pass)
{
	if (dkim_aligned_pass)
		return spf_aligned_pass ? "none" : "spf";
	return spf_aligned_pass ? "dkim" : "dkim,spf";
}

bool
report_fo_wants(const char *fo, const struct report_fo_input *in)
{
	const char *p = fo != NULL && *fo != '\0' ? fo : "0";
	bool want = false;

	while (*p != '\0') {
		while (*p == ':' || ascii_iswsp((unsigned char)*p))
			p++;
		switch (*p) {
		case '0':
			want |= !in->dkim_aligned_pass && !in->spf_aligned_pass;
			break;
		case '1':
			want |= !in->dkim_aligned_pass || !in->spf_aligned_pass;
			break;
		case 'd': case 'D':
			want |= in->dkim_any_fail;
			break;
		case 's': case 'S':
			want |= in->spf_fail;
			break;
		default:
			break;
		}
		while (*p != '\0' && *p != ':')
			p++;
	}
	return want;
}

/*
 * Redaction (RFC 6590): every local-part followed by "@" and a domain, in
 * every header field, becomes "redacted" (a valid dot-atom, so the field
 * keeps its syntax); the domain stays, as that is what the report is about.
 * White space and comments (CFWS) around the '@' do not hide a local-part:
 * "bob (c) @d.example" loses "bob (c) ", "bob@ d.example" keeps " d.example".
 * Two kinds of field keep a little more:
 *
 *   msg-id fields   an addr-spec inside <...> is a msg-id: it names a
 *                   message, not a person, and is what lets the domain
 *                   owner find the message in its own logs. A generator
 *                   may embed a person in its id-left, but nothing tells
 *                   such an id from a random one, so all stay. An address
 *                   outside <> (an obs-in-reply-to phrase, a comment) is
 *                   redacted as anywhere else.
 *   tag lists       in "name=value" fields (A-R, DKIM, ARC, Received-SPF)
 *                   the "smtp.mailfrom=" or "i=" before a value is kept,
 *                   outside comments, so the field still parses.
 */
enum redact_kind {
	REDACT_TEXT,
	REDACT_MSGID,
	REDACT_TAGS,
};

/* A stretch of the value: a quoted-string or comment (from = its opening
 * character, to = its closing one), a local-part to replace [from, to),
 * or a walk back from the '@' at to that stopped at from. */
struct span {
	size_t from, to;
};

/* redact_kind_of - which of the kinds above a field name is */
static enum redact_kind
redact_kind_of(const char *name)
{
	static const char *const msgid[] = { "Message-ID", "Resent-Message-ID",
		"In-Reply-To", "References", "Content-ID", "Original-Message-ID",
		NULL };
	static const char *const tags[] = { "Authentication-Results",
		"ARC-Authentication-Results", "DKIM-Signature",
		"ARC-Message-Signature", "ARC-Seal", "Received-SPF", NULL };
	size_t i;

	for (i = 0; msgid[i] != NULL; i++)
		if (ascii_strcasecmp(name, msgid[i]) == 0)
			return REDACT_MSGID;
	for (i = 0; tags[i] != NULL; i++)
		if (ascii_strcasecmp(name, tags[i]) == 0)
			return REDACT_TAGS;
	return REDACT_TEXT;
}

/* is_local_char - characters of an unquoted local-part: RFC 5322 atext,
 * dots, and bytes above 0x7f (RFC 6532 UTF-8; a Latin-1 byte next to an
 * '@' is hidden too, which errs the safe way) */
static bool
is_local_char(unsigned char c)
{
	return ascii_isalnum(c) || c >= 0x80 || (c != '\0' &&
	    strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* span_get, span_count - the spans stored in a buf, as an array */
static struct span
span_get(const struct buf *b, size_t k)
{
	struct span sp;

	memcpy(&sp, b->data + k * sizeof(sp), sizeof(sp));
	return sp;
}

static size_t
span_count(const struct buf *b)
{
	return b->len / sizeof(struct span);
}

/* What the forward pass found in a value: the closed quoted-strings and
 * comments (from = opening char, to = closing one), each in the order
 * they close, the comments again in the order they open, each '@' with
 * where it stands, and (memo) where the walk back from an address's '@'
 * (.to) stopped (.from), so that a run of addresses is walked once. */
struct scan {
	struct buf quotes, comments, opens, ats, memo;
};

struct at_mark {
	size_t at;
	bool inq, incomment, angle;
};

/* span_find - the span in b (sorted by .to, or by .from when by_from)
 * whose .to (or .from) is pos: binary search, so that walking back over
 * many quoted-strings or comments stays linear-ish */
static bool
span_find(const struct buf *b, size_t pos, bool by_from, struct span *sp_r)
{
	size_t lo = 0, hi = span_count(b), mid, key;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		*sp_r = span_get(b, mid);
		key = by_from ? sp_r->from : sp_r->to;
		if (key == pos)
			return true;
		if (key < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int
span_cmp_from(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* is_fws - white space, or the CR LF of a fold */
static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* cfws_fwd, cfws_back - past the white space and whole comments after
 * s[i] (from i on) or before s[o] */
static size_t
cfws_fwd(const struct scan *sc, const unsigned char *s, size_t n, size_t i)
{
	struct span c;

	while (i < n) {
		if (is_fws(s[i]))
			i++;
		else if (s[i] == '(' && span_find(&sc->opens, i, true, &c))
			i = c.to + 1;
		else
			break;
	}
	return i;
}

static size_t
cfws_back(const struct scan *sc, const unsigned char *s, size_t o)
{
	struct span c;

	while (o > 0) {
		if (is_fws(s[o - 1]))
			o--;
		else if (s[o - 1] == ')' && span_find(&sc->comments, o - 1,
		    false, &c))
			o = c.from;
		else
			break;
	}
	return o;
}

/* unit_back - before the local-part character or closed quoted-string
 * that ends at s[o - 1], or o when there is none */
static size_t
unit_back(const struct scan *sc, const unsigned char *s, size_t o)
{
	struct span q;

	if (o == 0)
		return o;
	if (is_local_char(s[o - 1]))
		return o - 1;
	if (s[o - 1] == '"' && span_find(&sc->quotes, o - 1, false, &q))
		return q.from;
	return o;
}

/* is_address_at - is the '@' at s[at] that of an address: a domain (a
 * letter or digit, a domain-literal '[' or UTF-8) follows, after any
 * white space and comments (RFC 5322 CFWS, or the obsolete "bob @ x").
 * When CFWS stands on either side, the domain must have a dot in it
 * ("bob @example.net", "bob@ example.net"), so that prose such as
 * "meet @ 5" stays. "5@$3" or a lone "x@" are no addresses. */
static bool
is_address_at(const struct scan *sc, const unsigned char *s, size_t n,
    size_t at)
{
	size_t j = cfws_fwd(sc, s, n, at + 1);
	bool spaced = j > at + 1 || cfws_back(sc, s, at) < at;

	if (j >= n)
		return false;
	if (s[j] == '[')
		return true;
	if (!ascii_isalnum(s[j]) && s[j] < 0x80)
		return false;
	if (!spaced)
		return true;
	for (; j + 1 < n && (ascii_isalnum(s[j]) || s[j] >= 0x80 ||
	    s[j] == '-' || s[j] == '.'); j++)
		if (s[j] == '.' && (ascii_isalnum(s[j + 1]) || s[j + 1] >= 0x80))
			return true;
	return false;
}

/* local_start - where the local-part ending at the '@' at s[at] begins.
 * It walks back over units (local-part text and quoted-strings run
 * together: "a b"."c"@d, and "q"x@d or "a""b"@d, no RFC 5322 forms but
 * read by an MTA as qx@d and ab@d), over CFWS between a unit and an
 * '@' ("bob (c) @d", "x@ y@d"), and over an '@' with a unit before it
 * ("x@.y@d", whose first '@' has no domain): stopping at such an '@'
 * would leave "x@redacted@d", whose first '@' then looks like an
 * address of its own, so a second redaction would differ. Whatever the
 * walk crosses is replaced, so a redacted run is "redacted@" and what
 * followed its last address '@', and a second walk finds the same. */
static size_t
local_start(struct scan *sc, const unsigned char *s, size_t at)
{
	size_t o = at, stop = at, p;
	struct span m;

	for (;;) {
		/* s[o] is an '@': cross the CFWS before it to a unit */
		p = cfws_back(sc, s, o);
		if (unit_back(sc, s, p) == p)
			return stop;
		if (o != at && span_find(&sc->memo, o, false, &m))
			return m.from;	/* walked from there already */
		for (o = p; (p = unit_back(sc, s, o)) < o; o = p)
			continue;
		stop = o;
		p = cfws_back(sc, s, o);
		if (p == 0 || s[p - 1] != '@')
			return stop;
		o = p - 1;
	}
}

/* skip_tag_name - past a leading "name=" (ptype.property or tag name) in
 * s[from, at), or from when there is none */
static size_t
skip_tag_name(const unsigned char *s, size_t from, size_t at)
{
	size_t j = from;

	while (j < at && (ascii_isalnum(s[j]) || s[j] == '.' || s[j] == '-' ||
	    s[j] == '_'))
		j++;
	return j > from && j < at && s[j] == '=' ? j + 1 : from;
}

/* add_local - record [from, at) for replacement; a later local-part that
 * reaches back over earlier ones ("a@b"@c) takes their place */
static void
add_local(struct buf *locals, size_t from, size_t at)
{
	struct span sp;
	size_t k;

	while ((k = span_count(locals)) > 0 &&
	    (sp = span_get(locals, k - 1)).to > from) {
		if (sp.from < from)
			from = sp.from;
		buf_truncate(locals, (k - 1) * sizeof(sp));
	}
	sp.from = from;
	sp.to = at;
	buf_append(locals, &sp, sizeof(sp));
}

/* scan_value - the forward pass: quoted-strings, comments (nested),
 * <...> and each '@'. Quoted-pairs are skipped whole, so an escaped '@'
 * or quote counts for nothing. */
static void
scan_value(struct scan *sc, const unsigned char *s, size_t n)
{
	struct buf stack = BUF_INIT;	/* opening '(' positions */
	struct at_mark m;
	struct span sp = { 0, 0 };
	size_t i, depth = 0;
	bool inq = false, angle = false;

	for (i = 0; i < n; i++) {
		if ((inq || depth > 0) && s[i] == '\\') {
			i++;
			continue;
		}
		if (inq) {
			if (s[i] == '"') {
				sp.to = i;
				buf_append(&sc->quotes, &sp, sizeof(sp));
				inq = false;
			}
		} else if (s[i] == '(') {
			buf_append(&stack, &i, sizeof(i));
			depth++;
		} else if (depth > 0 && s[i] == ')') {
			depth--;
			memcpy(&sp.from, stack.data + depth * sizeof(i),
			    sizeof(i));
			buf_truncate(&stack, depth * sizeof(i));
			sp.to = i;
			buf_append(&sc->comments, &sp, sizeof(sp));
		} else if (depth == 0 && s[i] == '"') {
			sp.from = i;
			inq = true;
		} else if (depth == 0 && (s[i] == '<' || s[i] == '>'))
			angle = s[i] == '<';
		if (s[i] != '@')
			continue;
		m.at = i;
		m.inq = inq;
		m.incomment = depth > 0;
		m.angle = angle;
		buf_append(&sc->ats, &m, sizeof(m));
	}
	buf_append(&sc->opens, sc->comments.data, sc->comments.len);
	if (sc->opens.len > 0)
		qsort(sc->opens.data, span_count(&sc->opens),
		    sizeof(struct span), span_cmp_from);
	buf_deinit(&stack);
}

/* find_locals - the local-parts in s[0, n) to replace, in order: at
 * each address's '@' the local-part is found walking back */
static void
find_locals(const unsigned char *s, size_t n, enum redact_kind kind,
    struct buf *locals)
{
	struct scan sc = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
	struct at_mark m;
	struct span walked;
	size_t k, from;
	bool outside;

	scan_value(&sc, s, n);
	for (k = 0; k < sc.ats.len / sizeof(m); k++) {
		memcpy(&m, sc.ats.data + k * sizeof(m), sizeof(m));
		outside = !m.inq && !m.incomment;
		if (!is_address_at(&sc, s, n, m.at))
			continue;
		if (kind == REDACT_MSGID && m.angle && outside)
			continue;	/* a msg-id: kept (see above) */
		from = local_start(&sc, s, m.at);
		walked.from = from;
		walked.to = m.at;
		buf_append(&sc.memo, &walked, sizeof(walked));
		if (kind == REDACT_TAGS && outside) {
			/* "header.i= @d" has no local-part to hide */
			from = skip_tag_name(s, from, m.at);
			from = cfws_fwd(&sc, s, m.at, from);
		}
		if (from < m.at)
			add_local(locals, from, m.at);
	}
	buf_deinit(&sc.quotes);
	buf_deinit(&sc.comments);
	buf_deinit(&sc.opens);
	buf_deinit(&sc.ats);
	buf_deinit(&sc.memo);
}

/* redact_value - append s[0, n) with each local-part found replaced */
static void
redact_value(struct buf *out, const unsigned char *s, size_t n,
    enum redact_kind kind)
{
	struct buf locals = BUF_INIT;
	struct span sp;
	size_t k, done = 0;

	if (n == 0)
		return;		/* s may be an empty buf's NULL data */
	find_locals(s, n, kind, &locals);
	for (k = 0; k < span_count(&locals); k++) {
		sp = span_get(&locals, k);
		buf_append(out, s + done, sp.from - done);
		buf_append_str(out, "redacted");
		done = sp.to;
	}
	buf_append(out, s + done, n - done);
	buf_deinit(&locals);
}

void
report_redact_text(struct buf *out, const unsigned char *v, size_t len)
{
	redact_value(out, v, len, REDACT_TEXT);
}

void
report_redact_header(struct buf *out, const char *name,
    const unsigned char *v, size_t len, bool redact)
{
	struct buf val = BUF_INIT, *to = redact ? &val : out;
	size_t i;

	buf_printf(out, "%s:", name);
	if (len == 0 || (v[0] != ' ' && v[0] != '\t'))
		buf_append_byte(out, ' ');
	for (i = 0; i < len; i++) {
		if (v[i] == '\r' || v[i] == '\0')
			continue;
		if (v[i] == '\n') {
			/* a fold: keep it only when white space follows */
			if (i + 1 < len && (v[i + 1] == ' ' || v[i + 1] == '\t'))
				buf_append_str(to, "\r\n");
			continue;
		}
		buf_append_byte(to, v[i]);
	}
	if (redact)
		redact_value(out, val.data, val.len, redact_kind_of(name));
	buf_append_str(out, "\r\n");
	buf_deinit(&val);
}

/* clean - a value safe in a header line we write: no CR, LF or NUL
 * (a space instead), no byte that is not UTF-8 ('?' instead: a client's
 * MAIL FROM) */
static void
clean(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = s != NULL ? strlen(s) : 0, len;

	while (left > 0) {
		len = utf8_seq_len(p, left);
		if (len > 1)
			buf_append(out, p, len);
		else
			buf_append_byte(out, len == 0 ? '?' : *p < 0x20 ? ' ' : *p);
		len = len > 0 ? len : 1;
		p += len;
		left -= len;
	}
}

/* encoded_subject - "Subject: " and text, as RFC 2047 encoded-words
 * (UTF-8, base64) when it is not ASCII: a message header outside
 * SMTPUTF8 is ASCII. Words of at most 45 bytes (75 characters encoded,
 * RFC 2047 2), cut where a character starts, one per folded line. */
static void
encoded_subject(struct buf *out, const struct buf *text)
{
	size_t i = 0, n, len;
	struct buf b64 = BUF_INIT;

	buf_append_str(out, "Subject:");
	if (!str_has_non_ascii(text->data, text->len)) {
		buf_append_byte(out, ' ');
		buf_append(out, text->data, text->len);
		buf_append_str(out, "\r\n");
		return;
	}
	while (i < text->len) {
		for (n = 0; i + n < text->len; n += len) {
			len = utf8_seq_len(text->data + i + n, text->len - i - n);
			len = len > 0 ? len : 1;	/* clean() left none */
			if (n + len > 45)
				break;
		}
		buf_truncate(&b64, 0);
		crypto_base64_encode(text->data + i, n, &b64);
		buf_printf(out, "%s=?utf-8?B?%s?=", i > 0 ? "\r\n " : " ",
		    buf_cstr(&b64));
		i += n;
	}
	buf_append_str(out, "\r\n");
	buf_deinit(&b64);
}

/* part_encoding - the transfer encoding that says what a part holds:
 * 8bit when any byte is above 0x7f (RFC 2045 6.2; the MTA downgrades it
 * for a 7-bit hop), else 7bit */
static const char *
part_encoding(const void *p, size_t n)
{
	return str_has_non_ascii(p, n) ? "8bit" : "7bit";
}

/* field - "Name: value" CRLF with the value cleaned */
static void
field(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, "%s: ", name);
	clean(out, value);
	buf_append_str(out, "\r\n");
}

/* fold_at_spaces - append line to out folded before its spaces so lines
 * stay within 78 characters where a run without spaces allows; false
 * (out unchanged) when a line would still pass 998 */
static bool
fold_at_spaces(struct buf *out, const char *line, size_t len)
{
	size_t start = out->len, col = 0, i = 0, seg;

	while (i <= len) {
		seg = 0;
		while (i + seg < len && line[i + seg] != ' ')
			seg++;
		if (i > 0) {	/* line[i - 1] is a space */
			if (col + 1 + seg > 78 && seg > 0) {
				buf_append_str(out, "\r\n");
				col = 0;
			}
			buf_append_byte(out, ' ');
			col++;
		}
		buf_append(out, line + i, seg);
		col += seg;
		if (col > 998) {
			buf_truncate(out, start);
			return false;
		}
		i += seg + 1;
	}
	return true;
}

bool
report_afrf_spf_dns(struct buf *out, const char *domain, const char *record)
{
	struct buf line = BUF_INIT;
	const unsigned char *p;
	bool ok;

	if (strlen(record) > REPORT_SPF_DNS_MAX)
		return false;
	buf_append_str(&line, "SPF-DNS: txt : ");
	clean(&line, domain);
	buf_append_str(&line, " : \"");
	for (p = (const unsigned char *)record; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_byte(&line, '\\');
		buf_append_byte(&line, *p < 0x20 || *p >= 0x7f ? '?' : *p);
	}
	buf_append_byte(&line, '"');
	ok = fold_at_spaces(out, (const char *)line.data, line.len);
	if (ok)
		buf_append_str(out, "\r\n");
	buf_deinit(&line);
	return ok;
}

/* redacted_field - field() for a value that may hold an address of the
 * message: its local-parts hidden when redact is on */
static void
redacted_field(struct buf *out, const char *name, const char *value,
    bool redact)
{
	struct buf v = BUF_INIT;

	if (!redact) {
		field(out, name, value);
		return;
	}
	clean(&v, value);
	buf_printf(out, "%s: ", name);
	report_redact_text(out, v.data, v.len);
	buf_append_str(out, "\r\n");
	buf_deinit(&v);
}

/* feedback_fields - the machine-readable part's fields (RFC 6591 3.1) */
static void
feedback_fields(struct buf *out, const struct report_afrf *r,
    const char *date)
{
	size_t i;

	buf_append_str(out, "Feedback-Type: auth-failure\r\nVersion: 1\r\n");
	field(out, "User-Agent", r->user_agent);
	buf_append_str(out, "Auth-Failure: dmarc\r\n");
	field(out, "Authentication-Results", r->auth_results);
	field(out, "Identity-Alignment", r->identity_alignment);
	if (r->dkim_domain != NULL) {
		field(out, "DKIM-Domain", r->dkim_domain);
		buf_append_str(out, "DKIM-Identity: @");
		clean(out, r->dkim_domain);
		buf_append_str(out, "\r\n");
		field(out, "DKIM-Selector", r->dkim_selector);
	}
	for (i = 0; i < r->spf_record_count; i++)
		(void)report_afrf_spf_dns(out, r->spf_domain, r->spf_records[i]);
	if (r->delivery_result != NULL)
		field(out, "Delivery-Result", r->delivery_result);
	/* the sender's own identifier of the message (RFC 5965 3.2, RFC
	 * 3461's ENVID), redacted as the sender address is: not our queue
	 * id, which means nothing to the domain owner */
	if (*r->envelope_id != '\0')
		redacted_field(out, "Original-Envelope-Id", r->envelope_id,
		    !r->keep_local_parts);
	/* a VERP or SRS sender carries a recipient's address: redacted like
	 * the header fields. No Original-Rcpt-To is written (the job has no
	 * recipients); one would need redacting the same way. */
	redacted_field(out, "Original-Mail-From", *r->mail_from != '\0' ?
	    r->mail_from : "<>", !r->keep_local_parts);
	field(out, "Arrival-Date", date);
	field(out, "Source-IP", r->source_ip);
	field(out, "Reported-Domain", r->reported_domain);
}

/* pick_boundary - "=_authmilter_afrf_<n>" with the smallest n whose
 * delimiter ("--" and the boundary) is nowhere in the parts' text. The
 * copied header block is the sender's: a field name may start with any
 * fixed delimiter, and a MIME reader takes a line that starts with it as
 * the end of a part (RFC 2046 5.1.1). Looking for it anywhere, not only
 * at line starts, also catches a longer boundary it is a prefix of. */
static void
pick_boundary(char *b, size_t n, const char *headers, const char *part)
{
	char delim[64];
	unsigned k;

	for (k = 0;; k++) {
		(void)snprintf(b, n, "=_authmilter_afrf_%u", k);  /* fits */
		(void)snprintf(delim, sizeof(delim), "--%s", b);
		if (strstr(headers, delim) == NULL && strstr(part, delim) == NULL)
			return;
	}
}

void
report_afrf_build(struct buf *out, const struct report_afrf *r)
{
	char boundary[48];
	struct buf date = BUF_INIT, subj = BUF_INIT, part = BUF_INIT;
	struct buf text = BUF_INIT;

	report_rfc5322_date(&date, r->date);
	buf_append_str(&subj, "FW: ");
	clean(&text, r->subject);
	/* the Subject may name a person too (the human-readable part holds
	 * only the source IP and date, no address) */
	if (!r->keep_local_parts)
		report_redact_text(&subj, text.data, text.len);
	else
		buf_append(&subj, text.data, text.len);
	buf_deinit(&text);
	field(out, "From", r->from);
	field(out, "To", r->to);
	field(out, "Date", buf_cstr(&date));
	encoded_subject(out, &subj);
	feedback_fields(&part, r, buf_cstr(&date));
	pick_boundary(boundary, sizeof(boundary), r->headers, buf_cstr(&part));
	buf_printf(out, "Message-ID: <");
	clean(out, r->message_id);
	buf_printf(out, ">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report;"
	    " report-type=feedback-report;\r\n boundary=\"%s\"\r\n\r\n"
	    "This is a MIME-formatted message.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n"
	    "This is an authentication failure report for an email message\r\n"
	    "received from IP ", boundary, boundary);
	clean(out, r->source_ip);
	buf_printf(out, " on %s.\r\n\r\n--%s\r\n"
	    "Content-Type: message/feedback-report\r\n", buf_cstr(&date),
	    boundary);
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
	    part_encoding(part.data, part.len));
	buf_append(out, part.data, part.len);
	buf_printf(out, "\r\n--%s\r\nContent-Type: text/rfc822-headers\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", boundary,
	    part_encoding(r->headers, strlen(r->headers)));
	buf_append_str(out, r->headers);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_deinit(&date);
	buf_deinit(&subj);
	buf_deinit(&part);
}
