/*
 * oconf.c - read the configuration files of OpenDKIM and OpenDMARC for the
 * migration tool: "Name value" lines, names compared without case later,
 * "#" to the end of the line is a comment (both daemons cut lines there),
 * blank lines ignored. OpenDKIM's "Include path" is followed (bounded
 * depth) so included options are migrated too.
 *
 *   oconf_read     append a file's entries (file and line kept)
 *   oconf_deinit   free them
 *   oconf_bool     parse a Boolean the way OpenDKIM and OpenDMARC do
 *
 * Errors are "file:line: what" lines in the caller's buffer; a line too
 * long or a missing file is an error, never skipped silently.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/oconf.h"
#include "util/str.h"
#include "util/xmalloc.h"

static bool read_file(struct oconf *oc, const char *path, bool include,
    unsigned depth, struct buf *err);

/* add_entry - keep one parsed line */
static void
add_entry(struct oconf *oc, const char *name, const char *value,
    const char *path, unsigned line)
{
	struct oconf_entry *e;

	oc->e = xreallocarray(oc->e, oc->count + 1, sizeof(*oc->e));
	e = &oc->e[oc->count++];
	e->name = xstrdup(name);
	e->value = xstrdup(value);
	e->file = xstrdup(path);
	e->line = line;
}

/* parse_line - split one line into name and value; false: nothing there */
static bool
parse_line(char *buf, char **name_r, char **value_r)
{
	char *p, *hash = strchr(buf, '#');

	if (hash != NULL)
		*hash = '\0';
	p = str_trim(buf);
	if (*p == '\0')
		return false;
	*name_r = p;
	while (*p != '\0' && !ascii_iswsp((unsigned char)*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*value_r = str_trim(p);
	return true;
}

/* read_lines - the lines of an open file */
static bool
read_lines(struct oconf *oc, FILE *f, const char *path, bool include,
    unsigned depth, struct buf *err)
{
	char buf[OCONF_MAX_LINE + 2];
	unsigned lineno = 0;
	bool ok = true;

	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *name, *value;
		size_t n = strlen(buf);

		lineno++;
		if ((n == 0 || buf[n - 1] != '\n') && !feof(f)) {
			/* fgets filled the buffer, or a NUL byte ended the
			 * string early: either way not a text line we read */
			if (n == sizeof(buf) - 1)
				buf_printf(err, "%s:%u: line longer than %d bytes\n",
				    path, lineno, OCONF_MAX_LINE);
			else
				buf_printf(err, "%s:%u: NUL byte in the line\n",
				    path, lineno);
			return false;
		}
		if (!parse_line(buf, &name, &value))
			continue;
		if (oc->count >= OCONF_MAX_ENTRIES) {
			buf_printf(err, "%s:%u: more than %d options\n", path,
			    lineno, OCONF_MAX_ENTRIES);
			return false;
		}
		if (include && ascii_strcasecmp(name, "Include") == 0) {
			/* OpenDKIM reads five levels below its file */
			if (depth + 1 > OCONF_MAX_DEPTH) {
				buf_printf(err, "%s:%u: Include nested deeper than %d\n",
				    path, lineno, OCONF_MAX_DEPTH);
				return false;
			}
			if (!read_file(oc, value, include, depth + 1, err)) {
				buf_printf(err, "%s:%u: (included from here)\n",
				    path, lineno);
				ok = false;
			}
			continue;
		}
		add_entry(oc, name, value, path, lineno);
	}
	if (ferror(f)) {
		buf_printf(err, "%s: read error\n", path);
		return false;
	}
	return ok;
}

static bool
read_file(struct oconf *oc, const char *path, bool include, unsigned depth,
    struct buf *err)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (f == NULL) {
		buf_printf(err, "%s: %s\n", path, strerror(errno));
		return false;
	}
	ok = read_lines(oc, f, path, include, depth, err);
	(void)fclose(f);
	return ok;
}

bool
oconf_read(struct oconf *oc, const char *path, bool include, struct buf *err)
{
	return read_file(oc, path, include, 0, err);
}

void
oconf_deinit(struct oconf *oc)
{
	size_t i;

	for (i = 0; i < oc->count; i++) {
		free(oc->e[i].name);
		free(oc->e[i].value);
		free(oc->e[i].file);
	}
	xfree(&oc->e);
	oc->count = 0;
}

bool
oconf_bool(const char *v, bool *out)
{
	/* OpenDKIM's and OpenDMARC's config.c read the first byte alone:
	 * t, y or 1 is true, f, n or 0 false ("Yes", "TRUE", "nope" are
	 * all taken), anything else stops them at start-up ("on", "off") */
	switch (v[0]) {
	case 't': case 'T': case 'y': case 'Y': case '1':
		*out = true;
		return true;
	case 'f': case 'F': case 'n': case 'N': case '0':
		*out = false;
		return true;
	default:
		return false;
	}
}
