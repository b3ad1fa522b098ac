/* arc_fixtures.h - what the ARC unit tests share: messages split into
 * milter-form fields (the dkimpy fixtures of tests/arc, or text made
 * here), verifiers judging them with canned key answers, and sealing
 * keys generated here */
#ifndef AUTHMILTER_TEST_ARC_FIXTURES_H
#define AUTHMILTER_TEST_ARC_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_verify.h"
#include "core/dkim_canon.h"
#include "crypto/crypto.h"
#include "dns/dns.h"
#include "util/buf.h"

#define NOW 1800000000
#define MAX_FIELDS 128

/* A message split into milter-form fields (value after the colon,
 * LF-folded) and a body. */
struct msg {
	char *data;
	size_t len;
	struct dkim_header h[MAX_FIELDS];
	size_t nh;
	const unsigned char *body;
	size_t body_len;
};

/* split - m's fields and body from its text (m->data, m->len) */
void split(struct msg *m);
/* load - m from the fixture tests/arc/name, split */
void load(struct msg *m, const char *name);
/* key_record - the fixtures' key record (tests/arc/key.txt) */
char *key_record(void);

/* verifier - a verifier at NOW; a cap of 0 keeps the default */
struct arc_verifier *verifier(size_t max_sets, size_t max_sigs,
    size_t max_bytes);
/* judge - run m through v, each key (of the fixtures' name) answered
 * with status st and record rec */
const struct arc_result *judge(struct arc_verifier *v, struct msg *m,
    enum dns_status st, const char *rec);
/* judge_seal - judge, keys of the sealing tests' name answered rec */
const struct arc_result *judge_seal(struct arc_verifier *v, struct msg *m,
    const char *rec);
/* judge_sealed - s made of the sealed text w, judged by a new verifier
 * (*v, the caller frees it) */
const struct arc_result *judge_sealed(struct msg *s, char *w,
    struct arc_verifier **v, const char *rec, const char *label);
/* answer - answer lookup idx of v with status st and up to two records
 * ("A", "CNAME:text" or a TXT record) */
void answer(struct arc_verifier *v, int idx, enum dns_status st,
    const char *rec0, const char *rec1);

/* lf - the sealed text in the fixtures' form: CRLF -> LF */
void lf(char *w);
/* seal_key - an RSA key made here; its key record in rec */
struct crypto_privkey *seal_key(struct buf *rec);
/* plain_msg - the unsealed message the sealing tests start from */
void plain_msg(struct msg *m);
/* body_hash - m's body hash (relaxed, SHA-256) into bh; its length */
size_t body_hash(const struct msg *m, unsigned char bh[CRYPTO_DIGEST_MAX]);

/* Two sealing keys made here (2048 bits) by bkeys_make, once, as
 * selector k0 and k1 of seal.example; their key records in brecs */
extern struct crypto_privkey *bkeys[2];
extern struct buf brecs[2];
void bkeys_make(void);

#endif
