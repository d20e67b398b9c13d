// SPDX-License-Identifier: GPL-2.0
/*
 * rusage [burn MS]: CPU time accounting, one line per check, the same natively
 * and under mcexec (tests/vm/test_process.sh): a thread's time stays the
 * process's after it ends; a child's time (with what it reaped of its own
 * child, and with what it used before and after an execve) reaches the
 * parent when it is reaped: wait4's rusage, RUSAGE_CHILDREN and times();
 * system calls show in system time and computing in user time.
 * Each worker burns CPU until its own thread CPU clock says MS, so the
 * checks hold however slow the machine is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self;

static long thread_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void burn(long ms)
{
	long start = thread_ms();
	volatile unsigned long x = 0;
	while (thread_ms() - start < ms)
		for (int i = 0; i < 100000; i++)
			x += i;
}

static long tv_ms(struct timeval tv) { return tv.tv_sec * 1000 + tv.tv_usec / 1000; }

static long children_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
}

/* "ok" if @got is at least @want (90% of it: clocks tick differently). */
static const char *at_least(long got, long want) { return got * 10 >= want * 9 ? "ok" : "too little"; }

static void *burner(void *arg)
{
	burn((long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	self = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "burn")) { /* after an execve */
		burn(atol(argv[2]));
		return 0;
	}

	pthread_t t;
	pthread_create(&t, NULL, burner, (void *)300L);
	pthread_join(t, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	printf("an ended thread's 300 ms in the process's CPU time: %s\n",
	       at_least(ts.tv_sec * 1000 + ts.tv_nsec / 1000000, 300));
	printf("children before any: %ld ms\n", children_ms());
	printf("getrusage into a bad address: %s\n", getrusage(RUSAGE_CHILDREN, (struct rusage *)8) ? strerrorname_np(errno) : "ok");
	printf("getrusage, unknown who: %s\n", getrusage(7, &(struct rusage){0}) ? strerrorname_np(errno) : "ok");

	/* A child burns 300 ms and reaps a grandchild that burned 200 ms. */
	pid_t pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			burn(200);
			_exit(0);
		}
		waitpid(g, NULL, 0);
		burn(300);
		_exit(0);
	}
	struct rusage ru;
	int st;
	wait4(pid, &st, 0, &ru);
	printf("wait4's rusage: child and grandchild, 500 ms: %s\n", at_least(tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime), 500));
	printf("RUSAGE_CHILDREN after it: %s\n", at_least(children_ms(), 500));

	/* A child burns 200 ms, then execs itself to burn 200 ms more. */
	pid = fork();
	if (pid == 0) {
		burn(200);
		execl(self, self, "burn", "200", (char *)NULL);
		_exit(127);
	}
	siginfo_t si;
	long before = children_ms();
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	printf("WNOWAIT does not count it yet: %s\n", children_ms() == before ? "ok" : "counted");
	waitid(P_PID, pid, &si, WEXITED);
	printf("after waitid: before and after its execve, 400 ms more: %s\n", at_least(children_ms() - before, 400));
	struct tms tm;
	times(&tm);

	/* 300 ms of system calls, then 200 ms of computing. */
	struct rusage r0, r1, r2;
	getrusage(RUSAGE_SELF, &r0);
	long start = thread_ms();
	while (thread_ms() - start < 300)
		for (int i = 0; i < 100; i++)
			times(NULL);
	getrusage(RUSAGE_SELF, &r1);
	burn(200);
	getrusage(RUSAGE_SELF, &r2);
	printf("system calls show in system time: %s\n", tv_ms(r1.ru_stime) > tv_ms(r0.ru_stime) ? "ok" : "no");
	printf("computing shows in user time: %s\n", at_least(tv_ms(r2.ru_utime) - tv_ms(r1.ru_utime), 100));
	struct tms tm2;
	times(&tm2);
	printf("times: own system ticks: %s\n", tm2.tms_stime > 0 ? "ok" : "none");
	printf("times: children's ticks: %s\n", at_least(tm.tms_cutime + tm.tms_cstime, 90));
	printf("times: own ticks: %s\n", at_least(tm.tms_utime + tm.tms_stime, 30));
	return 0;
}
