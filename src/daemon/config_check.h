/* config_check.h - authmilter -t */
#ifndef AUTHMILTER_CONFIG_CHECK_H
#define AUTHMILTER_CONFIG_CHECK_H

#include <stdbool.h>

#include "conf/conf.h"

/* config_check - print c (unless quiet) and its warnings, then try what
 * the start would open or load (ReportStore, PSLFile, TrustAnchorFile,
 * Socket's host), each refusal at its option's file:line on stderr;
 * "configuration OK" unless quiet. Returns the exit status: 0 or 1. */
int config_check(const struct conf *c, const char *config_path, bool quiet);

#endif
