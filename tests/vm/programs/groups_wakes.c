// SPDX-License-Identifier: GPL-2.0
/*
 * Signals sent on the LWK itself wake the waits, and process groups and
 * sessions work (vm.process, the same output as natively). Under mcexec every
 * sender below is an LWK thread or process: nothing comes through Linux.
 *
 *   sigsuspend      woken by another thread's pthread_kill
 *   sigtimedwait    woken by a child's kill(getppid()), which it returns
 *   pause           woken by the process's own alarm()
 *   setsid          a child leads a new session and group; a second setsid
 *                   is EPERM, as is one by a group leader
 *   kill(-pgid)     two children in a group of their own both end by it; the
 *                   parent, in another group, does not
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

static void *send_after(void *target)
{
	struct timespec ms = {0, 50 * 1000 * 1000};
	nanosleep(&ms, NULL);
	pthread_kill(*(pthread_t *)target, SIGUSR1);
	return NULL;
}

static void wait_status(const char *what, pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		printf("%s: waitpid: %s\n", what, strerror(errno));
	else if (WIFSIGNALED(status))
		printf("%s: ended by %s\n", what, sigabbrev_np(WTERMSIG(status)));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigset_t usr, old;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr, &old);

	/* sigsuspend: another thread of the process sends the signal. */
	pthread_t self = pthread_self(), t;
	pthread_create(&t, NULL, send_after, &self);
	sigset_t none;
	sigemptyset(&none);
	int r = sigsuspend(&none);
	printf("sigsuspend: %d %s, caught %s\n", r, strerrorname_np(errno), sigabbrev_np(caught));
	pthread_join(t, NULL);

	/* sigtimedwait: a child process sends it. */
	pid_t child = fork();
	if (child == 0) {
		struct timespec ms = {0, 50 * 1000 * 1000};
		nanosleep(&ms, NULL);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	struct timespec limit = {10, 0};
	siginfo_t info;
	int sig = sigtimedwait(&usr, &info, &limit);
	printf("sigtimedwait: %s from %s\n", sig > 0 ? sigabbrev_np(sig) : strerrorname_np(errno),
	       sig > 0 && info.si_pid == child ? "the child" : "elsewhere");
	wait_status("sender child", child);

	/* pause: the process's own alarm. */
	caught = 0;
	alarm(1);
	r = pause();
	printf("pause: %d %s, caught %s\n", r, strerrorname_np(errno), sigabbrev_np(caught));

	/* setsid in a child. */
	child = fork();
	if (child == 0) {
		pid_t sid = setsid();
		int again = setsid();
		int e = errno;
		printf("setsid: %s; leads session %s, group %s; again: %s\n", sid == getpid() ? "ok" : "wrong",
		       getsid(0) == getpid() ? "yes" : "no", getpgrp() == getpid() ? "yes" : "no",
		       again == -1 ? strerrorname_np(e) : "succeeded");
		_exit(0);
	}
	wait_status("setsid child", child);

	/* kill(-pgid): two children in a group of their own. */
	int ready[2];
	if (pipe(ready))
		return 1;
	pid_t first = 0, second = 0;
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			setpgid(0, i ? first : 0);
			close(ready[0]);
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		setpgid(pid, i ? first : pid); /* as a shell does, in both: no race */
		*(i ? &second : &first) = pid;
		char c;
		if (read(ready[0], &c, 1) != 1)
			return 1;
	}
	printf("group: the second child is in the first's: %s; the parent is not: %s\n",
	       getpgid(second) == first ? "yes" : "no", getpgrp() != first ? "yes" : "no");
	printf("kill(-pgid, SIGTERM): %s\n", kill(-first, SIGTERM) ? strerrorname_np(errno) : "ok");
	wait_status("first in the group", first);
	wait_status("second in the group", second);
	printf("kill(-pgid) of an empty group: %s\n", kill(-first, SIGTERM) ? strerrorname_np(errno) : "ok");
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
