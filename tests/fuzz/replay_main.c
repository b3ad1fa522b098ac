/*
 * replay_main.c - run a fuzz target over its seed corpus and crash
 * reproducers without libFuzzer, as a unit test with TAP output.
 *
 * Built once per target (FUZZ_NAME is the target's name) with the normal
 * compiler, so `make check` replays every file in tests/fuzz/corpus/NAME
 * and tests/fuzz/regress/NAME on every run: a fixed crash that comes back
 * fails the unit suite even where clang and libFuzzer are absent. A
 * crash shows as the program dying, which run-tests.sh counts as a
 * failure. Directories come from $top_srcdir (set by run-tests.sh), else
 * the current directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the target
#endif

/* Seed and reproducer files are small; anything bigger is a mistake. */
#define REPLAY_MAX_FILE (1024 * 1024)

static unsigned tests;

/* read_file - the whole file in an exact-size heap buffer, or NULL */
static unsigned char *
read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > REPLAY_MAX_FILE || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc(len > 0 ? (size_t)len : 1);
	if (p == NULL || fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len_r = (size_t)len;
	return p;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_dir - one TAP line per file of dir; returns the files run */
static unsigned
replay_dir(const char *top, const char *kind, int *failed)
{
	char dir[4096], path[8192];
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top, kind, FUZZ_NAME);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (names == NULL || (names[n] = strdup(e->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	/* a stable order makes a failure easy to find again */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		unsigned char *data;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		data = read_file(path, &len);
		tests++;
		if (data == NULL) {
			printf("not ok %u - %s %s/%s unreadable\n", tests,
			    FUZZ_NAME, kind, names[i]);
			*failed = 1;
		} else {
			fflush(stdout);
			LLVMFuzzerTestOneInput(data, len);
			printf("ok %u - %s %s/%s (%zu bytes)\n", tests,
			    FUZZ_NAME, kind, names[i], len);
			free(data);
		}
		free(names[i]);
	}
	free(names);
	return (unsigned)n;
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	int failed = 0;
	unsigned seeds;

	if (top == NULL || *top == '\0')
		top = ".";
	seeds = replay_dir(top, "corpus", &failed);
	replay_dir(top, "regress", &failed);
	if (seeds == 0) {
		/* an empty or missing corpus would make this test pass
		 * without testing anything */
		printf("not ok %u - %s: no seed corpus under %s/tests/fuzz/"
		    "corpus/%s\n", ++tests, FUZZ_NAME, top, FUZZ_NAME);
		failed = 1;
	}
	printf("1..%u\n", tests);
	return failed;
}
