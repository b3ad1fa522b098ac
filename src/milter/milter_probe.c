/*
 * milter_probe.c - one milter conversation with ourselves, for the
 * systemd watchdog.
 *
 * Exported:
 *   milter_probe  connect, SMFIC_OPTNEG, read the SMFIC_OPTNEG answer,
 *                 SMFIC_QUIT; true when it all happened in time
 *
 * A TCP or unix connection alone proves little: the kernel completes it
 * into the listen backlog even when libmilter's listener thread no longer
 * calls accept(). The negotiation answer can only come from a libmilter
 * worker that the listener handed the connection to, running our
 * negotiate callback; so a daemon that answers the probe serves MTAs.
 * The probe offers every action and protocol step, as Postfix does, so
 * our negotiate callback accepts it; it ends before SMFIC_CONNECT, so no
 * message and no client is ever seen by the rest of the milter.
 *
 * The packet format is libmilter's wire protocol: a 4-byte big-endian
 * length, then a command byte and its data (the length counts both).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "milter/milter_probe.h"
#include "milter/milter_stop.h"

#define PROBE_REPLY_MAX	4096u	/* an SMFIC_OPTNEG answer is 13 bytes */

/* now_ms - monotonic milliseconds */
static int64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_fd - poll fd for events until deadline; true when ready */
static bool
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return true;
		if (n == 0 || errno != EINTR)
			return false;
	}
}

/* put32 - big-endian 32-bit value at p */
static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* send_all - write len bytes before the deadline */
static bool
send_all(int fd, const unsigned char *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* recv_all - read exactly len bytes before the deadline */
static bool
recv_all(int fd, unsigned char *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, deadline))
			return false;
		n = recv(fd, p, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* negotiate - send SMFIC_OPTNEG and read the answer's header */
static bool
negotiate(int fd, int64_t deadline, const char **why_r)
{
	unsigned char pkt[17], head[5];
	uint32_t len;

	put32(pkt, 13);
	pkt[4] = SMFIC_OPTNEG;
	put32(pkt + 5, SMFI_PROT_VERSION);
	put32(pkt + 9, (uint32_t)SMFI_CURR_ACTS);
	put32(pkt + 13, (uint32_t)SMFI_CURR_PROT);
	if (!send_all(fd, pkt, sizeof(pkt), deadline)) {
		*why_r = "could not send the option negotiation";
		return false;
	}
	if (!recv_all(fd, head, sizeof(head), deadline)) {
		*why_r = "no answer to the option negotiation";
		return false;
	}
	len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
	    (uint32_t)head[2] << 8 | head[3];
	if (head[4] != SMFIC_OPTNEG || len < 1 || len > PROBE_REPLY_MAX) {
		*why_r = "the option negotiation was refused";
		return false;
	}
	return true;
}

bool
milter_probe(const char *spec, int timeout_ms, const char **why_r)
{
	static const unsigned char quit[5] = { 0, 0, 0, 1, SMFIC_QUIT };
	int64_t deadline = now_ms() + timeout_ms;
	int fd = milter_socket_connect(spec, timeout_ms);
	bool ok;

	if (fd < 0) {
		*why_r = "cannot connect to the milter socket";
		return false;
	}
	ok = negotiate(fd, deadline, why_r);
	if (ok)
		(void)send_all(fd, quit, sizeof(quit), deadline);
	(void)close(fd);
	return ok;
}
