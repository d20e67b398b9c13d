// SPDX-License-Identifier: GPL-2.0
/*
 * Who reaps a child that ends (vm.process, the same output as natively): with
 * SIGCHLD ignored, or SA_NOCLDWAIT with a handler, the child is reaped as it
 * ends (kill(pid, 0) soon answers ESRCH, wait() ECHILD; no SIGCHLD, or the
 * handler runs); with the default action again it stays a zombie until waited
 * for. Under mcexec the children are mcexec's on Linux, which reaps them by
 * mcexec's own action: the LWK keeps it the program's (MCK_SYS_CHILD_REAP).
 */
#define _GNU_SOURCE
#include <errno.h>
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

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
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
	return 0;
}
