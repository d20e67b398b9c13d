// SPDX-License-Identifier: GPL-2.0
// Attacks the LWK's and mcexec's handling of user memory and mcexec's own resources
// from an unprivileged LWK program; argv[1] picks the case (see usage()).
//
// Each check prints one line "name: result", where result is an errno name, "ok"
// (0 or a mapping), or a value, so a run under mcexec compares line by line with
// the native run of the same program as the same user (tests/security/test_lwk.sh).
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#include "report.h"
#include "retired_pin.h"

int main(int argc, char **argv);

/* Case 1: the LWK must not let a read-only file be written through a mapping. */
static int ro_file(const char *ro_path, const char *own_path)
{
	char *m, *own, *priv;
	int fd, ofd;
	long r;

	fd = open(ro_path, O_RDONLY);
	if (fd < 0)
		die("open read-only file");
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-r-shared-rdonly", m);
	if (m == MAP_FAILED)
		return 1;
	r = mprotect(m, PAGE, PROT_READ | PROT_WRITE);
	report("mprotect-rw-on-rdonly-shared", r);
	if (r == 0)
		m[0] = 'X';	/* what an attacker does next; the script checks the file */
	r = syscall(SYS_pkey_mprotect, m, PAGE, PROT_READ | PROT_WRITE, -1);
	report("pkey_mprotect-rw-on-rdonly-shared", r);
	/* An offloaded call writing into the read-only shared page (mcexec's view). */
	report("read-into-rdonly-shared", read_pipe_into(m + 16, 16));
	report_map("mmap-rw-shared-rdonly", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));

	/* Positive control: the user's own file, opened for writing. */
	ofd = open(own_path, O_RDWR);
	if (ofd < 0)
		die("open own file");
	own = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ofd, 0);
	report_map("mmap-r-shared-own", own);
	if (own == MAP_FAILED)
		return 1;
	r = mprotect(own, PAGE, PROT_READ | PROT_WRITE);
	report("mprotect-rw-on-own-shared", r);
	if (r == 0) {
		own[0] = 'W';
		report("msync-own-shared", msync(own, PAGE, MS_SYNC));
	}

	/* Positive control: a private copy of the read-only file may be written. */
	priv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	report_map("mmap-r-private-rdonly", priv);
	if (priv == MAP_FAILED)
		return 1;
	r = mprotect(priv, PAGE, PROT_READ | PROT_WRITE);
	report("mprotect-rw-on-rdonly-private", r);
	if (r == 0) {
		priv[0] = 'P';
		printf("private-copy-written: %c\n", priv[0]);
	}
	return 0;
}

/* Case 2: offloaded calls must not write where the program itself may not. */
static int ro_memory(void)
{
	unsigned char before[16], *m;
	int zero = open("/dev/zero", O_RDONLY), same;

	if (zero < 0)
		die("open /dev/zero");
	m = map_anon(PAGE, PROT_READ | PROT_WRITE);
	memset(m, 0x11, PAGE);
	report("read-into-rw-anon", read(zero, m, 16));
	memset(m, 0x11, PAGE);
	mprotect(m, PAGE, PROT_READ);
	report("read-into-readonly-anon", read(zero, m, 16));
	printf("readonly-page-unchanged: %s\n", m[0] == 0x11 && m[15] == 0x11 ? "yes" : "no");
	mprotect(m, PAGE, PROT_NONE);
	report("read-into-none-anon", read(zero, m, 16));
	mprotect(m, PAGE, PROT_READ);
	printf("none-page-unchanged: %s\n", m[0] == 0x11 && m[15] == 0x11 ? "yes" : "no");
	memcpy(before, (void *)main, sizeof(before));
	report("read-into-own-text", read(zero, (void *)main, 16));
	same = !memcmp(before, (void *)main, sizeof(before));
	printf("text-unchanged: %s\n", same ? "yes" : "no");
	return 0;
}

/*
 * Case 3: after munmap, mcexec's view of the old pages must be gone, even after
 * an offloaded call (pkey_mprotect or mbind, per @how) changed mcexec's mapping.
 * The 2 MiB sit between two mappings that stay, so the 64 MiB allocated after
 * cannot land on the old address.
 */
static int stale_view(const char *how)
{
	const size_t big = 64 * MIB;
	unsigned char *all, *a, *b;
	size_t bad = 0;
	long r;

	all = map_anon(6 * MIB, PROT_READ | PROT_WRITE);
	a = all + 2 * MIB;
	memset(all, 0x33, 6 * MIB);
	report("offloaded-read-into-own", read_pipe_into(a, 16));
	if (!strcmp(how, "pkey"))
		r = syscall(SYS_pkey_mprotect, a + PAGE, PAGE, PROT_READ, -1);
	else
		r = syscall(SYS_mbind, a + PAGE, PAGE, 0 /* MPOL_DEFAULT */, NULL, 0ul, 0u);
	report(!strcmp(how, "pkey") ? "pkey_mprotect-read-own" : "mbind-default-own", r);
	report("munmap-old", munmap(a, 2 * MIB));
	b = map_anon(big, PROT_READ | PROT_WRITE);
	memset(b, 0xc3, big);
	printf("new-memory-overlaps-old: %s\n", b < a + 2 * MIB && a < b + big ? "yes" : "no");
	report("read-into-old", read_pipe_into(a, 16));
	report("read-into-old-split-page", read_pipe_into(a + PAGE, 16));
	report("read-into-old-after-split", read_pipe_into(a + 2 * PAGE, 16));
	report("read-into-old-end", read_pipe_into(a + 2 * MIB - 16, 16));
	for (size_t i = 0; i < big; i++)
		bad += b[i] != 0xc3;
	printf("new-memory-unchanged: %s\n", bad ? "no" : "yes");
	if (bad)
		printf("new-memory-bytes-changed: %zu\n", bad);
	return 0;
}

/* Case 4: memory calls on addresses no program may touch. */
static int kernel_addr(void)
{
	static const struct {
		const char *name;
		uintptr_t addr;
	} where[] = {
		{ "kernel", 0xffffffff80200000ul },
		{ "noncanonical", 0x800000000000ul },
		{ "mcexec-range", 0x500000000000ul },
	};
	unsigned char vec[1];
	char name[64];

	report("madvise-dontneed-kernel", madvise((void *)0xffffffff80200000ul, PAGE, MADV_DONTNEED));
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		void *a = (void *)where[i].addr;

#define CHECK(call, expr) \
	do { \
		snprintf(name, sizeof(name), "%s-%s", call, where[i].name); \
		report(name, expr); \
	} while (0)
		CHECK("mprotect", mprotect(a, PAGE, PROT_READ));
		CHECK("munmap", munmap(a, PAGE));
		CHECK("mlock", mlock(a, PAGE));
		CHECK("munlock", munlock(a, PAGE));
		CHECK("msync", msync(a, PAGE, MS_SYNC));
		CHECK("mincore", mincore(a, PAGE, vec));
		snprintf(name, sizeof(name), "mremap-%s", where[i].name);
		report_map(name, mremap(a, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
		CHECK("madvise-free", madvise(a, PAGE, MADV_FREE));
#undef CHECK
	}
	printf("done\n");
	return 0;
}

/* -1 keeps its errno; @want itself is 0 ("ok"); anything else is itself. */
static long is_fd(long ret, int want)
{
	return ret == want ? 0 : ret;
}

/* Every call that names descriptor @fd (called @what), as the program may. */
static void probe_fd(const char *what, int fd, int pidfd)
{
	void *page = map_anon(PAGE, PROT_READ | PROT_WRITE);
	struct mcexec_pin_retired pin = { .addr = (uintptr_t)page, .len = PAGE, .list_phys = 0, .list_len = 1 };
	char name[80];

#define PROBE(call, expr) \
	do { \
		snprintf(name, sizeof(name), "%s-%s", call, what); \
		report(name, expr); \
	} while (0)
	PROBE("ioctl-pin", ioctl(fd, MCEXEC_PIN_RETIRED, &pin));
	PROBE("fcntl-getfd", fcntl(fd, F_GETFD));
	PROBE("dup-of", dup(fd) < 0 ? -1 : 0);
	PROBE("pidfd_getfd-of", pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, fd, 0) < 0 ? -1 : 0);
	PROBE("close", close(fd));
	PROBE("dup2-1-onto", is_fd(dup2(1, fd), fd));
	PROBE("dup3-1-onto", is_fd(dup3(1, fd, O_CLOEXEC), fd));
	PROBE("close-again", close(fd));
	PROBE("fcntl-dupfd-1-from", is_fd(fcntl(1, F_DUPFD, fd), fd));
	PROBE("close-dupfd", close(fd));
#undef PROBE
	munmap(page, PAGE);
}

/*
 * Case 6: mcexec's own descriptors sit at the top of RLIMIT_NOFILE's hard
 * limit, above the program's: every number the program can name answers as
 * on Linux. Named relative to the program's own limits, so the lines are the
 * same whatever the limits are.
 */
static int mcexec_fds(void)
{
	struct rlimit r;
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	static const struct {
		const char *name;
		int from; /* 0: the number itself; 1: the soft limit; 2: the hard limit */
		long off;
	} at[] = {
		{ "1000", 0, 1000 }, { "1001", 0, 1001 }, { "soft-1", 1, -1 }, { "soft", 1, 0 },
		{ "hard-2", 2, -2 }, { "hard-1", 2, -1 }, { "hard", 2, 0 },    { "hard+1", 2, 1 },
	};

	report("pidfd_open-self", pidfd < 0 ? -1 : 0);
	if (getrlimit(RLIMIT_NOFILE, &r))
		die("getrlimit");
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		long fd = at[i].off + (at[i].from == 1 ? (long)r.rlim_cur : at[i].from == 2 ? (long)r.rlim_max : 0);

		if (fd >= 3 && fd < INT_MAX)
			probe_fd(at[i].name, (int)fd, pidfd);
	}
	printf("done\n");
	return 0;
}

/*
 * Case 6: the program's RLIMIT_NOFILE (the script checks the values against
 * Linux's), and Linux's rules for it: getrlimit, prlimit64, sysconf and
 * getdtablesize agree; the hard limit cannot be raised; lowered limits hold
 * for opening.
 */
static int nofile(void)
{
	struct rlimit r, p, low = { 64, 128 }, got;
	int n = 0, fd;

	if (getrlimit(RLIMIT_NOFILE, &r))
		die("getrlimit");
	printf("nofile-soft: %llu\nnofile-hard: %llu\n", (unsigned long long)r.rlim_cur,
	       (unsigned long long)r.rlim_max);
	report("prlimit64-get", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &p));
	printf("prlimit64-as-getrlimit: %s\n", p.rlim_cur == r.rlim_cur && p.rlim_max == r.rlim_max ? "yes" : "no");
	printf("sysconf-open-max-is-soft: %s\n", sysconf(_SC_OPEN_MAX) == (long)r.rlim_cur ? "yes" : "no");
	printf("getdtablesize-is-soft: %s\n", getdtablesize() == (int)r.rlim_cur ? "yes" : "no");
	p = (struct rlimit){ r.rlim_max + 1, r.rlim_max + 1 };
	report("setrlimit-hard+1", setrlimit(RLIMIT_NOFILE, &p));
	p = (struct rlimit){ r.rlim_max, r.rlim_max - 1 };
	report("setrlimit-soft-above-hard", setrlimit(RLIMIT_NOFILE, &p));
	report("setrlimit-null", syscall(SYS_setrlimit, RLIMIT_NOFILE, NULL));
	report("getrlimit-null", syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL));
	p = (struct rlimit){ r.rlim_max, r.rlim_max };
	report("setrlimit-soft-to-hard", setrlimit(RLIMIT_NOFILE, &p));
	report("dup2-1-onto-hard-1", is_fd(dup2(1, (int)r.rlim_max - 1), (int)r.rlim_max - 1));
	report("dup2-1-onto-hard", is_fd(dup2(1, (int)r.rlim_max), (int)r.rlim_max));
	report("close-hard-1", close((int)r.rlim_max - 1));
	report("prlimit64-set-64-128", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &low, &p));
	printf("prlimit64-old-is-hard-hard: %s\n", p.rlim_cur == r.rlim_max && p.rlim_max == r.rlim_max ? "yes" : "no");
	report("getrlimit-after", getrlimit(RLIMIT_NOFILE, &got));
	printf("after-lowering: %llu %llu\n", (unsigned long long)got.rlim_cur, (unsigned long long)got.rlim_max);
	p = (struct rlimit){ 64, 129 };
	report("setrlimit-hard-129", setrlimit(RLIMIT_NOFILE, &p));
	report("dup2-1-onto-63", is_fd(dup2(1, 63), 63));
	report("dup2-1-onto-64", is_fd(dup2(1, 64), 64));
	report("close-63", close(63));
	/* Every number below 64 the program's: as many opens as natively, then EMFILE. */
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	printf("opens-until-full: %d\n", n);
	report("open-when-full", fd);
	report("pipe-when-full", pipe((int[2]){ 0, 0 }));
	printf("done\n");
	return 0;
}

/* Case 6, last: closing every descriptor must not close mcexec's. */
static int close_range_all(void)
{
	report("close_range-3-to-max", syscall(SYS_close_range, 3u, ~0u, 0u));
	printf("alive-after-close_range: yes\n");
	report("open-after-close_range", open("/dev/null", O_RDONLY));
	printf("done\n");
	return 0;
}

/*
 * Case 7: pointers into mcexec's private memory (at and above MCK_USER_END);
 * @which picks one check, so a check that kills mcexec today hides no other.
 */
static int mcexec_ptr(int which)
{
	char *const above = (char *)MCK_USER_END, *const far = (char *)0x500000000000ul;
	char buf[64] = { 0 };
	struct iovec local = { buf, 16 }, remote = { above + PAGE, 16 }, bad = { above + PAGE, 16 };
	int p[2];

	switch (which) {
	case 0:
		report("read-into-64TiB", read_pipe_into(above, 16));
		break;
	case 1: {
		/* The last page of the user range is the program's; the rest is not. */
		void *last = mmap(above - PAGE, PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		report_map("map-last-user-page", last);
		report("read-straddling-64TiB", read_pipe_into(above - 8, 64));
		break;
	}
	case 2:
		/* mcexec's PIE base without ASLR; into a pipe, so a leak shows as a count. */
		if (pipe(p))
			die("pipe");
		report("write-from-0x555555554000", write(p[1], (void *)0x555555554000ul, 16));
		break;
	case 3:
		report("readlink-self-exe-into-mcexec", readlink("/proc/self/exe", far, 64));
		break;
	case 4:
		report("readlink-path-in-mcexec", readlink(far, buf, sizeof(buf)));
		break;
	case 5:
		report("readlink-path-unmapped-0x10000", readlink((char *)0x10000, buf, sizeof(buf)));
		break;
	case 6:
		pipe_with(p, 0x5a, 16);
		report("writev-from-64TiB", writev(p[1], &bad, 1));
		break;
	case 7:
		pipe_with(p, 0x5a, 16);
		report("readv-into-64TiB", readv(p[0], &bad, 1));
		break;
	case 8:
		report("process_vm_readv-self-64TiB", process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
		break;
	default:
		return 1;
	}
	printf("done\n");
	return 0;
}

/*
 * Case 7, under mcexec only: the mappings /proc/self/maps shows above 64 TiB
 * (mcexec's, if it shows mcexec's) must not be reachable either. Natively those
 * are the program's own, so the script asserts this one explicitly.
 */
static int mcexec_maps(void)
{
	char line[512], buf[16];
	uintptr_t start = 0, lo, hi;
	char perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("open /proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) == 3 && lo >= MCK_USER_END &&
		    perms[1] == 'w' && strstr(line, "[stack]"))
			start = lo;
	fclose(f);
	if (!start) {
		printf("read-into-stack-above-64TiB: none\n");
		printf("process_vm_readv-stack-above-64TiB: none\n");
	} else {
		struct iovec local = { buf, sizeof(buf) }, remote = { (void *)start, sizeof(buf) };

		report("read-into-stack-above-64TiB", read_pipe_into((void *)start, 16));
		report("process_vm_readv-stack-above-64TiB", process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	}
	printf("done\n");
	return 0;
}

/* Case 8: /proc/self/mem under mcexec is mcexec's memory. */
static int proc_self_mem(void)
{
	int fd = open("/proc/self/mem", O_RDWR);

	printf("open-proc-self-mem-rdwr: %s\n", fd >= 0 ? "ok" : errno_name(errno));
	printf("done\n");
	return 0;
}

/*
 * Case 8: while one thread opens /proc/self/mem (and its other names) again and
 * again, another reads through every descriptor from 3 to 64 at the address of
 * a variable of the program: under mcexec no open may succeed, not even for
 * the moment before mcexec refuses it, so no read may either. Natively the
 * files are the program's own and the reads succeed (the script checks the
 * reader does find them).
 */
static _Atomic int race_stop;
static const char race_secret[16] = "secret-bytes";

static void *race_reader(void *arg)
{
	long *reads = arg;
	char buf[8];

	while (!atomic_load(&race_stop))
		for (int fd = 3; fd <= 64; fd++)
			if (pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)race_secret) == (ssize_t)sizeof(buf) &&
			    !memcmp(buf, race_secret, sizeof(buf)))
				(*reads)++;
	return NULL;
}

static int mem_race(void)
{
	char pid_mem[64], pid_pagemap[64];
	const char *paths[4] = { "/proc/self/mem", "/proc/thread-self/mem", pid_mem, pid_pagemap };
	long reads = 0, opens = 0, tries = 0;
	struct timespec start, now;
	pthread_t t;

	snprintf(pid_mem, sizeof(pid_mem), "/proc/%d/mem", (int)getpid());
	snprintf(pid_pagemap, sizeof(pid_pagemap), "/proc/%d/pagemap", (int)getpid());
	pthread_create(&t, NULL, race_reader, &reads);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		int fd = open(paths[tries % 4], tries % 8 < 4 ? O_RDONLY : O_RDWR);

		if (fd >= 0) {
			opens++;
			usleep(100); /* natively: give the reader a moment */
			close(fd);
		}
		tries++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 2);
	atomic_store(&race_stop, 1);
	pthread_join(t, NULL);
	printf("opens: %s\nreads-of-the-program-through-mem: %s\n", opens ? "some" : "none", reads ? "some" : "none");
	printf("done\n");
	return 0;
}

/* mcexec's (under mcexec: the process that pins) VmPin in kB, -1 if absent. */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * Case 15: shared file mappings pin Linux's pages, charged to RLIMIT_MEMLOCK.
 * Maps FILE (at least 4 MiB) shared, SIZES in KiB one after the other (kept),
 * touching each; prints each result and VmPin after it.
 */
static int pin_limit(const char *path, int nsizes, char **sizes)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open");
	for (int i = 0; i < nsizes; i++) {
		size_t len = strtoul(sizes[i], NULL, 10) * 1024;
		volatile char *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

		if (m != MAP_FAILED)
			(void)m[len - 1];
		printf("map-%s-KiB: %s\n", sizes[i], m == MAP_FAILED ? errno_name(errno) : "ok");
		printf("vmpin-kB: %ld\n", vm_pin_kb());
	}
	printf("done\n");
	return 0;
}

/*
 * Case 17: a noexec mount. FILE and SO (a shared library) lie on it, PROG is
 * an executable there; EXEC_FILE is FILE's copy on a mount that allows
 * executing (the positive control).
 */
static int noexec(const char *file, const char *so, const char *prog, const char *exec_file)
{
	int fd = open(file, O_RDONLY), xfd = open(exec_file, O_RDONLY);
	char *m;
	void *h;
	pid_t c;
	int st = 0;

	if (fd < 0 || xfd < 0)
		die("open");
	report_map("mmap-private-exec-noexec", mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0));
	report_map("mmap-shared-exec-noexec", mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
	m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	report_map("mmap-private-read-noexec", m);
	if (m != MAP_FAILED) {
		report("mprotect-exec-private-noexec", mprotect(m, PAGE, PROT_READ | PROT_EXEC));
		report("pkey_mprotect-exec-private-noexec",
		       syscall(SYS_pkey_mprotect, m + PAGE, PAGE, PROT_READ | PROT_EXEC, -1));
		report("mprotect-rw-private-noexec", mprotect(m, PAGE, PROT_READ | PROT_WRITE));
	}
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-shared-read-noexec", m);
	if (m != MAP_FAILED)
		report("mprotect-exec-shared-noexec", mprotect(m, PAGE, PROT_READ | PROT_EXEC));
	m = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, xfd, 0);
	report("mprotect-exec-private-control",
	       m == MAP_FAILED ? -1 : mprotect(m, PAGE, PROT_READ | PROT_EXEC));
	report_map("mmap-private-exec-control", mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, xfd, 0));
	h = dlopen(so, RTLD_NOW);
	printf("dlopen-noexec: %s\n", h ? "ok" : strstr(dlerror(), "failed to map segment") ? "failed to map segment" : "failed");
	c = fork();
	if (c == 0) {
		char *argv[] = { (char *)prog, NULL };

		execv(prog, argv);
		_exit(errno == EACCES ? 13 : 1);
	}
	if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st))
		printf("execve-noexec: %s\n", WEXITSTATUS(st) == 13 ? "EACCES" : "not EACCES");
	else
		printf("execve-noexec: fork or wait failed\n");
	printf("done\n");
	return 0;
}

/*
 * Case 18: memory calls aimed at mcexec's range (0x500000000000), which the
 * program does not have: each as Linux answers for an address above the
 * program's task size or not mapped. Then ptrace of mcexec.
 */
static int mcexec_range(void)
{
	void *const far = (void *)0x500000000000ul;
	unsigned long mask = 1;

	report_map("mmap-fixed-mcexec-range", mmap(far, PAGE, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	munmap(far, PAGE);	/* natively it was mapped: gone again */
	report("pkey_mprotect-mcexec-range", syscall(SYS_pkey_mprotect, far, PAGE, PROT_READ, -1));
	report("madvise-dontneed-mcexec-range", madvise(far, PAGE, MADV_DONTNEED));
	report("mbind-mcexec-range", syscall(SYS_mbind, far, PAGE, 0 /* MPOL_DEFAULT */, NULL, 0ul, 0u));
	report("mbind-bind-mcexec-range", syscall(SYS_mbind, far, PAGE, 2 /* MPOL_BIND */, &mask, 2ul, 0u));
	printf("brk-to-mcexec-range: %s\n",
	       syscall(SYS_brk, (unsigned long)far) == (long)far ? "moved" : "unchanged");
	report("ptrace-attach-self", ptrace(PTRACE_ATTACH, getpid(), 0, 0));
	report("ptrace-seize-self", ptrace(PTRACE_SEIZE, getpid(), 0, 0));
	report("getpid-after", getpid() > 0 ? 0 : -1);
	printf("done\n");
	return 0;
}

/* Case 18, last: PTRACE_TRACEME (natively the parent becomes the tracer). */
static int traceme(void)
{
	report("ptrace-traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
	printf("done\n");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: hostile ro-file RO OWN | ro-memory | stale-view pkey|mbind | kernel-addr |\n"
			"               mcexec-fds | nofile | close-range | mcexec-ptr 0-8 | mcexec-maps | proc-self-mem |\n"
			"               mem-race | pin-limit FILE KIB... | noexec FILE SO PROG EXEC_FILE | mcexec-range |\n"
			"               traceme\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* every line out before a check can kill us */
	if (argc == 4 && !strcmp(argv[1], "ro-file"))
		return ro_file(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "ro-memory"))
		return ro_memory();
	if (argc == 3 && !strcmp(argv[1], "stale-view") && (!strcmp(argv[2], "pkey") || !strcmp(argv[2], "mbind")))
		return stale_view(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "kernel-addr"))
		return kernel_addr();
	if (argc == 2 && !strcmp(argv[1], "mcexec-fds"))
		return mcexec_fds();
	if (argc == 2 && !strcmp(argv[1], "nofile"))
		return nofile();
	if (argc == 2 && !strcmp(argv[1], "close-range"))
		return close_range_all();
	if (argc == 3 && !strcmp(argv[1], "mcexec-ptr"))
		return mcexec_ptr(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "mcexec-maps"))
		return mcexec_maps();
	if (argc == 2 && !strcmp(argv[1], "mem-race"))
		return mem_race();
	if (argc == 2 && !strcmp(argv[1], "proc-self-mem"))
		return proc_self_mem();
	if (argc >= 4 && !strcmp(argv[1], "pin-limit"))
		return pin_limit(argv[2], argc - 3, argv + 3);
	if (argc == 6 && !strcmp(argv[1], "noexec"))
		return noexec(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 2 && !strcmp(argv[1], "mcexec-range"))
		return mcexec_range();
	if (argc == 2 && !strcmp(argv[1], "traceme"))
		return traceme();
	return usage();
}
