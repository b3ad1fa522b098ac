/* hostcarve.h - OpenDKIM's "!" host exceptions, applied to networks */
#ifndef AUTHMILTER_HOSTCARVE_H
#define AUTHMILTER_HOSTCARVE_H

#include <stddef.h>

#include "migrate/strlist.h"

/* hostcarve_apply - replace each network of nets that holds one of
 * exceptions (networks in cidr_parse form, without the "!") by the
 * networks around the excepted part, as OpenDKIM's most-specific-first
 * lookup judged them; returns how many networks were carved */
size_t hostcarve_apply(struct strlist *nets, const struct strlist *exceptions);

#endif
