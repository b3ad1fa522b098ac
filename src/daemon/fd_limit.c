/*
 * fd_limit.c - raise the soft limit on open files to the hard one.
 *
 * Each MTA connection holds a descriptor (Postfix keeps one per SMTP
 * session), and the soft limit is often 1024: systemd's default, kept
 * low for programs that watch descriptors with select(), which cannot
 * take one of 1024 or more. At that limit accept() fails (EMFILE) and
 * the MTA's new connections wait unanswered in the listen queue until a
 * descriptor is free (milter_accept.c keeps libmilter's listener from
 * spinning meanwhile). Nothing in the daemon uses select(): libmilter
 * polls, libunbound runs on libevent, the metrics server polls
 * (metrics_http.c). The hard limit is what the administrator
 * (LimitNOFILE=) allows.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "daemon/fd_limit.h"
#include "log/log.h"

void
fd_limit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("cannot raise the limit on open files to %llu: %s",
		    (unsigned long long)rl.rlim_max, strerror(errno));
}
