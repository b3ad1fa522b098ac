/* report_shown.h - ReportStore as it may be shown in logs and output
 *
 * A PostgreSQL URI can carry the database password (user:secret@host,
 * ?password=secret); log lines, authmilter -t and the report command
 * show the store by this copy, with every password replaced by "***".
 */
#ifndef AUTHMILTER_REPORT_SHOWN_H
#define AUTHMILTER_REPORT_SHOWN_H

/* report_store_shown - a malloc'd copy of spec without its passwords;
 * other names (sqlite:PATH) are copied as they are. spec NULL: NULL. */
char *report_store_shown(const char *spec);

#endif
