/* conf_warn.h - settings that load but are probably not what the
 * operator meant: said by authmilter -t, and logged at start and on
 * every reload */
#ifndef AUTHMILTER_CONF_WARN_H
#define AUTHMILTER_CONF_WARN_H

#include <stddef.h>

#include "conf/conf.h"
#include "util/buf.h"

/* conf_warnings - append one line per warning to out (each ending in
 * '\n', without the file name); returns how many */
size_t conf_warnings(const struct conf *c, struct buf *out);

#endif
