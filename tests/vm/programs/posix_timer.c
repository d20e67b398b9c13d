// SPDX-License-Identifier: GPL-2.0
/*
 * posix_timer: timer_create and friends as Linux 6.1 has them; one line per
 * case, the same natively and under mcexec (tests/vm/test_process.sh), where
 * they run on the LWK's clocks. Cases: a signal from a timer on each clock
 * (REALTIME, MONOTONIC, BOOTTIME, TAI, the process's and the thread's CPU
 * time, pthread_getcpuclockid's and the process's own pid clock), with
 * si_code SI_TIMER, si_timerid and si_value; a null sigevent (SIGALRM, the id
 * as value); SIGEV_NONE; SIGEV_THREAD_ID to one thread; glibc's SIGEV_THREAD;
 * TIMER_ABSTIME (future and past); an interval whose signal stays blocked
 * (one signal, si_overrun and timer_getoverrun >= 1); two timers queue two
 * real-time signals; timer_gettime and the old value (never more than set);
 * disarm; delete; the errors (EINVAL, EFAULT, EOPNOTSUPP); a fork child has
 * none of its parent's timers; none is left after execve; clock_gettime and
 * clock_getres on the CPU-time clocks of clock_getcpuclockid and
 * pthread_getcpuclockid (of the process and of threads). Uses the raw
 * system calls (the kernel's timer ids), glibc's only for SIGEV_THREAD.
 * Never prints a time. Exits 1 if a case differs from what Linux does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#define MS 1000000L

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(e);
	}
}

/* The call's errno name, or "0". */
static const char *res(long r) { return r == 0 ? "0" : err_name(errno); }

static long t_create(clockid_t clk, struct sigevent *ev, int *id)
{
	return syscall(SYS_timer_create, clk, ev, id);
}
static long t_set(int id, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	return syscall(SYS_timer_settime, id, flags, v, old);
}
static long t_get(int id, struct itimerspec *v) { return syscall(SYS_timer_gettime, id, v); }
static long t_overrun(int id) { return syscall(SYS_timer_getoverrun, id); }
static long t_delete(int id) { return syscall(SYS_timer_delete, id); }

static struct itimerspec its(long value_ns, long interval_ns)
{
	struct itimerspec v = {{interval_ns / 1000000000, interval_ns % 1000000000},
			       {value_ns / 1000000000, value_ns % 1000000000}};
	return v;
}

static long ns(const struct timespec *ts) { return ts->tv_sec * 1000000000L + ts->tv_nsec; }

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

/* Wait up to @ms for blocked @sig; spin (using CPU time) if @burn. */
static int wait_sig(int sig, long ms, int burn, siginfo_t *si)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec zero = {0, burn ? 0 : 10 * MS};
		if (sigtimedwait(&s, si, &zero) == sig)
			return 1;
		if (burn)
			for (volatile int i = 0; i < 100000; i++)
				;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((ns(&now) - ns(&start)) / MS > ms)
			return 0;
	}
}

static struct sigevent sig_event(int sig, long value)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_ptr = (void *)value;
	return ev;
}

/* A 20 ms timer on @clk: its signal comes, with what it should carry. */
static void clock_case(const char *name, clockid_t clk, int cpu)
{
	int sig = SIGRTMIN + 1, id = -1;
	char what[160];
	struct sigevent ev = sig_event(sig, 0x1234567890L);
	long r = t_create(clk, &ev, &id);
	snprintf(what, sizeof(what), "%s: timer_create %s", name, res(r));
	check(r == 0, what);
	if (r)
		return;
	struct itimerspec v = its(20 * MS, 0);
	r = t_set(id, 0, &v, NULL);
	siginfo_t si;
	int got = r == 0 && wait_sig(sig, 5000, cpu, &si);
	snprintf(what, sizeof(what), "%s: signal came", name);
	check(got, what);
	if (got) {
		snprintf(what, sizeof(what), "%s: si_code SI_TIMER, si_timerid, si_value, si_overrun 0", name);
		check(si.si_code == SI_TIMER && si.si_timerid == id && si.si_value.sival_ptr == (void *)0x1234567890L &&
			      si.si_overrun == 0,
		      what);
	}
	struct itimerspec g;
	r = t_get(id, &g);
	snprintf(what, sizeof(what), "%s: disarmed after it expired", name);
	check(r == 0 && !g.it_value.tv_sec && !g.it_value.tv_nsec, what);
	t_delete(id);
}

static void *thread_clock_case(void *arg)
{
	(void)arg;
	clockid_t c;
	pthread_getcpuclockid(pthread_self(), &c);
	clock_case("pthread_getcpuclockid (a thread's)", c, 1);
	return NULL;
}

static void clocks(void)
{
	block(SIGRTMIN + 1);
	clock_case("CLOCK_REALTIME", CLOCK_REALTIME, 0);
	clock_case("CLOCK_MONOTONIC", CLOCK_MONOTONIC, 0);
	clock_case("CLOCK_BOOTTIME", CLOCK_BOOTTIME, 0);
	clock_case("CLOCK_TAI", CLOCK_TAI, 0);
	clock_case("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID, 1);
	clock_case("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID, 1);
	clockid_t mine;
	pthread_getcpuclockid(pthread_self(), &mine);
	clock_case("pthread_getcpuclockid (main)", mine, 1);
	pthread_t th;
	pthread_create(&th, NULL, thread_clock_case, NULL);
	pthread_join(th, NULL);
	/* The process's own CPU clock by pid (CPUCLOCK_SCHED), as clock_getcpuclockid makes it. */
	clock_case("own pid's CPU clock", (clockid_t)((~(unsigned)getpid() << 3) | 2), 1);

	int id;
	struct sigevent ev = sig_event(SIGRTMIN + 1, 0);
	/* The alarm clocks need CAP_WAKE_ALARM (and an RTC on Linux). */
	long clk[2] = {CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM};
	for (int i = 0; i < 2; i++) {
		long r = t_create(clk[i], &ev, &id);
		int e = errno;
		if (r == 0)
			t_delete(id);
		printf("%s_ALARM: %s\n", i ? "BOOTTIME" : "REALTIME",
		       r == 0 || e == EPERM || e == EOPNOTSUPP ? "created or refused" : err_name(e));
		/* Read as the clock it wakes for (the virtual node has an RTC). */
		struct timespec a, b;
		long g = clock_gettime((clockid_t)clk[i], &a);
		e = errno;
		clock_gettime(i ? CLOCK_BOOTTIME : CLOCK_REALTIME, &b);
		printf("clock_gettime(%s_ALARM): %s\n", i ? "BOOTTIME" : "REALTIME",
		       g ? err_name(e) : labs(b.tv_sec - a.tv_sec) <= 1 ? "its clock" : "another time");
	}
	long nots[3] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
	for (int i = 0; i < 3; i++)
		printf("clock %ld (no timers): %s\n", nots[i], res(t_create(nots[i], &ev, &id)));
	long bad[4] = {10, 12, 1000, -1 /* ~0 << 3 | 7: no CPU clock */};
	for (int i = 0; i < 4; i++)
		printf("clock %ld: %s\n", bad[i], res(t_create(bad[i], &ev, &id)));
	printf("a clock file descriptor: %s\n", res(t_create((clockid_t)((~1000u << 3) | 3), &ev, &id)));
}

static volatile int spinner_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!spinner_stop)
		;
	return NULL;
}

/* clock_gettime and clock_getres read the CPU-time clocks that glibc's
 * clock_getcpuclockid and pthread_getcpuclockid name: the process's, the
 * caller's own thread's and another thread's. (Not one of a thread that
 * ended: Linux may still find it for a moment after pthread_join.) */
static void cpu_clock_reads(void)
{
	clockid_t c;
	struct timespec ts;
	pthread_t th;
	int r = clock_getcpuclockid(getpid(), &c);
	check(r == 0, "clock_getcpuclockid(own pid)");
	check(!r && !syscall(SYS_clock_gettime, c, &ts) && (ts.tv_sec || ts.tv_nsec), "own pid's CPU clock reads");
	check(!r && !syscall(SYS_clock_getres, c, &ts), "own pid's CPU clock has a resolution");
	pthread_getcpuclockid(pthread_self(), &c);
	check(!syscall(SYS_clock_gettime, c, &ts) && (ts.tv_sec || ts.tv_nsec), "the main thread's CPU clock reads");
	pthread_create(&th, NULL, spinner, NULL);
	pthread_getcpuclockid(th, &c);
	struct timespec start = { 0, 0 }, later = { 0, 0 };
	syscall(SYS_clock_gettime, c, &start);
	for (int i = 0; i < 500 && !later.tv_sec && later.tv_nsec <= start.tv_nsec + 5 * MS; i++) {
		usleep(10000);
		syscall(SYS_clock_gettime, c, &later);
	}
	check(later.tv_sec || later.tv_nsec > start.tv_nsec, "another thread's CPU clock advances while it spins");
	spinner_stop = 1;
	pthread_join(th, NULL);
}

static void null_sigevent(void)
{
	int id = -1;
	block(SIGALRM);
	check(t_create(CLOCK_MONOTONIC, NULL, &id) == 0, "null sigevent: created");
	struct itimerspec v = its(10 * MS, 0);
	t_set(id, 0, &v, NULL);
	siginfo_t si;
	int got = wait_sig(SIGALRM, 5000, 0, &si);
	check(got && si.si_code == SI_TIMER && si.si_timerid == id && si.si_value.sival_int == id,
	      "null sigevent: SIGALRM, SI_TIMER, value is the id");
	t_delete(id);
}

static void sigev_none(void)
{
	int id = -1;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	check(t_create(CLOCK_MONOTONIC, &ev, &id) == 0, "SIGEV_NONE: created");
	struct itimerspec v = its(10000 * MS, 3500 * MS), g, old;
	t_set(id, 0, &v, NULL);
	t_get(id, &g);
	check(ns(&g.it_value) > 0 && ns(&g.it_value) <= 10000 * MS && ns(&g.it_interval) == 3500 * MS,
	      "SIGEV_NONE: gettime: interval as set, value left <= set");
	v = its(5 * MS, 0);
	t_set(id, 0, &v, &old);
	check(ns(&old.it_value) > 0 && ns(&old.it_value) <= 10000 * MS && ns(&old.it_interval) == 3500 * MS,
	      "SIGEV_NONE: settime's old value");
	usleep(30000);
	t_get(id, &g);
	check(!ns(&g.it_value) && !ns(&g.it_interval), "SIGEV_NONE: expired one-shot reads 0");
	v = its(1 * MS, 1 * MS);
	t_set(id, 0, &v, NULL);
	usleep(20000);
	t_get(id, &g);
	check(ns(&g.it_value) > 0 && ns(&g.it_value) <= 1 * MS, "SIGEV_NONE: interval goes on, left <= interval");
	printf("SIGEV_NONE: getoverrun %ld\n", t_overrun(id));
	t_delete(id);
}

static pid_t target_tid;
static sem_t ready;
static siginfo_t thread_si;
static int thread_got;

static void *receiver(void *arg)
{
	(void)arg;
	target_tid = gettid();
	sem_post(&ready);
	thread_got = wait_sig(SIGRTMIN + 2, 5000, 0, &thread_si);
	return NULL;
}

static void thread_id(void)
{
	block(SIGRTMIN + 2);
	sem_init(&ready, 0, 0);
	pthread_t th;
	pthread_create(&th, NULL, receiver, NULL);
	sem_wait(&ready);
	struct sigevent ev = sig_event(SIGRTMIN + 2, 77);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev._sigev_un._tid = target_tid;
	int id = -1;
	check(t_create(CLOCK_MONOTONIC, &ev, &id) == 0, "SIGEV_THREAD_ID: created");
	struct itimerspec v = its(20 * MS, 0);
	t_set(id, 0, &v, NULL);
	pthread_join(th, NULL);
	check(thread_got && thread_si.si_code == SI_TIMER && thread_si.si_timerid == id &&
		      thread_si.si_value.sival_int == 77,
	      "SIGEV_THREAD_ID: that thread took it, SI_TIMER, id, value");
	t_delete(id);

	ev._sigev_un._tid = 1;
	printf("SIGEV_THREAD_ID, tid of another process: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id)));
	ev._sigev_un._tid = 0;
	printf("SIGEV_THREAD_ID, tid 0: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id)));
	ev._sigev_un._tid = gettid();
	ev.sigev_signo = 0;
	printf("SIGEV_THREAD_ID, signal 0: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id)));
}

static sem_t fired;
static int thread_value;

static void notify_fn(union sigval v)
{
	thread_value = v.sival_int;
	sem_post(&fired);
}

static void sigev_thread(void)
{
	sem_init(&fired, 0, 0);
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = notify_fn;
	ev.sigev_value.sival_int = 4242;
	timer_t t;
	check(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "SIGEV_THREAD (glibc): created");
	struct itimerspec v = its(20 * MS, 0);
	timer_settime(t, 0, &v, NULL);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	int ok = sem_timedwait(&fired, &until) == 0;
	check(ok && thread_value == 4242, "SIGEV_THREAD (glibc): the function ran with the value");
	timer_delete(t);
}

static void abstime(void)
{
	int sig = SIGRTMIN + 3, id = -1;
	block(sig);
	struct sigevent ev = sig_event(sig, 5);
	t_create(CLOCK_MONOTONIC, &ev, &id);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* 1 s: a loaded emulator may take tens of ms between two calls. */
	struct itimerspec v = its(ns(&now) + 1000 * MS, 0), g;
	check(t_set(id, TIMER_ABSTIME, &v, NULL) == 0, "TIMER_ABSTIME (MONOTONIC): set");
	t_get(id, &g);
	check(ns(&g.it_value) > 0 && ns(&g.it_value) <= 1000 * MS, "TIMER_ABSTIME: gettime tells the time left");
	siginfo_t si;
	check(wait_sig(sig, 5000, 0, &si) && si.si_timerid == id, "TIMER_ABSTIME: signal at the time");
	v = its(ns(&now) - 1 * MS, 0);
	t_set(id, TIMER_ABSTIME, &v, NULL);
	check(wait_sig(sig, 5000, 0, &si), "TIMER_ABSTIME in the past: signal at once");
	t_delete(id);

	ev = sig_event(sig, 6);
	t_create(CLOCK_REALTIME, &ev, &id);
	clock_gettime(CLOCK_REALTIME, &now);
	v = its(ns(&now) + 30 * MS, 0);
	t_set(id, TIMER_ABSTIME, &v, NULL);
	check(wait_sig(sig, 5000, 0, &si) && si.si_value.sival_int == 6, "TIMER_ABSTIME (REALTIME): signal");
	t_delete(id);
}

static void intervals(void)
{
	int sig = SIGRTMIN + 4, id = -1;
	block(sig);
	struct sigevent ev = sig_event(sig, 9);
	t_create(CLOCK_MONOTONIC, &ev, &id);
	struct itimerspec v = its(2 * MS, 2 * MS), g, zero = its(0, 0);
	t_set(id, 0, &v, NULL);
	usleep(100000);
	siginfo_t si;
	int got = wait_sig(sig, 5000, 0, &si);
	check(got && si.si_timerid == id, "interval, signal blocked: it came");
	check(got && si.si_overrun >= 1, "interval, signal blocked: si_overrun >= 1");
	check(t_overrun(id) >= 1, "interval: timer_getoverrun >= 1");
	t_get(id, &g);
	check(ns(&g.it_interval) == 2 * MS && ns(&g.it_value) > 0 && ns(&g.it_value) <= 2 * MS,
	      "interval: gettime: interval as set, left <= interval");
	t_set(id, 0, &zero, NULL);
	wait_sig(sig, 0, 0, &si); /* one may have come since */
	sigset_t pend;
	sigpending(&pend);
	check(!sigismember(&pend, sig), "interval: one signal at a time, none after disarming");
	t_get(id, &g);
	check(!ns(&g.it_value) && !ns(&g.it_interval), "interval: disarmed reads 0");
	check(t_overrun(id) == 0, "interval: settime resets the overrun count");
	usleep(20000);
	sigpending(&pend);
	check(!sigismember(&pend, sig), "disarmed: no signal");
	t_delete(id);

	/* Two timers, one real-time signal: both instances queue. */
	int a = -1, b = -1;
	ev = sig_event(sig, 1);
	t_create(CLOCK_MONOTONIC, &ev, &a);
	ev = sig_event(sig, 2);
	t_create(CLOCK_MONOTONIC, &ev, &b);
	v = its(5 * MS, 0);
	t_set(a, 0, &v, NULL);
	t_set(b, 0, &v, NULL);
	usleep(50000);
	siginfo_t s1, s2;
	int n = wait_sig(sig, 1000, 0, &s1) + wait_sig(sig, 1000, 0, &s2);
	check(n == 2 && s1.si_timerid != s2.si_timerid && s1.si_value.sival_int + s2.si_value.sival_int == 3,
	      "two timers on one real-time signal: two queued");
	t_delete(a);
	t_delete(b);
}

static void errors(void)
{
	int id = -1, id2;
	struct sigevent ev = sig_event(SIGRTMIN + 1, 0);
	ev.sigev_notify = SIGEV_NONE; /* nothing left pending if a slow run lets it expire */
	t_create(CLOCK_MONOTONIC, &ev, &id);
	struct itimerspec v = its(1000 * MS, 0), g;
	v.it_value.tv_nsec = 1000000000;
	printf("settime tv_nsec 1e9: %s\n", res(t_set(id, 0, &v, NULL)));
	v.it_value.tv_nsec = -1;
	printf("settime tv_nsec -1: %s\n", res(t_set(id, 0, &v, NULL)));
	v = its(1000 * MS, 0);
	v.it_interval.tv_nsec = 1000000000;
	printf("settime interval tv_nsec 1e9: %s\n", res(t_set(id, 0, &v, NULL)));
	v = its(1000 * MS, 0);
	v.it_value.tv_sec = -1;
	printf("settime tv_sec -1: %s\n", res(t_set(id, 0, &v, NULL)));
	printf("settime null value: %s\n", res(t_set(id, 0, NULL, NULL)));
	printf("settime bad value pointer: %s\n", res(t_set(id, 0, (void *)8, NULL)));
	v = its(1000 * MS, 0);
	printf("settime bad old pointer: %s\n", res(t_set(id, 0, &v, (void *)8)));
	t_get(id, &g);
	check(ns(&g.it_value) > 0 && ns(&g.it_value) <= 1000 * MS, "settime bad old pointer: the timer is set");
	printf("gettime bad pointer: %s\n", res(t_get(id, (void *)8)));
	printf("settime unknown id: %s\n", res(t_set(99999, 0, &v, NULL)));
	printf("gettime unknown id: %s\n", res(t_get(99999, &g)));
	printf("getoverrun unknown id: %s\n", res(t_overrun(99999) < 0 ? -1 : 0));
	printf("delete: %s\n", res(t_delete(id)));
	printf("gettime after delete: %s\n", res(t_get(id, &g)));
	printf("delete again: %s\n", res(t_delete(id)));
	printf("delete unknown id: %s\n", res(t_delete(12345)));
	printf("create bad sigevent pointer: %s\n", res(t_create(CLOCK_MONOTONIC, (void *)8, &id2)));
	printf("create bad id pointer: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, (void *)8)));
	ev = sig_event(SIGRTMIN + 1, 0);
	printf("create SIGEV_SIGNAL: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id2)));
	t_delete(id2);
	ev = sig_event(0, 0);
	printf("create signal 0: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id2)));
	ev = sig_event(65, 0);
	printf("create signal 65: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id2)));
	ev = sig_event(SIGUSR1, 0);
	ev.sigev_notify = 99;
	printf("create notify 99: %s\n", res(t_create(CLOCK_MONOTONIC, &ev, &id2)));
	ev.sigev_notify = SIGEV_THREAD; /* the kernel's view: a signal to the process */
	long r = t_create(CLOCK_MONOTONIC, &ev, &id2);
	printf("create raw SIGEV_THREAD: %s\n", res(r));
	if (r == 0)
		t_delete(id2);
}

static void fork_case(void)
{
	int id = -1;
	struct sigevent ev = sig_event(SIGRTMIN + 1, 0);
	t_create(CLOCK_MONOTONIC, &ev, &id);
	struct itimerspec v = its(10000 * MS, 0), g;
	t_set(id, 0, &v, NULL);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		long r = t_get(id, &g);
		int e = errno;
		long o = t_overrun(id);
		_exit(r == -1 && e == EINVAL && o == -1 && errno == EINVAL ? 0 : 1);
	}
	int status = 0;
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork: the child has not its parent's timer (EINVAL)");
	check(t_get(id, &g) == 0 && ns(&g.it_value) > 0, "fork: the parent's is still there");
	t_delete(id);
}

/* After the execve: the timer set before it is gone and never fires. */
static int after_exec(int id)
{
	struct itimerspec g;
	printf("after execve: gettime of the old id: %s\n", res(t_get(id, &g)));
	usleep(300000); /* the old timer was due 100 ms after the exec began */
	printf("after execve: no signal from the old timer\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "after-exec"))
		return after_exec(atoi(argv[2]));
	clocks();
	cpu_clock_reads();
	null_sigevent();
	sigev_none();
	thread_id();
	sigev_thread();
	abstime();
	intervals();
	errors();
	fork_case();
	if (failures)
		return 1;

	/* SIGALRM by default ends the process: it would show if the timer survived. */
	int id = -1;
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	struct sigevent ev = sig_event(SIGALRM, 0);
	t_create(CLOCK_MONOTONIC, &ev, &id);
	struct itimerspec v = its(100 * MS, 0);
	t_set(id, 0, &v, NULL);
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", id);
	fflush(stdout);
	execl(argv[0], argv[0], "after-exec", arg, (char *)NULL);
	printf("execve: %s\n", strerror(errno));
	return 1;
}
