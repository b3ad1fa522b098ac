/*
 * keypaths.c - a KeyTable's relative key file names (see keypaths.h).
 *
 * OpenDKIM opened a key file named "./k" or "../k" from its working
 * directory (BaseDirectory, or wherever it was started); authmilter opens
 * it from the KeyTable's directory. Carrying such a KeyTable unchanged
 * would sign with another file, or with none, so the migrator must know.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/keypaths.h"
#include "sign/keytable.h"
#include "sign/tablefile.h"
#include "util/xmalloc.h"

/* same_dir - a and b name one directory (compared resolved when both
 * exist, as written otherwise) */
static bool
same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra != NULL && rb != NULL ? strcmp(ra, rb) == 0 :
	    strcmp(a, b) == 0;

	free(ra);
	free(rb);
	return same;
}

size_t
keypaths_moved(const char *spec, const char *table_path, const char *base_dir,
    struct buf *list)
{
	struct tablefile t = { 0 };	/* deinit is safe on it as is */
	struct buf err = BUF_INIT;
	const char *slash = strrchr(table_path, '/');
	char *table_dir;
	bool moves;
	size_t i, n = 0;

	if (slash == NULL || !tablefile_load(spec, "KeyTable", &t, &err)) {
		tablefile_deinit(&t);	/* a failed load may hold the path */
		buf_deinit(&err);
		return 0;
	}
	table_dir = slash == table_path ? xstrdup("/") :
	    xstrndup(table_path, (size_t)(slash - table_path));
	moves = base_dir == NULL || !same_dir(base_dir, table_dir);
	for (i = 0; moves && i < t.count; i++) {
		/* "domain:selector:key": the key is after the second colon */
		const char *sel = strchr(t.lines[i].value, ':');
		const char *key = sel != NULL ? strchr(sel + 1, ':') : NULL;

		if (key == NULL || key[1] == '/' || !keytable_key_is_file(key + 1))
			continue;
		if (n++ < KEYPATHS_LISTED)
			buf_printf(list, "%sline %u: %s", n > 1 ? "; " : "",
			    t.lines[i].lineno, key + 1);
	}
	if (n > KEYPATHS_LISTED)
		buf_printf(list, "; and %zu more", n - KEYPATHS_LISTED);
	free(table_dir);
	tablefile_deinit(&t);
	buf_deinit(&err);
	return n;
}
