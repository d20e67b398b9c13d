// SPDX-License-Identifier: GPL-2.0
/*
 * mlock_limit: mlock, mlock2, munlock, mlockall and munlockall against
 * RLIMIT_MEMLOCK, one line per call, the same natively and under mcexec
 * (tests/vm/test_process.sh). It drops CAP_IPC_LOCK first (run as root): with a
 * limit of 16 pages, locked pages count once however often they are locked,
 * munlock gives them back, a fork child starts with none, mlockall of the
 * whole process is ENOMEM; after mlockall(MCL_FUTURE) new mappings count
 * too (EAGAIN past the limit); with a limit of 0, EPERM. /proc/self/status's
 * VmLck says what is locked; the heap grown by sbrk is locked and counted too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul

static char *p_all; /* the 32 pages main() locks and unlocks */

static const char *err(long ret) { return ret == -1 ? strerrorname_np(errno) : "ok"; }

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_IPC_LOCK);
	d[0].permitted &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d);
}

static int limit(rlim_t bytes)
{
	struct rlimit r = { bytes, bytes };
	return setrlimit(RLIMIT_MEMLOCK, &r);
}

/* VmLck of /proc/self/status, in pages; -1 if it cannot be read. */
static long locked_pages(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / 4;
}

static char *map(unsigned long pages)
{
	char *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap of %lu pages: %s\n", pages, m == MAP_FAILED ? strerrorname_np(errno) : "ok");
	return m;
}

/* mlockall(MCL_FUTURE): new mappings are locked and count against the limit
   of 16 pages (mmap: EAGAIN past it), not in a fork child; munlockall ends it. */
static void future(void)
{
	char *a, *b, *c;
	pid_t child;
	int status;

	printf("munlock pages 0-15: %s\n", err(munlock(p_all, 16 * PAGE)));
	printf("mlockall(MCL_FUTURE): %s\n", err(mlockall(MCL_FUTURE)));
	a = map(8);
	b = map(8);
	printf("VmLck: %ld pages\n", locked_pages());
	map(1);
	munmap(a, 8 * PAGE);
	c = map(4);
	printf("VmLck after unmapping 8 and mapping 4: %ld pages\n", locked_pages());
	/* The heap is locked too, and counted page by page up to the break. */
	printf("sbrk by 2 pages: %s\n", sbrk(2 * PAGE) == (void *)-1 ? strerrorname_np(errno) : "ok");
	printf("VmLck after sbrk: %ld pages\n", locked_pages());
	printf("sbrk by 4 pages more: %s\n", sbrk(4 * PAGE) == (void *)-1 ? strerrorname_np(errno) : "ok");
	printf("sbrk back by 2 pages: %s\n", sbrk(-2 * (long)PAGE) == (void *)-1 ? strerrorname_np(errno) : "ok");
	printf("VmLck after giving them back: %ld pages\n", locked_pages());
	child = fork();
	if (child == 0) /* MCL_FUTURE is not inherited */
		_exit(mmap(NULL, 32 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 1 : 0);
	waitpid(child, &status, 0);
	printf("child maps 32 pages: status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("munlockall: %s\n", err(munlockall()));
	a = map(32);
	printf("VmLck after munlockall: %ld pages\n", locked_pages());
	munmap(a, 32 * PAGE);
	munmap(b, 8 * PAGE);
	munmap(c, 4 * PAGE);
	printf("mlock pages 0-15 again: %s\n", err(mlock(p_all, 16 * PAGE)));
}

int main(void)
{
	char *p = p_all = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole;
	pid_t child;
	int status;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (p == MAP_FAILED)
		return 1;
	printf("without CAP_IPC_LOCK: %s\n", err(drop_ipc_lock()));
	printf("limit of 16 pages: %s\n", err(limit(16 * PAGE)));
	printf("mlock pages 0-7: %s\n", err(mlock(p, 8 * PAGE)));
	printf("mlock pages 0-7 again: %s\n", err(mlock(p, 8 * PAGE)));
	printf("mlock pages 4-15 (8-15 new): %s\n", err(mlock(p + 4 * PAGE, 12 * PAGE)));
	printf("mlock page 16: %s\n", err(mlock(p + 16 * PAGE, PAGE)));
	printf("VmLck: %ld pages\n", locked_pages());
	printf("munlock pages 0-7: %s\n", err(munlock(p, 8 * PAGE)));
	printf("mlock page 16 now: %s\n", err(mlock(p + 16 * PAGE, PAGE)));
	printf("mlock2 onfault pages 17-24: %s\n", err(mlock2(p + 17 * PAGE, 8 * PAGE, MLOCK_ONFAULT)));
	printf("mlock of 3 bytes across pages 0-1: %s\n", err(mlock(p + PAGE - 1, 3)));
	printf("mlockall(MCL_CURRENT): %s\n", err(mlockall(MCL_CURRENT)));
	child = fork();
	if (child == 0) /* locks are not inherited: the child has the whole limit */
		_exit(mlock(p, 16 * PAGE) == 0 ? 0 : 10 + errno % 100);
	waitpid(child, &status, 0);
	printf("child locks 16 pages: status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("munlockall: %s\n", err(munlockall()));
	printf("VmLck after munlockall: %ld pages\n", locked_pages());
	printf("mlock pages 0-15 after munlockall: %s\n", err(mlock(p, 16 * PAGE)));
	future();
	hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	printf("munlock of a hole: %s\n", err(munlock(hole, PAGE)));
	printf("limit of 0: %s\n", err(limit(0)));
	printf("mlock page 0: %s\n", err(mlock(p, PAGE)));
	printf("mlock of nothing: %s\n", err(mlock(p, 0)));
	printf("mlockall(MCL_CURRENT): %s\n", err(mlockall(MCL_CURRENT)));
	printf("mlockall(MCL_FUTURE): %s\n", err(mlockall(MCL_FUTURE)));
	printf("munlock pages 0-15: %s\n", err(munlock(p, 16 * PAGE)));
	return 0;
}
