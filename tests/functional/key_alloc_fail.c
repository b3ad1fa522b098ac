/*
 * key_alloc_fail.c - LD_PRELOAD shim for test_alloc_fail.py: the first
 * allocation made inside the process's first d2i_PUBKEY (the decoding
 * of a DKIM key record's p=) fails, as it would with memory exhausted.
 * Every other allocation goes to glibc as usual. Built by the test with
 * the system compiler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

struct evp_pkey_st;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static __thread int fail_next;	/* inside d2i_PUBKEY, nothing failed yet */
static int done;		/* the one failure was made */

/* take_failure - should this allocation fail? */
static int
take_failure(void)
{
	if (!fail_next)
		return 0;
	fail_next = 0;
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t n)
{
	return take_failure() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	return take_failure() ? NULL : __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	return take_failure() ? NULL : __libc_realloc(p, n);
}

struct evp_pkey_st *
d2i_PUBKEY(struct evp_pkey_st **a, const unsigned char **pp, long len)
{
	struct evp_pkey_st *(*real)(struct evp_pkey_st **,
	    const unsigned char **, long);
	struct evp_pkey_st *k;

	real = (struct evp_pkey_st *(*)(struct evp_pkey_st **,
	    const unsigned char **, long))dlsym(RTLD_NEXT, "d2i_PUBKEY");
	fail_next = !__atomic_exchange_n(&done, 1, __ATOMIC_SEQ_CST);
	k = real(a, pp, len);
	fail_next = 0;
	return k;
}
