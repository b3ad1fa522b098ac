/* dkim_verify_fixtures.c - see dkim_verify_fixtures.h */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkim_verify_fixtures.h"

/* RFC 8463 Appendix A.3: signed by football.example.com with Ed25519
 * (selector brisbane) and RSA (selector test). */
const char dvfx_rfc8463_msg[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n"
    "\r\n";

const struct tk_key dvfx_rfc_keys[] = {
	{ DVFX_ED_NAME, DNS_R_ANSWER, DVFX_ED_REC },
	{ DVFX_RSA_NAME, DNS_R_ANSWER, DVFX_RSA_REC },
};

/* dvfx_params - defaults at a given time */
struct dkim_verify_params
dvfx_params(int64_t now)
{
	struct dkim_verify_params p;

	dkim_verify_params_init(&p);
	p.now = now;
	return p;
}

/* dvfx_replace - msg with the first "from" replaced by "to" */
char *
dvfx_replace(const char *msg, const char *from, const char *to)
{
	const char *at = strstr(msg, from);
	struct buf b = BUF_INIT;

	assert_non_null(at);
	buf_append(&b, msg, (size_t)(at - msg));
	buf_append_str(&b, to);
	buf_append_str(&b, at + strlen(from));
	return buf_steal(&b);
}

/* dvfx_run - verify msg with the RFC keys (or keys) at DVFX_RFC_NOW */
void
dvfx_run(const char *msg, const struct tk_key *keys, size_t nkeys, size_t chunk,
    struct tk_outcome *o)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW + 60);

	tk_verify((const unsigned char *)msg, strlen(msg), &p, chunk, keys,
	    nkeys, o);
}

/* dvfx_expect - result i is res with reason */
void
dvfx_expect(const struct tk_outcome *o, size_t i, enum dkim_res res,
    const char *reason)
{
	assert_true(i < o->count);
	if (o->r[i].result != res || strcmp(o->reason[i], reason) != 0)
		fail_msg("signature %zu: got %s (%s), want %s (%s)", i,
		    dkim_res_name(o->r[i].result), o->reason[i],
		    dkim_res_name(res), reason);
}

/* dvfx_add_sig - a DKIM-Signature by d= with selector s; its index */
int
dvfx_add_sig(struct dkim_verifier *v, const char *d, const char *s)
{
	char sig[160];

	(void)snprintf(sig, sizeof(sig), " v=1; a=rsa-sha256; c=relaxed; "
	    "d=%s; s=%s; h=from; bh=AAAA; b=AAAA", d, s);
	return dkim_verifier_header(v, (const unsigned char *)"DKIM-Signature",
	    14, (const unsigned char *)sig, strlen(sig));
}

/* dvfx_answer_keys - the key answer from keys[] for every signature */
void
dvfx_answer_keys(struct dkim_verifier *v, size_t nsigs,
    const struct tk_key *keys, size_t nkeys)
{
	size_t i, k;

	for (i = 0; i < nsigs; i++) {
		const char *name = dkim_verifier_key_name(v, (int)i);
		struct dns_answer a;
		struct dns_rr rr;

		if (name == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		memset(&rr, 0, sizeof(rr));
		a.status = DNS_R_NXDOMAIN;
		for (k = 0; k < nkeys; k++)
			if (strcmp(name, keys[k].name) == 0) {
				rr.type = DNS_T_TXT;
				rr.text = (char *)keys[k].txt;
				rr.text_len = strlen(rr.text);
				a.status = DNS_R_ANSWER;
				a.count = 1;
				a.rr = &rr;
			}
		dkim_verifier_key_answer(v, (int)i, &a);
	}
}

const char dvfx_plain_msg[] =
    "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: Ada <ada@example.com>\r\n"
    "To: grace@example.org\r\n"
    "Subject: folded\r\n\tsubject line\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "\r\n"
    "Hello  there \r\n"
    "\r\n"
    "second\tparagraph\r\n"
    "\r\n"
    "\r\n";
