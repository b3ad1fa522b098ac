/*
 * sysfloor - what the kernel charges for the things every libmilter
 * milter does per message: a system call, a thread (libmilter starts one
 * per connection) and a loopback TCP connection. run-bench.sh prints it
 * beside the crypto floor, so a table from a machine whose kernel is slow
 * (a nested or paravirtualized VM) can be read for what it is: there even
 * the null milter is slow, and nothing built on libmilter can be faster.
 *
 * Usage: sysfloor  (prints one line; each loop stops after its count or
 * after 2 seconds, whichever comes first)
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOOP_SECONDS 2.0

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Microseconds per getppid(2), the cheapest real system call. */
static double
syscall_us(void)
{
	double start = now(), t = start;
	long i;

	for (i = 0; i < 1000000; i++) {
		(void)syscall(SYS_getppid);
		if ((i & 1023) == 1023 && (t = now()) - start > LOOP_SECONDS)
			break;
	}
	t = now();
	return (t - start) / (double)(i + 1) * 1e6;
}

static void *
thread_noop(void *arg)
{
	return arg;
}

/* Microseconds per pthread_create + pthread_join of an empty thread. */
static double
thread_us(void)
{
	double start = now();
	long i;

	for (i = 0; i < 20000; i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, thread_noop, NULL) != 0)
			return -1;
		pthread_join(th, NULL);
		if (now() - start > LOOP_SECONDS) {
			i++;
			break;
		}
	}
	return (now() - start) / (double)i * 1e6;
}

/*
 * Microseconds per loopback TCP connection: connect, accept, one byte
 * each way, close on both ends (what a milter connection costs before
 * any milter command).
 */
static double
tcp_us(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	double start;
	long i;
	int lfd, one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		close(lfd);
		return -1;
	}
	start = now();
	for (i = 0; i < 20000; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM, 0), afd;
		char c = 'x';

		if (cfd < 0 || connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    (afd = accept(lfd, NULL, NULL)) < 0) {
			if (cfd >= 0)
				close(cfd);
			close(lfd);
			return -1;
		}
		if (write(cfd, &c, 1) != 1 || read(afd, &c, 1) != 1 ||
		    write(afd, &c, 1) != 1 || read(cfd, &c, 1) != 1)
			i = -2;
		close(cfd);
		close(afd);
		if (i < 0)
			break;
		if (now() - start > LOOP_SECONDS) {
			i++;
			break;
		}
	}
	close(lfd);
	if (i < 0)
		return -1;
	return (now() - start) / (double)i * 1e6;
}

int
main(void)
{
	double sc = syscall_us(), th = thread_us(), tcp = tcp_us();

	printf("kernel floor (this machine, one thread): system call %.2f us, "
	    "thread create+join %.1f us, loopback TCP connection %.1f us\n",
	    sc, th, tcp);
	return sc < 0 || th < 0 || tcp < 0;
}
