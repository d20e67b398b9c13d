// SPDX-License-Identifier: GPL-2.0
/* Anonymous mmap: 64 MiB touched, MAP_FIXED in a PROT_NONE range, mprotect, mremap grow, MAP_32BIT. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define MiB (1UL << 20)

static sigjmp_buf jb;
static size_t pg;

static void on_segv(int sig)
{
	siglongjmp(jb, sig);
}

/* 1 if reading (write=0) or writing (write=1) *p faults with SIGSEGV. */
static int faults(volatile char *p, int write)
{
	if (sigsetjmp(jb, 1))
		return 1;
	if (write)
		*p = 1;
	else
		(void)*p;
	return 0;
}

/* 1 if every page of [p, p+len) is mapped, 0 if none is, -1 if mixed. */
static int mapped(void *p, size_t len)
{
	unsigned char vec[64];
	size_t n = len / pg, yes = 0;

	for (size_t i = 0; i < n; i++)
		yes += mincore((char *)p + i * pg, pg, vec) == 0;
	return yes == n ? 1 : yes == 0 ? 0 : -1;
}

int main(void)
{
	struct sigaction sa;
	size_t len = 64 * MiB;
	char *a, *res, *fix, *m, *m2, *guard;
	int bad = 0;

	pg = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SIGSEGV");

	/* 64 MiB: zero-filled, every page writable, gone after munmap */
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap 64 MiB");
	CHECK(((uintptr_t)a & (pg - 1)) == 0, "page aligned");
	for (size_t off = 0; off < len; off += pg) {
		bad |= a[off] != 0 || a[off + pg - 1] != 0;
		*(size_t *)(a + off) = off / pg + 1;
	}
	CHECK(!bad, "fresh anonymous memory is zero");
	for (size_t off = 0; off < len; off += pg)
		bad |= *(size_t *)(a + off) != off / pg + 1;
	CHECK(!bad, "every page kept its value");
	CHECK(munmap(a, len) == 0, "munmap");
	CHECK(mapped(a, len) == 0, "unmapped range reported unmapped by mincore");
	CHECK(faults(a + len / 2, 0), "access after munmap faults");
	printf("ok 64 MiB anonymous touch every page, munmap\n");

	/* reserve 16 pages PROT_NONE, map 4 RW pages at page 4 with MAP_FIXED */
	res = mmap(NULL, 16 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(res != MAP_FAILED, "reserve PROT_NONE");
	CHECK(faults(res, 0) && faults(res + 15 * pg, 1), "PROT_NONE faults");
	fix = mmap(res + 4 * pg, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(fix == res + 4 * pg, "MAP_FIXED lands at the requested address");
	memset(fix, 0xa5, 4 * pg);
	CHECK(faults(res + 3 * pg + pg - 1, 0) && faults(res + 8 * pg, 0), "neighbours still PROT_NONE");
	printf("ok MAP_FIXED inside PROT_NONE reservation\n");

	/* mprotect: NONE -> RW, RW -> R */
	CHECK(mprotect(res + 8 * pg, 2 * pg, PROT_READ | PROT_WRITE) == 0, "mprotect RW");
	CHECK(!faults(res + 8 * pg, 1) && !faults(res + 9 * pg + 5, 1), "writable after mprotect");
	CHECK(res[8 * pg] == 1 && res[9 * pg] == 0, "contents after mprotect");
	CHECK(mprotect(fix, 4 * pg, PROT_READ) == 0, "mprotect R");
	CHECK(!faults(fix + 100, 0) && faults(fix + 100, 1), "read-only: reads work, writes fault");
	CHECK((unsigned char)fix[3 * pg + 7] == 0xa5, "contents kept through mprotect");
	CHECK(munmap(res, 16 * pg) == 0, "munmap reservation");
	printf("ok mprotect\n");

	/* mremap grow: a PROT_NONE guard page right after blocks growth in place */
	m = mmap(NULL, MiB + pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap for mremap");
	CHECK(mprotect(m, MiB, PROT_READ | PROT_WRITE) == 0, "mprotect first MiB");
	guard = m + MiB;
	for (size_t i = 0; i < MiB; i++)
		m[i] = (char)(i * 7 + (i >> 12));
	CHECK(mremap(m, MiB, 8 * MiB, 0) == MAP_FAILED && errno == ENOMEM, "in-place grow refused");
	m2 = mremap(m, MiB, 8 * MiB, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED, "mremap MREMAP_MAYMOVE");
	CHECK(m2 != m, "grown mapping moved");
	for (size_t i = 0; i < MiB; i++)
		bad |= m2[i] != (char)(i * 7 + (i >> 12));
	CHECK(!bad, "contents moved with the mapping");
	for (size_t i = MiB; i < 8 * MiB; i += pg)
		bad |= m2[i] != 0;
	CHECK(!bad, "grown part is zero");
	memset(m2 + 7 * MiB, 3, MiB);
	CHECK(faults(m, 0), "old address no longer mapped");
	m = mremap(m2, 8 * MiB, 2 * MiB, 0);
	CHECK(m == m2 && m2[MiB - 1] == (char)((MiB - 1) * 7 + ((MiB - 1) >> 12)), "mremap shrink in place");
	CHECK(faults(m2 + 3 * MiB, 0), "shrunk tail unmapped");
	munmap(m2, 2 * MiB);
	munmap(guard, pg);
	printf("ok mremap grow keeps contents, shrink\n");

	/* MAP_32BIT (x86-64): in [1 GiB, 2 GiB) without a hint; a free hint ending below 2 GiB is kept */
	m = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(m != MAP_FAILED, "mmap MAP_32BIT");
	CHECK((uintptr_t)m >= (1UL << 30) && (uintptr_t)m + 4 * MiB <= (2UL << 30), "MAP_32BIT in [1 GiB, 2 GiB)");
	m[0] = 1, m[4 * MiB - 1] = 2;
	CHECK(munmap(m, 4 * MiB) == 0, "munmap MAP_32BIT");
	m = mmap((void *)(512 * MiB), MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(m == (void *)(512 * MiB), "MAP_32BIT keeps a free hint below 2 GiB");
	CHECK(munmap(m, MiB) == 0, "munmap MAP_32BIT at the hint");
	m = mmap((void *)(1UL << 40), MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(m != MAP_FAILED && (uintptr_t)m + MiB <= (2UL << 30), "MAP_32BIT ignores a hint above 2 GiB");
	CHECK(munmap(m, MiB) == 0, "munmap MAP_32BIT past the hint");
	m = mmap(NULL, 2UL << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_NORESERVE, -1, 0);
	CHECK(m == MAP_FAILED && errno == ENOMEM, "MAP_32BIT of 2 GiB is ENOMEM");
	printf("ok MAP_32BIT\n");
	return 0;
}
