/* report.h - what an authcheck command found, printed for people or JSON
 *
 * A command builds one tree of named values (objects, lists, strings,
 * numbers, booleans) plus a list of warnings and failures, then prints it
 * once: indented "name: value" lines for people, or one JSON document
 * (--json). Building and printing are separate so both forms always say
 * the same thing.
 */
#ifndef AUTHCHECK_REPORT_H
#define AUTHCHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

struct rnode;

struct report {
	struct rnode *root;		/* an object */
	struct rnode *warnings;		/* a list of {code, text} */
	unsigned nwarnings;		/* warnings (mistakes in DNS data) */
	unsigned nfailures;		/* checks that did not pass */
	bool tempfail;			/* a DNS lookup failed temporarily */
};

/* report_init - an empty report; report_deinit frees it */
void report_init(struct report *r);
void report_deinit(struct report *r);

/* rn_obj / rn_list - a child object or list under parent; key is NULL
 * when parent is a list. The child is owned by the tree. */
struct rnode *rn_obj(struct rnode *parent, const char *key);
struct rnode *rn_list(struct rnode *parent, const char *key);
/* rn_str - a string value (printf format); bytes that are not UTF-8 are
 * shown as U+FFFD in JSON */
void rn_str(struct rnode *parent, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rn_int(struct rnode *parent, const char *key, long long v);
void rn_bool(struct rnode *parent, const char *key, bool v);

/* report_warn - a mistake in the published data: code is a fixed word
 * (documented in authcheck(1)), text says what and why */
void report_warn(struct report *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* report_fail - count a check that did not pass */
void report_fail(struct report *r);

/* report_print - the whole report to out */
void report_print(const struct report *r, FILE *out, bool json);

#endif
