/* test_signkey.c - loading a private signing key (src/sign/signkey.c):
 * the RSA sizes refused and kept, the file size limit, a read error
 * and an empty file told apart, no descriptor left open by a refusal,
 * and a key read when stdin is closed (open gives descriptor 0) */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sign/signkey.h"

#include "temp_dir.h"

/* put_fixture - tests/dkim/keys/name copied to the temp temp_dir with mode
 * 0600 (the source tree's copy is readable by all, so refused) */
static const char *
put_fixture(const char *name)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") :
	    TOP_SRCDIR;
	char path[1024], text[8192];
	size_t n;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/tests/dkim/keys/%s", top, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text), f);
	assert_true(n > 0 && n < sizeof(text));
	(void)fclose(f);
	return temp_dir_put_bytes(name, text, n, 0600);
}

/* lowest_free_fd - the descriptor the next open gets */
static int
lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	assert_true(fd >= 0);
	(void)close(fd);
	return fd;
}

/* load_ok - path loads, and signkey_check keeps the key */
static void
load_ok(const char *path)
{
	struct crypto_privkey *k;
	char why[512];

	k = signkey_load_file(path, why, sizeof(why));
	if (k == NULL)
		fail_msg("%s refused: %s", path, why);
	assert_true(signkey_check(k, why, sizeof(why)));
	crypto_privkey_free(&k);
}

/* load_refused - path is refused with a reason holding text */
static void
load_refused(const char *path, const char *text)
{
	char why[512] = "";

	assert_null(signkey_load_file(path, why, sizeof(why)));
	if (strstr(why, text) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", path, why, text);
}

/* RFC 8301 3.2: 1024 bits is the least a signer may use; our upper
 * bound is 8192, the largest key authcheck genkey makes */
static void
test_rsa_sizes(void **state)
{
	(void)state;
	load_ok(put_fixture("rsa1024.pem"));
	load_ok(put_fixture("rsa2048.pem"));
	load_ok(put_fixture("rsa8192.pem"));
	load_refused(put_fixture("rsa512.pem"), "rsa512.pem: RSA key of 512 "
	    "bits: RFC 8301 3.2 wants at least 1024");
	load_refused(put_fixture("rsa8704.pem"), "rsa8704.pem: RSA key of "
	    "8704 bits: over 8192");
}

/* a file of SIGNKEY_MAX_FILE bytes is read (and here is no key); one
 * byte more is refused unread */
static void
test_file_size_limit(void **state)
{
	char *junk = malloc(SIGNKEY_MAX_FILE + 1);

	(void)state;
	assert_non_null(junk);
	memset(junk, '!', SIGNKEY_MAX_FILE + 1);
	load_refused(temp_dir_put_bytes("max.key", junk, SIGNKEY_MAX_FILE,
	    0600),
	    "max.key: neither PEM nor base64");
	load_refused(temp_dir_put_bytes("over.key", junk,
	    SIGNKEY_MAX_FILE + 1, 0600),
	    "over.key is larger than 65536 bytes");
	free(junk);
}

/* an empty file is read (0 bytes) and holds no key; a regular file
 * whose read fails (EIO at address 0 of /proc/self/mem, mode 0600) is
 * a read error, not a retry forever: SIGALRM ends the test if it loops */
static void
test_empty_and_unreadable(void **state)
{
	(void)state;
	load_refused(temp_dir_put("empty.key", "", 0600),
	    "empty.key: empty or oversized key");
	(void)alarm(10);
	load_refused("/proc/self/mem", "cannot read key file /proc/self/mem: "
	    "Input/output error");
	(void)alarm(0);
}

/* every refusal after the open closes the file: a reload that refuses
 * a key must not leak a descriptor each time */
static void
test_refusal_closes_file(void **state)
{
	static const char seed[] =
	    "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";
	char junk[SIGNKEY_MAX_FILE + 1];
	const char *loose;
	int before = lowest_free_fd();

	(void)state;
	loose = temp_dir_put("loose.key", seed, 0600);
	assert_int_equal(chmod(loose, 0640), 0);
	load_refused(loose, "has mode 0640: group or others may read it");
	assert_int_equal(lowest_free_fd(), before);
	load_refused(temp_dir, "not a regular file");
	assert_int_equal(lowest_free_fd(), before);
	memset(junk, '!', sizeof(junk));
	load_refused(temp_dir_put_bytes("big.key", junk, sizeof(junk), 0600),
	    "larger than");
	assert_int_equal(lowest_free_fd(), before);
	load_refused(temp_dir_put("junk.key", "no key\n", 0600),
	    "neither PEM nor base64");
	assert_int_equal(lowest_free_fd(), before);
	load_ok(temp_dir_put("ed.seed", seed, 0600));
	assert_int_equal(lowest_free_fd(), before);
}

/* a daemon started with stdin closed gets descriptor 0 for the key
 * file: that is a file opened, not a failure */
static void
test_stdin_closed(void **state)
{
	static const char seed[] =
	    "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";
	const char *path = temp_dir_put("ed0.seed", seed, 0600);
	int saved = dup(STDIN_FILENO);

	(void)state;
	assert_true(saved >= 0);
	assert_int_equal(close(STDIN_FILENO), 0);
	load_ok(path);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	(void)close(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_sizes),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_empty_and_unreadable),
		cmocka_unit_test(test_refusal_closes_file),
		cmocka_unit_test(test_stdin_closed),
	};

	return cmocka_run_group_tests(tests, temp_dir_setup, temp_dir_teardown);
}
