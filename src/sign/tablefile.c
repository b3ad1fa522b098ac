/*
 * tablefile.c - read an OpenDKIM flat-file data set (opendkim(8) "DATA
 * SETS" a, b and i): one entry per line, the key up to the first white
 * space, the value after it; "#" starts a comment; blank lines are
 * ignored. Only the file forms are accepted: database, LDAP, Lua and
 * comma-separated-list data sets are refused with a message, so a table
 * is never silently read as something else.
 *
 *   tablefile_load     parse a spec and read the file
 *   tablefile_deinit   free it
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign/tablefile.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* spec_path - the file a data set spec names, or NULL */
static const char *
spec_path(const char *spec, bool *refile)
{
	*refile = false;
	if (strncmp(spec, "refile:", 7) == 0) {
		*refile = true;
		return spec + 7;
	}
	if (strncmp(spec, "file:", 5) == 0)
		return spec + 5;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/* add_line - split "key value" and keep it; NULL or what is wrong */
static const char *
add_line(struct tablefile *t, char *line, unsigned lineno)
{
	char *v = line;
	struct tablefile_line *l;

	while (*v != '\0' && !ascii_iswsp((unsigned char)*v))
		v++;
	if (*v == '\0')
		return "no value after the key";
	*v++ = '\0';
	while (ascii_iswsp((unsigned char)*v))
		v++;
	if (t->count == TABLEFILE_MAX_ENTRIES)
		return "too many entries";
	if (t->count == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->lines = xreallocarray(t->lines, t->cap, sizeof(*t->lines));
	}
	l = &t->lines[t->count++];
	l->key = xstrdup(line);
	l->value = xstrdup(v);
	l->lineno = lineno;
	return NULL;
}

bool
tablefile_load(const char *spec, const char *where, struct tablefile *t,
    struct buf *err)
{
	const char *path;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	bool ok = true;
	struct stat st;
	FILE *fp;
	int fd;

	memset(t, 0, sizeof(*t));
	path = spec_path(spec, &t->refile);
	if (path == NULL || *path == '\0') {
		buf_printf(err, "%s: data set \"%s\" not supported: use file:/path, "
		    "refile:/path or an absolute path\n", where, spec);
		return false;
	}
	t->path = xstrdup(path);
	/* O_NONBLOCK: opening a FIFO for reading waits for a writer (start-up
	 * or a reload hung); anything but a regular file is refused */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		buf_printf(err, "%s: cannot open %s: %s\n", where, path,
		    strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (fp = fdopen(fd, "r")) == NULL) {
		buf_printf(err, "%s: %s is not a regular file\n", where, path);
		(void)close(fd);
		return false;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		const char *why;
		char *hash, *text;

		lineno++;
		if (n > TABLEFILE_MAX_LINE || memchr(line, '\0', (size_t)n)) {
			buf_printf(err, "%s:%u: line too long or has a NUL byte\n",
			    path, lineno);
			ok = false;
			continue;
		}
		/* a byte order mark would become part of the first key,
		 * which then never matches */
		text = line + (lineno == 1 ? str_bom_len(line) : 0);
		if ((hash = strchr(text, '#')) != NULL)
			*hash = '\0';
		str_trim(text);
		if (*text == '\0')
			continue;
		if ((why = add_line(t, text, lineno)) != NULL) {
			buf_printf(err, "%s:%u: %s\n", path, lineno, why);
			ok = false;
		}
	}
	if (ferror(fp)) {
		buf_printf(err, "%s: read error: %s\n", path, strerror(errno));
		ok = false;
	}
	(void)fclose(fp);
	free(line);
	return ok;
}

void
tablefile_deinit(struct tablefile *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		free(t->lines[i].key);
		free(t->lines[i].value);
	}
	free(t->lines);
	free(t->path);
	memset(t, 0, sizeof(*t));
}
