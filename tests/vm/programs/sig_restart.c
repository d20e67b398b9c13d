// SPDX-License-Identifier: GPL-2.0
/*
 * sig_restart: a signal that comes while a thread is blocked in a system call,
 * one line per case, the same natively and under mcexec (tests/vm/test_process.sh).
 * Linux's rules: a handler with SA_RESTART restarts read, wait4 and futex
 * waits, without it they fail with EINTR; poll, pause and nanosleep fail with
 * EINTR whatever the handler. Under mcexec read, wait4, poll and pause run on
 * Linux (offloaded) and futex and nanosleep on the LWK; the signal comes from
 * another process (through Linux and mcexec) or from a thread of the same
 * process (on the LWK). Also: signals mcexec did not pass on before (a
 * real-time signal, SIGILL and SIGPROF sent with kill) reach the handler;
 * sigsuspend, sigtimedwait (the signal taken, not handled; a blocked SIGCHLD
 * kept although its action ignores it; the time limit) and the sender's pid
 * and uid in the handler's siginfo; sigqueue's value, to itself, to one of
 * its threads and from another process; bad pointers and sizes to the signal
 * calls that run on the LWK.
 *
 * The sender waits SETTLE_MS before it signals, so the receiver is blocked
 * by then; the results do not depend on the timing otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SETTLE_MS 1000

static volatile sig_atomic_t handled;
static void on_signal(int sig) { handled = sig; }

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void set_handler(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	handled = 0;
}

static const char *outcome(long r, int err)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof(buf), "returned %ld", r);
	else
		snprintf(buf, sizeof(buf), "failed: %s", err == EINTR ? "EINTR" : strerror(err));
	return buf;
}

/* A child that signals us after SETTLE_MS and, if @fd >= 0, writes a byte there after as long again. */
static pid_t signaller(int sig, int fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(SETTLE_MS);
		kill(getppid(), sig);
		if (fd >= 0) {
			sleep_ms(SETTLE_MS);
			if (write(fd, "x", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* read() of a pipe, signalled from another process. */
static void read_case(const char *name, int flags)
{
	int p[2];
	char c;
	if (pipe(p))
		exit(1);
	set_handler(SIGUSR1, flags);
	pid_t pid = signaller(SIGUSR1, p[1]);
	long r = read(p[0], &c, 1);
	int err = errno;
	printf("%s: read %s, handler ran: %s\n", name, outcome(r, err), handled == SIGUSR1 ? "yes" : "no");
	reap(pid);
	close(p[0]);
	close(p[1]);
}

/* poll() and pause(), which Linux never restarts after a handler. */
static void poll_case(void)
{
	int p[2];
	if (pipe(p))
		exit(1);
	set_handler(SIGUSR1, SA_RESTART);
	pid_t pid = signaller(SIGUSR1, p[1]);
	struct pollfd pf = {p[0], POLLIN, 0};
	long r = poll(&pf, 1, -1);
	int err = errno;
	printf("poll with SA_RESTART: %s, handler ran: %s\n", outcome(r, err), handled == SIGUSR1 ? "yes" : "no");
	reap(pid);
	close(p[0]);
	close(p[1]);

	set_handler(SIGUSR2, SA_RESTART);
	pid = signaller(SIGUSR2, -1);
	r = pause();
	err = errno;
	printf("pause: %s, handler ran: %s\n", outcome(r, err), handled == SIGUSR2 ? "yes" : "no");
	reap(pid);
}

/* waitpid() for a child that ends after a second one signals us. */
static void wait_case(const char *name, int flags)
{
	set_handler(SIGUSR1, flags);
	pid_t slow = fork();
	if (slow == 0) {
		sleep_ms(3 * SETTLE_MS);
		_exit(7);
	}
	pid_t pid = signaller(SIGUSR1, -1);
	int status = 0;
	long r = waitpid(slow, &status, 0);
	int err = errno;
	printf("%s: waitpid %s, handler ran: %s", name, r == slow ? "returned the child" : outcome(r, err),
	       handled == SIGUSR1 ? "yes" : "no");
	if (r == slow)
		printf(", status %d", WEXITSTATUS(status));
	printf("\n");
	if (r != slow)
		reap(slow);
	reap(pid);
}

/* nanosleep, interrupted: EINTR even with SA_RESTART, with the time left. */
static void sleep_case(void)
{
	set_handler(SIGUSR1, SA_RESTART);
	pid_t pid = signaller(SIGUSR1, -1);
	struct timespec ts = {30, 0}, left = {0, 0};
	long r = nanosleep(&ts, &left);
	int err = errno;
	printf("nanosleep with SA_RESTART: %s, handler ran: %s, time left: %s\n", outcome(r, err),
	       handled == SIGUSR1 ? "yes" : "no", left.tv_sec > 0 && left.tv_sec < 30 ? "some" : "none");
	reap(pid);
}

/* A thread of the same process signals one blocked in read() or a futex wait. */
static int g_pipe[2];
static volatile int g_word;
static long g_result;
static int g_errno;

static void *reader(void *arg)
{
	char c;
	(void)arg;
	g_result = read(g_pipe[0], &c, 1);
	g_errno = errno;
	return NULL;
}

static void *futex_waiter(void *arg)
{
	(void)arg;
	g_result = syscall(SYS_futex, &g_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	g_errno = errno;
	return NULL;
}

static void *blocked_poller(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	struct pollfd pf = {g_pipe[0], POLLIN, 0};
	g_result = poll(&pf, 1, 3 * SETTLE_MS);
	g_errno = errno;
	return NULL;
}

static void thread_case(const char *name, int flags, void *(*body)(void *))
{
	pthread_t t;
	set_handler(SIGUSR1, flags);
	if (pipe(g_pipe))
		exit(1);
	g_word = 0;
	g_result = -2;
	pthread_create(&t, NULL, body, NULL);
	sleep_ms(SETTLE_MS);
	pthread_kill(t, SIGUSR1);
	sleep_ms(SETTLE_MS);
	int done = g_result != -2; /* still blocked after the handler: restarted */
	if (write(g_pipe[1], "x", 1) != 1)
		exit(1);
	g_word = 1;
	syscall(SYS_futex, &g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(t, NULL);
	printf("%s: %s, %s, handler ran: %s\n", name, done ? "ended at the signal" : "went on after the signal",
	       outcome(g_result, g_errno), handled == SIGUSR1 ? "yes" : "no");
	close(g_pipe[0]);
	close(g_pipe[1]);
}

/* Signals from another process that used to end mcexec instead of reaching the handler. */
static void other_signals(void)
{
	int sigs[] = {SIGRTMIN + 1, SIGRTMAX - 1, SIGILL, SIGPROF, SIGURG};
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int p[2];
		char c;
		if (pipe(p))
			exit(1);
		set_handler(sigs[i], SA_RESTART);
		pid_t pid = signaller(sigs[i], p[1]);
		long r = read(p[0], &c, 1);
		int err = errno;
		printf("signal %s from another process: read %s, handler ran: %s\n",
		       sigs[i] >= SIGRTMIN ? (sigs[i] == SIGRTMIN + 1 ? "SIGRTMIN+1" : "SIGRTMAX-1") : strsignal(sigs[i]),
		       outcome(r, err), handled == sigs[i] ? "yes" : "no");
		reap(pid);
		close(p[0]);
		close(p[1]);
	}
}

static void set_info_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static volatile pid_t g_sender;
static volatile uid_t g_sender_uid;
static void on_info(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	handled = sig;
	g_sender = si->si_pid;
	g_sender_uid = si->si_uid;
}

/* sigsuspend, sigtimedwait and the sender in siginfo. */
static void wait_for_signals(void)
{
	sigset_t usr1, old, none;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);

	set_info_handler(SIGUSR1, on_info);
	handled = 0;
	sigprocmask(SIG_BLOCK, &usr1, &old);
	pid_t pid = signaller(SIGUSR1, -1);
	long r = sigsuspend(&none);
	int err = errno;
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	printf("sigsuspend: %s, handler ran: %s, sender's pid: %s, uid: %s, mask after: %s\n", outcome(r, err),
	       handled == SIGUSR1 ? "yes" : "no", g_sender == pid ? "right" : "wrong",
	       g_sender_uid == getuid() ? "right" : "wrong", sigismember(&now, SIGUSR1) ? "restored" : "lost");
	reap(pid);

	handled = 0;
	pid = signaller(SIGUSR1, -1);
	siginfo_t si;
	r = sigwaitinfo(&usr1, &si);
	printf("sigwaitinfo: %s, handler ran: %s, si_pid: %s\n", r == SIGUSR1 ? "SIGUSR1" : outcome(r, errno),
	       handled ? "yes" : "no", si.si_pid == pid ? "right" : "wrong");
	reap(pid);

	struct timespec ts = {0, 300000000};
	r = sigtimedwait(&usr1, &si, &ts);
	printf("sigtimedwait with nothing sent: %s\n", outcome(r, errno));

	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	pid = fork();
	if (pid == 0)
		_exit(3);
	r = sigwaitinfo(&chld, &si);
	printf("sigwaitinfo for a blocked SIGCHLD: %s, child's status %d\n", r == SIGCHLD ? "SIGCHLD" : outcome(r, errno),
	       si.si_status);
	reap(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static volatile int g_value, g_code;
static volatile pid_t g_tid_seen;
static void on_queued(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	handled = sig;
	g_value = si->si_value.sival_int;
	g_code = si->si_code;
	g_sender = si->si_pid;
	g_tid_seen = (pid_t)syscall(SYS_gettid);
}

static volatile pid_t g_sleeper_tid;
static void *sleeper(void *arg)
{
	(void)arg;
	g_sleeper_tid = (pid_t)syscall(SYS_gettid);
	sleep_ms(3 * SETTLE_MS);
	return NULL;
}

/* sigqueue and rt_tgsigqueueinfo: the value and the code reach the handler. */
static void queued_signals(void)
{
	int sig = SIGRTMIN + 2;
	set_info_handler(sig, on_queued);

	handled = 0;
	union sigval v = {.sival_int = 42};
	long r = sigqueue(getpid(), sig, v);
	printf("sigqueue to itself: %s, value %d, code %s, pid %s\n", outcome(r, errno), g_value,
	       g_code == SI_QUEUE ? "SI_QUEUE" : "other", g_sender == getpid() ? "right" : "wrong");

	pthread_t t;
	pthread_create(&t, NULL, sleeper, NULL);
	sleep_ms(SETTLE_MS / 2);
	pid_t target = g_sleeper_tid;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 43;
	handled = 0;
	r = syscall(SYS_rt_tgsigqueueinfo, getpid(), target, sig, &si);
	sleep_ms(SETTLE_MS / 2);
	printf("rt_tgsigqueueinfo to a thread: %s, value %d, in that thread: %s\n", outcome(r, errno), g_value,
	       g_tid_seen == target ? "yes" : "no");
	handled = 0;
	si.si_value.sival_int = 45;
	r = syscall(SYS_rt_sigqueueinfo, target, sig, &si); /* a thread's tid names its process */
	sleep_ms(SETTLE_MS / 2);
	printf("rt_sigqueueinfo to a thread's tid: %s, value %d\n", outcome(r, errno), g_value);
	handled = 0;
	r = kill(target, SIGURG);
	sleep_ms(SETTLE_MS / 2);
	printf("kill of a thread's tid: %s, handler ran: %s\n", outcome(r, errno), handled == SIGURG ? "yes" : "no");
	pthread_join(t, NULL);

	handled = 0;
	int p[2];
	char c;
	if (pipe(p))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(SETTLE_MS);
		union sigval w = {.sival_int = 44};
		sigqueue(getppid(), sig, w);
		sleep_ms(SETTLE_MS);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	r = read(p[0], &c, 1);
	printf("sigqueue from another process: read %s, value %d, code %s, pid %s\n", outcome(r, errno), g_value,
	       g_code == SI_QUEUE ? "SI_QUEUE" : "other", g_sender == pid ? "right" : "wrong");
	reap(pid);
	close(p[0]);
	close(p[1]);
}

/* Bad pointers and sizes to the signal calls that now run on the LWK: the
 * errors Linux gives. BAD is unmapped; HIGH is above 64 TiB, where mcexec lives
 * under mcexec (unmapped natively). */
static void hostile(void)
{
	void *bad = (void *)0x10, *high = (void *)0x500000000000ull;
	uint64_t none = 0;
	struct timespec ts = {0, 1000};
	const char *names[] = {"sigsuspend(NULL)", "sigsuspend(high)", "sigsuspend size 4",
			       "sigtimedwait(set NULL)", "sigtimedwait(set high)", "sigtimedwait(bad timeout)",
			       "sigtimedwait(timeout -1 s)", "sigtimedwait size 16", "sigqueueinfo to self, info NULL",
			       "sigqueueinfo to self, info high", "sigqueueinfo signal 65", "tgsigqueueinfo tid 0",
			       "tgsigqueueinfo no such tid", "tgsigqueueinfo info high"};
	struct timespec neg = {-1, 0};
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	for (int i = 0; i < 14; i++) {
		long r;
		switch (i) {
		case 0: r = syscall(SYS_rt_sigsuspend, NULL, 8); break;
		case 1: r = syscall(SYS_rt_sigsuspend, high, 8); break;
		case 2: r = syscall(SYS_rt_sigsuspend, &none, 4); break;
		case 3: r = syscall(SYS_rt_sigtimedwait, NULL, NULL, &ts, 8); break;
		case 4: r = syscall(SYS_rt_sigtimedwait, high, NULL, &ts, 8); break;
		case 5: r = syscall(SYS_rt_sigtimedwait, &none, NULL, bad, 8); break;
		case 6: r = syscall(SYS_rt_sigtimedwait, &none, NULL, &neg, 8); break;
		case 7: r = syscall(SYS_rt_sigtimedwait, &none, NULL, &ts, 16); break;
		case 8: r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, NULL); break;
		case 9: r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, high); break;
		case 10: r = syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si); break;
		case 11: r = syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR2, &si); break;
		case 12: r = syscall(SYS_rt_tgsigqueueinfo, getpid(), 0x7ffffff0, SIGUSR2, &si); break;
		default: r = syscall(SYS_rt_tgsigqueueinfo, getpid(), (long)syscall(SYS_gettid), SIGUSR2, high); break;
		}
		printf("hostile %s: %s\n", names[i], outcome(r, errno));
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	read_case("read with SA_RESTART", SA_RESTART);
	read_case("read without SA_RESTART", 0);
	poll_case();
	wait_case("waitpid with SA_RESTART", SA_RESTART);
	wait_case("waitpid without SA_RESTART", 0);
	sleep_case();
	thread_case("thread in read, SA_RESTART", SA_RESTART, reader);
	thread_case("thread in read, no SA_RESTART", 0, reader);
	thread_case("thread in futex wait, SA_RESTART", SA_RESTART, futex_waiter);
	thread_case("thread in futex wait, no SA_RESTART", 0, futex_waiter);
	thread_case("thread in poll, blocking the signal", SA_RESTART, blocked_poller);
	other_signals();
	wait_for_signals();
	queued_signals();
	hostile();
	return 0;
}
