/* clock.h - the monotonic clock in milliseconds: deadlines and elapsed
 * times everywhere (DNS budgets, SPF limits, report submissions) count
 * with this one */
#ifndef AUTHMILTER_UTIL_CLOCK_H
#define AUTHMILTER_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clock_mono_ms - CLOCK_MONOTONIC in milliseconds */
static inline uint64_t
clock_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif
