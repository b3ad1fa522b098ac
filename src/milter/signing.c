/*
 * signing.c - DKIM signing in the milter.
 *
 * Mail from InternalHosts or an SMTP-authenticated client is signed
 * (when Mode has s); other mail is verified instead (checks.c). At end of
 * header the From address chooses the keys (sign_setup_select, from the
 * config snapshot the message started with: keys are never read here;
 * its domain in A-labels, RFC 8616 3);
 * the body then streams into one shared body hash; at end of message the
 * core builds each DKIM-Signature (dkim_sign_field) from the header
 * fields the session kept. A message whose header went over MaxHeaders or
 * MaxHeaderBytes is not signed: the fields to sign may be among those not
 * kept, and a signature over a partial header would not verify.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dkim_sign.h"
#include "core/headers.h"
#include "core/idna.h"
#include "core/mailaddr.h"
#include "metrics/metrics.h"
#include "milter/session.h"
#include "milter/signing.h"
#include "util/str.h"
#include "util/xmalloc.h"

void
signing_mail_from(struct session *s, bool exempt)
{
	struct signing *sg = &s->msg.signing;

	buf_init(&sg->done);
	if (!exempt) {
		sg->skip_why = "external";
		return;
	}
	if (!conf_mode_sign(s->msg.conf)) {
		sg->skip_why = "Mode";
		return;
	}
	if (s->msg.conf->sign == NULL) {
		sg->skip_why = "no keys configured";
		return;
	}
	sg->candidate = true;
}

/* author - the single From mailbox; NULL with *why_r otherwise */
static bool
author(const struct headers *h, struct mailaddr_list *l, const char **why_r)
{
	const struct header *from = NULL;
	size_t i;

	for (i = 0; i < h->count; i++) {
		if (h->list[i].hides_from) {
			*why_r = "From hidden after a bare CR";
			return false;
		}
		if (h->list[i].kind != HEADER_FROM)
			continue;
		if (from != NULL) {
			*why_r = "several From fields";
			return false;
		}
		from = &h->list[i];
	}
	if (from == NULL) {
		*why_r = "no From field";
		return false;
	}
	if (mailaddr_parse_list(from->value, from->value_len, l, why_r) !=
	    MAILADDR_OK || l->count != 1) {
		*why_r = "From is not one mailbox";
		return false;
	}
	return true;
}

void
signing_eoh(struct session *s)
{
	struct message *m = &s->msg;
	struct signing *sg = &m->signing;
	struct mailaddr_list l;
	struct idna_name dom;
	const char *why = NULL;

	if (!sg->candidate)
		return;
	memset(&l, 0, sizeof(l));
	if (m->headers_capped) {
		sg->skip_why = "headers over MaxHeaders/MaxHeaderBytes";
		return;
	}
	if (!author(&m->headers, &l, &why)) {
		sg->skip_why = why;
		mailaddr_list_free(&l);
		return;
	}
	/* RFC 8616 3: U-labels in RFC 6532 mail are matched as A-labels,
	 * as DMARC converts them before it checks alignment (6); d= is the
	 * A-label too: RFC 8616 5 prefers U-labels there but keeps A-labels
	 * valid, and verifiers older than it look the key up by d= as
	 * written, so a U-label d= would fail with them */
	if (idna_domain((const unsigned char *)l.addrs[0].domain,
	    strlen(l.addrs[0].domain), &dom, NULL) != IDNA_OK) {
		sg->skip_why = "From domain is not a valid IDNA2008 name";
		mailaddr_list_free(&l);
		return;
	}
	sg->choices = arena_alloc(&m->arena,
	    SIGN_MAX_SIGNATURES * sizeof(*sg->choices));
	sg->nchoices = sign_setup_select(m->conf->sign, l.addrs[0].local,
	    dom.ascii, sg->choices, SIGN_MAX_SIGNATURES);
	mailaddr_list_free(&l);
	if (sg->nchoices == 0) {
		sg->skip_why = "no key for the From address";
		return;
	}
	conf_canon(m->conf, &sg->hcanon, &sg->bcanon);
	/* Without SMFIP_HDR_LEADSPC (Postfix milter_protocol 2 to 4) the
	 * MTA dropped the space after each colon and milter.c guessed it
	 * back: "Subject:x" is hashed as "Subject: x", which simple header
	 * canonicalization turns into a signature no receiver verifies.
	 * Relaxed header canonicalization does not depend on that space. */
	if (!s->leadspc)
		sg->hcanon = 1;
	sg->body = dkim_body_new(sg->bcanon ? DKIM_CANON_RELAXED :
	    DKIM_CANON_SIMPLE, CRYPTO_HASH_SHA256, false, 0);
	sg->active = true;
}

void
signing_body(struct session *s, const unsigned char *p, size_t len)
{
	if (s->msg.signing.active)
		dkim_body_update(s->msg.signing.body, p, len);
}

/* to_milter_form - drop the leading space, CRLF -> LF */
static void
to_milter_form(const struct buf *v, struct buf *out)
{
	size_t i = (v->len > 0 && v->data[0] == ' ') ? 1 : 0;

	for (; i < v->len; i++)
		if (v->data[i] != '\r')
			buf_append_byte(out, v->data[i]);
}

size_t
signing_eom(struct session *s, struct buf *fields, size_t max)
{
	struct message *m = &s->msg;
	struct signing *sg = &m->signing;
	struct dkim_header *hdrs;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	size_t i, bhlen, n = 0;

	if (!sg->active)
		return 0;
	bhlen = dkim_body_final(sg->body, bh);
	hdrs = xreallocarray(NULL, m->headers.count ? m->headers.count : 1,
	    sizeof(*hdrs));
	for (i = 0; i < m->headers.count; i++) {
		hdrs[i].name = (const unsigned char *)m->headers.list[i].name;
		hdrs[i].name_len = strlen(m->headers.list[i].name);
		hdrs[i].value = m->headers.list[i].value;
		hdrs[i].value_len = m->headers.list[i].value_len;
	}
	for (i = 0; i < sg->nchoices && n < max; i++) {
		const struct sign_choice *c = &sg->choices[i];
		const struct conf *conf = m->conf;
		struct dkim_sign_params p;
		struct buf v = BUF_INIT;
		const char *why = NULL;

		memset(&p, 0, sizeof(p));
		p.domain = c->domain;
		p.selector = c->selector;
		p.auid = c->auid[0] != '\0' ? c->auid : NULL;
		p.key = c->key;
		p.hcanon = sg->hcanon ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		p.bcanon = sg->bcanon ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		p.sign_headers = (const char *const *)conf->sign_headers.items;
		p.nsign = conf->sign_headers.count;
		p.oversign_headers = (const char *const *)conf->oversign_headers.items;
		p.noversign = conf->oversign_headers.count;
		p.t = (int64_t)time(NULL);
		p.ttl = conf->signature_ttl_ms / 1000;
		if (dkim_sign_field(&p, hdrs, m->headers.count, bh, bhlen, &v, &why)) {
			buf_reset(&fields[n]);
			to_milter_form(&v, &fields[n]);
			n++;
			buf_printf(&sg->done, "%s%s(d=%s s=%s)", sg->done.len ? "," : "",
			    dkim_sign_alg_name(c->key), c->domain, c->selector);
			metrics_dkim_signed(c->domain, c->selector, dkim_sign_alg_name(c->key));
		} else {
			buf_printf(&sg->done, "%sfailed(d=%s s=%s %s)",
			    sg->done.len ? "," : "", c->domain, c->selector, why);
			metrics_dkim_sign_failed();
		}
		buf_deinit(&v);
	}
	free(hdrs);
	return n;
}

void
signing_reset(struct signing *sg)
{
	dkim_body_free(&sg->body);
	buf_deinit(&sg->done);
	memset(sg, 0, sizeof(*sg));
}
