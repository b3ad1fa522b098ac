/* test_report_build.c - the pure parts of a DMARC aggregate report: XML
 * escaping, record grouping into XML, periods on UTC hour boundaries,
 * Report-ID / file name / Subject, rua parsing with !size, the external
 * destination verdict, gzip */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "crypto/crypto.h"
#include "report/report_afrf.h"
#include "report/report_redact.h"
#include "report/report_mime.h"
#include "report/report_name.h"
#include "report/report_rua.h"
#include "report/report_xml.h"
#include "util/utf8.h"

static void
test_xml_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "R&D <x> \"q\" 'a'", "R&amp;D &lt;x&gt; &quot;q&quot; &apos;a&apos;" },
		{ "ctl\x01\x1f\x7fok", "ctl???ok" },
		{ "tab\tnl\n", "tab\tnl\n" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },		/* valid UTF-8 kept */
		{ "bad\xc3(", "bad?(" },			/* cut sequence */
		{ "over\xc0\xaf", "over??" },			/* overlong */
		{ "sur\xed\xa0\x80", "sur???" },		/* surrogate */
		{ "\xf4\x90\x80\x80", "????" },			/* > U+10FFFF */
		/* U+FFFE and U+FFFF: UTF-8, but no XML characters; U+FFFD is */
		{ "a\xef\xbf\xbe\xef\xbf\xbf" "b", "a??????b" },
		{ "\xef\xbf\xbd", "\xef\xbf\xbd" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		report_xml_escape(&b, cases[i].in);
		assert_string_equal(buf_cstr(&b), cases[i].out);
		buf_deinit(&b);
	}
}

static void
test_xml_record_mapping(void **state)
{
	struct report_meta m = { false, "Org", "a@b.example", "1.x@b.example",
		"gen", 0, 86399 };
	struct report_policy p = { "x.example", "reject", "", "quarantine", "s",
		"", "y", "", "treewalk", 100 };
	struct report_group g = { "192.0.2.1", 7, "none", false, true,
		"sampled_out", "", "x.example", "", "helo.example", "helo", "pass",
		"x.example\ts1\tpass\nevil<\t\tbogus\nshort" };
	struct buf b = BUF_INIT;
	const char *x;

	(void)state;
	report_xml_begin(&b, &m, &p);
	report_xml_record(&b, &m, &g);
	report_xml_end(&b);
	x = buf_cstr(&b);
	assert_non_null(strstr(x, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"));
	assert_non_null(strstr(x, "    <org_name>Org</org_name>\n"
	    "    <email>a@b.example</email>\n"
	    "    <report_id>1.x@b.example</report_id>\n"));
	assert_non_null(strstr(x, "</date_range>\n    <generator>gen</generator>\n"));
	assert_non_null(strstr(x, "<np>quarantine</np>"));
	assert_null(strstr(x, "<sp>"));			/* absent: left out */
	assert_non_null(strstr(x, "<adkim>s</adkim>"));
	assert_non_null(strstr(x, "<aspf>r</aspf>"));	/* default */
	assert_non_null(strstr(x, "<testing>y</testing>"));
	assert_non_null(strstr(x, "<count>7</count>"));
	/* RFC 9990 has no sampled_out: other, with the word as comment */
	assert_non_null(strstr(x, "<type>other</type>"));
	assert_non_null(strstr(x, "<comment>sampled_out</comment>"));
	/* HELO SPF is not reported in RFC 9990 (scope mfrom only) */
	assert_null(strstr(x, "<spf>\n        <domain>helo.example"));
	assert_null(strstr(x, "<envelope_from>"));
	/* DKIM lines: good one kept, bad result mapped, short line ignored */
	assert_non_null(strstr(x, "<selector>s1</selector>"));
	assert_non_null(strstr(x, "<domain>evil&lt;</domain>"));
	assert_non_null(strstr(x, "<result>permerror</result>"));
	assert_null(strstr(x, "short"));
	/* a published sp= is shown as published, sp=none too (it differs
	 * from p=reject: subdomains are not protected) */
	buf_truncate(&b, 0);
	p.sp = "none";
	report_xml_begin(&b, &m, &p);
	assert_non_null(strstr(buf_cstr(&b), "<p>reject</p>\n    <sp>none</sp>"));
	p.sp = "";
	buf_truncate(&b, 0);
	m.rfc7489 = true;
	report_xml_begin(&b, &m, &p);
	report_xml_record(&b, &m, &g);
	x = buf_cstr(&b);
	assert_non_null(strstr(x, "<feedback>\n  <version>1.0</version>"));
	assert_null(strstr(x, "<generator>"));	/* not in RFC 7489's schema */
	/* RFC 7489's order: adkim and aspf before p */
	assert_non_null(strstr(x, "<domain>x.example</domain>\n"
	    "    <adkim>s</adkim>\n    <aspf>r</aspf>\n    <p>reject</p>\n"));
	assert_non_null(strstr(x, "<sp>reject</sp>"));	/* defaults to p */
	assert_null(strstr(x, "<np>"));
	assert_non_null(strstr(x, "<pct>100</pct>"));
	assert_non_null(strstr(x, "<type>sampled_out</type>"));
	assert_non_null(strstr(x, "<scope>helo</scope>"));
	/* the null sender: RFC 7489's schema requires envelope_from */
	assert_non_null(strstr(x, "<envelope_from></envelope_from>"));
	/* pct outside 0..100 is shown at the nearest end */
	p.pct = 101;
	buf_truncate(&b, 0);
	report_xml_begin(&b, &m, &p);
	assert_non_null(strstr(buf_cstr(&b), "<pct>100</pct>"));
	p.pct = -1;
	buf_truncate(&b, 0);
	report_xml_begin(&b, &m, &p);
	assert_non_null(strstr(buf_cstr(&b), "<pct>0</pct>"));
	p.pct = 100;
	/* an IPv6 source: all eight groups for RFC 7489's IPAddress
	 * pattern (it has no "::"), RFC 5952 text for RFC 9990 */
	g.source_ip = "2001:db8::25";
	buf_truncate(&b, 0);
	report_xml_record(&b, &m, &g);
	assert_non_null(strstr(buf_cstr(&b),
	    "<source_ip>2001:db8:0:0:0:0:0:25</source_ip>"));
	g.source_ip = "::1";
	buf_truncate(&b, 0);
	report_xml_record(&b, &m, &g);
	assert_non_null(strstr(buf_cstr(&b),
	    "<source_ip>0:0:0:0:0:0:0:1</source_ip>"));
	m.rfc7489 = false;
	g.source_ip = "2001:db8::25";
	buf_truncate(&b, 0);
	report_xml_record(&b, &m, &g);
	assert_non_null(strstr(buf_cstr(&b),
	    "<source_ip>2001:db8::25</source_ip>"));
	/* RFC 9990: envelope_from shown when there is one */
	g.envelope_from = "bounce.x.example";
	buf_truncate(&b, 0);
	report_xml_record(&b, &m, &g);
	assert_non_null(strstr(buf_cstr(&b), "<header_from>x.example</header_from>\n"
	    "      <envelope_from>bounce.x.example</envelope_from>\n"));
	buf_deinit(&b);
}

/* dkim_line - one stored line "d\ts\tr" of the lengths given */
static void
dkim_line(struct buf *b, size_t dl, size_t sl, size_t rl)
{
	size_t i;

	for (i = 0; i < dl; i++)
		buf_append_byte(b, 'd');
	buf_append_byte(b, '\t');
	for (i = 0; i < sl; i++)
		buf_append_byte(b, 's');
	buf_append_byte(b, '\t');
	for (i = 0; i < rl; i++)
		buf_append_byte(b, 'r');
	buf_append_byte(b, '\n');
}

/* A stored DKIM line whose domain, selector or result is too long for
 * the writer's copies (255, 255 and 31 bytes) is left out whole, never
 * shown cut; one at the limits is shown */
static void
test_xml_dkim_lengths(void **state)
{
	struct report_meta m = { false, "Org", "a@b.example", "1.x@b.example",
		"gen", 0, 86399 };
	struct report_group g = { "192.0.2.1", 1, "none", false, false, "", "",
		"x.example", "", "x.example", "mfrom", "fail", "" };
	static const size_t lens[][4] = {	/* d, s, r, shown */
		{ 255, 255, 31, 1 }, { 256, 1, 4, 0 }, { 1, 256, 4, 0 },
		{ 1, 1, 32, 0 },
	};
	struct buf b = BUF_INIT, dkim = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_truncate(&dkim, 0);
		buf_truncate(&b, 0);
		dkim_line(&dkim, lens[i][0], lens[i][1], lens[i][2]);
		g.dkim = buf_cstr(&dkim);
		report_xml_record(&b, &m, &g);
		if ((strstr(buf_cstr(&b), "<dkim>\n") != NULL) != (lens[i][3] != 0))
			fail_msg("case %zu: %s", i, buf_cstr(&b));
	}
	buf_deinit(&b);
	buf_deinit(&dkim);
}

static void
test_periods(void **state)
{
	int64_t b, e;

	(void)state;
	report_period_of(1796169600 + 5, 24, &b, &e);	/* 2026-12-02 00:00:05 */
	assert_int_equal(b, 1796169600);
	assert_int_equal(e, 1796169600 + 86400);
	report_period_of(1796169600 + 7 * 3600 + 59, 6, &b, &e);
	assert_int_equal(b, 1796169600 + 6 * 3600);
	assert_int_equal(e, 1796169600 + 12 * 3600);
	report_period_of(1796169600, 1, &b, &e);	/* on the boundary */
	assert_int_equal(b, 1796169600);
	report_period_of(-1, 24, &b, &e);		/* floor before 1970 */
	assert_int_equal(b, -86400);
	assert_int_equal(report_complete_before(1796169600 + 100, 24), 1796169600);
	assert_int_equal(report_complete_before(1796169600, 24), 1796169600);
}

static void
test_names(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	/* without a store identity: the names of a report claimed by a
	 * version before identities, and RFC 9990's example */
	report_filename(&b, "mail.receiver.example", "example.com", 1013662812,
	    1013749130, NULL);
	assert_string_equal(buf_cstr(&b),
	    "mail.receiver.example!example.com!1013662812!1013749130.xml.gz");
	buf_truncate(&b, 0);
	report_id(&b, "mx.example.net", "example.com", 1700000000, "");
	assert_string_equal(buf_cstr(&b), "1700000000.example.com@mx.example.net");
	buf_truncate(&b, 0);
	/* with one: the unique-id before the extension, and the last atom
	 * of the Report-ID's left part */
	report_filename(&b, "mx.example.net", "example.com", 1700000000,
	    1700086399, "3f9a1c0e5b7d2468");
	assert_string_equal(buf_cstr(&b), "mx.example.net!example.com!"
	    "1700000000!1700086399!3f9a1c0e5b7d2468.xml.gz");
	buf_truncate(&b, 0);
	report_id(&b, "mx.example.net", "example.com", 1700000000,
	    "3f9a1c0e5b7d2468");
	assert_string_equal(buf_cstr(&b),
	    "1700000000.example.com.3f9a1c0e5b7d2468@mx.example.net");
	buf_truncate(&b, 0);
	/* unique-id = 1*(ALPHA / DIGIT), which is also dot-atom-text */
	assert_true(report_unique_ok("3f9a1c0e5b7d2468"));
	assert_true(report_unique_ok("Z"));
	assert_false(report_unique_ok(""));
	assert_false(report_unique_ok("3f9a-1c0e"));
	assert_false(report_unique_ok("a.b"));
	assert_false(report_unique_ok("a!b"));
	assert_false(report_unique_ok("a b"));
	assert_true(report_unique_ok("0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef"));
	assert_false(report_unique_ok("0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0"));
	report_subject(&b, "example.com", "mx.example.net", "1.example.com@mx.example.net");
	assert_string_equal(buf_cstr(&b), "Report Domain: example.com\r\n"
	    " Submitter: mx.example.net\r\n Report-ID: <1.example.com@mx.example.net>");
	assert_true(report_name_ok("a-b.example_x"));
	assert_false(report_name_ok(""));
	assert_false(report_name_ok("a!b"));
	assert_false(report_name_ok("a/b"));
	buf_deinit(&b);
}

static void
test_rua_parse(void **state)
{
	struct report_dest d[REPORT_RUA_MAX];
	size_t n;

	(void)state;
	n = report_rua_parse(" mailto:a@X.Example!10m , https://x.example/r,"
	    "mailto:b%40c@d.example,mailto:bad,mailto:%3Cx%3E@e.example,"
	    "mailto:c@f.example!2k,mailto:g@h.example!12q", d, REPORT_RUA_MAX);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].addr, "a@x.example");
	assert_string_equal(d[0].host, "x.example");
	assert_int_equal(d[0].max_bytes, 10 << 20);
	assert_string_equal(d[1].addr, "c@f.example");
	assert_int_equal(d[1].max_bytes, 2048);
	n = report_rua_parse("mailto:a@b.example,mailto:a@b.example,"
	    "mailto:a@b.example", d, 2);
	assert_int_equal(n, 2);				/* capped */
	assert_int_equal(report_rua_parse("", d, 4), 0);
	assert_int_equal(report_rua_parse(NULL, d, 4), 0);
	/* a size past 2^64 is no limit; it used to wrap to a small one */
	assert_int_equal(report_rua_parse("mailto:a@b.example!999999999999t,"
	    "mailto:a@b.example!16777216t", d, 2), 2);
	assert_true(d[0].max_bytes == UINT64_MAX);
	assert_true(d[1].max_bytes == UINT64_MAX);
	assert_int_equal(report_rua_parse("mailto:a@b.example!16777215t", d,
	    1), 1);
	assert_true(d[0].max_bytes == 16777215ULL << 40);
	/* RFC 9989 4.8: obs-dmarc-report-size is "!" 1*DIGIT, ignored by
	 * reporters; a 13-digit size is no reason to drop the URI (it was,
	 * and so a rua with no other address got no report at all) */
	assert_int_equal(report_rua_parse("mailto:a@b.example!1234567890123,"
	    "mailto:c@d.example!18446744073709551615,"
	    "mailto:e@f.example!18446744073709551616,"
	    "mailto:g@h.example!00000000000000000000000000001k", d, 4), 4);
	assert_true(d[0].max_bytes == 1234567890123ULL);
	assert_true(d[1].max_bytes == UINT64_MAX);
	assert_true(d[2].max_bytes == UINT64_MAX);
	assert_true(d[3].max_bytes == 1024);
	/* a size needs digits; hfields are not followed */
	assert_int_equal(report_rua_parse("mailto:a@b.example!,"
	    "mailto:a@b.example!k", d, 2), 0);
	assert_int_equal(report_rua_parse("mailto:a@b.example?subject=hi!1k",
	    d, 1), 1);
	assert_string_equal(d[0].addr, "a@b.example");
	assert_int_equal(d[0].max_bytes, 1024);
	/* escapes for controls, space and DEL are refused, as are a local
	 * part ending in the domain's dot and an address of 256 bytes */
	assert_int_equal(report_rua_parse("mailto:a%0Ab@c.example,"
	    "mailto:a%20b@c.example,mailto:a%7Fb@c.example,"
	    "mailto:x.@example", d, 4), 0);
	{
		char uri[300];

		(void)snprintf(uri, sizeof(uri), "mailto:%0*d@c.example",
		    (int)(REPORT_ADDR_SIZE - 11), 0);
		assert_int_equal(report_rua_parse(uri, d, 1), 1);
		assert_int_equal(strlen(d[0].addr), REPORT_ADDR_SIZE - 1);
		(void)snprintf(uri, sizeof(uri), "mailto:%0*d@c.example",
		    (int)(REPORT_ADDR_SIZE - 10), 0);
		assert_int_equal(report_rua_parse(uri, d, 1), 0);
	}
}

static void
test_rua_judge(void **state)
{
	struct report_dest d[1];
	const char *txt[2], *why;
	size_t len[2];
	struct buf b = BUF_INIT;
	char longname[300];

	(void)state;
	assert_int_equal(report_rua_parse("mailto:r@rep.example", d, 1), 1);
	txt[0] = "spf junk";
	txt[1] = "v=DMARC1";
	len[0] = strlen(txt[0]);
	len[1] = strlen(txt[1]);
	assert_false(report_rua_judge(txt, len, 1, REPORT_TAG_RUA, d, &why));
	assert_string_equal(why, "no v=DMARC1 record");
	assert_true(report_rua_judge(txt, len, 2, REPORT_TAG_RUA, d, &why));
	assert_string_equal(d[0].addr, "r@rep.example");
	/* an override for the same host replaces the address */
	txt[0] = "v=DMARC1; rua=mailto:other@rep.example!1k";
	len[0] = strlen(txt[0]);
	assert_true(report_rua_judge(txt, len, 1, REPORT_TAG_RUA, d, &why));
	assert_string_equal(d[0].addr, "other@rep.example");
	assert_string_equal(d[0].host, "rep.example");
	assert_int_equal(d[0].max_bytes, 1024);
	/* an override naming another host: no report at all */
	txt[0] = "v=DMARC1; rua=mailto:x@elsewhere.example";
	len[0] = strlen(txt[0]);
	assert_false(report_rua_judge(txt, len, 1, REPORT_TAG_RUA, d, &why));
	assert_string_equal(why, "its rua names another host");
	assert_true(report_rua_verify_name(&b, "a.example", "rep.example"));
	assert_string_equal(buf_cstr(&b), "a.example._report._dmarc.rep.example");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(report_rua_verify_name(&b, longname, "rep.example"));
	/* each call starts the name anew */
	assert_true(report_rua_verify_name(&b, "b.example", "rep.example"));
	assert_string_equal(buf_cstr(&b), "b.example._report._dmarc.rep.example");
	buf_deinit(&b);
}

/* a failure-report destination is judged by the record's ruf, never its
 * rua (RFC 9991: RFC 9990's procedure with ruf read for rua) */
static void
test_ruf_judge(void **state)
{
	struct report_dest d[1];
	const char *txt[1], *why;
	size_t len[1];

	(void)state;
	assert_int_equal(report_rua_parse("mailto:forensic@rep.example", d, 1), 1);
	/* the rua of the authorising record is for aggregate reports */
	txt[0] = "v=DMARC1; rua=mailto:agg@rep.example";
	len[0] = strlen(txt[0]);
	assert_true(report_rua_judge(txt, len, 1, REPORT_TAG_RUF, d, &why));
	assert_string_equal(d[0].addr, "forensic@rep.example");
	assert_true(report_rua_judge(txt, len, 1, REPORT_TAG_RUA, d, &why));
	assert_string_equal(d[0].addr, "agg@rep.example");
	/* its ruf replaces a failure-report destination */
	assert_int_equal(report_rua_parse("mailto:forensic@rep.example", d, 1), 1);
	txt[0] = "v=DMARC1; rua=mailto:x@elsewhere.example; "
	    "ruf=mailto:afrf@rep.example";
	len[0] = strlen(txt[0]);
	assert_true(report_rua_judge(txt, len, 1, REPORT_TAG_RUF, d, &why));
	assert_string_equal(d[0].addr, "afrf@rep.example");
	/* a ruf naming another host refuses it, whatever rua says */
	txt[0] = "v=DMARC1; rua=mailto:agg@rep.example; "
	    "ruf=mailto:x@elsewhere.example";
	len[0] = strlen(txt[0]);
	assert_false(report_rua_judge(txt, len, 1, REPORT_TAG_RUF, d, &why));
	assert_string_equal(why, "its ruf names another host");
}

static void
test_gzip_round_trip(void **state)
{
	static const char text[] = "<feedback>aaaaaaaaaaaaaaaaaaaaaaaaaa</feedback>";
	unsigned char back[128];
	struct buf gz = BUF_INIT;
	z_stream z;

	(void)state;
	assert_true(report_gzip((const unsigned char *)text, strlen(text), &gz));
	assert_true(gz.len > 18 && gz.data[0] == 0x1f && gz.data[1] == 0x8b);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz.data;
	z.avail_in = (uInt)gz.len;
	z.next_out = back;
	z.avail_out = sizeof(back);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, strlen(text));
	assert_memory_equal(back, text, strlen(text));
	(void)inflateEnd(&z);
	buf_deinit(&gz);
}

/* The aggregate report's message: each recipient once, folded after a
 * comma; the gzip data in base64 lines of 76 characters, the last one
 * shorter or as long, and none empty */
static void
test_mime(void **state)
{
	static const char *const to[] = { "a@x.example", "b@y.example" };
	unsigned char gz[57 * 3];
	struct report_mail m = { "dmarc@rx.example", to, 2, "Report Domain: x",
		"id@rx.example", 1796169600, "f.xml.gz", "summary" };
	struct buf b = BUF_INIT, back = BUF_INIT;
	const char *p, *q, *e;
	size_t i, n;

	(void)state;
	for (n = sizeof(gz) - 1; n <= sizeof(gz); n++) {
		for (i = 0; i < n; i++)
			gz[i] = (unsigned char)(i * 7);
		buf_truncate(&b, 0);
		buf_truncate(&back, 0);
		report_mime(&b, &m, gz, n);
		assert_non_null(strstr(buf_cstr(&b), "\r\nTo: a@x.example,\r\n "
		    "b@y.example\r\nSubject: Report Domain: x\r\n"));
		p = strstr(buf_cstr(&b), "filename=\"f.xml.gz\"\r\n\r\n");
		assert_non_null(p);
		p += strlen("filename=\"f.xml.gz\"\r\n\r\n");
		e = strstr(p, "\r\n\r\n--");
		assert_non_null(e);
		for (q = p; q < e; q += 78) {
			const char *eol = strstr(q, "\r\n");

			assert_true(eol - q == 76 || (eol == e && eol > q &&
			    eol - q < 76));
		}
		assert_null(strstr(buf_cstr(&b), "\r\n\r\n\r\n"));
		assert_true(crypto_base64_decode((const unsigned char *)p,
		    (size_t)(e - p), &back));
		assert_int_equal(back.len, n);
		assert_memory_equal(back.data, gz, n);
	}
	buf_deinit(&b);
	buf_deinit(&back);
}

static void
test_fo_logic(void **state)
{
	static const struct {
		const char *fo;
		bool dkim_pass, spf_pass, dkim_fail, spf_fail, want;
	} cases[] = {
		/* fo=0 (and absent): only when nothing gave an aligned pass */
		{ NULL, false, false, false, true, true },
		{ "", false, true, false, false, false },
		{ "0", true, false, false, true, false },
		/* fo=1: when anything failed to give an aligned pass */
		{ "1", true, false, false, true, true },
		{ "1", true, true, false, false, false },
		/* d: a DKIM signature failed, aligned or not */
		{ "d", true, true, true, false, true },
		{ "d", false, false, false, true, false },
		/* s: SPF failed, aligned or not */
		{ "s", true, true, false, true, true },
		{ "s", false, false, true, false, false },
		/* lists, spaces, unknown options, case */
		{ "0:s", true, true, false, true, true },
		{ " d : x ", false, true, true, false, true },
		{ "x:y", false, false, true, true, false },
		{ "S", true, true, false, true, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_fo_input in = { cases[i].dkim_pass,
			cases[i].spf_pass, cases[i].dkim_fail, cases[i].spf_fail };

		if (report_fo_wants(cases[i].fo, &in) != cases[i].want)
			fail_msg("case %zu fo=%s", i, cases[i].fo ? cases[i].fo : "NULL");
	}
}

/* Identity-Alignment lists the mechanisms that failed to authenticate an
 * aligned identity (RFC 9991 3.2), "none" when neither failed */
static void
test_identity_alignment(void **state)
{
	(void)state;
	assert_string_equal(report_afrf_identity_alignment(false, false),
	    "dkim,spf");
	assert_string_equal(report_afrf_identity_alignment(true, false), "spf");
	assert_string_equal(report_afrf_identity_alignment(false, true), "dkim");
	assert_string_equal(report_afrf_identity_alignment(true, true), "none");
}

static void
test_redact_and_afrf(void **state)
{
	static const unsigned char from[] = " Alice <alice.b+x@a.example>,\n"
	    "\tbob@b.example";
	static const unsigned char subj[] = " hi\r\nX-Injected: 1\r\n\r\nbody";
	static const char *const spf_recs[] = { "v=spf1 -all", "v=spf1 +all" };
	static const char head[] = "From: dmarc@rx.example\r\n"
	    "To: ruf@a.example\r\nDate: Wed, 02 Dec 2026 00:00:00 +0000\r\n"
	    "Subject: FW: evil  Bcc: redacted@y\r\n";
	struct report_afrf r;
	struct buf b = BUF_INIT;

	(void)state;
	report_redact_header(&b, "From", from, sizeof(from) - 1, true);
	assert_string_equal(buf_cstr(&b), "From: Alice <redacted@a.example>,\r\n"
	    "\tredacted@b.example\r\n");
	buf_truncate(&b, 0);
	report_redact_header(&b, "Subject", (const unsigned char *)"a@b.example",
	    11, true);	/* every field is redacted, not only address fields */
	assert_string_equal(buf_cstr(&b), "Subject: redacted@b.example\r\n");
	buf_truncate(&b, 0);
	/* a line break not followed by white space cannot start a field */
	report_redact_header(&b, "Subject", subj, sizeof(subj) - 1, false);
	assert_string_equal(buf_cstr(&b), "Subject: hiX-Injected: 1body\r\n");
	buf_truncate(&b, 0);
	memset(&r, 0, sizeof(r));
	r.from = "dmarc@rx.example";
	r.to = "ruf@a.example";
	r.message_id = "id@rx.example";
	r.date = 1796169600;
	r.user_agent = "authmilter/1";
	r.source_ip = "192.0.2.1";
	r.envelope_id = "";
	r.mail_from = "";
	r.reported_domain = "a.example";
	r.auth_results = "rx.example; dmarc=fail header.from=a.example";
	r.identity_alignment = "dkim";
	r.dkim_domain = "a.example";
	r.dkim_selector = "s1";
	r.delivery_result = "reject";
	r.subject = "evil\r\nBcc: x@y";
	r.headers = "From: x@a.example\r\n";
	report_afrf_build(&b, &r);
	assert_null(strstr(buf_cstr(&b), "SPF-DNS"));
	buf_truncate(&b, 0);
	r.spf_domain = "a.example";
	r.spf_records = spf_recs;
	r.spf_record_count = 2;
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nSPF-DNS: txt : a.example : "
	    "\"v=spf1 -all\"\r\nSPF-DNS: txt : a.example : \"v=spf1 +all\"\r\n"
	    "Delivery-Result: reject\r\n"));
	/* the zero value of keep_local_parts redacts */
	assert_true(strncmp(buf_cstr(&b), head, sizeof(head) - 1) == 0);
	/* the feedback part's fields (RFC 5965 3.1, RFC 6591 3.1), in order */
	assert_non_null(strstr(buf_cstr(&b), "\r\n\r\nFeedback-Type: "
	    "auth-failure\r\nVersion: 1\r\nUser-Agent: authmilter/1\r\n"
	    "Auth-Failure: dmarc\r\nAuthentication-Results: rx.example; "
	    "dmarc=fail header.from=a.example\r\nIdentity-Alignment: dkim\r\n"
	    "DKIM-Domain: a.example\r\nDKIM-Identity: @a.example\r\n"
	    "DKIM-Selector: s1\r\nSPF-DNS: "));
	assert_non_null(strstr(buf_cstr(&b), "Original-Mail-From: <>\r\n"));
	assert_null(strstr(buf_cstr(&b), "Original-Envelope-Id"));
	assert_non_null(strstr(buf_cstr(&b), "Arrival-Date: Wed, 02 Dec 2026 "
	    "00:00:00 +0000\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "received from IP 192.0.2.1 on "
	    "Wed, 02 Dec 2026 00:00:00 +0000.\r\n"));
	/* all ASCII: every part says 7bit */
	assert_null(strstr(buf_cstr(&b), "Content-Transfer-Encoding: 8bit"));
	/* the sender's ENVID, redacted like Original-Mail-From, before it */
	buf_truncate(&b, 0);
	r.envelope_id = "QQ314159 bob.smith@a.example";
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nOriginal-Envelope-Id: "
	    "QQ314159 redacted@a.example\r\nOriginal-Mail-From: <>\r\n"));
	buf_truncate(&b, 0);
	r.keep_local_parts = true;
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nOriginal-Envelope-Id: "
	    "QQ314159 bob.smith@a.example\r\n"));
	buf_deinit(&b);
}

/* count - occurrences of needle in hay */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

/* A header field of the failed message is copied into the report; its
 * name may be anything printable, also a line that starts with the
 * report's MIME boundary, which a MIME reader takes as the end of the
 * parts (RFC 2046 5.1.1 matches a delimiter at the start of a line). The
 * boundary must be one the copied text does not hold. */
static void
afrf_minimal(struct report_afrf *r, const char *headers)
{
	memset(r, 0, sizeof(*r));
	r->from = "dmarc@rx.example";
	r->to = "ruf@a.example";
	r->message_id = "id@rx.example";
	r->date = 1796169600;
	r->user_agent = "authmilter/1";
	r->source_ip = "192.0.2.1";
	r->envelope_id = "";
	r->mail_from = "";
	r->reported_domain = "a.example";
	r->auth_results = "rx.example; dmarc=fail header.from=a.example";
	r->identity_alignment = "dkim,spf";
	r->subject = "";
	r->headers = headers;
}

/* boundary_in - the boundary b's Content-Type names, checked to
 * delimit exactly the parts: text, feedback report, headers, close */
static char *
boundary_in(const struct buf *b)
{
	struct buf delim = BUF_INIT;
	const char *p, *q;
	char *name;

	p = strstr(buf_cstr(b), "boundary=\"");
	assert_non_null(p);
	p += strlen("boundary=\"");
	q = strchr(p, '"');
	assert_non_null(q);
	buf_printf(&delim, "\n--%.*s", (int)(q - p), p);
	assert_int_equal(count(buf_cstr(b), buf_cstr(&delim)), 4);
	name = strndup(p, (size_t)(q - p));
	assert_non_null(name);
	buf_deinit(&delim);
	return name;
}

static void
test_afrf_boundary(void **state)
{
	struct report_afrf r;
	struct buf b = BUF_INIT;
	char *name;

	(void)state;
	afrf_minimal(&r, "--=_authmilter_afrf_--: x\r\n"
	    "--=_authmilter_afrf_0: y\r\nFrom: x@a.example\r\n");
	report_afrf_build(&b, &r);
	free(boundary_in(&b));
	assert_non_null(strstr(buf_cstr(&b), "\r\n\r\n--=_authmilter_afrf_--: "
	    "x\r\n"));
	/* a delimiter in the feedback part only (the A-R quotes the From
	 * domain) rules its n out as well */
	afrf_minimal(&r, "From: x@a.example\r\n");
	r.auth_results = "rx.example; dmarc=fail header.from=--=_authmilter_"
	    "afrf_0";
	buf_truncate(&b, 0);
	report_afrf_build(&b, &r);
	name = boundary_in(&b);
	assert_string_equal(name, "=_authmilter_afrf_1");
	free(name);
	/* digits naming the size of the table of candidates: not marked
	 * (sanitizers see a mark past its end) */
	afrf_minimal(&r, "X: --=_authmilter_afrf_11\r\n");
	buf_truncate(&b, 0);
	report_afrf_build(&b, &r);
	name = boundary_in(&b);
	assert_string_equal(name, "=_authmilter_afrf_0");
	free(name);
	buf_deinit(&b);
}

/* bytes strstr looked at while counting (scanned_on) */
static bool scanned_on;
static size_t scanned;

char *__real_strstr(const char *hay, const char *needle);

char *
__wrap_strstr(const char *hay, const char *needle)
{
	char *hit = __real_strstr(hay, needle);

	if (scanned_on)
		scanned += hit != NULL ? (size_t)(hit - hay) + strlen(needle) :
		    strlen(hay);
	return hit;
}

/* A message holding the first boundaries the report would try: the
 * pick is the first one not in it, found in time linear in the message.
 * Trying n = 0, 1, ... with a search of the whole text each read it
 * once per candidate (n * the message: 120 MB here, and far more for a
 * message of a few megabytes). "_12x" holds "_1" and "_12"; "_01"
 * holds only "_0". */
static void
test_afrf_boundary_many(void **state)
{
	const unsigned n = 3000;
	struct report_afrf r;
	struct buf b = BUF_INIT, h = BUF_INIT;
	char *name;
	unsigned k;

	(void)state;
	for (k = n; k-- > 0;)	/* the earliest last: the most to search */
		if (k != 1 && k != 12 && k != 2000)
			buf_printf(&h, "X-%u: --=_authmilter_afrf_%u\r\n", k, k);
	buf_append_str(&h, "X: --=_authmilter_afrf_12x\r\n"
	    "X: --=_authmilter_afrf_02000\r\n");
	afrf_minimal(&r, buf_cstr(&h));
	scanned = 0;
	scanned_on = true;
	report_afrf_build(&b, &r);
	scanned_on = false;
	name = boundary_in(&b);
	assert_string_equal(name, "=_authmilter_afrf_2000");
	assert_in_range(scanned, 1, 8 * h.len);
	free(name);
	buf_deinit(&b);
	buf_deinit(&h);
}

/* redacted - report_redact_header(name, value, redact) as a string */
static char *
redacted(const char *name, const char *value, bool redact)
{
	struct buf b = BUF_INIT;

	report_redact_header(&b, name, (const unsigned char *)value,
	    strlen(value), redact);
	return buf_steal(&b);
}

/* check_redact - name: value comes out as want (with CRLF added) */
static void
check_redact(const char *name, const char *value, bool redact,
    const char *want)
{
	char *got = redacted(name, value, redact), *w;
	size_t n = strlen(name) + strlen(want) + 5;

	w = malloc(n);
	assert_non_null(w);
	(void)snprintf(w, n, "%s: %s\r\n", name, want);
	assert_string_equal(got, w);
	free(got);
	free(w);
}

/* Every header field copied into a report has its local-parts redacted
 * (RFC 6590), not only From/To/Cc: a Received "for" clause, a DKIM i=,
 * an A-R smtp.mailfrom (its "ptype.property=" stays), a comment; the
 * domains stay and folds stay where they were */
static void
test_redact_every_field(void **state)
{
	(void)state;
	check_redact("Received", " from mx.example.org (mx [192.0.2.9])\n"
	    "\tby rx.example with ESMTP id 4Q1\n"
	    "\tfor <bob.secret@example.net>; Tue, 1 Dec 2026 10:00:00 +0000",
	    true, "from mx.example.org (mx [192.0.2.9])\r\n"
	    "\tby rx.example with ESMTP id 4Q1\r\n"
	    "\tfor <redacted@example.net>; Tue, 1 Dec 2026 10:00:00 +0000");
	check_redact("X-Original-To", "carol+tag@example.net", true,
	    "redacted@example.net");
	check_redact("Authentication-Results", " rx.example; spf=fail "
	    "smtp.mailfrom=bounce-carol=example.net@rf.test; dkim=fail "
	    "header.i=@rf.test (from a.b@rf.test)", true,
	    "rx.example; spf=fail smtp.mailfrom=redacted@rf.test; dkim=fail "
	    "header.i=@rf.test (from redacted@rf.test)");
	check_redact("DKIM-Signature", " v=1; d=rf.test;i=dave@rf.test; s=s1",
	    true, "v=1; d=rf.test;i=redacted@rf.test; s=s1");
	check_redact("Received-SPF", " fail (domain of bounce-carol=example."
	    "net@rf.test) envelope-from=\"c d\"@rf.test;", true, "fail (domain "
	    "of redacted@rf.test) envelope-from=redacted@rf.test;");
	/* not an address: '@' without a local-part or without a domain */
	check_redact("Subject", "meet @ 5, 5@$3, x@", true,
	    "meet @ 5, 5@$3, x@");
	/* an address in a display-name, in UTF-8 (RFC 6532) */
	check_redact("From", "\"bob@example.net\" <bob@example.net>", true,
	    "\"redacted@example.net\" <redacted@example.net>");
	check_redact("To", "j\xc3\xb6rg@example.net", true,
	    "redacted@example.net");
}

/* A quoted-string local-part is redacted whole, escapes and all; so are
 * obs-local-parts mixing quoted-strings and atoms */
static void
test_redact_quoted(void **state)
{
	(void)state;
	check_redact("To", "\"john doe\"@example.net", true,
	    "redacted@example.net");
	check_redact("To", "Bob <\"john \\\"x\\\" doe\"@example.net>, "
	    "c@example.org", true,
	    "Bob <redacted@example.net>, redacted@example.org");
	check_redact("To", "\"a\\\\\"@example.net", true,
	    "redacted@example.net");	/* content a\\, closed after it */
	check_redact("Cc", "\"a@b\"@example.net,\n \"x\".y.\"z w\"@example.org",
	    true, "redacted@example.net,\r\n redacted@example.org");
	/* a quoted-string run into atom text (no dot between) is one
	 * local-part to an MTA ("q"x@ is qx@ to Postfix): all of it goes */
	check_redact("To", "\"q\"x@example.net", true, "redacted@example.net");
	check_redact("To", "a\"b c\"d@example.net", true,
	    "redacted@example.net");
	check_redact("To", "Eve <\"s e\"cret@example.net>", true,
	    "Eve <redacted@example.net>");
	check_redact("To", "\"a\"\"b\"@example.net", true,
	    "redacted@example.net");
	/* a quote in a comment is not a quoted-string */
	check_redact("To", "(6\" long) \"j d\"@example.net", true,
	    "(6\" long) redacted@example.net");
}

/* Message-IDs stay (they name a message, and are what lets the domain
 * owner find it); an address outside <> in those fields does not */
static void
test_redact_msgid(void **state)
{
	(void)state;
	check_redact("Message-ID", "<abc.123@host.example>", true,
	    "<abc.123@host.example>");
	check_redact("References", "<a@h.example>\n <b@h.example>", true,
	    "<a@h.example>\r\n <b@h.example>");
	check_redact("In-Reply-To", "bob@example.net's message of today "
	    "<c@h.example> (from bob@example.net)", true,
	    "redacted@example.net's message of today <c@h.example> "
	    "(from redacted@example.net)");
}

/* FailureReportRedact no: every field as it came */
static void
test_redact_off(void **state)
{
	static const char *const v[][2] = {
		{ "To", "\"john \\\"x\\\" doe\"@example.net" },
		{ "Received", "by rx.example for <bob.secret@example.net>" },
		{ "Authentication-Results", "rx; spf=fail smtp.mailfrom=a@b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_redact(v[i][0], v[i][1], false, v[i][1]);
}

/* The report's own fields: Original-Mail-From (a VERP sender carries
 * the recipient) and the Subject are redacted too; Reported-Domain and
 * the domains stay. Off: as they came. */
static void
test_afrf_redact(void **state)
{
	struct report_afrf r;
	struct buf b = BUF_INIT;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.from = "dmarc@rx.example";
	r.to = "ruf@rf.test";
	r.message_id = "id@rx.example";
	r.user_agent = "authmilter/1";
	r.source_ip = "192.0.2.1";
	r.envelope_id = "";
	r.mail_from = "bounce-carol=example.net@rf.test";
	r.reported_domain = "rf.test";
	r.auth_results = "rx.example; dmarc=fail header.from=rf.test";
	r.identity_alignment = "dkim,spf";
	r.subject = "for carol@example.net";
	r.headers = "To: redacted@example.net\r\n";	/* redacted by the caller */
	r.keep_local_parts = false;	/* the zero value: redacted */
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nOriginal-Mail-From: "
	    "redacted@rf.test\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "\r\nSubject: FW: for "
	    "redacted@example.net\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "\r\nReported-Domain: rf.test\r\n"));
	assert_null(strstr(buf_cstr(&b), "carol"));
	buf_truncate(&b, 0);
	r.mail_from = "\"c d\"@rf.test";
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nOriginal-Mail-From: "
	    "redacted@rf.test\r\n"));
	buf_truncate(&b, 0);
	r.mail_from = "bounce-carol=example.net@rf.test";
	r.keep_local_parts = true;
	report_afrf_build(&b, &r);
	assert_non_null(strstr(buf_cstr(&b), "\r\nOriginal-Mail-From: "
	    "bounce-carol=example.net@rf.test\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "\r\nSubject: FW: for "
	    "carol@example.net\r\n"));
	buf_deinit(&b);
}

/* whole_chars - true when b's bytes from start are whole UTF-8
 * characters */
static bool
whole_chars(const struct buf *b, size_t start)
{
	size_t i, len;

	for (i = start; i < b->len; i += len)
		if ((len = utf8_seq_len(b->data + i, b->len - i)) == 0)
			return false;
	return true;
}

/* subject_text - the Subject's encoded-words decoded and joined; fails
 * when a word passes RFC 2047's 75 characters or splits a character
 * (RFC 2047 5: each word holds whole characters) */
static void
subject_text(const char *msg, struct buf *out)
{
	const char *p = strstr(msg, "\r\nSubject:"), *w, *e;
	size_t start;

	assert_non_null(p);
	p += strlen("\r\nSubject:");
	while ((w = strstr(p, "=?utf-8?B?")) != NULL && w - p <= 3) {
		e = strstr(w + 10, "?=");
		assert_non_null(e);
		assert_true(e + 2 - w <= 75);
		start = out->len;
		assert_true(crypto_base64_decode((const unsigned char *)w + 10,
		    (size_t)(e - w - 10), out));
		assert_true(whole_chars(out, start));
		p = e + 2;
	}
	assert_true(strncmp(p, "\r\nMessage-ID:", 13) == 0);
}

/* A subject, a MAIL FROM or header fields that are not ASCII: the
 * Subject in RFC 2047 encoded-words of UTF-8 (bytes that are not UTF-8
 * as '?'), the parts holding 8-bit bytes declared 8bit, not 7bit */
static void
test_afrf_not_ascii(void **state)
{
	struct report_afrf r;
	struct buf b = BUF_INIT, subj = BUF_INIT;
	char want[400];
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.from = "dmarc@rx.example";
	r.to = "ruf@a.example";
	r.message_id = "id@rx.example";
	r.user_agent = "authmilter/1";
	r.source_ip = "192.0.2.1";
	r.envelope_id = "";
	r.reported_domain = "a.example";
	r.auth_results = "rx.example; dmarc=fail header.from=a.example";
	r.identity_alignment = "dkim";
	r.subject = "caf\xc3\xa9 \xff";
	r.mail_from = "x@\xc3\xa9.example";
	r.headers = "Subject: caf\xe9\r\n";	/* Latin-1, as it came */
	report_afrf_build(&b, &r);
	subject_text(buf_cstr(&b), &subj);
	assert_string_equal(buf_cstr(&subj), "FW: caf\xc3\xa9 ?");
	assert_int_equal(subj.len, strlen("FW: caf\xc3\xa9 ?"));
	assert_non_null(strstr(buf_cstr(&b), "Content-Type: message/feedback-"
	    "report\r\nContent-Transfer-Encoding: 8bit\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "Original-Mail-From: "
	    "redacted@\xc3\xa9.example\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "Content-Type: text/rfc822-"
	    "headers\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: "
	    "caf\xe9\r\n"));
	/* a long subject: many words, none cutting a character */
	(void)memset(want, 0, sizeof(want));
	(void)strcpy(want, "FW: ");
	for (i = 0; i < 60; i++)
		(void)strcat(want, "\xe2\x82\xac");	/* 180 bytes of euro signs */
	r.subject = want + 4;
	buf_truncate(&b, 0);
	buf_truncate(&subj, 0);
	report_afrf_build(&b, &r);
	subject_text(buf_cstr(&b), &subj);
	assert_string_equal(buf_cstr(&subj), want);
	assert_int_equal(subj.len, strlen(want));
	/* RFC 2047 2: a line holding encoded-words is at most 76
	 * characters, the first ("Subject: " and a word) too; the words
	 * after it carry 45 bytes (60 of base64) where the text allows */
	{
		const char *p = strstr(buf_cstr(&b), "\r\nSubject:") + 2;
		const char *e = strstr(p, "\r\nMessage-ID:"), *eol;
		size_t lines = 0;

		for (; p < e; p = eol + 2, lines++) {
			eol = strstr(p, "\r\n");
			if (eol - p > 76)
				fail_msg("line of %d: %.*s", (int)(eol - p),
				    (int)(eol - p), p);
			if (lines == 1)
				assert_int_equal(eol - p, 1 + 12 + 60);
		}
		assert_true(lines > 2);
	}
	buf_deinit(&b);
	buf_deinit(&subj);
}

/* unfold - s with every CRLF before white space removed (RFC 5322 2.2.3) */
static char *
unfold(const char *s)
{
	char *u = strdup(s), *o = u;

	assert_non_null(u);
	for (; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t')) {
			s++;
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
	return u;
}

/* max_line - the longest line of s (lines end in CRLF) */
static size_t
max_line(const char *s)
{
	size_t best = 0, n;
	const char *e;

	for (; *s != '\0'; s = e + (*e != '\0' ? 2 : 0)) {
		e = strstr(s, "\r\n");
		if (e == NULL)
			e = s + strlen(s);
		n = (size_t)(e - s);
		best = n > best ? n : best;
	}
	return best;
}

static void
test_spf_dns(void **state)
{
	struct buf b = BUF_INIT, rec = BUF_INIT;
	char *u;
	size_t i;

	(void)state;
	assert_true(report_afrf_spf_dns(&b, "a.example",
	    "v=spf1 ip4:192.0.2.0/24 -all"));
	assert_string_equal(buf_cstr(&b), "SPF-DNS: txt : a.example : "
	    "\"v=spf1 ip4:192.0.2.0/24 -all\"\r\n");
	/* quotes and backslashes escaped, controls and 8-bit replaced, so a
	 * record cannot end the field or the header block */
	buf_truncate(&b, 0);
	assert_true(report_afrf_spf_dns(&b, "a.example",
	    "v=spf1 exp=\"x\\y\r\nBcc: z\x80 -all"));
	assert_string_equal(buf_cstr(&b), "SPF-DNS: txt : a.example : "
	    "\"v=spf1 exp=\\\"x\\\\y??Bcc: z? -all\"\r\n");
	buf_truncate(&b, 0);
	assert_true(report_afrf_spf_dns(&b, "a.example", "v=spf1 \x7f-all"));
	assert_string_equal(buf_cstr(&b), "SPF-DNS: txt : a.example : "
	    "\"v=spf1 ?-all\"\r\n");
	/* a line of exactly 78 characters is not folded, one of 79 is:
	 * 34 characters up to "v=spf1", then a space and 43 or 44 */
	for (i = 43; i <= 44; i++) {
		buf_truncate(&rec, 0);
		buf_append_str(&rec, "v=spf1 a:");
		while (rec.len < 7 + i)
			buf_append_byte(&rec, 'x');
		buf_append_str(&rec, " -all");
		buf_truncate(&b, 0);
		assert_true(report_afrf_spf_dns(&b, "a.example", buf_cstr(&rec)));
		assert_int_equal(strstr(buf_cstr(&b), "\r\n") - buf_cstr(&b),
		    i == 43 ? 78 : 34);
	}
	buf_truncate(&rec, 0);
	/* a long record: folded at its spaces, lines within 78, and
	 * unfolding gives the one-line field back */
	buf_append_str(&rec, "v=spf1");
	for (i = 0; i < 40; i++)
		buf_printf(&rec, " ip4:198.51.100.%zu/32", i);
	buf_append_str(&rec, " -all");
	buf_truncate(&b, 0);
	assert_true(report_afrf_spf_dns(&b, "long.example", buf_cstr(&rec)));
	assert_true(max_line(buf_cstr(&b)) <= 78);
	assert_true(strstr(buf_cstr(&b), "\r\n ip4:") != NULL);
	u = unfold(buf_cstr(&b));
	assert_true(strncmp(u, "SPF-DNS: txt : long.example : \"", 31) == 0);
	assert_true(strncmp(u + 31, buf_cstr(&rec), rec.len) == 0);
	assert_string_equal(u + 31 + rec.len, "\"\r\n");
	free(u);
	/* a run without spaces past 998 characters cannot be folded, and a
	 * record longer than any the checker evaluates is not written */
	for (i = 988; i <= 989; i++) {	/* " include:", i of 'a', '"' */
		buf_truncate(&rec, 0);
		buf_append_str(&rec, "v=spf1 include:");
		while (rec.len < 15 + i)
			buf_append_byte(&rec, 'a');
		buf_truncate(&b, 0);
		assert_int_equal(report_afrf_spf_dns(&b, "a.example",
		    buf_cstr(&rec)), i == 988);
		if (i == 988)
			assert_int_equal(max_line(buf_cstr(&b)), 998);
	}
	for (i = REPORT_SPF_DNS_MAX; i <= REPORT_SPF_DNS_MAX + 1; i++) {
		buf_truncate(&rec, 0);
		buf_append_str(&rec, "v=spf1");
		while (rec.len + 4 <= i)
			buf_append_str(&rec, " a:x");
		while (rec.len < i)
			buf_append_byte(&rec, 'x');
		buf_truncate(&b, 0);
		assert_int_equal(report_afrf_spf_dns(&b, "a.example",
		    buf_cstr(&rec)), i == REPORT_SPF_DNS_MAX);
	}
	buf_truncate(&rec, 0);
	buf_append_str(&rec, "v=spf1 include:");
	for (i = 0; i < 1000; i++)
		buf_append_byte(&rec, 'a');
	buf_truncate(&b, 0);
	buf_append_str(&b, "X: 1\r\n");
	assert_false(report_afrf_spf_dns(&b, "a.example", buf_cstr(&rec)));
	assert_string_equal(buf_cstr(&b), "X: 1\r\n");
	buf_truncate(&rec, 0);
	buf_append_str(&rec, "v=spf1");
	for (i = 0; i < REPORT_SPF_DNS_MAX / 4; i++)
		buf_append_str(&rec, " a:x");
	assert_false(report_afrf_spf_dns(&b, "a.example", buf_cstr(&rec)));
	assert_string_equal(buf_cstr(&b), "X: 1\r\n");
	buf_deinit(&rec);
	buf_deinit(&b);
}

/* a run of spaces where the line reaches 78 characters: the fold comes
 * before the next word, never between two of the spaces, which leaves a
 * line of white space only (RFC 5322 4.2: obsolete syntax) */
static void
test_spf_dns_space_run(void **state)
{
	struct buf b = BUF_INIT, rec = BUF_INIT, want = BUF_INIT;
	char *u;

	(void)state;
	/* 34 characters up to "v=spf1", then a space and 43: column 78 */
	buf_append_str(&rec, "v=spf1 a:");
	while (rec.len < 7 + 43)
		buf_append_byte(&rec, 'x');
	buf_append_str(&rec, "  include:");
	while (rec.len < 7 + 43 + 2 + 80)
		buf_append_byte(&rec, 'y');
	buf_append_str(&rec, " -all");
	assert_true(report_afrf_spf_dns(&b, "a.example", buf_cstr(&rec)));
	buf_printf(&want, "SPF-DNS: txt : a.example : \"%.50s \r\n %.80s\r\n"
	    " -all\"\r\n", buf_cstr(&rec), buf_cstr(&rec) + 52);
	assert_string_equal(buf_cstr(&b), buf_cstr(&want));
	u = unfold(buf_cstr(&b));
	assert_true(strncmp(u + 28, buf_cstr(&rec), rec.len) == 0);
	free(u);
	buf_deinit(&want);
	buf_deinit(&rec);
	buf_deinit(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_xml_record_mapping),
		cmocka_unit_test(test_xml_dkim_lengths),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rua_parse),
		cmocka_unit_test(test_rua_judge),
		cmocka_unit_test(test_ruf_judge),
		cmocka_unit_test(test_gzip_round_trip),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_fo_logic),
		cmocka_unit_test(test_identity_alignment),
		cmocka_unit_test(test_redact_and_afrf),
		cmocka_unit_test(test_afrf_boundary),
		cmocka_unit_test(test_afrf_boundary_many),
		cmocka_unit_test(test_redact_every_field),
		cmocka_unit_test(test_redact_quoted),
		cmocka_unit_test(test_redact_msgid),
		cmocka_unit_test(test_redact_off),
		cmocka_unit_test(test_afrf_redact),
		cmocka_unit_test(test_afrf_not_ascii),
		cmocka_unit_test(test_spf_dns),
		cmocka_unit_test(test_spf_dns_space_run),
	};

	return cmocka_run_group_tests_name("report_build", tests, NULL, NULL);
}
