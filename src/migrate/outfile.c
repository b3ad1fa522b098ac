/*
 * outfile.c - authmilter-migrate's output, written whole or not at all
 *
 *   outfile_write      the text to -o FILE or standard output
 *   outfile_temp_copy  the text in a temporary file, for the check
 *
 * A regular -o FILE is written to a temporary file in its directory,
 * synced, then renamed over FILE: a write that fails part way (a full
 * disk, a file-size limit) leaves the admin's previous configuration as
 * it was. Truncating FILE in place lost it before the first byte went
 * out. A symbolic link to a regular file stays, the file is replaced; one
 * to nothing is refused. Anything else (/dev/stdout, /dev/full) is
 * written in place.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/outfile.h"
#include "util/xmalloc.h"

/* mkostemp templates: the X's are the part it fills in, not a blank */
#define TEMP_NAME "/.authmilter-migrate.XXXXXX"	/* beside -o FILE */
#define COPY_NAME "/authmilter-migrate.XXXXXX"	/* in $TMPDIR */

/* write_failed - say why writing where failed */
static void
write_failed(const char *where, int err)
{
	fprintf(stderr, "authmilter-migrate: %s: write failed: %s\n", where,
	    strerror(err));
}

/* write_all - all of text to fd; false with errno set */
static bool
write_all(int fd, const struct buf *text)
{
	size_t off = 0;
	ssize_t n;

	/* a short write sets no errno (a full disk first takes what fits):
	 * the next write's failure says why */
	while (off < text->len) {
		n = write(fd, text->data + off, text->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		off += (size_t)n;
	}
	return true;
}

/* write_stream - text to stdout */
static bool
write_stream(const struct buf *text)
{
	int err;

	if (fwrite(text->data, 1, text->len, stdout) == text->len &&
	    fflush(stdout) == 0)
		return true;
	err = errno;
	write_failed("standard output", err);
	return false;
}

/* write_in_place - text to a path that is not a regular file (a device)
 * or whose kind cannot be told (open then says why) */
static bool
write_in_place(const char *path, const struct buf *text, bool *file_r)
{
	struct stat st;
	int fd;
	bool ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "authmilter-migrate: %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	*file_r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	ok = write_all(fd, text);
	if (close(fd) != 0)
		ok = false;
	if (!ok)
		write_failed(path, errno);
	return ok;
}

/* refuse_dangling - path is a symbolic link to nothing. Not written
 * through: the file would be made wherever the link points (as root, a
 * path whoever made the link chose), in place, and no old file is there
 * to keep (GNU cp refuses the same) */
static bool
refuse_dangling(const char *path)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	target[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "authmilter-migrate: %s: a symbolic link to %s, which "
	    "does not exist: not written through (make that file, or remove "
	    "the link)\n", path, n > 0 ? target : "(unreadable)");
	return false;
}

/* temp_path - a mkstemp template in target's directory */
static char *
temp_path(const char *target)
{
	const char *slash = strrchr(target, '/');
	size_t dir = slash == NULL ? 1 : (size_t)(slash - target);
	char *t = xmalloc(dir + sizeof(TEMP_NAME));

	if (slash == NULL)
		memcpy(t, ".", 1);
	else
		memcpy(t, target, dir);	/* "" for "/x": "/.authmilter..." */
	memcpy(t + dir, TEMP_NAME, sizeof(TEMP_NAME));
	return t;
}

/* set_owner_mode - the new file as the old one (old NULL: none): its
 * owner, group and mode; a new file 0644 less the umask, not fopen's
 * 0666: the daemon reads it as root, and under umask 000 any local user
 * could have rewritten it (PidFile, RunAsRoot). A group that cannot be
 * kept (not ours to give) takes the group's and others' bits away: the
 * file's group is then one the admin did not choose */
static bool
set_owner_mode(int fd, const struct stat *old)
{
	mode_t mode, mask;

	if (old == NULL) {
		mask = umask(0);
		(void)umask(mask);
		return fchmod(fd, 0644 & ~mask) == 0;
	}
	mode = old->st_mode & 07777;
	if (fchown(fd, old->st_uid, old->st_gid) != 0 &&
	    fchown(fd, (uid_t)-1, old->st_gid) != 0)
		mode &= ~(mode_t)(S_IRWXG | S_IRWXO);
	return fchmod(fd, mode) == 0;
}

/* sync_dir - the rename on disk too; a directory that cannot be synced
 * (some file systems refuse) still has the whole new file */
static void
sync_dir(const char *tmp)
{
	char *dir = xstrdup(tmp);
	int fd;

	*strrchr(dir, '/') = '\0';
	fd = open(*dir != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
	free(dir);
}

/* replace - text into a temporary file beside target, renamed over it
 * when all is written and synced (old: target's stat, NULL when new) */
static bool
replace(const char *path, const char *target, const struct stat *old,
    const struct buf *text)
{
	char *tmp = temp_path(target);
	bool ok;
	int fd;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		fprintf(stderr, "authmilter-migrate: %s: cannot make a temporary "
		    "file beside it: %s\n", path, strerror(errno));
		free(tmp);
		return false;
	}
	ok = set_owner_mode(fd, old) && write_all(fd, text) &&
	    fsync(fd) == 0;
	if (close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, target) == 0) {
		sync_dir(tmp);
		free(tmp);
		return true;
	}
	write_failed(path, errno);
	(void)unlink(tmp);
	if (old != NULL)
		fprintf(stderr, "authmilter-migrate: %s: left as it was\n", path);
	free(tmp);
	return false;
}

bool
outfile_write(const char *path, const struct buf *text, bool *file_r)
{
	struct stat st, lst;
	char *target;
	bool ok, exists;
	int err;

	*file_r = false;
	if (path == NULL || strcmp(path, "-") == 0)
		return write_stream(text);
	exists = stat(path, &st) == 0;
	err = exists ? 0 : errno;
	if (err == ENOENT && lstat(path, &lst) == 0)
		return refuse_dangling(path);
	if (exists ? !S_ISREG(st.st_mode) : err != ENOENT)
		return write_in_place(path, text, file_r);
	/* a symlink stays: the file it names is replaced */
	*file_r = true;
	if (lstat(path, &lst) != 0 || !S_ISLNK(lst.st_mode))
		return replace(path, path, exists ? &st : NULL, text);
	if ((target = realpath(path, NULL)) == NULL) {
		fprintf(stderr, "authmilter-migrate: %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	ok = replace(path, target, &st, text);
	free(target);
	return ok;
}

bool
outfile_temp_copy(const struct buf *text, char **path_r)
{
	const char *dir = getenv("TMPDIR");
	char *tmp;
	int fd, err;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	tmp = xmalloc(strlen(dir) + sizeof(COPY_NAME));
	memcpy(tmp, dir, strlen(dir));
	memcpy(tmp + strlen(dir), COPY_NAME, sizeof(COPY_NAME));
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		err = errno;
		free(tmp);
		errno = err;
		return false;
	}
	if (!write_all(fd, text)) {
		err = errno;
		(void)close(fd);
		(void)unlink(tmp);
		free(tmp);
		errno = err;
		return false;
	}
	(void)close(fd);
	*path_r = tmp;
	return true;
}
