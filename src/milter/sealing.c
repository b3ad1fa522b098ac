/*
 * sealing.c - ARC sealing in the milter (RFC 8617 5.1).
 *
 * With ARCSeal yes, every message we verify - mail that arrives from
 * outside and that we pass on, which is what a mailing-list or forwarding
 * host does with it - leaves with a new ARC set: the
 * ARC-Authentication-Results copies our Authentication-Results, the
 * ARC-Message-Signature signs the message as we deliver it, the ARC-Seal
 * records cv= from our own verification (checks_arc.c): none when the
 * message had no ARC set, pass when its chain passed. A chain we found
 * failed is not sealed (nothing we add could make it pass, RFC 8617 5.1
 * and 5.2), nor is a full chain (50 sets), a rejected message, or one
 * whose header went over the caps. Mail from InternalHosts and
 * authenticated clients is DKIM-signed instead (signing.c).
 *
 * The AMS body hash (relaxed, SHA-256) streams from end of header; the
 * core (src/core/arc_seal.c) builds the three fields at end of message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arc_seal.h"
#include "core/dkim_sig.h"
#include "milter/sealing.h"
#include "milter/session.h"
#include "util/xmalloc.h"

void
sealing_eoh(struct session *s)
{
	struct message *m = &s->msg;
	struct sealing *sl = &m->sealing;

	buf_init(&sl->done);
	if (m->conf->arc_seal_key == NULL)
		return;
	if (m->checks.skip_verify) {
		sl->skip_why = "not verified here";
		return;
	}
	if (m->headers_capped) {
		sl->skip_why = "headers over MaxHeaders/MaxHeaderBytes";
		return;
	}
	sl->body = dkim_body_new(DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256, false,
	    0);
	sl->active = true;
}

void
sealing_body(struct session *s, const unsigned char *p, size_t len)
{
	if (s->msg.sealing.active)
		dkim_body_update(s->msg.sealing.body, p, len);
}

/* to_milter_form - drop the leading space, CRLF -> LF */
static void
to_milter_form(const struct buf *v, struct buf *out)
{
	size_t i = (v->len > 0 && v->data[0] == ' ') ? 1 : 0;

	buf_reset(out);
	for (; i < v->len; i++)
		if (v->data[i] != '\r')
			buf_append_byte(out, v->data[i]);
}

/* next_instance - the instance and cv= of our set from the chain's
 * result; 0 (with *why_r) when we must not seal */
static unsigned
next_instance(const struct checks_arc *a, const char **cv_r,
    const unsigned char **chain_r, size_t *chain_len_r, const char **why_r)
{
	const struct arc_result *r = checks_arc_result(a);

	*chain_r = NULL;
	*chain_len_r = 0;
	if (r == NULL || r->res == ARC_RES_NONE) {
		*cv_r = "none";
		return 1;
	}
	if (r->res != ARC_RES_PASS) {
		*why_r = "chain failed";
		return 0;
	}
	if (r->sets >= DKIM_ARC_MAX_INSTANCE) {
		*why_r = "chain full (50 sets)";
		return 0;
	}
	*cv_r = "pass";
	*chain_r = arc_verifier_chain(a->v, chain_len_r);
	return r->sets + 1;
}

size_t
sealing_eom(struct session *s, const char *authres, bool delivered,
    struct buf fields[SEALING_FIELDS])
{
	struct message *m = &s->msg;
	struct sealing *sl = &m->sealing;
	const struct conf *c = m->conf;
	struct arc_seal_params p;
	struct dkim_header *hdrs;
	struct buf v[SEALING_FIELDS];
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const unsigned char *chain;
	const char *why = NULL, *cv = NULL;
	size_t i, bhlen, chain_len;
	bool ok;

	if (!sl->active)
		return 0;
	bhlen = dkim_body_final(sl->body, bh);
	if (!delivered) {
		sl->skip_why = "not delivered";
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.instance = next_instance(m->checks.arc, &cv, &chain, &chain_len,
	    &why);
	if (p.instance == 0) {
		sl->skip_why = why;
		return 0;
	}
	p.domain = c->arc_seal_domain;
	p.selector = c->arc_seal_selector;
	p.key = c->arc_seal_key;
	p.cv = cv;
	p.t = (int64_t)time(NULL);
	p.sign_headers = (const char *const *)c->sign_headers.items;
	p.nsign = c->sign_headers.count;
	p.authres = authres;
	hdrs = xcalloc(m->headers.count + 1, sizeof(*hdrs));
	for (i = 0; i < m->headers.count; i++) {
		hdrs[i].name = (const unsigned char *)m->headers.list[i].name;
		hdrs[i].name_len = strlen(m->headers.list[i].name);
		hdrs[i].value = m->headers.list[i].value;
		hdrs[i].value_len = m->headers.list[i].value_len;
	}
	for (i = 0; i < SEALING_FIELDS; i++)
		buf_init(&v[i]);
	ok = arc_seal_make(&p, hdrs, m->headers.count, bh, bhlen, chain,
	    chain_len, &v[0], &v[1], &v[2], &why);
	for (i = 0; ok && i < SEALING_FIELDS; i++)
		to_milter_form(&v[i], &fields[i]);
	for (i = 0; i < SEALING_FIELDS; i++)
		buf_deinit(&v[i]);
	free(hdrs);
	if (!ok) {
		sl->skip_why = why;
		return 0;
	}
	buf_printf(&sl->done, "i=%u cv=%s d=%s s=%s", p.instance, cv, p.domain,
	    p.selector);
	return SEALING_FIELDS;
}

void
sealing_summary(const struct session *s, struct buf *out)
{
	const struct sealing *sl = &s->msg.sealing;

	if (s->msg.conf == NULL || s->msg.conf->arc_seal_key == NULL)
		return;
	if (sl->done.len > 0)
		buf_printf(out, " arc-seal=%s", buf_cstr(&sl->done));
	else
		buf_printf(out, " arc-seal=no(%s)", sl->skip_why != NULL ?
		    sl->skip_why : "not reached");
}

void
sealing_reset(struct sealing *sl)
{
	dkim_body_free(&sl->body);
	buf_deinit(&sl->done);
	memset(sl, 0, sizeof(*sl));
}
