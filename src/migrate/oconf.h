/* oconf.h - read an OpenDKIM or OpenDMARC configuration file */
#ifndef AUTHMILTER_OCONF_H
#define AUTHMILTER_OCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Longest line and deepest Include chain we read (OpenDKIM's own line
 * buffer is smaller; longer lines are an error, never truncated). */
#define OCONF_MAX_LINE 4096
#define OCONF_MAX_DEPTH 5		/* Include levels below the file */
#define OCONF_MAX_ENTRIES 2000

/* One "Name value" line, with where it came from. */
struct oconf_entry {
	char *name;
	char *value;			/* trimmed; "" when the line has none */
	char *file;
	unsigned line;
};

struct oconf {
	struct oconf_entry *e;
	size_t count;
};

/* oconf_read - append the entries of path (following OpenDKIM's Include
 * lines when include is true) to oc. False on a read error or a bad line,
 * with "file:line: what" appended to err. */
bool oconf_read(struct oconf *oc, const char *path, bool include,
    struct buf *err);
/* oconf_deinit - free every entry; oc is empty and reusable */
void oconf_deinit(struct oconf *oc);
/* oconf_bool - a Boolean read as OpenDKIM and OpenDMARC do (first byte
 * t/y/1 or f/n/0); false when it is neither */
bool oconf_bool(const char *value, bool *out);

#endif
