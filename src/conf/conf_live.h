/* conf_live.h - the configuration in force, swapped atomically on reload */
#ifndef AUTHMILTER_CONF_LIVE_H
#define AUTHMILTER_CONF_LIVE_H

#include "conf/conf.h"

/* conf_live_set - install c as the live config; takes ownership of the
 * caller's reference. Holders of the old one keep it until they unref. */
void conf_live_set(struct conf *c);
/* conf_live_get - a new reference to the live config (never NULL once
 * set); release it with conf_unref */
struct conf *conf_live_get(void);
/* conf_live_clear - drop the live config at shutdown */
void conf_live_clear(void);

#endif
