/* as_root.h - start-up steps taken as root, before the privilege drop */
#ifndef AUTHMILTER_AS_ROOT_H
#define AUTHMILTER_AS_ROOT_H

#include <stdbool.h>

struct conf;

/* as_root_open_socket - open Socket through libmilter; a unix socket gets
 * SocketMode and UserID's ownership, a TCP one TCP_NODELAY. Exits with a
 * log line saying why when it cannot (another process listens there, its
 * directory is missing or not writable). */
void as_root_open_socket(const struct conf *c);

/* as_root_write_pid_file - write our pid to path (atomically, never
 * through a link); exits on failure */
void as_root_write_pid_file(const char *path);

/* as_root_refused - why we will not run as root with c, or NULL */
const char *as_root_refused(const struct conf *c);

/* as_root_prepare_report_store - make a sqlite: ReportStore's directory
 * for UserID; a warning when it cannot */
void as_root_prepare_report_store(const struct conf *c);

/* as_root_drop_privileges - become UserID for good (exits when that
 * fails or leaves root without RunAsRoot) */
void as_root_drop_privileges(const struct conf *c);

/* as_root_become_user - become UserID (set) for good, as the drop does
 * but without a log line; for authmilter -t's child. False on failure. */
bool as_root_become_user(const struct conf *c);

#endif
