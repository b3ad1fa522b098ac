/* test_sign_tables.c - OpenDKIM KeyTable/SigningTable parsing and
 * lookup (src/sign), key file permissions, the inline form, and every
 * bad line reported as file:line */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sign/keytable.h"
#include "sign/sign_setup.h"
#include "sign/signkey.h"
#include "sign/signtable.h"
#include "sign/tablefile.h"
#include "util/buf.h"

#include "temp_dir.h"

/* RFC 8463 A.2 Ed25519 seed, and a key file holding it */
#define SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"

static int
setup(void **state)
{
	if (temp_dir_setup(state) != 0)
		return -1;
	temp_dir_put("ed.seed", SEED, 0600);
	temp_dir_put("loose.seed", SEED, 0640);
	temp_dir_put("other.seed", SEED, 0604);
	return 0;
}

static void
test_glob_table(void **state)
{
	static const struct {
		const char *pat, *text;
		bool match;
	} cases[] = {
		{ "*", "a@b.c", true },
		{ "*@example.com", "alice@example.com", true },
		{ "*@example.com", "alice@sub.example.com", false },
		{ "*@*.example.com", "alice@sub.example.com", true },
		{ "*@*.example.com", "alice@example.com", false },
		{ "*@EXAMPLE.com", "Alice@example.COM", true },
		{ "boss@*", "boss@x.y", true },
		{ "boss@*", "bossy@x.y", false },
		{ "a*b*c", "aXXbYYbZZc", true },
		{ "a*b*c", "aXXbYYbZZ", false },
		{ "**x", "x", true },
		{ "", "", true },
		{ "", "a", false },
		{ "a.b", "aXb", false },	/* "." is literal, not a regex */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (signtable_glob(cases[i].pat, cases[i].text) != cases[i].match)
			fail_msg("\"%s\" vs \"%s\": want %d", cases[i].pat,
			    cases[i].text, cases[i].match);
}

static void
test_key_permissions(void **state)
{
	struct crypto_privkey *k;
	char why[512];

	(void)state;
	k = signkey_load_file(temp_dir_path("ed.seed"), why, sizeof(why));
	assert_non_null(k);
	crypto_privkey_free(&k);
	assert_null(signkey_load_file(temp_dir_path("loose.seed"), why, sizeof(why)));
	assert_non_null(strstr(why, "has mode 0640: group or others may read it"));
	assert_null(signkey_load_file(temp_dir_path("other.seed"), why, sizeof(why)));
	assert_non_null(strstr(why, "mode 0604"));
	assert_null(signkey_load_file(temp_dir, why, sizeof(why)));
	assert_non_null(strstr(why, "not a regular file"));
	/* a FIFO is refused too, not waited on for a writer (it hung the
	 * daemon's start or reload); SIGALRM ends the test if it waits */
	assert_int_equal(mkfifo(temp_dir_path("fifo.key"), 0600), 0);
	(void)alarm(10);
	assert_null(signkey_load_file(temp_dir_path("fifo.key"), why, sizeof(why)));
	(void)alarm(0);
	assert_non_null(strstr(why, "not a regular file"));
	(void)unlink(temp_dir_path("fifo.key"));
	assert_null(signkey_load_file(temp_dir_path("missing"), why, sizeof(why)));
	assert_non_null(strstr(why, "cannot open key file"));
	temp_dir_put("junk.key", "this is no key\n", 0600);
	assert_null(signkey_load_file(temp_dir_path("junk.key"), why, sizeof(why)));
	assert_non_null(strstr(why, "junk.key: neither PEM nor base64"));
}

static void
test_keytable_good(void **state)
{
	struct keytable kt;
	struct buf err = BUF_INIT;
	const struct keytable_entry *e;
	char text[1024];

	(void)state;
	(void)snprintf(text, sizeof(text),
	    "# comment line\n"
	    "\n"
	    "k1 example.com:sel1:%s   # trailing comment\n"
	    "k2\t%%:sel2:./ed.seed\n"
	    "k3 Example.ORG:sel3:%s\n"
	    "k5 b\xc3\xbc""cher.example:sel5:../%s/ed.seed\n",
	    temp_dir_path("ed.seed"), "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
	    strrchr(temp_dir, '/') + 1);
	temp_dir_put("KeyTable", text, 0644);
	if (!keytable_load(temp_dir_path("KeyTable"), "conf:1", &kt, &err))
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(kt.count, 4);
	/* a U-label domain is kept as its A-label; "../" names a file
	 * (relative to the table's directory), the same one as k1's */
	assert_string_equal(keytable_find(&kt, "k5")->domain,
	    "xn--bcher-kva.example");
	assert_ptr_equal(keytable_find(&kt, "k5")->key,
	    keytable_find(&kt, "k1")->key);
	/* k1 and k2 name the same file: read once */
	assert_int_equal(kt.nkeys, 2);
	e = keytable_find(&kt, "K1");
	assert_non_null(e);
	assert_string_equal(e->domain, "example.com");
	assert_string_equal(e->selector, "sel1");
	assert_ptr_equal(e->key, keytable_find(&kt, "k2")->key);
	assert_string_equal(keytable_find(&kt, "k2")->domain, "%");
	assert_string_equal(keytable_find(&kt, "k3")->domain, "example.org");
	assert_null(keytable_find(&kt, "k4"));
	keytable_deinit(&kt);
	buf_deinit(&err);
}

static void
test_keytable_bad_lines(void **state)
{
	struct keytable kt;
	struct buf err = BUF_INIT;
	char text[1024];
	const char *p;

	(void)state;
	(void)snprintf(text, sizeof(text),
	    "ok example.com:s:%s\n"
	    "novalue\n"
	    "short example.com:s\n"
	    "baddom ex..ample:s:%s\n"
	    "badsel example.com:s!:%s\n"
	    "perdom %%:s:/keys/%%.key\n"
	    "loose example.com:s:%s\n"
	    "ok example.com:s:%s\n"
	    "inline example.com:s:bm90IGEga2V5\n"
	    "relative example.com:s:keys/mail.private\n",
	    temp_dir_path("ed.seed"), temp_dir_path("ed.seed"),
	    temp_dir_path("ed.seed"),
	    temp_dir_path("loose.seed"), temp_dir_path("ed.seed"));
	p = temp_dir_put("BadKeyTable", text, 0644);
	assert_false(keytable_load(p, "conf:1", &kt, &err));
	assert_int_equal(kt.count, 0);
	{
		static const char *const want[] = {
			":2: no value after the key",
			":3: want \"name domain:selector:key\"",
			":4: bad domain \"ex..ample\"\n",
			":5: bad selector \"s!\"",
			":6: \"%\" in the key is not supported",
			":7: key file ", ":8: key name \"ok\" given twice (first at line 1)",
			":9: inline key: ",
			/* a relative file name, as OpenDKIM also read it */
			":10: inline key: neither PEM nor base64 (to name a key "
			"file, start it with \"/\", \"./\" or \"../\")",
		};
		size_t i;

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			char needle[600];

			(void)snprintf(needle, sizeof(needle), "%s%s", p, want[i]);
			if (strstr(buf_cstr(&err), needle) == NULL)
				fail_msg("missing \"%s\" in:\n%s", needle, buf_cstr(&err));
		}
		assert_null(strstr(buf_cstr(&err), ":1:"));
	}
	buf_reset(&err);
	assert_false(keytable_load("csl:a,b", "conf:7", &kt, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:7: KeyTable: data set \"csl:a,b\" not supported"));
	buf_reset(&err);
	/* the option is named: a reload's warning said only where */
	assert_false(keytable_load(temp_dir_path("nonexistent"), "conf:8", &kt, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:8: KeyTable: cannot open"));
	buf_reset(&err);
	/* a FIFO is refused, not waited on for a writer (the daemon's start
	 * or reload hung); SIGALRM ends the test if it waits */
	assert_int_equal(mkfifo(temp_dir_path("fifo.table"), 0600), 0);
	(void)alarm(10);
	assert_false(keytable_load(temp_dir_path("fifo.table"), "conf:8", &kt, &err));
	(void)alarm(0);
	assert_non_null(strstr(buf_cstr(&err), "conf:8: KeyTable: "));
	assert_non_null(strstr(buf_cstr(&err), "fifo.table is not a regular file"));
	(void)unlink(temp_dir_path("fifo.table"));
	buf_reset(&err);
	/* a line of TABLEFILE_MAX_LINE bytes with its newline is read, one
	 * byte more is refused */
	{
		struct buf t = BUF_INIT;
		size_t n;

		for (n = TABLEFILE_MAX_LINE; n <= TABLEFILE_MAX_LINE + 1; n++) {
			buf_reset(&t);
			buf_append_str(&t, "#");
			while (t.len < n - 1)
				buf_append_byte(&t, 'x');
			buf_printf(&t, "\nk1 example.com:s:%s\n", temp_dir_path("ed.seed"));
			p = temp_dir_put("LongKeyTable", buf_cstr(&t), 0644);
			buf_reset(&err);
			if (keytable_load(p, "conf:1", &kt, &err) !=
			    (n == TABLEFILE_MAX_LINE))
				fail_msg("line of %zu bytes: %s", n, buf_cstr(&err));
			if (n == TABLEFILE_MAX_LINE)
				keytable_deinit(&kt);
			else
				assert_non_null(strstr(buf_cstr(&err),
				    ":1: line too long"));
		}
		buf_deinit(&t);
	}
	buf_reset(&err);
	p = temp_dir_put("EmptyKeyTable", "# nothing\n", 0644);
	assert_false(keytable_load(p, "conf:9", &kt, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:9: KeyTable: "));
	assert_non_null(strstr(buf_cstr(&err), "has no entries"));
	buf_deinit(&err);
}

/* setup_tables - a sign_setup from KeyTable and SigningTable texts */
static struct sign_setup *
setup_tables(const char *st_spec_prefix, const char *st_text, bool multiple)
{
	struct sign_setup_input in;
	struct sign_setup *s = NULL;
	struct buf err = BUF_INIT;
	char kt[1024], spec[512];

	(void)snprintf(kt, sizeof(kt),
	    "rsa example.com:r1:%s\n"
	    "ed %%:e1:%s\n"
	    "sub.example.org sub.example.org:s:%s\n",
	    temp_dir_path("ed.seed"), temp_dir_path("ed.seed"),
	    temp_dir_path("ed.seed"));
	temp_dir_put("KT", kt, 0644);
	temp_dir_put("ST", st_text, 0644);
	(void)snprintf(spec, sizeof(spec), "%s%s", st_spec_prefix,
	    temp_dir_path("ST"));
	memset(&in, 0, sizeof(in));
	in.key_table = temp_dir_path("KT");
	in.where_key_table = "conf:1";
	in.signing_table = spec;
	in.where_signing_table = "conf:2";
	in.multiple_signatures = multiple;
	if (!sign_setup_load(&in, &s, &err))
		fail_msg("%s", buf_cstr(&err));
	buf_deinit(&err);
	return s;
}

/* picks - "d/s[/i] d/s" for an author */
static void
picks(const struct sign_setup *s, const char *local, const char *domain,
    char *out, size_t size)
{
	struct sign_choice c[SIGN_MAX_SIGNATURES];
	size_t i, n = sign_setup_select(s, local, domain, c, SIGN_MAX_SIGNATURES);
	struct buf b = BUF_INIT;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s/%s%s%s", i ? " " : "", c[i].domain,
		    c[i].selector, c[i].auid[0] ? "/" : "", c[i].auid);
	(void)snprintf(out, size, "%s", buf_cstr(&b));
	buf_deinit(&b);
}

static void
test_refile_order_and_multiple(void **state)
{
	static const char st[] =
	    "*@example.com   rsa\n"
	    "*@example.com   ed:%\n"		/* signer "%": no local part */
	    "boss@*.example.org ed:boss@%\n"
	    "*@*.example.org %\n";		/* key name "%": the domain */
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("refile:", st, false);
	picks(s, "alice", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");
	picks(s, "boss", "sub.example.org", got, sizeof(got));
	assert_string_equal(got, "sub.example.org/e1/boss@sub.example.org");
	picks(s, "x", "sub.example.org", got, sizeof(got));
	assert_string_equal(got, "sub.example.org/s");
	picks(s, "x", "other.example.org", got, sizeof(got));
	assert_string_equal(got, "");	/* "%" names no KeyTable entry */
	picks(s, "x", "example.net", got, sizeof(got));
	assert_string_equal(got, "");
	sign_setup_free(&s);
	s = setup_tables("refile:", st, true);
	picks(s, "alice", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1 example.com/e1");
	sign_setup_free(&s);
	assert_null(s);
}

/* refile: the "*@domain" lines, found through an index by domain, and
 * the other patterns, tried one by one, still come in file order,
 * whatever their mix; the domain's case is ignored as the glob ignores
 * it, and a pattern for another domain never comes in */
static void
test_refile_index_keeps_file_order(void **state)
{
	static const char st[] =
	    "*@*.example.net ed:one@%\n"	/* tried one by one */
	    "*@a.example.net ed:two@%\n"	/* indexed by its domain */
	    "al*@a.example.net ed:three@%\n"
	    "*@A.EXAMPLE.NET ed:four@%\n"
	    "*@b.example.net ed:five@%\n"
	    "*@a.example.net* ed:six@%\n";	/* a '*' after: not indexed */
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("refile:", st, true);
	picks(s, "alice", "a.example.net", got, sizeof(got));
	assert_string_equal(got, "a.example.net/e1/one@a.example.net "
	    "a.example.net/e1/two@a.example.net "
	    "a.example.net/e1/three@a.example.net "
	    "a.example.net/e1/four@a.example.net "
	    "a.example.net/e1/six@a.example.net");
	picks(s, "bob", "b.example.net", got, sizeof(got));
	assert_string_equal(got, "b.example.net/e1/one@b.example.net "
	    "b.example.net/e1/five@b.example.net");
	sign_setup_free(&s);
	s = setup_tables("refile:", st + strlen("*@*.example.net ed:one@%\n"),
	    false);
	picks(s, "alice", "a.example.net", got, sizeof(got));
	assert_string_equal(got, "a.example.net/e1/two@a.example.net");
	picks(s, "x", "c.example.net", got, sizeof(got));
	assert_string_equal(got, "");
	sign_setup_free(&s);
}

/* refile: only "*@domain" is looked up by its domain; "bob@domain" or
 * "*domain" are patterns like any other */
static void
test_refile_not_by_domain(void **state)
{
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("refile:", "bob@example.com rsa\n*example.com ed\n",
	    true);
	picks(s, "bob", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1 example.com/e1");
	picks(s, "alice", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/e1");
	sign_setup_free(&s);
}

/* A SigningTable key with a U-label domain matches the From domain,
 * which is compared as its A-label (RFC 8616 3); it never matched, so
 * that mail went out unsigned */
static void
test_signtable_u_labels(void **state)
{
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("", "b\xc3\xbc""cher.example ed\n"
	    "alice@.B\xc3\x9c""CHER.example rsa\n", true);
	picks(s, "alice", "sub.xn--bcher-kva.example", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");
	picks(s, "bob", "xn--bcher-kva.example", got, sizeof(got));
	assert_string_equal(got, "xn--bcher-kva.example/e1");
	sign_setup_free(&s);
	s = setup_tables("refile:", "*@b\xc3\xbc""cher.example ed\n", false);
	picks(s, "bob", "xn--bcher-kva.example", got, sizeof(got));
	assert_string_equal(got, "xn--bcher-kva.example/e1");
	sign_setup_free(&s);
	/* a signer (i=) in U-labels is within the A-label d=: it was
	 * compared as written, so i= was dropped without a word */
	s = setup_tables("refile:", "*@b\xc3\xbc""cher.example "
	    "ed:j\xc3\xb6rg@b\xc3\xbc""cher.example\n", false);
	picks(s, "bob", "xn--bcher-kva.example", got, sizeof(got));
	assert_string_equal(got,
	    "xn--bcher-kva.example/e1/j\xc3\xb6rg@xn--bcher-kva.example");
	sign_setup_free(&s);
}

/* A table saved with a UTF-8 byte order mark (Windows editors): the
 * mark is not part of the first key, which otherwise never matched, so
 * that author's mail went out unsigned without a word */
static void
test_byte_order_mark(void **state)
{
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("refile:", "\xef\xbb\xbf*@example.com rsa\r\n", false);
	picks(s, "alice", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");
	sign_setup_free(&s);
	s = setup_tables("", "\xef\xbb\xbf" "example.com rsa\n", false);
	picks(s, "alice", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");
	sign_setup_free(&s);
}

static void
test_flat_lookup_order(void **state)
{
	/* file order is the reverse of OpenDKIM's lookup order, so each
	 * answer shows the order, not the file, decides */
	static const char st[] =
	    "*              ed\n"
	    "boss@*         ed:boss@%\n"
	    ".org           rsa\n"
	    ".example.org   sub.example.org\n"
	    "x@.example.org ed\n"
	    "example.com    rsa\n"
	    "a@example.com  ed\n";
	struct sign_setup *s;
	char got[512];

	(void)state;
	s = setup_tables("file:", st, false);
	picks(s, "a", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/e1");		/* user@host */
	picks(s, "b", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");		/* host */
	picks(s, "x", "deep.example.org", got, sizeof(got));
	assert_string_equal(got, "deep.example.org/e1");	/* user@.domain */
	picks(s, "y", "deep.example.org", got, sizeof(got));
	assert_string_equal(got, "sub.example.org/s");		/* .domain, nearest */
	picks(s, "y", "foo.org", got, sizeof(got));
	assert_string_equal(got, "example.com/r1");		/* .org */
	picks(s, "boss", "net.test", got, sizeof(got));
	assert_string_equal(got, "net.test/e1/boss@net.test");	/* user@* before * */
	picks(s, "carol", "net.test", got, sizeof(got));
	assert_string_equal(got, "net.test/e1");		/* * */
	sign_setup_free(&s);
}

static void
test_signtable_bad_lines(void **state)
{
	struct sign_setup_input in;
	struct sign_setup *s = NULL;
	struct buf err = BUF_INIT;
	char kt[512];

	(void)state;
	(void)snprintf(kt, sizeof(kt), "rsa example.com:r1:%s\n",
	    temp_dir_path("ed.seed"));
	temp_dir_put("KT1", kt, 0644);
	temp_dir_put("BadST", "*@a.test rsa\n*@b.test nosuchkey\nlonely\n"
	    "*@c.test rsa:\n*@*.b\xc3\xbc""cher.example rsa\n"
	    "x\xff.example rsa\n*@d.test rsa:j@\xe2\x98\x83.test\n", 0644);
	memset(&in, 0, sizeof(in));
	in.key_table = temp_dir_path("KT1");
	in.where_key_table = "conf:1";
	in.signing_table = temp_dir_path("BadST");
	in.where_signing_table = "conf:2";
	assert_false(sign_setup_load(&in, &s, &err));
	assert_null(s);
	assert_non_null(strstr(buf_cstr(&err), "BadST:2: key name \"nosuchkey\" is not in the KeyTable"));
	assert_non_null(strstr(buf_cstr(&err), "BadST:3: no value after the key"));
	assert_non_null(strstr(buf_cstr(&err), "BadST:4: want \"key keyname[:signer]\""));
	assert_non_null(strstr(buf_cstr(&err), "BadST:5: a wildcard in a "
	    "non-ASCII domain never matches"));
	assert_non_null(strstr(buf_cstr(&err), "BadST:6: \"x\xff.example\" is "
	    "not a domain name"));
	assert_non_null(strstr(buf_cstr(&err), "BadST:7: signer: "
	    "\"\xe2\x98\x83.test\" is not a domain name"));
	/* one bad line among good ones fails the load too (temp_dir_path's
	 * names are taken again: it reuses four buffers) */
	temp_dir_put("BadST1", "*@a.test rsa\n*@b.test nosuchkey\n", 0644);
	in.key_table = temp_dir_path("KT1");
	in.signing_table = temp_dir_path("BadST1");
	buf_reset(&err);
	assert_false(sign_setup_load(&in, &s, &err));
	assert_null(s);
	assert_non_null(strstr(buf_cstr(&err), "BadST1:2: key name"));
	temp_dir_put("BadST1", "*@a.test rsa\n*@c.test rsa:\n", 0644);
	in.key_table = temp_dir_path("KT1");
	in.signing_table = temp_dir_path("BadST1");
	buf_reset(&err);
	assert_false(sign_setup_load(&in, &s, &err));
	assert_null(s);
	assert_non_null(strstr(buf_cstr(&err), "BadST1:2: want"));
	/* a SigningTable that cannot be read names its option too */
	in.key_table = temp_dir_path("KT1");
	in.signing_table = temp_dir_path("nonexistent");
	buf_reset(&err);
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:2: SigningTable: cannot open"));
	buf_reset(&err);
	in.signing_table = NULL;
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:1: KeyTable and SigningTable go together"));
	buf_deinit(&err);
}

static void
test_inline_form(void **state)
{
	const char *doms[] = { "Example.com", "example.net" };
	const char *sels[] = { "r1", "e1" };
	const char *files[2];
	struct sign_setup_input in;
	struct sign_setup *s = NULL;
	struct buf err = BUF_INIT;
	char got[512];

	(void)state;
	files[0] = temp_dir_path("ed.seed");
	files[1] = temp_dir_path("ed.seed");
	memset(&in, 0, sizeof(in));
	in.where_inline = "conf:5";
	in.where_domain = "conf:3";
	in.where_selector = "conf:4";
	in.where_key_file = "conf:5";
	in.domains = doms;
	in.ndomains = 2;
	in.selectors = sels;
	in.nselectors = 2;
	in.key_files = files;
	in.nkey_files = 2;
	assert_true(sign_setup_load(&in, &s, &err));
	picks(s, "a", "example.com", got, sizeof(got));
	assert_string_equal(got, "example.com/r1 example.com/e1");
	picks(s, "a", "example.net", got, sizeof(got));
	assert_string_equal(got, "example.net/r1 example.net/e1");
	picks(s, "a", "sub.example.com", got, sizeof(got));
	assert_string_equal(got, "");
	sign_setup_free(&s);
	in.nkey_files = 1;
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:5: Selector and KeyFile must list as many"));
	buf_reset(&err);
	files[1] = temp_dir_path("loose.seed");
	in.nkey_files = 2;
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:5: KeyFile: key file"));
	assert_non_null(strstr(buf_cstr(&err), "mode 0640"));
	buf_reset(&err);
	/* a bad entry is named at its own option's line */
	files[1] = temp_dir_path("ed.seed");
	doms[1] = "bad..example";
	sels[1] = "e_1/x";
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "conf:3: Domain: bad domain"));
	assert_non_null(strstr(buf_cstr(&err), "conf:4: Selector: bad selector"));
	doms[1] = "example.net";
	sels[1] = "e1";
	buf_reset(&err);
	in.nselectors = 0;
	in.nkey_files = 0;
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "needs Domain, Selector and KeyFile"));
	/* relative key files are the config directory's */
	files[0] = "ed.seed";
	in.nselectors = in.nkey_files = 1;
	in.base_dir = temp_dir;
	assert_true(sign_setup_load(&in, &s, &err));
	sign_setup_free(&s);
	in.base_dir = "/nonexistent";
	assert_false(sign_setup_load(&in, &s, &err));
	assert_non_null(strstr(buf_cstr(&err), "/nonexistent/ed.seed"));
	in.ndomains = in.nselectors = in.nkey_files = 0;
	assert_true(sign_setup_load(&in, &s, &err));
	assert_null(s);		/* nothing configured: signing off */
	buf_deinit(&err);
}

/* a file that opens as a regular one but whose read fails (EIO: the
 * address 0 of /proc/self/mem is not mapped) is an error named as such,
 * not an empty table */
static void
test_read_error(void **state)
{
	struct tablefile t;
	struct buf err = BUF_INIT;

	(void)state;
	assert_false(tablefile_load("file:/proc/self/mem", "conf:3", &t, &err));
	assert_non_null(strstr(buf_cstr(&err),
	    "/proc/self/mem: read error: Input/output error\n"));
	assert_int_equal(t.count, 0);
	tablefile_deinit(&t);
	buf_deinit(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_key_permissions),
		cmocka_unit_test(test_keytable_good),
		cmocka_unit_test(test_keytable_bad_lines),
		cmocka_unit_test(test_refile_order_and_multiple),
		cmocka_unit_test(test_refile_index_keeps_file_order),
		cmocka_unit_test(test_refile_not_by_domain),
		cmocka_unit_test(test_flat_lookup_order),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_signtable_u_labels),
		cmocka_unit_test(test_signtable_bad_lines),
		cmocka_unit_test(test_inline_form),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, setup, temp_dir_teardown);
}
