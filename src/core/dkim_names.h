/* dkim_names.h - RFC 8616 names of a DKIM-Signature, for dkim_sig.c
 * (the syntax checks, dkim_domain_ok and dkim_domain_within, are
 * declared in dkim_sig.h with the struct they serve) */
#ifndef AUTHMILTER_DKIM_NAMES_H
#define AUTHMILTER_DKIM_NAMES_H

#include <stdbool.h>

/* The slots of struct dkim_sig's idn block, one A-label name each */
enum dkim_idn_slot { DKIM_IDN_D, DKIM_IDN_S, DKIM_IDN_I, DKIM_IDN_SLOTS };

/*
 * dkim_name_alabels - RFC 8616 5: in internationalized mail d=, s= and
 * the domain of i= may be U-labels. *name (NUL-terminated) is replaced
 * by its A-label form, kept in slot of *block (allocated on first use,
 * DKIM_IDN_SLOTS names, freed by the caller), for key lookups, i=
 * within d= and alignment with From (whose domain DMARC takes as
 * A-labels); the header hash uses the field as written. For a name
 * with a byte 0x80-0xff; false when it is no IDNA2008 name.
 */
bool dkim_name_alabels(char **block, enum dkim_idn_slot slot,
    const char **name);

#endif
