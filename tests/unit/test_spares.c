/* test_spares.c - freed objects kept for reuse: bound, order, threads */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/spares.h"

/* empty gives NULL; what is given comes back, last first; no more than
 * max are kept and a refused one stays the caller's */
static void
test_bound_and_order(void **state)
{
	static struct spares s = SPARES_INIT(3);
	int obj[4];

	(void)state;
	assert_null(spares_take(&s));
	assert_true(spares_give(&s, &obj[0]));
	assert_true(spares_give(&s, &obj[1]));
	assert_true(spares_give(&s, &obj[2]));
	assert_false(spares_give(&s, &obj[3]));
	assert_ptr_equal(spares_take(&s), &obj[2]);
	assert_ptr_equal(spares_take(&s), &obj[1]);
	assert_true(spares_give(&s, &obj[3]));
	assert_ptr_equal(spares_take(&s), &obj[3]);
	assert_ptr_equal(spares_take(&s), &obj[0]);
	assert_null(spares_take(&s));
}

/* a max above SPARES_MAX is held to SPARES_MAX */
static void
test_max_capped(void **state)
{
	static struct spares s = SPARES_INIT(SPARES_MAX + 10);
	static int obj[SPARES_MAX + 1];
	size_t i, kept = 0;

	(void)state;
	for (i = 0; i < SPARES_MAX + 1; i++)
		kept += spares_give(&s, &obj[i]);
	assert_int_equal(kept, SPARES_MAX);
	while (spares_take(&s) != NULL)
		kept--;
	assert_int_equal(kept, 0);
}

#define THREADS 4
#define ROUNDS 20000

static struct spares shared = SPARES_INIT(8);

/* take a spare or make one, mark it ours, check nobody else holds it,
 * give it back or free it */
static void *
churn(void *arg)
{
	uintptr_t me = (uintptr_t)arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		uintptr_t *p = spares_take(&shared);

		if (p == NULL && (p = malloc(sizeof(*p))) == NULL)
			return (void *)1;
		*p = me;
		if (*p != me)
			return (void *)1;
		if (!spares_give(&shared, p))
			free(p);
	}
	return NULL;
}

/* several threads at once: no object is handed to two of them, none is
 * lost (ASan/valgrind would see a double free or a leak) */
static void
test_threads(void **state)
{
	pthread_t t[THREADS];
	void *rv;
	void *p;
	uintptr_t i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn,
		    (void *)(i + 1)), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	i = 0;
	while ((p = spares_take(&shared)) != NULL) {
		free(p);
		i++;
	}
	assert_true(i >= 1 && i <= 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_and_order),
		cmocka_unit_test(test_max_capped),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
