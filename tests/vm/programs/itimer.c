// SPDX-License-Identifier: GPL-2.0
/*
 * itimer: interval timers and alarm as Linux has them; one line per case, the
 * same natively and under mcexec (tests/vm/test_process.sh), where they run
 * on the LWK's clocks. Cases: no timer at start; getitimer right after
 * setitimer tells the interval as set and no more time than set (LTP
 * getitimer01); SIGALRM comes at the interval, again and again; setitimer's
 * old value; alarm's return (rounded to the second); alarm ends pause;
 * timers are not inherited by fork; ITIMER_PROF and ITIMER_VIRTUAL expire
 * after the CPU time set; the ITIMER_REAL set before an execve is there after
 * it (and then a new alarm fires); bad which, values and pointers give
 * EINVAL and EFAULT. Exits 1 if a case differs from Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static const char *res(long r)
{
	if (r == 0)
		return "0";
	return errno == EINVAL ? "EINVAL" : errno == EFAULT ? "EFAULT" : strerror(errno);
}

static void expect(const char *what, long r, const char *want)
{
	char line[200];
	const char *got = res(r);
	snprintf(line, sizeof(line), "%s: %s (Linux: %s)", what, got, want);
	check(strcmp(got, want) == 0, line);
}

static volatile sig_atomic_t alarms, profs, vtalrms;
static void on_signal(int sig)
{
	if (sig == SIGALRM)
		alarms++;
	else if (sig == SIGPROF)
		profs++;
	else if (sig == SIGVTALRM)
		vtalrms++;
}

static void handle(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(sig, &sa, NULL);
}

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long us(const struct timeval *tv) { return tv->tv_sec * 1000000L + tv->tv_usec; }

static void set(int which, long value_us, long interval_us, struct itimerval *old)
{
	struct itimerval v = {{interval_us / 1000000, interval_us % 1000000}, {value_us / 1000000, value_us % 1000000}};
	if (setitimer(which, &v, old))
		printf("FAIL: setitimer(%d): %s\n", which, strerror(errno));
}

static void test_real(void)
{
	struct itimerval v;
	for (int which = 0; which < 3; which++) {
		getitimer(which, &v);
		char line[100];
		snprintf(line, sizeof(line), "timer %d not armed at start", which);
		check(!us(&v.it_value) && !us(&v.it_interval), line);
		set(which, 100010000, 100010000, NULL);
		getitimer(which, &v);
		snprintf(line, sizeof(line), "timer %d: interval as set, value no more than set, nearly all of it", which);
		check(us(&v.it_interval) == 100010000 && us(&v.it_value) <= 100010000 + (which ? 10000 : 0) &&
			      us(&v.it_value) > 90000000,
		      line);
		struct itimerval old;
		set(which, 0, 0, &old);
		snprintf(line, sizeof(line), "timer %d: disarming tells the old value", which);
		check(us(&old.it_interval) == 100010000 && us(&old.it_value) > 90000000, line);
		getitimer(which, &v);
		snprintf(line, sizeof(line), "timer %d: disarmed", which);
		check(!us(&v.it_value) && !us(&v.it_interval), line);
	}

	handle(SIGALRM);
	alarms = 0;
	double start = now(CLOCK_MONOTONIC);
	set(ITIMER_REAL, 50000, 50000, NULL);
	while (alarms < 3 && now(CLOCK_MONOTONIC) - start < 20)
		pause();
	double took = now(CLOCK_MONOTONIC) - start;
	set(ITIMER_REAL, 0, 0, NULL);
	check(alarms >= 3 && took >= 0.15, "ITIMER_REAL of 50 ms repeating: three SIGALRM, not before 150 ms");
}

static void test_alarm(void)
{
	handle(SIGALRM);
	check(alarm(5) == 0, "alarm(5) with none set returns 0");
	check(alarm(0) == 5, "alarm(0) right after returns 5 (rounded)");
	check(alarm(0) == 0, "then 0");
	struct itimerval v;
	alarm(7);
	getitimer(ITIMER_REAL, &v);
	check(us(&v.it_value) <= 7000000 && us(&v.it_value) > 6000000 && !us(&v.it_interval), "alarm is ITIMER_REAL");
	alarm(0);
	alarms = 0;
	alarm(1);
	errno = 0;
	int r = pause();
	check(r == -1 && errno == EINTR && alarms == 1, "alarm(1) ends pause with SIGALRM");

	alarm(100);
	pid_t child = fork();
	if (child == 0) {
		struct itimerval c;
		getitimer(ITIMER_REAL, &c);
		_exit(alarm(0) == 0 && !us(&c.it_value) ? 0 : 1);
	}
	int status;
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a fork child has no alarm");
	unsigned left = alarm(0);
	check(left >= 90 && left <= 100, "the parent's alarm is still set");
}

static void spin_cpu(volatile sig_atomic_t *until, double max_s)
{
	double start = now(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;
	while (!*until && now(CLOCK_MONOTONIC) - start < max_s)
		for (int i = 0; i < 100000; i++)
			x += i;
}

static void test_cpu(void)
{
	handle(SIGPROF);
	handle(SIGVTALRM);
	profs = 0;
	double cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
	set(ITIMER_PROF, 200000, 0, NULL);
	spin_cpu(&profs, 60);
	double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	check(profs == 1 && cpu >= 0.19, "ITIMER_PROF of 200 ms: SIGPROF after 200 ms of CPU time");
	vtalrms = 0;
	cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
	set(ITIMER_VIRTUAL, 200000, 0, NULL);
	spin_cpu(&vtalrms, 60);
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	check(vtalrms == 1 && cpu >= 0.19, "ITIMER_VIRTUAL of 200 ms: SIGVTALRM after 200 ms of CPU time");
	/* Sleeping takes no CPU time: a PROF timer does not expire meanwhile. */
	profs = 0;
	set(ITIMER_PROF, 500000, 0, NULL);
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL);
	struct itimerval v;
	getitimer(ITIMER_PROF, &v);
	check(profs == 0 && us(&v.it_value) > 300000, "ITIMER_PROF does not run while the process sleeps");
	set(ITIMER_PROF, 0, 0, NULL);
}

static void test_hostile(void)
{
	struct itimerval v = {{0, 0}, {1, 0}}, o;
	expect("getitimer(3)", syscall(SYS_getitimer, 3, &o), "EINVAL");
	expect("getitimer(-1)", syscall(SYS_getitimer, -1, &o), "EINVAL");
	expect("getitimer(3, bad pointer)", syscall(SYS_getitimer, 3, (void *)1), "EINVAL");
	expect("getitimer(REAL, bad pointer)", syscall(SYS_getitimer, ITIMER_REAL, (void *)1), "EFAULT");
	expect("getitimer(REAL, kernel address)", syscall(SYS_getitimer, ITIMER_REAL, (void *)0xffffffff81000000ul),
	       "EFAULT");
	expect("setitimer(3)", syscall(SYS_setitimer, 3, &v, NULL), "EINVAL");
	expect("setitimer(REAL, bad pointer)", syscall(SYS_setitimer, ITIMER_REAL, (void *)1, NULL), "EFAULT");
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	expect("setitimer: usec 1000000", syscall(SYS_setitimer, ITIMER_REAL, &bad, NULL), "EINVAL");
	bad.it_value.tv_usec = -1;
	expect("setitimer: usec -1", syscall(SYS_setitimer, ITIMER_REAL, &bad, NULL), "EINVAL");
	bad.it_value.tv_usec = 0;
	bad.it_value.tv_sec = -1;
	expect("setitimer: sec -1", syscall(SYS_setitimer, ITIMER_REAL, &bad, NULL), "EINVAL");
	bad.it_value.tv_sec = 1;
	bad.it_interval.tv_usec = 1000000;
	expect("setitimer: interval usec 1000000", syscall(SYS_setitimer, ITIMER_REAL, &bad, NULL), "EINVAL");
	v.it_value.tv_sec = 50;
	expect("setitimer: bad old-value pointer", syscall(SYS_setitimer, ITIMER_REAL, &v, (void *)1), "EFAULT");
	getitimer(ITIMER_REAL, &o);
	check(o.it_value.tv_sec >= 40, "the timer is set all the same");
	expect("setitimer(REAL, NULL) disarms", syscall(SYS_setitimer, ITIMER_REAL, NULL, &o), "0");
	check(o.it_value.tv_sec >= 40, "and tells the old value");
	getitimer(ITIMER_REAL, &o);
	check(!us(&o.it_value), "disarmed");
	v.it_value.tv_sec = 0x7fffffffffffffffl;
	expect("setitimer: the largest value", syscall(SYS_setitimer, ITIMER_REAL, &v, NULL), "0");
	getitimer(ITIMER_REAL, &o);
	check(o.it_value.tv_sec > 1000000000, "is a timer far away");
	setitimer(ITIMER_REAL, &(struct itimerval){{0, 0}, {0, 0}}, NULL);
}

/* After the execve: the timer set before it, then a new alarm. */
static int after_exec(void)
{
	handle(SIGALRM);
	struct itimerval v;
	getitimer(ITIMER_REAL, &v);
	check(v.it_value.tv_sec >= 20 && us(&v.it_value) <= 30000000, "ITIMER_REAL survives execve");
	alarms = 0;
	alarm(1);
	pause();
	check(alarms == 1, "and a new alarm fires after it");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "after-exec"))
		return after_exec();
	test_real();
	test_alarm();
	test_cpu();
	test_hostile();
	if (failures)
		return 1;
	set(ITIMER_REAL, 30000000, 0, NULL);
	execl(argv[0], argv[0], "after-exec", (char *)NULL);
	perror("execl");
	return 1;
}
