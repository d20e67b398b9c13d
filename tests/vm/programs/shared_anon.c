// SPDX-License-Identifier: GPL-2.0
/*
 * shared_anon: memory shared with fork children and the calls that work on
 * it, printing only what is the same on every run, natively and under mcexec:
 * MAP_SHARED|MAP_ANONYMOUS and /dev/zero pages written both ways across fork,
 * their contents after MADV_DONTNEED, mprotect and munmap in a child; and
 * hostile arguments to them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	default: return strerror(e);
	}
}

/* "ok" or the errno of a call returning -1 on failure. */
static const char *res(long r) { return err_name(r == -1 ? errno : 0); }

static void *map_shared(size_t len, int prot)
{
	void *m = mmap(NULL, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap MAP_SHARED|MAP_ANONYMOUS");
		exit(1);
	}
	return m;
}

static int reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* A page written by the parent before fork and by the child after, both ways. */
static void both_ways(const char *what, volatile uint32_t *w)
{
	w[0] = 0x1111;
	pid_t pid = fork();
	if (pid == 0) {
		uint32_t seen = w[0];
		w[1] = 0x2222;
		while (w[2] != 0x3333) /* the parent's write after fork */
			nap_ms(1);
		w[3] = seen;
		_exit(0);
	}
	w[2] = 0x3333;
	int st = reap(pid);
	printf("%s: child saw 0x%x, parent sees 0x%x, status %d\n", what, w[3], w[1], st);
}

static void sharing(void)
{
	volatile uint32_t *w = map_shared(2 * PAGE, PROT_READ | PROT_WRITE);
	both_ways("anonymous", w);
	both_ways("anonymous, second page", w + PAGE / 4);

	int fd = open("/dev/zero", O_RDWR);
	volatile uint32_t *z = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (z == MAP_FAILED)
		printf("/dev/zero: %s\n", err_name(errno));
	else
		both_ways("/dev/zero", z);

	/* Shared contents survive MADV_DONTNEED; MADV_FREE is for private memory. */
	printf("madvise DONTNEED: %s, keeps 0x%x\n", res(madvise((void *)w, 2 * PAGE, MADV_DONTNEED)), w[1]);
	printf("madvise FREE: %s\n", res(madvise((void *)w, PAGE, MADV_FREE)));

	/* The child's munmap leaves the parent's mapping alone. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(munmap((void *)w, 2 * PAGE) == 0 ? 0 : 1);
	printf("munmap in a child: status %d, parent still reads 0x%x\n", reap(pid), w[0]);

	/* Read-only first, made writable: still the page the child sees. */
	volatile uint32_t *r = map_shared(PAGE, PROT_READ);
	printf("reads zero: %u\n", r[5]);
	printf("mprotect RW: %s\n", res(mprotect((void *)r, PAGE, PROT_READ | PROT_WRITE)));
	r[5] = 55;
	pid = fork();
	if (pid == 0) {
		r[6] = r[5] + 1;
		_exit(0);
	}
	reap(pid);
	printf("after mprotect: child wrote %u\n", r[6]);

	/* Shrinking with mremap keeps the rest shared. */
	void *s = mremap((void *)w, 2 * PAGE, PAGE, 0);
	printf("mremap shrink: %s, keeps 0x%x\n", s == MAP_FAILED ? err_name(errno) : "ok", w[1]);
	munmap((void *)w, PAGE);
	munmap((void *)r, PAGE);
}

/* Limits and bad arguments of shared anonymous mappings. */
static void hostile(void)
{
	printf("shared anon huge: %s\n",
	       res((long)mmap(NULL, 1ul << 46, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)));
	printf("shared anon len 0: %s\n", res((long)mmap(NULL, 0, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0)));
	printf("shared fd -1 without MAP_ANONYMOUS: %s\n", res((long)mmap(NULL, PAGE, PROT_READ, MAP_SHARED, -1, 0)));
	printf("shared anon at a kernel address: %s\n",
	       res((long)mmap((void *)0xffffffff81000000ul, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1,
			      0)));
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = {64ul << 20, 64ul << 20};
		setrlimit(RLIMIT_AS, &rl);
		void *m = mmap(NULL, 128ul << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		printf("shared anon past RLIMIT_AS: %s\n", res((long)m));
		fflush(stdout);
		_exit(0);
	}
	reap(pid);
	/* Mapped and unmapped many times: no descriptor shows, nothing runs out. */
	int ok = 1;
	for (int i = 0; i < 200 && ok; i++) {
		uint32_t *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ok = m != MAP_FAILED && m[7] == 0;
		if (ok) {
			m[7] = 1;
			munmap(m, PAGE);
		}
	}
	int fd = open("/dev/null", O_RDONLY);
	printf("200 mappings: %s, next descriptor %d\n", ok ? "ok" : "failed", fd);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!only || !strcmp(only, "share"))
		sharing();
	if (!only || !strcmp(only, "hostile"))
		hostile();
	return 0;
}
