/* test_checks.c - the milter's verification steps (src/milter/checks.c,
 * checks_arc.c)
 *
 * A message goes through checks_mail_from, checks_field, checks_eoh,
 * checks_body and checks_eom as the milter's callbacks (and authcheck)
 * drive them, under a configuration read from a file, against a fake
 * resolver; each case reads the A-R value and the verdicts. Messages
 * are signed and sealed here with a key made at setup, or come from the
 * RFC 8463 example and the ARC fixtures (tests/arc).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../dkim/msgsplit.h"
#include "arc_fixtures.h"
#include "conf/conf.h"
#include "conf/conf_live.h"
#include "core/arc_seal.h"
#include "log/logrec.h"
#include "metrics/metrics.h"
#include "dkim_verify_fixtures.h"
#include "milter/checks.h"
#include "milter/checks_arc.h"
#include "milter/session.h"
#include "temp_file.h"

static const struct dns_fake_record zone[] = {
	{ "reject.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=spf1 ip4:192.0.2.1 -all", 0, 0 },
	{ "_dmarc.reject.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject", 0, 0 },
	{ "helo.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=spf1 ip4:192.0.2.1 -all", 0, 0 },
	{ "_dmarc.helo.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject", 0, 0 },
	{ "temp.test", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "_dmarc.temp.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject", 0, 0 },
	{ "mail.quar.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=spf1 ip4:192.0.2.1 -all", 0, 0 },
	{ "_dmarc.quar.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=quarantine", 0, 0 },
	{ "_dmarc.none.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none", 0, 0 },
	/* the SPF domain's walk asks it at the end: the resolver's own
	 * timeout applies, not a cut of its own */
	{ "_dmarc.mail.quar.test", DNS_T_TXT, DNS_R_NXDOMAIN, NULL, 30, 0 },
	/* the RFC 8463 message's signer */
	{ DVFX_ED_NAME, DNS_T_TXT, DNS_R_ANSWER, DVFX_ED_REC, 0, 0 },
	{ DVFX_RSA_NAME, DNS_T_TXT, DNS_R_ANSWER, DVFX_RSA_REC, 0, 0 },
	{ "_dmarc.football.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject", 0, 0 },
	{ "mail.football.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=spf1 ip4:192.0.2.1 -all", 0, 0 },
};

static struct dns_resolver *resolver;
/* the key that signs and seals the messages made here, published as
 * sel._domainkey of the author's domain (example.com, in
 * dvfx_plain_msg) and of a forwarder's (relay.test), and as the
 * sealer's s1._domainkey.seal.example; 2048 bits */
static struct crypto_privkey *signer_key;
static struct buf key_record = BUF_INIT;
/* the key record of the sealer of the ARC fixtures (tests/arc) */
static char *arc_fixture_record;

/* One message through the checks */
struct msg {
	struct session *s;
	struct verdict at_mail, at_end;
	struct authres ar;
};

static int
group_setup(void **state)
{
	size_t n = sizeof(zone) / sizeof(zone[0]);
	struct dns_fake_record all[sizeof(zone) / sizeof(zone[0]) + 4];
	const char *why;

	(void)state;
	signer_key = tk_keygen("rsa", 2048);
	tk_key_record(signer_key, &key_record);
	arc_fixture_record = arcfx_key_record();
	memcpy(all, zone, sizeof(zone));
	all[n] = (struct dns_fake_record){ "sel._domainkey.example.com",
	    DNS_T_TXT, DNS_R_ANSWER, buf_cstr(&key_record), 0, 0 };
	all[n + 1] = all[n];
	all[n + 1].name = "sel._domainkey.relay.test";
	all[n + 2] = all[n];
	all[n + 2].name = "s1._domainkey.seal.example";
	all[n + 3] = all[n];
	all[n + 3].name = "f1._domainkey.fuzz.example";
	all[n + 3].data = arc_fixture_record;
	resolver = dns_resolver_new_fake(all, n + 4, 0);
	checks_set_resolver(resolver);
	return checks_dmarc_init(NULL, &why) ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	checks_set_resolver(NULL);
	checks_dmarc_deinit();
	conf_live_clear();
	dns_resolver_free(&resolver);
	crypto_privkey_free(&signer_key);
	buf_deinit(&key_record);
	free(arc_fixture_record);
	return 0;
}

/* use_conf - the live configuration: AuthservID mx.test and text */
static void
use_conf(const char *text)
{
	char path[256], all[1024];
	struct buf err = BUF_INIT;
	struct conf *c = NULL;

	(void)snprintf(all, sizeof(all), "AuthservID mx.test\n%s", text);
	temp_file_write(path, sizeof(path), all);
	assert_true(conf_load(path, &c, &err));
	(void)remove(path);
	buf_deinit(&err);
	conf_live_set(c);
}

/* begin - a message from client ip (NULL: on this host) after HELO
 * helo, MAIL FROM mail_from; through checks_mail_from */
static void
begin(struct msg *m, const char *ip, const char *helo, const char *mail_from)
{
	memset(m, 0, sizeof(*m));
	m->s = session_new();
	assert_non_null(m->s);
	session_set_client(m->s, NULL, ip != NULL ? ip : "local");
	if (helo != NULL)
		session_set_helo(m->s, helo);
	assert_true(session_message_start(m->s));
	m->s->msg.mail_from = session_msg_strdup(m->s, mail_from);
	checks_mail_from(m->s, &m->at_mail);
}

/* field - one header field, kept as the milter keeps it */
static void
field(struct msg *m, const char *name, const char *value)
{
	struct header f;

	headers_field_init(&f, name, (const unsigned char *)value,
	    strlen(value));
	checks_field(m->s, &f, session_keep_field(m->s, &f));
}

/* end - the end of header, an empty body, the end of message: the A-R
 * value */
static const char *
end(struct msg *m)
{
	checks_eoh(m->s);
	checks_body(m->s, (const unsigned char *)"\r\n", 2);
	authres_init(&m->ar, "mx.test");
	checks_eom(m->s, &m->ar, &m->at_end);
	return authres_finish(&m->ar);
}

static void
done(struct msg *m)
{
	authres_deinit(&m->ar);
	session_free(&m->s);
}

/* SPF fails, DMARC fails under p=reject: both in the A-R, rejected */
static void
test_spf_and_dmarc_fail(void **state)
{
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, "198.51.100.7", "helo.test", "a@reject.test");
	field(&m, "From", " a@reject.test");
	assert_string_equal(end(&m), "mx.test;\n\t"
	    "spf=fail reason=\"198.51.100.7 is not one of reject.test's "
	    "designated mail servers\" smtp.mailfrom=reject.test;\n\t"
	    "spf=fail reason=\"198.51.100.7 is not one of helo.test's "
	    "designated mail servers\" smtp.helo=helo.test;\n\t"
	    "dkim=none;\n\t"
	    "arc=none;\n\t"
	    "dmarc=fail (p=reject dis=reject) header.from=reject.test "
	    "polrec.p=reject");
	assert_int_equal(m.at_end.kind, VERDICT_REJECT);
	done(&m);
}

/* dmarc_res - the DMARC result (the first author's) of a message (MAIL FROM
 * mail_from, From author) sent from 192.0.2.1 under conf */
static const struct dmarc_result *
dmarc_res(struct msg *m, const char *conf, const char *mail_from,
    const char *author)
{
	char from[300];

	use_conf(conf);
	begin(m, "192.0.2.1", "helo.test", mail_from);
	(void)snprintf(from, sizeof(from), " %s", author);
	field(m, "From", from);
	(void)end(m);
	return &m->s->msg.checks.dmarc.authors[0].res;
}

/* ARCTrustedSealers (ARCVerify is on) ask for the author's organizational
 * domain, which the verdict alone does not need */
static void
test_trusted_sealers_want_org(void **state)
{
	struct msg m;

	(void)state;
	assert_string_equal(dmarc_res(&m, "", "a@reject.test",
	    "a@reject.test")->org_domain, "");
	done(&m);
	assert_string_equal(dmarc_res(&m, "ARCTrustedSealers sealer.test\n",
	    "a@reject.test", "a@reject.test")->org_domain, "reject.test");
	done(&m);
}

/* an SPF temperror is DMARC's temperror, not a failure */
static void
test_spf_temperror(void **state)
{
	struct msg m;

	(void)state;
	assert_int_equal(dmarc_res(&m, "", "a@temp.test", "a@temp.test")->result,
	    DMARC_RES_TEMPERROR);
	done(&m);
}

/* a From of exactly MaxHeaderFieldBytes ("From" ":" value) is
 * evaluated; one octet more is a permerror */
static void
test_from_at_field_cap(void **state)
{
	char value[1000 - 5 + 2];
	struct msg m;
	size_t n = sizeof(value) - 1;

	(void)state;
	use_conf("MaxHeaderFieldBytes 1000\n");
	memset(value, ' ', n);
	memcpy(value + n - strlen("a@reject.test"), "a@reject.test",
	    strlen("a@reject.test"));
	value[n] = '\0';
	begin(&m, "192.0.2.1", "helo.test", "a@reject.test");
	field(&m, "From", value + 1);
	assert_non_null(strstr(end(&m), "dmarc=pass"));
	done(&m);
	begin(&m, "192.0.2.1", "helo.test", "a@reject.test");
	field(&m, "From", value);
	assert_non_null(strstr(end(&m), "dmarc=permerror "
	    "reason=\"From field over MaxHeaderFieldBytes\""));
	done(&m);
}

/* the null sender: SPF's HELO identity is the one checked, named in
 * the A-R, and the one DMARC aligns (RFC 9989) */
static void
test_null_sender_helo_aligned(void **state)
{
	struct msg m;

	(void)state;
	assert_int_equal(dmarc_res(&m, "", "", "a@helo.test")->result,
	    DMARC_RES_PASS);
	assert_non_null(strstr(authres_finish(&m.ar),
	    "mx.test;\n\tspf=pass smtp.helo=helo.test;\n\t"));
	done(&m);
}

/* the walk for the SPF domain's organization waits for an answer that
 * takes 30 ms: relaxed SPF alignment passes */
static void
test_late_walk_answer(void **state)
{
	struct msg m;

	(void)state;
	assert_int_equal(dmarc_res(&m, "", "a@mail.quar.test",
	    "a@quar.test")->result, DMARC_RES_PASS);
	done(&m);
}

/* several author domains: the strictest by default, refused with
 * DMARCMultipleFrom reject */
static void
test_multiple_from(void **state)
{
	struct msg m;

	(void)state;
	(void)dmarc_res(&m, "", "a@reject.test", "a@reject.test, b@quar.test");
	assert_non_null(strstr(authres_finish(&m.ar),
	    "authors reject.test quar.test"));
	assert_int_not_equal(m.at_end.kind, VERDICT_REJECT);
	done(&m);
	(void)dmarc_res(&m, "DMARCMultipleFrom reject\n", "a@reject.test",
	    "a@reject.test, b@quar.test");
	assert_non_null(strstr(authres_finish(&m.ar), "dmarc=permerror "
	    "reason=\"several author domains in From\""));
	assert_int_equal(m.at_end.kind, VERDICT_REJECT);
	done(&m);
}

/* a From some reader sees in another field, right at its start, is an
 * author as well */
static void
test_hidden_from_at_start(void **state)
{
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, "192.0.2.1", "helo.test", "a@reject.test");
	field(&m, "From", " a@reject.test");
	field(&m, "Subject", "\rFrom: b@quar.test");
	assert_non_null(strstr(end(&m), "authors reject.test quar.test"));
	done(&m);
}

/* a message without a header field: no signature, no author */
static void
test_no_fields(void **state)
{
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, "192.0.2.1", "helo.test", "a@reject.test");
	assert_string_equal(end(&m), "mx.test;\n\t"
	    "spf=pass smtp.mailfrom=reject.test;\n\t"
	    "spf=pass smtp.helo=helo.test;\n\t"
	    "dkim=none;\n\t"
	    "arc=none;\n\t"
	    "dmarc=permerror reason=\"no From address\"");
	done(&m);
}

/* a client on this host gets no SPF check: DMARC has no SPF result to
 * align, and fails */
static void
test_local_client_no_spf(void **state)
{
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, NULL, "helo.test", "a@reject.test");
	field(&m, "From", " a@reject.test");
	assert_string_equal(end(&m), "mx.test;\n\t"
	    "dkim=none;\n\t"
	    "arc=none;\n\t"
	    "dmarc=fail (p=reject dis=reject) header.from=reject.test "
	    "polrec.p=reject");
	done(&m);
}

/* feed_fields - the header fields of text (CRLF or LF line ends)
 * through checks_field, after begin; where the body starts */
static size_t
feed_fields(struct msg *m, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), pos = 0;
	struct msg_field f;
	char name[64], *value;

	while (msg_next_field(p, len, &pos, &f) > 0) {
		(void)snprintf(name, sizeof(name), "%.*s", (int)f.name_len,
		    (const char *)f.name);
		value = strndup((const char *)f.value, f.value_len);
		field(m, name, value);
		free(value);
	}
	return pos;
}

/* feed - the message text through the checks, after begin: the A-R */
static const char *
feed(struct msg *m, const char *text)
{
	size_t body = feed_fields(m, text);

	checks_eoh(m->s);
	checks_body(m->s, (const unsigned char *)text + body,
	    strlen(text) - body);
	authres_init(&m->ar, "mx.test");
	checks_eom(m->s, &m->ar, &m->at_end);
	return authres_finish(&m->ar);
}

/* run_msg - the message text from MAIL FROM a@mail.football.example.com
 * under conf: the A-R */
static const char *
run_msg(struct msg *m, const char *conf, const char *text)
{
	use_conf(conf);
	begin(m, "192.0.2.1", "helo.test", "a@mail.football.example.com");
	return feed(m, text);
}

/* signed_msg - the RFC 8463 message (two signatures of
 * football.example.com) through run_msg */
static const char *
signed_msg(struct msg *m, const char *conf)
{
	return run_msg(m, conf, dvfx_rfc8463_msg);
}

/* both signatures pass, each entry with its properties; DMARC passes on
 * the exact DKIM domain and, only when reports want every alignment
 * (ReportStore), finds the relaxed SPF one too */
static void
test_dkim_signed(void **state)
{
	const struct dmarc_result *res;
	struct msg m;

	(void)state;
	assert_string_equal(signed_msg(&m, ""), "mx.test;\n\t"
	    "spf=pass smtp.mailfrom=mail.football.example.com;\n\t"
	    "spf=pass smtp.helo=helo.test;\n\t"
	    "dkim=pass header.d=football.example.com header.s=brisbane "
	    "header.a=ed25519-sha256 header.b=\"/gCrinpc\";\n\t"
	    "dkim=pass header.d=football.example.com header.s=test "
	    "header.a=rsa-sha256 header.b=F45dVWDf;\n\t"
	    "arc=none;\n\t"
	    "dmarc=pass (p=reject dis=none) header.from=football.example.com "
	    "polrec.p=reject");
	res = &m.s->msg.checks.dmarc.authors[0].res;
	assert_int_equal(res->result, DMARC_RES_PASS);
	assert_true(res->dkim_aligned);
	assert_false(res->spf_aligned);
	done(&m);
	(void)signed_msg(&m, "ReportStore sqlite:/nonexistent/r.db\n");
	res = &m.s->msg.checks.dmarc.authors[0].res;
	assert_true(res->dkim_aligned);
	assert_true(res->spf_aligned);
	done(&m);
}

/* the DKIM options reach the verifier: DKIMMinKeyBits above the RFC
 * 8463 RSA key's 1024 bits fails that signature. DKIMMaxSignatures 1
 * leaves the second signature over the cap, verified all the same: it
 * is the author's (admit_author_signatures) */
static void
test_dkim_options(void **state)
{
	struct msg m;

	(void)state;
	assert_non_null(strstr(signed_msg(&m, "DKIMMinKeyBits 2048\n"),
	    "header.b=\"/gCrinpc\";\n\tdkim=policy"));
	done(&m);
	assert_non_null(strstr(signed_msg(&m, "DKIMMaxSignatures 1\n"),
	    "dkim=pass header.d=football.example.com header.s=test "));
	done(&m);
}

/* sign_as - the options to sign for domain (selector sel, the key here) */
static struct tk_sign_opts
sign_as(const char *domain)
{
	struct tk_sign_opts so = {
		domain, "sel", NULL, "from:to:subject",
		DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256,
		false, 0, 0
	};

	return so;
}

/* sign - text with a signature made with so on top, appended to out */
static void
sign(const char *text, const struct tk_sign_opts *so, struct buf *out)
{
	assert_true(tk_sign((const unsigned char *)text, strlen(text),
	    signer_key, so, out));
}

/* one_sig_msg - dvfx_plain_msg signed with so, the body then followed by
 * more (NULL: none), under conf: the A-R */
static const char *
one_sig_msg(struct msg *m, const char *conf, const struct tk_sign_opts *so,
    const char *more)
{
	struct buf text = BUF_INIT;
	const char *ar;

	sign(dvfx_plain_msg, so, &text);
	if (more != NULL)
		buf_append_str(&text, more);
	ar = run_msg(m, conf, buf_cstr(&text));
	buf_deinit(&text);
	return ar;
}

/* DKIMMaxSignatures reaches the verifier: the author signed twice, two
 * forwarders signed on top. Under a cap of 1 the top one is verified,
 * the author's two beyond the cap are admitted (all the indices
 * dkim_verifier_admit can give: the sanitizer build reports a read of
 * one more) and the other forwarder's is ignored, not verified */
static void
test_dkim_max_signatures(void **state)
{
	struct tk_sign_opts author = sign_as("example.com");
	struct tk_sign_opts relay = sign_as("relay.test");
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *ar;
	struct msg m;

	(void)state;
	sign(dvfx_plain_msg, &author, &a);
	author.bcanon = DKIM_CANON_SIMPLE;
	sign(buf_cstr(&a), &author, &b);
	buf_reset(&a);
	sign(buf_cstr(&b), &relay, &a);
	relay.hcanon = DKIM_CANON_SIMPLE;
	buf_reset(&b);
	sign(buf_cstr(&a), &relay, &b);
	ar = run_msg(&m, "DKIMMaxSignatures 1\n", buf_cstr(&b));
	assert_non_null(strstr(ar, "\n\tdkim=pass header.d=relay.test "));
	ar = strstr(ar, "\n\tdkim=pass header.d=example.com ");
	assert_non_null(ar);
	ar = strstr(ar + 1, "\n\tdkim=pass header.d=example.com ");
	assert_non_null(ar);
	assert_non_null(strstr(ar + 1, "\n\tarc=none;"));
	assert_int_equal(dkim_verifier_result_count(m.s->msg.checks.dkim), 3);
	assert_int_equal(dkim_verifier_ignored(m.s->msg.checks.dkim), 1);
	done(&m);
	/* by default all four are verified */
	(void)run_msg(&m, "", buf_cstr(&b));
	assert_int_equal(dkim_verifier_result_count(m.s->msg.checks.dkim), 4);
	done(&m);
	buf_deinit(&a);
	buf_deinit(&b);
}

/* DKIMAllowPartialBody reaches the verifier: content after the body
 * an l= signature covers is "policy" by default, a pass when allowed */
static void
test_dkim_allow_partial_body(void **state)
{
	struct tk_sign_opts so = sign_as("example.com");
	struct msg m;

	(void)state;
	so.use_l = true;
	assert_non_null(strstr(one_sig_msg(&m, "", &so, "appended\r\n"),
	    "dkim=policy reason=\"l= leaves body content unsigned\" "
	    "header.d=example.com "));
	done(&m);
	assert_non_null(strstr(one_sig_msg(&m, "DKIMAllowPartialBody yes\n",
	    &so, "appended\r\n"), "dkim=pass (l= leaves part of the body "
	    "unsigned) header.d=example.com "));
	done(&m);
}

/* DKIMClockSkew reaches the verifier, in seconds: a t= 1000 s ahead is
 * in the future under the default 5 minutes, not under an hour; one
 * 200 s ahead is under 100 s */
static void
test_dkim_clock_skew(void **state)
{
	static const char future[] = "dkim=permerror reason=\"signature "
	    "timestamp in the future\" header.d=example.com ";
	struct tk_sign_opts so = sign_as("example.com");
	struct msg m;

	(void)state;
	so.t = (int64_t)time(NULL) + 1000;
	assert_non_null(strstr(one_sig_msg(&m, "", &so, NULL), future));
	done(&m);
	assert_non_null(strstr(one_sig_msg(&m, "DKIMClockSkew 1h\n", &so,
	    NULL), "dkim=pass header.d=example.com "));
	done(&m);
	so.t = (int64_t)time(NULL) + 200;
	assert_non_null(strstr(one_sig_msg(&m, "DKIMClockSkew 100\n", &so,
	    NULL), future));
	done(&m);
}

/* DKIMAllowSHA1 reaches the verifier: rsa-sha1 is "policy" by default
 * (RFC 8301 3.1: it must not be used for verifying), a pass when allowed */
static void
test_dkim_allow_sha1(void **state)
{
	struct tk_sign_opts so = sign_as("example.com");
	struct msg m;

	(void)state;
	so.hash = CRYPTO_HASH_SHA1;
	assert_non_null(strstr(one_sig_msg(&m, "", &so, NULL), "dkim=policy "
	    "reason=\"rsa-sha1 not accepted (RFC 8301)\" "
	    "header.d=example.com "));
	done(&m);
	assert_non_null(strstr(one_sig_msg(&m, "DKIMAllowSHA1 yes\n", &so,
	    NULL), "dkim=pass header.d=example.com header.s=sel "
	    "header.a=rsa-sha1 "));
	done(&m);
}

/* arc_fixture_msg - the ARC fixture tests/arc/name, its first from
 * replaced by to (NULL: as it is), under conf: the A-R */
static const char *
arc_fixture_msg(struct msg *m, const char *conf, const char *name,
    const char *from, const char *to)
{
	struct arcfx_msg f;
	const char *ar;
	char *text;

	arcfx_load(&f, name);
	text = from != NULL ? dvfx_replace(f.data, from, to) : strdup(f.data);
	ar = run_msg(m, conf, text);
	free(text);
	free(f.data);
	return ar;
}

/* The ARC caps reach the verifier (checks_arc.c): the fixture's two
 * sets pass under the defaults; each cap set below them fails the
 * chain with its own reason */
static void
test_arc_caps(void **state)
{
	char pad[5000];
	struct msg m;

	(void)state;
	assert_non_null(strstr(arc_fixture_msg(&m, "", "chain2.eml", NULL,
	    NULL), "\n\tarc=pass smtp.remote-ip=192.0.2.1;"));
	done(&m);
	assert_non_null(strstr(arc_fixture_msg(&m, "ARCMaxSets 1\n",
	    "chain2.eml", NULL, NULL),
	    "arc=fail reason=\"more than 1 ARC sets\""));
	done(&m);
	assert_non_null(strstr(arc_fixture_msg(&m, "ARCMaxSignatures 2\n",
	    "chain2.eml", NULL, NULL), "arc=fail "
	    "reason=\"2 ARC sets need more than 2 signature checks\""));
	done(&m);
	/* white space the relaxed canonicalization takes for one space:
	 * the seals still hold, the fields are over 4096 bytes */
	memset(pad, ' ', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	memcpy(pad, "org;", 4);
	assert_non_null(strstr(arc_fixture_msg(&m, "", "chain2.eml", "org;",
	    pad), "\n\tarc=pass "));
	done(&m);
	assert_non_null(strstr(arc_fixture_msg(&m, "ARCMaxHeaderBytes 4096\n",
	    "chain2.eml", "org;", pad),
	    "arc=fail reason=\"ARC fields over 4096 bytes\""));
	done(&m);
}

/* 21 Received fields above the fixture's 11 make 32, as many as the
 * session's list of fields holds before it grows: the chain passes, and
 * reading one field past the list is out of bounds (the sanitizer build
 * reports it) */
static void
test_arc_fields_fill_list(void **state)
{
	char received[21 * 24 + 16] = "";
	struct msg m;
	int i;

	(void)state;
	for (i = 0; i < 21; i++)
		strcat(received, "Received: by relay.test\n");
	strcat(received, "ARC-Seal: i=2");
	assert_non_null(strstr(arc_fixture_msg(&m, "", "chain2.eml",
	    "ARC-Seal: i=2", received), "\n\tarc=pass "));
	assert_int_equal(m.s->msg.headers.count, 32);
	done(&m);
}

/* a message that ends before its end of header (the client left): the
 * key lookups its ARC fields started are cancelled, none is left behind
 * (a leak the sanitizer build reports) */
static void
test_arc_lookups_cancelled(void **state)
{
	struct arcfx_msg f;
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, "192.0.2.1", "helo.test", "a@mail.football.example.com");
	arcfx_load(&f, "chain2.eml");
	(void)feed_fields(&m, f.data);
	assert_true(m.s->msg.checks.arc->key_count > 0);
	done(&m);
	free(f.data);
}

/* sealed_text - arcfx_plain_msg from author, sealed once by seal.example
 * with the key here at t= t, its AAR recording authres (malloc'd) */
static char *
sealed_text(const char *author, int64_t t, const char *authres)
{
	static const char *const names[] = { "From", "Subject", "To" };
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT;
	struct buf text = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	struct arc_seal_params p;
	struct arcfx_msg plain, msg;
	const char *why = NULL;
	size_t bhlen;

	arcfx_plain_msg(&plain);
	msg.data = dvfx_replace(plain.data, "a@a.example", author);
	msg.len = strlen(msg.data);
	arcfx_split(&msg);
	bhlen = arcfx_body_hash(&msg, bh);
	memset(&p, 0, sizeof(p));
	p.domain = "seal.example";
	p.selector = "s1";
	p.key = signer_key;
	p.instance = 1;
	p.cv = "none";
	p.t = t;
	p.sign_headers = names;
	p.nsign = sizeof(names) / sizeof(names[0]);
	p.authres = authres;
	assert_true(arc_seal_make(&p, msg.h, msg.nh, bh, bhlen, NULL, 0,
	    &aar, &ams, &as, &why));
	buf_printf(&text, "ARC-Seal:%s\r\nARC-Message-Signature:%s\r\n"
	    "ARC-Authentication-Results:%s\r\n%s", buf_cstr(&as),
	    buf_cstr(&ams), buf_cstr(&aar), msg.data);
	buf_deinit(&aar);
	buf_deinit(&ams);
	buf_deinit(&as);
	free(plain.data);
	free(msg.data);
	return buf_steal(&text);
}

/* sealed_msg - sealed_text from a@a.example, recording spf=pass, under
 * conf: the A-R */
static const char *
sealed_msg(struct msg *m, const char *conf, int64_t t)
{
	char *text = sealed_text("a@a.example", t,
	    "mx.seal.example; spf=pass");
	const char *ar = run_msg(m, conf, text);

	free(text);
	return ar;
}

/* DKIMMinKeyBits and DKIMMaxKeyBits reach the ARC verifier: the
 * fixture's 1024-bit sealer is too small under 2048 bits, the 2048-bit
 * one here too large under 1024 */
static void
test_arc_key_bits(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct msg m;

	(void)state;
	assert_non_null(strstr(arc_fixture_msg(&m, "DKIMMinKeyBits 2048\n",
	    "chain2.eml", NULL, NULL), "arc=fail reason=\""));
	assert_non_null(strstr(authres_finish(&m.ar), "key too small"));
	done(&m);
	assert_non_null(strstr(sealed_msg(&m, "", now - 10),
	    "\n\tarc=pass "));
	done(&m);
	assert_non_null(strstr(sealed_msg(&m, "DKIMMaxKeyBits 1024\n",
	    now - 10), "arc=fail reason=\""));
	assert_non_null(strstr(authres_finish(&m.ar), "key too large"));
	done(&m);
}

/* DKIMClockSkew reaches the ARC verifier, in seconds: as for DKIM */
static void
test_arc_clock_skew(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct msg m;

	(void)state;
	assert_non_null(strstr(sealed_msg(&m, "", now + 1000),
	    "arc=fail reason=\""));
	assert_non_null(strstr(authres_finish(&m.ar), "future"));
	done(&m);
	assert_non_null(strstr(sealed_msg(&m, "DKIMClockSkew 1h\n",
	    now + 1000), "\n\tarc=pass "));
	done(&m);
	assert_non_null(strstr(sealed_msg(&m, "DKIMClockSkew 100\n",
	    now + 200), "arc=fail reason=\""));
	assert_non_null(strstr(authres_finish(&m.ar), "future"));
	done(&m);
}

/* a chain from a client on this host: arc=pass without smtp.remote-ip */
static void
test_arc_local_client(void **state)
{
	char *text = sealed_text("a@a.example", (int64_t)time(NULL) - 10,
	    "mx.seal.example; spf=pass");
	struct msg m;

	(void)state;
	use_conf("");
	begin(&m, NULL, "helo.test", "a@a.example");
	assert_non_null(strstr(feed(&m, text), "\n\tarc=pass;\n\t"));
	done(&m);
	free(text);
}

/* trusted_msg - a chain by seal.example, a trusted sealer, that recorded
 * dmarc=pass for the author a@domain (only spf=pass for another domain
 * unless vouched), who fails DMARC here (no DKIM, SPF not aligned),
 * under conf: the A-R */
static const char *
trusted_msg(struct msg *m, const char *conf, const char *domain,
    bool vouched)
{
	char author[64], authres[128], all[256];
	const char *ar;
	char *text;

	(void)snprintf(author, sizeof(author), "a@%s", domain);
	(void)snprintf(authres, sizeof(authres), vouched ?
	    "mx.seal.example; dmarc=pass header.from=%s" :
	    "mx.seal.example; spf=pass smtp.mailfrom=other.test", domain);
	(void)snprintf(all, sizeof(all), "ARCTrustedSealers seal.example\n%s",
	    conf);
	text = sealed_text(author, (int64_t)time(NULL) - 10, authres);
	ar = run_msg(m, all, text);
	free(text);
	return ar;
}

/* overridden - the verdict names the trusted sealer's override */
static bool
overridden(const struct msg *m)
{
	return m->at_end.why != NULL &&
	    strcmp(m->at_end.why, "dmarc-fail-arc-trusted-sealer") == 0;
}

/* a trusted sealer's pass turns p=reject into ARCTrustedSealerAction
 * (none); a disposition already the action's (p=quarantine under
 * quarantine, p=none under none) has nothing to rescue, and
 * p=quarantine is not rescued without a chain or without a pass: no
 * override */
static void
test_arc_trusted_sealer(void **state)
{
	struct msg m;

	(void)state;
	assert_non_null(strstr(trusted_msg(&m, "", "reject.test", true),
	    "dmarc=fail (p=reject dis=reject) header.from=reject.test "
	    "polrec.p=reject policy.override=trusted_forwarder "
	    "(ARC sealer seal.example i=1 recorded dmarc=pass)"));
	assert_true(overridden(&m));
	assert_int_not_equal(m.at_end.kind, VERDICT_REJECT);
	done(&m);
	assert_null(strstr(trusted_msg(&m,
	    "ARCTrustedSealerAction quarantine\n", "quar.test", true),
	    "override"));
	assert_false(overridden(&m));
	done(&m);
	assert_null(strstr(trusted_msg(&m, "", "none.test", true),
	    "override"));
	assert_false(overridden(&m));
	done(&m);
	(void)dmarc_res(&m, "ARCTrustedSealers seal.example\n",
	    "a@reject.test", "a@quar.test");
	assert_false(overridden(&m));
	done(&m);
	assert_null(strstr(trusted_msg(&m, "", "quar.test", false),
	    "override"));
	assert_false(overridden(&m));
	done(&m);
}

/* arc_log - checks_arc_log of m's chain, as key=value */
static const char *
arc_log(const struct msg *m, struct buf *out)
{
	struct logrec rec;

	logrec_init(&rec);
	checks_arc_log(m->s->msg.checks.arc, &rec);
	buf_reset(out);
	logrec_format_kv(&rec, 2000, out);
	return buf_cstr(out);
}

/* the log record of a chain: its result, a failure's reason, the
 * trusted sealer's override with what it saw; each chain counts in the
 * metrics */
static void
test_arc_log(void **state)
{
	struct buf out = BUF_INIT;
	struct msg m;

	(void)state;
	metrics_reset();
	(void)trusted_msg(&m, "", "reject.test", true);
	assert_string_equal(arc_log(&m, &out), "arc=pass arc_sets=1 "
	    "dmarc_override=trusted_forwarder arc_sealer=seal.example "
	    "arc_sealer_i=1 arc_sealer_saw=\"dmarc=pass\"");
	done(&m);
	(void)arc_fixture_msg(&m, "ARCMaxSignatures 2\n", "chain2.eml", NULL,
	    NULL);
	assert_string_equal(arc_log(&m, &out), "arc=fail arc_sets=2 "
	    "arc_reason=\"2 ARC sets need more than 2 signature checks\"");
	done(&m);
	buf_reset(&out);
	metrics_render(&out, 0);
	assert_non_null(strstr(buf_cstr(&out), "authmilter_results_total"
	    "{method=\"arc\",result=\"pass\"} 1\n"));
	assert_non_null(strstr(buf_cstr(&out), "authmilter_results_total"
	    "{method=\"arc\",result=\"fail\"} 1\n"));
	buf_deinit(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_and_dmarc_fail),
		cmocka_unit_test(test_trusted_sealers_want_org),
		cmocka_unit_test(test_spf_temperror),
		cmocka_unit_test(test_from_at_field_cap),
		cmocka_unit_test(test_null_sender_helo_aligned),
		cmocka_unit_test(test_late_walk_answer),
		cmocka_unit_test(test_multiple_from),
		cmocka_unit_test(test_hidden_from_at_start),
		cmocka_unit_test(test_no_fields),
		cmocka_unit_test(test_local_client_no_spf),
		cmocka_unit_test(test_dkim_signed),
		cmocka_unit_test(test_dkim_options),
		cmocka_unit_test(test_dkim_max_signatures),
		cmocka_unit_test(test_dkim_allow_partial_body),
		cmocka_unit_test(test_dkim_clock_skew),
		cmocka_unit_test(test_dkim_allow_sha1),
		cmocka_unit_test(test_arc_caps),
		cmocka_unit_test(test_arc_fields_fill_list),
		cmocka_unit_test(test_arc_lookups_cancelled),
		cmocka_unit_test(test_arc_key_bits),
		cmocka_unit_test(test_arc_clock_skew),
		cmocka_unit_test(test_arc_local_client),
		cmocka_unit_test(test_arc_trusted_sealer),
		cmocka_unit_test(test_arc_log),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
