// SPDX-License-Identifier: GPL-2.0
/*
 * signalfd: signals raised on the LWK read through a signalfd, one line per
 * check, the same natively and under mcexec (tests/vm/test_process.sh):
 * readiness for poll and epoll (also when the signal comes during the wait:
 * from another thread, from an itimer), records with Linux's fields, several
 * per read, O_NONBLOCK and blocking reads, dup, close, a fork child (its
 * signals its own), a second signalfd() changing the mask, and Linux's
 * answers to bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(long ret) { return ret < 0 ? strerrorname_np(errno) : "ok"; }

static int readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* One read of @fd with room for @n records: "n records: SIG/CODE[/INT] ..." or the error. */
static void show_read(const char *what, int fd, int n)
{
	struct signalfd_siginfo si[4];
	ssize_t got = read(fd, si, (size_t)n * sizeof(si[0]));
	printf("%s: ", what);
	if (got < 0) {
		printf("%s\n", strerrorname_np(errno));
		return;
	}
	printf("%zd records:", got / (ssize_t)sizeof(si[0]));
	for (int i = 0; i < got / (ssize_t)sizeof(si[0]); i++) {
		printf(" %u/%d", si[i].ssi_signo, si[i].ssi_code);
		if (si[i].ssi_code == SI_QUEUE)
			printf("/%d", si[i].ssi_int);
		if (si[i].ssi_code == SI_USER || si[i].ssi_code == SI_QUEUE || si[i].ssi_code == SI_TKILL)
			printf("%s", si[i].ssi_pid == (uint32_t)getpid() && si[i].ssi_uid == getuid() ? " (us)" : " (?)");
	}
	printf("\n");
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *send_later(void *arg)
{
	sleep_ms(200);
	kill(getpid(), (int)(long)arg);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigset_t all, mask;
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGALRM);
	sigaddset(&all, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &all, NULL);

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGALRM);
	sigaddset(&mask, SIGRTMIN + 1);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	printf("signalfd: %s, close-on-exec: %d\n", err(sfd), (fcntl(sfd, F_GETFD) & FD_CLOEXEC) != 0);
	printf("nothing pending: readable %d\n", readable(sfd, 0));
	show_read("read with nothing pending", sfd, 1);

	raise(SIGUSR1);
	printf("after raise: readable %d\n", readable(sfd, 0));
	show_read("read", sfd, 2);
	printf("after the read: readable %d\n", readable(sfd, 0));

	union sigval v = {.sival_int = 42};
	sigqueue(getpid(), SIGRTMIN + 1, v);
	v.sival_int = 43;
	sigqueue(getpid(), SIGRTMIN + 1, v);
	kill(getpid(), SIGUSR1);
	show_read("three queued, room for four", sfd, 4);

	raise(SIGUSR2);
	printf("a signal outside the mask: readable %d\n", readable(sfd, 0));
	sigset_t pend;
	sigpending(&pend);
	printf("it stays pending: %d\n", sigismember(&pend, SIGUSR2));

	/* A signal that comes while poll waits, from another thread. */
	pthread_t th;
	pthread_create(&th, NULL, send_later, (void *)(long)SIGUSR1);
	printf("poll woken by another thread's kill: %d\n", readable(sfd, 10000));
	pthread_join(th, NULL);
	show_read("its record", sfd, 1);

	/* epoll, woken by an itimer's SIGALRM. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	alarm(1);
	struct epoll_event out;
	int n = epoll_wait(ep, &out, 1, 10000);
	printf("epoll_wait woken by SIGALRM: %d, fd is the signalfd: %d\n", n, n == 1 && out.data.fd == sfd);
	show_read("its record", sfd, 1);

	/* A blocking one: the pending SIGUSR2 at once, then one a thread sends. */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	int bfd = signalfd(-1, &usr2, 0);
	show_read("blocking read of what is pending", bfd, 1);
	pthread_create(&th, NULL, send_later, (void *)(long)SIGUSR2);
	show_read("blocking read until a thread sends", bfd, 1);
	pthread_join(th, NULL);
	fcntl(bfd, F_SETFL, O_NONBLOCK);
	show_read("after fcntl O_NONBLOCK", bfd, 1);

	/* dup, close, and a second signalfd() on the copy. */
	int d = dup(sfd);
	close(sfd);
	raise(SIGUSR1);
	show_read("the dup after the original closed", d, 1);
	printf("signalfd on the dup: %s\n", err(signalfd(d, &usr2, 0)));
	raise(SIGUSR2);
	raise(SIGUSR1);
	show_read("the dup takes the new mask", d, 2);
	sigpending(&pend);
	printf("SIGUSR1 left pending: %d\n", sigismember(&pend, SIGUSR1));
	int d2 = fcntl(d, F_DUPFD_CLOEXEC, 50);
	raise(SIGUSR2);
	show_read("F_DUPFD_CLOEXEC copy", d2, 1);

	/* A fork child has it too, with its own signals. */
	pid_t c = fork();
	if (c == 0) {
		raise(SIGUSR2);
		show_read("fork child", d, 1);
		_exit(0);
	}
	int status;
	waitpid(c, &status, 0);
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	raise(SIGUSR2);
	printf("the parent's own after the child's read: readable %d\n", readable(d, 0));
	show_read("the parent's", d, 1);
	uint64_t one = 1;
	printf("a write to it: %s\n", err(write(d, &one, sizeof(one))));

	/* Linux's answers to bad arguments. */
	printf("size 4: %s\n", err(syscall(SYS_signalfd4, -1, &mask, 4, 0)));
	printf("bad flags: %s\n", err(syscall(SYS_signalfd4, -1, &mask, 8, 1)));
	printf("unreadable mask: %s\n", err(syscall(SYS_signalfd4, -1, (void *)8, 8, 0)));
	printf("not a signalfd: %s\n", err(signalfd(0, &mask, 0)));
	printf("no descriptor: %s\n", err(signalfd(999, &mask, 0)));
	raise(SIGUSR2);
	char small[64];
	printf("a read of 64 bytes: %s\n", err(read(d, small, sizeof(small))));
	void *volatile nowhere = NULL;
	printf("a read into no memory: %s\n", err(read(d, nowhere, 128)));
	return 0;
}
