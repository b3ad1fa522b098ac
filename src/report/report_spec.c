/*
 * report_spec.c - what a ReportStore name means, without opening it
 *
 * The config check (conf_options.c) and the name shown without its
 * passwords (report_shown.c) need only this. Kept apart from report_db.c
 * and report_store.c so a program that reads the config but never opens
 * the store (authcheck) does not link, load and relocate libpq and
 * SQLite with their dozen dependencies at each start.
 */
#include "config.h"

#include <stddef.h>

#include "report/report_db.h"
#include "report/report_store.h"
#include "util/str.h"

int
report_db_kind_of(const char *spec)
{
	if (spec == NULL)
		return -1;
	if (ascii_strncasecmp(spec, "sqlite:", 7) == 0)
		return REPORT_DB_SQLITE;
	if (ascii_strncasecmp(spec, "postgresql://", 13) == 0 ||
	    ascii_strncasecmp(spec, "postgres://", 11) == 0)
		return REPORT_DB_PG;
	return -1;
}

const char *
report_store_spec_ok(const char *spec)
{
	int kind = report_db_kind_of(spec);

	if (kind == REPORT_DB_PG)
		return NULL;
	if (kind != REPORT_DB_SQLITE || spec[7] == '\0')
		return "use sqlite:PATH (an absolute file name) or postgresql://...";
	if (spec[7] != '/')
		return "the SQLite file name must be absolute";
	return NULL;
}
