// SPDX-License-Identifier: GPL-2.0
// Ordinary programs that used to take McKernel down (issue: fault-safe user
// access, exhaustion, hostile arguments). Each case prints one line per check,
// the same natively and under mcexec, or ends by the same signal.
//
// Usage: survive CASE
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096UL

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	default: return strerror(e);
	}
}

static void report(const char *what, long ret)
{
	printf("%s: %s\n", what, ret == -1 ? err_name(errno) : "ok");
}

/* One thread flips a page's protection while another has the kernel write into it. */
static _Atomic int stop;
static void *flipper(void *page)
{
	while (!atomic_load(&stop)) {
		mprotect(page, PAGE, PROT_NONE);
		mprotect(page, PAGE, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

static int uaccess_race(void)
{
	char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	long calls = 0, faults = 0;
	struct timespec start, now;

	pthread_create(&t, NULL, flipper, page);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		/* The kernel writes (clock_gettime, sigprocmask's old set) and reads (its new set) the page. */
		faults += syscall(SYS_clock_gettime, CLOCK_MONOTONIC, page) != 0;
		faults += syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, page, 8) != 0;
		faults += syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, page, NULL, 8) != 0;
		calls += 3;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 2);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("uaccess-race: %s\n", calls > 0 && faults <= calls ? "done" : "bad counts");
	return 0;
}

/* LTP brk02: shrink the heap over a page made read-only. */
static int brk_ro_shrink(void)
{
	char *base = sbrk(0);
	char *top = (char *)(((uintptr_t)base + 3 * PAGE + PAGE - 1) & ~(PAGE - 1));

	report("brk-grow", syscall(SYS_brk, top) == (long)top ? 0 : -1);
	memset(top - 3 * PAGE, 0x5a, 3 * PAGE);
	report("mprotect-ro", mprotect(top - 2 * PAGE, PAGE, PROT_READ));
	report("brk-shrink", syscall(SYS_brk, top - 2 * PAGE + 16) == (long)(top - 2 * PAGE + 16) ? 0 : -1);
	printf("done\n");
	return 0;
}

/* mremap(MREMAP_MAYMOVE) of memory nobody ever touched, PROT_NONE. */
static int mremap_none(void)
{
	char *a = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b;

	/* Block the way up, so it has to move. */
	mmap(a + 8 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	b = mremap(a, 8 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	report("mremap-maymove-none", b == MAP_FAILED ? -1 : 0);
	if (b != MAP_FAILED) {
		report("mprotect-rw", mprotect(b, 64 * PAGE, PROT_READ | PROT_WRITE));
		printf("reads-zero: %s\n", b[0] == 0 && b[63 * PAGE] == 0 ? "yes" : "no");
	}
	return 0;
}

static long futex(void *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static _Atomic uint32_t word;
static void *waker(void *arg)
{
	(void)arg;
	usleep(200000);
	atomic_store(&word, 1);
	futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL);
	return NULL;
}

static int futex_bad(void)
{
	struct timespec forever = { 10000000000LL, 0 }; /* 1e10 s */
	pthread_t t;

	report("wake-null-shared", futex(NULL, FUTEX_WAKE, 1, NULL));
	report("wake-kernel-private", futex((void *)0xffffffff80000000UL, FUTEX_WAKE_PRIVATE, 1, NULL));
	report("wake-unaligned", futex((char *)&word + 1, FUTEX_WAKE_PRIVATE, 1, NULL));
	report("wait-null", futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL));
	report("wait-mismatch", futex(&word, FUTEX_WAIT_PRIVATE, 7, &forever));
	pthread_create(&t, NULL, waker, NULL);
	/* A 1e10 s timeout: woken by the other thread, not timed out at once. */
	long r;
	do
		r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &forever);
	while (r == 0 && atomic_load(&word) == 0);
	report("wait-1e10s-until-woken", r == -1 && errno == EAGAIN ? 0 : r);
	pthread_join(t, NULL);
	return 0;
}

static int clone_tls(void)
{
	/* Fails before it creates anything: a kernel address as the thread pointer. */
	long r = syscall(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
					    CLONE_SETTLS,
			 NULL, NULL, NULL, 0xffff800000000000UL);
	if (r == 0)
		syscall(SYS_exit, 0); /* must not happen; do not run on the parent's stack */
	report("clone-kernel-tls", r);
	report("arch_prctl-kernel-fs", syscall(SYS_arch_prctl, 0x1002, 0xffff800000000000UL));
	return 0;
}

static void on_segv(int sig)
{
	(void)sig;
	printf("handler ran\n");
	fflush(stdout);
	_exit(3);
}

/* LTP mremap01: the SIGSEGV handler's frame does not fit: killed by SIGSEGV. */
static int segv_no_room(void)
{
	signal(SIGSEGV, on_segv);
	fflush(stdout);
	__asm__ volatile("movq $0x1000, %%rsp\n\tmovq $0, (%%rsp)" ::: "memory");
	return 0;
}

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000UL; /* non-canonical */
}

/* rt_sigreturn to a non-canonical address: killed by SIGSEGV. */
static int sigreturn_bad_rip(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	fflush(stdout);
	raise(SIGUSR1);
	printf("returned\n");
	return 0;
}

static int madvise_huge(void)
{
	/* 15 TiB of nothing: below the program, natively and on the LWK. */
	report("madvise-15TiB-dontneed", madvise((void *)0x10000, 15UL << 40, MADV_DONTNEED));
	report("madvise-15TiB-willneed", madvise((void *)0x10000, 15UL << 40, MADV_WILLNEED));
	report("madvise-bad-advice", madvise((void *)0x10000, PAGE, 77));
	return 0;
}

/*
 * Fill memory until mmap says ENOMEM, then split a region page by page with
 * mprotect: the kernel still needs memory for regions and page tables, and a
 * full user memory must not starve it (the LWK keeps a reserve) nor stop it
 * (ENOMEM at worst). On Linux the fill stops at 256 MiB instead of calling in
 * the OOM killer; on McKernel (system call 600 exists) it goes to the end.
 */
static int fill_then_split(void)
{
	int on_lwk = syscall(600) >= 0;
	size_t chunk = 16UL << 20, limit = on_lwk ? 4096 : 16, n = 0, i, len = 16UL << 20;
	char *a, *last = NULL;

	for (; n < limit; n++) {
		char *c = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			break;
		for (i = 0; i < chunk; i += 4096)
			c[i] = 1;
		last = c;
	}
	printf("filled: %s\n", n > 0 ? "yes" : "no");
	/*
	 * Split 16 MiB into 4096 regions, its 2 MiB pages into tables: room for
	 * the pages is made by giving back the last chunk, the regions and tables
	 * need kernel memory on top.
	 */
	if (n > 0)
		munmap(last, chunk);
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		printf("map-split-region: %s\n", err_name(errno));
		return 0;
	}
	for (i = 0; i < len; i += 2 * 4096)
		if (mprotect(a + i, 4096, PROT_READ) && errno != ENOMEM)
			break;
	printf("split-alternate: %s\n", i >= len || errno == ENOMEM ? "done" : err_name(errno));
	printf("still-writable: %s\n", (a[4096] = 2) == 2 ? "yes" : "no");
	report("munmap", munmap(a, len));
	return 0;
}

/*
 * One large mapping, touched: on McKernel it is backed when it is made, so the
 * touching takes no page faults (the script checks, and polls the instance's
 * status meanwhile). Size in MiB from SURVIVE_MIB (default 600).
 */
static int map_big(void)
{
	const char *env = getenv("SURVIVE_MIB");
	size_t len = (env ? strtoul(env, NULL, 10) : 600) << 20, i;
	struct rusage r0, r1;
	char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED) {
		printf("mapped: %s\n", err_name(errno));
		return 0;
	}
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < len; i += 4096)
		a[i] = 1;
	getrusage(RUSAGE_SELF, &r1);
	printf("mapped: yes\nfaults-while-touching: %ld\n", r1.ru_minflt - r0.ru_minflt);
	return 0;
}

/* The program's descriptors only: mcexec's own (1000 and up) are not listed. */
static int fd_listing(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int high = 0, low = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			*(atoi(e->d_name) >= 1000 ? &high : &low) += 1;
	printf("fds-below-1000: %s\nfds-from-1000: %d\n", low >= 3 ? "yes" : "no", high);
	if (d)
		closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "uaccess-race", uaccess_race }, { "brk-ro-shrink", brk_ro_shrink },
		{ "mremap-none", mremap_none },   { "futex-bad", futex_bad },
		{ "clone-tls", clone_tls },       { "segv-no-room", segv_no_room },
		{ "sigreturn-bad-rip", sigreturn_bad_rip }, { "madvise-huge", madvise_huge },
		{ "fill-then-split", fill_then_split }, { "map-big", map_big },
		{ "fd-listing", fd_listing },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc == 2 && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[1], cases[i].name))
			return cases[i].fn();
	fprintf(stderr, "usage: survive CASE\n");
	return 2;
}
