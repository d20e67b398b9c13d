// SPDX-License-Identifier: GPL-2.0
/*
 * overcommit [strict]: how much private memory a program may be promised.
 * Sizes come from MemTotal in /proc/meminfo (the LWK's under mcexec). With
 * half the memory mapped and used, growing it to all of it (mremap), growing
 * the heap by three quarters and forking succeed under Linux's default
 * heuristic, natively and on the LWK; under the LWK's strict policy
 * (overcommit=strict) they fail with ENOMEM and nothing changes. A mapping
 * larger than the memory fails under both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define M2 (2ul << 20)

static size_t mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long kb = 0;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb << 10;
}

static const char *result(int failed)
{
	return failed ? strerror(errno) : "ok";
}

int main(void)
{
	size_t total = mem_total(), half = (total / 2) & ~(M2 - 1);
	char *p, *q;

	if (!half) {
		printf("no MemTotal\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	p = mmap(NULL, half, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap of half the memory: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < half; i += 4096)
		p[i] = (char)(i >> 12);

	/* The case: growing it to all of the memory, never touched. */
	q = mremap(p, half, 2 * half, MREMAP_MAYMOVE);
	printf("mremap of half the memory to all of it: %s\n", result(q == MAP_FAILED));
	if (q != MAP_FAILED) {
		int kept = 1;

		for (size_t i = 0; i < half; i += 4096)
			kept &= q[i] == (char)(i >> 12);
		printf("the old half kept its bytes: %s\n", kept ? "ok" : "no");
		q[half + 4096] = 5;
		q[2 * half - 1] = 6;
		printf("the new half works on touch: %s\n", q[half + 4096] + q[2 * half - 1] == 11 ? "ok" : "no");
		p = q;
	} else {
		printf("the old mapping is still there: %s\n", p[half - 4096] == (char)((half - 4096) >> 12) ? "ok" : "no");
	}

	/* The heap, by three quarters of the memory, while half of it is used. */
	void *old_brk = sbrk(0);
	int brk_failed = sbrk((intptr_t)(total / 4 * 3)) == (void *)-1;
	printf("sbrk by three quarters of the memory: %s\n", result(brk_failed));
	if (!brk_failed) {
		((char *)old_brk)[total / 4 * 3 - 1] = 1;
		brk(old_brk);
	}

	/* fork while half the memory is used: its copy is promised too. */
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 9; /* the child's own copy */
		_exit(p[4096] == 1 ? 0 : 1);
	}
	if (pid < 0) {
		printf("fork holding half the memory: %s\n", strerror(errno));
	} else {
		int status = 0;

		waitpid(pid, &status, 0);
		printf("fork holding half the memory: ok, child status %d, parent's byte %d\n",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, p[0]);
	}

	/* More than all of the memory in one mapping: refused by both policies. */
	void *big = mmap(NULL, 2 * total + (64ul << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap of twice the memory: %s\n", result(big == MAP_FAILED));
	return 0;
}
