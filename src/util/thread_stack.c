/*
 * thread_stack.c - the stack size of the threads that carry connections
 *
 * See thread_stack.h for why. pthread_setattr_default_np is glibc's
 * (and musl's); libmilter creates its connection threads with NULL
 * attributes, so the default is the only handle we have on them.
 */
#include "config.h"

#include <pthread.h>

#include "util/thread_stack.h"

bool
thread_stack_set_default(size_t size)
{
	pthread_attr_t attr;
	bool ok;

	if (pthread_attr_init(&attr) != 0)
		return false;
	ok = pthread_attr_setstacksize(&attr, size) == 0 &&
	    pthread_setattr_default_np(&attr) == 0;
	(void)pthread_attr_destroy(&attr);
	return ok;
}

size_t
thread_stack_default(void)
{
	pthread_attr_t attr;
	size_t size = 0;

	if (pthread_getattr_default_np(&attr) != 0)
		return 0;
	if (pthread_attr_getstacksize(&attr, &size) != 0)
		size = 0;
	(void)pthread_attr_destroy(&attr);
	return size;
}
