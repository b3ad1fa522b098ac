/* conf_restart.h - which option changes a reload (SIGHUP) cannot apply */
#ifndef AUTHMILTER_CONF_RESTART_H
#define AUTHMILTER_CONF_RESTART_H

#include <stddef.h>

#include "conf/conf.h"
#include "util/buf.h"

/* conf_restart_changed - append to out, space-separated and in the
 * option table's order, the names of the options read only at start
 * whose values differ between the running config and a reloaded one;
 * returns how many. */
size_t conf_restart_changed(const struct conf *running,
    const struct conf *reloaded, struct buf *out);

#endif
