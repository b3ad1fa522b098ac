/* migrate.h - map OpenDKIM and OpenDMARC options onto authmilter's */
#ifndef AUTHMILTER_MIGRATE_H
#define AUTHMILTER_MIGRATE_H

#include <stdbool.h>

#include "migrate/oconf.h"
#include "migrate/strlist.h"
#include "util/buf.h"

enum migrate_source { MIGRATE_OPENDKIM = 1, MIGRATE_OPENDMARC = 2 };

struct migration;

/* migration_new / migration_free - an empty migration; free NULLs *mp */
struct migration *migration_new(void);
void migration_free(struct migration **mp);
/* migration_add - map every entry of one program's configuration */
void migration_add(struct migration *m, enum migrate_source src,
    const struct oconf *oc);
/* migration_finish - settings implied by what was (or was not) read:
 * the programs' default host lists, OpenDMARC's defaults, or no DMARC
 * enforcement when it was absent */
void migration_finish(struct migration *m, bool had_opendkim,
    bool had_opendmarc);
/* migration_render - the authmilter.conf text, each setting under a
 * comment naming where it came from, and the "not carried over" list */
void migration_render(const struct migration *m, const char *title,
    struct buf *out);
/* migration_dropped - "file:line: Name value: why" for each option that
 * could not be carried over */
const struct strlist *migration_dropped(const struct migration *m);

#endif
