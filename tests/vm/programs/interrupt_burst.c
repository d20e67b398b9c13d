// SPDX-License-Identifier: GPL-2.0
/*
 * interrupt_burst [N]: N threads (200 by default) each blocked in a read of
 * its own pipe, all interrupted at once by a signal with a handler without
 * SA_RESTART (pthread_kill from the main thread): every read must fail with
 * EINTR. Then each reads again and must get the byte the main thread writes
 * a second later, not a late interruption meant for the first read.
 *
 * Under mcexec the reads run on Linux and each interruption is a message the
 * LWK sends from the main thread's CPU: N of them at once fill that CPU's
 * ring to Linux, which holds 64 (tests/vm/test_process.sh). A signal that
 * comes before its thread's read has started is handled and the read then
 * blocks, as on Linux, so the main thread signals the threads not yet
 * interrupted again every 200 ms, for 60 s at most; then it writes to every
 * pipe so that no thread stays blocked, and the line says how many were not
 * interrupted. One line, the same natively and under mcexec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RESEND_MS 200
#define LIMIT_MS 60000

struct waiter {
	pthread_t thread;
	int pipe[2];
	atomic_int interrupted; /* its first read failed with EINTR */
	atomic_int finished;	/* its first read ended, however */
	int second;		/* what its second read returned (1: the byte) */
};

static atomic_int g_started, g_handled;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&g_handled, 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *body(void *arg)
{
	struct waiter *w = arg;
	char c;
	atomic_fetch_add(&g_started, 1);
	ssize_t r = read(w->pipe[0], &c, 1);
	if (r < 0 && errno == EINTR)
		atomic_store(&w->interrupted, 1);
	atomic_store(&w->finished, 1);
	if (r == 1) {		/* released by the main thread: never interrupted */
		w->second = 1;
		return NULL;
	}
	r = read(w->pipe[0], &c, 1);
	w->second = r == 1 ? 1 : (r < 0 ? -errno : 0);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	struct waiter *w = calloc((size_t)n, sizeof(*w));
	if (n < 1 || !w) {
		fprintf(stderr, "usage: interrupt_burst [threads >= 1]\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the reads fail with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 0; i < n; i++) {
		if (pipe(w[i].pipe) || pthread_create(&w[i].thread, &attr, body, &w[i])) {
			fprintf(stderr, "interrupt_burst: thread %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	while (atomic_load(&g_started) < n)
		sleep_ms(10);
	sleep_ms(500); /* most are in their read by now; the rest get a second signal */

	int done = 0;
	for (int waited = 0; waited < LIMIT_MS && done < n; waited += RESEND_MS) {
		for (int i = 0; i < n; i++)
			if (!atomic_load(&w[i].finished))
				pthread_kill(w[i].thread, SIGUSR1);
		sleep_ms(RESEND_MS);
		done = 0;
		for (int i = 0; i < n; i++)
			done += atomic_load(&w[i].finished);
	}
	for (int i = 0; i < n; i++)	/* a stuck first read takes this byte */
		if (!atomic_load(&w[i].finished) && write(w[i].pipe[1], "x", 1) != 1)
			return 1;
	while (done < n) {
		sleep_ms(10);
		done = 0;
		for (int i = 0; i < n; i++)
			done += atomic_load(&w[i].finished);
	}
	sleep_ms(1000); /* a late interruption would hit the second reads now */
	for (int i = 0; i < n; i++)
		if (w[i].interrupted && write(w[i].pipe[1], "y", 1) != 1)
			return 1;

	int interrupted = 0, second = 0, second_eintr = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		interrupted += w[i].interrupted;
		if (w[i].interrupted) {
			second += w[i].second == 1;
			second_eintr += w[i].second == -EINTR;
		}
	}
	printf("interrupt_burst: %d threads blocked in read, %d interrupted (EINTR), handlers ran: %s, "
	       "%d then read their byte, %d second reads interrupted\n",
	       n, interrupted, atomic_load(&g_handled) >= interrupted ? "yes" : "no", second, second_eintr);
	return 0;
}
