/* crypto_oom.h - OpenSSL's allocations, watched (see crypto_oom.c) */
#ifndef AUTHMILTER_CRYPTO_OOM_H
#define AUTHMILTER_CRYPTO_OOM_H

/* crypto_oom_check - after an OpenSSL call failed in a way a failed
 * allocation inside it would look like (a key that does not decode, a
 * signature that does not verify): abort, as xmalloc does, when one of
 * OpenSSL's allocations ever failed; else return (the failure is the
 * input's). crypto_abort_on_oom (crypto.h) starts the watch. */
void crypto_oom_check(void);

#endif
