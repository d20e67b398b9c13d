// SPDX-License-Identifier: GPL-2.0
/* sbrk grown to 64 MiB in steps, written, shrunk, regrown (zero); malloc of many sizes. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define MiB (1UL << 20)
#define NBLK 3000

static sigjmp_buf jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static int write_faults(volatile char *p)
{
	if (sigsetjmp(jb, 1))
		return 1;
	*p = 1;
	return 0;
}

static size_t size_of(int i)
{
	if (i % 500 == 499)
		return (size_t)(i / 500 + 1) * 3 * MiB + i; /* large: mmap'd by malloc */
	return ((size_t)i * i * 37) % 70000 + 1;
}

int main(void)
{
	static char *blk[NBLK];
	struct sigaction sa;
	char *orig, *cur, *p;
	int bad = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");
	/* first output allocates stdout's buffer; nothing below may malloc until brk is restored */
	printf("ok start\n");
	fflush(stdout);

	orig = sbrk(0);
	CHECK(orig != (char *)-1, "sbrk(0)");
	CHECK((char *)syscall(SYS_brk, 0) == orig, "brk syscall agrees with sbrk(0)");
	cur = orig;
	for (int i = 0; i < 28; i++) { /* 16 x 1 MiB + 12 x 4 MiB = 64 MiB */
		size_t step = i < 16 ? MiB : 4 * MiB;

		p = sbrk(step);
		CHECK(p == cur, "sbrk returns the previous break");
		cur += step;
	}
	CHECK(sbrk(0) == orig + 64 * MiB, "break at +64 MiB");
	for (size_t off = 0; off < 64 * MiB; off += 4096)
		bad |= orig[off] != 0;
	CHECK(!bad, "new break memory is zero");
	for (size_t off = 0; off < 64 * MiB; off += 512)
		*(size_t *)(orig + off) = off ^ 0x5555;
	for (size_t off = 0; off < 64 * MiB; off += 512)
		bad |= *(size_t *)(orig + off) != (off ^ 0x5555);
	CHECK(!bad, "all 64 MiB writable and kept");

	/* shrink by 48 MiB: the rest stays, the top is gone */
	CHECK(sbrk(-(intptr_t)(48 * MiB)) == orig + 64 * MiB, "shrink returns the old break");
	CHECK(sbrk(0) == orig + 16 * MiB, "break at +16 MiB");
	for (size_t off = 0; off < 16 * MiB; off += 512)
		bad |= *(size_t *)(orig + off) != (off ^ 0x5555);
	CHECK(!bad, "memory below the break kept");
	CHECK(write_faults(orig + 32 * MiB), "memory above the break unmapped");

	/* grow again: fresh zero pages */
	CHECK(sbrk(48 * MiB) == orig + 16 * MiB, "grow again");
	for (size_t off = 16 * MiB; off < 64 * MiB; off += 512)
		bad |= *(size_t *)(orig + off) != 0;
	CHECK(!bad, "regrown memory is zero");
	memset(orig + 16 * MiB, 0x11, 48 * MiB);
	CHECK(brk(orig) == 0 && sbrk(0) == orig, "brk back to the start");
	printf("ok sbrk grow to 64 MiB, write, shrink, grow\n");

	/* malloc of many sizes */
	for (int i = 0; i < NBLK; i++) {
		blk[i] = malloc(size_of(i));
		CHECK(blk[i] != NULL, "malloc");
		CHECK(((uintptr_t)blk[i] & 15) == 0, "malloc alignment 16");
		memset(blk[i], (char)i, size_of(i));
	}
	for (int i = 0; i < NBLK; i++)
		for (size_t j = 0; j < size_of(i); j += 97)
			bad |= blk[i][j] != (char)i || blk[i][size_of(i) - 1] != (char)i;
	CHECK(!bad, "blocks do not overlap");
	for (int i = 1; i < NBLK; i += 2)
		free(blk[i]);
	for (int i = 0; i < NBLK; i += 2) {
		size_t n = size_of(i);

		blk[i] = realloc(blk[i], 2 * n + 4096);
		CHECK(blk[i] != NULL, "realloc");
		for (size_t j = 0; j < n; j += 61)
			bad |= blk[i][j] != (char)i;
		bad |= blk[i][n - 1] != (char)i;
	}
	CHECK(!bad, "realloc keeps contents");
	for (int i = 1; i < NBLK; i += 2) {
		blk[i] = calloc(size_of(i), 1);
		CHECK(blk[i] != NULL, "calloc");
		for (size_t j = 0; j < size_of(i); j++)
			bad |= blk[i][j] != 0;
	}
	CHECK(!bad, "calloc memory is zero");
	for (int i = NBLK - 1; i >= 0; i--)
		free(blk[i]);
	printf("ok malloc/realloc/calloc %d blocks of many sizes\n", NBLK);
	return 0;
}
