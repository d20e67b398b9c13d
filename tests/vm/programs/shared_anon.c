// SPDX-License-Identifier: GPL-2.0
/*
 * shared_anon: memory shared with fork children and the calls that work on
 * it, printing only what is the same on every run, natively and under mcexec:
 * MAP_SHARED|MAP_ANONYMOUS and /dev/zero pages written both ways across fork,
 * their contents after MADV_DONTNEED, mprotect, munmap and execve in a child; futex
 * wait/wake and CMP_REQUEUE between processes in such a page and
 * FUTEX_CMP_REQUEUE's argument checks; mlock of a hole; NUMA policy
 * round trips (set_mempolicy, mbind, get_mempolicy, libnuma's membind); and
 * hostile arguments to all of them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/futex.h>
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
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2

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

static long futex(uint32_t *uaddr, int op, uint32_t val, unsigned long val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

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
		/* The parent's write after fork; bounded, not shared it never comes. */
		for (int i = 0; i < 5000 && w[2] != 0x3333; i++)
			nap_ms(1);
		w[3] = seen;
		_exit(w[2] == 0x3333 ? 0 : 3);
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

	/* 4 MiB the child fills and the parent reads (Linux's memory: vm.process
	 * checks it is given back when the program ends). */
	size_t big = 4ul << 20;
	volatile uint64_t *buf = map_shared(big, PROT_READ | PROT_WRITE);
	pid_t filler = fork();
	if (filler == 0) {
		for (size_t i = 0; i < big / 8; i++)
			buf[i] = i * 7;
		_exit(0);
	}
	int filled = reap(filler);
	uint64_t sum = 0;
	for (size_t i = 0; i < big / 8; i++)
		sum += buf[i];
	printf("4 MiB filled by a child: status %d, sum %llu\n", filled, (unsigned long long)sum);
	munmap((void *)buf, big);

	/* Shared contents survive MADV_DONTNEED; MADV_FREE is for private memory. */
	printf("madvise DONTNEED: %s, keeps 0x%x\n", res(madvise((void *)w, 2 * PAGE, MADV_DONTNEED)), w[1]);
	printf("madvise FREE: %s\n", res(madvise((void *)w, PAGE, MADV_FREE)));

	/* The child's munmap leaves the parent's mapping alone. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(munmap((void *)w, 2 * PAGE) == 0 ? 0 : 1);
	int unmapped = reap(pid);
	printf("munmap in a child: status %d, parent still reads 0x%x\n", unmapped, w[0]);

	/* A child that writes and then replaces its image: the write stays. */
	pid = fork();
	if (pid == 0) {
		w[4] = 0x4444;
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(99);
	}
	int execed = reap(pid); /* before reading: argument order is unspecified */
	printf("exec in a child: status %d, parent reads 0x%x\n", execed, w[4]);

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

/* A waiter in a child, woken by the parent; then two requeued between words. */
static void futexes(void)
{
	uint32_t *f = map_shared(PAGE, PROT_READ | PROT_WRITE);
	uint32_t *word = f + 10, *ready = f + 20, *done = f + 30, *a = f + 40, *b = f + 50;

	/* Every wait is bounded: without shared pages nobody would ever wake. */
	struct timespec slice = {0, 100000000};
	pid_t pid = fork();
	if (pid == 0) {
		__atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
		for (int i = 0; i < 100 && !__atomic_load_n(word, __ATOMIC_SEQ_CST); i++)
			futex(word, FUTEX_WAIT, 0, (unsigned long)&slice, NULL, 0);
		_exit(__atomic_load_n(word, __ATOMIC_SEQ_CST) ? 0 : 3);
	}
	for (int i = 0; i < 5000 && !__atomic_load_n(ready, __ATOMIC_SEQ_CST); i++)
		nap_ms(1);
	long woke = 0;
	for (int i = 0; i < 5000 && woke == 0; i++) { /* until the child sleeps on it */
		nap_ms(1);
		woke = futex(word, FUTEX_WAKE, 1, 0, NULL, 0);
	}
	__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
	futex(word, FUTEX_WAKE, 1, 0, NULL, 0);
	printf("futex across fork: woke %ld, child status %d\n", woke, reap(pid));

	/* Two children wait on a; the parent moves them to b, then wakes b. */
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			__atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
			/* Requeued, a timed-out wait would come back to a: no time limit here, the parent's is. */
			for (int i = 0; i < 10 && !__atomic_load_n(done, __ATOMIC_SEQ_CST); i++)
				futex(a, FUTEX_WAIT, 0, 0, NULL, 0);
			_exit(__atomic_load_n(done, __ATOMIC_SEQ_CST) ? 0 : 3);
		}
	}
	for (int i = 0; i < 5000 && __atomic_load_n(ready, __ATOMIC_SEQ_CST) < 3; i++)
		nap_ms(1);
	long moved = 0;
	for (int i = 0; i < 5000 && moved < 2; i++) {
		nap_ms(1);
		long r = futex(a, FUTEX_CMP_REQUEUE, 0, 2, b, 0);
		if (r > 0)
			moved += r;
	}
	__atomic_store_n(done, 1, __ATOMIC_SEQ_CST);
	long on_a = futex(a, FUTEX_WAKE, 10, 0, NULL, 0);
	long on_b = futex(b, FUTEX_WAKE, 10, 0, NULL, 0);
	if (moved < 2) { /* the children never shared our page: end them */
		kill(kids[0], SIGKILL);
		kill(kids[1], SIGKILL);
	}
	int s0 = reap(kids[0]), s1 = reap(kids[1]);
	printf("cmp_requeue across fork: moved %ld, then woke %ld on a, %ld on b, status %d %d\n", moved, on_a, on_b, s0,
	       s1);

	/* FUTEX_CMP_REQUEUE's checks, as futex_cmp_requeue02/03. */
	uint32_t *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *gone = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, PAGE);
	*a = 0;
	printf("cmp_requeue nr_requeue -1: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, 1, -1, b, 0)));
	printf("cmp_requeue nr_wake -1: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, -1, 1, b, 0)));
	printf("requeue nr_requeue -1: %s\n", res(futex(a, FUTEX_REQUEUE, 1, -1, b, 0)));
	printf("cmp_requeue *uaddr != val: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, 1, 1, b, 1)));
	printf("cmp_requeue uaddr2 unmapped: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, 1, 1, gone, 0)));
	printf("cmp_requeue uaddr2 PROT_NONE: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, 1, 1, none, 0)));
	printf("cmp_requeue uaddr unmapped: %s\n", res(futex(gone, FUTEX_CMP_REQUEUE, 1, 1, a, 0)));
	printf("cmp_requeue uaddr2 misaligned: %s\n", res(futex(a, FUTEX_CMP_REQUEUE, 1, 1, (uint32_t *)((char *)b + 1), 0)));
	printf("cmp_requeue uaddr2 kernel: %s\n",
	       res(futex(a, FUTEX_CMP_REQUEUE, 1, 1, (uint32_t *)0xffffffff81000000ul, 0)));
	printf("cmp_requeue ok: %ld\n", futex(a, FUTEX_CMP_REQUEUE, 1, 1, b, 0));
	munmap(none, PAGE);
	munmap(f, PAGE);
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

static void mlocks(void)
{
	char *m = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 2 * PAGE, PAGE);
	printf("mlock mapped: %s\n", res(mlock(m, PAGE)));
	printf("mlock unmapped: %s\n", res(mlock(m + 2 * PAGE, PAGE)));
	printf("mlock across a hole: %s\n", res(mlock(m, 4 * PAGE)));
	munlock(m, PAGE);
	munmap(m, 4 * PAGE);
}

static void show_policy(const char *what, void *addr, int flags)
{
	int mode = -1;
	unsigned long mask[2] = {~0ul, ~0ul};
	long r = syscall(SYS_get_mempolicy, &mode, mask, 128, addr, flags);
	if (r)
		printf("%s: %s\n", what, err_name(errno));
	else
		printf("%s: mode %d mask 0x%lx 0x%lx\n", what, mode, mask[0], mask[1]);
}

static void mempolicy(void)
{
	unsigned long node0 = 1, none = 0, far = 1ul << 63;
	show_policy("default", NULL, 0);
	printf("set BIND {0}: %s\n", res(syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 65)));
	show_policy("after BIND", NULL, 0);
	printf("set INTERLEAVE {}: %s\n", res(syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, &none, 65)));
	printf("set BIND {63}: %s\n", res(syscall(SYS_set_mempolicy, MPOL_BIND, &far, 65)));
	printf("set DEFAULT {0}: %s\n", res(syscall(SYS_set_mempolicy, MPOL_DEFAULT, &node0, 65)));
	printf("set BIND bad mask: %s\n", res(syscall(SYS_set_mempolicy, MPOL_BIND, (void *)8, 65)));
	show_policy("still BIND", NULL, 0);
	printf("set PREFERRED {}: %s\n", res(syscall(SYS_set_mempolicy, MPOL_PREFERRED, NULL, 0)));
	show_policy("PREFERRED local", NULL, 0);

	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	printf("mbind INTERLEAVE {0} on page 1: %s\n",
	       res(syscall(SYS_mbind, m + PAGE, PAGE, MPOL_INTERLEAVE, &node0, 65, 0)));
	show_policy("page 0", m, MPOL_F_ADDR);
	show_policy("page 1", m + PAGE, MPOL_F_ADDR);
	int node = -1;
	const char *how = res(syscall(SYS_get_mempolicy, &node, NULL, 0, m, MPOL_F_NODE | MPOL_F_ADDR));
	printf("node of page 0: %s %d\n", how, node);
	munmap(m + 3 * PAGE, PAGE);
	show_policy("unmapped", m + 3 * PAGE, MPOL_F_ADDR);
	show_policy("kernel address", (void *)0xffffffff81000000ul, MPOL_F_ADDR);
	show_policy("address without MPOL_F_ADDR", m, 0);
	printf("mask to a bad pointer: %s\n", res(syscall(SYS_get_mempolicy, NULL, (void *)8, 128, NULL, 0)));
	printf("mask of 0 bits: %s\n", res(syscall(SYS_get_mempolicy, NULL, &node0, 0, NULL, 0)));
	/* The task policy is inherited across fork. */
	pid_t pid = fork();
	if (pid == 0) {
		show_policy("child", NULL, 0);
		fflush(stdout);
		_exit(0);
	}
	reap(pid);
	munmap(m, 3 * PAGE);
	printf("set BIND {0} again: %s\n", res(syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 65)));

	/* libnuma's view, as LTP's NUMA tests take it (numa_get_membind). */
	void *numa = dlopen("libnuma.so.1", RTLD_NOW);
	if (!numa) {
		printf("libnuma: absent\n");
		return;
	}
	struct bitmask *(*get_membind)(void) = (struct bitmask * (*)(void)) dlsym(numa, "numa_get_membind");
	int (*isset)(const struct bitmask *, unsigned int) =
		(int (*)(const struct bitmask *, unsigned int))dlsym(numa, "numa_bitmask_isbitset");
	if (!get_membind || !isset) {
		printf("libnuma: no numa_get_membind\n");
		return;
	}
	struct bitmask *b = get_membind();
	printf("libnuma membind has node 0: %d\n", b ? isset(b, 0) : -1);
	syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
	b = get_membind();
	printf("libnuma membind (default policy) has node 0: %d\n", b ? isset(b, 0) : -1);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!only || !strcmp(only, "share"))
		sharing();
	if (!only || !strcmp(only, "futex"))
		futexes();
	if (!only || !strcmp(only, "hostile"))
		hostile();
	if (!only || !strcmp(only, "mlock"))
		mlocks();
	if (!only || !strcmp(only, "mempolicy"))
		mempolicy();
	return 0;
}
