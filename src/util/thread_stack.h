/*
 * thread_stack.h - the stack size of the threads that carry connections
 *
 * libmilter starts one thread per MTA connection (Postfix opens one per
 * SMTP session) with the process's default attributes, so their stacks
 * are 8 MiB (RLIMIT_STACK) unless the default is changed. glibc keeps
 * the stacks of exited threads for reuse only up to 40 MiB in all: five
 * of 8 MiB. With more connections at once every new thread maps a fresh
 * stack and every exit unmaps one, which cost authmilter about 0.01 ms
 * a message at 16 connections (issue 18). Our message path uses less
 * than 20 KiB of stack (measured in run-bench.sh's load, and gcc
 * -fstack-usage: no frame above 5 KiB); 512 KiB leaves a wide margin
 * and lets glibc keep 80 stacks.
 */
#ifndef UTIL_THREAD_STACK_H
#define UTIL_THREAD_STACK_H

#include <stdbool.h>
#include <stddef.h>

#define THREAD_STACK_CONNECTIONS ((size_t)512 * 1024)

/* thread_stack_set_default - threads created from now on without
 * attributes get SIZE bytes of stack (libunbound asks 2 MiB for its own
 * and keeps it); false when the C library refuses */
bool thread_stack_set_default(size_t size);

/* thread_stack_default - the stack size such threads get now */
size_t thread_stack_default(void);

#endif
