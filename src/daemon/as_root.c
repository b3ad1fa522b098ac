/*
 * as_root.c - what the daemon does as root before it drops privileges:
 * the milter socket (mode, owner, TCP_NODELAY), the pid file, the report
 * store's directory, and the drop itself.
 *
 * Each runs as root in a directory UserID may own, so nothing here
 * follows a link a process of that user could have planted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf/conf.h"
#include "daemon/as_root.h"
#include "log/log.h"
#include "milter/milter_stop.h"
#include "report/report_shown.h"
#include "report/report_store.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* lookup_user - resolve UserID "user[:group]" to ids */
static void
lookup_user(const char *user_id, uid_t *uid, gid_t *gid, char **name)
{
	char *copy = xstrdup(user_id), *colon = strchr(copy, ':');
	struct passwd *pw;
	struct group *gr;

	if (colon != NULL)
		*colon++ = '\0';
	pw = getpwnam(copy);
	if (pw == NULL)
		log_fatal("UserID: no such user \"%s\"", copy);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon != NULL) {
		gr = getgrnam(colon);
		if (gr == NULL)
			log_fatal("UserID: no such group \"%s\"", colon);
		*gid = gr->gr_gid;
	}
	*name = xstrdup(copy);
	free(copy);
}

/* listener_nodelay - set TCP_NODELAY on libmilter's listening socket.
 * libmilter writes each header change and the verdict as separate small
 * packets and offers no handle on its sockets; with Nagle's algorithm the
 * second packet waits for the MTA's delayed ACK (up to 40 ms a message).
 * Linux copies TCP_NODELAY from a listening socket to the connections it
 * accepts, so finding the one listening TCP socket we own is enough. */
static void
listener_nodelay(void)
{
	int fd, on = 1, listening;
	socklen_t len;
	struct sockaddr_storage ss;

	for (fd = 0; fd < 1024; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
		    !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
			log_warn("TCP_NODELAY on the milter socket: %s", strerror(errno));
	}
}

/* unix_dir_fatal - libmilter says only that the socket could not be
 * made; when its directory is the reason, say which and why */
static void
unix_dir_fatal(const char *spec, const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat st;

	if (slash == NULL)
		(void)strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0)
		log_fatal("cannot open milter socket %s: directory %s: %s",
		    spec, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		log_fatal("cannot open milter socket %s: %s is not a directory",
		    spec, dir);
	if (access(dir, W_OK | X_OK) != 0)
		log_fatal("cannot open milter socket %s: cannot make it in %s: "
		    "%s", spec, dir, strerror(errno));
	free(dir);
}

/* as_root_open_socket - the milter socket, with the configured mode and
 * owner */
void
as_root_open_socket(const struct conf *c)
{
	const char *path = milter_socket_unix_path(c->socket);
	mode_t old_mask = 0;
	struct stat st;

	if (smfi_setconn(c->socket) != MI_SUCCESS)
		log_fatal("%s: Socket \"%s\" is not usable", c->file, c->socket);
	/* libmilter removes whatever socket is at the path before it binds:
	 * a second start would take a running daemon's socket away, leaving
	 * that daemon deaf. Only a socket nobody answers on is stale. */
	if (path != NULL && milter_socket_accepts(c->socket))
		log_fatal("cannot open milter socket %s: another process "
		    "listens on it (authmilter already running?)", c->socket);
	if (path != NULL)
		old_mask = umask(0777 & ~(mode_t)c->socket_mode);
	if (smfi_opensocket(true) != MI_SUCCESS) {
		if (path != NULL)
			unix_dir_fatal(c->socket, path);
		/* inet: a port taken is the usual case (a second start, or
		 * the OpenDKIM this replaces still on 8891); say so when a
		 * connection there is answered */
		else if (milter_socket_accepts(c->socket))
			log_fatal("cannot open milter socket %s: another "
			    "process listens on it (authmilter already running, "
			    "or the milter it replaces?)", c->socket);
		log_fatal("cannot open milter socket %s (in use, or no "
		    "permission?)", c->socket);
	}
	if (path == NULL) {
		listener_nodelay();
		return;
	}
	(void)umask(old_mask);
	/*
	 * umask can only take bits away; chmod sets exactly the mode asked.
	 * We are root, and the directory may be UserID's: what is at the
	 * path now must be our socket, and a link put there since is never
	 * followed (fchmodat refuses a link, lchown changes only the link).
	 */
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		log_fatal("milter socket %s: replaced by something else since "
		    "it was made", path);
	if (fchmodat(AT_FDCWD, path, (mode_t)c->socket_mode,
	    AT_SYMLINK_NOFOLLOW) != 0)
		log_fatal("chmod %s: %s", path, strerror(errno));
	if (c->user_id != NULL && geteuid() == 0) {
		uid_t uid;
		gid_t gid;
		char *name;

		lookup_user(c->user_id, &uid, &gid, &name);
		if (lchown(path, uid, gid) != 0)
			log_fatal("chown %s: %s", path, strerror(errno));
		free(name);
	}
}

/* as_root_write_pid_file - record our pid. Written under a temporary
 * name and renamed, so a reader (a test, an init script's kill) never finds the
 * file empty or half written; it appears just after the socket listens. */
void
as_root_write_pid_file(const char *path)
{
	char text[32], *tmp;
	size_t len = strlen(path);
	int fd, n;

	tmp = xmalloc(len + sizeof(".tmp"));
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp", sizeof(".tmp"));
	/*
	 * We are root here, and the directory may be UserID's (so that the
	 * daemon can remove the file at exit): a link planted at the
	 * temporary name must not be followed, nor an old file reused.
	 */
	if (unlink(tmp) != 0 && errno != ENOENT)
		log_fatal("PidFile %s: %s", tmp, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		log_fatal("PidFile %s: %s", tmp, strerror(errno));
	/* readable by all (a monitor, a script as another user) whatever
	 * the umask: under UMask=0077 it was root's alone */
	if (fchmod(fd, 0644) != 0)
		log_fatal("PidFile %s: %s", tmp, strerror(errno));
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (n <= 0 || write(fd, text, (size_t)n) != n || close(fd) != 0)
		log_fatal("PidFile %s: write failed", tmp);
	if (rename(tmp, path) != 0)
		log_fatal("PidFile %s: %s", path, strerror(errno));
	free(tmp);
}

/* as_root_refused - the text of why we will not run as root, or NULL.
 * A milter parses hostile mail; root is allowed only when RunAsRoot says
 * so, and a UserID that is itself root counts as staying root. */
const char *
as_root_refused(const struct conf *c)
{
	struct passwd *pw;
	char name[256];
	size_t n;

	if (geteuid() != 0 || c->run_as_root)
		return NULL;
	if (c->user_id == NULL)
		return "refusing to run as root: set UserID to an unprivileged "
		    "user (or RunAsRoot yes to allow root)";
	n = strcspn(c->user_id, ":");
	if (n >= sizeof(name))
		return NULL;	/* check_user refused it already */
	memcpy(name, c->user_id, n);
	name[n] = '\0';
	pw = getpwnam(name);
	if (pw != NULL && pw->pw_uid == 0)
		return "refusing to run as root: UserID names root (use an "
		    "unprivileged user, or RunAsRoot yes to allow root)";
	return NULL;
}

/* as_root_prepare_report_store - make ReportStore's directory for
 * UserID (the writer thread makes the file after the drop) */
void
as_root_prepare_report_store(const struct conf *c)
{
	struct buf why = BUF_INIT;
	uid_t uid;
	gid_t gid;
	char *name;

	if (c->report_store == NULL || c->user_id == NULL || geteuid() != 0)
		return;
	lookup_user(c->user_id, &uid, &gid, &name);
	if (!report_store_prepare(c->report_store, uid, gid, &why)) {
		char *shown = report_store_shown(c->report_store);

		log_warn("ReportStore %s: %s", shown, buf_cstr(&why));
		free(shown);
	}
	buf_deinit(&why);
	free(name);
}

/* as_root_become_user - become UserID for good, quietly */
bool
as_root_become_user(const struct conf *c)
{
	uid_t uid;
	gid_t gid;
	char *name;
	bool ok;

	lookup_user(c->user_id, &uid, &gid, &name);
	ok = initgroups(name, gid) == 0 && setgid(gid) == 0 &&
	    setuid(uid) == 0;
	free(name);
	return ok;
}

/* as_root_drop_privileges - become UserID for good; staying root needs
 * RunAsRoot */
void
as_root_drop_privileges(const struct conf *c)
{
	uid_t uid;
	gid_t gid;
	char *name;

	if (c->user_id == NULL) {
		if (geteuid() == 0 && !c->run_as_root)
			log_fatal("%s: %s", c->file, as_root_refused(c));
		if (geteuid() == 0)
			log_warn("running as root (RunAsRoot yes)");
		return;
	}
	if (geteuid() != 0) {
		log_warn("UserID %s ignored: not started as root", c->user_id);
		return;
	}
	lookup_user(c->user_id, &uid, &gid, &name);
	if (initgroups(name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		log_fatal("cannot become %s: %s", c->user_id, strerror(errno));
	/* setuid from root must be permanent: prove we cannot go back */
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		log_fatal("privilege drop to %s did not stick", c->user_id);
	if ((getuid() == 0 || geteuid() == 0) && !c->run_as_root)
		log_fatal("%s: refusing to run as root: UserID %s is root "
		    "(RunAsRoot yes allows it)", c->file, c->user_id);
	log_info("running as %s (uid %ld, gid %ld)", name, (long)uid, (long)gid);
	free(name);
}
