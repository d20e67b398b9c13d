// SPDX-License-Identifier: GPL-2.0
/*
 * Who reaps a child that ends (vm.process, the same output as natively): with
 * SIGCHLD ignored, or SA_NOCLDWAIT with a handler, the child is reaped as it
 * ends (kill(pid, 0) soon answers ESRCH, wait() ECHILD; no SIGCHLD, or the
 * handler runs); with the default action again it stays a zombie until waited
 * for. Under mcexec the children are mcexec's on Linux, which reaps them by
 * mcexec's own action: the LWK keeps it the program's (MCK_SYS_CHILD_REAP).
 * Last, SIGCHLD and SIGHUP ignored stay ignored through execve: the new image
 * finds them SIG_IGN, survives a SIGHUP and has its child reaped.
 *
 * "race": two threads flip SIGCHLD between SIG_IGN and SIG_DFL at once, one
 * ending on each; then the action that won must be the one that reaps. On the
 * LWK each flip is a message to mcexec, and two threads' messages may arrive in
 * either order: mcexec must still end with the last action's mode.
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

static volatile sig_atomic_t got_sigchld;

static void on_sigchld(int sig)
{
	(void)sig;
	got_sigchld = 1;
}

/* Fork a child that ends at once; wait until it is gone (1) or 3 s passed as a zombie (0). */
static int child_gone(pid_t *out)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	*out = pid;
	for (int i = 0; i < 300; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		struct timespec ms = {0, 10 * 1000 * 1000};
		nanosleep(&ms, NULL);
	}
	return 0;
}

static void report(const char *what)
{
	pid_t pid;
	got_sigchld = 0;
	int gone = child_gone(&pid);
	int status = 0;
	errno = 0;
	pid_t w = waitpid(pid, &status, WNOHANG);
	printf("%s: child %s; waitpid: %s%s; SIGCHLD handled: %s\n", what, gone ? "reaped as it ended" : "a zombie",
	       w == pid ? "its status " : w == 0 ? "nothing yet" : strerror(errno),
	       w == pid ? (WIFEXITED(status) && WEXITSTATUS(status) == 3 ? "3" : "wrong") : "",
	       got_sigchld ? "yes" : "no");
}

static const char *action(int sig)
{
	struct sigaction sa;
	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "a handler";
}

static pthread_barrier_t start;

static void *flip(void *last)
{
	sighandler_t end = (sighandler_t)last, other = end == SIG_IGN ? SIG_DFL : SIG_IGN;
	pthread_barrier_wait(&start);
	for (int i = 0; i < 20; i++) {
		signal(SIGCHLD, end);
		signal(SIGCHLD, other);
	}
	/* The last changes of both at once: their messages to mcexec overlap. */
	pthread_barrier_wait(&start);
	signal(SIGCHLD, end);
	return NULL;
}

/* Trials in which the action left by two flipping threads is not what reaps a child. */
static int race(int trials)
{
	int wrong = 0;
	for (int t = 0; t < trials; t++) {
		pthread_t a, b;
		pthread_barrier_init(&start, NULL, 2);
		pthread_create(&a, NULL, flip, (void *)SIG_IGN);
		pthread_create(&b, NULL, flip, (void *)SIG_DFL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pthread_barrier_destroy(&start);
		int ignored = !strcmp(action(SIGCHLD), "ignored");
		pid_t pid = fork();
		if (pid == 0)
			_exit(3);
		/* Blocks until the child ends: its status if a zombie was left, ECHILD if it was reaped. */
		int status;
		pid_t w = waitpid(pid, &status, 0);
		int reaped = w == -1 && errno == ECHILD;
		if (ignored != reaped) {
			printf("trial %d: SIGCHLD %s, child %s\n", t, ignored ? "ignored" : "default",
			       reaped ? "reaped" : "left a zombie");
			wrong++;
		}
	}
	return wrong;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "race")) {
		int wrong = race(20);
		printf("race: the action and the reaping %s\n", wrong ? "disagree" : "agree in 20 trials of 20");
		return wrong != 0;
	}
	if (argc == 2 && !strcmp(argv[1], "after-exec")) {
		printf("after execve: SIGCHLD %s, SIGHUP %s\n", action(SIGCHLD), action(SIGHUP));
		raise(SIGHUP);
		printf("after execve: survived SIGHUP\n");
		report("after execve");
		return 0;
	}
	report("SIG_DFL");
	signal(SIGCHLD, SIG_IGN);
	report("SIG_IGN");
	struct sigaction sa = {0};
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	report("SA_NOCLDWAIT with a handler");
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
	report("a handler");
	signal(SIGCHLD, SIG_DFL);
	report("SIG_DFL again");
	signal(SIGCHLD, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
	printf("execve: %s\n", strerror(errno));
	return 1;
}
