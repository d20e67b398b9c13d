// SPDX-License-Identifier: GPL-2.0
/*
 * spin_guard CALLS BUSY: CALLS getuid() calls (offloaded) from the main thread,
 * pinned to the first CPU it may use; with BUSY 1, a second thread pinned to
 * the same CPU computes all the while, so the CPU always has another thread
 * waiting for it. McKernel's thread waiting for Linux must then not spin
 * (docs/mcexec.md, "The offload fast path"): vm.report reads the report's
 * offload_spun. Prints nothing; exit status 0 when all went as asked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int started, stop;

static void *compute(void *arg)
{
	volatile unsigned long n = 0;
	atomic_store(&started, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		n++;
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long calls = atol(argv[1]);
	int busy = atoi(argv[2]);
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof(all), &all))
		return 3;
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	if (sched_setaffinity(0, sizeof(one), &one))
		return 4;
	pthread_t t;
	if (busy) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		if (pthread_create(&t, &attr, compute, NULL))
			return 5;
		while (!atomic_load(&started))
			sched_yield();
	}
	for (long i = 0; i < calls; i++)
		syscall(SYS_getuid);
	if (busy) {
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
	}
	return 0;
}
