/*
 * report_xml.c - writes the XML of a DMARC aggregate report.
 *
 *   report_xml_escape  text content and attribute escaping
 *   report_xml_begin   <feedback>, report_metadata, policy_published
 *   report_xml_record  one <record> (row, identifiers, auth_results)
 *   report_xml_end     </feedback>
 *
 * RFC 9990 Appendix A: namespace urn:ietf:params:xml:ns:dmarc-2.0,
 * version 1.0 (RFC 7489's schema requires it too), generator, np, discovery_method, testing; override types
 * local_policy, mailing_list, other, policy_test_mode, trusted_forwarder;
 * SPF scope mfrom only. RFC 7489 Appendix C: no namespace, np, testing or
 * discovery; sp and pct; sampled_out and forwarded override types.
 * Values the schema would refuse are mapped to one it knows (an SPF
 * result of the HELO identity is left out in RFC 9990, whose scope is
 * MAIL FROM only). Pure: no I/O.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "report/report_xml.h"
#include "util/utf8.h"

/* xml_char_len - utf8_seq_len, 0 also for U+FFFE and U+FFFF (valid UTF-8,
 * not XML characters) */
static size_t
xml_char_len(const unsigned char *p, size_t left)
{
	size_t n = utf8_seq_len(p, left);

	if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;
	return n;
}

void
report_xml_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	size_t n;

	while (*p != '\0') {
		switch (*p) {
		case '&': buf_append_str(out, "&amp;"); p++; continue;
		case '<': buf_append_str(out, "&lt;"); p++; continue;
		case '>': buf_append_str(out, "&gt;"); p++; continue;
		case '"': buf_append_str(out, "&quot;"); p++; continue;
		case '\'': buf_append_str(out, "&apos;"); p++; continue;
		default: break;
		}
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
			buf_append_byte(out, '?');
			p++;
			continue;
		}
		n = xml_char_len(p, (size_t)(end - p));
		if (n == 0) {
			buf_append_byte(out, '?');
			p++;
			continue;
		}
		buf_append(out, p, n);
		p += n;
	}
}

/* elem - <name>escaped text</name> with indentation */
static void
elem(struct buf *out, int depth, const char *name, const char *text)
{
	buf_printf(out, "%*s<%s>", depth * 2, "", name);
	report_xml_escape(out, text);
	buf_printf(out, "</%s>\n", name);
}

/* elem_opt - elem when text is not empty */
static void
elem_opt(struct buf *out, int depth, const char *name, const char *text)
{
	if (text != NULL && *text != '\0')
		elem(out, depth, name, text);
}

/* one_of - text when it is one of words (NULL-ended), else fallback */
static const char *
one_of(const char *text, const char *const *words, const char *fallback)
{
	size_t i;

	for (i = 0; text != NULL && words[i] != NULL; i++)
		if (strcmp(text, words[i]) == 0)
			return text;
	return fallback;
}

static const char *const disp_words[] = { "none", "quarantine", "reject", NULL };
static const char *const align_words[] = { "r", "s", NULL };

void
report_xml_begin(struct buf *out, const struct report_meta *m,
    const struct report_policy *p)
{
	char num[32];

	buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	/* both schemas have version; RFC 7489's requires it */
	if (m->rfc7489)
		buf_append_str(out, "<feedback>\n");
	else
		buf_append_str(out, "<feedback xmlns=\"" REPORT_NS_9990 "\">\n");
	buf_append_str(out, "  <version>1.0</version>\n");
	buf_append_str(out, "  <report_metadata>\n");
	elem(out, 2, "org_name", m->org_name);
	elem(out, 2, "email", m->email);
	elem(out, 2, "report_id", m->report_id);
	buf_printf(out, "    <date_range>\n      <begin>%lld</begin>\n"
	    "      <end>%lld</end>\n    </date_range>\n", (long long)m->begin,
	    (long long)m->end);
	if (!m->rfc7489)
		elem_opt(out, 2, "generator", m->generator);
	buf_append_str(out, "  </report_metadata>\n  <policy_published>\n");
	elem(out, 2, "domain", p->domain);
	if (m->rfc7489) {
		elem(out, 2, "adkim", one_of(p->adkim, align_words, "r"));
		elem(out, 2, "aspf", one_of(p->aspf, align_words, "r"));
	}
	elem(out, 2, "p", one_of(p->p, disp_words, "none"));
	if (m->rfc7489)
		elem(out, 2, "sp", one_of(p->sp, disp_words,
		    one_of(p->p, disp_words, "none")));
	else {
		if (one_of(p->sp, disp_words, NULL) != NULL)
			elem(out, 2, "sp", p->sp);
		if (one_of(p->np, disp_words, NULL) != NULL)
			elem(out, 2, "np", p->np);
		elem(out, 2, "adkim", one_of(p->adkim, align_words, "r"));
		elem(out, 2, "aspf", one_of(p->aspf, align_words, "r"));
		elem(out, 2, "discovery_method", strcmp(p->discovery, "psl") == 0 ?
		    "psl" : "treewalk");
	}
	if (m->rfc7489) {
		(void)snprintf(num, sizeof(num), "%d", p->pct < 0 ? 0 :
		    p->pct > 100 ? 100 : p->pct);
		elem(out, 2, "pct", num);
	}
	elem(out, 2, "fo", *p->fo != '\0' ? p->fo : "0");
	if (!m->rfc7489)
		elem(out, 2, "testing", strcmp(p->testing, "y") == 0 ? "y" : "n");
	buf_append_str(out, "  </policy_published>\n");
}

/* override_word - the stored override type in the schema's words */
static const char *
override_word(const struct report_meta *m, const char *type)
{
	static const char *const w9990[] = { "local_policy", "mailing_list",
		"other", "policy_test_mode", "trusted_forwarder", NULL };
	static const char *const w7489[] = { "forwarded", "sampled_out",
		"trusted_forwarder", "mailing_list", "local_policy", "other", NULL };

	if (m->rfc7489 && strcmp(type, "policy_test_mode") == 0)
		return "local_policy";
	return one_of(type, m->rfc7489 ? w7489 : w9990, "other");
}

/* policy_evaluated - disposition, aligned results, override reason */
static void
policy_evaluated(struct buf *out, const struct report_meta *m,
    const struct report_group *g)
{
	const char *ov;

	buf_append_str(out, "      <policy_evaluated>\n");
	elem(out, 4, "disposition", one_of(g->disposition, disp_words, "none"));
	elem(out, 4, "dkim", g->dkim_aligned ? "pass" : "fail");
	elem(out, 4, "spf", g->spf_aligned ? "pass" : "fail");
	if (*g->override_type != '\0') {
		ov = override_word(m, g->override_type);
		buf_append_str(out, "        <reason>\n");
		elem(out, 5, "type", ov);
		if (*g->override_comment != '\0' || strcmp(ov, g->override_type))
			elem(out, 5, "comment", *g->override_comment != '\0' ?
			    g->override_comment : g->override_type);
		buf_append_str(out, "        </reason>\n");
	}
	buf_append_str(out, "      </policy_evaluated>\n");
}

/* dkim_results - one <dkim> per stored "d\ts\tresult" line */
static void
dkim_results(struct buf *out, const struct report_meta *m, const char *dkim)
{
	static const char *const res_words[] = { "none", "pass", "fail",
		"policy", "neutral", "temperror", "permerror", NULL };
	const char *line = dkim, *nl, *t1, *t2;
	char d[256], s[256], r[32];
	unsigned n = 0;

	while (*line != '\0' && n < REPORT_XML_MAX_DKIM) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		t1 = memchr(line, '\t', (size_t)(nl - line));
		t2 = t1 != NULL ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
		if (t2 != NULL && t1 - line < (long)sizeof(d) &&
		    t2 - t1 - 1 < (long)sizeof(s) && nl - t2 - 1 < (long)sizeof(r)) {
			(void)snprintf(d, sizeof(d), "%.*s", (int)(t1 - line), line);
			(void)snprintf(s, sizeof(s), "%.*s", (int)(t2 - t1 - 1), t1 + 1);
			(void)snprintf(r, sizeof(r), "%.*s", (int)(nl - t2 - 1), t2 + 1);
			buf_append_str(out, "      <dkim>\n");
			elem(out, 4, "domain", d);
			if (!m->rfc7489 || *s != '\0')
				elem(out, 4, "selector", s);
			elem(out, 4, "result", one_of(r, res_words, "permerror"));
			buf_append_str(out, "      </dkim>\n");
			n++;
		}
		line = *nl != '\0' ? nl + 1 : nl;
	}
}

/* Room for an IPv6 address with all eight groups written out. */
#define IP6_FULL_MAX 40

/* source_ip - g's address as the schema takes it. RFC 7489's IPAddress
 * pattern knows IPv6 only with all eight groups, no "::" (the RFC 5952
 * text stored would make the report invalid against it); RFC 9990 takes
 * RFC 3986's IPv6address, the stored text as it is. */
static const char *
source_ip(const struct report_meta *m, const char *ip,
    char full[IP6_FULL_MAX])
{
	unsigned char a[16];

	if (!m->rfc7489 || strchr(ip, ':') == NULL ||
	    inet_pton(AF_INET6, ip, a) != 1)
		return ip;
	(void)snprintf(full, IP6_FULL_MAX, "%x:%x:%x:%x:%x:%x:%x:%x",
	    a[0] << 8 | a[1], a[2] << 8 | a[3], a[4] << 8 | a[5],
	    a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
	    a[12] << 8 | a[13], a[14] << 8 | a[15]);
	return full;
}

void
report_xml_record(struct buf *out, const struct report_meta *m,
    const struct report_group *g)
{
	char full[IP6_FULL_MAX];
	static const char *const spf_words[] = { "none", "neutral", "pass",
		"fail", "softfail", "temperror", "permerror", NULL };
	bool spf_mfrom = strcmp(g->spf_scope, "mfrom") == 0;

	buf_append_str(out, "  <record>\n    <row>\n");
	elem(out, 3, "source_ip", source_ip(m, g->source_ip, full));
	buf_printf(out, "      <count>%lld</count>\n", (long long)g->count);
	policy_evaluated(out, m, g);
	buf_append_str(out, "    </row>\n    <identifiers>\n");
	elem(out, 3, "header_from", g->header_from);
	/* RFC 7489's schema requires envelope_from, empty for the null
	 * sender; RFC 9990 makes it optional */
	if (m->rfc7489)
		elem(out, 3, "envelope_from", g->envelope_from);
	else
		elem_opt(out, 3, "envelope_from", g->envelope_from);
	buf_append_str(out, "    </identifiers>\n    <auth_results>\n");
	dkim_results(out, m, g->dkim);
	/* RFC 7489 requires one SPF result; RFC 9990 reports MAIL FROM only */
	if (m->rfc7489 || (spf_mfrom && *g->spf_domain != '\0')) {
		buf_append_str(out, "      <spf>\n");
		elem(out, 4, "domain", g->spf_domain);
		if (m->rfc7489)
			elem(out, 4, "scope", spf_mfrom ? "mfrom" : "helo");
		else
			elem(out, 4, "scope", "mfrom");
		elem(out, 4, "result", one_of(g->spf_result, spf_words,
		    "permerror"));
		buf_append_str(out, "      </spf>\n");
	}
	buf_append_str(out, "    </auth_results>\n  </record>\n");
}

void
report_xml_end(struct buf *out)
{
	buf_append_str(out, "</feedback>\n");
}
