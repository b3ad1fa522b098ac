/*
 * migrate_opendkim.c - the OpenDKIM mapper: every option of
 * opendkim.conf(5) that only OpenDKIM has, with what becomes of it, and
 * the converters only OpenDKIM's options need (log levels, Nameservers,
 * SignatureAlgorithm, KeyTable/SigningTable/KeyFile paths).
 *
 * Exported (migrate_int.h): migrate_opendkim_rules and its count.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_options.h"
#include "migrate/hostlist.h"
#include "migrate/keypaths.h"
#include "migrate/migrate_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define R_NOLUA "authmilter has no scripting hooks"
#define R_NOLDAP "authmilter reads no LDAP"
#define R_NOAR "authmilter always adds one Authentication-Results field and removes only forged ones with its own authserv-id (RFC 8601 section 5)"
#define R_NOTEST "a test-mode option"

/* r_loglevel - a yes turns on authmilter's level r->arg; of several
 * (SyslogSuccess info, LogWhy debug) the most verbose is kept, since
 * OpenDKIM logged all of what each asked for, in whatever order */
static void
r_loglevel(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	struct setting *s = migrate_find_setting(m, "LogLevel");
	bool b;

	if (!migrate_bool(m, e, &b))
		return;
	if (!b) {
		migrate_note(m, e, "nothing to set (authmilter logs one line per message "
		    "at LogLevel info; warn hides those)");
		return;
	}
	if (s == NULL || ascii_strcasecmp(s->value, r->arg) == 0) {
		(void)migrate_set(m, e, "LogLevel", r->arg, NULL);
		return;
	}
	/* only info and debug are set here: the other one is debug */
	if (ascii_strcasecmp(r->arg, "debug") == 0) {
		free(s->value);
		s->value = xstrdup(r->arg);
	}
	buf_printf(&s->why, "# from %s:%u: %s %s\n", e->file, e->line, e->name,
	    e->value);
}

/* r_nameservers - OpenDKIM's comma-separated addresses (IPv6 has colons,
 * so this is not a data set) */
static void
r_nameservers(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char *v = migrate_commas_to_spaces(e->value);

	(void)r;
	(void)migrate_set(m, e, "Nameservers", v, NULL);
	free(v);
}

static void
r_sigalg(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	if (ascii_strcasecmp(e->value, "rsa-sha256") == 0)
		migrate_note(m, e, "authmilter signs rsa-sha256 with RSA keys");
	else
		migrate_drop(m, e, "authmilter picks the algorithm from the key: "
		    "rsa-sha256 for RSA, ed25519-sha256 for Ed25519");
}

/* OpenDKIM took relative names from its working directory (BaseDirectory),
 * authmilter from its configuration file's directory: the same text could
 * name another file, so it is carried only made absolute against an
 * absolute BaseDirectory */
#define R_RELATIVE "a relative path: OpenDKIM resolved it from its working " \
	"directory, authmilter from its configuration file's; write it " \
	"absolute (or set an absolute BaseDirectory)"

/* set_path - option name = prefix + path; a relative path made absolute
 * against BaseDirectory, or dropped (see R_RELATIVE) */
static void
set_path(struct migration *m, const struct oconf_entry *e, const char *name,
    const char *prefix, const char *path, const char *comment)
{
	struct buf v = BUF_INIT, why = BUF_INIT;

	if (path[0] != '/' && m->dkim_base_dir == NULL) {
		migrate_drop(m, e, "%s", R_RELATIVE);
		return;
	}
	buf_printf(&v, "%s", prefix);
	if (path[0] != '/') {
		buf_printf(&v, "%s/", m->dkim_base_dir);
		buf_printf(&why, "%s%s%s relative to BaseDirectory %s, as "
		    "OpenDKIM read it", comment != NULL ? comment : "",
		    comment != NULL ? "; " : "", path, m->dkim_base_dir);
		comment = buf_cstr(&why);
	}
	buf_printf(&v, "%s", path);
	(void)migrate_set(m, e, name, buf_cstr(&v), comment);
	buf_deinit(&v);
	buf_deinit(&why);
}

/* key_files_stay - false, with the KeyTable dropped, when relative key
 * file names in it would name other files for authmilter (keypaths.h) */
static bool
key_files_stay(struct migration *m, const struct oconf_entry *e,
    const char *prefix, const char *path)
{
	struct buf file = BUF_INIT, spec = BUF_INIT, list = BUF_INIT;
	size_t n;

	if (path[0] != '/' && m->dkim_base_dir == NULL)
		return true;	/* dropped by set_path, for the table itself */
	if (path[0] != '/')
		buf_printf(&file, "%s/", m->dkim_base_dir);
	buf_printf(&file, "%s", path);
	buf_printf(&spec, "%s%s", prefix, buf_cstr(&file));
	n = keypaths_moved(buf_cstr(&spec), buf_cstr(&file), m->dkim_base_dir,
	    &list);
	if (n > 0)
		migrate_drop(m, e, "%s names %zu key file%s by a relative name "
		    "(%s): OpenDKIM read such names from %s, authmilter from "
		    "the KeyTable's directory; write them absolute in the "
		    "KeyTable", buf_cstr(&file), n, n == 1 ? "" : "s",
		    buf_cstr(&list), m->dkim_base_dir != NULL ?
		    m->dkim_base_dir : "its working directory (no absolute "
		    "BaseDirectory)");
	buf_deinit(&file);
	buf_deinit(&spec);
	buf_deinit(&list);
	return n == 0;
}

/* r_table - KeyTable / SigningTable: authmilter reads OpenDKIM's files */
static void
r_table(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	const char *v = e->value;
	/* OpenDKIM takes the kind in any case (FILE:); authmilter in
	 * lower case */
	const char *path = ascii_strncasecmp(v, "file:", 5) == 0 ? v + 5 :
	    ascii_strncasecmp(v, "refile:", 7) == 0 ? v + 7 : v;
	char prefix[sizeof("refile:")];

	(void)r;
	if (path == v && strchr(v, ':') != NULL) {
		migrate_drop(m, e, "authmilter reads flat files only (path, file: or "
		    "refile:), not databases, LDAP or Lua data sets");
		return;
	}
	(void)snprintf(prefix, sizeof(prefix), "%.*s", (int)(path - v), v);
	(void)str_lower(prefix);
	if (ascii_strcasecmp(e->name, "KeyTable") == 0 &&
	    !key_files_stay(m, e, prefix, path))
		return;
	set_path(m, e, e->name, prefix, path,
	    "the same file, read the OpenDKIM way");
}

/* r_keyfile - KeyFile must name the file absolutely (see R_RELATIVE) */
static void
r_keyfile(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	set_path(m, e, "KeyFile", "", e->value, NULL);
}

/* r_on_action - an On-* action: accept ("a") is what authmilter does
 * with any DKIM result; other actions have no counterpart (r->arg) */
static void
r_on_action(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	if (ascii_strcasecmp(e->value, "accept") == 0 ||
	    ascii_strcasecmp(e->value, "a") == 0)
		migrate_note(m, e, "authmilter accepts too");
	else
		migrate_drop(m, e, "%s", r->arg);
}

#define R_ONACTION "authmilter acts on DKIM results only through DMARC " \
	"(DMARCRejectAction, DMARCQuarantineAction, DMARCTempErrorAction); " \
	"a DKIM result alone never rejects, holds or temp-fails a message"
#define R_NOVBR "authmilter does not implement VBR (RFC 5518)"

const struct rule migrate_opendkim_rules[] = {
	{ "Mode", DKIM, migrate_r_same, NULL, NULL },
	{ "Canonicalization", DKIM, migrate_r_same, NULL, NULL },
	{ "Domain", DKIM, migrate_r_list, NULL, NULL },
	{ "Selector", DKIM, migrate_r_same, NULL, NULL },
	{ "KeyFile", DKIM, r_keyfile, NULL, NULL },
	{ "KeyTable", DKIM, r_table, NULL, NULL },
	{ "SigningTable", DKIM, r_table, NULL, NULL },
	{ "MultipleSignatures", DKIM, migrate_r_bool, NULL, NULL },
	{ "SignHeaders", DKIM, migrate_r_list, NULL, NULL },
	{ "OversignHeaders", DKIM, migrate_r_list, NULL, NULL },
	{ "InternalHosts", DKIM, migrate_r_hosts, NULL, NULL },
	{ "TrustAnchorFile", DKIM, migrate_r_same, NULL, NULL },
	{ "Nameservers", DKIM, r_nameservers, NULL, NULL },
	{ "SyslogSuccess", DKIM, r_loglevel, "info", NULL },
	{ "LogWhy", DKIM, r_loglevel, "debug", NULL },
	{ "LogResults", DKIM, r_loglevel, "debug", NULL },
	{ "MinimumKeyBits", DKIM, migrate_r_uint, "DKIMMinKeyBits", NULL },
	{ "MaximumSignaturesToVerify", DKIM, migrate_r_uint, "DKIMMaxSignatures", NULL },
	{ "MaximumHeaders", DKIM, migrate_r_uint, "MaxHeaderBytes", "OpenDKIM rejected bigger header blocks; authmilter keeps fields up to this cap and still checks the rest" },
	{ "ClockDrift", DKIM, migrate_r_seconds, "DKIMClockSkew", NULL },
	{ "SignatureAlgorithm", DKIM, r_sigalg, NULL, NULL },
	{ "QueryCache", DKIM, migrate_r_always_yes, "authmilter always caches DNS answers (libunbound)", NULL },
	{ "AlwaysAddARHeader", DKIM, migrate_r_drop, R_NOAR, NULL },
	{ "KeepAuthResults", DKIM, migrate_r_drop, R_NOAR, NULL },
	{ "RemoveARAll", DKIM, migrate_r_drop, R_NOAR, NULL },
	{ "RemoveARFrom", DKIM, migrate_r_drop, R_NOAR, NULL },
	{ "ExternalIgnoreList", DKIM, migrate_r_drop, "only silences OpenDKIM's \"external host tried to send as\" log line; authmilter has no such line", NULL },
	{ "PeerList", DKIM, migrate_r_peers, "OpenDKIM ignored these clients; authmilter passes their mail through untouched", NULL },
	{ "ExemptDomains", DKIM, migrate_r_drop, "authmilter has no per-domain bypass", NULL },
	{ "DontSignMailTo", DKIM, migrate_r_drop, "authmilter signs by author, never by recipient", NULL },
	{ "ResignAll", DKIM, migrate_r_drop, "authmilter signs internal and authenticated mail only", NULL },
	{ "ResignMailTo", DKIM, migrate_r_drop, "authmilter signs internal and authenticated mail only", NULL },
	{ "SubDomains", DKIM, migrate_r_drop, "write refile: SigningTable patterns such as *@*.example.com", NULL },
	{ "SenderHeaders", DKIM, migrate_r_drop, "authmilter picks the signing domain from From", NULL },
	{ "SenderMacro", DKIM, migrate_r_drop, "authmilter picks the signing domain from From", NULL },
	{ "BodyLengthDB", DKIM, migrate_r_drop, "authmilter never signs with l=", NULL },
	{ "SignatureTTL", DKIM, migrate_r_seconds, "SignatureTTL", NULL },
	{ "OmitHeaders", DKIM, migrate_r_drop, "list the fields to sign in SignHeaders instead", NULL },
	{ "MustBeSigned", DKIM, migrate_r_drop, "no counterpart", NULL },
	{ "MaximumSignedBytes", DKIM, migrate_r_drop, "authmilter always signs the whole body", NULL },
	{ "Minimum", DKIM, migrate_r_drop, "no counterpart for l= coverage thresholds", NULL },
	{ "RequireSafeKeys", DKIM, migrate_r_drop, "authmilter always refuses key files readable by group or others", NULL },
	{ "UnprotectedKey", DKIM, migrate_r_drop, "DNSSEC status is reported, not policed per key", NULL },
	{ "BogusKey", DKIM, migrate_r_drop, "DNSSEC-bogus keys always fail (temperror)", NULL },
	{ "Quarantine", DKIM, migrate_r_drop, "authmilter quarantines on DMARC policy only (DMARCQuarantineAction)", NULL },
	{ "RedirectFailuresTo", DKIM, migrate_r_drop, "authmilter never redirects mail", NULL },
	{ "ReportAddress", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "ReportBccAddress", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "RequestReports", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "SendReports", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "ResolverConfiguration", DKIM, migrate_r_drop, "set the resolver with Nameservers, TrustAnchorFile and DNSTimeout", NULL },
	{ "ResolverTracing", DKIM, migrate_r_drop, R_DEBUG, NULL },
	{ "DNSConnect", DKIM, migrate_r_drop, "libunbound chooses the transport", NULL },
	{ "TrustSignaturesFrom", DKIM, migrate_r_drop, "DMARC alignment decides which signatures count", NULL },
	{ "DomainKeysCompat", DKIM, migrate_r_drop, "DomainKeys is obsolete; authmilter verifies DKIM only", NULL },
	{ "Diagnostics", DKIM, migrate_r_drop, "authmilter writes no z= copied headers", NULL },
	{ "DiagnosticDirectory", DKIM, migrate_r_drop, R_DEBUG, NULL },
	{ "CaptureUnknownErrors", DKIM, migrate_r_drop, R_DEBUG, NULL },
	{ "KeepTemporaryFiles", DKIM, migrate_r_drop, "authmilter streams the body and writes no temporary files", NULL },
	{ "TemporaryDirectory", DKIM, migrate_r_drop, "authmilter streams the body and writes no temporary files", NULL },
	{ "DisableCryptoInit", DKIM, migrate_r_drop, "no counterpart", NULL },
	{ "FixCRLF", DKIM, migrate_r_drop, "authmilter canonicalizes line ends as RFC 6376 says", NULL },
	{ "StrictHeaders", DKIM, migrate_r_drop, "authmilter's parsers are always strict where RFC 6376 asks", NULL },
	{ "WeakSyntaxChecks", DKIM, migrate_r_drop, "authmilter's parsers are always strict where RFC 6376 asks", NULL },
	{ "IgnoreMalformedMail", DKIM, migrate_r_drop, "malformed mail gets a permerror result", NULL },
	{ "IdentityHeader", DKIM, migrate_r_drop, "authmilter sets no i= from a header", NULL },
	{ "IdentityHeaderRemove", DKIM, migrate_r_drop, "authmilter sets no i= from a header", NULL },
	{ "MacroList", DKIM, migrate_r_drop, "authmilter signs clients in InternalHosts and SMTP-authenticated ones", NULL },
	{ "MTA", DKIM, migrate_r_drop, "authmilter signs clients in InternalHosts and SMTP-authenticated ones", NULL },
	{ "MTACommand", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "NoHeaderB", DKIM, migrate_r_drop, "header.b is always written", NULL },
	{ "ReplaceHeaders", DKIM, migrate_r_drop, "authmilter does not rewrite headers", NULL },
	{ "ReplaceRules", DKIM, migrate_r_drop, "authmilter does not rewrite headers", NULL },
	{ "SelectCanonicalizationHeader", DKIM, migrate_r_drop, "set Canonicalization", NULL },
	{ "SetupPolicyScript", DKIM, migrate_r_drop, R_NOLUA, NULL },
	{ "ScreenPolicyScript", DKIM, migrate_r_drop, R_NOLUA, NULL },
	{ "FinalPolicyScript", DKIM, migrate_r_drop, R_NOLUA, NULL },
	{ "StatisticsPolicyScript", DKIM, migrate_r_drop, R_NOLUA, NULL },
	{ "Statistics", DKIM, migrate_r_drop, "authmilter keeps no statistics file", NULL },
	{ "StatisticsName", DKIM, migrate_r_drop, "authmilter keeps no statistics file", NULL },
	{ "StatisticsPrefix", DKIM, migrate_r_drop, "authmilter keeps no statistics file", NULL },
	{ "POPDBFile", DKIM, migrate_r_drop, "use SMTP AUTH or InternalHosts", NULL },
	{ "SMTPURI", DKIM, migrate_r_drop, R_NOREPORT, NULL },
	{ "SoftStart", DKIM, migrate_r_drop, "authmilter refuses to start on a config error", NULL },
	{ "SyslogName", DKIM, migrate_r_drop, "authmilter logs as authmilter", NULL },
	{ "LDAPAuthMechanism", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthName", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthRealm", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthUser", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPBindPassword", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPBindUser", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPDisableCache", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveIdle", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveInterval", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveProbes", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPTimeout", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "LDAPUseTLS", DKIM, migrate_r_drop, R_NOLDAP, NULL },
	{ "On-Default", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-BadSignature", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-DNSError", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-InternalError", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-KeyNotFound", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-NoSignature", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-Security", DKIM, r_on_action, R_ONACTION, NULL },
	{ "On-SignatureError", DKIM, r_on_action, "a message authmilter cannot sign is passed on unsigned, with the reason in its log", NULL },
	{ "AllowSHA1Only", DKIM, migrate_r_drop, "no counterpart: authmilter always verifies rsa-sha256 (DKIMAllowSHA1 is about rsa-sha1 signatures)", NULL },
	{ "RemoveOldSignatures", DKIM, migrate_r_drop, "authmilter keeps the DKIM-Signature fields a message arrives with", NULL },
	{ "VBR-Certifiers", DKIM, migrate_r_drop, R_NOVBR, NULL },
	{ "VBR-PurgeFields", DKIM, migrate_r_drop, R_NOVBR, NULL },
	{ "VBR-TrustedCertifiers", DKIM, migrate_r_drop, R_NOVBR, NULL },
	{ "VBR-TrustedCertifiersOnly", DKIM, migrate_r_drop, R_NOVBR, NULL },
	{ "VBR-Type", DKIM, migrate_r_drop, R_NOVBR, NULL },
	{ "StrictTestMode", DKIM, migrate_r_drop, R_NOTEST, NULL },
	{ "TestDNSData", DKIM, migrate_r_drop, R_NOTEST, NULL },
	{ "TestPublicKeys", DKIM, migrate_r_drop, R_NOTEST, NULL },
};
const size_t migrate_opendkim_rule_count =
    sizeof(migrate_opendkim_rules) / sizeof(migrate_opendkim_rules[0]);
