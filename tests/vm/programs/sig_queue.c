// SPDX-License-Identifier: GPL-2.0
/*
 * sig_queue: real-time signals queue, standard ones coalesce, and the sender
 * calls check their arguments as on Linux; one line per case, the same
 * natively and under mcexec (tests/vm/test_process.sh). Cases: instances of
 * real-time signals sent with sigqueue, kill and tgkill while blocked are all
 * taken, each with its own value, lowest signal first and in the order sent;
 * a standard signal sent three times is pending once (with the first
 * sender's siginfo); handlers see the same order when the signals are
 * unblocked; SIG_IGN discards the queued ones; RLIMIT_SIGPENDING: sigqueue,
 * rt_tgsigqueueinfo and tgkill of a real-time signal get EAGAIN at the limit,
 * kill and standard signals do not (they lose their siginfo); tgkill and tkill: a tid of another
 * process (or with the wrong tgid) gives ESRCH, one of another process with
 * its tgid reaches it, a bad tid, tgid or signal EINVAL, a tid nobody has
 * ESRCH; a bad siginfo pointer EFAULT. Exits 1 if a case differs from
 * Linux's answer as this file states it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

static long sys_tgkill(long tgid, long tid, long sig) { return syscall(SYS_tgkill, tgid, tid, sig); }
static long sys_tkill(long tid, long sig) { return syscall(SYS_tkill, tid, sig); }

/* The result as "0" or the errno's name. */
static const char *res(long r)
{
	if (r == 0)
		return "0";
	switch (errno) {
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	default: return strerror(errno);
	}
}

static void expect(const char *what, long r, const char *want)
{
	char line[200];
	const char *got = res(r);
	snprintf(line, sizeof(line), "%s: %s (Linux: %s)", what, got, want);
	check(strcmp(got, want) == 0, line);
}

static int queue(int sig, int value)
{
	union sigval v = {.sival_int = value};
	return sigqueue(getpid(), sig, v);
}

/* Take every pending signal of @set now; print them as "sig:value ...". */
static void drain(const sigset_t *set, char *out, size_t len)
{
	struct timespec zero = {0, 0};
	siginfo_t si;
	int sig;
	out[0] = 0;
	while ((sig = sigtimedwait(set, &si, &zero)) > 0) {
		char one[32];
		int n = sig < SIGRTMIN ? sig : sig - SIGRTMIN;
		if (si.si_code == SI_QUEUE)
			snprintf(one, sizeof(one), "%s%d:%d", out[0] ? " " : "", n, si.si_value.sival_int);
		else
			snprintf(one, sizeof(one), "%s%d:code%d", out[0] ? " " : "", n, si.si_code);
		strncat(out, one, len - strlen(out) - 1);
	}
}

static char order[256];
static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char one[32];
	snprintf(one, sizeof(one), "%s%d:%d", order[0] ? " " : "", sig - SIGRTMIN, si->si_value.sival_int);
	strncat(order, one, sizeof(order) - strlen(order) - 1);
}

static void test_queueing(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 1);
	sigaddset(&set, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	queue(SIGRTMIN + 2, 1);
	queue(SIGRTMIN + 2, 2);
	kill(getpid(), SIGRTMIN + 2);
	queue(SIGRTMIN + 2, 3);
	queue(SIGRTMIN + 1, 10);
	sys_tgkill(getpid(), syscall(SYS_gettid), SIGRTMIN + 1);
	queue(SIGRTMIN + 1, 11);
	kill(getpid(), SIGUSR1);
	queue(SIGUSR1, 5);
	kill(getpid(), SIGUSR1);
	char got[256];
	drain(&set, got, sizeof(got));
	/*
	 * The thread's own (tgkill) before the process's; then lowest first, in
	 * order sent. (glibc's sigtimedwait shows tgkill's SI_TKILL as SI_USER.)
	 */
	const char *want = "1:code0 10:code0 1:10 1:11 2:1 2:2 2:code0 2:3";
	char line[400];
	snprintf(line, sizeof(line), "queued while blocked, taken by sigtimedwait: %s (Linux: %s)", got, want);
	check(strcmp(got, want) == 0, line);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask); /* one handler at a time: the order is the delivery order */
	sigaction(SIGRTMIN + 1, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	queue(SIGRTMIN + 2, 7);
	queue(SIGRTMIN + 1, 8);
	queue(SIGRTMIN + 2, 9);
	queue(SIGRTMIN + 1, 6);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	want = "1:8 1:6 2:7 2:9";
	snprintf(line, sizeof(line), "handlers after unblocking: %s (Linux: %s)", order, want);
	check(strcmp(order, want) == 0, line);

	sigprocmask(SIG_BLOCK, &set, NULL);
	queue(SIGRTMIN + 2, 1);
	queue(SIGRTMIN + 2, 2);
	signal(SIGRTMIN + 2, SIG_IGN);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sigset_t pend;
	sigpending(&pend);
	check(!sigismember(&pend, SIGRTMIN + 2), "SIG_IGN discards queued instances");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGRTMIN + 1, SIG_DFL);
	signal(SIGRTMIN + 2, SIG_DFL);
}

/* In a child of a user of its own when root: Linux counts the signals pending for all of a user's processes. */
static void limit_cases(void);
static void test_limit(void)
{
	if (getuid() != 0) {
		printf("skipped: RLIMIT_SIGPENDING cases (not root)\n");
		return;
	}
	pid_t child = fork();
	if (child == 0) {
		if (setgid(54321) || setuid(54321))
			_exit(2);
		limit_cases();
		_exit(failures ? 1 : 0);
	}
	int status;
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "RLIMIT_SIGPENDING cases, as another user");
}

static void limit_cases(void)
{
	struct rlimit old;
	getrlimit(RLIMIT_SIGPENDING, &old);
	struct rlimit lim = {0, old.rlim_max}; /* we may not raise the hard limit again */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();

	setrlimit(RLIMIT_SIGPENDING, &lim);
	expect("RLIMIT_SIGPENDING 0: sigqueue of a real-time signal", queue(SIGRTMIN + 3, 1), "EAGAIN");
	expect("RLIMIT_SIGPENDING 0: tgkill of a real-time signal",
	       sys_tgkill(getpid(), syscall(SYS_gettid), SIGRTMIN + 3), "EAGAIN");
	expect("RLIMIT_SIGPENDING 0: rt_tgsigqueueinfo",
	       syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGRTMIN + 3, &si), "EAGAIN");
	expect("RLIMIT_SIGPENDING 0: kill of a real-time signal", kill(getpid(), SIGRTMIN + 3), "0");
	expect("RLIMIT_SIGPENDING 0: sigqueue of a standard signal", queue(SIGUSR2, 1), "0");
	char got[256], line[400];
	drain(&set, got, sizeof(got));
	snprintf(line, sizeof(line), "RLIMIT_SIGPENDING 0: what kill and the standard signal left: %s", got);
	/* Both kept, without their siginfo (Linux: "silent loss of information"). */
	check(strcmp(got, "12:code0 3:code0") == 0, line);

	lim.rlim_cur = 2;
	setrlimit(RLIMIT_SIGPENDING, &lim);
	long r1 = queue(SIGRTMIN + 3, 1), r2 = queue(SIGRTMIN + 3, 2), r3 = queue(SIGRTMIN + 3, 3);
	snprintf(line, sizeof(line), "RLIMIT_SIGPENDING 2: three sigqueues: %s %s", res(r1), res(r2));
	check(r1 == 0 && r2 == 0, line);
	expect("RLIMIT_SIGPENDING 2: the third", r3, "EAGAIN");
	drain(&set, got, sizeof(got));
	check(strcmp(got, "3:1 3:2") == 0, "RLIMIT_SIGPENDING 2: the two queued are there");
	expect("after taking them, sigqueue again", queue(SIGRTMIN + 3, 4), "0");
	drain(&set, got, sizeof(got));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	setrlimit(RLIMIT_SIGPENDING, &old);
}

static int pipe_fds[2], release_fds[2];
/* Tells its tid, then waits until released. */
static void *sleeper(void *arg)
{
	(void)arg;
	pid_t tid = syscall(SYS_gettid);
	char c;
	if (write(pipe_fds[1], &tid, sizeof(tid)) != sizeof(tid) || read(release_fds[0], &c, 1) != 1)
		exit(2);
	return NULL;
}

static void test_tgkill(void)
{
	expect("tkill(-1)", sys_tkill(-1, SIGUSR1), "EINVAL");
	expect("tkill(0)", sys_tkill(0, SIGUSR1), "EINVAL");
	expect("tgkill(0, self)", sys_tgkill(0, syscall(SYS_gettid), 0), "EINVAL");
	expect("tgkill(-1, self)", sys_tgkill(-1, syscall(SYS_gettid), 0), "EINVAL");
	expect("tgkill(pid, -1)", sys_tgkill(getpid(), -1, 0), "EINVAL");
	expect("tgkill(pid, self, 65)", sys_tgkill(getpid(), syscall(SYS_gettid), 65), "EINVAL");
	expect("tkill(self, -1)", sys_tkill(syscall(SYS_gettid), -1), "EINVAL");
	expect("tkill of a tid nobody has (0x7ffffff0)", sys_tkill(0x7ffffff0, 0), "ESRCH");
	expect("tgkill of a tid nobody has (0x7ffffff0)", sys_tgkill(getpid(), 0x7ffffff0, 0), "ESRCH");
	expect("tgkill of a tid nobody has, bad signal", sys_tgkill(getpid(), 0x7ffffff0, 65), "ESRCH");

	/* Another process with two threads: its main thread and the other one. */
	if (pipe(pipe_fds) || pipe(release_fds))
		exit(2);
	pid_t child = fork();
	if (child == 0) {
		pthread_t th;
		pthread_create(&th, NULL, sleeper, NULL);
		pause();
		_exit(0);
	}
	pid_t other;
	if (read(pipe_fds[0], &other, sizeof(other)) != sizeof(other))
		exit(2);
	expect("tgkill(pid, the child's main thread)", sys_tgkill(getpid(), child, 0), "ESRCH");
	expect("tgkill(pid, the child's other thread)", sys_tgkill(getpid(), other, 0), "ESRCH");
	expect("tgkill(child, child)", sys_tgkill(child, child, 0), "0");
	expect("tgkill(child, its other thread)", sys_tgkill(child, other, 0), "0");
	expect("tgkill(child, our own tid)", sys_tgkill(child, syscall(SYS_gettid), 0), "ESRCH");
	expect("tkill(the child's other thread)", sys_tkill(other, 0), "0");
	expect("tgkill(child, its other thread, SIGTERM)", sys_tgkill(child, other, SIGTERM), "0");
	int status;
	waitpid(child, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "the child ended by that SIGTERM");
	close(pipe_fds[0]);
	close(pipe_fds[1]);

	/* A thread of our own. */
	if (pipe(pipe_fds))
		exit(2);
	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL);
	if (read(pipe_fds[0], &other, sizeof(other)) != sizeof(other))
		exit(2);
	expect("tgkill(pid, our other thread)", sys_tgkill(getpid(), other, 0), "0");
	expect("tkill(our other thread)", sys_tkill(other, 0), "0");
	if (write(release_fds[1], "x", 1) != 1)
		exit(2);
	pthread_join(th, NULL);
}

static void test_hostile(void)
{
	expect("rt_sigqueueinfo with a bad siginfo pointer",
	       syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *)1), "EFAULT");
	expect("rt_tgsigqueueinfo with a bad siginfo pointer",
	       syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR1, (void *)1), "EFAULT");
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	expect("rt_sigqueueinfo signal 65", syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si), "EINVAL");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_queueing();
	test_limit();
	test_tgkill();
	test_hostile();
	return failures ? 1 : 0;
}
