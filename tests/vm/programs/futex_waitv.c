// SPDX-License-Identifier: GPL-2.0
/*
 * futex_waitv (futex2's wait on several words): the arguments Linux refuses,
 * a word that differs, deadlines on both clocks, wakes from a thread and from
 * a fork child through shared memory, 128 words, and a signal with and
 * without SA_RESTART. Prints one line per case; the test compares the output
 * with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE 128
#endif

struct waitv { /* struct futex_waitv */
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};

static long waitv(struct waitv *list, unsigned n, unsigned flags, struct timespec *ts, int clock)
{
	return syscall(SYS_futex_waitv, list, n, flags, ts, clock);
}

static const char *answer(long r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "index %ld", r);
	else
		snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno));
	return buf;
}

static void entry(struct waitv *e, uint32_t *word, uint64_t val, uint32_t flags)
{
	*e = (struct waitv){val, (uintptr_t)word, flags, 0};
}

/* An absolute deadline @ms from now on @clock. */
static struct timespec in_ms(int clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static uint32_t words[128];
static struct waitv list[130];

static void bad_arguments(void)
{
	for (int i = 0; i < 3; i++)
		entry(&list[i], &words[i], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	struct timespec ts = in_ms(CLOCK_MONOTONIC, 10), bad = {0, 1000000000};
	printf("flags 1: %s\n", answer(waitv(list, 2, 1, NULL, 0)));
	printf("no words: %s\n", answer(waitv(list, 0, 0, NULL, 0)));
	printf("129 words: %s\n", answer(waitv(list, 129, 0, NULL, 0)));
	printf("NULL list: %s\n", answer(waitv(NULL, 2, 0, NULL, 0)));
	printf("unmapped list: %s\n", answer(waitv((void *)16, 2, 0, NULL, 0)));
	printf("clock BOOTTIME: %s\n", answer(waitv(list, 2, 0, &ts, CLOCK_BOOTTIME)));
	printf("unmapped timeout: %s\n", answer(waitv(list, 2, 0, (void *)16, CLOCK_MONOTONIC)));
	printf("nsec 1e9: %s\n", answer(waitv(list, 2, 0, &bad, CLOCK_MONOTONIC)));
	list[1].flags = FUTEX2_PRIVATE;
	printf("no size: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	list[1].flags = 3 | FUTEX2_PRIVATE;
	printf("64-bit size: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	list[1].flags = FUTEX2_SIZE_U32;
	list[1].reserved = 1;
	printf("reserved set: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	list[1].reserved = 0;
	list[1].uaddr = (uintptr_t)&words[1] + 2;
	printf("misaligned word: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	list[1].uaddr = 4096;
	printf("unmapped shared word: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	list[1].flags |= FUTEX2_PRIVATE;
	printf("unmapped private word: %s\n", answer(waitv(list, 2, 0, NULL, 0)));
	entry(&list[1], &words[1], 5, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	printf("second word differs: %s\n", answer(waitv(list, 3, 0, NULL, 0)));
	entry(&list[1], &words[1], 7ull << 32, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	ts = in_ms(CLOCK_MONOTONIC, 0);
	printf("high bits of a value, deadline past: %s\n", answer(waitv(list, 3, 0, &ts, CLOCK_MONOTONIC)));
}

static void deadlines(void)
{
	for (int i = 0; i < 2; i++)
		entry(&list[i], &words[i], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	int clocks[2] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
	for (int c = 0; c < 2; c++) {
		struct timespec t0, t1, ts = in_ms(clocks[c], 50);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long r = waitv(list, 2, 0, &ts, clocks[c]);
		const char *a = answer(r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		printf("%s deadline in 50 ms: %s, %s\n", c ? "realtime" : "monotonic", a,
		       ms >= 49 ? "not early" : "EARLY");
	}
}

static void *waker(void *arg)
{
	usleep(50000);
	__atomic_store_n(&words[(intptr_t)arg], 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &words[(intptr_t)arg], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static void thread_wakes(void)
{
	for (int i = 0; i < 128; i++) {
		words[i] = 0;
		entry(&list[i], &words[i], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	}
	for (int which = 0; which < 128; which += 127) {
		pthread_t t;
		pthread_create(&t, NULL, waker, (void *)(intptr_t)which);
		long r = waitv(list, 128, 0, NULL, 0);
		printf("128 words, a thread wakes word %d: %s\n", which, answer(r));
		pthread_join(t, NULL);
		words[which] = 0;
	}
}

static void child_wakes(void)
{
	uint32_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	entry(&list[0], &words[0], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	entry(&list[1], &shared[1], 0, FUTEX2_SIZE_U32); /* shared: the child's wake reaches it */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		__atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
		long n = syscall(SYS_futex, &shared[1], FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(n == 1 ? 0 : 1);
	}
	long r = waitv(list, 2, 0, NULL, 0);
	printf("a fork child wakes the shared word: %s", answer(r));
	int status;
	waitpid(pid, &status, 0);
	printf(", its wake counted %s\n", WIFEXITED(status) && !WEXITSTATUS(status) ? "one waiter" : "none");
	munmap(shared, 4096);
}

static void on_alarm(int sig) { (void)sig; }

static void interrupted(void)
{
	entry(&list[0], &words[0], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
		sigaction(SIGALRM, &sa, NULL);
		struct timespec ts = in_ms(CLOCK_MONOTONIC, 300);
		timer_t timer;
		struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
		struct itimerspec its = {.it_value = {0, 50 * 1000000}};
		timer_create(CLOCK_MONOTONIC, &ev, &timer);
		timer_settime(timer, 0, &its, NULL);
		long r = waitv(list, 1, 0, &ts, CLOCK_MONOTONIC);
		printf("SIGALRM %s SA_RESTART: %s\n", restart ? "with" : "without", answer(r));
		timer_delete(timer);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bad_arguments();
	deadlines();
	thread_wakes();
	child_wakes();
	interrupted();
	return 0;
}
