// SPDX-License-Identifier: GPL-2.0
/*
 * limits: the program's RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK, one line per
 * check, the same natively and under mcexec (tests/vm/test_process.sh), run as
 * root: what getrlimit says, what setrlimit and prlimit64 accept, that
 * allocations past the limits fail with ENOMEM while smaller ones work (and
 * threads and files still do), that a fork child and an exec'd shell have
 * the same limits, and that a hard limit cannot be raised without
 * CAP_SYS_RESOURCE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024ul * 1024)

static const char *err(long ret) { return ret == -1 ? strerrorname_np(errno) : "ok"; }

static const char *value(rlim_t v)
{
	static char buf[2][32];
	static int n;
	char *b = buf[n++ & 1];
	if (v == RLIM_INFINITY)
		return "inf";
	snprintf(b, 32, "%lu MiB", (unsigned long)(v / MiB));
	return b;
}

static void show(const char *name, int res)
{
	struct rlimit r;
	getrlimit(res, &r);
	printf("%s: %s / %s\n", name, value(r.rlim_cur), value(r.rlim_max));
}

static const char *try_malloc(size_t bytes)
{
	void *p = malloc(bytes);
	if (!p)
		return strerrorname_np(errno);
	memset(p, 1, 4096);
	free(p);
	return "ok";
}

static void *thread_fn(void *arg) { return arg; }

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	show("as", RLIMIT_AS);
	show("stack", RLIMIT_STACK);

	/* Hostile pointers: a bad address, one in mcexec's range (64 TiB and up). */
	printf("getrlimit into a bad address: %s\n", err(getrlimit(RLIMIT_AS, (struct rlimit *)8)));
	printf("setrlimit from mcexec's range: %s\n", err(setrlimit(RLIMIT_DATA, (struct rlimit *)0x500000000000ull)));
	printf("prlimit64 old into a bad address: %s\n", err(prlimit(0, RLIMIT_STACK, NULL, (struct rlimit *)8)));

	struct rlimit as = {200 * MiB, 1024 * MiB};
	printf("set AS to 200 MiB / 1024 MiB: %s\n", err(setrlimit(RLIMIT_AS, &as)));
	show("as", RLIMIT_AS);
	struct rlimit bad = {300 * MiB, 200 * MiB};
	printf("set soft above hard: %s\n", err(setrlimit(RLIMIT_AS, &bad)));
	printf("malloc 300 MiB: %s\n", try_malloc(300 * MiB));
	printf("malloc 100 MiB: %s\n", try_malloc(100 * MiB));
	void *m = mmap(NULL, 300 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("mmap 300 MiB PROT_NONE: %s\n", err(m == MAP_FAILED ? -1 : 0));
	pthread_t t;
	printf("a thread: %s\n", pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL) ? "failed" : "ok");
	FILE *f = fopen("/proc/self/cmdline", "r");
	printf("a file: %s\n", f && fclose(f) == 0 ? "ok" : "failed");

	struct rlimit old, next = {180 * MiB, 1024 * MiB};
	printf("prlimit64 self: %s", err(prlimit(0, RLIMIT_AS, &next, &old)));
	printf(", old %s, now ", value(old.rlim_cur));
	show("as", RLIMIT_AS);

	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		show("fork child: as", RLIMIT_AS);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	fflush(stdout);
	printf("exec'd shell: ulimit -v = ");
	fflush(stdout);
	system("ulimit -v");

	as.rlim_cur = as.rlim_max = RLIM_INFINITY;
	printf("raise back as root: %s\n", err(setrlimit(RLIMIT_AS, &as)));

	struct rlimit data = {50 * MiB, RLIM_INFINITY};
	printf("set DATA to 50 MiB: %s\n", err(setrlimit(RLIMIT_DATA, &data)));
	printf("malloc 100 MiB: %s\n", try_malloc(100 * MiB));
	printf("malloc 20 MiB: %s\n", try_malloc(20 * MiB));
	printf("sbrk 60 MiB: %s\n", sbrk(60 * MiB) == (void *)-1 ? strerrorname_np(errno) : "ok");
	printf("read-only 100 MiB (not data): %s\n",
	       err(mmap(NULL, 100 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0));

	struct rlimit hard = {64 * MiB, 512 * MiB};
	printf("lower AS hard to 512 MiB: %s\n", err(setrlimit(RLIMIT_AS, &hard)));
	printf("drop to uid 65534: %s\n", err(setresuid(65534, 65534, 65534)));
	hard.rlim_max = 1024 * MiB;
	printf("raise AS hard without CAP_SYS_RESOURCE: %s\n", err(setrlimit(RLIMIT_AS, &hard)));
	hard.rlim_max = 256 * MiB;
	printf("lower it further: %s\n", err(setrlimit(RLIMIT_AS, &hard)));
	show("as", RLIMIT_AS);
	return 0;
}
