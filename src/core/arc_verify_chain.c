/*
 * arc_verify_chain.c - reading an ARC chain's structure (RFC 8617 5.2
 * steps 1-3), part of the ARC verifier (see arc_verify_internal.h)
 *
 * Exported (to arc_verify.c only):
 *   arc_verify_chain_collect  file every ARC field under its instance
 *   arc_verify_chain_check    every set complete, cv= fitting its place
 *
 * At end of header each AMS and AS is parsed and kept in its set, even
 * when it does not parse (the set's view reports why); arc_verifier_header
 * parsed it at arrival only to name its key. Each AAR keeps its payload
 * after "i=N;". The first structural fault decides the
 * chain with a reason through arc_verify_decide: a field without a valid
 * i=, an instance over max_sets, a duplicate (which ends the walk, so at
 * most 3 x max_sets fields are parsed), ARC fields over max_header_bytes,
 * a missing field in a set, a cv= that does not fit, a seal or the newest
 * AMS that did not parse, or more signatures than max_signatures.
 */
#include "config.h"

#include "core/arc_verify_internal.h"
#include "util/buf.h"
#include "util/cfws.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Comments nested deeper than this in an AAR's instance are refused. */
#define AAR_MAX_COMMENT_DEPTH 8

/* skip_fws - white space and line breaks (FWS, folded or not) */
static size_t
skip_fws(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && (ascii_iswsp(p[i]) || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* aar_instance - "i=N;" at the start of an AAR value, 0 when malformed:
 * arc-info = instance [CFWS] ";" ..., after the field's [CFWS], and
 * instance = [FWS] "i" [FWS] "=" [FWS] 1*2DIGIT (RFC 8617 4.1.1, 4.2.1),
 * read with up to DKIM_ARC_INSTANCE_DIGITS digits as the AMS's and the
 * seal's i= are (a leading zero, "007", is understood, as by dkimpy and
 * Mail::DKIM). *rest_r is the offset after the ';'. */
static unsigned
aar_instance(const unsigned char *p, size_t len, size_t *rest_r)
{
	size_t i = 0, digits = 0;
	unsigned n = 0;

	if (!cfws_skip(p, len, &i, AAR_MAX_COMMENT_DEPTH) || i >= len ||
	    (p[i] != 'i' && p[i] != 'I'))
		return 0;
	i = skip_fws(p, len, i + 1);
	if (i >= len || p[i] != '=')
		return 0;
	for (i = skip_fws(p, len, i + 1); i < len && ascii_isdigit(p[i]);
	    i++, digits++)
		if (digits < DKIM_ARC_INSTANCE_DIGITS)
			n = n * 10 + (unsigned)(p[i] - '0');
	if (digits == 0 || digits > DKIM_ARC_INSTANCE_DIGITS)
		return 0;
	if (!cfws_skip(p, len, &i, AAR_MAX_COMMENT_DEPTH) || i >= len ||
	    p[i] != ';')
		return 0;
	*rest_r = i + 1;
	return n;	/* over max_sets is the caller's "too many sets" */
}

/* aar_text - the AAR payload with each whitespace run made one space */
static char *
aar_text(const unsigned char *p, size_t len)
{
	struct buf b = BUF_INIT;
	bool space = false;
	size_t i;
	char *s;

	for (i = 0; i < len; i++) {
		if (ascii_iswsp(p[i]) || p[i] == '\r' || p[i] == '\n') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_append_byte(&b, ' ');
		space = false;
		buf_append_byte(&b, p[i]);
	}
	s = xstrndup(b.len ? (const char *)b.data : "", b.len);
	buf_deinit(&b);
	return s;
}

/* for reasons, by enum arc_field */
static const char *const field_names[] = {
	"", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"
};

/* place_field - file one ARC field under its instance; false when the
 * chain is already decided */
static bool
place_field(struct arc_verifier *v, enum arc_field kind,
    const struct dkim_header *h, size_t index)
{
	unsigned inst;
	struct asig *a;
	size_t rest = 0;

	if (kind == ARC_FIELD_AAR) {
		inst = aar_instance(h->value, h->value_len, &rest);
		if (inst == 0) {
			arc_verify_decide(v, ARC_RES_FAIL,
			    "%s without a valid i=", field_names[kind]);
			return false;
		}
	} else {
		struct dkim_sig sig;
		const char *why = "";
		enum dkim_sig_status st;

		dkim_sig_init(&sig);
		st = dkim_sig_parse_arc(h->value, h->value_len,
		    kind == ARC_FIELD_SEAL ? DKIM_SIG_KIND_ARC_SEAL :
		    DKIM_SIG_KIND_ARC_AMS, &sig, &why);
		inst = sig.instance;
		if (inst == 0) {
			dkim_sig_deinit(&sig);
			arc_verify_decide(v, ARC_RES_FAIL,
			    "%s without a valid i=", field_names[kind]);
			return false;
		}
		if (inst > v->p.max_sets) {
			dkim_sig_deinit(&sig);
			v->past_max = inst;
			arc_verify_decide(v, ARC_RES_FAIL,
			    "more than %zu ARC sets", v->p.max_sets);
			return false;
		}
		a = kind == ARC_FIELD_SEAL ? &v->sets[inst - 1].as :
		    &v->sets[inst - 1].ams;
		if (a->present) {
			dkim_sig_deinit(&sig);
			arc_verify_decide(v, ARC_RES_FAIL, "duplicate %s i=%u",
			    field_names[kind], inst);
			return false;
		}
		dkim_sig_deinit(&a->sig);
		a->sig = sig;	/* takes ownership */
		a->present = true;
		a->parsed = st == DKIM_SIG_OK;
		a->why = why;
		a->hdr_index = index;
		a->result = "";
		a->reason = "";
	}
	if (inst > v->p.max_sets) {
		v->past_max = inst;
		arc_verify_decide(v, ARC_RES_FAIL, "more than %zu ARC sets",
		    v->p.max_sets);
		return false;
	}
	if (kind == ARC_FIELD_AAR) {
		struct aset *s = &v->sets[inst - 1];

		if (s->aar_present) {
			arc_verify_decide(v, ARC_RES_FAIL, "duplicate %s i=%u",
			    field_names[kind], inst);
			return false;
		}
		s->aar_present = true;
		s->aar_index = index;
		s->aar = aar_text(h->value + rest, h->value_len - rest);
	}
	if (inst > v->n)
		v->n = inst;
	return true;
}

/* arc_verify_chain_collect - file every ARC field of the header under
 * its instance */
bool
arc_verify_chain_collect(struct arc_verifier *v,
    const struct dkim_header *hdrs, size_t n)
{
	size_t i, bytes = 0;

	for (i = 0; i < n; i++) {
		enum arc_field kind = arc_field_kind(hdrs[i].name,
		    hdrs[i].name_len);

		if (kind == ARC_FIELD_NONE)
			continue;
		bytes += hdrs[i].value_len;
		if (bytes > v->p.max_header_bytes) {
			arc_verify_decide(v, ARC_RES_FAIL,
			    "ARC fields over %zu bytes", v->p.max_header_bytes);
			return false;
		}
		if (!place_field(v, kind, &hdrs[i], i))
			return false;
	}
	return true;
}

/* arc_verify_chain_check - RFC 8617 5.2 steps 2-3: every set 1..N
 * complete, the newest seal not cv=fail, cv= fitting each place, fields
 * parsed */
bool
arc_verify_chain_check(struct arc_verifier *v)
{
	unsigned k;

	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];

		if (!s->as.present || !s->ams.present || !s->aar_present) {
			arc_verify_decide(v, ARC_RES_FAIL,
			    "ARC set i=%u incomplete (%s)",
			    k, !s->as.present ? "no ARC-Seal" :
			    !s->ams.present ? "no ARC-Message-Signature" :
			    "no ARC-Authentication-Results");
			return false;
		}
	}
	if (v->sets[v->n - 1].as.sig.cv == DKIM_ARC_CV_FAIL) {
		arc_verify_decide(v, ARC_RES_FAIL,
		    "ARC-Seal i=%u records cv=fail", v->n);
		return false;
	}
	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];
		enum dkim_arc_cv want = k == 1 ? DKIM_ARC_CV_NONE :
		    DKIM_ARC_CV_PASS;

		if (!s->as.parsed) {
			arc_verify_decide(v, ARC_RES_FAIL, "ARC-Seal i=%u: %s",
			    k, s->as.why);
			return false;
		}
		if (s->as.sig.cv != want) {
			arc_verify_decide(v, ARC_RES_FAIL,
			    "ARC-Seal i=%u has cv=%s", k,
			    arc_verify_cv_word(s->as.sig.cv));
			return false;
		}
	}
	if (!v->sets[v->n - 1].ams.parsed) {
		arc_verify_decide(v, ARC_RES_FAIL,
		    "ARC-Message-Signature i=%u: %s", v->n,
		    v->sets[v->n - 1].ams.why);
		return false;
	}
	if (v->n + 1 > v->p.max_signatures) {
		arc_verify_decide(v, ARC_RES_FAIL,
		    "%u ARC sets need more than %zu signature checks", v->n,
		    v->p.max_signatures);
		return false;
	}
	return true;
}
