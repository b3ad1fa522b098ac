/*
 * spf_fit.h - domain-specs whose literal text libspf2 would refuse as too
 * long, made to fit by doing RFC 7208 7.3's cut early.
 *
 * RFC 7208 7.1 puts no bound on a domain-spec's literal text; 7.3 cuts an
 * expanded name over 253 octets from the left, label by label. libspf2
 * 1.2.10 refuses a record whose domain-spec has a literal run (the text
 * between two macros) over 255 octets, before expanding anything:
 * permerror for a valid record. Such a run can only come from a record
 * that counts on the cut, or from a macro src/spf writes out as literal
 * text (spf_macro_fix.c) next to a long literal. When a run is over 255
 * octets, the cut would remove everything left of it and the run's own
 * leftmost labels while it is over 253 octets, whatever the macros
 * expand to: those are dropped here, and libspf2 gets the rest (the
 * final cut of the expanded name stays in spf_dns.c).
 *
 * Pure: no I/O, no globals.
 */
#ifndef AUTHMILTER_SPF_FIT_H
#define AUTHMILTER_SPF_FIT_H

#include <stddef.h>

#include "util/buf.h"

/* The longest literal run libspf2 compiles (its SPF_MAX_STR_LEN). */
#define SPF_FIT_LITERAL_MAX 255
/* The longest name RFC 7208 7.3 lets an expansion keep. */
#define SPF_FIT_NAME_MAX 253

/* spf_fit_domain_spec - spec[0..len), a checked domain-spec as macro
 * text, cut in place when a literal run of it is over
 * SPF_FIT_LITERAL_MAX octets; returns the new length (len when nothing
 * was cut, or when no label boundary brings the run within
 * SPF_FIT_NAME_MAX and leaves a dot after it) */
size_t spf_fit_domain_spec(unsigned char *spec, size_t len);

/* spf_fit_record - every domain-spec of rec[from..], a checked and
 * normalised record, through spf_fit_domain_spec */
void spf_fit_record(struct buf *rec, size_t from);

#endif
