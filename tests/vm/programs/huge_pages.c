// SPDX-License-Identifier: GPL-2.0
/*
 * MAP_HUGETLB pages of one size (vm.hugepages):
 *   huge_pages 1g|2m
 * maps 1 GiB of private MAP_HUGETLB memory with MAP_HUGE_1GB or MAP_HUGE_2MB at
 * a fixed, 1 GiB-aligned address, writes and reads back a word every 4 KiB,
 * checks that only whole pages of its size are unmapped or protected, moves it
 * whole with mremap, and unmaps it. Natively it needs pages of that size in
 * Linux's pool (/sys/kernel/mm/hugepages). Output is the same natively and
 * under mcexec; the page size the LWK used shows in mcexec --report's
 * page_table_bytes: a 1 GiB page needs no page directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

#define GIB (1ul << 30)

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	failed |= !ok;
}

static unsigned long sum_words(volatile uint64_t *p, uint64_t salt)
{
	unsigned long bad = 0;
	for (size_t i = 0; i < GIB / 8; i += 512)
		bad += p[i] != (i ^ salt);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "1g") && strcmp(argv[1], "2m"))) {
		fprintf(stderr, "usage: huge_pages 1g|2m\n");
		return 2;
	}
	int gig = !strcmp(argv[1], "1g");
	size_t page = gig ? GIB : 2ul << 20;
	char *want = (char *)(8ul << 40), *to = want + 4 * GIB; /* below where PIEs load (16 TiB) */
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED_NOREPLACE | (gig ? MAP_HUGE_1GB : MAP_HUGE_2MB);
	char *p = mmap(want, GIB, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return 1;
	}
	check(p == want, "mapped where asked");
	volatile uint64_t *w = (volatile uint64_t *)p;
	for (size_t i = 0; i < GIB / 8; i += 512)
		w[i] = i ^ 0x5a5a;
	check(sum_words(w, 0x5a5a) == 0, "1 GiB written and read back, a word every 4 KiB");
	/*
	 * Offloaded calls read and write it (under mcexec: through its view of
	 * the page): 3000 bytes holding a written word, into a place between two.
	 */
	int fds[2];
	char *from = p + (300ul << 20) + 2000, *into = p + (900ul << 20) + 100;
	check(pipe(fds) == 0 && write(fds[1], from, 3000) == 3000 && read(fds[0], into, 3000) == 3000 &&
		      !memcmp(from, into, 3000) && *(uint64_t *)(into + 2096) != 0,
	      "3000 bytes of it through a pipe, from one place into another");
	close(fds[0]);
	close(fds[1]);
	errno = 0;
	check(munmap(p + page / 2, page / 2) == -1 && errno == EINVAL, "munmap of half a page: EINVAL");
	errno = 0;
	check(mprotect(p, page / 2, PROT_READ) == -1 && errno == EINVAL, "mprotect of half a page: EINVAL");
	check(mprotect(p, GIB, PROT_READ) == 0, "mprotect of the whole: read-only");
	check(mprotect(p, GIB, PROT_READ | PROT_WRITE) == 0, "and back");
	char *q = mremap(p, GIB, GIB, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	check(q == to, "moved whole with mremap");
	if (q == to)
		check(sum_words((volatile uint64_t *)q, 0x5a5a) == 0, "the data moved with it");
	check(munmap(q == to ? q : p, GIB) == 0, "unmapped");
	return failed;
}
