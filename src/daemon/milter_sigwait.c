/*
 * milter_sigwait.c - keep libmilter's signal thread off our signals.
 *
 * smfi_main starts a thread that sigwaits on SIGHUP, SIGTERM and SIGINT
 * and stops the milter on any of them. The main thread handles those
 * signals (SIGHUP is a reload), but the kernel may hand a process signal
 * to any thread waiting for it, for instance while the main thread
 * already has a signal pending or is not running: a `systemctl reload`
 * then stopped the daemon with status 0, which Restart=on-failure does
 * not restart (seen in loaded sanitizer runs). libmilter calls sigwait
 * through the dynamic linker, and a definition in the executable comes
 * first, so this one waits only for the signals the caller asked for
 * minus those three. Asked for nothing else, as libmilter's thread is,
 * it sleeps for good: that thread was born with the three blocked,
 * nothing joins it, and the process's exit ends it. (Ending the thread
 * instead would need libgcc_s for the unwinding, which a chroot may
 * lack.)
 *
 * This file is linked into the authmilter executable only (not the
 * library the tests use), and nothing of ours calls sigwait.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t rest = *set;
	int n;

	(void)sigdelset(&rest, SIGHUP);
	(void)sigdelset(&rest, SIGTERM);
	(void)sigdelset(&rest, SIGINT);
	if (sigisemptyset(&rest))
		for (;;)
			(void)pause();
	do
		n = sigwaitinfo(&rest, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	*sig = n;
	return 0;
}
