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
 * That is ARCSeal verified, for forwarders that do not change what they
 * pass on. A mailing list changes the message between its way in and its
 * way out, so an ARC set made on the way in would not verify downstream:
 * with ARCSeal outbound the set is made on the way out instead, when the
 * list resends the message from InternalHosts (or an authenticated
 * client) with the Authentication-Results we added on its way in. The
 * AAR copies that A-R (what we saw before the list changed anything;
 * folded again where a line of it would pass 998 octets), cv= is its
 * arc= result (none without a chain; a chain not found passing on the
 * way in is not sealed), and the AS signs the chain already there (its
 * structure checked here, its seals judged on the way in).
 *
 * The AMS body hash (relaxed, SHA-256) streams from end of header; the
 * core (src/core/arc_seal.c) builds the three fields at end of message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf_arc.h"
#include "core/arc_seal.h"
#include "core/arc_trust.h"
#include "core/authres.h"
#include "core/dkim_sig.h"
#include "log/logrec.h"
#include "milter/sealing.h"
#include "milter/session.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* milter_hdrs - the session's fields as the core's header array */
static struct dkim_header *
milter_hdrs(const struct headers *h)
{
	struct dkim_header *hdrs = xcalloc(h->count + 1, sizeof(*hdrs));
	size_t i;

	for (i = 0; i < h->count; i++) {
		hdrs[i].name = (const unsigned char *)h->list[i].name;
		hdrs[i].name_len = strlen(h->list[i].name);
		hdrs[i].value = h->list[i].value;
		hdrs[i].value_len = h->list[i].value_len;
	}
	return hdrs;
}

/* outbound_ready - ARCSeal outbound: keep our A-R of the way in (the
 * topmost one with our authserv-id) and read the chain's structure */
static bool
outbound_ready(struct message *m, struct sealing *sl)
{
	struct arc_verify_params p;
	struct dkim_header *hdrs;
	struct buf ar = BUF_INIT;
	const unsigned char *chain;
	size_t i, len;
	unsigned sets;

	if (!m->checks.exempt) {
		sl->skip_why = "not outbound";
		return false;
	}
	/* A submitting user writes the header block: an A-R of ours in it
	 * may be the user's own (dmarc=pass for any author), which a seal
	 * would vouch for to receivers trusting us. Only hosts we run
	 * (InternalHosts) resend mail carrying the A-R we added. */
	if (!m->checks.internal) {
		sl->skip_why = "authenticated client outside InternalHosts";
		return false;
	}
	for (i = 0; i < m->headers.count && sl->our_ar == NULL; i++) {
		const struct header *h = &m->headers.list[i];
		size_t k = 0;

		if (ascii_strcasecmp(h->name, "Authentication-Results") != 0 ||
		    !authres_is_ours(h->value, h->value_len, m->conf->authserv_id))
			continue;
		while (k < h->value_len && ascii_iswsp(h->value[k]))
			k++;
		/* refolded, so that no line of the AAR passes 998 octets */
		authres_fold_received(h->value + k, h->value_len - k, &ar);
		sl->our_ar = buf_steal(&ar);
	}
	if (sl->our_ar == NULL) {
		sl->skip_why = "no Authentication-Results of ours";
		return false;
	}
	arc_verify_params_init(&p);
	p.max_sets = m->conf->arc_max_sets;
	p.max_header_bytes = m->conf->arc_max_header_bytes;
	sl->chain = arc_verifier_new(&p);
	hdrs = milter_hdrs(&m->headers);
	arc_verifier_eoh(sl->chain, hdrs, m->headers.count, true);
	free(hdrs);
	if (!arc_verifier_chain(sl->chain, &chain, &len, &sets)) {
		sl->skip_why = "ARC chain malformed";
		return false;
	}
	return true;
}

void
sealing_eoh(struct session *s)
{
	struct message *m = &s->msg;
	struct sealing *sl = &m->sealing;

	buf_init(&sl->done);
	if (m->conf->arc_seal_key == NULL)
		return;
	if (m->headers_capped) {
		sl->skip_why = "headers over MaxHeaders/MaxHeaderBytes";
		return;
	}
	if (m->conf->arc_seal == CONF_ARC_SEAL_OUTBOUND) {
		if (!outbound_ready(m, sl))
			return;
	} else if (m->checks.skip_verify) {
		sl->skip_why = "not verified here";
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

/* next_instance - the instance and cv= of our set, from our own
 * verification (verified) or from the arc= of our A-R of the way in
 * (outbound); 0 (with *why_r) when we must not seal */
static unsigned
next_instance(const struct sealing *sl, const struct checks_arc *a,
    const char **cv_r, const unsigned char **chain_r, size_t *chain_len_r,
    const char **why_r)
{
	const struct arc_verifier *v = sl->chain != NULL ? sl->chain :
	    a != NULL ? a->v : NULL;
	char word[16];
	unsigned sets = 0;
	bool passed;

	*chain_r = NULL;
	*chain_len_r = 0;
	if (v != NULL && !arc_verifier_chain(v, chain_r, chain_len_r, &sets)) {
		*why_r = "chain failed";
		return 0;
	}
	if (sl->chain != NULL)
		passed = arc_trust_result_of(sl->our_ar, strlen(sl->our_ar),
		    "arc", word, sizeof(word)) && strcmp(word, "pass") == 0;
	else
		passed = sets > 0;	/* checks_arc found it passing */
	if (sets == 0) {
		*cv_r = "none";
		return 1;
	}
	if (!passed) {
		*why_r = "chain not found passing on the way in";
		return 0;
	}
	if (sets >= DKIM_ARC_MAX_INSTANCE) {
		*why_r = "chain full (50 sets)";
		return 0;
	}
	*cv_r = "pass";
	return sets + 1;
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
	p.instance = next_instance(sl, m->checks.arc, &cv, &chain, &chain_len,
	    &why);
	if (p.instance == 0) {
		sl->skip_why = why;
		return 0;
	}
	p.domain = c->arc_seal_d;
	p.selector = c->arc_seal_s;
	p.key = c->arc_seal_key;
	p.cv = cv;
	p.t = (int64_t)time(NULL);
	p.sign_headers = (const char *const *)c->sign_headers.items;
	p.nsign = c->sign_headers.count;
	p.authres = sl->our_ar != NULL ? sl->our_ar : authres;
	hdrs = milter_hdrs(&m->headers);
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

/* sealing_log - the ARC set we added, or why none: to the log record
 * (nothing when sealing is not configured) */
void
sealing_log(const struct session *s, struct logrec *rec)
{
	const struct sealing *sl = &s->msg.sealing;

	if (s->msg.conf == NULL || s->msg.conf->arc_seal_key == NULL)
		return;
	if (sl->done.len > 0)
		logrec_add(rec, "arc_seal", buf_cstr(&sl->done));
	else {
		logrec_add(rec, "arc_seal", "no");
		logrec_add(rec, "arc_seal_skip", sl->skip_why != NULL ?
		    sl->skip_why : "not reached");
	}
}

void
sealing_reset(struct sealing *sl)
{
	dkim_body_free(&sl->body);
	arc_verifier_free(&sl->chain);
	free(sl->our_ar);
	buf_deinit(&sl->done);
	memset(sl, 0, sizeof(*sl));
}
