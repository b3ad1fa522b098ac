/*
 * report_shown.c - a ReportStore name without its passwords
 *
 * libpq's URI form (postgresql://[user[:password]@]host.../db?k=v&...)
 * holds a password in two places: after the user name, up to the '@'
 * that ends the user information, and as a query parameter (password=,
 * and sslpassword= for the client key). The user information ends at the
 * last '@' before the query: a password with an unencoded '/' or '@'
 * would otherwise be shown in part.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "report/report_db.h"
#include "report/report_shown.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define HIDDEN "***"

/* query_key_is_password - the parameter name p[0..len) names a password */
static bool
query_key_is_password(const char *p, size_t len)
{
	static const char suffix[] = "password";
	size_t n = sizeof(suffix) - 1;

	return len >= n && ascii_strncasecmp(p + len - n, suffix, n) == 0;
}

/* hide_query - copy the query q (after '?') into out, values of password
 * parameters hidden */
static void
hide_query(const char *q, struct buf *out)
{
	while (*q != '\0') {
		size_t len = strcspn(q, "&#");
		const char *eq = memchr(q, '=', len);

		if (eq != NULL && query_key_is_password(q, (size_t)(eq - q))) {
			buf_append(out, q, (size_t)(eq - q) + 1);
			buf_append(out, HIDDEN, sizeof(HIDDEN) - 1);
		} else
			buf_append(out, q, len);
		q += len;
		if (*q == '#') {	/* a fragment: libpq has no use for it */
			buf_append(out, q, strlen(q));
			return;
		}
		if (*q == '&')
			buf_append(out, q++, 1);
	}
}

char *
report_store_shown(const char *spec)
{
	struct buf out = BUF_INIT;
	const char *rest, *query, *at = NULL, *colon, *p;

	if (spec == NULL)
		return NULL;
	if (report_db_kind_of(spec) != REPORT_DB_PG)
		return xstrdup(spec);
	rest = strstr(spec, "://") + 3;
	query = rest + strcspn(rest, "?");
	for (p = rest; p < query; p++)
		if (*p == '@')
			at = p;
	colon = at != NULL ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
	if (colon != NULL) {
		buf_append(&out, spec, (size_t)(colon + 1 - spec));
		buf_append(&out, HIDDEN, sizeof(HIDDEN) - 1);
		buf_append(&out, at, (size_t)(query - at));
	} else
		buf_append(&out, spec, (size_t)(query - spec));
	if (*query == '?') {
		buf_append(&out, "?", 1);
		hide_query(query + 1, &out);
	}
	return buf_steal(&out);
}
