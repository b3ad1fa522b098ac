/* temp_dir.c - see temp_dir.h */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "temp_dir.h"

/* mkdtemp's template, not a placeholder: mkdtemp replaces the six
 * X's (all six are required) with a unique name */
#define MKDTEMP_TEMPLATE "/tmp/authmilter-dir-XXXXXX"

char temp_dir[64];

int
temp_dir_setup(void **state)
{
	(void)state;
	(void)snprintf(temp_dir, sizeof(temp_dir), "%s", MKDTEMP_TEMPLATE);
	return mkdtemp(temp_dir) == NULL ? -1 : 0;
}

int
temp_dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (temp_dir[0] == '\0')
		return 0;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", temp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

const char *
temp_dir_path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	(void)snprintf(p[i], sizeof(p[i]), "%s/%s", temp_dir, name);
	return p[i];
}

const char *
temp_dir_put_bytes(const char *name, const void *bytes, size_t len,
    mode_t mode)
{
	const char *p = temp_dir_path(name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

const char *
temp_dir_put(const char *name, const char *text, mode_t mode)
{
	return temp_dir_put_bytes(name, text, strlen(text), mode);
}
