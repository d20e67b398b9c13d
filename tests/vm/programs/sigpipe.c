// SPDX-License-Identifier: GPL-2.0
/*
 * sigpipe: writing to a pipe or socket with no reader gives EPIPE and, as on
 * Linux, SIGPIPE to the writer, except for send/sendmsg with MSG_NOSIGNAL.
 * One line per case, the same natively and under mcexec
 * (tests/vm/test_process.sh), where the write is offloaded and mcexec passes
 * on the SIGPIPE that Linux raised in its worker, and only that one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static void on_pipe(int sig) { (void)sig; caught++; }

static void report(const char *what, long r)
{
	printf("%s: %ld %s, SIGPIPE caught %d times\n", what, r, r < 0 ? strerror(errno) : "ok", (int)caught);
	caught = 0;
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
	return 0;
}
