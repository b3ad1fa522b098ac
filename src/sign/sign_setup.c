/*
 * sign_setup.c - the signing half of a configuration snapshot.
 *
 *   sign_setup_load      validate the options, read tables, load keys
 *   sign_setup_select    author address -> signatures to make
 *   sign_setup_describe  one line for the start-up log
 *   sign_setup_free      release (keys are wiped)
 *
 * Two forms, as in OpenDKIM (opendkim.conf(5) Mode): KeyTable with
 * SigningTable, or the inline Domain, Selector and KeyFile; when a
 * KeyTable is set the inline options are ignored, as OpenDKIM does.
 * Our extension to the inline form: Selector and KeyFile may each list
 * several entries, paired by position, so one domain can be signed with
 * an RSA and an Ed25519 key at once. The setup is built once per config
 * load (start-up, SIGHUP) and only read afterwards, so threads share it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dkim_sig.h"
#include "sign/keytable.h"
#include "sign/sign_setup.h"
#include "sign/signkey.h"
#include "sign/signtable.h"
#include "util/name_index.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct sign_setup {
	bool tables;			/* KeyTable form */
	bool multiple;
	struct keytable kt;
	struct signtable st;
	/* inline form */
	char **domains;
	size_t ndomains;
	struct name_index domain_index;	/* each of domains -> 1 */
	char **selectors;
	struct crypto_privkey *keys[SIGN_MAX_INLINE];
	size_t npairs;
};

/* absolute - path, or base/path for a relative one (fresh string) */
static char *
absolute(const char *base, const char *path)
{
	struct buf b = BUF_INIT;

	if (path[0] != '/' && base != NULL)
		buf_printf(&b, "%s/", base);
	buf_append_str(&b, path);
	return buf_steal(&b);
}

/* absolute_spec - a data set spec with its file name made absolute;
 * other spec types are returned as they are (the loader refuses them) */
static char *
absolute_spec(const char *base, const char *spec)
{
	static const char *const prefixes[] = { "file:", "refile:" };
	struct buf b = BUF_INIT;
	char *path;
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(spec, prefixes[i], n) != 0 || spec[n] == '\0')
			continue;
		path = absolute(base, spec + n);
		buf_printf(&b, "%s%s", prefixes[i], path);
		free(path);
		return buf_steal(&b);
	}
	return xstrdup(spec);
}

/* load_inline - Domain/Selector/KeyFile; false with err lines */
static bool
load_inline(const struct sign_setup_input *in, struct sign_setup *s,
    struct buf *err)
{
	size_t i;
	bool ok = true;

	if (in->ndomains == 0 || in->nselectors == 0 || in->nkey_files == 0) {
		buf_printf(err, "%s: signing needs Domain, Selector and KeyFile "
		    "together (or KeyTable and SigningTable)\n", in->where_inline);
		return false;
	}
	if (in->nselectors != in->nkey_files || in->nselectors > SIGN_MAX_INLINE) {
		buf_printf(err, "%s: Selector and KeyFile must list as many "
		    "entries each (1 to %d, paired by position)\n",
		    in->where_inline, SIGN_MAX_INLINE);
		return false;
	}
	s->domains = xreallocarray(NULL, in->ndomains, sizeof(char *));
	for (i = 0; i < in->ndomains; i++) {
		const char *reason;
		char *dom = keytable_domain_dup(in->domains[i], &reason);

		if (dom == NULL) {
			buf_printf(err, "%s: Domain: bad domain \"%s\"%s%s%s\n",
			    in->where_domain, in->domains[i],
			    *reason != '\0' ? " (" : "", reason,
			    *reason != '\0' ? ")" : "");
			ok = false;
			dom = str_lower(xstrdup(in->domains[i]));
		}
		s->domains[s->ndomains] = dom;
		(void)name_index_add(&s->domain_index, s->domains[s->ndomains++],
		    1, NULL);
	}
	s->selectors = xreallocarray(NULL, in->nselectors, sizeof(char *));
	for (i = 0; i < in->nselectors; i++) {
		char why[512], *file = absolute(in->base_dir, in->key_files[i]);

		s->selectors[i] = xstrdup(in->selectors[i]);
		s->npairs++;
		if (!dkim_domain_ok(in->selectors[i])) {
			buf_printf(err, "%s: Selector: bad selector \"%s\"\n",
			    in->where_selector, in->selectors[i]);
			ok = false;
		}
		s->keys[i] = signkey_load_file(file, why, sizeof(why));
		if (s->keys[i] == NULL) {
			buf_printf(err, "%s: KeyFile: %s\n", in->where_key_file, why);
			ok = false;
		}
		free(file);
	}
	return ok;
}

bool
sign_setup_load(const struct sign_setup_input *in, struct sign_setup **out,
    struct buf *err)
{
	struct sign_setup *s;
	bool ok;

	*out = NULL;
	if (in->key_table == NULL && in->signing_table == NULL &&
	    in->ndomains == 0 && in->nselectors == 0 && in->nkey_files == 0)
		return true;
	s = xcalloc(1, sizeof(*s));
	name_index_init(&s->domain_index, true);
	s->multiple = in->multiple_signatures;
	if (in->key_table != NULL || in->signing_table != NULL) {
		s->tables = true;
		if (in->key_table == NULL || in->signing_table == NULL) {
			buf_printf(err, "%s: KeyTable and SigningTable go together\n",
			    in->key_table != NULL ? in->where_key_table :
			    in->where_signing_table);
			ok = false;
		} else {
			char *kt = absolute_spec(in->base_dir, in->key_table);
			char *st = absolute_spec(in->base_dir, in->signing_table);

			ok = keytable_load(kt, in->where_key_table, &s->kt, err) &&
			    signtable_load(st, in->where_signing_table, &s->kt,
			    &s->st, err);
			free(kt);
			free(st);
		}
	} else
		ok = load_inline(in, s, err);
	if (!ok) {
		sign_setup_free(&s);
		return false;
	}
	*out = s;
	return true;
}

/* sign_setup_key_entry - a KeyTable entry by name */
const struct keytable_entry *
sign_setup_key_entry(const struct sign_setup *s, const char *name)
{
	if (s == NULL || !s->tables)
		return NULL;
	return keytable_find(&s->kt, name);
}

/* fill - one choice; false when d= would be invalid */
static bool
fill(struct sign_choice *c, const char *d, const char *sel,
    const struct crypto_privkey *key)
{
	if ((size_t)snprintf(c->domain, sizeof(c->domain), "%s", d) >=
	    sizeof(c->domain) || !dkim_domain_ok(c->domain))
		return false;
	c->selector = sel;
	c->key = key;
	c->auid[0] = '\0';
	return true;
}

/* set_auid - i= from the signer ("%" -> from domain), kept only when its
 * domain is d= or below it (opendkim.conf(5): dropped on conflict) */
static void
set_auid(struct sign_choice *c, const char *signer, const char *domain)
{
	struct buf b = BUF_INIT;
	const char *p, *at;

	for (p = signer; *p != '\0'; p++) {
		if (*p == '%')
			buf_append_str(&b, domain);
		else
			buf_append_byte(&b, (unsigned char)*p);
	}
	at = strrchr(buf_cstr(&b), '@');
	if (at != NULL && b.len < sizeof(c->auid) &&
	    dkim_domain_within(at + 1, c->domain))
		memcpy(c->auid, b.data, b.len + 1);
	buf_deinit(&b);
}

/* select_tables - through the SigningTable and KeyTable */
static size_t
select_tables(const struct sign_setup *s, const char *local,
    const char *domain, struct sign_choice *out, size_t max)
{
	const struct signtable_entry *m[SIGN_MAX_SIGNATURES];
	size_t i, n, k = 0;

	n = signtable_match(&s->st, local, domain, m,
	    s->multiple ? (max < SIGN_MAX_SIGNATURES ? max : SIGN_MAX_SIGNATURES) : 1);
	for (i = 0; i < n && k < max; i++) {
		const char *name = strcmp(m[i]->keyname, "%") == 0 ? domain :
		    m[i]->keyname;
		const struct keytable_entry *e = keytable_find(&s->kt, name);

		if (e == NULL)
			continue;	/* "%" naming a domain without a key */
		if (!fill(&out[k], strcmp(e->domain, "%") == 0 ? domain :
		    e->domain, e->selector, e->key))
			continue;
		if (m[i]->signer != NULL)
			set_auid(&out[k], m[i]->signer, domain);
		k++;
	}
	return k;
}

size_t
sign_setup_select(const struct sign_setup *s, const char *local,
    const char *domain, struct sign_choice *out, size_t max)
{
	size_t i, k = 0;

	if (s == NULL)
		return 0;
	if (s->tables)
		return select_tables(s, local, domain, out, max);
	if (!name_index_find(&s->domain_index, domain, &i))
		return 0;
	for (i = 0; i < s->npairs && k < max; i++)
		if (fill(&out[k], domain, s->selectors[i], s->keys[i]))
			k++;
	return k;
}

void
sign_setup_describe(const struct sign_setup *s, struct buf *out)
{
	size_t i;

	if (s == NULL) {
		buf_append_str(out, "signing off");
		return;
	}
	if (s->tables) {
		buf_printf(out, "signing by KeyTable (%zu names, %zu keys), "
		    "SigningTable (%zu entries%s)%s", s->kt.count, s->kt.nkeys,
		    s->st.count, s->st.refile ? ", wildcards" : "",
		    s->multiple ? ", multiple signatures" : "");
		return;
	}
	buf_append_str(out, "signing");
	for (i = 0; i < s->ndomains; i++)
		buf_printf(out, " %s", s->domains[i]);
	buf_append_str(out, " with selector");
	for (i = 0; i < s->npairs; i++)
		buf_printf(out, " %s", s->selectors[i]);
}

void
sign_setup_free(struct sign_setup **sp)
{
	struct sign_setup *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	*sp = NULL;
	keytable_deinit(&s->kt);
	signtable_deinit(&s->st);
	for (i = 0; i < s->ndomains; i++)
		free(s->domains[i]);
	for (i = 0; i < s->npairs; i++) {
		free(s->selectors[i]);
		crypto_privkey_free(&s->keys[i]);
	}
	name_index_deinit(&s->domain_index);
	free(s->domains);
	free(s->selectors);
	free(s);
}
