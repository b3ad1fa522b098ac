/* metrics_addr.h - the MetricsSocket value: inet:PORT@ADDR, inet6:PORT@ADDR */
#ifndef AUTHMILTER_METRICS_ADDR_H
#define AUTHMILTER_METRICS_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* metrics_addr_parse - spec[0..len) into a socket address. ADDR must be a
 * numeric IPv4 (inet:) or IPv6 (inet6:, brackets allowed) address; without
 * @ADDR the loopback address of the family is used. Returns NULL on
 * success, else a static text saying what is wrong (*ss_r untouched). */
const char *metrics_addr_parse(const char *spec, size_t len,
    struct sockaddr_storage *ss_r, socklen_t *len_r);

#endif
