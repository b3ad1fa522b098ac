/*
 * report_redact.c - RFC 6590 redaction for DMARC failure reports: the
 * local-part of every address in a copied header field, in the Subject
 * and in the sender becomes "redacted"; the domain stays.
 *
 *   report_redact_header  one original header field, local-parts hidden
 *   report_redact_text    the same for a value of ours (Subject, sender)
 *
 * Pure: no I/O. Idempotent: redacting the output again changes nothing
 * (tests/unit/test_report_redact.c checks it on random strings).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_redact.h"
#include "util/str.h"

/*
 * Redaction (RFC 6590): every local-part followed by "@" and a domain, in
 * every header field, becomes "redacted" (a valid dot-atom, so the field
 * keeps its syntax); the domain stays, as that is what the report is about.
 * White space and comments (CFWS) around the '@' do not hide a local-part:
 * "bob (c) @d.example" loses "bob (c) ", "bob@ d.example" keeps " d.example".
 * Nor does CFWS next to a dot between words: "john . smith@d" loses all
 * of "john . smith" (RFC 5322 4.4 obs-local-part).
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
 * '@' is hidden too, which errs the safe way), and the backslash, which
 * MTAs read as quoting the next character even outside a quoted-string
 * ("a\@b@d" is a@b at d to them) */
static bool
is_local_char(unsigned char c)
{
	return ascii_isalnum(c) || c >= 0x80 || (c != '\0' &&
	    strchr(".!#$%&'*+-/=?^_`{|}~\\", c) != NULL);
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
	return ascii_iswsp(c) || c == '\r' || c == '\n';
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

/* units_back - before the run of units ending at s[o - 1]. CFWS next to
 * a dot is crossed too: RFC 5322 4.4's obs-local-part puts CFWS around
 * each word, and an MTA reads "john . smith@d" as john.smith@d, so
 * stopping at the white space left "john . " in the report */
static size_t
units_back(const struct scan *sc, const unsigned char *s, size_t o)
{
	size_t p;

	for (;;) {
		while ((p = unit_back(sc, s, o)) < o)
			o = p;
		p = cfws_back(sc, s, o);
		if (p == o || unit_back(sc, s, p) == p ||
		    (s[o] != '.' && s[p - 1] != '.'))
			return o;
		o = p;
	}
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
		o = units_back(sc, s, p);
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

