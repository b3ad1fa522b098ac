/* conf_fixtures.c - what the configuration's unit tests share */
#include "config.h"

#include "util/buf.h"
#include "conf_fixtures.h"

const char conf_test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIF7JGSxfU0aqh5lHK+6Y5ecSx4NGpK/W4EFpofrSd002\n"
    "-----END PRIVATE KEY-----\n";

void
conf_warning_into(const char *where, const char *text, void *ctx)
{
	buf_printf(ctx, "%s: %s\n", where, text);
}
