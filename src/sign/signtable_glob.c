/*
 * signtable_glob.c - the SigningTable refile wildcard match
 *
 *   signtable_glob    '*' matches any text, case ignored (signtable.h)
 *
 * Apart from signtable.c so a test can count the patterns a lookup
 * tries (test_sign_tables_scale wraps it at link time).
 */
#include "config.h"

#include "sign/signtable.h"
#include "util/str.h"

bool
signtable_glob(const char *pat, const char *text)
{
	const char *star = NULL, *back = NULL;

	/* iterative wildcard match: linear backtracking on the last '*' */
	while (*text != '\0') {
		if (*pat == '*') {
			star = pat++;
			back = text;
		} else if (*pat != '\0' && ascii_tolower((unsigned char)*pat) ==
		    ascii_tolower((unsigned char)*text)) {
			pat++;
			text++;
		} else if (star != NULL) {
			pat = star + 1;
			text = ++back;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
