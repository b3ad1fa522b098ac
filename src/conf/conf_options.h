/* conf_options.h - the option table and the typed value parsers */
#ifndef AUTHMILTER_CONF_OPTIONS_H
#define AUTHMILTER_CONF_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

enum conf_type {
	CONF_T_STRING,		/* any non-empty text */
	CONF_T_BOOL,		/* yes/no/true/false/on/off/1/0 */
	CONF_T_UINT,		/* decimal, within [min, max] */
	CONF_T_OCTAL,		/* file mode, within [min, max] */
	CONF_T_DURATION,	/* 5, 5s, 500ms, 2m: stored as milliseconds */
	CONF_T_WORD,		/* one of words[], stored as its index */
	CONF_T_LIST,		/* words separated by spaces or commas */
	CONF_T_DOMAINS,		/* a LIST of domain names, kept as lower-case
				 * A-labels (U-labels converted, RFC 5891) */
	CONF_T_NETS		/* a LIST of IP addresses and networks
				 * (a.b.c.d/n, x::y/n; cidr_parse) */
};

struct conf_option {
	const char *name;
	enum conf_type type;
	const char *default_value;	/* parsed like a config value; NULL: unset */
	size_t offset;			/* of the field in struct conf */
	unsigned long min, max;		/* UINT, OCTAL, DURATION (ms) bounds */
	const char *const *words;	/* WORD: allowed values, NULL-ended */
	/* check - further validation of the stored value; NULL when fine,
	 * else a static message */
	const char *(*check)(const struct conf *c);
};

extern const struct conf_option conf_options[];
extern const size_t conf_option_count;

/* conf_option_is_list - a LIST or DOMAINS option: may be repeated */
bool conf_option_is_list(const struct conf_option *opt);
/* conf_option_find - look a name up, ignoring case; NULL if unknown */
const struct conf_option *conf_option_find(const char *name);
/* Longest name conf_option_nearest compares */
#define CONF_NAME_MAX 63
/* conf_option_nearest - the known option an unknown name is most likely
 * a misspelling of (at most 1 edit for names of up to 6 characters, 2
 * for longer ones, case ignored), or NULL */
const struct conf_option *conf_option_nearest(const char *name);
/* conf_option_set - parse value into c; NULL when fine, else a message
 * (static, or written into msg of msg_size) */
const char *conf_option_set(struct conf *c, const struct conf_option *opt,
    const char *value, char *msg, size_t msg_size);
/* conf_option_format - the stored value as config text, into out */
void conf_option_format(const struct conf *c, const struct conf_option *opt,
    struct buf *out);
/* conf_authserv_id_problem - NULL when id may be our authserv-id, else
 * what is wrong with it (AuthservID, authcheck --authserv-id) */
const char *conf_authserv_id_problem(const char *id);
/* conf_option_free - release what conf_option_set allocated */
void conf_option_free(struct conf *c, const struct conf_option *opt);

#endif
