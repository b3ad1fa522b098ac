/* headers.h - a message's header fields in arrival order */
#ifndef AUTHMILTER_HEADERS_H
#define AUTHMILTER_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/str.h"

/*
 * The fields authentication picks by name, told apart once per field
 * (headers_kind) so that the milter, DKIM, DMARC and ARC do not each
 * compare every name again (issue 18). The names compare as
 * headers_name_eq does: trailing WSP dropped, case ignored.
 */
enum header_kind {
	HEADER_OTHER = 0,
	HEADER_FROM,			/* From */
	HEADER_DKIM_SIGNATURE,		/* DKIM-Signature */
	HEADER_AUTH_RESULTS,		/* Authentication-Results */
	HEADER_ARC_SEAL,		/* ARC-Seal */
	HEADER_ARC_MESSAGE_SIGNATURE,	/* ARC-Message-Signature */
	HEADER_ARC_AUTH_RESULTS		/* ARC-Authentication-Results */
};

/*
 * One field as the MTA handed it: the name, and the value after the colon
 * (with its leading white space and folding line breaks, as received).
 * headers_name_index gives a stored field's 1-based position among the
 * fields of the same name, which is how the milter protocol addresses a
 * field to change or delete it.
 */
struct header {
	char *name;
	unsigned char *value;
	size_t value_len;
	size_t name_len;	/* strlen(name) */
	size_t cmp_len;		/* name length without trailing WSP */
	enum header_kind kind;
	bool hides_from;	/* headers_hides_from(value): looked for once,
				 * for DKIM and DMARC both (issue 18) */
};

/*
 * The names and values are copied into the caller's arena (one
 * allocation per field), so they live until that arena is reset; the
 * list of entries is the headers' own and is kept across
 * headers_clear, so a connection's next message reuses it.
 */
/* entries whose storage headers_clear keeps for the next message */
#define HEADERS_KEEP 256

struct headers {
	struct arena *arena;	/* where the fields are copied (not owned) */
	struct header *list;
	size_t count;
	size_t cap;
	size_t bytes;		/* names plus values, for the size cap */
};

/* headers_init - an empty list whose fields will live in arena */
void headers_init(struct headers *h, struct arena *arena);
/* headers_clear - forget every field but keep the list's storage (up to
 * HEADERS_KEEP entries); the fields' own bytes go with the arena */
void headers_clear(struct headers *h);
/* headers_deinit - free the list; the arena is untouched */
void headers_deinit(struct headers *h);
/* headers_add - append a copy of the field; returns the stored entry,
 * valid until the next headers_add, headers_clear or headers_deinit
 * (and its strings until the arena is reset) */
const struct header *headers_add(struct headers *h, const char *name,
    const unsigned char *value, size_t value_len);
/* headers_add_field - headers_add for a field whose name_len, cmp_len
 * and kind are measured already: the copy is made from f->name and
 * f->value */
const struct header *headers_add_field(struct headers *h,
    const struct header *f);
/* headers_field_init - f describes name (NUL-terminated) and
 * value[0..value_len): lengths measured, kind classified, a hidden From
 * looked for, no copy */
void headers_field_init(struct header *f, const char *name,
    const unsigned char *value, size_t value_len);
/* headers_count_named - how many fields have this name (compared with
 * headers_name_eq) */
unsigned headers_count_named(const struct headers *h, const char *name);
/* headers_name_index - the 1-based position of f, an entry of h's list,
 * among the fields of its name (counted on demand: no daemon path needs
 * it for every field, issue 18) */
unsigned headers_name_index(const struct headers *h, const struct header *f);

/*
 * Field names as authentication compares them. RFC 5322 4.5.1 (obsolete
 * syntax) allows white space between a field name and its colon, and a
 * mail client shows "From : a@b" as the From. Some MTAs hand the milter
 * the name with that white space ("From "), some without; every check
 * that picks fields by name (From, Sender, DKIM-Signature, ARC-*,
 * Authentication-Results, DKIM h=) goes through these two functions so
 * "From ", "from\t" and "FROM" are all the From.
 */
/* headers_name_len - len without the trailing SP/HTAB of name[0..len);
 * inline: DKIM's header selection asks it for every field and h= name */
static inline size_t
headers_name_len(const unsigned char *name, size_t len)
{
	while (len > 0 && ascii_iswsp(name[len - 1]))
		len--;
	return len;
}
/* headers_name_eq - name[0..len) and want[0..wlen), each without its
 * trailing WSP, are equal, case ignored */
bool headers_name_eq(const unsigned char *name, size_t len,
    const unsigned char *want, size_t wlen);
/* headers_kind - which of the fields above name[0..len) is, as
 * headers_name_eq compares; HEADER_OTHER for every other name */
enum header_kind headers_kind(const unsigned char *name, size_t len);

/*
 * A field inside another field's value, as a reader that ends a line at
 * any CR or LF sees it. RFC 5322 allows CR and LF only as CRLF, and
 * folding puts white space after them; Python's email package (and
 * clients built like it) start a new field at a bare CR, or at a line
 * break no white space follows, so "Subject: hi\rFrom: ceo@bank.example"
 * shows them a From that the MTA and the milter see as Subject text.
 */
struct header_hidden {
	const unsigned char *name;	/* before the colon, as written */
	size_t name_len;
	const unsigned char *value;	/* after the colon, to the line's end */
	size_t value_len;
	enum header_kind kind;
};

/* headers_hidden_next - the next hidden field in value[*pos..len) (a
 * line that starts after such a line break and has a name and a colon);
 * *pos moves past it. *pos = 0 starts at the beginning; false when none
 * is left. The spans point into value. */
bool headers_hidden_next(const unsigned char *value, size_t len,
    size_t *pos, struct header_hidden *out);

/* headers_hides_from - value holds a hidden field named From (as
 * headers_kind tells it) */
bool headers_hides_from(const unsigned char *value, size_t len);

#endif
