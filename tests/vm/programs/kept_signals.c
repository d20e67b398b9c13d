// SPDX-License-Identifier: GPL-2.0
/*
 * kept_signals: the signals mcexec must tell apart from its own, one line
 * per case, the same natively and under mcexec (tests/vm/test_process.sh).
 * Writing to a pipe or socket with no reader gives EPIPE and SIGPIPE, except
 * for send/sendmsg with MSG_NOSIGNAL; writing past RLIMIT_FSIZE gives EFBIG
 * and SIGXFSZ (caught, ignored, or the default's death); SIGSEGV, SIGBUS,
 * SIGPIPE and SIGXFSZ that another process sends reach the program's
 * handlers, and so do signals 37 and 38, the numbers mcexec uses for itself.
 * Under mcexec the writes are offloaded: mcexec passes on what Linux raised
 * in its worker, and only that, and what was sent to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught, caught_sig[65];
static void on_pipe(int sig) { (void)sig; caught++; }
static void on_any(int sig) { caught_sig[sig]++; }

static void report(const char *what, long r)
{
	printf("%s: %ld %s, SIGPIPE caught %d times\n", what, r, r < 0 ? strerror(errno) : "ok", (int)caught);
	caught = 0;
}

static int child_status(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_pipe;
	sigaction(SIGPIPE, &sa, NULL);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	close(sv[1]);
	report("send(MSG_NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL));
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	report("sendmsg(MSG_NOSIGNAL)", sendmsg(sv[0], &mh, MSG_NOSIGNAL));
	report("send(0)", send(sv[0], "x", 1, 0));
	report("write to the socket", write(sv[0], "x", 1));
	close(sv[0]);

	int p[2];
	if (pipe(p))
		return 1;
	close(p[0]);
	report("write to the pipe", write(p[1], "x", 1));

	signal(SIGPIPE, SIG_IGN);
	report("write, SIGPIPE ignored", write(p[1], "x", 1));

	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		(void)!write(p[1], "x", 1);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	printf("a child writing with the default action: %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

	/* RLIMIT_FSIZE: a write that would pass it writes up to it; the next is EFBIG and
	 * SIGXFSZ. 1 MiB, which our own output (a pipe or a small file) stays below. */
	signal(SIGXFSZ, on_any);
	char name[] = "/tmp/kept_signals.XXXXXX";
	int fd = mkstemp(name);
	if (fd < 0)
		return 1;
	unlink(name);
	struct rlimit fsize = {1 << 20, RLIM_INFINITY};
	setrlimit(RLIMIT_FSIZE, &fsize);
	lseek(fd, (1 << 20) - 10, SEEK_SET);
	long r = write(fd, "0123456789abcdefghij", 20);
	printf("write of 20 bytes 10 below the limit: %ld, SIGXFSZ caught %d times\n", r, (int)caught_sig[SIGXFSZ]);
	r = write(fd, "x", 1);
	printf("write past the limit: %ld %s, SIGXFSZ caught %d times\n", r, r < 0 ? strerror(errno) : "ok",
	       (int)caught_sig[SIGXFSZ]);
	signal(SIGXFSZ, SIG_IGN);
	r = write(fd, "x", 1);
	printf("write past the limit, SIGXFSZ ignored: %ld %s\n", r, r < 0 ? strerror(errno) : "ok");
	signal(SIGXFSZ, SIG_DFL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		(void)!write(fd, "x", 1);
		_exit(0);
	}
	st = child_status(pid);
	printf("a child writing past the limit with the default action: %s %d\n",
	       WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	fsize.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &fsize);
	close(fd);

	/* Sent by another process: each reaches its handler. 37 and 38 are
	 * SIGRTMIN + 3 and + 4 with glibc: mcexec's interruption and credentials
	 * broadcast, which it must tell from another process's. */
	const int sent[] = {SIGSEGV, SIGBUS, SIGPIPE, SIGXFSZ, 37, 38};
	const unsigned nsent = sizeof(sent) / sizeof(sent[0]);
	sigset_t block, old;
	sigemptyset(&block);
	for (unsigned i = 0; i < nsent; i++) {
		signal(sent[i], on_any);
		caught_sig[sent[i]] = 0;
		sigaddset(&block, sent[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &old); /* pending until all are sent */
	pid_t parent = getpid();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (unsigned i = 0; i < nsent; i++)
			kill(parent, sent[i]);
		_exit(0);
	}
	child_status(pid);
	sigset_t pend;
	int waited = 0;
	for (; waited < 5000; waited++) { /* the kills reach us through Linux */
		sigpending(&pend);
		int all = 1;
		for (unsigned i = 0; i < nsent; i++)
			all = all && sigismember(&pend, sent[i]);
		if (all)
			break;
		usleep(1000);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (unsigned i = 0; i < nsent; i++)
		printf("%s sent by another process: handler ran %d times\n", strsignal(sent[i]), (int)caught_sig[sent[i]]);
	return 0;
}
