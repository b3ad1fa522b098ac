/* msgfile.h - read a message file as an MTA would hand it to the milter */
#ifndef AUTHCHECK_MSGFILE_H
#define AUTHCHECK_MSGFILE_H

#include <stddef.h>

#include "util/buf.h"

/* Largest message file read (the daemon itself streams any size). */
#define MSGFILE_MAX_BYTES (256u * 1024 * 1024)
/* Most header fields kept: MaxHeaders' upper bound (conf_options.c), so
 * any cap a config sets is reached here first; beyond it the rest of the
 * file is body. */
#define MSGFILE_MAX_FIELDS 100000

struct msgfile_field {
	char *name;	/* field name */
	char *value;	/* after the colon, leading space kept, folds "\r\n" */
};

struct msgfile {
	struct msgfile_field *fields;
	size_t count;
	struct buf body;	/* with CRLF line ends, as sent over SMTP */
};

/*
 * msgfile_read - read path ("-" for stdin) and split it: an mbox "From "
 * line first is skipped; header fields end at the first empty line (or
 * at a line that is no header field, where the body starts, as Postfix
 * does); bare LF line ends become CRLF. Returns 0, or -1 with *err_r set
 * (static text or strerror) when the file cannot be read or is too big.
 */
int msgfile_read(const char *path, struct msgfile *m, const char **err_r);
/* msgfile_free - free what msgfile_read filled */
void msgfile_free(struct msgfile *m);

#endif
