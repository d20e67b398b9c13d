// SPDX-License-Identifier: GPL-2.0
// Ordinary programs that used to take McKernel down (issue: fault-safe user
// access, exhaustion, hostile arguments). Each case prints one line per check,
// the same natively and under mcexec, or ends by the same signal.
//
// Usage: survive CASE
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
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
	/* ARCH_GET_CPUID: 1, CPUID runs; ARCH_SET_CPUID: ENODEV without CPUID faulting (or done). */
	printf("arch_prctl-get-cpuid: %ld\n", syscall(SYS_arch_prctl, 0x1011, 0));
	r = syscall(SYS_arch_prctl, 0x1012, 1);
	printf("arch_prctl-set-cpuid: %s\n", r == 0 || errno == ENODEV ? "ok or ENODEV" : err_name(errno));
	report("arch_prctl-unknown", syscall(SYS_arch_prctl, 0x1fff, 0));
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

/* SIGUSR1 handled by @handler, which spoils the frame rt_sigreturn restores. */
static int raise_usr1_through(void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	fflush(stdout);
	raise(SIGUSR1);
	printf("returned\n");
	return 0;
}

/* rt_sigreturn to a non-canonical address: killed by SIGSEGV. */
static int sigreturn_bad_rip(void)
{
	return raise_usr1_through(on_usr1);
}

static void on_usr1_bad_fpstate(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	((ucontext_t *)ctx)->uc_mcontext.fpregs = (fpregset_t)0x10000; /* nothing mapped there */
}

/* rt_sigreturn with saved FPU state that cannot be read: killed by SIGSEGV. */
static int sigreturn_bad_fpstate(void)
{
	return raise_usr1_through(on_usr1_bad_fpstate);
}

/*
 * A 256 MiB region that cannot grow in place, moved by mremap: the contents
 * come along, touching them takes no page fault (the pages moved, as on
 * Linux), and the instance stays RUNNING (the script checks after).
 */
static int mremap_big(void)
{
	size_t len = 256UL << 20, i;
	struct rusage r0, r1;
	char *a = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;
	int bad = 0;

	if (a == MAP_FAILED) {
		printf("mapped: %s\n", err_name(errno));
		return 0;
	}
	mprotect(a + len, 4096, PROT_NONE); /* no room to grow in place */
	for (i = 0; i < len; i += 4096)
		a[i] = (char)(i >> 12);
	b = mremap(a, len, len + (2UL << 20), MREMAP_MAYMOVE);
	if (b == MAP_FAILED) {
		printf("moved: %s\n", err_name(errno));
		return 0;
	}
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < len; i += 4096)
		bad |= b[i] != (char)(i >> 12);
	getrusage(RUSAGE_SELF, &r1);
	printf("moved: %s\ncontents: %s\nfaults-reading-moved: %ld\n", b != a ? "yes" : "no", bad ? "lost" : "kept",
	       r1.ru_minflt - r0.ru_minflt);
	report("munmap", munmap(b, len + (2UL << 20)));
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
 * Fill memory to the end, then split a region page by page with mprotect: the
 * kernel still needs memory for regions and page tables, and a full user
 * memory must not starve it (the LWK keeps a reserve) nor stop it (ENOMEM at
 * worst). On Linux the fill stops at 256 MiB instead of calling in the OOM
 * killer; on McKernel (system call 600 exists) it goes to the end: until a
 * mapping is refused, or comes without its pages (mincore), which its
 * overcommit heuristic does when they no longer fit (docs/lwk.md).
 */
static int fill_then_split(void)
{
	int on_lwk = syscall(600) >= 0;
	size_t chunk = 16UL << 20, limit = on_lwk ? 4096 : 16, n = 0, i, len = 16UL << 20;
	char *a, *last = NULL;

	for (; n < limit; n++) {
		char *c = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char resident = 1;
		if (c == MAP_FAILED)
			break;
		if (on_lwk && (mincore(c, 4096, &resident) != 0 || !(resident & 1))) {
			munmap(c, chunk); /* on first touch: there is no more */
			break;
		}
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

/*
 * The program's descriptors only, the same as natively: the numbers
 * /proc/self/fd lists (mcexec's own are not there), and the numbers from 3 to
 * 1023 that fcntl finds open (none of mcexec's among them).
 */
static int fd_listing(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char line[8192] = "";
	int fds[1024], n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && n < 1024)
			fds[n++] = atoi(e->d_name);
	/* Listed in the directory's order is Linux's; sorted, to compare. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %d", fds[i]);
	printf("listed:%s\n", line);
	line[0] = 0;
	for (int fd = 3; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %d", fd);
	printf("open-from-3-to-1023:%s\n", line);
	if (d)
		closedir(d);
	return 0;
}

/*
 * Threads until pthread_create fails, all joined, then one more, and as many
 * again. RLIMIT_AS (which McKernel keeps itself) at 48 MiB above what the
 * program has makes the stacks (1 MiB each) run out after a few dozen threads
 * on both kernels alike: at the LWK's MCK_MAX_THREADS (16384) or Linux's
 * RLIMIT_NPROC (about 7800 in the virtual node) it takes minutes under
 * emulation, and the count differs.
 */
static _Atomic uint32_t hold;
static void *holder(void *arg)
{
	while (!atomic_load(&hold))
		futex(&hold, FUTEX_WAIT_PRIVATE, 0, NULL);
	return arg;
}

static int exhaust_threads(pthread_attr_t *at, const char *round)
{
	enum { CAP = 1000 };
	static pthread_t t[CAP];
	int n, err = 0, joined = 0;

	atomic_store(&hold, 0);
	for (n = 0; n < CAP; n++)
		if ((err = pthread_create(&t[n], at, holder, NULL)))
			break;
	printf("%s: first failure: %s\n", round, n == CAP ? "capped" : err_name(err));
	atomic_store(&hold, 1);
	futex(&hold, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
	for (int i = 0; i < n; i++)
		joined += pthread_join(t[i], NULL) == 0;
	printf("%s: all joined: %s\n", round, joined == n ? "yes" : "no");
	return n;
}

static int thread_exhaust(void)
{
	pthread_attr_t at;
	pthread_t x;
	struct rlimit as;
	unsigned long vm_kib = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int err, n1, n2;

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmSize: %lu kB", &vm_kib);
	if (f)
		fclose(f);
	as.rlim_cur = as.rlim_max = (vm_kib << 10) + (48UL << 20);
	report("setrlimit-as", vm_kib ? setrlimit(RLIMIT_AS, &as) : -1);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 1 << 20);
	n1 = exhaust_threads(&at, "round 1");
	err = pthread_create(&x, &at, holder, NULL);
	printf("new thread after: %s\n", err_name(err));
	if (!err)
		pthread_join(x, NULL);
	/* Nothing was lost: as many again (give or take a thread's leftovers). */
	n2 = exhaust_threads(&at, "round 2");
	printf("round 2 as many: %s\n", n2 >= n1 - 2 && n2 <= n1 + 2 ? "yes" : "no");
	printf("more than 8: %s\n", n1 > 8 ? "yes" : "no");
	return 0;
}

/*
 * 200 threads wait on 200 words, each woken by its own FUTEX_WAKE; then 100 on
 * one word, moved to a second by FUTEX_CMP_REQUEUE (which counts them, so all
 * are known to wait) and woken 10, 1, the rest, none.
 */
enum { NWORDS = 200, NSAME = 100 };
static _Atomic uint32_t words[NWORDS], same_word, same_word2;
static _Atomic int returned_0;
static void *word_waiter(void *arg)
{
	if (futex(arg, FUTEX_WAIT_PRIVATE, 0, NULL) == 0)
		atomic_fetch_add(&returned_0, 1);
	return NULL;
}

static long futex6(void *addr, int op, uint32_t val, unsigned long val2, void *addr2, uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, val2, addr2, val3);
}

static int futex_many(void)
{
	static pthread_t t[NWORDS];
	pthread_attr_t at;
	struct timespec start, now;
	long woken = 0, moved = 0;
	int i;

	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 10);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < NWORDS; i++)
		pthread_create(&t[i], &at, word_waiter, &words[i]);
	for (i = 0; i < NWORDS; i++) {
		long r;
		/* The word stays 0: the waiter sleeps until a wake finds it. */
		while ((r = futex(&words[i], FUTEX_WAKE_PRIVATE, 1, NULL)) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec > 30)
				break;
			sched_yield();
		}
		woken += r > 0 ? r : 0;
	}
	for (i = 0; i < NWORDS; i++)
		pthread_join(t[i], NULL);
	printf("different words: woken %ld, waits returned 0: %d\n", woken, atomic_load(&returned_0));

	atomic_store(&returned_0, 0);
	for (i = 0; i < NSAME; i++)
		pthread_create(&t[i], &at, word_waiter, &same_word);
	while (moved < NSAME) {
		long r = futex6(&same_word, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT32_MAX, &same_word2, 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (r < 0 || now.tv_sec - start.tv_sec > 60) {
			printf("requeue: %s after %ld\n", r < 0 ? err_name(errno) : "timed out", moved);
			break;
		}
		moved += r;
		if (moved < NSAME)
			sched_yield();
	}
	printf("one word: requeued %ld\n", moved);
	printf("wake 10: %ld\n", futex(&same_word2, FUTEX_WAKE_PRIVATE, 10, NULL));
	printf("wake 1: %ld\n", futex(&same_word2, FUTEX_WAKE_PRIVATE, 1, NULL));
	printf("wake all: %ld\n", futex(&same_word2, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL));
	printf("wake again: %ld\n", futex(&same_word2, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL));
	for (i = 0; i < NSAME; i++)
		pthread_join(t[i], NULL);
	printf("one word: waits returned 0: %d\n", atomic_load(&returned_0));
	return 0;
}

/*
 * 10000 SIGUSR1 at the main thread (4 threads' tgkill and a child's kill)
 * while it makes local (getpid) and offloaded (write to /dev/null) calls
 * (100000 take 73 s under mcexec in the emulated node, 2 s natively);
 * then real-time signals queued to itself up to RLIMIT_SIGPENDING (64), all
 * delivered in order once unblocked.
 */
static _Atomic long handled, rt_handled, rt_out_of_order;
static void count_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}
static void count_rt(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_value.sival_int != atomic_fetch_add(&rt_handled, 1))
		atomic_fetch_add(&rt_out_of_order, 1);
}
static _Atomic int senders_left, storm_go;
static void *usr1_sender(void *arg)
{
	pid_t pid = getpid();
	(void)arg;
	while (!atomic_load(&storm_go))
		sched_yield();
	for (int i = 0; i < 2000; i++)
		syscall(SYS_tgkill, pid, pid, SIGUSR1);
	atomic_fetch_sub(&senders_left, 1);
	return NULL;
}

static int signal_storm(void)
{
	struct sigaction sa = { .sa_handler = count_usr1, .sa_flags = SA_RESTART };
	struct sigaction rt = { .sa_sigaction = count_rt, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct rlimit lim = { 64, 64 };
	pthread_t t[4];
	pid_t pid = getpid(), child;
	long wrong_pid = 0, bad_writes = 0, calls = 0;
	int devnull = open("/dev/null", O_WRONLY), st, queued = 0, err = 0;
	char buf[64] = { 0 };
	sigset_t rtset;

	/*
	 * The senders start once the main thread makes its calls: natively
	 * they could otherwise all be done before its first one (seen in CI).
	 */
	int go[2];
	if (pipe(go) != 0)
		return 1;
	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(&senders_left, 4);
	atomic_store(&storm_go, 0);
	child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < 2000; i++)
			kill(pid, SIGUSR1);
		_exit(0);
	}
	close(go[0]);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, usr1_sender, NULL);
	do {
		wrong_pid += syscall(SYS_getpid) != pid;
		bad_writes += write(devnull, buf, sizeof(buf)) != sizeof(buf);
		calls += 2;
		if (calls == 2) {
			atomic_store(&storm_go, 1);
			while (write(go[1], "g", 1) < 0 && errno == EINTR)
				;
			close(go[1]);
		}
	} while (atomic_load(&senders_left) > 0 || waitpid(child, &st, WNOHANG) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("handled: %s\n", atomic_load(&handled) > 0 ? "yes" : "no");
	printf("calls made: %s, getpid wrong: %ld, writes failed: %ld\n", calls > 0 ? "yes" : "no", wrong_pid,
	       bad_writes);
	printf("child: %s %d\n", WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));

	sigemptyset(&rtset);
	sigaddset(&rtset, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rtset, NULL);
	sigaction(SIGRTMIN, &rt, NULL);
	report("setrlimit-sigpending-64", setrlimit(RLIMIT_SIGPENDING, &lim));
	for (; queued < 100000; queued++)
		if (sigqueue(pid, SIGRTMIN, (union sigval){ .sival_int = queued })) {
			err = errno;
			break;
		}
	printf("rt queued: %d, then %s\n", queued, queued == 100000 ? "capped" : err_name(err));
	sigprocmask(SIG_UNBLOCK, &rtset, NULL);
	printf("rt delivered: %ld, out of order: %ld\n", atomic_load(&rt_handled), atomic_load(&rt_out_of_order));
	report("sigqueue-after", sigqueue(pid, SIGRTMIN, (union sigval){ .sival_int = queued }));
	printf("rt delivered: %ld\n", atomic_load(&rt_handled));
	return 0;
}

/* Unbounded recursion: SIGSEGV at the end of the stack. */
static volatile int depth_sink;
__attribute__((noinline, optimize("no-optimize-sibling-calls"))) static int recurse(int n)
{
	volatile char frame[256];
	if (depth_sink < 0) /* never: keeps the compiler from calling it infinite */
		return 0;
	frame[0] = (char)n;
	depth_sink = n;
	return recurse(n + 1) + frame[0];
}

static int stack_overflow(void)
{
	printf("recursing\n");
	return recurse(0);
}

static char alt[1 << 16];
static void on_segv_alt(int sig)
{
	char here;
	(void)sig;
	printf("handler on the alternate stack: %s\n", &here >= alt && &here < alt + sizeof(alt) ? "yes" : "no");
	fflush(stdout);
	_exit(3);
}

static int stack_overflow_altstack(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa = { .sa_handler = on_segv_alt, .sa_flags = SA_ONSTACK };

	report("sigaltstack", sigaltstack(&ss, NULL));
	sigaction(SIGSEGV, &sa, NULL);
	return recurse(0);
}

static void *recurse_thread(void *arg)
{
	return (void *)(long)recurse((int)(long)arg);
}

static int stack_overflow_thread(void)
{
	pthread_attr_t at;
	pthread_t t;

	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 10);
	printf("thread recursing\n");
	pthread_create(&t, &at, recurse_thread, NULL);
	pthread_join(t, NULL);
	printf("joined\n");
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
		{ "sigreturn-bad-rip", sigreturn_bad_rip }, { "sigreturn-bad-fpstate", sigreturn_bad_fpstate },
		{ "mremap-big", mremap_big }, { "madvise-huge", madvise_huge },
		{ "fill-then-split", fill_then_split }, { "map-big", map_big },
		{ "fd-listing", fd_listing },
		{ "thread-exhaust", thread_exhaust }, { "futex-many", futex_many },
		{ "signal-storm", signal_storm },     { "stack-overflow", stack_overflow },
		{ "stack-overflow-altstack", stack_overflow_altstack },
		{ "stack-overflow-thread", stack_overflow_thread },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc == 2 && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[1], cases[i].name))
			return cases[i].fn();
	fprintf(stderr, "usage: survive CASE\n");
	return 2;
}
