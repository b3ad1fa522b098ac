/* conf_warn.h - settings that load but are probably not what the
 * operator meant: said by authmilter -t, and logged at start and on
 * every reload */
#ifndef AUTHMILTER_CONF_WARN_H
#define AUTHMILTER_CONF_WARN_H

#include <stddef.h>

#include "conf/conf.h"
#include "util/buf.h"

/* conf_warn_fn - one warning: where is "file:line" of the option it is
 * about ("file" when that option took its default), text one line */
typedef void conf_warn_fn(const char *where, const char *text, void *ctx);

/* conf_warnings - say each warning; returns how many */
size_t conf_warnings(const struct conf *c, conf_warn_fn *say, void *ctx);

#endif
