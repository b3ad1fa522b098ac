/* dmarc_walk_fixtures.c - see dmarc_walk_fixtures.h */
#include "config.h"

#include <stddef.h>

#include "dmarc_walk_fixtures.h"

const struct dmarc_eval_opts dwfx_opts9989 = { .mode = DMARC_MODE_RFC9989 };

/* dwfx_run - fake_run in RFC 9989 mode */
size_t
dwfx_run(struct fake_dns *f, const char *author, const struct dmarc_auth *auth,
    struct dmarc_result *r)
{
	return fake_run(f, author, &dwfx_opts9989, auth, r);
}
