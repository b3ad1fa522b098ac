/* test_signkey_wipe.c - the buffer signkey_load_file reads a key file
 * into is wiped before it is freed, whether the key is kept or refused:
 * a freed block's bytes stay in the heap, where a later overread or a
 * core dump would show the key. xmalloc and free are wrapped (see
 * sign.am) to find the read buffer and look at it when it is freed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sign/signkey.h"

#include "temp_file.h"

/* RFC 8463 A.2 Ed25519 seed */
#define SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"

void *__real_xmalloc(size_t size);
void *__wrap_xmalloc(size_t size);
void __real_free(void *p);
void __wrap_free(void *p);

/* the read buffer of the load under way, and what its free found */
static unsigned char *read_buf;
static bool read_buf_freed, read_buf_wiped;

void *
__wrap_xmalloc(size_t size)
{
	void *p = __real_xmalloc(size);

	if (size == SIGNKEY_MAX_FILE + 1)
		read_buf = p;
	return p;
}

void
__wrap_free(void *p)
{
	size_t i;

	if (p != NULL && p == read_buf) {
		read_buf_freed = true;
		read_buf_wiped = true;
		for (i = 0; i < SIGNKEY_MAX_FILE + 1; i++)
			if (read_buf[i] != 0)
				read_buf_wiped = false;
		read_buf = NULL;
	}
	__real_free(p);
}

/* load - signkey_load_file of a file holding text with mode 0600;
 * whether it gave a key */
static bool
load(const char *text)
{
	char path[256], why[512];
	struct crypto_privkey *k;
	bool got;

	temp_file_write(path, sizeof(path), text);	/* mkstemp: mode 0600 */
	read_buf_freed = read_buf_wiped = false;
	k = signkey_load_file(path, why, sizeof(why));
	(void)unlink(path);
	got = k != NULL;
	crypto_privkey_free(&k);
	return got;
}

static void
test_read_buffer_wiped(void **state)
{
	(void)state;
	assert_true(load(SEED));
	assert_true(read_buf_freed);
	assert_true(read_buf_wiped);
	/* refused as no key: its text may still be a secret */
	assert_false(load("!!" SEED));
	assert_true(read_buf_freed);
	assert_true(read_buf_wiped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_buffer_wiped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
