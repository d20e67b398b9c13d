// SPDX-License-Identifier: GPL-2.0
/*
 * many_threads [N]: N threads (4000 by default) in one process, all alive at
 * once: each makes an offloaded call (access) and a local one (gettid), then
 * waits at a barrier (futexes) until every one has started; all are joined.
 * One line, the same natively and under mcexec (tests/vm/test_process.sh).
 * Small stacks: McKernel maps memory when it is mapped, not when touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_barrier_t g_all_started;
static atomic_int g_calls_ok, g_distinct_tids;

static void *body(void *arg)
{
	(void)arg;
	if (access("/", F_OK) == 0)
		atomic_fetch_add(&g_calls_ok, 1);
	if (syscall(SYS_gettid) != getpid())
		atomic_fetch_add(&g_distinct_tids, 1);
	pthread_barrier_wait(&g_all_started);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4000;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_barrier_init(&g_all_started, NULL, (unsigned)n + 1);
	int created = 0;
	for (; created < n; created++) {
		int e = pthread_create(&t[created], &attr, body, NULL);
		if (e) {
			printf("many_threads: thread %d: %s\n", created, strerror(e));
			return 1;
		}
	}
	pthread_barrier_wait(&g_all_started);
	int joined = 0;
	for (int i = 0; i < created; i++)
		joined += pthread_join(t[i], NULL) == 0;
	printf("many_threads: %d created, %d alive together, %d offloaded calls ok, %d own tids, %d joined\n", created,
	       n, atomic_load(&g_calls_ok), atomic_load(&g_distinct_tids), joined);
	return 0;
}
