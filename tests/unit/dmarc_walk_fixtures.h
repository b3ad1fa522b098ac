/* dmarc_walk_fixtures.h - what the DMARC walk unit tests share: RFC 9989
 * mode, and an evaluation in it run over the fake DNS */
#ifndef AUTHMILTER_TEST_DMARC_WALK_FIXTURES_H
#define AUTHMILTER_TEST_DMARC_WALK_FIXTURES_H

#include <stddef.h>

#include "core/dmarc_eval.h"
#include "dmarc_fakedns.h"

extern const struct dmarc_eval_opts dwfx_opts9989;

/* dwfx_run - fake_run in RFC 9989 mode; the answers it took */
size_t dwfx_run(struct fake_dns *f, const char *author,
    const struct dmarc_auth *auth, struct dmarc_result *r);

#endif
