/* tablefile.h - OpenDKIM "data set" flat files: the file:, refile: and
 * absolute-path forms, read as "key value" lines */
#ifndef AUTHMILTER_TABLEFILE_H
#define AUTHMILTER_TABLEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Caps: a table longer than this is a mistake, not a config. */
#define TABLEFILE_MAX_LINE 8192
#define TABLEFILE_MAX_ENTRIES 100000

/* One "key value" line; value is everything after the first white space
 * run, trimmed. */
struct tablefile_line {
	char *key;
	char *value;
	unsigned lineno;
};

struct tablefile {
	char *path;		/* the file, without the data set prefix */
	bool refile;		/* "refile:": keys are wildcard patterns */
	struct tablefile_line *lines;
	size_t count, cap;
};

/*
 * tablefile_load - read the data set spec ("file:/p", "refile:/p" or
 * "/p"). Blank lines are skipped and "#" starts a comment, as in
 * OpenDKIM. Returns false after appending "path:line: why" (or "where:
 * why" for a bad spec or an unreadable file) lines to err.
 */
bool tablefile_load(const char *spec, const char *where, struct tablefile *t,
    struct buf *err);
/* tablefile_deinit - free the lines */
void tablefile_deinit(struct tablefile *t);

#endif
