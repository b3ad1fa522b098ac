/* test_conf.c - config parsing, defaults and file:line errors */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "conf/conf_live.h"
#include "conf/conf_restart.h"
#include "conf/conf_warn.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "conf_fixtures.h"
#include "temp_file.h"

static char path[64];

/* write_conf - put text into a fresh temp file named in path */
static void
write_conf(const char *text)
{
	temp_file_write(path, sizeof(path), text);
}

/* load - load text; returns the config or NULL with errors in err
 * (path keeps the file's name for the tests' "file:line:" checks) */
static struct conf *
load(const char *text, struct buf *err)
{
	return conf_load_text(text, err, path, sizeof(path));
}

static void
test_defaults(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("# nothing but a comment\n\n", &err);
	assert_non_null(c);
	assert_string_equal(c->socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->socket_mode, 0660);
	assert_null(c->user_id);
	assert_int_equal(c->shutdown_timeout_ms, 30000);
	assert_int_equal(c->log_to, CONF_LOG_SYSLOG);
	assert_non_null(c->authserv_id);
	assert_true(strlen(c->authserv_id) > 0);
	conf_unref(&c);
	assert_null(c);
	buf_deinit(&err);
}

/* SignHeaders and OversignHeaders take header field names: h='s own
 * "From:To" spelling is refused at its line, commas and spaces part
 * names */
static void
test_header_name_lists(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("Mode sv\nSignHeaders From:To:Subject\n", &err);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ":2: SignHeaders: a name with "
	    "':'"));
	c = load("OversignHeaders From\nOversignHeaders From:Subject\n", &err);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ":2: OversignHeaders: "));
	c = load("SignHeaders From,To Subject\nOversignHeaders From\n", &err);
	assert_non_null(c);
	assert_int_equal(c->sign_headers.count, 3);
	assert_string_equal(c->sign_headers.items[1], "To");
	conf_unref(&c);
	buf_deinit(&err);
}

static void
test_values_and_case(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("socket   unix:/run/am.sock   # trailing comment\n"
	    "SOCKETMODE 0600\n"
	    "\tAuthservID\tmx.example.net\n"
	    "ShutdownTimeout 1500ms\n"
	    "LogTo STDERR\n"
	    "loglevel debug\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_string_equal(c->socket, "unix:/run/am.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_string_equal(c->authserv_id, "mx.example.net");
	assert_int_equal(c->shutdown_timeout_ms, 1500);
	assert_int_equal(c->log_to, CONF_LOG_STDERR);
	assert_int_equal(c->log_level, 3);
	conf_unref(&c);
	/* 107 bytes, the longest unix socket path Linux can bind */
	c = load("Socket unix:/run/authmilter/"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345.sock\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	conf_unref(&c);
	buf_deinit(&err);
}

/* The other spellings values may take: on/off, a duration without a
 * unit (seconds) or in minutes, tabs between list items, local: for a
 * unix socket, "_" in an AuthservID, range ends and equal key bounds */
static void
test_value_spellings(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("RunAsRoot on\nSPFCheckHelo off\nShutdownTimeout 5\n"
	    "DKIMClockSkew 2m\nDNSTimeout 100ms\nDKIMMaxSignatures 50\n"
	    "InternalHosts 10.0.0.0/8\t192.0.2.0/24\n"
	    "Socket local:/run/am.sock\nAuthservID mx_1.example.net\n"
	    "DKIMMinKeyBits 2048\nDKIMMaxKeyBits 2048\n"
	    "Nameservers 192.0.2.53@65535\nReportInterval 8\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_true(c->run_as_root);
	assert_false(c->spf_helo);
	assert_int_equal(c->shutdown_timeout_ms, 5000);
	assert_int_equal(c->dkim_clock_skew_ms, 120000);
	assert_int_equal(c->dns_timeout_ms, 100);
	assert_int_equal(c->dkim_max_signatures, 50);
	assert_int_equal(c->internal_hosts.count, 2);
	assert_string_equal(c->internal_hosts.items[1], "192.0.2.0/24");
	assert_string_equal(c->socket, "local:/run/am.sock");
	assert_string_equal(c->authserv_id, "mx_1.example.net");
	assert_int_equal(c->dkim_min_key_bits, 2048);
	conf_unref(&c);
	buf_deinit(&err);
}

/* The edges of what is taken: the highest port, a user with a group,
 * '!' and '~' in a field name (RFC 5322 3.6.8's ftext ends), a U-label
 * with a 0x80 byte (Cyrillic er, U+0440) */
static void
test_edge_values_accepted(void **state)
{
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct group *gr = getgrgid(0);
	struct conf *c;

	(void)state;
	assert_non_null(gr);
	buf_printf(&text, "Socket inet:65535@127.0.0.1\nUserID root:%s\n"
	    "SignHeaders From X-!~\nDMARCAlwaysReject \xd1\x80.example\n",
	    gr->gr_name);
	c = load(buf_cstr(&text), &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_string_equal(c->sign_headers.items[1], "X-!~");
	assert_string_equal(c->dmarc_always_reject.items[0], "xn--p1a.example");
	conf_unref(&c);
	buf_deinit(&text);
	buf_deinit(&err);
}

/* A file saved with a UTF-8 byte order mark (Windows editors) and CRLF
 * line ends loads as it reads; a mark after the first line is text */
static void
test_byte_order_mark(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("\xef\xbb\xbfLogLevel debug\r\nLogTo stderr\r\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->log_to, CONF_LOG_STDERR);
	conf_unref(&c);
	c = load("\xef\xbb\xbf# comment\n\xef\xbb\xbfLogLevel debug\n", &err);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ":2: unknown option"));
	buf_deinit(&err);
}

#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Each bad line must be reported as file:LINE: and say what is wrong. */
static const struct {
	const char *text;
	unsigned line;
	const char *says;
} bad_cases[] = {
	{ "Nonsense yes\n", 1, "unknown option (text not shown)\n" },
	/* a misspelt name: the nearest option is named, never the text */
	{ "DNSTimout 5s\n", 1, "unknown option (text not shown); did you "
	  "mean DNSTimeout?\n" },
	{ "\nsokcet unix:/x\n", 2, "did you mean Socket?\n" },
	{ "OversignHeader From\n", 1, "did you mean OversignHeaders?\n" },
	{ "Mdoe v\n", 1, "did you mean Mode?\n" },
	{ "Moody v\n", 1, "unknown option (text not shown)\n" },
	{ "DMARCNeverReject ok.example a..b\n", 1,
	  "DMARCNeverReject: \"a..b\" is not a domain name" },
	{ "ARCTrustedSealers l.example\n\nARCTrustedSealers x_\xff.example\n",
	  3, "ARCTrustedSealers: \"x_\xff.example\" is not a domain name" },
	{ "\n\nSocket\n", 3, "Socket: missing value" },
	{ "Socket tcp:25\n", 1, "expected unix:/path, inet:PORT@ADDRESS" },
	{ "Socket inet:70000@127.0.0.1\n", 1, "port must be a number from 1 to 65535" },
	{ "Socket unix:relative\n", 1, "must be absolute" },
	/* authmilter -t said OK; the start failed "in use, or no permission?" */
	{ "\nSocket inet:8891@127.0.0.1 extra\n", 2,
	  "Socket: white space after @ADDRESS" },
	/* libmilter binds each family's literal only with its own prefix */
	{ "Socket inet:8891@::1\n", 1,
	  "Socket: an IPv6 address needs inet6:PORT@ADDRESS" },
	{ "Socket inet6:8891@127.0.0.1\n", 1,
	  "Socket: an IPv4 address needs inet:PORT@ADDRESS" },
	/* 108 bytes: one more than Linux's sun_path holds with its NUL */
	{ "Socket unix:/run/authmilter/"
	  "0123456789012345678901234567890123456789"
	  "01234567890123456789012345678901234567890123456.sock\n", 1,
	  "Socket: unix socket path too long" },
	/* opened after the daemon changes to / */
	{ "PidFile authmilter.pid\n", 1, "PidFile: must be an absolute file name" },
	{ "\nTrustAnchorFile root.key\n", 2, "TrustAnchorFile: must be an "
	  "absolute file name" },
	{ "PSLFile ./psl.dat\n", 1, "PSLFile: must be an absolute file name" },
	/* read only at start (libunbound, libpsl): authmilter -t said OK,
	 * then every DNS lookup failed, or the start stopped with no line */
	{ "\n\nTrustAnchorFile /nonexistent/root.key\n", 3,
	  "TrustAnchorFile: no such file" },
	{ "PSLFile /nonexistent/public_suffix_list.dat\n", 1,
	  "PSLFile: no such file" },
	{ "SocketMode rw\n", 1, "expected an octal mode" },
	{ "SocketMode 01777\n", 1, "must be between 0000 and 0777" },
	{ "ShutdownTimeout soon\n", 1, "expected a duration" },
	{ "ShutdownTimeout 2h\n", 1, "must be between" },
	{ "LogTo file\n", 1, "expected one of: syslog, stderr" },
	{ "LogFacility kern7\n", 1, "unknown syslog facility" },
	{ "LogLevel info\nLogLevel debug\n", 2, "LogLevel is already set at line 1" },
	{ "AuthservID mx;example\n", 1, "AuthservID: use letters" },
	{ "UserID no-such-user-here\n", 1, "UserID: no such user" },
	{ "UserID root:no-such-group-here\n", 1, "UserID: no such group" },
	/* a host list names its bad entry and what is wrong with it */
	{ "\nInternalHosts 10.0.0.0/8 10.0.0.0/33\n", 2, "InternalHosts: "
	  "\"10.0.0.0/33\": prefix length over 32 for an IPv4 network" },
	{ "InternalHosts ::1\nInternalHosts mail.example.net\n", 2,
	  "InternalHosts: \"mail.example.net\": not an IP address (host "
	  "names are not looked up)" },
	{ "\n\nPeerHosts 192.0.2.25 backup-mx.example.net\n", 3,
	  "PeerHosts: \"backup-mx.example.net\": not an IP address" },
	/* a repeated list: the line with the bad entry, not the last one */
	{ "InternalHosts 10.0.0.0/33\nInternalHosts 192.0.2.0/24\n", 1,
	  "InternalHosts: \"10.0.0.0/33\": prefix length over 32" },
	{ "InternalHosts 10.0.0.0/8, 2001:db8::/129 ::1\n", 1, "InternalHosts: "
	  "\"2001:db8::/129\": prefix length over 128 for an IPv6 network" },
	{ "InternalHosts [2001:db8::]/32\n", 1, "InternalHosts: "
	  "\"[2001:db8::]/32\": no brackets" },
	{ "PeerHosts fe80::25%eth0\n", 1, "PeerHosts: \"fe80::25%eth0\": an "
	  "address with a zone" },
	{ "InternalHosts 192.0.2.0/\n", 1, "InternalHosts: \"192.0.2.0/\": "
	  "the prefix length after / must be a number" },
	{ "InternalHosts 192.0.2.0/255.255.255.0\n", 1, "InternalHosts: "
	  "\"192.0.2.0/255.255.255.0\": the prefix length after / must be" },
	{ "InternalHosts 2001:db8:::1/64\n", 1, "InternalHosts: "
	  "\"2001:db8:::1/64\": not an IPv6 address" },
	{ "InternalHosts 192.0.2.256\n", 1, "InternalHosts: "
	  "\"192.0.2.256\": not an IPv4 address" },
	{ "InternalHosts /24\n", 1, "InternalHosts: \"/24\": no address "
	  "before the /" },
	{ "Nameservers 192.0.2.53@0\nNameservers 127.0.0.1\n", 1,
	  "Nameservers: port after @ must be 1 to 65535" },
	{ "SignHeaders From:To\nSignHeaders Subject\n", 1,
	  "SignHeaders: a name with ':'" },
	/* a wildcard or an address matched no domain ever */
	{ "DMARCNeverReject *.example.com\n", 1, "DMARCNeverReject: "
	  "\"*.example.com\" is not a domain name (no wildcards" },
	{ "\nDMARCAlwaysReject bank.example, *\n", 2, "DMARCAlwaysReject: "
	  "\"*\" is not a domain name" },
	{ "ARCTrustedSealers arc@lists.example\n", 1, "ARCTrustedSealers: "
	  "\"arc@lists.example\" is not a domain name" },
	/* the ARC seal's own options are named at their lines, not ARCSeal's */
	{ "ARCSeal outbound\nARCSealSelector arc1\nARCSealDomain a..example\n"
	  "ARCSealKeyFile /nonexistent/arc.pem\n", 3,
	  "ARCSealDomain: not a valid DNS name" },
	{ "ARCSeal outbound\nARCSealSelector arc..1\nARCSealDomain a.example\n"
	  "ARCSealKeyFile /nonexistent/arc.pem\n", 2,
	  "ARCSealSelector: not a valid DNS name" },
	{ "ARCSeal verified\n\nARCSealKeyName arc\n", 3,
	  "ARCSealKeyName arc: no such KeyTable entry" },
	/* numbers start with a digit: strtoul would take a sign */
	{ "MaxHeaders +1000\n", 1, "MaxHeaders: expected a whole number" },
	{ "\nShutdownTimeout +5s\n", 2, "ShutdownTimeout: expected a duration" },
	/* 5124095576031 hours is 2^64 + 2048384 ms: refused, not wrapped
	 * into the allowed range */
	{ "DKIMClockSkew 5124095576031h\n", 1, "DKIMClockSkew: expected a duration" },
	/* both ends of a range, one past */
	{ "DNSTimeout 99ms\n", 1, "DNSTimeout: must be between 100ms and 60000ms" },
	{ "DKIMMaxSignatures 51\n", 1, "DKIMMaxSignatures: must be between 1 and 50" },
	{ "Socket inet:65536@127.0.0.1\n", 1, "port must be a number from 1 to 65535" },
	{ "Socket inet:8891@\n", 1, "Socket: missing address after @" },
	{ "Socket inet:8891@127.0.0.1\textra\n", 1,
	  "Socket: white space after @ADDRESS" },
	{ "Nameservers 192.0.2.53@65536\n", 1,
	  "Nameservers: port after @ must be 1 to 65535" },
	/* too long for an address and port; cut to the buffer it would read
	 * as port 53 */
	{ "Nameservers 192.0.2.53@00000000000000000000000000000000000000000053xyz\n",
	  1, "Nameservers: expected ip or ip@port" },
	{ "ReportContact @example.net\n", 1, "ReportContact: expected a plain address" },
	{ "ReportContact dmarc@localhost\n", 1, "ReportContact: expected a plain address" },
	/* DEL is no printable ASCII (RFC 5322 3.6.8 ftext is %d33-57 / %d59-126) */
	{ "OversignHeaders From\x7f\n", 1, "OversignHeaders: a name with ':'" },
	/* 23 leaves 1 over from a day */
	{ "ReportInterval 23\n", 1, "ReportInterval: use 1, 2, 3, 4, 6, 8, 12 or 24" },
	/* a seal records our verdict (cv=), and a sealer is trusted only
	 * in a verified chain: said at ARCVerify's line */
	{ "ARCVerify no\nARCSeal verified\n", 1, "ARCVerify no, but ARCSeal "
	  "needs the ARC chain verified" },
	{ "\nARCVerify no\nARCTrustedSealers lists.example\n", 2,
	  "ARCVerify no, but ARCTrustedSealers needs the ARC chain verified" },
	{ "\nARCSeal outbound\n", 2, "ARCSeal needs ARCSealDomain" },
	/* a signing key that cannot be loaded stops the load, at its line
	 * (the first one too) */
	{ "KeyFile /nonexistent/k.pem\nDomain example.com\nSelector s1\n", 1,
	  "KeyFile: cannot open key file /nonexistent/k.pem" },
	/* a port of 8 characters does not fit (7 do); none is no port */
	{ "Socket inet:00008891@127.0.0.1\n", 1, "Socket: missing or bad port number" },
	{ "Socket inet:@127.0.0.1\n", 1, "Socket: missing or bad port number" },
	{ "UserID :root\n", 1, "UserID: expected user or user:group" },
	/* 256 letters: longer than any user name the system takes */
	{ "UserID " A64 A64 A64 A64 "\n", 1, "UserID: expected user or user:group" },
	/* neither missing nor forbidden: said without a guess */
	{ "PSLFile /dev/null/psl.dat\n", 1, "PSLFile: cannot be opened" },
	/* the dot before the @ is not the domain's */
	{ "ReportContact dmarc.@localhost\n", 1, "ReportContact: expected a plain address" },
	/* two swaps and a letter more: three edits, too far to suggest */
	{ "oLgLveelX yes\n", 1, "unknown option (text not shown)\n" },
	{ "RunAsRoot maybe\n", 1, "RunAsRoot: expected yes or no" },
	/* the whole value is the number */
	{ "MaxHeaders 100x\n", 1, "MaxHeaders: expected a whole number" },
	/* SignatureTTL: no sign, a number, whole seconds, 30 days at most */
	{ "\nSignatureTTL -3600\n", 2, "SignatureTTL: expected a duration" },
	{ "SignatureTTL week\n", 1, "SignatureTTL: expected a duration" },
	{ "SignatureTTL 721h\n", 1,
	  "SignatureTTL: must be between 0ms and 2592000000ms" },
	{ "SignatureTTL 1500ms\n", 1,
	  "SignatureTTL: must be whole seconds (x= counts seconds)" },
};

static void
test_errors_name_file_and_line(void **state)
{
	struct buf err = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char where[128];
		struct conf *c = load(bad_cases[i].text, &err);

		if (c != NULL)
			fail_msg("case %zu (%s) was accepted", i, bad_cases[i].text);
		(void)snprintf(where, sizeof(where), "%s:%u: ", path, bad_cases[i].line);
		if (strstr(buf_cstr(&err), where) == NULL ||
		    strstr(buf_cstr(&err), bad_cases[i].says) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\" and \"%s\"", i,
			    buf_cstr(&err), where, bad_cases[i].says);
	}
	buf_deinit(&err);
}

/* Domain lists keep each entry as its lower-case A-label, across
 * repeated lines, so a U-label or upper-case entry matches the author
 * domain the evaluation compares (always A-labels) */
static void
test_domain_lists(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("DMARCNeverReject B\xc3\xbc" "cher.Example, Example.ORG.\n"
	    "DMARCNeverReject xn--BCHER-KVA.test\n"
	    "DMARCAlwaysReject Bank.Example\nARCTrustedSealers Lists.Example\n",
	    &err);
	assert_non_null(c);
	assert_int_equal(c->dmarc_never_reject.count, 3);
	assert_string_equal(c->dmarc_never_reject.items[0],
	    "xn--bcher-kva.example");
	assert_string_equal(c->dmarc_never_reject.items[1], "example.org");
	assert_string_equal(c->dmarc_never_reject.items[2],
	    "xn--bcher-kva.test");
	assert_null(c->dmarc_never_reject.items[3]);
	assert_string_equal(c->dmarc_always_reject.items[0], "bank.example");
	assert_string_equal(c->arc_trusted_sealers.items[0], "lists.example");
	conf_unref(&c);
	buf_deinit(&err);
}

/* AuthservID: 255 characters are taken, 256 are a configuration error
 * (the id shares the A-R's first line, which must stay within 998) */
static void
test_authserv_id_length(void **state)
{
	struct buf err = BUF_INIT;
	char text[300];
	struct conf *c;

	(void)state;
	(void)snprintf(text, sizeof(text), "AuthservID %0255d\n", 7);
	c = load(text, &err);
	assert_non_null(c);
	assert_int_equal(strlen(c->authserv_id), 255);
	conf_unref(&c);
	(void)snprintf(text, sizeof(text), "AuthservID %0256d\n", 7);
	c = load(text, &err);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ":1: AuthservID: at most 255"));
	buf_deinit(&err);
}

/* a host list entry with address bits past its prefix stands for the
 * whole network: warned (it loads), a network or host written plainly
 * is not, nor the default list */
static void
test_host_bits_warned(void **state)
{
	struct buf err = BUF_INIT, said = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("InternalHosts 127.0.0.0/8 ::1 10.1.2.3/8\n"
	    "InternalHosts 2001:db8::25/64 192.0.2.0/24 192.0.2.7\n"
	    "PeerHosts 192.0.2.25 2001:db8:1::/48 ::ffff:10.0.0.0/104\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	(void)conf_warnings(c, conf_warning_into, &said);
	if (strstr(buf_cstr(&said), ":2: InternalHosts 10.1.2.3/8 means "
	    "10.0.0.0/8, 2001:db8::25/64 means 2001:db8::/64 (address bits "
	    "set past the prefix length)") == NULL ||
	    strstr(buf_cstr(&said), "PeerHosts") != NULL)
		fail_msg("warnings: %s", buf_cstr(&said));
	conf_unref(&c);
	buf_reset(&said);
	c = load("\n", &err);
	assert_non_null(c);
	(void)conf_warnings(c, conf_warning_into, &said);
	assert_null(strstr(buf_cstr(&said), "InternalHosts"));
	conf_unref(&c);
	buf_deinit(&said);
	buf_deinit(&err);
}

/* InternalHosts and PeerHosts are parsed at load, every line of them,
 * for byte matching */
static void
test_internal_hosts_parsed(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;
	struct cidr a;

	(void)state;
	c = load("\n", &err);
	assert_non_null(c);
	assert_int_equal(c->internal_nets.count, 2);	/* 127.0.0.0/8 ::1 */
	assert_true(cidr_addr_parse("127.0.0.2", &a));
	assert_true(cidr_list_match(&c->internal_nets, &a));
	conf_unref(&c);
	c = load("InternalHosts 10.9.0.0/16, 2001:db8::/32\n"
	    "InternalHosts 192.0.2.7\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(c->internal_nets.count, 3);
	assert_true(cidr_addr_parse("::ffff:10.9.1.1", &a));
	assert_true(cidr_list_match(&c->internal_nets, &a));
	assert_true(cidr_addr_parse("192.0.2.7", &a));
	assert_true(cidr_list_match(&c->internal_nets, &a));
	assert_true(cidr_addr_parse("127.0.0.1", &a));
	assert_false(cidr_list_match(&c->internal_nets, &a));
	assert_int_equal(c->peer_nets.count, 0);	/* unset by default */
	conf_unref(&c);
	/* PeerHosts the same way, every line of it */
	c = load("PeerHosts 192.0.2.25\nPeerHosts 2001:db8::/64\n", &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(c->peer_nets.count, 2);
	assert_true(cidr_addr_parse("2001:db8::25", &a));
	assert_true(cidr_list_match(&c->peer_nets, &a));
	assert_true(cidr_addr_parse("192.0.2.26", &a));
	assert_false(cidr_list_match(&c->peer_nets, &a));
	conf_unref(&c);
	buf_deinit(&err);
}

static void
test_all_errors_reported(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;
	const char *p;
	int lines = 0;

	(void)state;
	c = load("Bogus 1\nLogTo nowhere\nSocket inet:0\n", &err);
	assert_null(c);
	for (p = buf_cstr(&err); *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	buf_deinit(&err);
}

/* A FIFO is refused, not waited on for a writer: at a reload that held
 * the daemon's signal loop until the next signal. SIGALRM ends the test
 * if it waits. */
static void
test_fifo_refused(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	char fifo[64];

	(void)state;
	(void)snprintf(fifo, sizeof(fifo), "/tmp/authmilter-fifo-%ld",
	    (long)getpid());
	(void)unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	(void)alarm(10);
	assert_false(conf_load(fifo, &c, &err));
	(void)alarm(0);
	(void)unlink(fifo);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ": is a FIFO, not a file"));
	buf_deinit(&err);
}

/* A TrustAnchorFile or PSLFile that is a FIFO is refused, not opened
 * and waited on for a writer (held -t, the start, and at a reload the
 * signal loop); a directory is refused too (it opens, then fails to
 * load at start) */
static void
test_read_files_not_fifo_or_dir(void **state)
{
	static const char *const opts[] = { "TrustAnchorFile", "PSLFile" };
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct conf *c;
	char fifo[64];
	size_t i;

	(void)state;
	(void)snprintf(fifo, sizeof(fifo), "/tmp/authmilter-optfifo-%ld",
	    (long)getpid());
	(void)unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	for (i = 0; i < 2; i++) {
		buf_truncate(&text, 0);
		buf_printf(&text, "\n%s %s\n", opts[i], fifo);
		(void)alarm(10);
		c = load(buf_cstr(&text), &err);
		(void)alarm(0);
		assert_null(c);
		assert_non_null(strstr(buf_cstr(&err), ":2: "));
		assert_non_null(strstr(buf_cstr(&err), "a FIFO, not a file"));
		buf_truncate(&text, 0);
		buf_printf(&text, "%s /tmp\n", opts[i]);
		c = load(buf_cstr(&text), &err);
		assert_null(c);
		assert_non_null(strstr(buf_cstr(&err), "a directory, not a file"));
	}
	(void)unlink(fifo);
	buf_deinit(&err);
	buf_deinit(&text);
}

static void
test_missing_file(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;

	(void)state;
	assert_false(conf_load("/nonexistent/authmilter.conf", &c, &err));
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), "/nonexistent/authmilter.conf: cannot open"));
	buf_deinit(&err);
}

/* A line past the limit, a NUL byte (a binary file given by mistake) and
 * a directory are errors naming the place; the lines around still count */
static void
test_unreadable_lines(void **state)
{
	static const char nul_text[] = "Mode verify\nSocket x\0y\n";
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct conf *c = NULL;
	char where[128];
	size_t i;

	(void)state;
	buf_append_str(&text, "AuthservID ");
	for (i = 0; i < 9000; i++)
		buf_append_byte(&text, 'a');
	buf_append_str(&text, "\nMode bogus\n");
	assert_null(load(buf_cstr(&text), &err));
	(void)snprintf(where, sizeof(where), "%s:1: line longer than 8192 bytes",
	    path);
	assert_non_null(strstr(buf_cstr(&err), where));
	(void)snprintf(where, sizeof(where), "%s:2: ", path);
	assert_non_null(strstr(buf_cstr(&err), where));

	write_conf("");
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		assert_int_equal(fwrite(nul_text, 1, sizeof(nul_text) - 1, fp),
		    sizeof(nul_text) - 1);
		assert_int_equal(fclose(fp), 0);
	}
	buf_reset(&err);
	assert_false(conf_load(path, &c, &err));
	(void)unlink(path);
	assert_null(c);
	(void)snprintf(where, sizeof(where), "%s:2: NUL byte in line", path);
	assert_non_null(strstr(buf_cstr(&err), where));

	buf_reset(&err);
	assert_false(conf_load("/tmp", &c, &err));
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), "/tmp: read error"));
	buf_deinit(&text);
	buf_deinit(&err);
}

/* ULONG_MAX / 1000 seconds still fit in milliseconds: out of range;
 * one more second would wrap, and is no duration */
static void
test_duration_overflow_edge(void **state)
{
	struct buf err = BUF_INIT;
	char text[64];

	(void)state;
	(void)snprintf(text, sizeof(text), "DKIMClockSkew %lu\n",
	    ULONG_MAX / 1000);
	assert_null(load(text, &err));
	assert_non_null(strstr(buf_cstr(&err), ":1: DKIMClockSkew: must be "
	    "between 0ms and 86400000ms"));
	(void)snprintf(text, sizeof(text), "DKIMClockSkew %lu\n",
	    ULONG_MAX / 1000 + 1);
	assert_null(load(text, &err));
	assert_non_null(strstr(buf_cstr(&err), ":1: DKIMClockSkew: expected "
	    "a duration"));
	buf_deinit(&err);
}

/* SignatureTTL: 0 (no x=) by default, seconds without a unit, 30 days
 * the most */
static void
test_signature_ttl(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c;

	(void)state;
	c = load("Mode sv\n", &err);
	assert_non_null(c);
	assert_int_equal(c->signature_ttl_ms, 0);
	conf_unref(&c);
	c = load("SignatureTTL 86400\n", &err);
	assert_non_null(c);
	assert_int_equal(c->signature_ttl_ms, 86400000);
	conf_unref(&c);
	c = load("SignatureTTL 720h\n", &err);
	assert_non_null(c);
	assert_int_equal(c->signature_ttl_ms, 2592000000U);
	conf_unref(&c);
	buf_deinit(&err);
}

/* long_line - "RejectText aaa...\n", size bytes with its newline */
static void
long_line(struct buf *text, size_t size)
{
	buf_reset(text);
	buf_append_str(text, "RejectText ");
	while (text->len < size - 1)
		buf_append_byte(text, 'a');
	buf_append_byte(text, '\n');
}

/* 8192 bytes with the newline is the longest line; one more is an
 * error even alone */
static void
test_line_length_limit(void **state)
{
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct conf *c;

	(void)state;
	long_line(&text, 8192);
	c = load(buf_cstr(&text), &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(strlen(c->reject_text), 8192 - 12);
	conf_unref(&c);
	long_line(&text, 8193);
	assert_null(load(buf_cstr(&text), &err));
	assert_non_null(strstr(buf_cstr(&err), ":1: line longer than 8192 bytes"));
	buf_deinit(&text);
	buf_deinit(&err);
}

static void
test_print_round_trips(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c, *again;
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	(void)state;
	c = load("Socket inet6:8891@::1\nShutdownTimeout 250ms\nAuthservID a.b\n", &err);
	assert_non_null(c);
	out = open_memstream(&text, &size);
	conf_print(c, out);
	(void)fclose(out);
	assert_non_null(strstr(text, "Socket inet6:8891@::1\n"));
	assert_non_null(strstr(text, "ShutdownTimeout 250ms\n"));
	assert_non_null(strstr(text, "# UserID (not set)\n"));
	/* what -t prints is itself a valid config with the same values */
	again = load(text, &err);
	if (again == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_string_equal(again->socket, c->socket);
	assert_int_equal(again->shutdown_timeout_ms, 250);
	conf_unref(&again);
	conf_unref(&c);
	free(text);
	buf_deinit(&err);
}

static void
test_live_swap_keeps_old_snapshot(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *a, *b, *held;

	(void)state;
	a = load("AuthservID first.example\n", &err);
	b = load("AuthservID second.example\n", &err);
	assert_non_null(a);
	assert_non_null(b);
	conf_live_set(a);
	held = conf_live_get();		/* a message in flight */
	conf_live_set(b);		/* reload */
	assert_string_equal(held->authserv_id, "first.example");
	conf_unref(&held);
	held = conf_live_get();
	assert_string_equal(held->authserv_id, "second.example");
	conf_unref(&held);
	conf_live_clear();
	buf_deinit(&err);
}

/* count_words - how many space-separated names a list holds */
static size_t
count_words(const char *list)
{
	size_t n = *list != '\0';

	for (; *list != '\0'; list++)
		n += *list == ' ';
	return n;
}

/* restart_changed - the names conf_restart_changed gives for two texts */
static void
restart_changed(const char *running, const char *reloaded, const char *want)
{
	struct buf err = BUF_INIT, names = BUF_INIT;
	struct conf *a = load(running, &err), *b;
	size_t n;

	if (a == NULL)
		print_message("%s\n", buf_cstr(&err));
	assert_non_null(a);
	b = load(reloaded, &err);
	if (b == NULL)
		print_message("%s\n", buf_cstr(&err));
	assert_non_null(b);
	n = conf_restart_changed(a, b, &names);
	assert_string_equal(buf_cstr(&names), want);
	assert_int_equal(n, count_words(want));
	conf_unref(&a);
	conf_unref(&b);
	buf_deinit(&names);
	buf_deinit(&err);
}

/* Every option read only at start is named when it changes, in table
 * order; live options are not; the failure-report settings only while
 * FailureReports is on; a resolver address is compared, not counted. */
static void
test_restart_only_changes(void **state)
{
	const char *all =
	    "Socket inet:9999@127.0.0.1\nSocketMode 0600\nUserID nobody\n"
	    "RunAsRoot yes\nPidFile /run/am.pid\nLogTo stderr\n"
	    "LogFacility local3\nMetricsSocket inet:9100@127.0.0.1\n"
	    "Nameservers 192.0.2.53\nDNSTimeout 3s\n"
	    /* any file that can be read: the check opens it */
	    "TrustAnchorFile /dev/null\nPSLFile /dev/null\n"
	    "ReportStore sqlite:/var/lib/am/r.db\nReportQueueSize 500\n"
	    "ReportStoreTimeout 5s\n"
	    "FailureReports yes\nFailureReportRate 3\n"
	    "ReportContact dmarc@example.net\nReportSendmail /bin/true\n";

	(void)state;
	restart_changed("", "", "");
	restart_changed("", "LogLevel debug\nShutdownTimeout 5s\n"
	    "InternalHosts 10.0.0.0/8\nPeerHosts 192.0.2.25\n"
	    "DNSMaxTimePerMessage 5s\nAuthservID mx.example\n"
	    "ReportOrgName Example\nFailureReportRedact no\n", "");
	restart_changed("", all, "Socket SocketMode UserID RunAsRoot PidFile "
	    "LogTo LogFacility MetricsSocket Nameservers DNSTimeout "
	    "TrustAnchorFile PSLFile ReportStore ReportQueueSize "
	    "ReportStoreTimeout FailureReports FailureReportRate ReportContact ReportSendmail");
	restart_changed(all, all, "");
	/* the same number of resolvers, another address */
	restart_changed("Nameservers 127.0.0.1 ::1\n",
	    "Nameservers 127.0.0.1 ::2\n", "Nameservers");
	/* failure-report settings matter only while failure reports are on */
	restart_changed("ReportContact a@example.net\n",
	    "ReportContact b@example.net\nReportSendmail /bin/true\n", "");
	restart_changed("FailureReports yes\nReportContact a@example.net\n",
	    "FailureReports yes\nReportContact b@example.net\n",
	    "ReportContact");
	restart_changed("FailureReports yes\nReportContact a@example.net\n",
	    "ReportContact b@example.net\n", "FailureReports ReportContact");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_header_name_lists),
		cmocka_unit_test(test_values_and_case),
		cmocka_unit_test(test_value_spellings),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_edge_values_accepted),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_domain_lists),
		cmocka_unit_test(test_authserv_id_length),
		cmocka_unit_test(test_internal_hosts_parsed),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_read_files_not_fifo_or_dir),
		cmocka_unit_test(test_unreadable_lines),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_duration_overflow_edge),
		cmocka_unit_test(test_print_round_trips),
		cmocka_unit_test(test_live_swap_keeps_old_snapshot),
		cmocka_unit_test(test_restart_only_changes),
		cmocka_unit_test(test_host_bits_warned),
		cmocka_unit_test(test_signature_ttl),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
