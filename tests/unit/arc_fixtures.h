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

#define ARCFX_NOW 1800000000
#define ARCFX_MAX_FIELDS 128

/* A message split into milter-form fields (value after the colon,
 * LF-folded) and a body. */
struct arcfx_msg {
	char *data;
	size_t len;
	struct dkim_header h[ARCFX_MAX_FIELDS];
	size_t nh;
	const unsigned char *body;
	size_t body_len;
};

/* arcfx_split - m's fields and body from its text (m->data, m->len) */
void arcfx_split(struct arcfx_msg *m);
/* arcfx_load - m from the fixture tests/arc/name, split */
void arcfx_load(struct arcfx_msg *m, const char *name);
/* arcfx_key_record - the fixtures' key record (tests/arc/key.txt) */
char *arcfx_key_record(void);

/* arcfx_verifier - a verifier at ARCFX_NOW; a cap of 0 keeps the default */
struct arc_verifier *arcfx_verifier(size_t max_sets, size_t max_sigs,
    size_t max_bytes);
/* arcfx_judge - run m through v, each key (of the fixtures' name) answered
 * with status st and record rec */
const struct arc_result *arcfx_judge(struct arc_verifier *v,
    struct arcfx_msg *m, enum dns_status st, const char *rec);
/* arcfx_judge_seal - judge, keys of the sealing tests' name answered rec */
const struct arc_result *arcfx_judge_seal(struct arc_verifier *v,
    struct arcfx_msg *m, const char *rec);
/* arcfx_judge_sealed - s made of the sealed text w, judged by a new verifier
 * (*v, the caller frees it) */
const struct arc_result *arcfx_judge_sealed(struct arcfx_msg *s, char *w,
    struct arc_verifier **v, const char *rec, const char *label);
/* arcfx_answer - answer lookup idx of v with status st and up to two records
 * ("A", "CNAME:text" or a TXT record) */
void arcfx_answer(struct arc_verifier *v, int idx, enum dns_status st,
    const char *rec0, const char *rec1);

/* arcfx_lf - the sealed text in the fixtures' form: CRLF -> LF */
void arcfx_lf(char *w);
/* arcfx_seal_key - an RSA key made here; its key record in rec */
struct crypto_privkey *arcfx_seal_key(struct buf *rec);
/* arcfx_plain_msg - the unsealed message the sealing tests start from */
void arcfx_plain_msg(struct arcfx_msg *m);
/* arcfx_body_hash - m's body hash (relaxed, SHA-256) into bh; its length */
size_t arcfx_body_hash(const struct arcfx_msg *m,
    unsigned char bh[CRYPTO_DIGEST_MAX]);

/* Two sealing keys made here (2048 bits) by arcfx_bkeys_make, once,
 * as selector k0 and k1 of seal.example; their key records in
 * arcfx_brecs */
extern struct crypto_privkey *arcfx_bkeys[2];
extern struct buf arcfx_brecs[2];
void arcfx_bkeys_make(void);

#endif
