/* store_dir.c - see store_dir.h */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_dir.h"

char store_dir[64];

int
store_dir_setup(void **state)
{
	(void)state;
	/* written anew each time: mkdtemp fills the template in */
	(void)snprintf(store_dir, sizeof(store_dir),
	    "/tmp/authmilter-store-XXXXXX");
	return mkdtemp(store_dir) != NULL ? 0 : -1;
}

int
store_dir_teardown(void **state)
{
	DIR *d = opendir(store_dir);
	struct dirent *e;
	char path[320];

	(void)state;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* cannot be cut: a name is at most 255 bytes */
		(void)snprintf(path, sizeof(path), "%s/%s", store_dir,
		    e->d_name);
		(void)unlink(path);
	}
	(void)closedir(d);
	return rmdir(store_dir) == 0 ? 0 : -1;
}

int64_t
store_value(struct report_db *db, const char *sql)
{
	struct report_query *q = report_query_new(db, sql);
	int64_t n;

	assert_int_equal(report_query_step(q), 1);
	n = report_query_col_int(q, 0);
	report_query_free(&q);
	return n;
}
