// SPDX-License-Identifier: GPL-2.0
/* Pipes: write then read, 4 MiB from a writer thread, EOF, EPIPE, pipe2 O_CLOEXEC, dup2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define TOTAL (4UL << 20)

static unsigned char byte_at(size_t i)
{
	return (unsigned char)((i * 131) ^ (i >> 9));
}

static void *writer(void *arg)
{
	int fd = *(int *)arg;
	static unsigned char buf[70000];
	size_t off = 0, chunk = 1;

	while (off < TOTAL) {
		size_t n = chunk < TOTAL - off ? chunk : TOTAL - off;

		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(off + i);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, n - done);

			if (w <= 0)
				return (void *)1;
			done += w;
		}
		off += n;
		chunk = chunk * 3 + 1; /* 1, 4, 13, ... then wrap */
		if (chunk > sizeof(buf))
			chunk = chunk % sizeof(buf) + 1;
	}
	close(fd);
	return NULL;
}

int main(void)
{
	int p[2], q[2], saved, fl;
	char buf[256];
	pthread_t t;
	void *ret;

	/* single process: write then read */
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "hello pipe", 10) == 10, "write");
	memset(buf, 0, sizeof(buf));
	CHECK(read(p[0], buf, sizeof(buf)) == 10 && memcmp(buf, "hello pipe", 10) == 0, "read back");
	CHECK(close(p[1]) == 0, "close write end");
	CHECK(read(p[0], buf, sizeof(buf)) == 0, "EOF after writer closed");
	close(p[0]);
	printf("ok write then read, EOF\n");

	/* EPIPE with SIGPIPE ignored */
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "ignore SIGPIPE");
	CHECK(pipe(p) == 0, "pipe");
	close(p[0]);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE, "write without reader gives EPIPE");
	close(p[1]);
	printf("ok EPIPE\n");

	/* 4 MiB from a writer thread, odd chunk sizes */
	CHECK(pipe(p) == 0, "pipe");
	CHECK(pthread_create(&t, NULL, writer, &p[1]) == 0, "pthread_create");
	size_t got = 0;
	int bad = 0;
	for (;;) {
		static unsigned char rbuf[100000];
		ssize_t r = read(p[0], rbuf, sizeof(rbuf) - (got % 1000));

		CHECK(r >= 0, "read from writer thread");
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			bad |= rbuf[i] != byte_at(got + i);
		got += r;
	}
	CHECK(pthread_join(t, &ret) == 0 && ret == NULL, "writer thread finished");
	CHECK(got == TOTAL, "4 MiB received");
	CHECK(!bad, "4 MiB contents in order");
	close(p[0]);
	printf("ok 4 MiB through pipe from a thread\n");

	/* pipe2(O_CLOEXEC); dup2 clears FD_CLOEXEC on the copy */
	CHECK(pipe2(q, O_CLOEXEC) == 0, "pipe2");
	CHECK((fl = fcntl(q[1], F_GETFD)) >= 0 && (fl & FD_CLOEXEC), "pipe2 sets FD_CLOEXEC");
	CHECK(dup2(q[1], 100) == 100, "dup2 to 100");
	CHECK((fl = fcntl(100, F_GETFD)) >= 0 && !(fl & FD_CLOEXEC), "dup2 copy has no FD_CLOEXEC");
	CHECK(write(100, "via 100", 7) == 7, "write via dup");
	CHECK(read(q[0], buf, sizeof(buf)) == 7 && memcmp(buf, "via 100", 7) == 0, "read what dup wrote");
	close(100);
	CHECK(dup2(q[1], q[1]) == q[1], "dup2 onto itself");

	/* dup2 over stdout: write(1) lands in the pipe, then restore stdout */
	fflush(stdout);
	CHECK((saved = dup(1)) >= 0, "dup stdout");
	CHECK(dup2(q[1], 1) == 1, "dup2 pipe over stdout");
	ssize_t w = write(1, "to stdout", 9);
	CHECK(dup2(saved, 1) == 1, "restore stdout");
	close(saved);
	CHECK(w == 9, "write to redirected stdout");
	CHECK(read(q[0], buf, sizeof(buf)) == 9 && memcmp(buf, "to stdout", 9) == 0,
	      "redirected stdout reached pipe");
	close(q[0]);
	close(q[1]);
	printf("ok pipe2 O_CLOEXEC, dup2\n");
	return 0;
}
