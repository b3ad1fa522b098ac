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

/*
 * Below this many descriptors, say so before something fails: the daemon
 * holds about 20 of its own (resolver, report store, metrics, syslog),
 * then one per MTA connection and per DNS lookup in flight. Near its own
 * need the failure came from inside a library ("cannot create a pipe",
 * or libmilter's listener giving up with its reason in syslog only).
 */
#define FD_LIMIT_LOW	64

void
fd_limit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur != rl.rlim_max) {
		rlim_t want = rl.rlim_max;

		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("cannot raise the limit on open files to %llu: %s",
			    (unsigned long long)want, strerror(errno));
			if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
				return;
		}
	}
	if (rl.rlim_cur < FD_LIMIT_LOW)
		log_warn("the limit on open files is %llu (ulimit -n, systemd's "
		    "LimitNOFILE=): the daemon needs about 20 and one more per "
		    "MTA connection and DNS lookup; too few make it fail at "
		    "start or refuse connections", (unsigned long long)rl.rlim_cur);
}
