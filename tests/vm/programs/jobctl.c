// SPDX-License-Identifier: GPL-2.0
/*
 * jobctl: job-control stops and continues of a child, as a parent sees them
 * with waitpid; one line per step, the same natively and under mcexec
 * (tests/vm/test_process.sh), where the child runs on the LWK and its mcexec
 * must stop and continue with it. Cases: (a) the child raises SIGSTOP:
 * WIFSTOPPED, then SIGCONT: WIFCONTINUED, and it exits 0; (b) SIGTSTP with a
 * handler runs it, no stop; (c) SIGTSTP's default stops the child blocked in
 * a read, which goes on after SIGCONT; (d) a SIGCONT handler runs after the
 * continue; (e) SIGKILL ends a stopped child; (f) a thread spinning on a
 * counter stops with the process and spins again after SIGCONT; (g) a
 * blocked SIGTSTP stays pending and is discarded by SIG_IGN; (h) SIGSTOP
 * sent by another process (kill -STOP, Slurm's suspend), which under mcexec
 * stops mcexec first, stops the spinning thread too, and SIGCONT continues
 * it. Exits 1 if a step differs from what Linux does; a watchdog ends a hung
 * run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static int to_parent[2], to_child[2];

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void put(int fd, char c)
{
	while (write(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static char get(int fd)
{
	char c = 0;
	ssize_t n;
	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1 ? c : 0;
}

static void on_signal_report(int sig)
{
	char c = sig == SIGTSTP ? 'T' : sig == SIGCONT ? 'C' : '?';
	write(to_parent[1], &c, 1);
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

// The child's end of the pipes; exits with what its function returns. It
// leads a process group of its own, which its parent (in another group of the
// session) keeps from being orphaned: Linux discards SIGTSTP's stop in an
// orphaned group, which the test's own group may be.
static pid_t child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid > 0)
		setpgid(pid, pid); // both sides, whichever runs first
	if (pid == 0) {
		setpgid(0, 0);
		alarm(60);
		close(to_parent[0]);
		close(to_child[1]);
		_exit(fn());
	}
	return pid;
}

static int wait_for(pid_t pid, int options)
{
	int st = -1;
	while (waitpid(pid, &st, options) < 0 && errno == EINTR)
		;
	return st;
}

static void expect_stopped(pid_t pid, int sig, const char *what)
{
	int st = wait_for(pid, WUNTRACED);
	check(WIFSTOPPED(st) && WSTOPSIG(st) == sig, what);
}

static void expect_continued(pid_t pid, const char *what)
{
	int st = wait_for(pid, WCONTINUED);
	check(WIFCONTINUED(st), what);
}

static void expect_exit0(pid_t pid, const char *what)
{
	int st = wait_for(pid, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, what);
}

static int raise_stop(void)
{
	raise(SIGSTOP);
	return get(to_child[0]) == 'g' ? 0 : 2; // goes on only once the parent saw it continued
}

static int tstp_handler(void)
{
	handle(SIGTSTP, on_signal_report);
	put(to_parent[1], 'r');
	return get(to_child[0]) == 'g' ? 0 : 2;
}

static int read_stopped(void)
{
	put(to_parent[1], 'r');
	char c = 0;
	ssize_t n = read(to_child[0], &c, 1); // stopped in it: restarted, never EINTR
	return n == 1 && c == 'g' ? 0 : 3;
}

static int cont_handler(void)
{
	handle(SIGCONT, on_signal_report);
	raise(SIGSTOP);
	return get(to_child[0]) == 'g' ? 0 : 2;
}

static volatile unsigned long *counter;
static volatile int *done;

static void *spin(void *arg)
{
	(void)arg;
	while (!*done)
		(*counter)++;
	return NULL;
}

static int spinner(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, spin, NULL))
		return 4;
	while (*counter == 0)
		usleep(1000);
	put(to_parent[1], 'r');
	pthread_join(t, NULL);
	return 0;
}

static int blocked_tstp(void)
{
	sigset_t s, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGTSTP);
	sigprocmask(SIG_BLOCK, &s, NULL);
	put(to_parent[1], 'r');
	int seen = 0;
	for (int i = 0; i < 5000 && !seen; i++) { // the parent's kill reaches us through Linux
		sigpending(&pend);
		seen = sigismember(&pend, SIGTSTP);
		if (!seen)
			usleep(1000);
	}
	signal(SIGTSTP, SIG_IGN); // discards it: unblocking then stops nothing
	sigpending(&pend);
	int still = sigismember(&pend, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	return seen && !still ? 0 : 5;
}

static unsigned long now_counter(void) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }

/* A child whose thread spins on the shared counter, stopped by @sig from here:
 * it must not spin while stopped, and spin again once continued. */
static void stop_spinner(int sig, const char *c, const char *stops)
{
	char what[160];
	*counter = 0;
	*done = 0;
	pid_t pid = child(spinner);
	get(to_parent[0]);
	kill(pid, sig);
	snprintf(what, sizeof(what), "%s: %s", c, stops);
	expect_stopped(pid, sig, what);
	usleep(20000);
	unsigned long c1 = now_counter();
	usleep(200000);
	unsigned long c2 = now_counter();
	snprintf(what, sizeof(what), "%s: its thread does not spin while it is stopped", c);
	check(c1 == c2, what);
	kill(pid, SIGCONT);
	snprintf(what, sizeof(what), "%s: SIGCONT continues it", c);
	expect_continued(pid, what);
	int moved = 0;
	for (int i = 0; i < 5000 && !moved; i++) {
		moved = now_counter() != c2;
		if (!moved)
			usleep(1000);
	}
	snprintf(what, sizeof(what), "%s: its thread spins again", c);
	check(moved, what);
	*done = 1;
	snprintf(what, sizeof(what), "%s: it exits 0", c);
	expect_exit0(pid, what);
}

int main(void)
{
	alarm(120); // a hung stop must not hang the test suite
	if (pipe(to_parent) || pipe(to_child)) {
		perror("pipe");
		return 1;
	}
	void *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	counter = shared;
	done = (volatile int *)((char *)shared + 64);

	pid_t pid = child(raise_stop);
	expect_stopped(pid, SIGSTOP, "a: raise(SIGSTOP) stops the child (WIFSTOPPED, SIGSTOP)");
	kill(pid, SIGCONT);
	expect_continued(pid, "a: SIGCONT continues it (WIFCONTINUED)");
	put(to_child[1], 'g');
	expect_exit0(pid, "a: it goes on and exits 0");

	pid = child(tstp_handler);
	get(to_parent[0]);
	kill(pid, SIGTSTP);
	check(get(to_parent[0]) == 'T', "b: SIGTSTP runs the child's handler");
	check(waitpid(pid, NULL, WUNTRACED | WNOHANG) == 0, "b: and does not stop it");
	put(to_child[1], 'g');
	expect_exit0(pid, "b: it exits 0");

	pid = child(read_stopped);
	get(to_parent[0]);
	kill(pid, SIGTSTP);
	expect_stopped(pid, SIGTSTP, "c: SIGTSTP's default stops the child in read (WSTOPSIG SIGTSTP)");
	kill(pid, SIGCONT);
	expect_continued(pid, "c: SIGCONT continues it");
	put(to_child[1], 'g');
	expect_exit0(pid, "c: its read goes on and it exits 0");

	pid = child(cont_handler);
	expect_stopped(pid, SIGSTOP, "d: the child with a SIGCONT handler stops");
	kill(pid, SIGCONT);
	check(get(to_parent[0]) == 'C', "d: its SIGCONT handler runs after the continue");
	expect_continued(pid, "d: WIFCONTINUED");
	put(to_child[1], 'g');
	expect_exit0(pid, "d: it exits 0");

	pid = child(read_stopped);
	get(to_parent[0]);
	kill(pid, SIGTSTP);
	expect_stopped(pid, SIGTSTP, "e: the child stops");
	kill(pid, SIGKILL);
	int st = wait_for(pid, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "e: SIGKILL ends it while stopped");

	stop_spinner(SIGTSTP, "f", "the child with a spinning thread stops");
	stop_spinner(SIGSTOP, "h", "SIGSTOP from another process stops the child with a spinning thread");

	pid = child(blocked_tstp);
	get(to_parent[0]);
	kill(pid, SIGTSTP);
	expect_exit0(pid, "g: a blocked SIGTSTP stays pending, SIG_IGN discards it, no stop");

	printf("jobctl: %s\n", failures ? "differs" : "done");
	return failures ? 1 : 0;
}
