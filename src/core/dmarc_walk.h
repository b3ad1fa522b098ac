/*
 * dmarc_walk.h - INTERNAL to dmarc_eval.c and dmarc_walk.c: the state of
 * one DMARC evaluation (its answer table and identifiers), and policy
 * discovery with the DNS Tree Walk over that table. Callers use
 * dmarc_eval.h only.
 */
#ifndef AUTHMILTER_DMARC_WALK_H
#define AUTHMILTER_DMARC_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dmarc_eval.h"

#define DMARC_NAME_MAX_LEN	253	/* longest DNS name we ask, RFC 1035 2.3.4 */
#define DMARC_MAX_LABELS	128
/* bytes of answer names an evaluation keeps in itself; more go to the
 * heap (a message asks two or three names) */
#define DMARC_EVAL_NAME_POOL	1024

/* One DNS answer as the evaluation keeps it. */
struct dmarc_answer {
	char *name;		/* in the eval's name pool, or the heap */
	size_t name_len;
	bool name_heap;		/* name was xstrdup'ed */
	uint16_t type;
	enum dns_status st;
	unsigned ndmarc;	/* TXT records starting with v=DMARC1 */
	bool parsed;		/* exactly one, and it parsed */
	struct dmarc_record rec;
};

/* An SPF or DKIM identifier of the message. */
struct dmarc_ident {
	enum dmarc_auth_res res;
	bool is_spf;
	char d[DMARC_DOMAIN_SIZE];
};

/* One evaluation (struct dmarc_eval is opaque outside dmarc_eval.c and
 * dmarc_walk.c). */
struct dmarc_eval {
	struct dmarc_eval_opts o;
	char author[DMARC_DOMAIN_SIZE];
	bool author_ok;
	size_t nans;
	bool auth_set;
	size_t nid;
	size_t npre;
	char need[DMARC_NAME_MAX_LEN + 1];
	uint16_t need_type;
	size_t names_used;	/* bytes of names taken */
	bool last_valid;	/* last holds the result (see there) */
	/*
	 * The tables last: dmarc_eval_new zeroes every field above `ans`
	 * but not these ~11 KB; an entry is written in full when its count
	 * (nans, nid, npre) grows to take it in.
	 */
	struct dmarc_answer ans[DMARC_EVAL_MAX_ANSWERS];
	struct dmarc_ident id[DMARC_EVAL_MAX_DKIM + 1];
	char pre[DMARC_WALK_MAX_QUERIES][DMARC_NAME_MAX_LEN + 1];
	char names[DMARC_EVAL_NAME_POOL];	/* answer names */
	/* the result of the last dmarc_eval_next_query that needed nothing
	 * more, after dmarc_eval_set_auth: what dmarc_eval_result gives
	 * until another answer is fed (a second computation, issue 18) */
	struct dmarc_result last;
};

/* A tree walk over the answer table. */
enum dmarc_walk_state { W_DONE, W_NEED, W_TEMP };

struct dmarc_walk {
	const char *start;
	size_t x;			/* labels in start */
	size_t off[DMARC_MAX_LABELS];	/* offset of each label, left to right */
	size_t nfound;
	struct {
		const struct dmarc_answer *a;
		size_t labels;
	} f[DMARC_WALK_MAX_QUERIES];
	bool multi;			/* several records at some name */
};

/* One computation over the answer table. */
struct dmarc_ctx {
	struct dmarc_eval *e;
	bool final;	/* a missing answer counts as a timeout */
};

/* Discovery outcome. */
struct dmarc_disc {
	const struct dmarc_record *rec;
	const char *pdom;
	bool author_org_known;
	char author_org[DMARC_DOMAIN_SIZE];
};

/* A step of the decision: go on, an answer is missing, or decided. */
enum dmarc_step { S_OK, S_NEED, S_DONE };

/* dmarc_walk_is_temp - DNS statuses that mean "try again later" */
bool dmarc_walk_is_temp(enum dns_status st);
/* dmarc_walk_find - the stored answer for (name, type) or NULL */
struct dmarc_answer *dmarc_walk_find(struct dmarc_eval *e, const char *name,
    uint16_t type);
/* dmarc_walk_get - the answer for (name, type); missing: a timeout in
 * final mode or with a full table, else NULL with the need noted */
const struct dmarc_answer *dmarc_walk_get(struct dmarc_ctx *c,
    const char *name, uint16_t type);
/* dmarc_walk_name - "_dmarc." + d; false when longer than a DNS name */
bool dmarc_walk_name(char *out, size_t outsz, const char *d);
/* dmarc_walk_labels - label offsets of a validated domain; the count */
size_t dmarc_walk_labels(const char *d, size_t *off);
/* dmarc_walk_suffix - the last k labels of the walk's start name */
const char *dmarc_walk_suffix(const struct dmarc_walk *w, size_t k);
/* dmarc_walk_run - RFC 9989 4.10 DNS Tree Walk from start */
enum dmarc_walk_state dmarc_walk_run(struct dmarc_ctx *c, const char *start,
    struct dmarc_walk *w);
/* dmarc_walk_org - RFC 9989 4.10.2 organizational domain of a walk */
const char *dmarc_walk_org(const struct dmarc_walk *w, size_t *labels_r);
/* dmarc_walk_copy_domain - bounded copy into a DMARC_DOMAIN_SIZE field */
void dmarc_walk_copy_domain(char *dst, const char *src);
/* dmarc_walk_discover_9989 - RFC 9989 4.10.1 policy record */
enum dmarc_step dmarc_walk_discover_9989(struct dmarc_ctx *c,
    struct dmarc_result *r, struct dmarc_disc *d, struct dmarc_walk *w);
/* dmarc_walk_discover_7489 - RFC 7489 6.6.3 policy record */
enum dmarc_step dmarc_walk_discover_7489(struct dmarc_ctx *c,
    struct dmarc_result *r, struct dmarc_disc *d);
/* dmarc_walk_org_of - organizational domain of an identifier (either
 * mode); S_DONE means a DNS failure stopped the walk */
enum dmarc_step dmarc_walk_org_of(struct dmarc_ctx *c, const char *dom,
    char *out);
/* dmarc_walk_valid_domain - checked, lower-cased A-label copy of in */
bool dmarc_walk_valid_domain(const char *in, char *out);

#endif
