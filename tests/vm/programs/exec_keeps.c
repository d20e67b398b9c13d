// SPDX-License-Identifier: GPL-2.0
/*
 * What execve keeps (vm.process, the same output as natively): the signal
 * mask, the signals pending for it, and the descriptors not marked
 * close-on-exec.
 *
 *   exec_keeps            block SIGUSR1 and SIGTERM, raise SIGUSR1, open fd 10
 *                         with O_CLOEXEC and fd 11 without, execve itself
 *                         with "after"
 *   exec_keeps after [fds] print the mask, what is pending and which of fd 10
 *                         and 11 are open; then a handler for SIGUSR1 and
 *                         SIGTERM and the mask cleared: the pending SIGUSR1
 *                         runs it
 *   exec_keeps linux CMD  block SIGUSR1 and SIGTERM and execve CMD (a Linux
 *                         program under mcexec: MCEXEC_LINUX_PROGRAMS)
 *
 * Under mcexec, the new image is a new LWK process that mcexec starts with the
 * calling thread's mask (--blocked), and a launcher's mask (here: a Python
 * launcher that blocks SIGUSR2 and SIGCHLD) is the program's. SIGCHLD is never
 * pending at the start: mcexec's own helper child must not show up as one of
 * the program's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	handled |= sig == SIGUSR1 ? 1 : 2;
}

static void print_set(const char *what, const sigset_t *s)
{
	printf("%s:", what);
	int none = 1;
	for (int sig = 1; sig < 65; sig++) {
		if (sig == 32 || sig == 33 || sigismember(s, sig) != 1)
			continue; /* glibc's own */
		printf(" %s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "RT");
		if (!sigabbrev_np(sig))
			printf("%d", sig);
		none = 0;
	}
	printf("%s\n", none ? " none" : "");
}

static void block_two(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "after")) {
		sigset_t s;
		sigprocmask(SIG_SETMASK, NULL, &s);
		print_set("after execve, blocked", &s);
		sigpending(&s);
		print_set("after execve, pending", &s);
		if (argc == 3) /* from the first image, which opened them */
			printf("after execve: fd 10 (O_CLOEXEC) %s, fd 11 %s\n",
			       fcntl(10, F_GETFD) == -1 ? "closed" : "open", fcntl(11, F_GETFD) == -1 ? "closed" : "open");
		struct sigaction sa = {0};
		sa.sa_handler = on_signal;
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigemptyset(&s);
		sigprocmask(SIG_SETMASK, &s, NULL);
		printf("after unblocking: SIGUSR1 %s, SIGTERM %s\n", handled & 1 ? "handled" : "not handled",
		       handled & 2 ? "handled" : "not handled");
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "linux")) {
		block_two();
		execvp(argv[2], argv + 2);
		perror("execvp");
		return 1;
	}
	block_two();
	raise(SIGUSR1);
	int a = open("/dev/null", O_RDONLY | O_CLOEXEC), b = open("/dev/null", O_RDONLY);
	if (a < 0 || b < 0 || dup3(a, 10, O_CLOEXEC) != 10 || dup2(b, 11) != 11) {
		perror("open /dev/null");
		return 1;
	}
	execl("/proc/self/exe", argv[0], "after", "fds", (char *)NULL);
	perror("execl");
	return 1;
}
