/*
 * dkim_sign.c - build the DKIM-Signature field for a message.
 *
 *   dkim_sign_alg_name  the a= value a key signs with
 *   dkim_sign_hlist     the h= list: signed, oversigned, From always,
 *                       Authentication-Results never (nor ARC-Seal in
 *                       an AMS)
 *   dkim_sign_field     the whole field value, b= included; with kind
 *                       DKIM_SIG_KIND_ARC_AMS an ARC-Message-Signature
 *                       (RFC 8617 4.1.2: i= instance, no v=)
 *   dkim_sign_append_b  sign hashed fields and append b= (also used by
 *                       the ARC sealer for ARC-Seal)
 *
 * Canonicalization and hashing are the verifier's own (dkim_canon.c), so
 * a signature we make is checked by exactly the code that checks others.
 * The caller owns every input; the result is appended to a buffer it owns.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dkim_sig.h"
#include "core/dkim_sign.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* dkim_sign_alg_name - a= for the key's type (SHA-256 only: RFC 8301) */
const char *
dkim_sign_alg_name(const struct crypto_privkey *key)
{
	return crypto_privkey_type(key) == CRYPTO_KEY_RSA ? "rsa-sha256" :
	    "ed25519-sha256";
}

/* count_named - fields of the message called name (case ignored) */
static size_t
count_named(const struct dkim_header *hdrs, size_t n, const char *name)
{
	struct dkim_name nm = { (const unsigned char *)name, strlen(name) };
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (dkim_canon_name_is(&hdrs[i], &nm))
			c++;
	return c;
}

/* in_list - name is one of list[0..n) (case ignored) */
static bool
in_list(const char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

/* never_signed - a name kept out of h= whatever the lists say:
 * Authentication-Results (RFC 8601 5: hosts delete or rewrite these in
 * transit, and the milter deletes forged ones of ours after signing and
 * adds its own above; signed or oversigned, each of these broke the
 * signature), and in an ARC-Message-Signature ARC-Seal (RFC 8617 4.1.2:
 * an AMS naming it is invalid) */
static bool
never_signed(const struct dkim_sign_params *p, const char *name)
{
	return ascii_strcasecmp(name, "Authentication-Results") == 0 ||
	    (p->kind == DKIM_SIG_KIND_ARC_AMS &&
	    ascii_strcasecmp(name, "ARC-Seal") == 0);
}

/* Trace fields hosts add in transit, authmilter among them (Received-SPF,
 * its ARC set, its second signature): one more entry for any of these in
 * h= fails the signature at the first host that adds one, so
 * OversignHeaders naming them signs the present fields only. */
static const char *const transit_fields[] = {
	"Received", "Return-Path", "Received-SPF", "DKIM-Signature",
	"ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
	NULL
};

bool
dkim_sign_transit_field(const char *name)
{
	size_t i;

	for (i = 0; transit_fields[i] != NULL; i++)
		if (ascii_strcasecmp(name, transit_fields[i]) == 0)
			return true;
	return false;
}

/* Fields an MTA adds after the milter to a message that has none:
 * Sendmail's relay mailers write Date and Message-Id (and, on resent
 * mail, the Resent- ones) at delivery, after end of message. Signed as
 * absent, each failed the signature at every receiver; when present
 * they are oversigned as usual. */
static const char *const added_if_absent[] = {
	"Date", "Message-ID", "Resent-Date", "Resent-Message-ID",
	"Resent-From", NULL
};

/* mta_may_add - name is one of added_if_absent, and absent */
static bool
mta_may_add(const struct dkim_header *hdrs, size_t nhdrs, const char *name)
{
	size_t i;

	for (i = 0; added_if_absent[i] != NULL; i++)
		if (ascii_strcasecmp(name, added_if_absent[i]) == 0)
			return count_named(hdrs, nhdrs, name) == 0;
	return false;
}

/* oversigned - one more entry for name than the message has */
static bool
oversigned(const struct dkim_sign_params *p, const struct dkim_header *hdrs,
    size_t nhdrs, const char *name)
{
	return in_list(p->oversign_headers, p->noversign, name) &&
	    !dkim_sign_transit_field(name) && !mta_may_add(hdrs, nhdrs, name);
}

/* add_name - append name k times; false when the cap would be passed */
static bool
add_name(struct buf *out, size_t *count, const char *name, size_t k)
{
	size_t i;

	if (*count + k > DKIM_SIG_MAX_HNAMES)
		return false;
	for (i = 0; i < k; i++) {
		if (*count > 0)
			buf_append_byte(out, ':');
		buf_append_str(out, name);
		(*count)++;
	}
	return true;
}

/* dkim_sign_hlist - the h= names, ':'-separated */
size_t
dkim_sign_hlist(const struct dkim_sign_params *p,
    const struct dkim_header *hdrs, size_t nhdrs, struct buf *out)
{
	size_t i, count = 0, start = out->len;
	bool ok = true;

	if (count_named(hdrs, nhdrs, "From") == 0)
		return 0;
	/* RFC 6376 5.4: From must be signed whatever the lists say */
	if (!in_list(p->sign_headers, p->nsign, "From") &&
	    !in_list(p->oversign_headers, p->noversign, "From"))
		ok = add_name(out, &count, "From", count_named(hdrs, nhdrs, "From"));
	for (i = 0; ok && i < p->nsign; i++) {
		const char *name = p->sign_headers[i];
		size_t k = count_named(hdrs, nhdrs, name);

		if (in_list(p->sign_headers, i, name) || never_signed(p, name))
			continue;	/* listed twice, or never signed */
		if (oversigned(p, hdrs, nhdrs, name))
			k++;
		ok = add_name(out, &count, name, k);
	}
	for (i = 0; ok && i < p->noversign; i++) {
		const char *name = p->oversign_headers[i];

		if (in_list(p->sign_headers, p->nsign, name) ||
		    in_list(p->oversign_headers, i, name) ||
		    never_signed(p, name))
			continue;
		ok = add_name(out, &count, name, count_named(hdrs, nhdrs, name) +
		    (oversigned(p, hdrs, nhdrs, name) ? 1 : 0));
	}
	if (!ok) {
		buf_truncate(out, start);
		return 0;
	}
	return count;
}

/* fold_append - append s, starting a new line ("\r\n\t") first when it
 * would pass the fold column; *col tracks the current column */
static void
fold_append(struct buf *v, size_t *col, const char *s, size_t n)
{
	if (*col + n > DKIM_SIGN_FOLD && *col > 1) {
		buf_append_str(v, "\r\n\t");
		*col = 8;
	}
	buf_append(v, s, n);
	*col += n;
}

/* append_hlist - h=name:name:..., folded after colons */
static void
append_hlist(struct buf *v, size_t *col, const char *h)
{
	fold_append(v, col, " h=", 3);
	while (*h != '\0') {
		const char *c = strchr(h, ':');
		size_t n = c != NULL ? (size_t)(c - h) + 1 : strlen(h);

		fold_append(v, col, h, n);
		h += n;
	}
	buf_append_byte(v, ';');
	(*col)++;
}

/* append_b64_folded - base64 of p, broken into lines (FWS is allowed
 * anywhere in bh= and b=, RFC 6376 3.5) */
static void
append_b64_folded(struct buf *v, size_t *col, const unsigned char *p,
    size_t len)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	crypto_base64_encode(p, len, &b);
	while (i < b.len) {
		size_t room = *col < DKIM_SIGN_FOLD ? DKIM_SIGN_FOLD - *col : 0;
		size_t n;

		if (room == 0) {
			buf_append_str(v, "\r\n\t");
			*col = 8;
			continue;
		}
		n = b.len - i < room ? b.len - i : room;
		buf_append(v, b.data + i, n);
		*col += n;
		i += n;
	}
	buf_deinit(&b);
}

/* append_qp - s in dkim-quoted-printable (RFC 6376 2.11), the form of
 * i= (3.5): a byte outside dkim-safe-char (SP, controls, ';', '=',
 * 8-bit) as "=XX"; a local-part such as "bounce=list" or a quoted one
 * with ';' or SP stays one tag value that verifiers decode back */
static void
append_qp(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *q;

	for (q = (const unsigned char *)s; *q != '\0'; q++) {
		if (*q > ' ' && *q < 0x7f && *q != ';' && *q != '=')
			buf_append_byte(out, *q);
		else {
			buf_append_byte(out, '=');
			buf_append_byte(out, (unsigned char)hex[*q >> 4]);
			buf_append_byte(out, (unsigned char)hex[*q & 15]);
		}
	}
}

/* build_unsigned - the value up to and including "b=" (what is hashed) */
static void
build_unsigned(const struct dkim_sign_params *p, const char *hlist,
    const unsigned char *bh, size_t bhlen, struct buf *v)
{
	char tmp[600];
	size_t col = 16;	/* "DKIM-Signature: " */
	int n;

	if (p->kind == DKIM_SIG_KIND_ARC_AMS) {
		col = 23;	/* "ARC-Message-Signature: " */
		n = snprintf(tmp, sizeof(tmp), " i=%u; a=%s; c=%s/%s;",
		    p->instance, dkim_sign_alg_name(p->key),
		    dkim_canon_name(p->hcanon), dkim_canon_name(p->bcanon));
	} else
		n = snprintf(tmp, sizeof(tmp), " v=1; a=%s; c=%s/%s;",
		    dkim_sign_alg_name(p->key), dkim_canon_name(p->hcanon),
		    dkim_canon_name(p->bcanon));
	fold_append(v, &col, tmp, (size_t)n);
	/* d= and s= are checked domain names (<= 253 bytes): they fit */
	n = snprintf(tmp, sizeof(tmp), " d=%s;", p->domain);
	fold_append(v, &col, tmp, (size_t)n);
	n = snprintf(tmp, sizeof(tmp), " s=%s;", p->selector);
	fold_append(v, &col, tmp, (size_t)n);
	if (p->auid != NULL && p->kind != DKIM_SIG_KIND_ARC_AMS) {
		struct buf i = BUF_INIT;

		buf_append_str(&i, " i=");
		append_qp(&i, p->auid);
		buf_append_byte(&i, ';');
		/* one unfolded run: left out rather than pass the 998-octet
		 * line limit (RFC 5322 2.1.1); the default i= applies then */
		if (i.len <= 900)
			fold_append(v, &col, (const char *)i.data, i.len);
		buf_deinit(&i);
	}
	if (p->t > 0) {
		n = snprintf(tmp, sizeof(tmp), " t=%" PRId64 ";", p->t);
		fold_append(v, &col, tmp, (size_t)n);
	}
	if (p->t > 0 && p->ttl > 0 && p->kind == DKIM_SIG_KIND_DKIM) {
		n = snprintf(tmp, sizeof(tmp), " x=%" PRId64 ";", p->t + p->ttl);
		fold_append(v, &col, tmp, (size_t)n);
	}
	append_hlist(v, &col, hlist);
	fold_append(v, &col, " bh=", 4);
	append_b64_folded(v, &col, bh, bhlen);
	fold_append(v, &col, "; b=", 4);
}

/* split_hlist - names pointing into h (':'-separated) */
static size_t
split_hlist(const char *h, struct dkim_name *names, size_t max)
{
	size_t n = 0;

	while (*h != '\0' && n < max) {
		const char *c = strchr(h, ':');
		size_t l = c != NULL ? (size_t)(c - h) : strlen(h);

		names[n].p = (const unsigned char *)h;
		names[n].len = l;
		n++;
		h += l + (c != NULL);
	}
	return n;
}

/* crlf_headers - copies of the fields with values in CRLF form, as the
 * canonicalizer requires; *hb holds the bytes, out[] points into it */
static void
crlf_headers(const struct dkim_header *in, size_t n, struct buf *hb,
    struct dkim_header *out)
{
	size_t i, *off = xreallocarray(NULL, n ? n : 1, sizeof(*off));

	for (i = 0; i < n; i++) {
		off[i] = hb->len;
		dkim_canon_crlf(in[i].value, in[i].value_len, hb);
	}
	for (i = 0; i < n; i++) {
		out[i].name = in[i].name;
		out[i].name_len = in[i].name_len;
		out[i].value = hb->data + off[i];
		out[i].value_len = (i + 1 < n ? off[i + 1] : hb->len) - off[i];
	}
	free(off);
}

/* dkim_sign_field - the complete DKIM-Signature value */
bool
dkim_sign_field(const struct dkim_sign_params *p,
    const struct dkim_header *hdrs, size_t nhdrs, const unsigned char *bh,
    size_t bhlen, struct buf *value_r, const char **why_r)
{
	struct dkim_name names[DKIM_SIG_MAX_HNAMES];
	struct buf hlist = BUF_INIT, v = BUF_INIT, hashed = BUF_INIT;
	struct buf hb = BUF_INIT;
	struct dkim_header *ch;
	size_t nn;
	bool ok = false;

	if (!dkim_domain_ok(p->domain) || !dkim_domain_ok(p->selector)) {
		*why_r = "bad d= or s= name";
		return false;
	}
	if (dkim_sign_hlist(p, hdrs, nhdrs, &hlist) == 0) {
		*why_r = nhdrs == 0 || count_named(hdrs, nhdrs, "From") == 0 ?
		    "no From field" : "too many header fields to sign";
		buf_deinit(&hlist);
		return false;
	}
	ch = xreallocarray(NULL, nhdrs, sizeof(*ch));
	crlf_headers(hdrs, nhdrs, &hb, ch);
	nn = split_hlist(buf_cstr(&hlist), names, DKIM_SIG_MAX_HNAMES);
	build_unsigned(p, buf_cstr(&hlist), bh, bhlen, &v);
	/* RFC 6376 3.7: the selected fields, then this field with b= empty
	 * and no final CRLF */
	dkim_canon_select(p->hcanon, ch, nhdrs, SIZE_MAX, names, nn, &hashed);
	if (p->kind == DKIM_SIG_KIND_ARC_AMS)
		dkim_canon_header(p->hcanon,
		    (const unsigned char *)"ARC-Message-Signature", 21, v.data,
		    v.len, false, &hashed);
	else
		dkim_canon_header(p->hcanon,
		    (const unsigned char *)"DKIM-Signature", 14, v.data, v.len,
		    false, &hashed);
	if (dkim_sign_append_b(p->key, &hashed,
	    p->kind == DKIM_SIG_KIND_ARC_AMS ? 23 : 16, &v, why_r)) {
		buf_append(value_r, v.data, v.len);
		ok = true;
	}
	free(ch);
	buf_deinit(&hlist);
	buf_deinit(&v);
	buf_deinit(&hashed);
	buf_deinit(&hb);
	return ok;
}

/* dkim_sign_append_b - sign what was hashed, append b= folded */
bool
dkim_sign_append_b(const struct crypto_privkey *key, const struct buf *hashed,
    size_t hdr_col, struct buf *v, const char **why_r)
{
	struct buf sig = BUF_INIT;
	unsigned char hd[CRYPTO_DIGEST_MAX];
	struct crypto_digest *d;
	const unsigned char *nl = NULL;
	size_t i, hdlen, col;
	bool ok = false;

	d = crypto_digest_new(CRYPTO_HASH_SHA256);
	crypto_digest_update(d, hashed->data, hashed->len);
	hdlen = crypto_digest_final(d, hd);
	crypto_digest_free(&d);
	if (crypto_sign(key, CRYPTO_HASH_SHA256, hd, hdlen, &sig)) {
		/* the column after "b=": from the last line break */
		for (i = v->len; i > 0 && nl == NULL; i--)
			if (v->data[i - 1] == '\n')
				nl = v->data + i;
		col = nl != NULL ? 8 + (size_t)(v->data + v->len - nl) - 1 :
		    hdr_col + v->len;
		append_b64_folded(v, &col, sig.data, sig.len);
		ok = true;
	} else
		*why_r = "signing with the private key failed";
	buf_deinit(&sig);
	return ok;
}
