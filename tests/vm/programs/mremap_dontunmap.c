// SPDX-License-Identifier: GPL-2.0
/*
 * mremap_dontunmap: mremap(MREMAP_DONTUNMAP), one line per check, the same
 * natively and under mcexec (tests/vm/test_process.sh). The pages move to the
 * new place and the old range stays mapped and empty (zeros on the next
 * read, writable, independent of the new place), also for 2 MiB pages and
 * with MREMAP_FIXED; shared memory (anonymous, a file) shows the same bytes
 * at both places. Linux's refusals: without MREMAP_MAYMOVE, with another
 * length, a hint that overlaps the old range or is not page aligned, the
 * vDSO (EINVAL), nothing mapped at the old address (EFAULT); and, without
 * MREMAP_DONTUNMAP, growing the vDSO (EFAULT, VM_DONTEXPAND) and a second
 * mapping of it (old size 0: EINVAL, as for any private memory). The
 * program's own initialized data (a private mapping of its file on Linux)
 * keeps the file's bytes at the old range: Linux reads the file again there,
 * the LWK, which has no hold on the file, refuses the move (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define PAGE 4096ul
#define HUGE (2ul << 20)

/* The raw call: the C library's wrapper takes the fifth argument only with MREMAP_FIXED. */
static void *remap(void *old, size_t old_len, size_t new_len, unsigned long flags, void *hint)
{
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, hint);
}

static const char *result(void *got) { return got == MAP_FAILED ? strerrorname_np(errno) : "ok"; }

/* Every page of [p, p + len) holds its index plus @base in its first byte, and the rest of it zero. */
static int holds(const unsigned char *p, size_t len, int base)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (i % PAGE ? 0 : (unsigned char)(i / PAGE + base)))
			return 0;
	return 1;
}

static void fill(unsigned char *p, size_t len, int base)
{
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (unsigned char)(i / PAGE + base);
}

static int zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Private anonymous memory of @len at @align: moved, the old range empty and usable. */
static void private_case(const char *what, size_t len, size_t align, int fixed)
{
	unsigned char *area = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		printf("%s: mmap: %s\n", what, strerrorname_np(errno));
		return;
	}
	unsigned char *old = (unsigned char *)(((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1));
	fill(old, len, 1);
	unsigned char *target = NULL;
	if (fixed) {
		/* A mapping of its own there, which the move replaces. */
		target = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	unsigned char *moved = remap(old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | (fixed ? MREMAP_FIXED : 0),
				     target);
	printf("%s: %s", what, result(moved));
	if (moved != MAP_FAILED) {
		printf(", moved %s, new place holds the pages %s, old range reads zero %s", moved != old ? "yes" : "no",
		       holds(moved, len, 1) ? "yes" : "no", zero(old, len) ? "yes" : "no");
		if (fixed)
			printf(", at the address asked %s", moved == target ? "yes" : "no");
		fill(old, len, 100);
		printf(", old range writable, new place unchanged %s\n",
		       holds(old, len, 100) && holds(moved, len, 1) ? "yes" : "no");
		munmap(moved, len);
	} else {
		printf("\n");
	}
	munmap(area, len + align);
}

/* Shared memory: both places show the same pages. */
static void shared_case(const char *what, int fd)
{
	size_t len = 4 * PAGE;
	unsigned char *old = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (old == MAP_FAILED) {
		printf("%s: mmap: %s\n", what, strerrorname_np(errno));
		return;
	}
	fill(old, len, 1);
	unsigned char *moved = remap(old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	printf("%s: %s", what, result(moved));
	if (moved != MAP_FAILED) {
		printf(", moved %s, new place holds the pages %s, old range too %s", moved != old ? "yes" : "no",
		       holds(moved, len, 1) ? "yes" : "no", holds(old, len, 1) ? "yes" : "no");
		fill(moved, len, 50);
		printf(", a write at the new place shows at the old %s\n", holds(old, len, 50) ? "yes" : "no");
		munmap(moved, len);
	} else {
		printf("\n");
	}
	munmap(old, len);
}

/* Two pages of the program's initialized data, alone in them. */
static unsigned char own_data[2 * PAGE] __attribute__((aligned(PAGE))) = {[0] = 7, [PAGE] = 9};

static void own_data_case(void)
{
	void *moved = remap(own_data, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	/* Natively moved (the old page then reads the file again), on the LWK EINVAL (untouched). */
	int kept = moved != MAP_FAILED || errno == EINVAL;
	const volatile unsigned char *d = own_data; /* read after the call, not folded */
	printf("the program's own data: old range holds the file's bytes %s, the next page untouched %s\n",
	       kept && d[0] == 7 && zero((const unsigned char *)own_data + 1, PAGE - 1) ? "yes" : "no",
	       d[PAGE] == 9 ? "yes" : "no");
	if (moved != MAP_FAILED)
		munmap(moved, PAGE);
}

int main(void)
{
	private_case("private, 3 pages", 3 * PAGE, PAGE, 0);
	private_case("private, 4 MiB at 2 MiB", 2 * HUGE, HUGE, 0);
	private_case("private, MREMAP_FIXED", 5 * PAGE, PAGE, 1);
	shared_case("shared anonymous", -1);
	char name[] = "/tmp/mremap_dontunmap.XXXXXX";
	int fd = mkstemp(name);
	if (fd < 0 || ftruncate(fd, 4 * PAGE) != 0) {
		perror("temporary file");
		return 1;
	}
	unlink(name);
	shared_case("shared file", fd);
	close(fd);

	/* Linux's refusals. */
	size_t len = 2 * PAGE;
	unsigned char *p = mmap(NULL, 4 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("without MREMAP_MAYMOVE: %s\n", result(remap(p, len, len, MREMAP_DONTUNMAP, NULL)));
	printf("another length: %s\n", result(remap(p, len, 2 * len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));
	printf("a hint over the old range: %s\n",
	       result(remap(p, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + PAGE)));
	printf("an unaligned hint: %s\n",
	       result(remap(p, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + 2 * len + 1)));
	printf("an unknown flag: %s\n", result(remap(p, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | 64, NULL)));
	void *vdso = (void *)getauxval(AT_SYSINFO_EHDR);
	printf("the vDSO: %s\n", result(remap(vdso, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));
	/* Not MREMAP_DONTUNMAP, but the same flag of Linux's: the vDSO never grows. */
	printf("growing the vDSO: %s\n", result(remap(vdso, PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL)));
	printf("a second mapping of the vDSO: %s\n", result(remap(vdso, 0, PAGE, MREMAP_MAYMOVE, NULL)));
	munmap(p, 4 * len);
	printf("nothing mapped there: %s\n", result(remap(p, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));
	own_data_case();
	return 0;
}
