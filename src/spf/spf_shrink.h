/*
 * spf_shrink.h - a record too large for libspf2, made smaller for one
 * client without changing its result.
 *
 * libspf2 1.2.10 holds at most 511 bytes of compiled mechanisms in a
 * record (its SPF_MAX_MECH_LEN); an ip4 term takes 8 of them and an ip6
 * term 20, so a "flattened" record of about 60 ip4 or 25 ip6 networks
 * does not fit, and spf_compiled.c refuses it (permerror). For one
 * check, though, ip4 and ip6 terms are decided before any lookup: one
 * that cannot match the client does nothing (RFC 7208 5.6), and no term
 * after one that matches is ever evaluated (4.6.2), so no lookup there
 * counts (4.6.4). Dropping those terms changes no result, lookup count
 * or explanation (exp= is kept).
 *
 * Pure: no I/O, no globals.
 */
#ifndef AUTHMILTER_SPF_SHRINK_H
#define AUTHMILTER_SPF_SHRINK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/cidr.h"

/* spf_shrink_record - rec[0..len), a checked and normalised record
 * ("v=spf1" and terms, each after one space), into out without the
 * ip4/ip6 terms that cannot match client and without every term after
 * the first ip4/ip6 term that matches (exp= excepted); a term it cannot
 * read stays. client is a host network (cidr_addr_parse), an
 * IPv4-mapped address as IPv4, as libspf2 gets it. Returns false, out
 * reset, when no term was dropped. */
bool spf_shrink_record(const char *rec, size_t len,
    const struct cidr *client, struct buf *out);

#endif
