// SPDX-License-Identifier: GPL-2.0
/*
 * A program whose McKernel report is known in advance (vm.report):
 *   report_probe CALLS THREADS MIB [SCATTERED]
 * exactly CALLS getuid() system calls (offloaded) and CALLS getppid() (the LWK's
 * own: Linux is asked once), THREADS threads besides the
 * main one (each makes no system call of its own but the ones creating and
 * ending it), and MIB MiB mapped with MAP_POPULATE and touched (no page faults).
 * SCATTERED pages (at most 64), each alone in its own GiB (a page directory
 * and a page table of its own), are mapped together with MAP_POPULATE and
 * unmapped again before the end: page tables the program had at once but no
 * longer has when it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *idle_thread(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: report_probe CALLS THREADS MIB [SCATTERED]\n");
		return 2;
	}
	long calls = atol(argv[1]), threads = atol(argv[2]), scattered = argc == 5 ? atol(argv[4]) : 0;
	size_t len = (size_t)atol(argv[3]) << 20;
	/* GiBs where something is mapped already are skipped (EEXIST). */
	char *scatter[64];
	long done = 0;
	for (long i = 0; done < scattered && done < 64 && i < 4096; i++) {
		char *want = (char *)(0x100000000000ul + ((unsigned long)i << 30));
		char *q = mmap(want, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE,
			       -1, 0);
		if (q == MAP_FAILED && errno == EEXIST)
			continue;
		if (q != want)
			return 1;
		scatter[done++] = q;
	}
	for (long i = 0; i < done; i++)
		if (munmap(scatter[i], 4096))
			return 1;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	for (long i = 0; i < calls; i++) {
		syscall(SYS_getuid);
		syscall(SYS_getppid);
	}
	pthread_t t[64];
	for (long i = 0; i < threads && i < 64; i++)
		if (pthread_create(&t[i], NULL, idle_thread, NULL))
			return 1;
	for (long i = 0; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	return 0;
}
