/* conf_arc.h - the ARC sealing settings: check them, load the key */
#ifndef AUTHMILTER_CONF_ARC_H
#define AUTHMILTER_CONF_ARC_H

#include <stdbool.h>

#include "conf/conf.h"
#include "util/buf.h"

/* ARCSeal: which mail gets our ARC set */
enum conf_arc_seal {
	CONF_ARC_SEAL_NO = 0,
	CONF_ARC_SEAL_VERIFIED,	/* mail we verify here (a forwarder) */
	CONF_ARC_SEAL_OUTBOUND	/* internal mail carrying our A-R (a list) */
};

/* conf_arc_load - with ARCSeal verified or outbound: ARCSealKeyName
 * names a KeyTable entry (with a fixed domain), or ARCSealDomain,
 * ARCSealSelector and ARCSealKeyFile are set and valid and the key loads
 * (as KeyFile: not readable by group or others; relative to the config
 * file's directory); the key must be of ARCSealAlgorithm's type. Call
 * after the signing setup (c->sign) is loaded. Errors are appended to
 * err as "where: why", where is the "file:line" of the option at fault
 * (at->seal when one is missing). Sets c->arc_seal_key, _d and _s. */
struct conf_arc_where {
	const char *seal, *domain, *selector, *key_file, *key_name;
};
bool conf_arc_load(struct conf *c, const struct conf_arc_where *at,
    struct buf *err);
/* conf_arc_warning - a warning for authmilter -t, or NULL */
const char *conf_arc_warning(const struct conf *c);
/* conf_arc_free - wipe and free the sealing key */
void conf_arc_free(struct conf *c);

#endif
