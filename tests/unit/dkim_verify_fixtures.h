/* dkim_verify_fixtures.h - what the DKIM verifier unit tests share: the
 * RFC 8463 example message and its keys, a message to sign, verifier
 * params, and runs of whole messages through tests/dkim/testkit */
#ifndef AUTHMILTER_TEST_DKIM_VERIFY_FIXTURES_H
#define AUTHMILTER_TEST_DKIM_VERIFY_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "../dkim/testkit.h"
#include "core/dkim_verify.h"

/* the RFC 8463 Appendix A.3 message, its two signatures passing */
extern const char dvfx_rfc8463_msg[];

#define DVFX_ED_NAME "brisbane._domainkey.football.example.com"
#define DVFX_RSA_NAME "test._domainkey.football.example.com"
/* RFC 8463 Appendix A.2 */
#define DVFX_ED_REC "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define DVFX_RSA_REC "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC" \
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3" \
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
#define DVFX_RFC_NOW 1528637909

/* the two keys above, by name */
extern const struct tk_key dvfx_rfc_keys[2];

/* dvfx_plain_msg - a message with a folded Subject, for the tests that sign */
extern const char dvfx_plain_msg[];

/* dvfx_params - defaults at a given time */
struct dkim_verify_params dvfx_params(int64_t now);
/* dvfx_replace - msg with the first "from" replaced by "to" (malloc'd) */
char *dvfx_replace(const char *msg, const char *from, const char *to);
/* dvfx_run - verify msg with keys (dvfx_rfc_keys, most often) at
 * DVFX_RFC_NOW */
void dvfx_run(const char *msg, const struct tk_key *keys, size_t nkeys,
    size_t chunk, struct tk_outcome *o);
/* dvfx_expect - result i is res with reason */
void dvfx_expect(const struct tk_outcome *o, size_t i, enum dkim_res res,
    const char *reason);
/* dvfx_add_sig - a DKIM-Signature by d= with selector s; its index */
int dvfx_add_sig(struct dkim_verifier *v, const char *d, const char *s);
/* dvfx_answer_keys - the key answer from keys[] for every signature */
void dvfx_answer_keys(struct dkim_verifier *v, size_t nsigs,
    const struct tk_key *keys, size_t nkeys);

#endif
