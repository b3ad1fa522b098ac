/*
 * test_spf_check.c - SPF evaluation through libspf2 on the fake resolver:
 * results, the libspf2 DNS layer, RFC 7208 4.6.4 limits across include
 * levels (loops, wide and deep trees, void lookups), query and time
 * budgets, identities, explanation, Received-SPF, and threads.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "core/idna.h"
#include "spf/spf.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define T DNS_T_TXT
#define OK DNS_R_ANSWER
#define MAX_ROWS 512

/* a label of 60 octets */
#define LONG_LABEL \
    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
#define LABEL61 LONG_LABEL "k"

static struct dns_fake_record rows[MAX_ROWS];
static size_t nrows;
static char *owned[MAX_ROWS * 2];
static size_t nowned;

/* row - add one fake record (strings copied) */
static void
row(const char *name, uint16_t type, enum dns_status st, const char *data)
{
	assert_true(nrows < MAX_ROWS);
	owned[nowned++] = xstrdup(name);
	rows[nrows].name = owned[nowned - 1];
	rows[nrows].data = NULL;
	if (data != NULL) {
		owned[nowned++] = xstrdup(data);
		rows[nrows].data = owned[nowned - 1];
	}
	rows[nrows].type = type;
	rows[nrows].status = st;
	rows[nrows].delay_ms = 0;
	nrows++;
}

/* append_terms - pfx, a number and sfx, for each number 0 .. n - 1,
 * appended to data (of size bytes) */
static void
append_terms(char *data, size_t size, const char *pfx, const char *sfx,
    int n)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t used = strlen(data);

		snprintf(data + used, size - used, "%s%d%s", pfx, i, sfx);
	}
}

/* build_zone - the records every case uses */
static void
build_zone(void)
{
	char name[64], name253[260], data[1600];
	int i, j;

	row("pass.test", T, OK, "v=spf1 ip4:192.0.2.0/24 -all");
	/* %{h}: the HELO name as libspf2 expands it */
	row("hmacro.test", T, OK, "v=spf1 exists:%{h}.allow.test -all");
	row("mx.ok.example.allow.test", DNS_T_A, OK, "127.0.0.2");
	row("mx.xn--bcher-kva.example.allow.test", DNS_T_A, OK, "127.0.0.2");
	row("unknown.allow.test", DNS_T_A, OK, "127.0.0.2");
	row("pass6.test", T, OK, "v=spf1 ip6:2001:db8::/32 -all");
	/* %{l}, %{s} of a UTF-8 local part (RFC 8616 4): each record would
	 * pass if the 8-bit names below were looked up */
	row("lmac.test", T, OK, "v=spf1 exists:%{l}.allow.test -all");
	row("smac.test", T, OK, "v=spf1 a:%{s}.allow.test -all");
	row("linc.test", T, OK, "v=spf1 include:%{l}.inc.test -all");
	row("lredir.test", T, OK, "v=spf1 redirect=%{l}.inc.test");
	row("jorg.allow.test", DNS_T_A, OK, "127.0.0.2");
	row("j\xc3\xb6rg.allow.test", DNS_T_A, OK, "127.0.0.2");
	row("j\xc3\xb6rg@smac.test.allow.test", DNS_T_A, OK, "192.0.2.1");
	row("jorg.inc.test", T, OK, "v=spf1 +all");
	row("j\xc3\xb6rg.inc.test", T, OK, "v=spf1 +all");
	/* a MAIL FROM domain that is no IDNA2008 name (U+2603) */
	row("\xe2\x98\x83.test", T, OK, "v=spf1 +all");
	row("fail.test", T, OK, "v=spf1 -all exp=exp.fail.test");
	/* explanations with macros libspf2 expands wrongly: RFC 3986
	 * escaping, a digit as large as the parts, and %{d} of the record
	 * with the exp= (after a redirect, its target) */
	row("expmac.test", T, OK, "v=spf1 redirect=r.expmac.test");
	row("r.expmac.test", T, OK, "v=spf1 -all exp=why.expmac.test");
	row("why.expmac.test", T, OK, "%{S} d2=%{d2} d1r-=%{d1r-} i9=%{i9}");
	row("exp.fail.test", T, OK, "%{i} may not send for %{d}");
	/* explanations at our bound of libspf2's compiled size (507 bytes,
	 * spf_record.h): 124 macros (4 bytes each) and "xyz" (a block of 4
	 * + 3, padded to 8) make 504, kept; 125 macros and "x" make 508 */
	row("bigexp.test", T, OK, "v=spf1 -all exp=exp.bigexp.test");
	row("okexp.test", T, OK, "v=spf1 -all exp=exp.okexp.test");
	row("hugeexp.test", T, OK, "v=spf1 -all exp=exp.hugeexp.test");
	strcpy(data, "");
	for (i = 0; i < 125; i++)
		strcat(data, "%{d1}");
	strcat(data, "x");
	row("exp.bigexp.test", T, OK, data);
	data[strlen(data) - 6] = '\0';	/* drop "x" and a macro */
	strcat(data, "xyz");
	row("exp.okexp.test", T, OK, data);
	/* the fuzz_spf_eval reproducer's shape: 127 macros, then text that
	 * libspf2 1.2.10 copied past its stack buffer */
	strcpy(data, "");
	for (i = 0; i < 127; i++)
		strcat(data, "%{i}");
	memset(data + strlen(data), 'x', 300);
	data[127 * 4 + 300] = '\0';
	row("exp.hugeexp.test", T, OK, data);
	row("softfail.test", T, OK, "v=spf1 ~all");
	row("neutral.test", T, OK, "v=spf1 ?all");
	row("noall.test", T, OK, "v=spf1 ip4:198.51.100.0/24");
	row("nospf.test", T, OK, "some other text");
	row("syntax.test", T, OK, "v=spf1 foo -all");
	row("multi.test", T, OK, "v=spf1 -all");
	row("multi.test", T, OK, "v=spf1 +all");
	row("loop.test", T, OK, "v=spf1 include:loop2.test -all");
	row("loop2.test", T, OK, "v=spf1 include:loop.test -all");
	row("selfloop.test", T, OK, "v=spf1 include:selfloop.test -all");
	row("redirloop.test", T, OK, "v=spf1 redirect=redirloop2.test");
	row("redirloop2.test", T, OK, "v=spf1 redirect=redirloop.test");
	row("incnone.test", T, OK, "v=spf1 include:nospf.test -all");
	row("redirnone.test", T, OK, "v=spf1 redirect=nowhere.test");
	/* no mechanism matches: redirect= decides (spf_decisive_term) */
	row("redirdec.test", T, OK, "v=spf1 ip4:203.0.113.0/24 "
	    "redirect=pass.test");
	/* modifiers before the matching mechanism: not terms to count */
	row("modfirst.test", T, OK, "v=spf1 exp=e.modfirst.test "
	    "redirect=pass.test ip4:198.51.100.0/24 -all");
	row("incbad.test", T, OK, "v=spf1 include:syntax.test +all");
	row("incsf.test", T, OK, "v=spf1 include:sf.test -all");
	row("sf.test", T, DNS_R_SERVFAIL, NULL);
	row("silent.test", DNS_T_A, DNS_R_TIMEOUT, NULL);
	/* an exp= whose lookup times out (RFC 7208 6.2: as if no exp=) */
	row("expslow.test", T, OK, "v=spf1 -all exp=exp.expslow.test");
	row("exp.expslow.test", T, DNS_R_TIMEOUT, NULL);
	row("slowa.test", T, OK, "v=spf1 a:silent.test -all");
	row("helo.test", T, OK, "v=spf1 a -all");
	row("helo.test", DNS_T_A, OK, "192.0.2.7");
	/* wide: 11 includes in one record */
	strcpy(data, "v=spf1");
	for (i = 1; i <= 11; i++) {
		snprintf(name, sizeof(name), "w%d.wide.test", i);
		row(name, T, OK, "v=spf1 ip4:198.51.100.1");
		snprintf(data + strlen(data), sizeof(data) - strlen(data),
		    " include:%s", name);
	}
	strcat(data, " -all");
	row("wide.test", T, OK, data);
	/* deep: a chain of 30 includes */
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "d%d.deep.test", i);
		snprintf(data, sizeof(data), "v=spf1 include:d%d.deep.test -all", i + 1);
		row(name, T, OK, data);
	}
	/* tree: 4 includes of 4 includes each (libspf2 alone counts each
	 * level separately, upstream issue 51) */
	strcpy(data, "v=spf1 include:n0.tree.test include:n1.tree.test "
	    "include:n2.tree.test include:n3.tree.test -all");
	row("tree.test", T, OK, data);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d.tree.test", i);
		data[0] = '\0';
		strcat(data, "v=spf1");
		for (j = 0; j < 4; j++)
			snprintf(data + strlen(data), sizeof(data) - strlen(data),
			    " a:leaf%d%d.tree.test", i, j);
		row(name, T, OK, data);
		for (j = 0; j < 4; j++) {
			snprintf(name, sizeof(name), "leaf%d%d.tree.test", i, j);
			row(name, DNS_T_A, OK, "203.0.113.9");
		}
	}
	/* void lookups */
	row("void3.test", T, OK, "v=spf1 a:v1.test a:v2.test a:v3.test -all");
	row("void2.test", T, OK, "v=spf1 a:v1.test a:v2.test -all");
	/* mx with 11 records */
	row("mxmany.test", T, OK, "v=spf1 mx -all");
	for (i = 0; i < 11; i++) {
		snprintf(data, sizeof(data), "%d mx%d.mxmany.test", i, i);
		row("mxmany.test", DNS_T_MX, OK, data);
		snprintf(name, sizeof(name), "mx%d.mxmany.test", i);
		row(name, DNS_T_A, OK, "192.0.2.1");
	}
	/* mx with 5 hosts, for the query budget */
	row("mx5.test", T, OK, "v=spf1 mx -all");
	for (i = 0; i < 5; i++) {
		snprintf(data, sizeof(data), "%d h%d.mx5.test", i, i);
		row("mx5.test", DNS_T_MX, OK, data);
		snprintf(name, sizeof(name), "h%d.mx5.test", i);
		row(name, DNS_T_A, OK, "198.51.100.77");
	}
	/* mx then 9 a: of the MX host in an include: 11 terms; the a:
	 * lookups are terms even though the MX answer named the host */
	row("mxthena.test", T, OK, "v=spf1 mx:m.mxthena.test "
	    "include:i.mxthena.test -all");
	row("m.mxthena.test", DNS_T_MX, OK, "10 h1.mxthena.test");
	row("h1.mxthena.test", DNS_T_A, OK, "198.51.100.99");
	strcpy(data, "v=spf1");
	for (i = 0; i < 9; i++)
		strcat(data, " a:h1.mxthena.test");
	strcat(data, " ip4:192.0.2.10");
	row("i.mxthena.test", T, OK, data);
	/* the same with 8 a: (10 terms): allowed */
	row("mxthena8.test", T, OK, "v=spf1 mx:m.mxthena.test "
	    "include:i8.mxthena.test -all");
	strcpy(data, "v=spf1");
	for (i = 0; i < 8; i++)
		strcat(data, " a:h1.mxthena.test");
	strcat(data, " ip4:192.0.2.10");
	row("i8.mxthena.test", T, OK, data);
	/* 9 a: and an exists: with %{p}: 10 terms, as the macro's PTR
	 * lookup is not a term (RFC 7208 4.6.4); a ptr mechanism is */
	strcpy(data, "v=spf1");
	for (i = 0; i < 9; i++)
		strcat(data, " a:h1.mxthena.test");
	row("pmac.test", T, OK, strcat(data, " exists:%{p}.p.pmac.test -all"));
	row("10.2.0.192.in-addr.arpa", DNS_T_PTR, OK, "host.pmac.test");
	row("host.pmac.test", DNS_T_A, OK, "192.0.2.10");
	row("host.pmac.test.p.pmac.test", DNS_T_A, OK, "127.0.0.2");
	strcpy(data, "v=spf1");
	for (i = 0; i < 10; i++)
		strcat(data, " a:h1.mxthena.test");
	row("ptr11.test", T, OK, strcat(data, " ptr:pmac.test -all"));
	/* the reversal transformer in upper case (libspf2 refuses "R") */
	row("upperr.test", T, OK, "v=spf1 exists:%{iR}.x.upperr.test -all");
	row("10.2.0.192.x.upperr.test", DNS_T_A, OK, "127.0.0.2");
	/* a macro digit as large as the value's parts: all of it (libspf2
	 * alone drops its first character); in an include %{d} is the
	 * included domain; a smaller digit still cuts */
	row("d2.test", T, OK, "v=spf1 exists:%{d2}._spf.d2.test -all");
	row("d2.test._spf.d2.test", DNS_T_A, OK, "127.0.0.2");
	row("l1r.test", T, OK, "v=spf1 exists:%{l1r-}.u.l1r.test -all");
	row("user.u.l1r.test", DNS_T_A, OK, "127.0.0.2");
	row("incd3.test", T, OK, "v=spf1 include:two.test -all");
	row("two.test", T, OK, "v=spf1 exists:%{d3}.y.two.test -all");
	row("two.test.y.two.test", DNS_T_A, OK, "127.0.0.2");
	row("a.dcut.test", T, OK, "v=spf1 exists:%{d2}.x.dcut.test -all");
	row("dcut.test.x.dcut.test", DNS_T_A, OK, "127.0.0.2");
	/* prefix lengths of a and mx: kept for the client's family only */
	row("cidr.test", T, OK,
	    "v=spf1 a:hosts.cidr.test/24//64 ip4:198.51.100.7 -all");
	row("hosts.cidr.test", DNS_T_A, OK, "192.0.2.1");
	row("hosts.cidr.test", DNS_T_AAAA, OK, "2001:db8:c1d::1");
	/* terms normalisation rewrites: ip6:::/0 is "all" for an IPv6
	 * client, mx/0 an exists: of a marked name (spf_record.h), and a
	 * final dot goes */
	row("rewritten.test", T, OK,
	    "v=spf1 ip6:::/0 a:Hosts.cidr.test./32 mx/0 -all");
	row("rewritten.test", DNS_T_MX, OK, "10 hosts.cidr.test");
	/* include: and redirect= targets over 253 octets once expanded lose
	 * labels on the left (RFC 7208 7.3), as other names do: five %{l}
	 * of 60 octets and ".lt.test" make 313, four of them 252 */
	row("inclong.test", T, OK,
	    "v=spf1 include:%{l}.%{l}.%{l}.%{l}.%{l}.lt.test -all");
	row("redirlong.test", T, OK,
	    "v=spf1 redirect=%{l}.%{l}.%{l}.%{l}.%{l}.lt.test");
	strcpy(data, "");
	for (i = 0; i < 4; i++)
		strcat(data, LONG_LABEL ".");
	row(strcat(data, "lt.test"), T, OK, "v=spf1 ip4:192.0.2.0/24 ~all");
	/* ptr with 12 names: only the first 10 count (RFC 7208 4.6.4) */
	row("ptrmany.test", T, OK, "v=spf1 ptr -all");
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "p%d.ptrmany.test", i);
		row("99.2.0.192.in-addr.arpa", DNS_T_PTR, OK, name);
		row(name, DNS_T_A, OK, i == 11 ? "192.0.2.99" : "192.0.2.250");
	}
	/* MX hosts in preference order, not answer order: the host that
	 * fails comes first in the answer but last in preference */
	row("mxord.test", T, OK, "v=spf1 mx -all");
	row("mxord.test", DNS_T_MX, OK, "20 bad.mxord.test");
	row("mxord.test", DNS_T_MX, OK, "10 good.mxord.test");
	row("bad.mxord.test", DNS_T_A, DNS_R_SERVFAIL, NULL);
	row("good.mxord.test", DNS_T_A, OK, "192.0.2.66");
	row("mxord2.test", T, OK, "v=spf1 mx -all");
	row("mxord2.test", DNS_T_MX, OK, "10 good.mxord.test");
	row("mxord2.test", DNS_T_MX, OK, "5 bad.mxord.test");
	/* mx/0 (RFC 7208 5.4: any MX host with an address of the client's
	 * family): none without MX hosts, the second host's address, a DNS
	 * error on a host's lookup */
	row("mx0none.test", T, OK, "v=spf1 mx/0 -all");
	row("mx0two.test", T, OK, "v=spf1 mx/0 -all");
	row("mx0two.test", DNS_T_MX, OK, "10 a1.mx0two.test");
	row("mx0two.test", DNS_T_MX, OK, "20 a2.mx0two.test");
	row("a2.mx0two.test", DNS_T_A, OK, "198.51.100.1");
	row("mx0sf.test", T, OK, "v=spf1 mx/0 -all");
	row("mx0sf.test", DNS_T_MX, OK, "10 bad.mxord.test");
	/* an include: of a record libspf2 cannot take even made smaller */
	row("incstilltoobig.test", T, OK,
	    "v=spf1 include:stilltoobig.test -all");
	/* macros libspf2 splits at the value's own dots, or refuses */
	row("lplus.test", T, OK, "v=spf1 exists:%{l1r+}.u.lplus.test -all");
	row("first.last.u.lplus.test", DNS_T_A, OK, "127.0.0.2");
	row("comma.test", T, OK, "v=spf1 exists:%{d1r,}.c.comma.test -all");
	row("comma.test.c.comma.test", DNS_T_A, OK, "127.0.0.2");
	/* URL escaping by RFC 3986 (libspf2 kept the apostrophe), and
	 * ',' on %{i} (libspf2 refused it) */
	row("apos.test", T, OK, "v=spf1 exists:%{L}.a.apos.test -all");
	row("o%27brien.a.apos.test", DNS_T_A, OK, "127.0.0.2");
	row("icomma.test", T, OK, "v=spf1 exists:%{ir,}.i.icomma.test -all");
	row("192.0.2.66.i.icomma.test", DNS_T_A, OK, "127.0.0.2");
	/* ... and one whose expansion makes the record too large for
	 * libspf2: checked without the ip4 terms that cannot match
	 * (spf_shrink), not left to libspf2's silent truncation */
	strcpy(data, "v=spf1");
	append_terms(data, sizeof(data), " ip4:198.51.", ".0/24", 50);
	strcat(data, " exists:%{l1r+}.x.lbig.test -all");
	row("lbig.test", T, OK, data);
	/* a MAIL FROM domain with its root dot: %{d} and %{o} without it */
	row("dotmac.test", T, OK, "v=spf1 exists:%{d}.%{o}.x.dotmac.test -all");
	row("dotmac.test.dotmac.test.x.dotmac.test", DNS_T_A, OK, "127.0.0.2");
	/* the PTR lookup fails: ptr does not match, %{p} is "unknown" */
	row("ptrsf.test", T, OK, "v=spf1 ptr ip4:192.0.2.77 -all");
	row("psf.test", T, OK, "v=spf1 exists:%{p}.psf.test -all");
	row("unknown.psf.test", DNS_T_A, OK, "127.0.0.2");
	row("77.2.0.192.in-addr.arpa", DNS_T_PTR, DNS_R_SERVFAIL, NULL);
	/* a DNS error on a PTR name's address lookup skips that name
	 * (RFC 7208 5.5) */
	row("ptrasf.test", T, OK, "v=spf1 ptr ip4:192.0.2.78 -all");
	row("78.2.0.192.in-addr.arpa", DNS_T_PTR, OK, "h.ptrasf.test");
	row("h.ptrasf.test", DNS_T_A, DNS_R_SERVFAIL, NULL);
	/* include: targets of 253 octets, and of 255 that lose "x." only
	 * (RFC 7208 7.3) */
	strcpy(name253, "");
	for (i = 0; i < 4; i++)
		strcat(name253, LABEL61 ".");
	strcat(name253, "b.tst");
	row(name253, T, OK, "v=spf1 +all");
	/* %{h} of name253 and ".allow.test", less its first label */
	row(LABEL61 "." LABEL61 "." LABEL61 ".b.tst.allow.test", DNS_T_A, OK,
	    "127.0.0.2");
	snprintf(data, sizeof(data), "v=spf1 include:%s -all", name253);
	row("inc253.test", T, OK, data);
	snprintf(data, sizeof(data), "v=spf1 include:x.%s -all", name253);
	row("inc255.test", T, OK, data);
	/* mx/0 with 10 MX hosts, the most RFC 7208 4.6.4 allows */
	row("mx0ten.test", T, OK, "v=spf1 mx/0 -all");
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "%d m%d.mx0ten.test", i, i);
		row("mx0ten.test", DNS_T_MX, OK, name);
	}
	row("m9.mx0ten.test", DNS_T_A, OK, "198.51.100.1");
	/* ... and mx with them, and mx/0 of a host with no address */
	row("mxten.test", T, OK, "v=spf1 mx -all");
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "%d m%d.mx0ten.test", i, i);
		row("mxten.test", DNS_T_MX, OK, name);
	}
	row("mx0noaddr.test", T, OK, "v=spf1 mx/0 -all");
	row("mx0noaddr.test", DNS_T_MX, OK, "10 a1.mx0two.test");
	/* a//0 and mx//0 for an IPv6 client (RFC 7208 5.3, 5.4: any
	 * address of its family); pass.test has none */
	row("a0v6.test", T, OK, "v=spf1 a:hosts.cidr.test//0 -all");
	row("a0v6none.test", T, OK, "v=spf1 a:pass.test//0 -all");
	row("mx0v6.test", T, OK, "v=spf1 mx//0 -all");
	row("mx0v6.test", DNS_T_MX, OK, "10 hosts.cidr.test");
	/* hostile macros (CVE-2023-42118 class) */
	row("macro.test", T, OK,
	    "v=spf1 exists:%{l4294967296r}.%{d999999}.%{ir}.x.macro.test -all");
	/* long record made of many strings */
	strcpy(data, "v=spf1");
	while (strlen(data) < 600)
		strcat(data, " ip4:203.0.113.1");
	strcat(data, " -all");
	row("long.test", T, OK, data);
	/* 70 ip4 terms: valid, but past libspf2's 511-byte compiled limit,
	 * where it silently dropped the tail with "-all" (neutral); checked
	 * without the ip4 terms that cannot match the client (spf_shrink) */
	strcpy(data, "v=spf1");
	append_terms(data, sizeof(data), " ip4:198.51.", ".0/24", 70);
	strcat(data, " ip4:192.0.2.0/24 -all exp=exp.toobig.test");
	row("toobig.test", T, OK, data);
	row("exp.toobig.test", T, OK, "%{i} is not ours");
	snprintf(data, sizeof(data), "v=spf1 include:toobig.test -all");
	row("inctoobig.test", T, OK, data);
	/* 30 ip6 terms (20 bytes each in libspf2), softfail after them */
	strcpy(data, "v=spf1");
	append_terms(data, sizeof(data), " ip6:2001:db8:", "::/48", 30);
	strcat(data, " ~all");
	row("toobig6.test", T, OK, data);
	/* still too large without its ip4 term: 20 a: terms of long names
	 * (their lookups are never made: the compile fails first) */
	strcpy(data, "v=spf1 ip4:192.0.2.0/24");
	append_terms(data, sizeof(data), " a:outbound-",
	    ".mail-relays.provider.example.test", 20);
	strcat(data, " -all");
	row("stilltoobig.test", T, OK, data);
}

/* check - evaluate with a fresh checker on r */
static void
check(struct dns_resolver *r, const struct spf_limits *lim, const char *ip,
    const char *helo, const char *from, enum spf_identity id,
    struct spf_result *res)
{
	struct spf_checker *c = spf_checker_new(r, lim, "mx.receiver.test");
	struct spf_request req = { ip, helo, from, id, 0 };

	spf_check(c, &req, res);
	spf_checker_free(&c);
	assert_null(c);
}

struct spf_case {
	const char *label;
	const char *ip;
	const char *from;
	enum spf_res want;
	const char *reason;		/* substring of the reason, or NULL */
	unsigned max_lookups;		/* bound on DNS lookups, 0: none */
};

static const struct spf_case cases[] = {
	{ "pass", "192.0.2.1", "a@pass.test", SPF_RES_PASS,
	  "a mechanism of the record matched", 1 },
	{ "fail", "198.51.100.1", "a@pass.test", SPF_RES_FAIL,
	  "a mechanism of the record matched", 1 },
	{ "softfail", "192.0.2.1", "a@softfail.test", SPF_RES_SOFTFAIL, NULL, 0 },
	{ "neutral", "192.0.2.1", "a@neutral.test", SPF_RES_NEUTRAL,
	  "a mechanism of the record matched", 0 },
	{ "neutral by default", "192.0.2.1", "a@noall.test", SPF_RES_NEUTRAL,
	  "no mechanism matched: the record's default result", 0 },
	{ "none without record", "192.0.2.1", "a@nospf.test", SPF_RES_NONE, NULL, 1 },
	{ "none for nxdomain", "192.0.2.1", "a@nowhere.test", SPF_RES_NONE, NULL, 1 },
	{ "none for malformed domain", "192.0.2.1", "a@bad..test", SPF_RES_NONE,
	  "4.3", 0 },
	{ "none for single label", "192.0.2.1", "a@localhost", SPF_RES_NONE, NULL, 0 },
	{ "none for a domain ending in two dots", "192.0.2.1", "a@pass.test..",
	  SPF_RES_NONE, "4.3", 0 },
	{ "ipv6 client", "2001:db8::5", "a@pass6.test", SPF_RES_PASS, NULL, 0 },
	{ "ipv4-mapped client is ipv4", "::ffff:192.0.2.1", "a@pass.test",
	  SPF_RES_PASS, NULL, 0 },
	{ "syntax error permerror", "192.0.2.1", "a@syntax.test",
	  SPF_RES_PERMERROR, "unknown mechanism", 0 },
	{ "two records permerror", "192.0.2.1", "a@multi.test",
	  SPF_RES_PERMERROR, "more than one", 0 },
	{ "include loop permerror", "192.0.2.1", "a@loop.test",
	  SPF_RES_PERMERROR, NULL, 12 },
	{ "include self loop permerror", "192.0.2.1", "a@selfloop.test",
	  SPF_RES_PERMERROR, "libspf2: include: or redirect= caused unlimited "
	  "recursion", 12 },
	{ "redirect loop permerror", "192.0.2.1", "a@redirloop.test",
	  SPF_RES_PERMERROR, NULL, 12 },
	{ "include of none permerror", "192.0.2.1", "a@incnone.test",
	  SPF_RES_PERMERROR, NULL, 0 },
	{ "redirect to nxdomain permerror", "192.0.2.1", "a@redirnone.test",
	  SPF_RES_PERMERROR, NULL, 0 },
	{ "invalid record in include permerror", "192.0.2.1", "a@incbad.test",
	  SPF_RES_PERMERROR, "unknown mechanism", 0 },
	{ "mx/0 without MX hosts matches nothing", "192.0.2.66",
	  "a@mx0none.test", SPF_RES_FAIL, NULL, 0 },
	{ "mx/0: a host without address, then one with", "192.0.2.66",
	  "a@mx0two.test", SPF_RES_PASS, NULL, 0 },
	{ "mx/0 with 10 MX hosts", "192.0.2.66", "a@mx0ten.test",
	  SPF_RES_PASS, NULL, 0 },
	{ "ptr: a DNS error on a name's address skips it", "192.0.2.78",
	  "a@ptrasf.test", SPF_RES_PASS, NULL, 0 },
	{ "include: target of 253 octets kept whole", "192.0.2.1",
	  "a@inc253.test", SPF_RES_PASS, NULL, 0 },
	{ "include: target of 255 octets loses one label", "192.0.2.1",
	  "a@inc255.test", SPF_RES_PASS, NULL, 0 },
	{ "mx with 10 MX hosts", "198.51.100.1", "a@mxten.test",
	  SPF_RES_PASS, NULL, 0 },
	{ "mx/0 of a host with no address matches nothing", "192.0.2.66",
	  "a@mx0noaddr.test", SPF_RES_FAIL, NULL, 0 },
	{ "a//0: an IPv6 client, a name with an AAAA", "2001:db8:ffff::9",
	  "a@a0v6.test", SPF_RES_PASS, NULL, 0 },
	{ "a//0: an IPv6 client, a name without", "2001:db8:ffff::9",
	  "a@a0v6none.test", SPF_RES_FAIL, NULL, 0 },
	{ "mx//0: an IPv6 client, a host with an AAAA", "2001:db8:ffff::9",
	  "a@mx0v6.test", SPF_RES_PASS, NULL, 0 },
	{ "mx/0: a DNS error on a host's address", "192.0.2.66",
	  "a@mx0sf.test", SPF_RES_TEMPERROR, NULL, 0 },
	{ "include: of a record too large for libspf2", "203.0.113.9",
	  "a@incstilltoobig.test", SPF_RES_PERMERROR, "too large for libspf2",
	  0 },
	{ "servfail in include temperror", "192.0.2.1", "a@incsf.test",
	  SPF_RES_TEMPERROR, NULL, 0 },
	{ "wide include tree stops at 10", "192.0.2.1", "a@wide.test",
	  SPF_RES_PERMERROR, "4.6.4", 11 },
	{ "deep include chain stops at 10", "192.0.2.1", "a@d0.deep.test",
	  SPF_RES_PERMERROR, "4.6.4", 11 },
	{ "terms counted across levels", "192.0.2.1", "a@tree.test",
	  SPF_RES_PERMERROR, "terms", 12 },
	{ "third void lookup permerror", "192.0.2.1", "a@void3.test",
	  SPF_RES_PERMERROR, "void", 4 },
	{ "two void lookups allowed", "192.0.2.1", "a@void2.test",
	  SPF_RES_FAIL, NULL, 3 },
	{ "mx with 11 records permerror", "192.0.2.1", "a@mxmany.test",
	  SPF_RES_PERMERROR, "MX", 2 },
	{ "a: of a host an MX answer named is still a term", "192.0.2.10",
	  "a@mxthena.test", SPF_RES_PERMERROR, "terms", 0 },
	{ "10 terms with an MX host's a: allowed", "192.0.2.10",
	  "a@mxthena8.test", SPF_RES_PASS, NULL, 0 },
	{ "the %{p} macro's PTR lookup is not a term", "192.0.2.10",
	  "a@pmac.test", SPF_RES_PASS, NULL, 0 },
	{ "the ptr mechanism is a term", "192.0.2.10", "a@ptr11.test",
	  SPF_RES_PERMERROR, "terms", 0 },
	{ "%{iR} is %{ir}", "192.0.2.10", "a@upperr.test", SPF_RES_PASS,
	  NULL, 0 },
	{ "%{d2} of a two-label domain is all of it", "192.0.2.10",
	  "a@d2.test", SPF_RES_PASS, NULL, 0 },
	{ "%{l1r-} of a local-part without '-' is all of it", "192.0.2.10",
	  "user@l1r.test", SPF_RES_PASS, NULL, 0 },
	{ "%{d3} in an included record: the included domain", "192.0.2.10",
	  "a@incd3.test", SPF_RES_PASS, NULL, 0 },
	{ "%{d2} of a three-label domain still cuts", "192.0.2.10",
	  "a@a.dcut.test", SPF_RES_PASS, NULL, 0 },
	{ "ptr names past 10 ignored", "192.0.2.99", "a@ptrmany.test",
	  SPF_RES_FAIL, NULL, 12 },
	{ "mx hosts tried in preference order (best matches)", "192.0.2.66",
	  "a@mxord.test", SPF_RES_PASS, NULL, 0 },
	{ "mx hosts tried in preference order (best fails)", "192.0.2.66",
	  "a@mxord2.test", SPF_RES_TEMPERROR, NULL, 0 },
	{ "%{l1r+} keeps a local-part's dots (RFC 7208 7.3)", "192.0.2.66",
	  "first.last+tag@lplus.test", SPF_RES_PASS, NULL, 0 },
	{ "a ',' delimiter is not refused", "192.0.2.66", "a@comma.test",
	  SPF_RES_PASS, NULL, 0 },
	{ "%{L} escapes an apostrophe (RFC 7208 7.3, RFC 3986)", "192.0.2.66",
	  "o'brien@apos.test", SPF_RES_PASS, NULL, 0 },
	{ "a ',' delimiter on %{i} is not refused", "192.0.2.66",
	  "a@icomma.test", SPF_RES_PASS, NULL, 0 },
	{ "an expansion past libspf2's size: checked without the ip4 terms",
	  "192.0.2.66",
	  "abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh."
	  "abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh.abcdefgh."
	  "abcdefgh.abcdefgh+t@lbig.test", SPF_RES_FAIL,
	  "a mechanism of the record matched", 2 },
	{ "a MAIL FROM domain's root dot is not in %{d} or %{o}",
	  "192.0.2.66", "a@dotmac.test.", SPF_RES_PASS, NULL, 0 },
	{ "ptr after a PTR lookup error does not match", "192.0.2.77",
	  "a@ptrsf.test", SPF_RES_PASS, NULL, 0 },
	{ "%{p} after a PTR lookup error is unknown", "192.0.2.77",
	  "a@psf.test", SPF_RES_PASS, NULL, 0 },
	{ "hostile macros give a result", "192.0.2.1",
	  "aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.cccccccc@macro.test",
	  SPF_RES_FAIL, NULL, 2 },
	{ "include: target over 253 octets loses labels on the left",
	  "192.0.2.9", LONG_LABEL "@inclong.test", SPF_RES_PASS, NULL, 0 },
	{ "redirect= target over 253 octets loses labels on the left",
	  "198.51.100.9", LONG_LABEL "@redirlong.test", SPF_RES_SOFTFAIL,
	  NULL, 0 },
	{ "long record accepted", "203.0.113.1", "a@long.test", SPF_RES_PASS, NULL, 1 },
	{ "record too large for libspf2: no term matches, -all fails",
	  "203.0.113.9", "a@toobig.test", SPF_RES_FAIL,
	  "a mechanism of the record matched", 2 },
	{ "record too large for libspf2: its 66th term passes",
	  "198.51.65.7", "a@toobig.test", SPF_RES_PASS,
	  "a mechanism of the record matched", 1 },
	{ "record too large for libspf2: its last network passes",
	  "192.0.2.200", "a@toobig.test", SPF_RES_PASS, NULL, 1 },
	{ "record too large for libspf2: an IPv6 client fails",
	  "2001:db8::1", "a@toobig.test", SPF_RES_FAIL, NULL, 2 },
	{ "included record too large for libspf2: no match, -all fails",
	  "203.0.113.9", "a@inctoobig.test", SPF_RES_FAIL, NULL, 3 },
	{ "included record too large for libspf2: a match passes",
	  "198.51.0.1", "a@inctoobig.test", SPF_RES_PASS, NULL, 2 },
	{ "30 ip6 terms: the 29th passes", "2001:db8:28::25",
	  "a@toobig6.test", SPF_RES_PASS, NULL, 1 },
	{ "30 ip6 terms: none matches, softfail", "2001:db8:ffff::1",
	  "a@toobig6.test", SPF_RES_SOFTFAIL, NULL, 1 },
	{ "30 ip6 terms: an IPv4 client softfails", "192.0.2.1",
	  "a@toobig6.test", SPF_RES_SOFTFAIL, NULL, 1 },
	{ "too large: a match before the long terms passes", "192.0.2.9",
	  "a@stilltoobig.test", SPF_RES_PASS, NULL, 1 },
	{ "still too large without the ip4 term permerror", "203.0.113.9",
	  "a@stilltoobig.test", SPF_RES_PERMERROR, "too large for libspf2", 1 },
	{ "loopback client gets no free pass", "127.0.0.1", "a@pass.test",
	  SPF_RES_FAIL, NULL, 1 },
	{ "ipv6 loopback client gets no free pass", "::1", "a@pass.test",
	  SPF_RES_FAIL, NULL, 1 },
	{ "bad client address", "300.1.2.3", "a@pass.test", SPF_RES_NONE,
	  "client", 0 },
	{ "no client address", NULL, "a@pass.test", SPF_RES_NONE, "client",
	  0 },
};

static void
test_results_table(void **state)
{
	struct dns_resolver *r = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct spf_case *c = &cases[i];
		struct spf_result res;
		uint64_t before = dns_resolver_lookups(r);

		print_message("# %s\n", c->label);
		check(r, NULL, c->ip, "mail.client.test", c->from, SPF_ID_MAILFROM,
		    &res);
		print_message("#   got %s (%s), %u queries\n", spf_res_name(res.res),
		    res.reason != NULL ? res.reason : "", res.dns_queries);
		assert_string_equal(spf_res_name(res.res), spf_res_name(c->want));
		if (c->reason != NULL)
			assert_non_null(strstr(res.reason, c->reason));
		if (c->max_lookups > 0)
			assert_true(dns_resolver_lookups(r) - before <= c->max_lookups);
		assert_int_equal(dns_resolver_lookups(r) - before, res.dns_queries);
		spf_result_deinit(&res);
		assert_null(res.reason);
	}
}

/* A spf_decisive_term case: the check of from from ip gives want, and
 * the term that decided it is term. */
struct term_case {
	const char *name;
	const char *ip, *from;
	enum spf_res want;
	const char *term;
	bool fresh;		/* asked of a checker that evaluated nothing */
};

static const struct term_case term_cases[] = {
	/* spf_decisive_term (authcheck, failure reports) re-runs libspf2
	 * on prefixes of the record: they get the macro fix too */
	{ "the term of a %{d2} pass", "192.0.2.10", "a@d2.test",
	  SPF_RES_PASS, "exists:%{d2}._spf.d2.test", false },
	/* ... and on records made smaller for libspf2: the term of the
	 * record as published */
	{ "a shrunk record's ip4 that passes", "198.51.65.7",
	  "a@toobig.test", SPF_RES_PASS, "ip4:198.51.65.0/24", false },
	{ "a shrunk record's -all", "203.0.113.9", "a@toobig.test",
	  SPF_RES_FAIL, "-all", false },
	/* authcheck asks a checker of its own, one that has evaluated
	 * nothing (explain_message.c spf_term): the record it splits is
	 * normalised for the client's family all the same, so a/24 keeps
	 * its prefix length */
	{ "fresh checker: a/24 for an IPv4 client", "192.0.2.200",
	  "a@cidr.test", SPF_RES_PASS, "a:hosts.cidr.test/24//64", true },
	{ "fresh checker: a//64 for an IPv6 client", "2001:db8:c1d::ff",
	  "a@cidr.test", SPF_RES_PASS, "a:hosts.cidr.test/24//64", true },
	{ "fresh checker: the ip4 after the a", "198.51.100.7",
	  "a@cidr.test", SPF_RES_PASS, "ip4:198.51.100.7", true },
	/* the term as the record publishes it, not as normalisation
	 * rewrote it for libspf2 */
	{ "as published: ip6:::/0", "2001:db8::5", "a@rewritten.test",
	  SPF_RES_PASS, "ip6:::/0", false },
	{ "as published: a with its dot and /32", "192.0.2.1",
	  "a@rewritten.test", SPF_RES_PASS, "a:Hosts.cidr.test./32", false },
	{ "as published: mx/0", "203.0.113.5", "a@rewritten.test",
	  SPF_RES_PASS, "mx/0", false },
	/* when no mechanism matched, redirect= is the decisive term;
	 * modifiers are no mechanisms to count, and a record's only
	 * mechanism can decide */
	{ "redirect= when no mechanism matched", "192.0.2.1",
	  "a@redirdec.test", SPF_RES_PASS, "redirect=pass.test", false },
	{ "modifiers before the mechanism", "198.51.100.7",
	  "a@modfirst.test", SPF_RES_PASS, "ip4:198.51.100.0/24", false },
	{ "the record's one term", "192.0.2.1", "a@jorg.inc.test",
	  SPF_RES_PASS, "+all", false },
	/* each prefix has the RFC 7208 4.6.4 limits of its own
	 * (mxthena8.test spends 10 terms every time), and the HELO name
	 * for %{h} */
	{ "each prefix's own term limit", "192.0.2.10", "a@mxthena8.test",
	  SPF_RES_PASS, "include:i8.mxthena.test", false },
	{ "each prefix's %{h}", "192.0.2.1", "a@hmacro.test", SPF_RES_FAIL,
	  "-all", false },
};

/* decisive_term - spf_check of t on a checker of its own, then
 * spf_decisive_term of it (caller frees; NULL if the result is not
 * t->want) */
static char *
decisive_term(struct dns_resolver *r, const struct term_case *t)
{
	struct spf_checker *c = spf_checker_new(r, NULL, NULL);
	struct spf_checker *asked = t->fresh ?
	    spf_checker_new(r, NULL, NULL) : c;
	struct spf_request req = { t->ip, "mail.client.test", t->from,
	    SPF_ID_MAILFROM, 0 };
	struct spf_result res;
	char *term = NULL;

	spf_check(c, &req, &res);
	if (res.res == t->want)
		term = spf_decisive_term(asked, &req, &res);
	spf_result_deinit(&res);
	if (asked != c)
		spf_checker_free(&asked);
	spf_checker_free(&c);
	return term;
}

static void
test_decisive_term_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(term_cases) / sizeof(term_cases[0]); i++) {
		const struct term_case *t = &term_cases[i];
		char *term = decisive_term(*state, t);

		if (term == NULL || strcmp(term, t->term) != 0)
			fail_msg("%s: term \"%s\", want %s and \"%s\"", t->name,
			    term != NULL ? term : "(none: other result?)",
			    spf_res_name(t->want), t->term);
		free(term);
	}
}

/* a result no term decides (permerror here, though redirect= is there)
 * has none */
static void
test_decisive_term_none(void **state)
{
	struct spf_checker *c = spf_checker_new(*state, NULL,
	    "mx.receiver.test");
	struct spf_request req = { "192.0.2.1", "mail.client.test",
	    "a@redirnone.test", SPF_ID_MAILFROM, 0 };
	struct spf_result res;

	spf_check(c, &req, &res);
	assert_int_equal(res.res, SPF_RES_PERMERROR);
	assert_null(spf_decisive_term(c, &req, &res));
	spf_result_deinit(&res);
	spf_checker_free(&c);
}

/* a HELO of 253 octets and a root dot (254, the most an A-label buffer
 * holds): %{h} is without the dot, so "%{h}.allow.test" has no empty
 * label once cut to 253 octets (RFC 7208 7.3) */
static void
helo_of_254_octets(struct dns_resolver *r)
{
	char helo[260];
	struct spf_result res;
	int i;

	strcpy(helo, "");
	for (i = 0; i < 4; i++)
		strcat(helo, LABEL61 ".");
	strcat(helo, "b.tst.");
	assert_int_equal(strlen(helo), 254);
	check(r, NULL, "192.0.2.1", helo, "a@hmacro.test", SPF_ID_MAILFROM,
	    &res);
	assert_int_equal(res.res, SPF_RES_PASS);
	spf_result_deinit(&res);
}

/* a HELO with a root dot after one with U-labels, on one checker: the
 * copy without the dot ends where the name does, whatever the longer
 * A-label form left in the checker's buffer */
static void
helo_root_dot_after_alabels(struct dns_resolver *r)
{
	struct spf_checker *c = spf_checker_new(r, NULL, "mx.receiver.test");
	struct spf_request req = { "192.0.2.1", "mx.b\xc3\xbc" "cher.example",
	    "a@hmacro.test", SPF_ID_MAILFROM, 0 };
	struct spf_result res;

	spf_check(c, &req, &res);
	assert_int_equal(res.res, SPF_RES_PASS);
	spf_result_deinit(&res);
	req.helo = "mx.ok.example.";
	spf_check(c, &req, &res);
	assert_int_equal(res.res, SPF_RES_PASS);
	spf_result_deinit(&res);
	spf_checker_free(&c);
}

/* An explanation case: the check of from from ip (HELO h.test) gives
 * want, with the explanation exp (NULL: none). */
struct exp_case {
	const char *name;
	const char *ip, *from;
	enum spf_res want;
	const char *exp;
};

static const struct exp_case exp_cases[] = {
	{ "fail: the record's exp=", "198.51.100.66", "u@fail.test",
	  SPF_RES_FAIL, "198.51.100.66 may not send for fail.test" },
	{ "pass: none", "192.0.2.1", "u@pass.test", SPF_RES_PASS, NULL },
	{ "a record made smaller for libspf2 keeps its exp=", "203.0.113.9",
	  "u@toobig.test", SPF_RES_FAIL, "203.0.113.9 is not ours" },
	/* the default explanation (the reply text, A-R reason=) writes an
	 * IPv6 client as an address, not as %{i}'s dotted nibbles; a
	 * mapped one as the IPv4 address SPF checked */
	{ "default: an IPv6 client", "2001:db9::66", "u@pass6.test",
	  SPF_RES_FAIL, "2001:db9::66 is not one of pass6.test's designated "
	  "mail servers" },
	{ "default: an IPv4-mapped client", "::ffff:198.51.100.66",
	  "u@pass.test", SPF_RES_FAIL, "198.51.100.66 is not one of "
	  "pass.test's designated mail servers" },
	/* macros expanded by RFC 7208 7.3 where libspf2 alone would not:
	 * it kept ! and * unescaped, dropped the first character for a
	 * digit as large as the parts, split %{d1r-} at its dots, and
	 * wrote escapes in lower-case hex ("%2c", "%40"; RFC 3986 2.1) */
	{ "macros: ! and * escaped", "192.0.2.10", "a!b*c@expmac.test",
	  SPF_RES_FAIL, "a%21b%2Ac%40expmac.test d2=expmac.test "
	  "d1r-=r.expmac.test i9=192.0.2.10" },
	{ "macros: escapes in upper-case hex", "192.0.2.10",
	  "a,b-c@expmac.test", SPF_RES_FAIL, "a%2Cb-c%40expmac.test "
	  "d2=expmac.test d1r-=r.expmac.test i9=192.0.2.10" },
	/* one libspf2 1.2.10 would compile past its 511-byte stack buffer
	 * is no explanation (the default is given: without the bound this
	 * first check crashes), one just past our bound neither */
	{ "past libspf2's compile buffer: the default", "198.51.100.66",
	  "u@hugeexp.test", SPF_RES_FAIL, "198.51.100.66 is not one of "
	  "hugeexp.test's designated mail servers" },
	{ "just past our compile bound: the default", "198.51.100.66",
	  "u@bigexp.test", SPF_RES_FAIL, "198.51.100.66 is not one of "
	  "bigexp.test's designated mail servers" },
};

/* same_text - both NULL, or the same string */
static bool
same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
test_explanation_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(exp_cases) / sizeof(exp_cases[0]); i++) {
		const struct exp_case *e = &exp_cases[i];
		struct spf_result res;

		check(*state, NULL, e->ip, "h.test", e->from, SPF_ID_MAILFROM,
		    &res);
		if (res.res != e->want || !same_text(res.explanation, e->exp))
			fail_msg("%s: got %s, explanation \"%s\"", e->name,
			    spf_res_name(res.res), res.explanation != NULL ?
			    res.explanation : "(none)");
		spf_result_deinit(&res);
	}
}

/* an explanation at the bound of libspf2's compiled size is expanded as
 * written */
static void
test_explanation_compile_bound(void **state)
{
	struct spf_result res;
	char want[700];
	int i;

	check(*state, NULL, "198.51.100.66", "h.test", "u@okexp.test",
	    SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_FAIL);
	strcpy(want, "");
	for (i = 0; i < 124; i++)
		strcat(want, "test");	/* %{d1}: the last label */
	strcat(want, "xyz");
	assert_non_null(res.explanation);
	assert_string_equal(res.explanation, want);
	spf_result_deinit(&res);
}

/* A HELO case: the check gives want, for the domain and <sender> given
 * (NULL: not checked). */
struct helo_case {
	const char *name;
	const char *ip, *helo, *from;
	enum spf_identity id;
	enum spf_res want;
	const char *domain, *sender;
};

static const struct helo_case helo_cases[] = {
	{ "null sender: postmaster@HELO", "192.0.2.7", "helo.test", "",
	  SPF_ID_MAILFROM, SPF_RES_PASS, "helo.test", "postmaster@helo.test" },
	{ "HELO identity ignores MAIL FROM", "192.0.2.8", "helo.test",
	  "x@pass.test", SPF_ID_HELO, SPF_RES_FAIL, "helo.test", NULL },
	/* all of it follows "postmaster@", whatever the result's storage
	 * held (the walker fills it with 'y') */
	{ "a one-octet HELO", "192.0.2.7", "x", "", SPF_ID_MAILFROM,
	  SPF_RES_NONE, NULL, "postmaster@x" },
	/* RFC 7208 4.3 */
	{ "no local part: postmaster", "192.0.2.1", "helo.test", "@pass.test",
	  SPF_ID_MAILFROM, SPF_RES_PASS, NULL, "postmaster@pass.test" },
	/* %{h} in a MAIL FROM check: an ASCII HELO as given (without a
	 * root dot), one with U-labels in A-labels; "unknown" for other
	 * 8-bit bytes and for no HELO (libspf2 would give temperror) */
	{ "%{h} of an ASCII HELO", "192.0.2.1", "mx.ok.example",
	  "a@hmacro.test", SPF_ID_MAILFROM, SPF_RES_PASS, NULL, NULL },
	{ "%{h} without the root dot", "192.0.2.1", "mx.ok.example.",
	  "a@hmacro.test", SPF_ID_MAILFROM, SPF_RES_PASS, NULL, NULL },
	{ "%{h} of U-labels: A-labels", "192.0.2.1",
	  "mx.b\xc3\xbc" "cher.example", "a@hmacro.test", SPF_ID_MAILFROM,
	  SPF_RES_PASS, NULL, NULL },
	{ "%{h} of other 8-bit bytes: unknown", "192.0.2.1",
	  "mx.\xff\xfe.example", "a@hmacro.test", SPF_ID_MAILFROM,
	  SPF_RES_PASS, NULL, NULL },
	{ "%{h} of no HELO: unknown", "192.0.2.1", NULL, "a@hmacro.test",
	  SPF_ID_MAILFROM, SPF_RES_PASS, NULL, NULL },
	{ "%{h} of an empty HELO: unknown", "192.0.2.1", "", "a@hmacro.test",
	  SPF_ID_MAILFROM, SPF_RES_PASS, NULL, NULL },
	{ "a HELO that is not a domain: none", "192.0.2.1", "[192.0.2.1]", "",
	  SPF_ID_MAILFROM, SPF_RES_NONE, NULL, NULL },
};

/* helo_case_ok - res is what h wants */
static bool
helo_case_ok(const struct helo_case *h, const struct spf_result *res)
{
	return res->res == h->want &&
	    (h->domain == NULL || same_text(res->domain, h->domain)) &&
	    (h->sender == NULL || same_text(res->sender, h->sender));
}

static void
test_helo_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(helo_cases) / sizeof(helo_cases[0]); i++) {
		const struct helo_case *h = &helo_cases[i];
		struct spf_result res;

		memset(&res, 'y', sizeof(res));
		check(*state, NULL, h->ip, h->helo, h->from, h->id, &res);
		if (!helo_case_ok(h, &res))
			fail_msg("%s: got %s, domain \"%s\", sender \"%s\"",
			    h->name, spf_res_name(res.res), res.domain,
			    res.sender);
		spf_result_deinit(&res);
	}
}

/* HELO names at the edges of what a checker holds */
static void
test_helo_edges(void **state)
{
	helo_root_dot_after_alabels(*state);
	helo_of_254_octets(*state);
}

/* one checker, client addresses where one is the start of the one before
 * or differs in its last octet: the address remembered from the last
 * check is used for the same text only */
static void
test_client_address_remembered(void **state)
{
	static const struct {
		const char *ip;
		enum spf_res want;
	} seq[] = {
		{ "198.51.100.70", SPF_RES_FAIL },
		{ "198.51.100.7", SPF_RES_PASS },
		{ "198.51.100.8", SPF_RES_FAIL },
		{ "198.51.100.7", SPF_RES_PASS },
	};
	struct spf_checker *c = spf_checker_new(*state, NULL, NULL);
	struct spf_result res;
	size_t i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct spf_request req = { seq[i].ip, "mail.client.test",
		    "a@cidr.test", SPF_ID_MAILFROM, 0 };

		spf_check(c, &req, &res);
		assert_int_equal(res.res, seq[i].want);
		spf_result_deinit(&res);
	}
	spf_checker_free(&c);
}

/* longest_line - the longest line of v, in octets */
static size_t
longest_line(const char *v)
{
	size_t most = 0, n;

	for (; *v != '\0'; v += n + (v[n] == '\n')) {
		n = strcspn(v, "\n");
		if (n > most)
			most = n;
	}
	return most;
}

/* Received-SPF with long values: a MAIL FROM or HELO argument of
 * kilobytes is left out (no folding could bring it within a line), and
 * long values that are kept are folded so no line passes 998 octets
 * (RFC 5322 2.1.1; "Received-SPF: " counts on the first line) */
static void
received_spf_long_values(struct spf_checker *c)
{
	char from[1100], helo[2100], label[64], dom[260], rcv[300], lp[21];
	struct spf_request req = { "192.0.2.1", helo, from, SPF_ID_MAILFROM,
	    0 };
	struct spf_result res;
	size_t i;
	char *v;

	memset(from, 'a', 990);
	strcpy(from + 990, "@pass.test");
	memset(helo, 'h', 2000);
	helo[2000] = '\0';
	spf_check(c, &req, &res);
	v = spf_received_spf(&req, &res, "mx.receiver.test");
	assert_null(strstr(v, "envelope-from="));
	assert_null(strstr(v, "helo="));
	assert_non_null(strstr(v, ") client-ip=192.0.2.1; receiver="));
	assert_true(longest_line(v) + sizeof("Received-SPF: ") - 1 <= 998);
	free(v);
	spf_result_deinit(&res);
	/* the HELO identity (a null sender) with that HELO: the comment
	 * names no such domain either (it was one 2,000-octet word; a
	 * 300 KB HELO made a field Postfix refuses, test_milter_sequences) */
	req.identity = SPF_ID_HELO;
	spf_check(c, &req, &res);
	v = spf_received_spf(&req, &res, "mx.receiver.test");
	assert_non_null(strstr(v, "an over-long name"));
	assert_true(longest_line(v) + sizeof("Received-SPF: ") - 1 <= 998);
	free(v);
	spf_result_deinit(&res);
	req.identity = SPF_ID_MAILFROM;
	/* a 20-octet local-part at a 244-octet domain, a 244-octet HELO
	 * name and receiver: each kept, the whole folded */
	memset(label, 'd', 59);
	strcpy(label + 59, ".");
	snprintf(dom, sizeof(dom), "%s%s%s%stest", label, label, label, label);
	memset(lp, 'l', 20);
	lp[20] = '\0';
	snprintf(from, sizeof(from), "%s@%s", lp, dom);
	snprintf(helo, sizeof(helo), "%s", dom);
	snprintf(rcv, sizeof(rcv), "r%s", dom);
	spf_check(c, &req, &res);
	v = spf_received_spf(&req, &res, rcv);
	print_message("# %zu octets, longest line %zu\n", strlen(v),
	    longest_line(v));
	assert_non_null(strstr(v, "envelope-from="));
	assert_non_null(strstr(v, "helo="));
	assert_non_null(strstr(v, "receiver="));
	assert_non_null(strstr(v, "\n "));
	assert_true(longest_line(v) + sizeof("Received-SPF: ") - 1 <= 998);
	free(v);
	/* HELO names of every length from 1 to 200 octets move the blank
	 * before receiver= across the first line's last octet: there
	 * "Received-SPF: " counts, exactly */
	for (i = 1; i <= 200; i++) {
		memset(helo, 'h', i);
		helo[i] = '\0';
		v = spf_received_spf(&req, &res, rcv);
		assert_true(longest_line(v) + sizeof("Received-SPF: ") - 1 <=
		    998);
		free(v);
	}
	spf_result_deinit(&res);
}

/* comment_end - the ')' that closes the comment v opens at its first
 * '(', following nesting and quoted-pairs (RFC 5322 3.2.2); NULL if the
 * comment never closes */
static const char *
comment_end(const char *v)
{
	int depth = 0;

	for (v = strchr(v, '('); v != NULL && *v != '\0'; v++) {
		if (*v == '\\' && v[1] != '\0')
			v++;
		else if (*v == '(')
			depth++;
		else if (*v == ')' && --depth == 0)
			return v;
	}
	return NULL;
}

/* Received-SPF values at the edges of a dot-atom (RFC 5322 3.2.3): an
 * empty one is quoted, one octet is an atom, a leading '.' is quoted;
 * a lone 0x80 starts no UTF-8 character, so it is '?' */
static void
received_spf_edge_values(struct spf_checker *c)
{
	struct spf_request req = { "192.0.2.1", NULL, "user@pass.test",
	    SPF_ID_MAILFROM, 0 };
	static const struct {
		const char *helo, *want;
	} e[] = {
		{ NULL, " helo=\"\";" },
		{ "h", " helo=h;" },
		{ ".h.test", " helo=\".h.test\";" },
		{ "\x80h.test", " helo=\"?h.test\";" },
	};
	struct spf_result res;
	size_t i;
	char *v;

	spf_check(c, &req, &res);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		req.helo = e[i].helo;
		v = spf_received_spf(&req, &res, "mx.receiver.test");
		print_message("# %s\n", v);
		assert_non_null(strstr(v, e[i].want));
		free(v);
	}
	spf_result_deinit(&res);
}

/* A Received-SPF case: the field of the check of from (client
 * 192.0.2.1) names want, ends its comment where we end it, holds each
 * of has and none of lacks. */
struct rspf_case {
	const char *name;
	const char *helo, *from;
	enum spf_identity id;
	const char *receiver;
	enum spf_res want;
	const char *has[3], *lacks[2];
};

static const struct rspf_case rspf_cases[] = {
	{ "a hostile HELO, a record in error", "evil\"(helo)\r\n",
	  "x@syntax.test", SPF_ID_MAILFROM, "mx.receiver.test",
	  SPF_RES_PERMERROR, { "helo=\"evil\\\"(helo)\";",
	  "problem=\"unknown mechanism\";" }, { "\r", "\n" } },
	/* a dot-atom neither ends in "." nor has ".." (RFC 5322 3.2.3):
	 * such a value is quoted */
	{ "a HELO ending in '.'", "mail.client.test.", "user@pass.test",
	  SPF_ID_MAILFROM, "mx.receiver.test", SPF_RES_PASS,
	  { " helo=\"mail.client.test.\";" }, { NULL } },
	{ "a HELO with \"..\"", "mail..client.test", "user@pass.test",
	  SPF_ID_MAILFROM, "mx.receiver.test", SPF_RES_PASS,
	  { " helo=\"mail..client.test\";" }, { NULL } },
	/* each byte that starts no UTF-8 character is '?' (as in our
	 * A-R), a valid character stays, so the field is UTF-8 (RFC 6532
	 * 3.2) */
	{ "a HELO and MAIL FROM not UTF-8", "h\xff\xc3\xa9.test",
	  "x@\xc3" "b.test", SPF_ID_MAILFROM, "mx.receiver.test",
	  SPF_RES_NONE, { " helo=\"h?\xc3\xa9.test\";",
	  " envelope-from=\"x@?b.test\";", " of ?b.test" },
	  { "\xff", "\xc3" "b" } },
	/* ( ) and \ in a HELO (the domain named when it is the identity)
	 * and in the receiver: each a quoted-pair (RFC 7208 9.1) */
	{ "( ) and \\ in the comment", "a)b(c\\d.test", "", SPF_ID_HELO,
	  "mx(1).test", SPF_RES_NONE, { " (mx\\(1\\).test: ",
	  " of a\\)b\\(c\\\\d.test" }, { NULL } },
};

/* rspf_problem - what in v does not suit r, or NULL */
static const char *
rspf_problem(const struct rspf_case *r, const char *v)
{
	const char *end = comment_end(v);
	size_t want = strlen(spf_res_name(r->want)), i;

	if (strncmp(v, spf_res_name(r->want), want) != 0 ||
	    strncmp(v + want, " (", 2) != 0)
		return "another result";
	if (end == NULL || strncmp(end, ") client-ip=", 12) != 0)
		return "the comment ends elsewhere";
	for (i = 0; i < sizeof(r->has) / sizeof(r->has[0]); i++) {
		if (r->has[i] != NULL && strstr(v, r->has[i]) == NULL)
			return r->has[i];
	}
	for (i = 0; i < sizeof(r->lacks) / sizeof(r->lacks[0]); i++) {
		if (r->lacks[i] != NULL && strstr(v, r->lacks[i]) != NULL)
			return r->lacks[i];
	}
	return NULL;
}

static void
test_received_spf_table(void **state)
{
	struct spf_checker *c = spf_checker_new(*state, NULL,
	    "mx.receiver.test");
	size_t i;

	for (i = 0; i < sizeof(rspf_cases) / sizeof(rspf_cases[0]); i++) {
		const struct rspf_case *r = &rspf_cases[i];
		struct spf_request req = { "192.0.2.1", r->helo, r->from, r->id,
		    0 };
		struct spf_result res;
		const char *problem;
		char *v;

		spf_check(c, &req, &res);
		v = spf_received_spf(&req, &res, r->receiver);
		problem = rspf_problem(r, v);
		if (problem != NULL)
			fail_msg("%s: \"%s\" in %s", r->name, problem, v);
		free(v);
		spf_result_deinit(&res);
	}
	spf_checker_free(&c);
}

static void
test_received_spf_value(void **state)
{
	struct dns_resolver *r = *state;
	struct spf_request req = { "192.0.2.1", "mail.client.test",
	    "user@pass.test", SPF_ID_MAILFROM, 0 };
	struct spf_checker *c = spf_checker_new(r, NULL, "mx.receiver.test");
	struct spf_result res;
	char *v;

	spf_check(c, &req, &res);
	v = spf_received_spf(&req, &res, "mx.receiver.test");
	assert_string_equal(v, "pass (mx.receiver.test: domain of pass.test "
	    "designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
	    "envelope-from=\"user@pass.test\"; helo=mail.client.test; "
	    "receiver=mx.receiver.test; identity=mailfrom;");
	free(v);
	spf_result_deinit(&res);
	received_spf_long_values(c);
	received_spf_edge_values(c);
	spf_checker_free(&c);
	assert_string_equal(spf_res_name(SPF_RES_TEMPERROR), "temperror");
	assert_string_equal(spf_res_name(SPF_RES_SOFTFAIL), "softfail");
}

/* load_slack_ms - how much longer than planned a timed step may take on
 * a loaded machine, times AUTHMILTER_TEST_TIME_SCALE (slower runs:
 * valgrind, sanitizers) */
static uint64_t
load_slack_ms(void)
{
	const char *scale = getenv("AUTHMILTER_TEST_TIME_SCALE");

	return 1000 * (uint64_t)(scale != NULL && atoi(scale) > 1 ?
	    atoi(scale) : 1);
}

/* long_wait_resolver - the zone with a per-query timeout far beyond
 * load_slack_ms: a wait our time limit fails to cut stands out from one
 * it cuts, however loaded the machine */
static struct dns_resolver *
long_wait_resolver(void)
{
	return dns_resolver_new_fake(rows, nrows,
	    (unsigned)(3 * load_slack_ms()));
}

/* assert_cut_at - a wait of at least limit_ms (the limit was waited
 * out) that ended long before the query's own timeout */
static void
assert_cut_at(uint64_t t0, unsigned limit_ms)
{
	uint64_t took = clock_mono_ms() - t0;

	assert_true(took >= limit_ms);
	assert_true(took < limit_ms + load_slack_ms());
}

/* what is left of the message's DNS time, shorter than the checker's
 * limit, is the one that cuts the wait and the one the reason names */
static void
message_time_limit(struct dns_resolver *r)
{
	struct spf_checker *c = spf_checker_new(r, NULL, "mx.receiver.test");
	struct spf_request req = { "192.0.2.1", "h.test", "a@slowa.test",
	    SPF_ID_MAILFROM, 150 };
	struct spf_result res;
	uint64_t t0 = clock_mono_ms();

	spf_check(c, &req, &res);
	assert_int_equal(res.res, SPF_RES_TEMPERROR);
	assert_cut_at(t0, 150);
	assert_non_null(strstr(res.reason, "message's DNS time limit"));
	spf_result_deinit(&res);
	spf_checker_free(&c);
}

/* a lookup cut short by the evaluation's time limit: temperror, the
 * reason naming the limit; the lookup waits what is left of the limit,
 * not the query's timeout */
static void
evaluation_time_limit(struct dns_resolver *r, unsigned limit_ms)
{
	struct spf_limits lim = { 0, 0, 0, limit_ms };
	struct spf_result res;
	uint64_t t0 = clock_mono_ms();

	check(r, &lim, "192.0.2.1", "h.test", "a@slowa.test", SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_TEMPERROR);
	assert_cut_at(t0, limit_ms);
	assert_non_null(strstr(res.reason, "SPF time limit reached"));
	spf_result_deinit(&res);
}

static void
test_timeout_gives_temperror_in_time(void **state)
{
	struct dns_resolver *r = *state;	/* per-query timeout 300 ms */
	struct dns_resolver *slow = long_wait_resolver();
	struct spf_result res;
	uint64_t t0 = clock_mono_ms(), took;

	check(r, NULL, "192.0.2.1", "h.test", "a@slowa.test", SPF_ID_MAILFROM, &res);
	took = clock_mono_ms() - t0;
	assert_int_equal(res.res, SPF_RES_TEMPERROR);
	/* the server's silence: the record answered, then one query
	 * (silent.test) waited out its timeout, not our 20 s time limit */
	assert_int_equal(res.dns_queries, 2);
	assert_true(took >= 300);
	assert_true(took < 300 + load_slack_ms());
	assert_null(strstr(res.reason, "time limit"));
	spf_result_deinit(&res);
	evaluation_time_limit(slow, 150);
	evaluation_time_limit(slow, 50);
	message_time_limit(slow);
	dns_resolver_free(&slow);
}

/* trouble with the explanation never changes a decided fail (RFC 7208
 * 6.2: proceed as if no exp= was given): neither the time limit running
 * out in its lookup nor the query budget spent on the record */
static void
test_explanation_trouble_keeps_fail(void **state)
{
	struct dns_resolver *slow = long_wait_resolver();
	struct spf_limits lim50 = { 0, 0, 0, 50 }, one = { 0, 0, 1, 0 };
	struct spf_result res;
	uint64_t t0 = clock_mono_ms();

	check(slow, &lim50, "192.0.2.1", "h.test", "a@expslow.test",
	    SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_FAIL);
	assert_null(strstr(res.reason, "time limit"));
	/* the explanation's lookup waits what is left of 50 ms, not the
	 * query's timeout */
	assert_cut_at(t0, 50);
	spf_result_deinit(&res);
	dns_resolver_free(&slow);
	check(*state, &one, "198.51.100.66", "h.test", "u@fail.test",
	    SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_FAIL);
	assert_int_equal(res.dns_queries, 1);
	spf_result_deinit(&res);
}

/* the result counts the DNS-querying terms and void lookups (RFC 7208
 * 4.6.4) that authcheck reports: two a: of names that do not exist
 * are two of each */
static void
test_term_and_void_counts(void **state)
{
	struct spf_result res;

	check(*state, NULL, "192.0.2.1", "h.test", "a@void2.test",
	    SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_FAIL);
	assert_int_equal(res.dns_terms, 2);
	assert_int_equal(res.void_lookups, 2);
	spf_result_deinit(&res);
	/* a//0 (a marked exists:) is one term, and its NODATA a void */
	check(*state, NULL, "2001:db8:ffff::9", "h.test", "a@a0v6none.test",
	    SPF_ID_MAILFROM, &res);
	assert_int_equal(res.dns_terms, 1);
	assert_int_equal(res.void_lookups, 1);
	spf_result_deinit(&res);
}

static void
test_query_budget(void **state)
{
	struct dns_resolver *r = *state;
	struct spf_limits lim = { 0, 0, 3, 0 };
	struct spf_result res;

	check(r, &lim, "192.0.2.1", "h.test", "a@mx5.test", SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_PERMERROR);
	assert_non_null(strstr(res.reason, "too many DNS queries"));
	assert_true(res.dns_queries <= 3);
	spf_result_deinit(&res);
	check(r, NULL, "192.0.2.1", "h.test", "a@mx5.test", SPF_ID_MAILFROM, &res);
	assert_int_equal(res.res, SPF_RES_FAIL);
	assert_int_equal(res.dns_queries, 7);	/* TXT, MX, 5 x A */
	spf_result_deinit(&res);
}

struct thread_arg {
	struct dns_resolver *r;
	int bad;
};

static void *
checker_thread(void *p)
{
	struct thread_arg *ta = p;
	struct spf_checker *c = spf_checker_new(ta->r, NULL, "mx.receiver.test");
	int i;

	for (i = 0; i < 40; i++) {
		struct spf_request req = { i % 2 ? "192.0.2.1" : "198.51.100.1",
		    "h.test", i % 3 ? "a@pass.test" : "a@tree.test", SPF_ID_MAILFROM, 0 };
		struct spf_result res;
		enum spf_res want = i % 3 == 0 ? SPF_RES_PERMERROR :
		    i % 2 ? SPF_RES_PASS : SPF_RES_FAIL;

		spf_check(c, &req, &res);
		if (res.res != want)
			ta->bad++;
		spf_result_deinit(&res);
	}
	spf_checker_free(&c);
	return NULL;
}

static void
test_one_checker_per_thread_shared_resolver(void **state)
{
	struct thread_arg args[4];
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++) {
		args[i].r = *state;
		args[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, checker_thread, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
}

static int
setup(void **state)
{
	build_zone();
	*state = dns_resolver_new_fake(rows, nrows, 300);
	return 0;
}

static int
teardown(void **state)
{
	struct dns_resolver *r = *state;
	size_t i;

	dns_resolver_free(&r);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	return 0;
}

/* the result's strings outgrow its own text (SPF_RESULT_TEXT): the
 * long ones go to the heap, every string still reads back whole, and a
 * result used again after spf_result_deinit starts empty */
static void
test_long_strings_beyond_result_text(void **state)
{
	struct dns_resolver *r = *state;
	struct spf_result res;
	char from[SPF_RESULT_TEXT * 2 + 32];
	size_t lens[] = { 1, SPF_RESULT_TEXT / 2, SPF_RESULT_TEXT - 20,
	    SPF_RESULT_TEXT - 10, SPF_RESULT_TEXT, SPF_RESULT_TEXT * 2 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(from, 'a' + (int)i, lens[i]);
		(void)snprintf(from + lens[i], sizeof(from) - lens[i],
		    "@fail.test");
		check(r, NULL, "192.0.2.1", "helo.test", from, SPF_ID_MAILFROM,
		    &res);
		assert_int_equal(res.res, SPF_RES_FAIL);
		assert_string_equal(res.sender, from);
		assert_string_equal(res.domain, "fail.test");
		assert_non_null(res.explanation);
		assert_string_equal(res.explanation,
		    "192.0.2.1 may not send for fail.test");
		assert_non_null(res.reason);
		spf_result_deinit(&res);
		assert_null(res.sender);
		assert_null(res.domain);
		assert_null(res.explanation);
		assert_null(res.reason);
	}
}

/* a U-label anywhere in the domain (before, at and after each 8-byte
 * step of the ASCII scan) is checked in its A-label form, as idna_domain
 * gives it; an all-ASCII domain of any length stays as it is */
static void
test_identity_alabels_at_every_offset(void **state)
{
	struct dns_resolver *r = *state;
	struct spf_result res;
	char dom[64], from[96], want[sizeof("user@") + 253];	/* n.ascii <= 253 */
	size_t k;
	int intl;

	for (intl = 0; intl < 2; intl++) {
		for (k = 0; k < 20; k++) {
			struct idna_name n;

			memset(dom, 'a', k);
			(void)snprintf(dom + k, sizeof(dom) - k, "%s.example",
			    intl ? "\xc3\xbc" : "b");
			(void)snprintf(from, sizeof(from), "user@%s", dom);
			assert_int_equal(idna_domain((const unsigned char *)dom,
			    strlen(dom), &n, NULL), IDNA_OK);
			check(r, NULL, "192.0.2.1", "helo.test", from,
			    SPF_ID_MAILFROM, &res);
			assert_string_equal(res.domain, n.ascii);
			(void)snprintf(want, sizeof(want), "user@%s", n.ascii);
			assert_string_equal(res.sender, want);
			if (!intl)
				assert_string_equal(res.domain, dom);
			spf_result_deinit(&res);
		}
	}
}

/*
 * RFC 8616 4: a UTF-8 local part cannot be a DNS label, so terms with
 * %{l} or %{s} match nothing for it (an include: or redirect= of such a
 * name too, instead of ending the check in permerror), and a MAIL FROM
 * domain that has no A-label form is malformed (RFC 7208 4.3: none). No
 * name with 8-bit bytes goes to DNS: the top-level record is the only
 * query. The ASCII local part "jorg" shows the same records do match.
 */
static void
test_utf8_local_part_macros(void **state)
{
	static const struct {
		const char *from;
		enum spf_res want;
		unsigned queries;
	} c[] = {
		{ "jorg@lmac.test", SPF_RES_PASS, 2 },
		{ "j\xc3\xb6rg@lmac.test", SPF_RES_FAIL, 1 },
		{ "j\xc3\xb6rg@smac.test", SPF_RES_FAIL, 1 },
		{ "jorg@linc.test", SPF_RES_PASS, 2 },
		{ "j\xc3\xb6rg@linc.test", SPF_RES_FAIL, 1 },
		{ "jorg@lredir.test", SPF_RES_PASS, 2 },
		{ "j\xc3\xb6rg@lredir.test", SPF_RES_NEUTRAL, 1 },
		{ "a@\xe2\x98\x83.test", SPF_RES_NONE, 0 },
	};
	struct dns_resolver *r = *state;
	struct spf_result res;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t before = dns_resolver_lookups(r);

		print_message("# %s\n", c[i].from);
		check(r, NULL, "192.0.2.1", "helo.test", c[i].from,
		    SPF_ID_MAILFROM, &res);
		print_message("#   got %s (%s), %u queries\n",
		    spf_res_name(res.res), res.reason, res.dns_queries);
		assert_string_equal(spf_res_name(res.res),
		    spf_res_name(c[i].want));
		assert_int_equal(dns_resolver_lookups(r) - before,
		    c[i].queries);
		spf_result_deinit(&res);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_table),
		cmocka_unit_test(test_helo_table),
		cmocka_unit_test(test_helo_edges),
		cmocka_unit_test(test_client_address_remembered),
		cmocka_unit_test(test_decisive_term_table),
		cmocka_unit_test(test_decisive_term_none),
		cmocka_unit_test(test_explanation_table),
		cmocka_unit_test(test_explanation_compile_bound),
		cmocka_unit_test(test_received_spf_value),
		cmocka_unit_test(test_received_spf_table),
		cmocka_unit_test(test_timeout_gives_temperror_in_time),
		cmocka_unit_test(test_explanation_trouble_keeps_fail),
		cmocka_unit_test(test_query_budget),
		cmocka_unit_test(test_term_and_void_counts),
		cmocka_unit_test(test_one_checker_per_thread_shared_resolver),
		cmocka_unit_test(test_long_strings_beyond_result_text),
		cmocka_unit_test(test_identity_alabels_at_every_offset),
		cmocka_unit_test(test_utf8_local_part_macros),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
