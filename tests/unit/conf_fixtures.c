/* conf_fixtures.c - what the configuration's unit tests share */
#include "config.h"

#include <unistd.h>

#include "conf/conf.h"
#include "util/buf.h"
#include "conf_fixtures.h"
#include "temp_file.h"

const char conf_test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIF7JGSxfU0aqh5lHK+6Y5ecSx4NGpK/W4EFpofrSd002\n"
    "-----END PRIVATE KEY-----\n";

void
conf_warning_into(const char *where, const char *text, void *ctx)
{
	buf_printf(ctx, "%s: %s\n", where, text);
}

struct conf *
conf_load_text(const char *text, struct buf *err, char *path, size_t pathsz)
{
	struct conf *c = NULL;

	temp_file_write(path, pathsz, text);
	buf_reset(err);
	if (!conf_load(path, &c, err))
		c = NULL;
	(void)unlink(path);
	return c;
}
