/*
 * keyrecord.h - the DKIM key record (RFC 6376 3.6.1) that publishes a
 * private key's public half, as authcheck genkey, keyrecord and domain
 * print it.
 */
#ifndef AUTHCHECK_KEYRECORD_H
#define AUTHCHECK_KEYRECORD_H

#include <stdbool.h>

#include "authcheck/report.h"
#include "util/buf.h"

struct crypto_privkey;

/*
 * keyrecord_text - append "v=DKIM1; k=rsa|ed25519; p=..." for k to rec,
 * checked by the verifier's own key parser. Returns false, with the
 * reason on stderr prefixed by cmd, when the record does not parse.
 */
bool keyrecord_text(const struct crypto_privkey *k, const char *cmd,
    struct buf *rec);

/*
 * keyrecord_dns - a "dns" object under parent: the record's name
 * (selector._domainkey.domain), the record, and a zone-file line whose
 * TXT strings hold at most 255 bytes each (RFC 1035 3.3.14). Returns it.
 */
struct rnode *keyrecord_dns(struct rnode *parent, const char *selector,
    const char *domain, const char *record);

#endif
