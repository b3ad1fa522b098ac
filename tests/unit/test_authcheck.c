/* test_authcheck.c - what authcheck adds below the command: the opt-in
 * org domain of a DMARC evaluation, and the message file splitter */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "authcheck/msgfile.h"
#include "dmarc_fakedns.h"

/* org - org_domain and policy of author, with or without want_org_domain */
static void
org(struct fake_dns *f, const char *author, bool want, struct dmarc_result *r)
{
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC9989,
	    .want_org_domain = want };
	struct dmarc_auth auth;
	struct dmarc_eval *e = dmarc_eval_new(author, &o);

	memset(&auth, 0, sizeof(auth));
	(void)fake_drive(f, e, false, &auth, r);
	r->record = NULL;
	dmarc_eval_free(&e);
}

static void
test_org_domain_only_when_asked(void **state)
{
	struct fake_dns f;
	struct dmarc_result r;

	(void)state;
	memset(&f, 0, sizeof(f));
	fake_add(&f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_add(&f, "_dmarc.mail.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none");
	/* own record: one query suffices, no org domain unless asked */
	org(&f, "mail.example.com", false, &r);
	assert_string_equal(r.org_domain, "");
	assert_int_equal(r.policy, DMARC_POLICY_NONE);
	org(&f, "mail.example.com", true, &r);
	assert_string_equal(r.org_domain, "example.com");
	assert_string_equal(r.policy_domain, "mail.example.com");
	assert_int_equal(r.policy, DMARC_POLICY_NONE);
	org(&f, "example.com", true, &r);
	assert_string_equal(r.org_domain, "example.com");
}

static void
test_org_walk_failure_changes_nothing(void **state)
{
	struct fake_dns f;
	struct dmarc_result r;

	(void)state;
	memset(&f, 0, sizeof(f));
	fake_add(&f, "_dmarc.mail.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=quarantine");
	fake_add(&f, "_dmarc.example.com", DNS_T_TXT, DNS_R_SERVFAIL, NULL);
	org(&f, "mail.example.com", true, &r);
	assert_string_equal(r.org_domain, "");
	assert_int_equal(r.policy, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.result, DMARC_RES_FAIL);
}

/* split_len - msgfile_read of len bytes written to a temp file */
static int
split_len(const char *text, size_t len, struct msgfile *m)
{
	char path[] = "/tmp/test_authcheck.XXXXXX";
	const char *err = NULL;
	int fd = mkstemp(path), rc = -1;
	ssize_t w;

	assert_true(fd >= 0);
	w = write(fd, text, len);
	close(fd);
	if (w == (ssize_t)len)
		rc = msgfile_read(path, m, &err);
	unlink(path);	/* before the assertion: a failed one leaves no file */
	assert_int_equal(w, (ssize_t)len);
	return rc;
}

/* split - split_len of a C string */
static int
split(const char *text, struct msgfile *m)
{
	return split_len(text, strlen(text), m);
}

static void
test_msgfile_split(void **state)
{
	struct msgfile m;
	const char *err = NULL;

	(void)state;
	assert_int_equal(split("From alice@example.com Sat Nov 28 10:00:00 2026\n"
	    "From: Alice <alice@example.com>\n"
	    "Subject: one\n two\n"
	    "X-Odd :value\r\n"
	    "\n"
	    "body line\nsecond\r\nthird", &m), 0);
	assert_int_equal(m.count, 3);
	assert_string_equal(m.fields[0].name, "From");
	assert_string_equal(m.fields[0].value, " Alice <alice@example.com>");
	assert_string_equal(m.fields[1].value, " one\r\n two");
	assert_string_equal(m.fields[2].name, "X-Odd");
	assert_string_equal(m.fields[2].value, "value");
	assert_int_equal(m.body.len, strlen("body line\r\nsecond\r\nthird"));
	assert_memory_equal(m.body.data, "body line\r\nsecond\r\nthird",
	    m.body.len);
	msgfile_free(&m);

	/* a line that is no header field starts the body (as Postfix) */
	assert_int_equal(split("Subject: x\nnot a header\nmore\n", &m), 0);
	assert_int_equal(m.count, 1);
	assert_string_equal(buf_cstr(&m.body), "not a header\r\nmore\r\n");
	msgfile_free(&m);

	/* "From :" first is the author field, not an mbox line */
	assert_int_equal(split("From : alice@example.com\nTo: b@example.net\n"
	    "\nhi\n", &m), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.fields[0].name, "From");
	assert_string_equal(m.fields[0].value, " alice@example.com");
	msgfile_free(&m);

	/* nothing at all, and a missing file */
	assert_int_equal(split("", &m), 0);
	assert_int_equal(m.count, 0);
	assert_int_equal(m.body.len, 0);
	msgfile_free(&m);
	assert_int_equal(msgfile_read("/nonexistent/x", &m, &err), -1);
	assert_non_null(err);
}

/* A field folded over many lines is read in time linear in its size:
 * each continuation line copied the whole value so far, and this one
 * (500,000 lines, 1.5 MB) took half a minute. The alarm ends a slow
 * run. */
static void
test_msgfile_long_fold(void **state)
{
	struct buf text = BUF_INIT;
	struct msgfile m;
	size_t i;

	(void)state;
	buf_append_str(&text, "From: a@example.com\nX-Long: a\n");
	for (i = 0; i < 500000; i++)
		buf_append_str(&text, " b\n");
	buf_append_str(&text, "Subject: after\n\nbody\n");
	alarm(10);
	assert_int_equal(split(buf_cstr(&text), &m), 0);
	alarm(0);
	assert_int_equal(m.count, 3);
	assert_int_equal(strlen(m.fields[1].value), 2 + 500000 * 4);
	assert_memory_equal(m.fields[1].value, " a\r\n b\r\n b", 10);
	assert_string_equal(m.fields[2].value, " after");
	/* a NUL ends the value, continuation lines after it too */
	msgfile_free(&m);
	assert_int_equal(split_len("X-Nul: a\n b\0c\n d\nTo: e\n", 23, &m), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.fields[0].value, " a\r\n b");
	assert_string_equal(m.fields[1].value, " e");
	msgfile_free(&m);
	buf_deinit(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_domain_only_when_asked),
		cmocka_unit_test(test_org_walk_failure_changes_nothing),
		cmocka_unit_test(test_msgfile_split),
		cmocka_unit_test(test_msgfile_long_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
