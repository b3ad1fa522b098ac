/*
 * mailaddr.c - RFC 5322 address-list parsing for the From header field
 *
 * Purpose: find the author domain(s) DMARC evaluates (RFC 9989 "Extract
 * Author Domain", RFC 7489 3.1, RFC 5322 3.4 and 3.6.2), from header
 * bytes that may be hostile.
 *
 * Exported:
 *   mailaddr_parse_list   - header value -> list of (local, domain)
 *   mailaddr_list_free    - free a list
 *   mailaddr_status_name  - status word for logs
 *
 * Method: a tokenizer turns the value into atoms, quoted strings, domain
 * literals, encoded words and the specials < > @ , ; : . ; white space,
 * folding (CR, LF) and comments (nested, RFC 5322 3.2.2) are dropped. A
 * recursive-descent parser then reads address-list / group / mailbox /
 * angle-addr / addr-spec including the obsolete forms of RFC 5322 4.4
 * (obs-route, empty list elements, CFWS around dots).
 *
 * Choices (each one closes a spoofing path):
 * - An RFC 2047 encoded word is one phrase token even when its text holds
 *   "<", "@" or ",": "=?utf-8?q?ceo@bank.example?= <x@evil.example>" is the
 *   mailbox x@evil.example, never bank.example.
 * - "@" in an unquoted display name ("a@bank.example <x@evil.example>") is a
 *   syntax error, not a guess: the caller then applies its policy for an
 *   unusable From (never a silent pass).
 * - Trailing garbage after a mailbox is a syntax error.
 * - Domain literals ([192.0.2.1]) give MAILADDR_R_BAD_DOMAIN: DMARC needs a
 *   DNS name. Domain labels hold letters, digits, "-", "_" or UTF-8 bytes
 *   (RFC 6532; passed through, only ASCII is lower-cased; checking them and
 *   turning U-labels into A-labels is idna.c's job). The 63- and 253-byte
 *   limits hold for ASCII names; a name with UTF-8 bytes is held to them
 *   in its A-label form by idna.c, so here only to 4 bytes a code point.
 * - The local part is kept leniently (double dots are seen in real mail);
 *   only the domain matters to DMARC.
 *
 * Caller guarantees: p points to len readable bytes (no NUL needed).
 * Errors: a mailaddr_status and a static reason; never aborts on input.
 * Ownership: the list owns its strings; free with mailaddr_list_free.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mailaddr.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

enum tok_type {
	TK_ATOM, TK_EWORD, TK_QSTR, TK_DLIT, TK_DOT,
	TK_LT, TK_GT, TK_AT, TK_COMMA, TK_SEMI, TK_COLON, TK_END
};

struct tok {
	enum tok_type type;
	const unsigned char *p;	/* ATOM/EWORD: text; QSTR: inside quotes */
	size_t len;
};

/* Tokens a short value (a typical From) is split into without an
 * allocation: a value of len bytes has at most len tokens and the end. */
#define MAILADDR_SMALL_TOKS 64

struct parser {
	struct tok *t;		/* small, or allocated for a long value */
	size_t n, i;
	struct tok small[MAILADDR_SMALL_TOKS];
	struct mailaddr_list *out;
	const char *why;
	enum mailaddr_status st;
};

/* mailaddr_atext - 1 for the bytes of RFC 5322 3.2.3 atext (letters,
 * digits and !#$%&'*+-/=?^_`{|}~) and for 8-bit UTF-8 bytes (RFC 6532
 * 3.2): a lookup instead of a strchr per byte of every atom (issue 18);
 * test_mailaddr checks it against that definition */
const unsigned char mailaddr_atext[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1,	/* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xf0 */
};

/* is_atext - RFC 5322 3.2.3 atext, plus UTF-8 bytes (RFC 6532 3.2) */
static bool
is_atext(unsigned char c)
{
	return mailaddr_atext[c] != 0;
}

/* eword_len - length of an RFC 2047 encoded word at p, 0 if none */
static size_t
eword_len(const unsigned char *p, size_t len)
{
	size_t i = 2, part;
	int q;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	/* charset ? encoding ? text ?= ; no space, control or '?' inside */
	for (q = 0; q < 2; q++) {
		part = 0;
		while (i < len && p[i] != '?' && p[i] > ' ' && p[i] != 0x7f) {
			i++;
			part++;
		}
		if (part == 0 || i >= len || p[i] != '?')
			return 0;
		i++;
	}
	while (i < len && p[i] != '?' && p[i] > ' ' && p[i] != 0x7f)
		i++;
	if (i + 1 < len && p[i] == '?' && p[i + 1] == '=')
		return i + 2;
	return 0;
}

/* skip_comment - skip a nested comment starting at p[*ip] == '(' */
static bool
skip_comment(const unsigned char *p, size_t len, size_t *ip, const char **why)
{
	size_t i = *ip;
	unsigned depth = 0;

	for (; i < len; i++) {
		if (p[i] == '\\') {
			i++;
		} else if (p[i] == '(') {
			if (++depth > MAILADDR_MAX_NEST) {
				*why = "comments nested too deep";
				return false;
			}
		} else if (p[i] == ')') {
			if (--depth == 0) {
				*ip = i + 1;
				return true;
			}
		} else if (p[i] == '\0') {
			*why = "NUL byte in comment";
			return false;
		}
	}
	*why = "unterminated comment";
	return false;
}

/* tokenize - split the value into tokens; false with *why on bad bytes */
static bool
tokenize(const unsigned char *p, size_t len, struct parser *ps)
{
	size_t i = 0, j;
	struct tok *t;

	if (len + 1 <= MAILADDR_SMALL_TOKS) {
		/* zeroed like the allocated array: the parser may look one
		 * token past TK_END */
		ps->t = ps->small;
		memset(ps->t, 0, (len + 1) * sizeof(*ps->t));
	} else {
		ps->t = xcalloc(len + 1, sizeof(*ps->t));
	}
	ps->n = 0;
	while (i < len) {
		unsigned char c = p[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
			continue;
		}
		if (c == '(') {
			if (!skip_comment(p, len, &i, &ps->why))
				return false;
			continue;
		}
		t = &ps->t[ps->n++];
		t->p = p + i;
		t->len = 1;
		switch (c) {
		case '<': t->type = TK_LT; i++; continue;
		case '>': t->type = TK_GT; i++; continue;
		case '@': t->type = TK_AT; i++; continue;
		case ',': t->type = TK_COMMA; i++; continue;
		case ';': t->type = TK_SEMI; i++; continue;
		case ':': t->type = TK_COLON; i++; continue;
		case '.': t->type = TK_DOT; i++; continue;
		case '"':
			t->type = TK_QSTR;
			for (j = i + 1; j < len && p[j] != '"'; j++) {
				if (p[j] == '\\')
					j++;
				else if (p[j] == '\0')
					break;
			}
			if (j >= len || p[j] != '"') {
				ps->why = "unterminated quoted string";
				return false;
			}
			t->p = p + i + 1;
			t->len = j - i - 1;
			i = j + 1;
			continue;
		case '[':
			t->type = TK_DLIT;
			for (j = i + 1; j < len && p[j] != ']'; j++)
				if (p[j] == '[' || p[j] == '\\' || p[j] == '\0')
					break;
			if (j >= len || p[j] != ']') {
				ps->why = "unterminated domain literal";
				return false;
			}
			t->len = j - i + 1;
			i = j + 1;
			continue;
		default:
			break;
		}
		if ((j = eword_len(p + i, len - i)) > 0) {
			t->type = TK_EWORD;
			t->len = j;
			i += j;
			continue;
		}
		if (!is_atext(c)) {
			ps->why = c == ')' ? "unbalanced ')'" :
			    c == '\0' ? "NUL byte" : "character not allowed";
			return false;
		}
		t->type = TK_ATOM;
		for (j = i; j < len && is_atext(p[j]); j++)
			;
		t->len = j - i;
		i = j;
	}
	ps->t[ps->n].type = TK_END;
	return true;
}

/* fail - record the first error */
static bool
fail(struct parser *ps, enum mailaddr_status st, const char *why)
{
	if (ps->st == MAILADDR_OK) {
		ps->st = st;
		ps->why = why;
	}
	return false;
}

/* cur - type of the current token */
static enum tok_type
cur(const struct parser *ps)
{
	return ps->t[ps->i].type;
}

/* first_special - the first structural token at or after the cursor */
static enum tok_type
first_special(const struct parser *ps, size_t *at_r)
{
	size_t i;

	for (i = ps->i; i < ps->n; i++) {
		switch (ps->t[i].type) {
		case TK_LT: case TK_GT: case TK_AT: case TK_COMMA:
		case TK_SEMI: case TK_COLON:
			*at_r = i;
			return ps->t[i].type;
		default:
			break;
		}
	}
	*at_r = ps->n;
	return TK_END;
}

/* phrase_ok - tokens [from, to) form a (possibly obsolete) phrase */
static bool
phrase_ok(const struct parser *ps, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		enum tok_type ty = ps->t[i].type;

		if (ty != TK_ATOM && ty != TK_EWORD && ty != TK_QSTR &&
		    ty != TK_DOT)
			return false;
	}
	return true;
}

/* parse_domain - dot-atom / obs-domain; appends the lower-cased name */
static bool
parse_domain(struct parser *ps, struct buf *d)
{
	bool want_label = true, utf8 = false;
	size_t lab, k;

	if (cur(ps) == TK_DLIT)
		return fail(ps, MAILADDR_R_BAD_DOMAIN, "domain literal");
	if (cur(ps) != TK_ATOM)
		return fail(ps, MAILADDR_R_NO_DOMAIN, "missing domain");
	for (;;) {
		const struct tok *t = &ps->t[ps->i];

		if (t->type == TK_ATOM && want_label) {
			bool lab_utf8 = false;

			lab = t->len;
			for (k = 0; k < lab; k++) {
				unsigned char c = t->p[k];

				if (!ascii_isalnum(c) && c != '-' && c != '_' &&
				    c < 0x80)
					return fail(ps, MAILADDR_R_BAD_DOMAIN,
					    "bad character in domain");
				lab_utf8 |= c >= 0x80;
				buf_append_byte(d, ascii_tolower(c));
			}
			if (lab > (lab_utf8 ? MAILADDR_MAX_ULABEL :
			    MAILADDR_MAX_LABEL))
				return fail(ps, MAILADDR_R_TOO_LONG,
				    "domain label too long");
			utf8 |= lab_utf8;
			want_label = false;
		} else if (t->type == TK_DOT && !want_label) {
			want_label = true;
			if (ps->t[ps->i + 1].type == TK_DOT)
				return fail(ps, MAILADDR_R_BAD_DOMAIN,
				    "empty domain label");
			/* a final dot (absolute name) is dropped */
			if (ps->t[ps->i + 1].type != TK_ATOM) {
				ps->i++;
				break;
			}
			buf_append_byte(d, '.');
		} else if (t->type == TK_DOT || t->type == TK_ATOM ||
		    t->type == TK_EWORD || t->type == TK_QSTR ||
		    t->type == TK_DLIT) {
			return fail(ps, t->type == TK_DOT ?
			    MAILADDR_R_BAD_DOMAIN : MAILADDR_R_SYNTAX,
			    t->type == TK_DOT ? "empty domain label" :
			    "garbage after domain");
		} else {
			break;
		}
		ps->i++;
	}
	if (d->len > (utf8 ? MAILADDR_MAX_UDOMAIN : MAILADDR_MAX_DOMAIN))
		return fail(ps, MAILADDR_R_TOO_LONG, "domain too long");
	return true;
}

/* append_qstr - append a quoted string's content, undoing quoted-pairs */
static void
append_qstr(struct buf *b, const struct tok *t)
{
	size_t k;

	for (k = 0; k < t->len; k++) {
		unsigned char c = t->p[k];

		if (c == '\\' && k + 1 < t->len)
			c = t->p[++k];
		else if (c == '\r' || c == '\n')
			continue;	/* folding inside the quotes */
		buf_append_byte(b, c);
	}
}

/* parse_addr_spec - local-part "@" domain; adds one mailbox */
static bool
parse_addr_spec(struct parser *ps)
{
	struct buf local = BUF_INIT, dom = BUF_INIT;
	bool prev_word = false, any = false;
	struct mailaddr *a;

	for (;; ps->i++) {
		const struct tok *t = &ps->t[ps->i];

		if (t->type == TK_ATOM || t->type == TK_QSTR) {
			if (prev_word) {
				buf_deinit(&local);
				return fail(ps, MAILADDR_R_SYNTAX,
				    "words without dot in local-part");
			}
			if (t->type == TK_ATOM)
				buf_append(&local, t->p, t->len);
			else
				append_qstr(&local, t);
			prev_word = any = true;
		} else if (t->type == TK_DOT) {
			buf_append_byte(&local, '.');
			prev_word = false;
		} else {
			break;
		}
	}
	if (!any || local.len > MAILADDR_MAX_LOCAL) {
		buf_deinit(&local);
		return any ? fail(ps, MAILADDR_R_TOO_LONG, "local-part too long")
		    : fail(ps, MAILADDR_R_SYNTAX, "missing local-part");
	}
	if (cur(ps) != TK_AT) {
		buf_deinit(&local);
		return fail(ps, MAILADDR_R_NO_DOMAIN, "mailbox without domain");
	}
	ps->i++;
	if (!parse_domain(ps, &dom)) {
		buf_deinit(&local);
		buf_deinit(&dom);
		return false;
	}
	if (ps->out->count >= MAILADDR_MAX_ADDRS) {
		buf_deinit(&local);
		buf_deinit(&dom);
		return fail(ps, MAILADDR_R_TOO_LONG, "too many addresses");
	}
	ps->out->addrs = xreallocarray(ps->out->addrs, ps->out->count + 1,
	    sizeof(*ps->out->addrs));
	a = &ps->out->addrs[ps->out->count++];
	a->local = buf_steal(&local);
	a->domain = buf_steal(&dom);
	return true;
}

/* skip_obs_route - obs-route of RFC 5322 4.4: "@a,@b:" before addr-spec */
static bool
skip_obs_route(struct parser *ps)
{
	struct buf scratch = BUF_INIT;
	bool ok = true;

	while (ok && cur(ps) == TK_AT) {
		ps->i++;
		buf_reset(&scratch);
		if (!parse_domain(ps, &scratch)) {
			ok = false;
			break;
		}
		while (cur(ps) == TK_COMMA)
			ps->i++;
	}
	buf_deinit(&scratch);
	if (!ok)
		return false;
	if (cur(ps) != TK_COLON)
		return fail(ps, MAILADDR_R_SYNTAX, "bad obsolete route");
	ps->i++;
	return true;
}

/* parse_mailbox - name-addr or addr-spec */
static bool
parse_mailbox(struct parser *ps)
{
	size_t at;
	enum tok_type sp = first_special(ps, &at);

	if (sp == TK_LT) {
		if (!phrase_ok(ps, ps->i, at))
			return fail(ps, MAILADDR_R_SYNTAX, "bad display name");
		ps->i = at + 1;
		if (cur(ps) == TK_AT && !skip_obs_route(ps))
			return false;
		if (cur(ps) == TK_GT)
			return fail(ps, MAILADDR_R_NO_DOMAIN, "empty angle address");
		if (!parse_addr_spec(ps))
			return false;
		if (cur(ps) != TK_GT)
			return fail(ps, MAILADDR_R_SYNTAX, "unterminated angle address");
		ps->i++;
		return true;
	}
	if (sp == TK_AT) {
		/* an "@" after a display name without "<" is not a mailbox */
		size_t i;

		for (i = ps->i; i < at; i++)
			if (ps->t[i].type == TK_EWORD)
				return fail(ps, MAILADDR_R_SYNTAX,
				    "encoded word in addr-spec");
		return parse_addr_spec(ps);
	}
	if (ps->i == at)
		return fail(ps, MAILADDR_R_SYNTAX, "empty mailbox");
	if (sp == TK_GT)
		return fail(ps, MAILADDR_R_SYNTAX, "unbalanced '>'");
	return fail(ps, MAILADDR_R_NO_DOMAIN, "mailbox without domain");
}

/* parse_group - display-name ":" [group-list] ";" (RFC 5322 3.4) */
static bool
parse_group(struct parser *ps, size_t colon)
{
	if (colon == ps->i || !phrase_ok(ps, ps->i, colon))
		return fail(ps, MAILADDR_R_SYNTAX, "bad group name");
	ps->i = colon + 1;
	for (;;) {
		switch (cur(ps)) {
		case TK_SEMI:
			ps->i++;
			return true;
		case TK_COMMA:
			ps->i++;
			continue;
		case TK_END:
			return fail(ps, MAILADDR_R_SYNTAX, "unterminated group");
		default:
			break;
		}
		{
			size_t at;
			if (first_special(ps, &at) == TK_COLON && at < ps->n)
				return fail(ps, MAILADDR_R_SYNTAX, "nested group");
		}
		if (!parse_mailbox(ps))
			return false;
		if (cur(ps) != TK_COMMA && cur(ps) != TK_SEMI)
			return fail(ps, MAILADDR_R_SYNTAX, "garbage in group");
	}
}

/* parse_list - address-list with the obsolete empty elements */
static bool
parse_list(struct parser *ps)
{
	for (;;) {
		size_t at;
		enum tok_type sp;

		while (cur(ps) == TK_COMMA)
			ps->i++;
		if (cur(ps) == TK_END)
			return true;
		sp = first_special(ps, &at);
		if (sp == TK_COLON) {
			if (!parse_group(ps, at))
				return false;
		} else if (!parse_mailbox(ps)) {
			return false;
		}
		if (cur(ps) != TK_COMMA && cur(ps) != TK_END)
			return fail(ps, MAILADDR_R_SYNTAX, "trailing garbage");
	}
}

/* mailaddr_parse_list - parse a From header field value */
enum mailaddr_status
mailaddr_parse_list(const unsigned char *p, size_t len,
    struct mailaddr_list *out, const char **why_r)
{
	struct parser ps;

	/* all but the small token array, which tokenize prepares */
	memset(&ps, 0, offsetof(struct parser, small));
	out->count = 0;
	out->addrs = NULL;
	ps.out = out;
	ps.st = MAILADDR_OK;
	ps.why = "ok";
	if (len > MAILADDR_MAX_INPUT) {
		*why_r = "header value too long";
		return MAILADDR_R_TOO_LONG;
	}
	if (!tokenize(p, len, &ps)) {
		ps.st = MAILADDR_R_SYNTAX;
	} else if (ps.n == 0) {
		ps.st = MAILADDR_R_EMPTY;
		ps.why = "no address";
	} else {
		(void)parse_list(&ps);
	}
	if (ps.t != ps.small)
		free(ps.t);
	if (ps.st != MAILADDR_OK)
		mailaddr_list_free(out);
	*why_r = ps.why;
	return ps.st;
}

/* mailaddr_list_free - free every address */
void
mailaddr_list_free(struct mailaddr_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->addrs[i].local);
		free(l->addrs[i].domain);
	}
	free(l->addrs);
	l->addrs = NULL;
	l->count = 0;
}

/* mailaddr_status_name - status word for logs */
const char *
mailaddr_status_name(enum mailaddr_status s)
{
	switch (s) {
	case MAILADDR_OK: return "ok";
	case MAILADDR_R_EMPTY: return "empty";
	case MAILADDR_R_SYNTAX: return "syntax";
	case MAILADDR_R_NO_DOMAIN: return "no-domain";
	case MAILADDR_R_BAD_DOMAIN: return "bad-domain";
	case MAILADDR_R_TOO_LONG: return "too-long";
	}
	return "unknown";
}
